"""``qml.matrix`` and ``qml.eigvals`` of operators, tapes, quantum functions and QNodes.

Every expected matrix is built here from the reference's gate matrices, embedded on the wire order by
``reference.embed`` (the first wire of the order is the most significant bit).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref
from circuit_builders import ALL_GATES, GATE_NAMES, build, random_op, rng_for, wire_count

import quantum_jax as qml
from quantum_jax import _matrix
from quantum_jax._matrix import circuit_unitary, embed
from quantum_jax.tape import Tape

ORDER = [3, 1, 0, 2]  # a wire order that permutes the labels and holds wires the gates do not touch


def on_order(mat: np.ndarray, wires, order) -> np.ndarray:
    """``mat`` (on ``wires``) as an operator on ``order``, by the reference's embedding."""
    return ref.embed(mat, [list(order).index(w) for w in wires], len(order))


@pytest.mark.parametrize("cls", ALL_GATES, ids=GATE_NAMES)
def test_matrix_of_every_gate_on_its_wires_and_on_a_wire_order(cls):
    name = cls.__name__
    rng = rng_for("qml.matrix", name)
    k = wire_count(name, rng)
    wires = [int(w) for w in rng.permutation(4)[:k]]
    spec = random_op(name, wires, rng)
    op = build(spec)
    want = spec.matrix()
    np.testing.assert_allclose(qml.matrix(op), want, atol=1e-10)
    np.testing.assert_allclose(qml.matrix(op, wire_order=ORDER), on_order(want, wires, ORDER), atol=1e-10)


def test_matrix_of_observables():
    herm = ref.random_hermitian(rng_for("herm"), 4)
    t = qml.PauliZ("a") @ qml.Hermitian(herm, wires=["c", "b"])
    order = ["b", "a", "c"]
    want = on_order(np.kron(ref.Z, herm), ["a", "c", "b"], order)
    np.testing.assert_allclose(qml.matrix(t, wire_order=order), want, atol=1e-12)
    np.testing.assert_allclose(qml.matrix(t), np.kron(ref.Z, herm), atol=1e-12)
    h = qml.Hamiltonian([0.5, -2.0], [qml.PauliX(1), qml.PauliZ(0) @ qml.PauliY(1)])
    want_h = 0.5 * on_order(ref.X, [1], [1, 0]) - 2.0 * on_order(np.kron(ref.Z, ref.Y), [0, 1], [1, 0])
    np.testing.assert_allclose(qml.matrix(h), want_h, atol=1e-12)  # its wires: 1 then 0
    proj = qml.Projector([1, 0], wires=[0, 1])
    np.testing.assert_allclose(
        qml.matrix(proj, wire_order=[1, 0]), np.diag([0, 1, 0, 0]), atol=0
    )  # |w1=0, w0=1>


def test_matrix_of_pauli_words_and_sentences():
    w = qml.pauli.PauliWord({0: "X", 1: "Z"})
    np.testing.assert_allclose(qml.matrix(w), np.kron(ref.X, ref.Z))
    np.testing.assert_allclose(qml.matrix(w, wire_order=[1, 0]), np.kron(ref.Z, ref.X))
    s = w * 0.5 + qml.pauli.PauliWord({1: "Y"})
    np.testing.assert_allclose(
        qml.matrix(s, wire_order=[0, 1]), 0.5 * np.kron(ref.X, ref.Z) + np.kron(ref.I2, ref.Y)
    )


def test_embed_places_a_matrix_on_a_wire_order():
    m = ref.random_unitary(rng_for("embed"), 4)
    np.testing.assert_allclose(
        embed(m, ["x", "y"], ["y", "z", "x"]), on_order(m, ["x", "y"], ["y", "z", "x"])
    )
    np.testing.assert_allclose(embed(m, [0, 1], [0, 1]), m)
    with pytest.raises(ValueError, match=r"embed: 'wire_order' \[0\] lacks the wires \[1\]"):
        embed(m, [0, 1], [0])


