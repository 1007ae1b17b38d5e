"""PennyLane's optimizers against hand-written NumPy implementations of their published rules.

Trajectories use analytic gradients; QNG is checked against ``x - eta pinv(g + lam I) grad`` with the
metric from the dense reference; Rotosolve against analytic and grid-searched minima.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as onp
import pytest
import reference as ref

import quantum_jax as qml
from quantum_jax import numpy as np

STEPS = 50


# --- the objectives and their analytic gradients -------------------------------------------------------
def cost(x, y):
    """``sum(cos x) + sin(y) sum(x^2)``."""
    return jnp.sum(jnp.cos(x)) + jnp.sin(y) * jnp.sum(x**2)


def cost_np(x, y):
    return onp.sum(onp.cos(x)) + onp.sin(y) * onp.sum(x**2)


def grad_x(x, y):
    return -onp.sin(x) + 2 * onp.sin(y) * x


def grad_y(x, y):
    return onp.cos(y) * onp.sum(x**2)


DEV = qml.device("default.qubit", wires=2)


@qml.qnode(DEV)
def circuit(x):
    """``<Z_1>`` after RX(x0) on 0, RY(x1) on 1, CNOT: ``cos(x0) cos(x1)``."""
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1))


def circuit_grad(x):
    return onp.array([-onp.sin(x[0]) * onp.cos(x[1]), -onp.cos(x[0]) * onp.sin(x[1])])


# --- PennyLane's update rules, written out in NumPy ----------------------------------------------------
def reference_run(kind, hyper, gradient, params, steps=STEPS):
    """Iterates of PennyLane's rule ``kind`` from ``params`` (a list of arrays) with ``gradient``."""
    params = [onp.array(p, dtype=float) for p in params]
    zeros = [onp.zeros_like(p) for p in params]
    a, s, m, v = list(zeros), list(zeros), list(zeros), list(zeros)
    eta, out = hyper.get("stepsize", 0.01), []
    for t in range(1, steps + 1):
        if kind == "nesterov":
            g = gradient([p - hyper.get("momentum", 0.9) * ai for p, ai in zip(params, a, strict=True)])
        else:
            g = gradient(params)
        for k, gk in enumerate(g):
            if kind == "gd":
                params[k] = params[k] - eta * gk
            elif kind in ("momentum", "nesterov"):
                a[k] = hyper.get("momentum", 0.9) * a[k] + eta * gk
                params[k] = params[k] - a[k]
            elif kind == "adagrad":
                s[k] = s[k] + gk**2
                params[k] = params[k] - eta / onp.sqrt(s[k] + hyper.get("eps", 1e-8)) * gk
            elif kind == "rmsprop":
                gamma = hyper.get("decay", 0.9)
                s[k] = gamma * s[k] + (1 - gamma) * gk**2
                params[k] = params[k] - eta / onp.sqrt(s[k] + hyper.get("eps", 1e-8)) * gk
            else:
                b1, b2, eps = hyper.get("beta1", 0.9), hyper.get("beta2", 0.99), hyper.get("eps", 1e-8)
                m[k] = b1 * m[k] + (1 - b1) * gk
                v[k] = b2 * v[k] + (1 - b2) * gk**2
                rate = eta * onp.sqrt(1 - b2**t) / (1 - b1**t)
                params[k] = params[k] - rate * m[k] / (onp.sqrt(v[k]) + eps)
        out.append([p.copy() for p in params])
    return out


OPTIMIZERS = {
    "gd": qml.GradientDescentOptimizer,
    "momentum": qml.MomentumOptimizer,
    "nesterov": qml.NesterovMomentumOptimizer,
    "adagrad": qml.AdagradOptimizer,
    "rmsprop": qml.RMSPropOptimizer,
    "adam": qml.AdamOptimizer,
}
# Large eps values make the rules' differences from optax's defaults (eps placement, bias correction,
# accumulator start) visible far above the 1e-10 tolerance.
DISTINCTIVE = {
    "gd": {"stepsize": 0.1},
    "momentum": {"stepsize": 0.05, "momentum": 0.7},
    "nesterov": {"stepsize": 0.05, "momentum": 0.7},
    "adagrad": {"stepsize": 0.2, "eps": 0.3},
    "rmsprop": {"stepsize": 0.1, "decay": 0.5, "eps": 0.2},
    "adam": {"stepsize": 0.1, "beta1": 0.8, "beta2": 0.95, "eps": 0.05},
}
CASES = [(k, {}) for k in OPTIMIZERS] + list(DISTINCTIVE.items())
IDS = [f"{k}-default" for k in OPTIMIZERS] + [f"{k}-tuned" for k in DISTINCTIVE]
X0, Y0 = onp.array([0.9, -1.4]), 0.7


