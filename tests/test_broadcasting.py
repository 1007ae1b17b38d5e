"""Parameter broadcasting: a gate parameter with a leading batch axis runs the batch in one call.

Every value is checked row by row against the dense NumPy reference of the unbatched circuit.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref

import quantum_jax as qml

XS = np.array([0.1, 0.7, -1.3, 2.9])
Y = 0.45
ZZ = ("Tensor", [("PauliZ", (0,)), ("PauliZ", (1,))])


def reference_state(x: float, y: float) -> np.ndarray:
    ops = [
        ref.Op("RX", (x,), (0,)),
        ref.Op("RY", (y,), (1,)),
        ref.Op("CNOT", (), (0, 1)),
        ref.Op("RZ", (x,), (1,)),
    ]
    return ref.run(ops, 2)


def circuit(x, y):
    qml.RX(x, wires=0)
    qml.RY(y, wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RZ(x, wires=1)
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1)), qml.probs(wires=[1])


def expected(xs: np.ndarray, y: float) -> tuple[np.ndarray, np.ndarray]:
    states = [reference_state(x, y) for x in xs]
    return (
        np.array([ref.expval(s, ZZ, 2) for s in states]),
        np.array([ref.probs(s, [1], 2) for s in states]),
    )


def numeric_grad(f, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("diff_method", ["backprop", "parameter-shift", "adjoint", "finite-diff"])
def test_broadcast_values_and_jacobian(diff_method):
    dev = qml.device("default.qubit", wires=2)
    node = qml.QNode(circuit, dev, diff_method=diff_method)
    zz, p1 = node(jnp.asarray(XS), Y)
    want_zz, want_p1 = expected(XS, Y)
    assert zz.shape == (4,) and p1.shape == (4, 2)
    np.testing.assert_allclose(zz, want_zz, atol=1e-12)
    np.testing.assert_allclose(p1, want_p1, atol=1e-12)
    # differentiate the expectation value (adjoint differentiates expectation values only)
    ev = qml.QNode(lambda x, y: circuit(x, y)[0], dev, diff_method=diff_method)
    jac = jax.jacobian(lambda x: ev(x, Y))(jnp.asarray(XS))
    want = [numeric_grad(lambda x: ref.expval(reference_state(x, Y), ZZ, 2), x) for x in XS]
    tol = 1e-5 if diff_method == "finite-diff" else 1e-8
    np.testing.assert_allclose(np.diag(jac), want, atol=tol)
    np.testing.assert_allclose(jac - np.diag(np.diag(jac)), 0.0, atol=1e-12)  # rows are independent
    g_y = jax.grad(lambda y: jnp.sum(ev(jnp.asarray(XS), y)))(Y)
    want_y = sum(numeric_grad(lambda y, x=x: ref.expval(reference_state(x, y), ZZ, 2), Y) for x in XS)
    assert float(g_y) == pytest.approx(want_y, abs=4 * tol)


def test_broadcast_under_jit_and_with_several_broadcast_gates():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, interface="jax")
    def node(x, y):
        qml.RX(x, wires=0)
        qml.RY(y, wires=1)
        qml.CNOT(wires=[0, 1])
        qml.RZ(x, wires=1)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    ys = np.array([0.2, -0.4, 1.1, 0.0])
    out = jax.jit(node)(jnp.asarray(XS), jnp.asarray(ys))
    want = [ref.expval(reference_state(x, y), ZZ, 2) for x, y in zip(XS, ys, strict=True)]
    np.testing.assert_allclose(out, want, atol=1e-12)


def test_broadcast_tape_through_execute_and_the_tape_batch_size():
    dev = qml.device("default.qubit", wires=1)
    tape = qml.tape.Tape(
        [qml.RX(jnp.asarray(XS), wires=0)], [qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliY(0))]
    )
    assert tape.batch_size == 4
    (res,) = qml.execute([tape], dev, None)
    assert res.shape == (2, 4)  # measurements first, then the batch
    np.testing.assert_allclose(res[0], np.cos(XS), atol=1e-12)
    np.testing.assert_allclose(res[1], -np.sin(XS), atol=1e-12)
    plain = qml.tape.Tape([qml.RX(0.3, wires=0)], [qml.expval(qml.PauliZ(0))])
    assert plain.batch_size is None


def test_broadcast_with_shots_draws_per_row_and_keeps_the_batch_axis():
    dev = qml.device("default.qubit", wires=1, shots=4000, seed=3)

    @qml.qnode(dev)
    def node(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0)), qml.sample(qml.PauliZ(0))

    xs = jnp.asarray([0.0, np.pi, np.pi / 2])
    ev, samples = node(xs)
    assert ev.shape == (3,) and samples.shape == (3, 4000)
    assert float(ev[0]) == 1.0 and float(ev[1]) == -1.0
    assert abs(float(ev[2])) < 5 / np.sqrt(4000)  # 5 standard errors around 0


def test_broadcast_shot_vector_puts_bins_before_the_batch():
    dev = qml.device("default.qubit", wires=1, shots=[100, 200], seed=5)

    @qml.qnode(dev)
    def node(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    out = node(jnp.asarray([0.0, np.pi, 0.0]))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, [[1.0, -1.0, 1.0], [1.0, -1.0, 1.0]])


def test_broadcast_embedding_of_a_batch_of_inputs_with_vmapped_weights_gradient():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method="parameter-shift", interface="jax")
    def model(inputs, w):
        qml.RY(inputs[:, 0], wires=0)
        qml.RY(inputs[:, 1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.RX(w, wires=1)
        return qml.expval(qml.PauliZ(1))

    rng = np.random.default_rng(0)
    inputs = rng.uniform(-np.pi, np.pi, size=(6, 2))

    def ref_value(a, b, w):
        ops = [
            ref.Op("RY", (a,), (0,)),
            ref.Op("RY", (b,), (1,)),
            ref.Op("CNOT", (), (0, 1)),
            ref.Op("RX", (w,), (1,)),
        ]
        return ref.expval(ref.run(ops, 2), ("PauliZ", (1,)), 2)

    w = 0.37
    out = model(jnp.asarray(inputs), w)
    np.testing.assert_allclose(out, [ref_value(a, b, w) for a, b in inputs], atol=1e-12)
    g = jax.grad(lambda w: jnp.mean(model(jnp.asarray(inputs), w)))(w)
    want = np.mean([numeric_grad(lambda v, a=a, b=b: ref_value(a, b, v), w) for a, b in inputs])
    assert float(g) == pytest.approx(want, abs=1e-8)


def test_mismatched_batch_sizes_name_both_gates():
    with pytest.raises(
        ValueError, match=r"RY on wires \[1\] has a batch of 2 but RX on wires \[0\] has a batch of 3"
    ):
        qml.tape.Tape([qml.RX(jnp.ones(3), wires=0), qml.RY(jnp.ones(2), wires=1)], [])


def test_parameter_with_two_extra_axes_names_the_gate_and_the_shape():
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def node(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(ValueError, match=r"RX: parameter 0 has shape \(2, 3\), but it takes a scalar"):
        node(jnp.ones((2, 3)))
    with pytest.raises(ValueError, match=r"RX: parameter 0 has shape \(2, 3\)"):
        jax.jit(node)(jnp.ones((2, 3)))


def test_broadcast_qubit_unitary_and_state_prep():
    dev = qml.device("default.qubit", wires=1)
    thetas = np.array([0.3, 1.2, -0.8])
    unitaries = np.stack([ref.rx(t) for t in thetas])
    states = np.stack([[np.cos(t / 2), np.sin(t / 2)] for t in thetas])

    @qml.qnode(dev)
    def with_unitary(u):
        qml.QubitUnitary(u, wires=0)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(dev)
    def with_state(s):
        qml.StatePrep(s, wires=0)
        return qml.expval(qml.PauliZ(0))

    np.testing.assert_allclose(with_unitary(unitaries), np.cos(thetas), atol=1e-12)
    np.testing.assert_allclose(with_state(states), np.cos(thetas), atol=1e-12)
    with pytest.raises(ValueError, match="StatePrep: 'state' must have norm 1"):
        with_state(2 * states)
    with pytest.raises(ValueError, match="QubitUnitary: 'U' is not unitary"):
        with_unitary(2 * unitaries)