def random_circuit(rng: np.random.Generator, wires: list) -> list[ref.Op]:
    names = ["RX", "RY", "CNOT", "Hadamard", "CRZ", "IsingYY", "S", "Toffoli", "Rot", "CY"]
    ops = []
    for name in names:
        k = wire_count(name, rng)
        ops.append(random_op(name, [int(w) for w in rng.permutation(wires)[:k]], rng))
    return ops


def reference_unitary(ops: list[ref.Op], order: list) -> np.ndarray:
    return functools.reduce(
        lambda u, op: on_order(op.matrix(), op.wires, order) @ u, ops, np.eye(2 ** len(order))
    )


def test_matrix_of_a_quantum_function_default_and_given_wire_order():
    specs = random_circuit(rng_for("qfunc"), [0, 1, 2])

    def circuit(scale):
        for s in specs:
            build(s, params=[scale * p for p in s.params])
        return qml.expval(qml.PauliZ(0))

    seen = list(dict.fromkeys(w for s in specs for w in s.wires))  # first appearance
    np.testing.assert_allclose(qml.matrix(circuit)(1.0), reference_unitary(specs, seen), atol=1e-10)
    order = [2, 0, 1, 5]
    np.testing.assert_allclose(
        qml.matrix(circuit, wire_order=order)(1.0), reference_unitary(specs, order), atol=1e-10
    )


def test_matrix_order_of_a_quantum_function_counts_measured_wires():
    def circuit():
        qml.PauliX(wires=1)
        return qml.probs(wires=[1, 0])

    np.testing.assert_allclose(qml.matrix(circuit)(), np.kron(ref.X, ref.I2))


def test_matrix_of_a_qnode_uses_the_device_wires():
    dev = qml.device("default.qubit", wires=["b", "a", "c"])

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires="a")
        qml.CNOT(wires=["a", "c"])
        return qml.state()

    u = qml.matrix(circuit)(0.4)
    order = ["b", "a", "c"]
    want = on_order(ref.controlled(ref.X), ["a", "c"], order) @ on_order(ref.rx(0.4), ["a"], order)
    np.testing.assert_allclose(u, want, atol=1e-12)
    specs = [ref.Op("RX", (0.4,), ("a",)), ref.Op("CNOT", (), ("a", "c"))]
    reordered = qml.matrix(circuit, wire_order=["c", "a", "b"])(0.4)
    np.testing.assert_allclose(reordered, reference_unitary(specs, ["c", "a", "b"]), atol=1e-12)


def test_matrix_of_a_tape_and_circuit_unitary():
    tape = Tape([qml.Hadamard(1), qml.CZ(wires=[1, 0])], [qml.expval(qml.PauliZ(0))])
    want = on_order(np.diag([1, 1, 1, -1]), [1, 0], [1, 0]) @ on_order(ref.H, [1], [1, 0])
    np.testing.assert_allclose(qml.matrix(tape), want, atol=1e-12)
    np.testing.assert_allclose(circuit_unitary(list(tape.operations), [1, 0]), want, atol=1e-12)


def test_matrix_is_differentiable_and_jittable():
    def f(x):
        def circuit():
            qml.RY(x, wires=0)
            qml.CNOT(wires=[0, 1])

        return jnp.real(qml.matrix(circuit)()[3, 0])  # <11|U|00> = sin(x/2)

    x = 0.7
    np.testing.assert_allclose(jax.jit(f)(x), np.sin(x / 2), atol=1e-12)
    np.testing.assert_allclose(jax.grad(f)(x), np.cos(x / 2) / 2, atol=1e-12)
    g = jax.grad(lambda t: jnp.real(qml.matrix(qml.RX(t, wires=0), wire_order=[1, 0])[0, 0]))(x)
    np.testing.assert_allclose(g, -np.sin(x / 2) / 2, atol=1e-12)