@pytest.mark.parametrize(("kind", "hyper"), CASES, ids=IDS)
def test_trajectory_with_an_untrainable_argument(kind, hyper):
    opt = OPTIMIZERS[kind](**hyper)
    x, y = np.array(X0), np.array(Y0, requires_grad=False)
    want = reference_run(kind, hyper, lambda p: [grad_x(p[0], Y0)], [X0])
    for expected in want:
        x, y_out = opt.step(cost, x, y)
        assert y_out is y
        onp.testing.assert_allclose(x, expected[0], rtol=0, atol=1e-10)
    assert isinstance(x, np.tensor) and x.requires_grad and x.dtype == onp.float64


@pytest.mark.parametrize(("kind", "hyper"), CASES, ids=IDS)
def test_trajectory_with_two_trainable_arguments(kind, hyper):
    opt = OPTIMIZERS[kind](**hyper)
    args = [np.array(X0), np.array(Y0)]
    want = reference_run(kind, hyper, lambda p: [grad_x(p[0], p[1]), grad_y(p[0], p[1])], [X0, Y0])
    for expected in want:
        args = opt.step(cost, *args)
        assert isinstance(args, list) and len(args) == 2
        for got, exp in zip(args, expected, strict=True):
            onp.testing.assert_allclose(got, exp, rtol=0, atol=1e-10)


@pytest.mark.parametrize(("kind", "hyper"), CASES, ids=IDS)
def test_trajectory_of_a_qnode(kind, hyper):
    opt = OPTIMIZERS[kind](**hyper)
    x0 = onp.array([0.4, -0.3])
    want = reference_run(kind, hyper, lambda p: [circuit_grad(p[0])], [x0])
    x = np.array(x0)
    for expected in want:
        x = opt.step(circuit, x)
        onp.testing.assert_allclose(x, expected[0], rtol=0, atol=1e-10)


# --- the step API ---------------------------------------------------------------------------------------
def test_step_and_cost_returns_the_cost_before_the_step():
    opt = qml.AdamOptimizer(stepsize=0.1)
    x, y = np.array(X0), np.array(Y0, requires_grad=False)
    for expected in reference_run("adam", {"stepsize": 0.1}, lambda p: [grad_x(p[0], Y0)], [X0], steps=5):
        before = onp.array(x)
        (x, _), value = opt.step_and_cost(cost, x, y)
        onp.testing.assert_allclose(value, cost_np(before, Y0), rtol=0, atol=1e-12)
        onp.testing.assert_allclose(x, expected[0], rtol=0, atol=1e-12)


def test_grad_fn_is_used_when_given():
    calls = []

    def fake_grad(x, y):
        calls.append(1)
        return np.array([1.0, -2.0])

    opt = qml.GradientDescentOptimizer(stepsize=0.5)
    (x, _), value = opt.step_and_cost(
        cost, np.array(X0), np.array(Y0, requires_grad=False), grad_fn=fake_grad
    )
    onp.testing.assert_allclose(x, X0 - 0.5 * onp.array([1.0, -2.0]), rtol=0, atol=1e-14)
    onp.testing.assert_allclose(value, cost_np(X0, Y0), rtol=0, atol=1e-12)  # evaluated: no forward
    assert calls == [1]
    both = opt.step(cost, np.array(X0), np.array(Y0), grad_fn=lambda x, y: (np.ones(2), np.array(4.0)))
    onp.testing.assert_allclose(both[1], Y0 - 2.0, rtol=0, atol=1e-14)


