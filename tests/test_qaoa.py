"""``qml.qaoa``: MaxCut Hamiltonians and the cost and mixer layers, against dense NumPy constructions.

The references are written here from the definitions: ``H_C = sum_(ij) (Z_i Z_j - I) / 2`` counts
minus the cut edges, ``H_M = sum_i X_i``, and the layers are ``exp(-i gamma H_C)`` and
``exp(-i alpha H_M)`` (computed by eigendecomposition and by the cut-count diagonal).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref
from circuit_builders import rng_for

import quantum_jax as qml
from quantum_jax import _qaoa

ATOL = 1e-10
EDGES = [(0, 1), (1, 2), (2, 0), (2, 3)]
LETTERS = {"PauliX": ref.X, "PauliY": ref.Y, "PauliZ": ref.Z, "Identity": ref.I2}


def dense(h, wires):
    """The matrix of a quantum_jax Hamiltonian, from its coefficients and factors' names and wires."""
    n = len(wires)
    out = np.zeros((2**n, 2**n), dtype=complex)
    for c, op in zip(np.asarray(h.coeffs), h.ops, strict=True):
        term = np.eye(2**n, dtype=complex)
        for f in op.factors():
            term = ref.embed(LETTERS[f.name], [wires.index(f.wires[0])], n) @ term
        out += c * term
    return out


def cut_sizes(edges, n):
    """Per basis state (wire 0 the most significant bit), how many edges join different bits."""
    return np.array(
        [sum(ref.bits_of(x, n)[a] != ref.bits_of(x, n)[b] for a, b in edges) for x in range(2**n)]
    )


class FakeGraph:
    """A networkx-like graph: ``edges`` and ``nodes`` as methods."""

    def __init__(self, edges, nodes):
        self._edges, self._nodes = edges, nodes

    def edges(self):
        return iter(self._edges)

    def nodes(self):
        return iter(self._nodes)


class FakeRustworkx:
    """A rustworkx-like graph: node payloads and ``edge_list()`` of node indices."""

    def nodes(self):
        return ["a", "b", "c"]

    def edge_list(self):
        return [(1, 2), (0, 1)]


def test_maxcut_cost_is_minus_the_cut_size():
    cost, mixer = qml.qaoa.maxcut(EDGES)
    assert [float(c) for c in cost.coeffs] == [0.5] * 4 + [-0.5] * 4
    assert [[f.name for f in op.factors()] for op in cost.ops] == [["PauliZ", "PauliZ"]] * 4 + [
        ["Identity", "Identity"]
    ] * 4
    assert [op.wires for op in cost.ops] == EDGES * 2
    np.testing.assert_allclose(dense(cost, [0, 1, 2, 3]), np.diag(-cut_sizes(EDGES, 4)), atol=ATOL)
    assert mixer.wires == (0, 1, 2, 3)


def test_maxcut_reads_graph_objects():
    cost, mixer = qml.qaoa.maxcut(FakeGraph([("a", "b"), ("b", "c")], ["c", "a", "b"]))
    assert [op.wires for op in cost.ops] == [("a", "b"), ("b", "c")] * 2
    assert mixer.wires == ("c", "a", "b")
    cost, mixer = qml.qaoa.maxcut(FakeRustworkx())
    assert [op.wires for op in cost.ops] == [("a", "b"), ("b", "c")] * 2
    assert mixer.wires == ("a", "b", "c")


def test_maxcut_errors():
    with pytest.raises(ValueError, match="maxcut: 'graph' must be an edge list"):
        qml.qaoa.maxcut(42)
    with pytest.raises(ValueError, match=r"maxcut: every edge must join two distinct nodes; got \(1, 1\)"):
        qml.qaoa.maxcut([(0, 1), (1, 1)])
    with pytest.raises(ValueError, match=r"maxcut: every edge must join two distinct nodes; got \(0, 1, 2\)"):
        qml.qaoa.maxcut([(0, 1, 2)])


def test_x_mixer():
    h = qml.qaoa.x_mixer(range(3))
    expected = sum(ref.embed(ref.X, [i], 3) for i in range(3))
    np.testing.assert_allclose(dense(h, [0, 1, 2]), expected, atol=ATOL)
    assert [f.name for op in h.ops for f in op.factors()] == ["PauliX"] * 3


