"""QNode behaviour: differentiation methods, JAX transformations, the qml.grad shim, results and errors.

One two-qubit circuit is used throughout (so compiled functions are shared between tests); its value
and gradient are checked against a dense NumPy simulation written here from the gate matrices.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as onp
import optax
import pytest

import quantum_jax as qml
from quantum_jax import numpy as np

METHODS = ["best", "backprop", "parameter-shift", "adjoint", "finite-diff"]
EXACT = [m for m in METHODS if m != "finite-diff"]
P0 = [0.3, -0.5, 0.7]
W0 = [0.2]

DEV = qml.device("default.qubit", wires=2)


def ansatz(p, w):
    qml.RX(p[0], wires=0)
    qml.RY(p[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RZ(p[2], wires=1)
    qml.RY(w[0], wires=0)


def make_qnode(diff_method, device=DEV):
    @qml.qnode(device, diff_method=diff_method)
    def circuit(p, w):
        ansatz(p, w)
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))

    return circuit


QNODES = {m: make_qnode(m) for m in METHODS}


# ---------------------------------------------------------------------------------------------------
# An independent dense reference (wire 0 is the most significant bit, as in PennyLane)


def _rx(t):
    c, s = math.cos(t / 2), math.sin(t / 2)
    return onp.array([[c, -1j * s], [-1j * s, c]])


def _ry(t):
    c, s = math.cos(t / 2), math.sin(t / 2)
    return onp.array([[c, -s], [s, c]])


def _rz(t):
    return onp.diag([onp.exp(-0.5j * t), onp.exp(0.5j * t)])


_I2 = onp.eye(2)
_CNOT = onp.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
_ZX = onp.kron(onp.diag([1.0, -1.0]), onp.array([[0.0, 1.0], [1.0, 0.0]]))


def reference_state(p, w):
    state = onp.zeros(4, complex)
    state[0] = 1.0
    for u in (
        onp.kron(_rx(p[0]), _I2),
        onp.kron(_I2, _ry(p[1])),
        _CNOT,
        onp.kron(_I2, _rz(p[2])),
        onp.kron(_ry(w[0]), _I2),
    ):
        state = u @ state
    return state


def reference_value(p, w=W0):
    s = reference_state(p, w)
    return float(onp.real(onp.conj(s) @ _ZX @ s))


def reference_grad(p, w=W0, h=1e-5):
    p = onp.asarray(p, float)
    out = []
    for i in range(len(p)):
        e = onp.zeros_like(p)
        e[i] = h
        out.append((reference_value(p + e, w) - reference_value(p - e, w)) / (2 * h))
    return onp.array(out)


def reference_hessian(p, w=W0, h=1e-4):
    p = onp.asarray(p, float)
    rows = []
    for i in range(len(p)):
        e = onp.zeros_like(p)
        e[i] = h
        rows.append((reference_grad(p + e, w) - reference_grad(p - e, w)) / (2 * h))
    return onp.array(rows)


def test_reference_is_sane():
    # with w = 0 and p2 = 0: <Z0 X1> = cos(p0) * sin(p1) (Z0 X1 <- CNOT <- Z0 X1)
    expected = math.cos(0.3) * math.sin(-0.5)
    assert reference_value([0.3, -0.5, 0.0], [0.0]) == pytest.approx(expected, abs=1e-14)


# ---------------------------------------------------------------------------------------------------
# Differentiation methods


@pytest.mark.parametrize("method", METHODS)
def test_methods_give_the_reference_value_and_gradient(method):
    circuit = QNODES[method]
    p = np.array(P0)
    w = np.array(W0, requires_grad=False)
    value = circuit(p, w)
    assert isinstance(value, onp.ndarray) and value.shape == ()
    assert float(value) == pytest.approx(reference_value(P0), abs=1e-12)
    g = qml.grad(circuit)(p, w)
    assert isinstance(g, onp.ndarray) and g.shape == (3,)
    tol = 1e-5 if method == "finite-diff" else 1e-9
    onp.testing.assert_allclose(g, reference_grad(P0), rtol=0, atol=tol)


@pytest.mark.parametrize("method", METHODS[1:])
def test_methods_agree_with_best(method):
    p, w = np.array(P0), np.array(W0, requires_grad=False)
    tol = 1e-5 if method == "finite-diff" else 1e-12
    assert float(QNODES[method](p, w)) == pytest.approx(float(QNODES["best"](p, w)), abs=1e-12)
    onp.testing.assert_allclose(qml.grad(QNODES[method])(p, w), qml.grad(QNODES["best"])(p, w), atol=tol)


@pytest.mark.parametrize("method", METHODS)
def test_qml_grad_and_jitted_jax_grad_agree(method):
    circuit = QNODES[method]
    via_shim = qml.grad(circuit)(np.array(P0), np.array(W0, requires_grad=False))
    via_jax = jax.jit(jax.grad(circuit))(jnp.array(P0), jnp.array(W0))
    onp.testing.assert_allclose(via_shim, onp.asarray(via_jax), rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", ["backprop", "parameter-shift", "adjoint"])
def test_vmap_equals_a_python_loop(method):
    circuit = QNODES[method]
    batch = jnp.array([[0.1, 0.2, 0.3], [-0.4, 0.5, 1.6], [2.0, -1.0, 0.0], P0])
    w = jnp.array(W0)
    values = jax.vmap(circuit, in_axes=(0, None))(batch, w)
    assert values.shape == (4,)
    looped = onp.array([float(circuit(p, w)) for p in batch])
    onp.testing.assert_allclose(values, looped, rtol=0, atol=1e-12)
    onp.testing.assert_allclose(looped, [reference_value(onp.asarray(p)) for p in batch], atol=1e-12)
    grads = jax.vmap(jax.grad(circuit), in_axes=(0, None))(batch, w)
    looped_grads = onp.array([jax.grad(circuit)(p, w) for p in batch])
    onp.testing.assert_allclose(grads, looped_grads, rtol=0, atol=1e-12)


def test_hessian_of_parameter_shift_equals_backprop():
    pj, wj = jnp.array(P0), jnp.array(W0)
    h_ps = jax.hessian(QNODES["parameter-shift"])(pj, wj)
    h_bp = jax.hessian(QNODES["backprop"])(pj, wj)
    assert h_ps.shape == (3, 3)
    onp.testing.assert_allclose(h_ps, h_bp, rtol=0, atol=1e-10)
    onp.testing.assert_allclose(h_ps, h_ps.T, rtol=0, atol=1e-12)
    onp.testing.assert_allclose(h_bp, reference_hessian(P0), rtol=0, atol=1e-6)


# ---------------------------------------------------------------------------------------------------
# Results and the recorded tape


@qml.qnode(DEV, diff_method="parameter-shift")
def several(p, w):
    ansatz(p, w)
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(1)), qml.probs(wires=[0, 1]), qml.var(qml.PauliZ(1))


def test_several_measurements_give_a_tuple():
    out = several(np.array(P0), np.array(W0, requires_grad=False))
    assert type(out) is tuple and len(out) == 3
    assert all(isinstance(o, onp.ndarray) for o in out)  # tensors in -> NumPy out
    assert [o.shape for o in out] == [(), (4,), ()]
    assert float(out[0]) == pytest.approx(reference_value(P0), abs=1e-12)
    probs = onp.abs(reference_state(P0, W0)) ** 2
    onp.testing.assert_allclose(out[1], probs, rtol=0, atol=1e-12)
    z1 = probs[0] - probs[1] + probs[2] - probs[3]
    assert float(out[2]) == pytest.approx(1 - z1**2, abs=1e-12)
    jax_out = several(jnp.array(P0), jnp.array(W0))  # JAX arrays in -> JAX arrays out
    assert type(jax_out) is tuple and all(isinstance(o, jax.Array) for o in jax_out)
    jac = jax.jacobian(several)(jnp.array(P0), jnp.array(W0))
    assert [j.shape for j in jac] == [(3,), (4, 3), (3,)]
    onp.testing.assert_allclose(jac[0], reference_grad(P0), atol=1e-9)


def test_a_returned_list_also_gives_a_tuple():
    @qml.qnode(DEV)
    def listed(x):
        qml.RX(x, wires=0)
        return [qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(1))]

    out = listed(0.4)
    assert type(out) is tuple and len(out) == 2
    onp.testing.assert_allclose([float(o) for o in out], [math.cos(0.4), 1.0], atol=1e-12)


def test_tape_holds_the_last_call():
    circuit = make_qnode("parameter-shift")
    assert circuit.tape is None
    circuit(np.array([0.1, 0.2, 0.3]), np.array([0.4]))
    circuit(np.array(P0), np.array(W0))
    tape = circuit.tape
    assert [op.name for op in tape.operations] == ["RX", "RY", "CNOT", "RZ", "RY"]
    assert [tuple(op.wires) for op in tape.operations] == [(0,), (1,), (0, 1), (1,), (0,)]
    onp.testing.assert_allclose([float(v) for v in tape.get_parameters()], P0 + W0, atol=0)
    (m,) = tape.measurements
    assert isinstance(m, qml.MeasurementProcess) and type(m).__name__ == "ExpectationMP"
    assert tuple(m.measured_wires) == (0, 1)
    assert [type(f).__name__ for f in m.obs.factors()] == ["PauliZ", "PauliX"]
    assert tuple(tape.wires) == (0, 1)


def test_old_measurement_syntax():
    @qml.qnode(DEV)
    def old(x):
        qml.RY(x, wires=0)
        return qml.expval.PauliZ(0), qml.var.PauliX(0)

    @qml.qnode(DEV)
    def new(x):
        qml.RY(x, wires=0)
        return qml.expval(qml.PauliZ(0)), qml.var(qml.PauliX(0))

    x = 0.8
    out_old, out_new = old(x), new(x)
    onp.testing.assert_allclose(out_old, out_new, rtol=0, atol=0)
    onp.testing.assert_allclose(out_old, [math.cos(x), 1 - math.sin(x) ** 2], atol=1e-12)
    assert [type(m).__name__ for m in old.tape.measurements] == ["ExpectationMP", "VarianceMP"]
    assert [type(m.obs).__name__ for m in old.tape.measurements] == ["PauliZ", "PauliX"]
    g = qml.grad(lambda t: old(t)[0] + old(t)[1], argnum=0)(x)
    assert float(g) == pytest.approx(-math.sin(x) - 2 * math.sin(x) * math.cos(x), abs=1e-10)
    with pytest.raises(AttributeError, match="NotAnObservable"):
        qml.expval.NotAnObservable(0)


def test_string_wire_labels():
    dev = qml.device("default.qubit", wires=["anc", "sys"])

    @qml.qnode(dev, diff_method="parameter-shift")
    def labelled(p, w):
        qml.RX(p[0], wires="anc")
        qml.RY(p[1], wires="sys")
        qml.CNOT(wires=["anc", "sys"])
        qml.RZ(p[2], wires="sys")
        qml.RY(w[0], wires="anc")
        return qml.expval(qml.PauliZ("anc") @ qml.PauliX("sys")), qml.probs(wires=["sys", "anc"])

    p, w = np.array(P0), np.array(W0, requires_grad=False)
    value, probs = labelled(p, w)
    assert float(value) == pytest.approx(reference_value(P0), abs=1e-12)
    # probabilities ordered as the wires were asked for: "sys" is the most significant bit
    expected = (onp.abs(reference_state(P0, W0)) ** 2).reshape(2, 2).T.ravel()
    onp.testing.assert_allclose(probs, expected, atol=1e-12)
    g = qml.grad(lambda a, b: labelled(a, b)[0])(p, w)
    onp.testing.assert_allclose(g, reference_grad(P0), atol=1e-9)
    assert tuple(labelled.tape.wires) == ("anc", "sys")


# ---------------------------------------------------------------------------------------------------
# qml.grad: argnum, requires_grad, keyword arguments


@qml.qnode(DEV)  # the default diff_method, as in seed 002: these tests are about the shim
def two_args(a, b, scale=1.0):
    qml.RX(scale * a, wires=0)
    qml.RY(b, wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1))


def two_args_exact(a, b, scale=1.0):
    """<Z1> = cos(scale a) cos(b), and its gradient in (a, b)."""
    return (
        math.cos(scale * a) * math.cos(b),
        (-scale * math.sin(scale * a) * math.cos(b), -math.cos(scale * a) * math.sin(b)),
    )


def test_argnum_int_list_and_none():
    a, b = 0.4, 0.9
    _, (da, db) = two_args_exact(a, b)
    g = qml.grad(two_args, argnum=0)(a, b)
    assert isinstance(g, onp.ndarray) and g.shape == ()
    assert float(g) == pytest.approx(da, abs=1e-12)
    assert float(qml.grad(two_args, argnum=-1)(a, b)) == pytest.approx(db, abs=1e-12)
    g = qml.grad(two_args, argnum=[1])(a, b)
    assert type(g) is tuple and len(g) == 1
    assert float(g[0]) == pytest.approx(db, abs=1e-12)
    g = qml.grad(two_args, argnum=[1, 0])(a, b)
    onp.testing.assert_allclose([float(v) for v in g], [db, da], atol=1e-12)
    g = qml.grad(two_args)(np.array(a), np.array(b))  # argnum=None: both tensors are trainable
    assert type(g) is tuple and len(g) == 2
    onp.testing.assert_allclose([float(v) for v in g], [da, db], atol=1e-12)
    g = qml.grad(two_args)(np.array(a), b)  # a plain float is data
    assert isinstance(g, onp.ndarray) and float(g) == pytest.approx(da, abs=1e-12)
    with pytest.raises(ValueError, match="out of range"):
        qml.grad(two_args, argnum=2)(a, b)


def test_toggling_requires_grad():
    a, b = np.array(0.4), np.array(0.9)
    _, (da, db) = two_args_exact(0.4, 0.9)
    assert len(qml.grad(two_args)(a, b)) == 2
    b.requires_grad = False
    g = qml.grad(two_args)(a, b)
    assert isinstance(g, onp.ndarray) and float(g) == pytest.approx(da, abs=1e-12)
    a.requires_grad = False
    with pytest.warns(UserWarning, match="trainable"):
        assert qml.grad(two_args)(a, b) == ()
    b.requires_grad = True
    g = qml.grad(two_args)(a, b)
    assert isinstance(g, onp.ndarray) and float(g) == pytest.approx(db, abs=1e-12)
    a.requires_grad = True
    onp.testing.assert_allclose([float(v) for v in qml.grad(two_args)(a, b)], [da, db], atol=1e-12)


def test_keyword_arguments_are_data():
    a, b = np.array(0.4), np.array(0.9)
    scale = np.array(2.0, requires_grad=True)
    value, (da, db) = two_args_exact(0.4, 0.9, scale=2.0)
    assert float(two_args(a, b, scale=scale)) == pytest.approx(value, abs=1e-12)
    g = qml.grad(two_args)(a, b, scale=scale)
    assert type(g) is tuple and len(g) == 2  # no entry for the keyword argument
    onp.testing.assert_allclose([float(v) for v in g], [da, db], atol=1e-12)  # but it is used
    g = qml.grad(two_args, argnum=[0, 1])(0.4, 0.9, scale=2.0)
    onp.testing.assert_allclose([float(v) for v in g], [da, db], atol=1e-12)
    # only a keyword argument is trainable: there is nothing to differentiate
    with pytest.warns(UserWarning, match="trainable"):
        assert qml.grad(two_args)(0.4, 0.9, scale=scale) == ()
    j = qml.jacobian(two_args)(a, np.array(0.9, requires_grad=False), scale=scale)
    assert float(j) == pytest.approx(da, abs=1e-12)
    assert scale.requires_grad is True and float(scale) == 2.0


def test_nested_jacobian_of_grad_shapes():
    circuit = QNODES["best"]  # parameter-shift under jacobian(grad): seed 000 and the Hessian test
    w = np.array(W0, requires_grad=False)
    h = qml.jacobian(qml.grad(circuit))(np.array(P0), w)
    assert isinstance(h, onp.ndarray) and h.shape == (3, 3)
    onp.testing.assert_allclose(h, reference_hessian(P0), rtol=0, atol=1e-6)
    # jacobian of a vector-valued QNode output: (outputs, parameters)
    j = qml.jacobian(lambda p, w: several(p, w)[1])(np.array(P0), w)
    assert isinstance(j, onp.ndarray) and j.shape == (4, 3)
    onp.testing.assert_allclose(j.sum(axis=0), 0.0, atol=1e-12)  # probabilities sum to 1
    # two trainable arguments: a tuple of Hessian blocks
    blocks = qml.jacobian(qml.grad(two_args, argnum=0), argnum=[0, 1])(np.array(0.4), np.array(0.9))
    assert type(blocks) is tuple and [b.shape for b in blocks] == [(), ()]
    expected = [-math.cos(0.4) * math.cos(0.9), math.sin(0.4) * math.sin(0.9)]
    onp.testing.assert_allclose([float(v) for v in blocks], expected, atol=1e-10)


def test_nothing_the_user_passed_is_mutated():
    circuit = QNODES["parameter-shift"]
    p = np.array(P0, requires_grad=True)
    w = np.array(W0, requires_grad=False)
    as_list = list(P0)
    pj = jnp.array(P0)
    circuit(p, w)
    qml.grad(circuit)(p, w)
    qml.grad(circuit, argnum=[0, 1])(p, w)
    qml.jacobian(qml.grad(QNODES["best"]))(p, w)
    qml.grad(circuit, argnum=0)(as_list, w)
    jax.grad(circuit)(pj, jnp.array(W0))
    onp.testing.assert_array_equal(p, P0)
    onp.testing.assert_array_equal(w, W0)
    assert p.requires_grad is True and w.requires_grad is False
    assert isinstance(p, np.tensor) and isinstance(w, np.tensor)
    assert as_list == P0 and all(type(v) is float for v in as_list)
    onp.testing.assert_array_equal(pj, P0)
    assert p.flags.writeable and w.flags.writeable


# ---------------------------------------------------------------------------------------------------
# optax


def test_optax_adam_training_under_jit():
    @qml.qnode(DEV, diff_method="parameter-shift")
    def cost(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))  # = cos(p0) cos(p1), minimum -1

    opt = optax.adam(0.2)

    @jax.jit
    def step(p, state):
        loss, g = jax.value_and_grad(cost)(p)
        updates, state = opt.update(g, state, p)
        return optax.apply_updates(p, updates), state, loss

    p = jnp.array([0.5, 0.3])
    state = opt.init(p)
    start = float(cost(p))
    losses = []
    for _ in range(50):
        p, state, loss = step(p, state)
        losses.append(float(loss))
    final = float(cost(p))
    assert start == pytest.approx(math.cos(0.5) * math.cos(0.3), abs=1e-12)
    assert final < -0.99
    assert final >= -1.0 - 1e-12
    assert final == pytest.approx(math.cos(float(p[0])) * math.cos(float(p[1])), abs=1e-12)
    assert min(losses) < start


# ---------------------------------------------------------------------------------------------------
# Errors


def test_returning_a_non_measurement_raises_type_error():
    @qml.qnode(DEV)
    def returns_float(x):
        qml.RX(x, wires=0)
        return 1.5

    @qml.qnode(DEV)
    def returns_gate(x):
        return qml.RX(x, wires=0)

    @qml.qnode(DEV)
    def returns_nothing(x):
        qml.RX(x, wires=0)

    @qml.qnode(DEV)
    def returns_mixed(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0)), 2.5

    with pytest.raises(TypeError, match=r"returns_float.*returned 1\.5"):
        returns_float(0.1)
    with pytest.raises(TypeError, match=r"returns_gate.*returned RX\("):
        returns_gate(0.1)
    with pytest.raises(TypeError, match=r"returns_nothing.*returned None"):
        returns_nothing(0.1)
    with pytest.raises(TypeError, match=r"returned 2\.5 \(float\)"):
        returns_mixed(0.1)


def test_a_wire_the_device_lacks_is_named():
    @qml.qnode(DEV)
    def measures_wire_5(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(5))

    @qml.qnode(DEV)
    def probs_on_wire_3(x):
        qml.RX(x, wires=0)
        return qml.probs(wires=[0, 3])

    labelled = qml.device("default.qubit", wires=["a", "b"])

    @qml.qnode(labelled)
    def measures_c(x):
        qml.RX(x, wires="a")
        return qml.expval(qml.PauliZ("c"))

    with pytest.raises(ValueError, match=r"wires \[5\] are not on the device"):
        measures_wire_5(0.1)
    with pytest.raises(ValueError, match=r"wires \[3\] are not on the device"):
        probs_on_wire_3(0.1)
    with pytest.raises(ValueError, match=r"wires \['c'\] are not on the device.*\['a', 'b'\]"):
        measures_c(0.1)


@pytest.mark.parametrize("interface", ["torch", "tf", "pytorch", "tensorflow"])
def test_foreign_interfaces_raise(interface):
    with pytest.raises(ValueError, match=f"interface='{interface}' is not supported"):
        qml.qnode(DEV, interface=interface)(lambda x: qml.expval(qml.PauliZ(0)))


def test_unknown_diff_method_raises():
    with pytest.raises(ValueError, match=r"unknown diff_method 'magic'.*'parameter-shift'"):
        qml.qnode(DEV, diff_method="magic")(lambda x: qml.expval(qml.PauliZ(0)))


def test_unknown_device_lists_the_available_ones():
    with pytest.raises(ValueError, match=r"'default.qubits'.*available.*default\.qubit.*lightning\.qubit"):
        qml.device("default.qubits", wires=2)