def test_compute_grad_and_apply_grad():
    g, forward = qml.GradientDescentOptimizer.compute_grad(cost, (np.array(X0), Y0), {})
    onp.testing.assert_allclose(g[0], grad_x(X0, Y0), atol=1e-12)
    onp.testing.assert_allclose(forward, cost_np(X0, Y0), atol=1e-12)
    opt = qml.GradientDescentOptimizer(0.1)
    new = opt.apply_grad((onp.array([1.0, 2.0]),), (np.array(X0), Y0))
    assert new[1] == Y0
    onp.testing.assert_allclose(new[0], X0 - 0.1 * onp.array([1.0, 2.0]), atol=1e-15)


def test_jax_arrays_are_trainable_and_come_back_as_jax_arrays():
    opt = qml.GradientDescentOptimizer(0.1)
    x = opt.step(lambda x: jnp.sum(x**2), jnp.array([1.0, 2.0]))
    assert isinstance(x, jax.Array) and x.dtype == jnp.float64
    onp.testing.assert_allclose(x, [0.8, 1.6], atol=1e-15)


def test_integer_tensors_become_float():
    x = qml.GradientDescentOptimizer(0.25).step(lambda x: jnp.sum(x**2), np.array([1, 2]))
    assert x.dtype == onp.float64
    onp.testing.assert_allclose(x, [0.5, 1.0], atol=1e-15)


def test_nothing_trainable_warns_and_returns_the_arguments():
    x = np.array(X0, requires_grad=False)
    with pytest.warns(UserWarning, match="None of the positional arguments"):
        assert qml.MomentumOptimizer().step(cost, x, Y0)[0] is x


def test_state_persists_resets_and_restarts_on_a_new_layout():
    hyper = {"stepsize": 0.05, "momentum": 0.7}
    want = reference_run("momentum", hyper, lambda p: [grad_x(p[0], Y0)], [X0], steps=3)
    opt = qml.MomentumOptimizer(**hyper)
    x = np.array(X0)
    for _ in range(3):
        x, _ = opt.step(cost, x, Y0)
    onp.testing.assert_allclose(x, want[-1][0], atol=1e-12)
    onp.testing.assert_allclose(opt.accumulation[0], want[1][0] - want[2][0], atol=1e-12)  # x3 = x2 - a3
    opt.reset()
    assert opt.accumulation is None
    fresh, _ = opt.step(cost, np.array(X0), Y0)
    onp.testing.assert_allclose(fresh, want[0][0], atol=1e-12)
    x3 = onp.array([0.9, -1.4, 0.3])  # a new shape: the accumulator starts again
    want3 = reference_run("momentum", hyper, lambda p: [grad_x(p[0], Y0)], [x3], steps=1)
    got3, _ = opt.step(cost, np.array(x3), Y0)
    onp.testing.assert_allclose(got3, want3[0][0], atol=1e-12)


def test_accumulation_holds_pennylanes_accumulator():
    opt = qml.MomentumOptimizer(stepsize=0.1, momentum=0.5)
    opt.step(cost, np.array(X0), np.array(Y0, requires_grad=False))
    acc = opt.accumulation
    assert len(acc) == 2 and acc[1] == 0.0
    onp.testing.assert_allclose(acc[0], 0.1 * grad_x(X0, Y0), atol=1e-14)


def test_changed_stepsize_scales_only_new_gradients():
    opt = qml.MomentumOptimizer(stepsize=0.05, momentum=0.7)
    x, a = onp.array(X0), onp.zeros(2)
    got = np.array(X0)
    for t in range(20):
        eta = 0.05 if t < 10 else 0.2
        opt.stepsize = eta
        a = 0.7 * a + eta * grad_x(x, Y0)
        x = x - a
        got, _ = opt.step(cost, got, Y0)
        onp.testing.assert_allclose(got, x, atol=1e-10)


def test_nesterov_cost_is_taken_at_the_look_ahead_point():
    opt = qml.NesterovMomentumOptimizer(stepsize=0.1, momentum=0.5)
    x = opt.step(lambda x: jnp.sum(x**2), np.array([1.0]))  # x = 0.8, a = 0.2
    _, value = opt.step_and_cost(lambda x: jnp.sum(x**2), x)
    onp.testing.assert_allclose(value, 0.7**2, atol=1e-14)


