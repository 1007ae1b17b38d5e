"""``qml.metric_tensor`` against the dense NumPy reference and closed forms.

The exact tensor is checked against finite differences of the reference state, the block-diagonal and
diagonal approximations against covariances of hand-written generators in hand-derived layers, and
both against PennyLane's documented values.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as onp
import pytest
import reference as ref

import quantum_jax as qml
from quantum_jax import numpy as np

HALF_X, HALF_Y, HALF_Z = ref.X / 2, ref.Y / 2, ref.Z / 2
P1 = onp.diag([0.0, 1.0]).astype(complex)  # |1><1|


def fd_metric(psi_fn, theta, h=1e-5):
    """``Re(J^+ J) - Re((J^+ psi)(psi^+ J))`` with ``J`` by central differences of ``psi_fn``."""
    theta = onp.asarray(theta, dtype=float)
    psi = psi_fn(theta)
    cols = []
    for i in range(theta.size):
        e = onp.zeros_like(theta)
        e.flat[i] = h
        cols.append((psi_fn(theta + e) - psi_fn(theta - e)) / (2 * h))
    jac = onp.stack(cols, axis=1)
    berry = jac.conj().T @ psi
    return onp.real(jac.conj().T @ jac - onp.outer(berry, berry.conj()))


def covariance(psi, generators, n):
    """The covariance matrix of ``(matrix, wires)`` generators in the state ``psi`` (dense NumPy)."""
    ops = [ref.embed(m, w, n) for m, w in generators]
    mean = [onp.real(psi.conj() @ o @ psi) for o in ops]
    return onp.array(
        [
            [onp.real(psi.conj() @ a @ b @ psi) - ma * mb for b, mb in zip(ops, mean, strict=True)]
            for a, ma in zip(ops, mean, strict=True)
        ]
    )


def block_diag(*blocks):
    size = sum(b.shape[0] for b in blocks)
    out, k = onp.zeros((size, size)), 0
    for b in blocks:
        out[k : k + b.shape[0], k : k + b.shape[0]] = b
        k += b.shape[0]
    return out


# --- PennyLane's documented example ---------------------------------------------------------------
DEV3 = qml.device("default.qubit", wires=3)


@qml.qnode(DEV3)
def docs_circuit(weights):
    qml.RX(weights[0], wires=0)
    qml.RY(weights[1], wires=0)
    qml.CNOT(wires=[0, 1])
    qml.RZ(weights[2], wires=1)
    qml.RZ(weights[3], wires=0)
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1)), qml.expval(qml.PauliY(1))


def docs_state(w):
    ops = [
        ref.Op("RX", (w[0],), (0,)),
        ref.Op("RY", (w[1],), (0,)),
        ref.Op("CNOT", (), (0, 1)),
        ref.Op("RZ", (w[2],), (1,)),
        ref.Op("RZ", (w[3],), (0,)),
    ]
    return ref.run(ops, 3)


def docs_block_diag(w):
    """Closed form: layers [RX], [RY], [RZ(w2) on 1, RZ(w3) on 0] on |0>, RX|0>, CNOT RY RX|00>."""
    s = (1 - onp.cos(w[0]) ** 2 * onp.cos(w[1]) ** 2) / 4
    return block_diag(onp.array([[0.25]]), onp.array([[onp.cos(w[0]) ** 2 / 4]]), onp.full((2, 2), s))


W = onp.array([0.1, 0.2, 0.4, 0.5])


def test_exact_metric_matches_finite_differences_and_documented_values():
    got = qml.metric_tensor(docs_circuit)(np.array(W))
    onp.testing.assert_allclose(got, fd_metric(docs_state, W), atol=1e-9)
    documented = [
        [0.25, 0.0, -0.0497, -0.0497],
        [0.0, 0.2475, 0.0243, 0.0243],
        [-0.0497, 0.0243, 0.0123, 0.0123],
        [-0.0497, 0.0243, 0.0123, 0.0123],
    ]
    onp.testing.assert_allclose(onp.round(got, 4), documented, atol=1e-12)


def test_block_diag_matches_the_closed_form_and_the_exact_blocks():
    got = qml.metric_tensor(docs_circuit, approx="block-diag")(np.array(W))
    onp.testing.assert_allclose(got, docs_block_diag(W), atol=1e-12)
    exact = fd_metric(docs_state, W)
    mask = docs_block_diag(W) != 0
    onp.testing.assert_allclose(onp.asarray(got)[mask], exact[mask], atol=1e-9)


def test_diag_is_the_exact_diagonal():
    got = qml.metric_tensor(docs_circuit, approx="diag")(np.array(W))
    onp.testing.assert_allclose(got, onp.diag(onp.diag(fd_metric(docs_state, W))), atol=1e-9)


def test_metric_is_differentiable():
    mt_fn = qml.metric_tensor(docs_circuit, approx="block-diag")
    got = qml.grad(lambda x: np.linalg.norm(mt_fn(x), ord="fro"))(np.array(W))

    def norm(w):
        return onp.linalg.norm(docs_block_diag(w))

    h = 1e-6
    want = [(norm(W + h * e) - norm(W - h * e)) / (2 * h) for e in onp.eye(4)]
    onp.testing.assert_allclose(got, want, atol=1e-8)
    onp.testing.assert_allclose(got, [-0.0282246, 0.01340413, 0.0, 0.0], atol=1e-8)  # PennyLane's docs


# --- the layers of a richer circuit -----------------------------------------------------------------
@qml.qnode(DEV3)
def layered(w):
    qml.RY(0.5, wires=0)
    qml.RX(w[0], wires=0)
    qml.RY(w[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.CNOT(wires=[1, 2])
    qml.RZ(w[2], wires=0)
    qml.RZ(w[3], wires=1)
    qml.RY(w[4], wires=2)
    qml.CRX(w[5], wires=[0, 2])
    return qml.expval(qml.PauliZ(2))


def layered_ops(w):
    return [
        ref.Op("RY", (0.5,), (0,)),
        ref.Op("RX", (w[0],), (0,)),
        ref.Op("RY", (w[1],), (1,)),
        ref.Op("CNOT", (), (0, 1)),
        ref.Op("CNOT", (), (1, 2)),
        ref.Op("RZ", (w[2],), (0,)),
        ref.Op("RZ", (w[3],), (1,)),
        ref.Op("RY", (w[4],), (2,)),
        ref.Op("CRX", (w[5],), (0, 2)),
    ]


def layered_blocks(w):
    """Layers [RX_0, RY_1], [RZ_0, RZ_1, RY_2], [CRX_02], each measured before it acts."""
    ops = layered_ops(w)
    g1 = covariance(ref.run(ops[:1], 3), [(HALF_X, (0,)), (HALF_Y, (1,))], 3)
    g2 = covariance(ref.run(ops[:5], 3), [(HALF_Z, (0,)), (HALF_Z, (1,)), (HALF_Y, (2,))], 3)
    g3 = covariance(ref.run(ops[:8], 3), [(onp.kron(P1, HALF_X), (0, 2))], 3)
    return block_diag(g1, g2, g3)


W6 = onp.array([0.3, -0.7, 1.1, 0.4, -1.3, 0.9])


@pytest.mark.parametrize("approx", ["block-diag", "diag"])
def test_layers_of_a_three_wire_circuit(approx):
    got = qml.metric_tensor(layered, approx=approx)(np.array(W6))
    want = layered_blocks(W6)
    assert abs(want[2, 3]) > 1e-3  # the entangled layer has off-diagonal entries
    onp.testing.assert_allclose(got, want if approx == "block-diag" else onp.diag(onp.diag(want)), atol=1e-12)


def test_exact_metric_of_the_three_wire_circuit():
    got = qml.metric_tensor(layered)(np.array(W6))
    want = fd_metric(lambda w: ref.run(layered_ops(w), 3), W6)
    onp.testing.assert_allclose(got, want, atol=1e-9)
    mask = layered_blocks(W6) != 0
    onp.testing.assert_allclose(want[mask], layered_blocks(W6)[mask], atol=1e-9)


def test_rot_parameters_act_one_after_the_other():
    @qml.qnode(DEV3)
    def circuit(w):
        qml.RY(0.7, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.Rot(w[0], w[1], w[2], wires=0)
        qml.RX(w[3], wires=1)
        return qml.expval(qml.PauliZ(0))

    w = onp.array([0.4, 1.2, -0.5, 0.8])
    pre = [ref.Op("RY", (0.7,), (0,)), ref.Op("CNOT", (), (0, 1))]
    after_phi = [*pre, ref.Op("RZ", (w[0],), (0,))]
    after_theta = [*after_phi, ref.Op("RY", (w[1],), (0,))]
    want = block_diag(
        covariance(ref.run(pre, 3), [(HALF_Z, (0,))], 3),
        covariance(ref.run(after_phi, 3), [(HALF_Y, (0,))], 3),
        covariance(ref.run(after_theta, 3), [(HALF_Z, (0,)), (HALF_X, (1,))], 3),
    )
    assert abs(want[2, 3]) > 1e-3
    got = qml.metric_tensor(circuit, approx="block-diag")(np.array(w))
    onp.testing.assert_allclose(got, want, atol=1e-12)

    def state(v):
        return ref.run([*pre, ref.Op("Rot", tuple(v[:3]), (0,)), ref.Op("RX", (v[3],), (1,))], 3)

    exact = fd_metric(state, w)
    onp.testing.assert_allclose(qml.metric_tensor(circuit)(np.array(w)), exact, atol=1e-9)
    onp.testing.assert_allclose(onp.diag(got), onp.diag(exact), atol=1e-9)


GATES = [
    ("RX", 1, 1), ("RY", 1, 1), ("RZ", 1, 1), ("PhaseShift", 1, 1), ("CRX", 2, 1), ("CRY", 2, 1),
    ("CRZ", 2, 1), ("ControlledPhaseShift", 2, 1), ("IsingXX", 2, 1), ("IsingYY", 2, 1), ("IsingZZ", 2, 1),
    ("MultiRZ", 3, 1), ("U3", 1, 3), ("U2", 1, 2), ("CRot", 2, 3),
]  # fmt: skip


@pytest.mark.parametrize(("name", "nw", "npar"), GATES)
def test_exact_metric_for_each_gate(name, nw, npar):
    rng = onp.random.default_rng(sum(map(ord, name)))
    w = rng.uniform(-2, 2, size=npar + 2)
    wires = [(1, 2, 0)[:nw], (2, 0, 1)[:nw]]

    @qml.qnode(DEV3)
    def circuit(w):
        for q in range(3):
            qml.Hadamard(wires=q)
        qml.RY(w[0], wires=0)
        getattr(qml, name)(*w[1 : 1 + npar], wires=list(wires[0]))
        qml.CNOT(wires=[0, 1])
        qml.RX(w[-1], wires=wires[1][0])
        return qml.expval(qml.PauliZ(0))

    def state(v):
        ops = [ref.Op("Hadamard", (), (q,)) for q in range(3)]
        ops += [ref.Op("RY", (v[0],), (0,)), ref.Op(name, tuple(v[1 : 1 + npar]), tuple(wires[0]))]
        ops += [ref.Op("CNOT", (), (0, 1)), ref.Op("RX", (v[-1],), (wires[1][0],))]
        return ref.run(ops, 3)

    exact = fd_metric(state, w)
    onp.testing.assert_allclose(qml.metric_tensor(circuit)(np.array(w)), exact, atol=1e-8)
    onp.testing.assert_allclose(
        qml.metric_tensor(circuit, approx="diag")(np.array(w)), onp.diag(onp.diag(exact)), atol=1e-8
    )


def test_pauli_rot_generator_covariance():
    @qml.qnode(DEV3)
    def circuit(x):
        qml.Hadamard(wires=0)
        qml.RY(0.4, wires=1)
        qml.PauliRot(x[0], "XY", wires=[0, 1])
        qml.PauliRot(x[1], "ZZ", wires=[1, 2])
        return qml.expval(qml.PauliZ(0))

    pre = [ref.Op("Hadamard", (), (0,)), ref.Op("RY", (0.4,), (1,))]
    x = onp.array([0.9, -0.3])
    g1 = covariance(ref.run(pre, 3), [(ref.pauli_word("XY") / 2, (0, 1))], 3)
    after = [*pre, ref.Op("PauliRot", (x[0],), (0, 1), word="XY")]
    g2 = covariance(ref.run(after, 3), [(ref.pauli_word("ZZ") / 2, (1, 2))], 3)
    got = qml.metric_tensor(circuit, approx="block-diag")(np.array(x))
    onp.testing.assert_allclose(got, block_diag(g1, g2), atol=1e-12)


def test_generator_is_read_off_the_matrix():
    from quantum_jax._metric_tensor import generator

    onp.testing.assert_allclose(
        generator(qml.IsingXX(0.3, wires=[0, 1])), ref.pauli_word("XX") / 2, atol=1e-12
    )
    onp.testing.assert_allclose(generator(qml.PhaseShift(1.1, wires=0)), -P1, atol=1e-12)  # exp(-i x G)
    onp.testing.assert_allclose(generator(qml.CRY(0.4, wires=[0, 1])), onp.kron(P1, HALF_Y), atol=1e-12)
    phi, theta, omega = 0.4, 1.2, -0.5
    rot = qml.Rot(phi, theta, omega, wires=0)
    onp.testing.assert_allclose(generator(rot, 0), HALF_Z, atol=1e-12)  # applied first
    moved = ref.rz(phi).conj().T @ HALF_Y @ ref.rz(phi)  # theta's generator, moved to the input
    onp.testing.assert_allclose(generator(rot, 1), moved, atol=1e-12)


# --- arguments: classical processing, several arguments, shapes ---------------------------------------
@qml.qnode(DEV3)
def hybrid(x, y, z):
    qml.RX(2 * x[0], wires=0)
    qml.RY(x[0] * x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RZ(y, wires=1)
    qml.RX(z, wires=0)
    qml.RY(x[1] + y, wires=0)
    return qml.expval(qml.PauliZ(0))


def hybrid_state(x, y, z):
    ops = [
        ref.Op("RX", (2 * x[0],), (0,)),
        ref.Op("RY", (x[0] * x[1],), (1,)),
        ref.Op("CNOT", (), (0, 1)),
        ref.Op("RZ", (y,), (1,)),
        ref.Op("RX", (z,), (0,)),
        ref.Op("RY", (x[1] + y,), (0,)),
    ]
    return ref.run(ops, 3)


def test_classical_processing_and_several_arguments():
    x, y, z = onp.array([0.3, -0.8]), 0.6, 1.1
    got = qml.metric_tensor(hybrid)(np.array(x), np.array(y), np.array(z, requires_grad=False))
    assert isinstance(got, tuple) and len(got) == 2
    assert got[0].shape == (2, 2) and got[1].shape == ()
    onp.testing.assert_allclose(got[0], fd_metric(lambda v: hybrid_state(v, y, z), x), atol=1e-9)
    want_y = fd_metric(lambda v: hybrid_state(x, v[0], z), [y])[0, 0]
    onp.testing.assert_allclose(got[1], want_y, atol=1e-9)
    only_x = qml.metric_tensor(hybrid, approx="block-diag")(np.array(x), np.array(y, requires_grad=False), z)
    assert only_x.shape == (2, 2)


def test_matrix_shaped_argument():
    @qml.qnode(DEV3)
    def circuit(w):
        for i in range(2):
            qml.RX(w[i, 0], wires=i)
            qml.RY(w[i, 1], wires=i)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    def state(v):
        v = v.reshape(2, 2)
        ops = [ref.Op(g, (v[i, j],), (i,)) for i in range(2) for j, g in enumerate(["RX", "RY"])]
        return ref.run([*ops, ref.Op("CNOT", (), (0, 1))], 3)

    w = onp.array([[0.2, 0.5], [-0.4, 1.3]])
    got = qml.metric_tensor(circuit)(np.array(w))
    assert got.shape == (2, 2, 2, 2)
    onp.testing.assert_allclose(onp.reshape(got, (4, 4)), fd_metric(state, w.ravel()), atol=1e-9)


def test_argnum_selects_gate_parameters():
    @qml.qnode(DEV3)
    def circuit(weights):
        qml.RX(weights[1], wires=0)
        qml.RY(weights[0], wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RZ(weights[2], wires=1)
        qml.RZ(weights[3], wires=0)
        return qml.expval(qml.PauliZ(0))

    got = qml.metric_tensor(circuit, argnum=(0, 2, 3))(np.array(W))
    exact = fd_metric(lambda v: docs_state([v[1], v[0], v[2], v[3]]), W)  # gate order: w1, w0, w2, w3
    exact[0, :] = exact[:, 0] = 0.0  # gate parameter 1 is weights[0]
    onp.testing.assert_allclose(got, exact, atol=1e-9)
    onp.testing.assert_allclose(got[1, 2], -0.02495835, atol=1e-8)  # PennyLane's docs
    single = qml.metric_tensor(circuit, argnum=1, approx="diag")(np.array(W))
    onp.testing.assert_allclose(onp.diag(single), [0.25 * onp.cos(W[1]) ** 2, 0, 0, 0], atol=1e-12)


def test_output_types_follow_the_inputs():
    as_tensor = qml.metric_tensor(docs_circuit)(np.array(W))
    assert isinstance(as_tensor, np.tensor) and as_tensor.requires_grad and as_tensor.dtype == onp.float64
    as_jax = qml.metric_tensor(docs_circuit)(jnp.asarray(W))
    assert isinstance(as_jax, jax.Array)
    jitted = jax.jit(qml.metric_tensor(docs_circuit, approx="block-diag"))(jnp.asarray(W))
    onp.testing.assert_allclose(jitted, docs_block_diag(W), atol=1e-12)


def test_untrainable_gate_parameters_do_not_form_layers():
    @qml.qnode(DEV3)
    def circuit(x, c):
        qml.Hadamard(wires=0)
        qml.CNOT(wires=[0, 1])
        qml.RX(x[0], wires=0)
        qml.RX(c, wires=1)
        qml.RX(x[1], wires=1)
        return qml.expval(qml.PauliZ(0))

    x, c = onp.array([0.5, -0.9]), 0.7
    pre = [ref.Op("Hadamard", (), (0,)), ref.Op("CNOT", (), (0, 1)), ref.Op("RX", (c,), (1,))]
    want = covariance(ref.run(pre, 3), [(HALF_X, (0,)), (HALF_X, (1,))], 3)
    assert abs(want[0, 1]) > 1e-3  # were c trainable, RX(c) would put x[1] in a layer of its own
    got = qml.metric_tensor(circuit, approx="block-diag")(np.array(x), np.array(c, requires_grad=False))
    onp.testing.assert_allclose(got, want, atol=1e-12)


# --- errors and warnings -----------------------------------------------------------------------------
def test_errors():
    with pytest.raises(TypeError, match="must be a QNode"):
        qml.metric_tensor(lambda x: x)
    with pytest.raises(ValueError, match="unknown approx='block'"):
        qml.metric_tensor(docs_circuit, approx="block")
    with pytest.raises(TypeError, match="'argnum' must be None, an int"):
        qml.metric_tensor(docs_circuit, argnum=[0.5])
    with pytest.raises(ValueError, match=r"names gate parameter\(s\) \[7\], which are not trainable"):
        qml.metric_tensor(docs_circuit, argnum=[0, 7])(np.array(W))

    @qml.qnode(DEV3)
    def unitary(u):
        qml.QubitUnitary(u, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(ValueError, match="feeds QubitUnitary's parameter of shape"):
        qml.metric_tensor(unitary)(np.array(onp.eye(2)))


def test_nothing_trainable_warns_and_returns_empty():
    with pytest.warns(UserWarning, match="none of the positional arguments of docs_circuit is trainable"):
        assert qml.metric_tensor(docs_circuit)(np.array(W, requires_grad=False)) == ()

    @qml.qnode(DEV3)
    def constant(x):
        qml.RX(0.3, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.warns(UserWarning, match="no gate parameter of constant depends on its trainable arguments"):
        assert qml.metric_tensor(constant)(np.array(0.5)) == ()