def test_matrix_errors():
    with pytest.raises(ValueError, match=r"matrix: 'wire_order' \[1\] lacks the wires \[0\] of CNOT"):
        qml.matrix(qml.CNOT(wires=[0, 1]), wire_order=[1])
    with pytest.raises(ValueError, match=r"matrix: BasisState.* prepares a state and has no matrix"):
        qml.matrix(qml.BasisState([1], wires=0))

    def prepares():
        qml.BasisState([1], wires=0)
        qml.PauliX(0)

    with pytest.raises(
        ValueError, match=r"matrix: BasisState.* prepares a state and has no matrix; remove it"
    ):
        qml.matrix(prepares)()
    with pytest.raises(ValueError, match=r"matrix: 'wire_order' \[0\] lacks the wires \[1\] of PauliX"):
        qml.matrix(lambda: qml.PauliX(1), wire_order=[0])()
    with pytest.raises(TypeError, match=r"matrix: 'op' must be an operator, .* got 3"):
        qml.matrix(3)
    with pytest.raises(ValueError, match=r"matrix: wires=\(0, 0\) repeat"):
        qml.matrix(qml.PauliX(0), wire_order=[0, 0])


# --- eigvals --------------------------------------------------------------------------------------------
def test_eigvals_of_observables_follow_their_declared_order():
    np.testing.assert_allclose(qml.eigvals(qml.PauliZ(0) @ qml.PauliX(1)), [1, -1, -1, 1])
    np.testing.assert_allclose(qml.eigvals(qml.Projector([0, 1], wires=[0, 1])), [0, 1, 0, 0])
    herm = ref.random_hermitian(rng_for("eig"), 4)
    np.testing.assert_allclose(
        qml.eigvals(qml.Hermitian(herm, wires=[0, 1])), np.linalg.eigvalsh(herm), atol=1e-12
    )
    h = qml.Hamiltonian([0.3, -1.1, 0.5], [qml.PauliX(0), qml.PauliZ(0) @ qml.PauliZ(1), qml.PauliY(1)])
    np.testing.assert_allclose(qml.eigvals(h), np.linalg.eigvalsh(ref.obs_matrix(
        ("Hamiltonian", [0.3, -1.1, 0.5], [("PauliX", [0]), ("Tensor", [("PauliZ", [0]), ("PauliZ", [1])]),
                                          ("PauliY", [1])]), 2)), atol=1e-12)  # fmt: skip
    s = qml.pauli.PauliWord({0: "X"}) * 2.0 + qml.pauli.PauliWord({1: "Z"})
    np.testing.assert_allclose(qml.eigvals(s), [-3, -1, 1, 3], atol=1e-12)
    c = qml.pauli.PauliWord({0: "Z"}) * 1j + 0.5  # not Hermitian: diag(0.5 + i, 0.5 - i)
    np.testing.assert_allclose(
        sorted(np.asarray(qml.eigvals(c)), key=np.imag), [0.5 - 1j, 0.5 + 1j], atol=1e-12
    )


def test_eigvals_of_gates_and_circuits():
    x = 0.9
    got = sorted(np.asarray(qml.eigvals(qml.RX(x, wires=0))), key=np.imag)
    np.testing.assert_allclose(got, np.exp([-0.5j * x, 0.5j * x]), atol=1e-12)
    np.testing.assert_allclose(qml.eigvals(qml.CZ(wires=[0, 1])), [1, 1, 1, -1])  # diagonal: in order

    def circuit():
        qml.Hadamard(wires=0)
        qml.S(wires=0)

    u = ref.gate_matrix("S") @ ref.H
    got_c = sorted(np.asarray(qml.eigvals(circuit)()), key=np.angle)
    np.testing.assert_allclose(got_c, sorted(np.linalg.eigvals(u), key=np.angle), atol=1e-12)


def test_public_names():
    assert sorted(_matrix.__all__) == ["eigvals", "matrix"]
    assert qml.matrix is _matrix.matrix and qml.eigvals is _matrix.eigvals


def test_an_operator_inspected_inside_a_circuit_is_not_recorded_into_it():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit():
        qml.Hadamard(wires=0)
        u = qml.matrix(qml.RZ(0.5, wires=1))  # inspected, not applied
        qml.eigvals(qml.PauliX(1))
        qml.ControlledQubitUnitary(u, wires=[0, 1])
        return qml.state()

    rz = np.diag([np.exp(-0.25j), np.exp(0.25j)])
    expected = np.kron([1, 0], [1, 0]) / np.sqrt(2) + np.kron([0, 1], rz @ [1, 0]) / np.sqrt(2)
    np.testing.assert_allclose(circuit(), expected, atol=1e-12)