@pytest.mark.parametrize(
    ("make", "match", "error"),
    [
        (
            lambda: qml.GradientDescentOptimizer(0.0),
            r"'stepsize' must be a real number > 0, got 0.0",
            ValueError,
        ),
        (lambda: qml.GradientDescentOptimizer(-1), "'stepsize' must be a real number > 0", ValueError),
        (lambda: qml.GradientDescentOptimizer(float("nan")), "'stepsize'", ValueError),
        (lambda: qml.GradientDescentOptimizer("0.1"), "'stepsize' must be a real number", TypeError),
        (lambda: qml.GradientDescentOptimizer(True), "'stepsize' must be a real number", TypeError),
        (
            lambda: qml.MomentumOptimizer(momentum=1.0),
            r"'momentum' must be a real number in \[0, 1\)",
            ValueError,
        ),
        (lambda: qml.NesterovMomentumOptimizer(momentum=-0.1), "'momentum'", ValueError),
        (lambda: qml.AdagradOptimizer(eps=-1e-3), "'eps' must be a real number >= 0", ValueError),
        (lambda: qml.RMSPropOptimizer(decay=1.5), "'decay'", ValueError),
        (lambda: qml.AdamOptimizer(beta1=1.0), "'beta1'", ValueError),
        (lambda: qml.AdamOptimizer(beta2=-0.5), "'beta2'", ValueError),
        (lambda: qml.AdamOptimizer(eps=None), "'eps' must be a real number", TypeError),
        (lambda: qml.QNGOptimizer(lam=-1), "'lam' must be a real number >= 0", ValueError),
        (lambda: qml.QNGOptimizer(approx="full"), "unknown approx='full'", ValueError),
        (
            lambda: qml.RotosolveOptimizer(substep_optimizer="newton"),
            "'substep_optimizer' must be",
            ValueError,
        ),
    ],
)
def test_bad_hyperparameters(make, match, error):
    with pytest.raises(error, match=match):
        make()


def test_stepsize_setter_validates():
    opt = qml.AdamOptimizer()
    opt.stepsize = 0.2
    assert opt.stepsize == 0.2
    with pytest.raises(ValueError, match="AdamOptimizer: 'stepsize' must be a real number > 0"):
        opt.stepsize = 0


def test_bad_gradients_and_objectives():
    opt = qml.GradientDescentOptimizer()
    with pytest.raises(ValueError, match=r"'grad' has 2 entries but 1 argument\(s\) are trainable"):
        opt.apply_grad((onp.ones(2), onp.ones(2)), (np.array(X0), Y0))
    with pytest.raises(ValueError, match=r"the gradient of argument 0 has shape \(3,\)"):
        opt.apply_grad((onp.ones(3),), (np.array(X0),))
    with pytest.raises(TypeError, match="'objective_fn' must be callable"):
        opt.step(3.0, np.array(X0))
    with pytest.raises(TypeError, match="'grad_fn' must be callable or None"):
        opt.step(cost, np.array(X0), Y0, grad_fn="grad")


# --- quantum natural gradient ---------------------------------------------------------------------------
DEV_AUX = qml.device("default.qubit", wires=(0, 1, "aux"))


@qml.qnode(DEV_AUX)
def rxry(params):
    qml.RX(params[0], wires=0)
    qml.RY(params[1], wires=0)
    return qml.expval(qml.PauliX(0) + qml.PauliX(1))


def rxry_metric(p):
    """Block-diagonal metric of RX(p0) RY(p1) on |0>: Var(X/2) on |0>, Var(Y/2) on RX(p0)|0>."""
    return onp.diag([0.25, onp.cos(p[0]) ** 2 / 4])


def rxry_grad(p):
    """``<X_0> = cos(p0) sin(p1)``."""
    return onp.array([-onp.sin(p[0]) * onp.sin(p[1]), onp.cos(p[0]) * onp.cos(p[1])])


def test_qng_step_matches_the_formula_and_pennylanes_example():
    opt = qml.QNGOptimizer(0.01)
    p0 = onp.array([0.011, 0.012])
    new = opt.step(rxry, np.array(p0))
    onp.testing.assert_allclose(new, p0 - 0.01 * onp.linalg.pinv(rxry_metric(p0)) @ rxry_grad(p0), atol=1e-12)
    onp.testing.assert_allclose(new, [0.01100528, -0.02799954], atol=1e-8)  # PennyLane's docs
    assert isinstance(new, np.tensor) and new.requires_grad