def test_hamiltonians_built_inside_a_quantum_function_are_not_recorded_as_gates():
    with qml.tape.QuantumTape() as tape:
        cost, _ = qml.qaoa.maxcut([(0, 1)])
        qml.expval(cost)
    assert tape.operations == ()


def layer_state(fn, n, psi):
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev)
    def circuit(psi):
        qml.StatePrep(psi, wires=range(n))
        fn()
        return qml.state()

    return np.asarray(circuit(psi))


def test_cost_layer_is_exp_of_minus_i_gamma_h_c():
    cost, _ = qml.qaoa.maxcut(EDGES)
    psi, gamma = ref.random_state(rng_for("qaoa", "cost"), 16), 0.37
    # exp(-i gamma H_C) with H_C = diag(-cut); the identity terms (-E/2 in total) are dropped as a
    # global phase, as PennyLane does, which multiplies by exp(-i gamma E / 2) with E = 4 edges
    expected = np.exp(1j * gamma * cut_sizes(EDGES, 4)) * np.exp(-1j * gamma * len(EDGES) / 2) * psi
    got = layer_state(lambda: qml.qaoa.cost_layer(gamma, cost), 4, psi)
    np.testing.assert_allclose(got, expected, atol=ATOL)


def test_mixer_layer_is_exp_of_minus_i_alpha_h_m():
    psi, alpha = ref.random_state(rng_for("qaoa", "mixer"), 8), -0.81
    expected = functools.reduce(np.kron, [ref.rx(2 * alpha)] * 3) @ psi
    got = layer_state(lambda: qml.qaoa.mixer_layer(alpha, qml.qaoa.x_mixer(range(3))), 3, psi)
    np.testing.assert_allclose(got, expected, atol=ATOL)


def test_layer_errors():
    with pytest.raises(
        ValueError, match="cost_layer: 'hamiltonian' must be written only in PauliZ and Identity"
    ):
        qml.qaoa.cost_layer(0.1, qml.qaoa.x_mixer([0]))
    with pytest.raises(TypeError, match=r"cost_layer: 'hamiltonian' must be a qml\.Hamiltonian"):
        qml.qaoa.cost_layer(0.1, qml.PauliZ(0))
    with pytest.raises(TypeError, match=r"mixer_layer: 'hamiltonian' must be a qml\.Hamiltonian"):
        qml.qaoa.mixer_layer(0.1, [qml.PauliX(0)])


def qaoa_energy(params, method="backprop"):
    cost, mixer = qml.qaoa.maxcut(EDGES)
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev, diff_method=method)
    def circuit(params):
        for w in range(4):
            qml.Hadamard(wires=w)
        qml.layer(lambda g, a: (qml.qaoa.cost_layer(g, cost), qml.qaoa.mixer_layer(a, mixer)), 2, *params)
        return qml.expval(cost)

    return circuit(params)


def reference_energy(params):
    cut = cut_sizes(EDGES, 4)
    psi = np.full(16, 0.25, dtype=complex)
    mix = lambda a: functools.reduce(np.kron, [ref.rx(2 * a)] * 4)  # noqa: E731
    for g, a in zip(*params, strict=True):
        psi = mix(a) @ (np.exp(1j * g * cut) * psi)
    return float(np.sum(np.abs(psi) ** 2 * -cut))


def test_a_qaoa_circuit_its_energy_and_gradients():
    params = jnp.asarray(rng_for("qaoa", "energy").uniform(-1, 1, size=(2, 2)))
    np.testing.assert_allclose(float(qaoa_energy(params)), reference_energy(np.asarray(params)), atol=ATOL)
    backprop = np.asarray(jax.grad(qaoa_energy)(params))
    shift = np.asarray(jax.grad(lambda p: qaoa_energy(p, "parameter-shift"))(params))
    np.testing.assert_allclose(backprop, shift, atol=1e-10)
    h, p0 = 1e-6, np.asarray(params)
    fd = np.zeros_like(p0)
    for idx in np.ndindex(p0.shape):
        e = np.zeros_like(p0)
        e[idx] = h
        fd[idx] = (reference_energy(p0 + e) - reference_energy(p0 - e)) / (2 * h)
    np.testing.assert_allclose(backprop, fd, atol=1e-7)


@pytest.mark.parametrize("name", _qaoa.__all__)
def test_every_name_is_in_qml_qaoa(name):
    assert getattr(qml.qaoa, name) is getattr(_qaoa, name)