@pytest.mark.parametrize("lam", [0.0, 0.3])
def test_qng_trajectory_with_regularization(lam):
    opt = qml.QNGOptimizer(stepsize=0.05, lam=lam)
    p, got = onp.array([0.5, -0.4]), np.array([0.5, -0.4])
    for _ in range(10):
        (got, value) = opt.step_and_cost(rxry, got)
        onp.testing.assert_allclose(value, onp.cos(p[0]) * onp.sin(p[1]), atol=1e-12)
        p = p - 0.05 * onp.linalg.pinv(rxry_metric(p) + lam * onp.eye(2)) @ rxry_grad(p)
        onp.testing.assert_allclose(got, p, atol=1e-10)


def entangler_ops(w):
    return [
        ref.Op("RX", (w[0],), (0,)),
        ref.Op("RY", (w[1],), (0,)),
        ref.Op("CNOT", (), (0, 1)),
        ref.Op("RZ", (w[2],), (1,)),
        ref.Op("RY", (w[3],), (1,)),
    ]


@qml.qnode(DEV)
def entangler(w):
    qml.RX(w[0], wires=0)
    qml.RY(w[1], wires=0)
    qml.CNOT(wires=[0, 1])
    qml.RZ(w[2], wires=1)
    qml.RY(w[3], wires=1)
    return qml.expval(qml.PauliX(1))


def entangler_cost(w):
    psi = ref.run(entangler_ops(w), 2)
    return ref.expval(psi, ("PauliX", (1,)), 2)


def fd(fn, x, h=1e-5):
    return onp.array([(fn(x + h * e) - fn(x - h * e)) / (2 * h) for e in onp.eye(x.size)])


def fd_metric(w, h=1e-5):
    psi = ref.run(entangler_ops(w), 2)
    jac = onp.stack(
        [
            (ref.run(entangler_ops(w + h * e), 2) - ref.run(entangler_ops(w - h * e), 2)) / (2 * h)
            for e in onp.eye(4)
        ],
        axis=1,
    )
    berry = jac.conj().T @ psi
    return onp.real(jac.conj().T @ jac - onp.outer(berry, berry.conj()))


def test_qng_with_the_exact_metric():
    w = onp.array([0.3, 0.8, -0.5, 0.6])
    g = fd_metric(w)
    assert abs(g[0, 2]) > 1e-3  # off-block entries matter
    opt = qml.QNGOptimizer(stepsize=0.1, approx=None, lam=0.05)
    got = opt.step(entangler, np.array(w))
    want = w - 0.1 * onp.linalg.pinv(g + 0.05 * onp.eye(4)) @ fd(entangler_cost, w)
    onp.testing.assert_allclose(got, want, atol=1e-8)
    diag = qml.QNGOptimizer(stepsize=0.1, approx="diag").step(entangler, np.array(w))
    want_diag = w - 0.1 * fd(entangler_cost, w) / onp.diag(g)
    onp.testing.assert_allclose(diag, want_diag, atol=1e-7)


def test_qng_metric_tensor_fn_and_recompute():
    calls = []

    def metric_fn(x):
        calls.append(1)
        return 2 * onp.eye(2)

    opt = qml.QNGOptimizer(stepsize=0.1)
    x = opt.step(lambda x: jnp.sum(x**2), np.array([1.0, -1.0]), metric_tensor_fn=metric_fn)
    onp.testing.assert_allclose(x, [0.9, -0.9], atol=1e-14)  # pinv(2 I) 2x = x
    x = opt.step(lambda x: jnp.sum(x**2), x, metric_tensor_fn=metric_fn, recompute_tensor=False)
    onp.testing.assert_allclose(x, [0.81, -0.81], atol=1e-14)
    assert calls == [1]
    with pytest.raises(ValueError, match="not a QNode, so its metric tensor cannot be computed"):
        opt.step(lambda x: jnp.sum(x**2), x)
    with pytest.raises(ValueError, match="no metric tensor yet"):
        qml.QNGOptimizer().apply_grad((onp.ones(2),), (np.array([1.0, 2.0]),))


def test_qng_rejects_metric_tensors_that_do_not_fit():
    opt = qml.QNGOptimizer()
    x = np.array([1.0, -1.0])
    with pytest.raises(ValueError, match="the metric tensor of argument 0 is 3x3 but the argument has 2"):
        opt.step(lambda x: jnp.sum(x**2), x, metric_tensor_fn=lambda x: onp.eye(3))
    with pytest.raises(ValueError, match=r"2 metric tensor\(s\) for 1 trainable argument\(s\)"):
        opt.step(lambda x: jnp.sum(x**2), x, metric_tensor_fn=lambda x: (onp.eye(2), onp.eye(2)))


def test_qng_with_two_trainable_arguments():
    @qml.qnode(DEV)
    def two(a, b):
        qml.RX(a[0], wires=0)
        qml.RY(a[1], wires=0)
        qml.RY(b, wires=1)
        return qml.expval(qml.PauliX(0) @ qml.PauliZ(1))

    a, b = onp.array([0.4, 0.9]), 0.3
    opt = qml.QNGOptimizer(stepsize=0.1)
    new_a, new_b = opt.step(two, np.array(a), np.array(b))
    # <X0 Z1> = cos(a0) sin(a1) cos(b); metric: diag(1/4, cos^2(a0)/4) for a, 1/4 for b (|0> before RY)
    ga = onp.array([-onp.sin(a[0]) * onp.sin(a[1]), onp.cos(a[0]) * onp.cos(a[1])]) * onp.cos(b)
    gb = -onp.cos(a[0]) * onp.sin(a[1]) * onp.sin(b)
    onp.testing.assert_allclose(new_a, a - 0.1 * ga / onp.array([0.25, onp.cos(a[0]) ** 2 / 4]), atol=1e-12)
    onp.testing.assert_allclose(new_b, b - 0.1 * gb / 0.25, atol=1e-12)


# --- Rotosolve ------------------------------------------------------------------------------------------
def test_rotosolve_reaches_the_minimum_of_a_single_frequency_cost_in_one_sweep():
    opt = qml.RotosolveOptimizer()
    x0 = onp.array([0.4, -0.9])
    x, before, substeps = opt.step_and_cost(
        circuit, np.array(x0), nums_frequency={"x": {(0,): 1, (1,): 1}}, full_output=True
    )
    onp.testing.assert_allclose(before, onp.cos(x0[0]) * onp.cos(x0[1]), atol=1e-12)
    # cos(x0) cos(x1): x0 -> pi (cos(x1) > 0), then -cos(x1) -> x1 = 0
    onp.testing.assert_allclose(x, [onp.pi, 0.0], atol=1e-10)
    onp.testing.assert_allclose(substeps, [-onp.cos(x0[1]), -1.0], atol=1e-12)
    assert isinstance(x, np.tensor) and x.requires_grad


def test_rotosolve_closed_form_for_any_frequency():
    def f(a, c):
        return 0.3 + 1.2 * jnp.sin(0.7 * a - 0.4) + c

    opt = qml.RotosolveOptimizer()
    (a, c), value = opt.step(f, np.array(2.5), 0.1, spectra={"a": {(): [-0.7, 0.0, 0.7]}}, full_output=True)
    assert c == 0.1
    onp.testing.assert_allclose(value, [0.3 - 1.2 + 0.1], atol=1e-12)
    onp.testing.assert_allclose(onp.sin(0.7 * a - 0.4), -1.0, atol=1e-12)
    assert abs(float(a) - 2.5) <= onp.pi / 0.7 + 1e-12


def test_min_analytic():
    x, y = qml.RotosolveOptimizer.min_analytic(lambda x: 2.0 - 0.5 * onp.cos(1.5 * x + 0.3), 1.5, None)
    onp.testing.assert_allclose(1.5 * x + 0.3, 0.0, atol=1e-12)
    onp.testing.assert_allclose(y, 1.5, atol=1e-12)
    x, _ = qml.RotosolveOptimizer.min_analytic(lambda x: onp.cos(x), 1.0, 1.0)
    onp.testing.assert_allclose(x, onp.pi, atol=1e-12)  # in (-pi, pi]


def trig_poly(x, coeffs):
    a0, a, b = coeffs
    k = onp.arange(1, len(a) + 1)
    return a0 + a @ onp.cos(k * x) + b @ onp.sin(k * x)


def grid_minimum(fn, low, high):
    """The minimum of ``fn`` on a fine grid, refined by golden-section search."""
    xs = onp.linspace(low, high, 20001)
    values = onp.array([fn(x) for x in xs])
    j = int(onp.argmin(values))
    lo, hi = xs[max(j - 1, 0)], xs[min(j + 1, xs.size - 1)]
    ratio = (onp.sqrt(5) - 1) / 2
    for _ in range(80):
        c, d = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        lo, hi = (lo, d) if fn(c) < fn(d) else (c, hi)
    return (lo + hi) / 2, fn((lo + hi) / 2)


@pytest.mark.parametrize("substep", ["brute", "shgo"])
def test_rotosolve_reconstructs_several_integer_frequencies(substep):
    coeffs = (0.2, onp.array([0.5, -0.7, 0.3]), onp.array([-0.4, 0.6, 0.25]))

    def f(x, scale):
        k = jnp.arange(1, 4)
        return scale * (coeffs[0] + jnp.dot(coeffs[1], jnp.cos(k * x)) + jnp.dot(coeffs[2], jnp.sin(k * x)))

    x_min, y_min = grid_minimum(lambda x: trig_poly(x, coeffs), -onp.pi, onp.pi)
    opt = qml.RotosolveOptimizer(substep_optimizer=substep)
    (x, _), substeps = opt.step(f, np.array(1.0), 1.0, nums_frequency={"x": {(): 3}}, full_output=True)
    onp.testing.assert_allclose(substeps, [y_min], atol=1e-8)
    onp.testing.assert_allclose(trig_poly(float(x), coeffs), y_min, atol=1e-8)
    onp.testing.assert_allclose(x, x_min, atol=1e-4)


def test_rotosolve_with_a_non_integer_spectrum_and_shifts():
    @qml.qnode(DEV)
    def controlled(t):
        qml.Hadamard(wires=0)
        qml.RX(0.6, wires=1)
        qml.CRY(t, wires=[0, 1])
        return qml.expval(qml.PauliZ(1) + 0.5 * qml.PauliX(1))

    def reference_cost(t):
        ops = [ref.Op("Hadamard", (), (0,)), ref.Op("RX", (0.6,), (1,)), ref.Op("CRY", (t,), (0, 1))]
        psi = ref.run(ops, 2)
        return ref.expval(psi, ("PauliZ", (1,)), 2) + 0.5 * ref.expval(psi, ("PauliX", (1,)), 2)

    _, y_min = grid_minimum(reference_cost, -2 * onp.pi, 2 * onp.pi)
    spectra = {"t": {(): [-1.0, -0.5, 0.0, 0.5, 1.0]}}
    opt = qml.RotosolveOptimizer()
    t = opt.step(controlled, np.array(0.2), spectra=spectra)
    onp.testing.assert_allclose(reference_cost(float(t)), y_min, atol=1e-8)
    shifts = {"t": {(): [-2.0, -1.0, 0.0, 1.0, 2.0]}}
    t2 = opt.step(controlled, np.array(0.2), spectra=spectra, shifts=shifts)
    onp.testing.assert_allclose(reference_cost(float(t2)), y_min, atol=1e-8)
    with pytest.raises(ValueError, match=r"3 shifts were given for 2 frequencies"):
        opt.step(controlled, np.array(0.2), spectra=spectra, shifts={"t": {(): [-1.0, 0.0, 1.0]}})
    with pytest.raises(ValueError, match="cannot resolve the frequencies"):
        opt.step(
            controlled,
            np.array(0.2),
            spectra=spectra,
            shifts={"t": {(): [0.0, 4 * onp.pi, 8 * onp.pi, 1.0, 2.0]}},
        )


def test_rotosolve_matches_pennylanes_documented_example():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def cost_function(rot_param, layer_par, crot_param, rot_weights=None, crot_weights=None):
        for i, par in enumerate(rot_param * rot_weights):
            qml.RX(par, wires=i)
        for w in range(3):
            qml.RX(layer_par, wires=w)
        for i, par in enumerate(crot_param * crot_weights):
            qml.CRY(par, wires=[i, (i + 1) % 3])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1) @ qml.PauliZ(2))

    param = (np.array([0.3, 0.2, 0.67]), np.array(1.1), np.array([-0.2, 0.1, -2.5]))
    nums_frequency = {
        "rot_param": {(0,): 1, (1,): 1, (2,): 1},
        "layer_par": {(): 3},
        "crot_param": {(0,): 2, (1,): 2, (2,): 2},
    }
    opt = qml.RotosolveOptimizer(substep_optimizer="brute", substep_kwargs={"num_steps": 4})
    weights = {"rot_weights": onp.ones(3), "crot_weights": onp.ones(3)}
    param, before, substeps = opt.step_and_cost(
        cost_function, *param, nums_frequency=nums_frequency, full_output=True, **weights
    )
    onp.testing.assert_allclose(before, 0.04200821039253547, atol=1e-12)
    onp.testing.assert_allclose(
        substeps, [-0.230905, -0.863336, -0.980072, -0.980072, -1.0, -1.0, -1.0], atol=1e-6
    )
    assert isinstance(param, list) and len(param) == 3
    _, before, _ = opt.step_and_cost(
        cost_function, *param, nums_frequency=nums_frequency, full_output=True, **weights
    )
    onp.testing.assert_allclose(before, -0.9999999990681161, atol=1e-9)


def test_rotosolve_custom_substep_optimizer_and_bounds():
    seen = {}

    def optimizer(fun, bounds, tag):
        seen["bounds"], seen["tag"] = bounds, tag
        xs = onp.linspace(bounds[0][0], bounds[0][1], 2001)
        return xs[int(onp.argmin([fun(x) for x in xs]))], None

    def f(x):
        return jnp.cos(x) + 0.5 * jnp.cos(2 * x)

    opt = qml.RotosolveOptimizer(substep_optimizer=optimizer, substep_kwargs={"tag": 7})
    x = opt.step(f, np.array(0.1), nums_frequency={"x": {(): 2}})
    assert seen == {"bounds": ((-onp.pi, onp.pi),), "tag": 7}
    onp.testing.assert_allclose(
        onp.cos(x) + 0.5 * onp.cos(2 * x),
        grid_minimum(lambda t: onp.cos(t) + 0.5 * onp.cos(2 * t), -onp.pi, onp.pi)[1],
        atol=1e-5,
    )


def test_rotosolve_skips_untrainable_and_frequency_free_parameters():
    def f(x, y):
        return jnp.cos(x[0]) + 0.0 * x[1] + y

    opt = qml.RotosolveOptimizer()
    x, y = opt.step(
        f, np.array([0.5, 2.0]), np.array(0.3, requires_grad=False), nums_frequency={"x": {(0,): 1, (1,): 0}}
    )
    onp.testing.assert_allclose(x, [onp.pi, 2.0], atol=1e-12)
    assert float(y) == 0.3


def test_rotosolve_errors():
    opt = qml.RotosolveOptimizer()

    def f(x, y=1.0):
        return jnp.sum(jnp.cos(x)) * y

    with pytest.raises(ValueError, match="found no parameters to optimize"):
        opt.step(f, np.array([0.1], requires_grad=False), nums_frequency={})
    with pytest.raises(
        ValueError,
        match=r"neither the number of frequencies nor the frequency spectrum was given for entry \(1,\)",
    ):
        opt.step(f, np.array([0.1, 0.2]), nums_frequency={"x": {(0,): 1}})
    with pytest.raises(ValueError, match=r"'nums_frequency' names \['z'\]"):
        opt.step(f, np.array([0.1]), nums_frequency={"z": {(0,): 1}})
    with pytest.raises(TypeError, match="'spectra' must be a dict or None"):
        opt.step(f, np.array([0.1]), spectra=[1.0])
    with pytest.raises(ValueError, match="must be a non-negative integer, got -1"):
        opt.step(f, np.array([0.1]), nums_frequency={"x": {(0,): -1}})
    with pytest.raises(ValueError, match="names 0 positional parameter"):
        opt.step(lambda *a: jnp.cos(a[0]), np.array(0.1), nums_frequency={})
