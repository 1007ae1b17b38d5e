"""Property-based tests: random programs over the whole gate set against the dense NumPy reference.

Strategies live in ``tests/strategies.py``; the example budget comes from the hypothesis profile
(``tests/conftest.py``: ``ci`` by default, ``--hypothesis-profile=long`` for deeper runs).

Tolerances: float64 inputs agree with the float64 reference to 1e-12 (a hidden float32 step would
miss by ~1e-7, so this also guards against silent downcasts); float32 inputs compute in complex64 and
agree to 2e-5 (values) and 1e-4 (gradients). Differentiation methods agree to 1e-10 in float64, finite
differences to 1e-5.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref
import strategies as sts
from hypothesis import given
from hypothesis import strategies as st

import quantum_jax as qml
from quantum_jax.simulator import final_state, simulate
from quantum_jax.tape import Tape

_COMPILES: list[str] = []
jax.monitoring.register_event_duration_secs_listener(
    lambda event, duration, **kw: (
        _COMPILES.append(event) if event == "/jax/core/compile/backend_compile_duration" else None
    )
)


def compiles_during(fn, *args):
    """``(result, number of XLA compilations while fn(*args) ran)``."""
    before = len(_COMPILES)
    out = jax.block_until_ready(fn(*args))
    return out, len(_COMPILES) - before


def close(got, want, tol):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=tol, rtol=0)


def has_float_data(specs) -> bool:
    return any(
        np.issubdtype(np.asarray(p).dtype, np.inexact)
        for s in specs
        if s.name != "BasisState"
        for p in s.params
    )


@st.composite
def programs(draw, max_wires=3, names=sts.GATE_NAMES, prep=True, max_depth=4):
    n = draw(st.integers(1, max_wires))
    return n, draw(sts.circuits(n, max_depth, names, prep)), draw(sts.wire_labels(n))


def angle_qnode(specs, obs, labels, diff_method, n=None):
    dev = qml.device("default.qubit", wires=labels)

    @qml.qnode(dev, diff_method=diff_method, interface="jax")
    def circuit(x):
        sts.build_with_angles(specs, x, labels)
        return qml.expval(sts.build_obs(obs, labels))

    return circuit


def reference_expval(specs, obs, x, n):
    return ref.expval(ref.run(sts.reference_with_angles(specs, x), n), obs, n)


# --- values ----------------------------------------------------------------------------------
@given(programs(), st.sampled_from(sts.DTYPES), st.data())
@sts.budget(1.5)
def test_value_matches_reference_norm_and_probs(program, dtype, data):
    n, specs, labels = program
    meas = data.draw(st.lists(sts.measurements(n), min_size=1, max_size=3))
    tape = Tape(sts.build_circuit(specs, labels, dtype), [sts.build_measurement(m, labels) for m in meas])
    out = simulate(tape, wires=labels)
    psi = ref.run(specs, n)
    tol = sts.TOL[dtype]
    for m, got in zip(meas, out, strict=True):
        close(got, sts.reference_value(m, psi, n), tol)
        if m[0] == "probs":
            assert np.all(np.asarray(got) >= -tol) and abs(float(jnp.sum(got)) - 1) < tol
    state = final_state(tape, wires=labels)
    assert abs(float(jnp.linalg.norm(state)) - 1) < tol
    probs = simulate(Tape(tape.operations, [qml.probs(wires=labels)]), wires=labels)[0]
    assert np.all(np.asarray(probs) >= 0) and abs(float(jnp.sum(probs)) - 1) < tol
    if dtype == np.float64:
        assert state.dtype == jnp.complex128  # never computed in single precision behind the user's back
    elif has_float_data(specs):
        assert state.dtype == jnp.complex64


@given(programs(), st.data())
@sts.budget()
def test_relabelling_wires_changes_nothing(program, data):
    n, specs, labels = program
    meas = data.draw(st.lists(sts.measurements(n), min_size=1, max_size=3))
    ints = tuple(range(n))
    plain = simulate(Tape(sts.build_circuit(specs), [sts.build_measurement(m) for m in meas]), wires=ints)
    tape = Tape(sts.build_circuit(specs, labels), [sts.build_measurement(m, labels) for m in meas])
    labelled = simulate(tape, wires=labels)
    for a, b in zip(plain, labelled, strict=True):
        close(a, b, 1e-13)


@given(programs(max_wires=2, max_depth=3), st.data())
@sts.budget(0.5)
def test_samples_and_counts_with_shots(program, data):
    n, specs, labels = program
    obs = data.draw(sts.observables(n, hamiltonian=False).filter(lambda o: o[0] != "Hermitian"))
    shots = 4000
    dev = qml.device("default.qubit", wires=labels, shots=shots, seed=data.draw(st.integers(0, 2**16)))

    @qml.qnode(dev, interface="jax")
    def circuit():
        sts.build_circuit(specs, labels)
        o = sts.build_obs(obs, labels)
        return qml.sample(o), qml.counts(o), qml.expval(o), qml.probs(wires=labels)

    samples, counts, mean, probs = circuit()
    assert samples.shape == (shots,) and set(np.unique(np.asarray(samples))) <= {-1.0, 1.0}
    assert sum(int(v) for v in counts.values()) == shots
    psi = ref.run(specs, n)
    # a fixed seed makes this deterministic; 6 standard deviations of a +-1 mean
    assert abs(float(mean) - ref.expval(psi, obs, n)) < 6 / np.sqrt(shots)
    assert np.all(np.asarray(probs) >= 0) and abs(float(jnp.sum(probs)) - 1) < 1e-12


# --- differentiation -------------------------------------------------------------------------
@st.composite
def angle_programs(draw, max_wires=3, max_depth=3):
    n = draw(st.integers(1, max_wires))
    specs = draw(sts.circuits(n, max_depth, sts.ANGLE_GATES, prep=False))
    labels = draw(sts.wire_labels(n))
    obs = draw(sts.observables(n))
    x = draw(sts.angle_vectors(sts.angle_count(specs)))
    return n, specs, labels, obs, x


@given(angle_programs())
@sts.budget()
def test_gradients_agree_across_methods(program):
    n, specs, labels, obs, x = program
    grads = {m: jax.grad(angle_qnode(specs, obs, labels, m))(jnp.asarray(x)) for m in
             ("backprop", "parameter-shift", "adjoint", "finite-diff")}  # fmt: skip
    close(grads["parameter-shift"], grads["backprop"], 1e-10)
    close(grads["adjoint"], grads["backprop"], 1e-10)
    close(grads["finite-diff"], grads["backprop"], 1e-5)
    h = 1e-5  # central differences of the independent reference
    fd = [
        (reference_expval(specs, obs, x + h * e, n) - reference_expval(specs, obs, x - h * e, n)) / (2 * h)
        for e in np.eye(len(x))
    ]
    close(grads["backprop"], fd, 1e-5)


@given(angle_programs(max_wires=2, max_depth=2))
@sts.budget(0.5)
def test_hessian_parameter_shift_equals_backprop(program):
    _, specs, labels, obs, x = program
    hess = {m: jax.hessian(angle_qnode(specs, obs, labels, m))(jnp.asarray(x)) for m in
            ("backprop", "parameter-shift")}  # fmt: skip
    close(hess["parameter-shift"], hess["backprop"], 1e-9)


@given(angle_programs(), st.sampled_from(sts.DTYPES))
@sts.budget()
def test_jit_equals_eager(program, dtype):
    n, specs, labels, obs, x = program
    f = angle_qnode(specs, obs, labels, "best")
    xs = jnp.asarray(x, dtype=dtype)
    close(jax.jit(f)(xs), f(xs), 1e-13 if dtype == np.float64 else 1e-6)
    close(f(xs), reference_expval(specs, obs, x.astype(dtype), n), sts.TOL[dtype])
    assert f(xs).dtype == (jnp.float64 if dtype == np.float64 else jnp.float32)


@given(angle_programs(max_depth=2), st.integers(1, 3), st.sampled_from(["backprop", "parameter-shift"]))
@sts.budget()
def test_vmap_equals_loop_and_grad_of_vmap_equals_vmap_of_grad(program, batch, method):
    n, specs, labels, obs, _ = program
    rng = sts.seed_rng(batch)
    xs = jnp.asarray(rng.uniform(-np.pi, np.pi, size=(batch, sts.angle_count(specs))))
    f = angle_qnode(specs, obs, labels, method)
    close(jax.vmap(f)(xs), [f(x) for x in xs], 1e-12)
    close(jax.vmap(f)(xs), [reference_expval(specs, obs, np.asarray(x), n) for x in xs], 1e-12)
    g_of_vmap = jax.grad(lambda batch: jnp.sum(jax.vmap(f)(batch)))(xs)
    close(g_of_vmap, jax.vmap(jax.grad(f))(xs), 1e-10)
    close(g_of_vmap, [jax.grad(f)(x) for x in xs], 1e-10)


@given(angle_programs(max_depth=3), st.integers(1, 3))
@sts.budget()
def test_broadcast_parameters_equal_loop(program, batch):
    """Parameter broadcasting (a leading batch axis on the gates' angles) equals one call per row."""
    n, specs, labels, obs, _ = program
    xs = np.asarray(sts.seed_rng(batch + 7).uniform(-np.pi, np.pi, size=(batch, sts.angle_count(specs))))
    f = angle_qnode(specs, obs, labels, "best")
    broadcast = f(jnp.asarray(xs.T))  # each angle a batch of `batch` values
    close(broadcast, [reference_expval(specs, obs, x, n) for x in xs], 1e-12)


@given(angle_programs(max_depth=3))
@sts.budget()
def test_float32_gradients_agree(program):
    _, specs, labels, obs, x = program
    x32 = jnp.asarray(x, dtype=jnp.float32)
    grads = {m: jax.grad(angle_qnode(specs, obs, labels, m))(x32) for m in
             ("backprop", "parameter-shift", "adjoint")}  # fmt: skip
    for g in grads.values():
        assert g.dtype == jnp.float32
        close(g, grads["backprop"], 1e-4)
    exact = jax.grad(angle_qnode(specs, obs, labels, "backprop"))(jnp.asarray(x32, jnp.float64))
    close(grads["parameter-shift"], exact, 1e-4)


# --- inputs, retracing -----------------------------------------------------------------------
@given(programs(max_wires=3))
@sts.budget()
def test_inputs_are_never_mutated(program):
    _, specs, labels = program
    arrays = [p for s in specs for p in s.params if isinstance(p, np.ndarray)]
    copies = [a.copy() for a in arrays]
    labels_copy = list(labels)
    x = np.linspace(-1.0, 1.0, max(1, sts.angle_count(specs)))
    x_copy = x.copy()
    dev = qml.device("default.qubit", wires=labels)

    @qml.qnode(dev, interface="jax")
    def circuit(x):
        sts.build_with_angles(specs, x, labels)
        return qml.expval(qml.PauliZ(labels[0])), qml.state()

    circuit(x)
    jax.jit(circuit)(x)
    jax.grad(lambda v: circuit(v)[0])(x)
    for a, c in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(x, x_copy)
    assert labels == labels_copy


@given(angle_programs(max_depth=3), st.sampled_from(sts.DTYPES))
@sts.budget(0.5)
def test_second_call_with_new_values_never_retraces(program, dtype):
    n, specs, labels, obs, x = program
    traces = []
    f = angle_qnode(specs, obs, labels, "parameter-shift")

    def loss(v):
        traces.append(1)  # runs once per trace
        return f(v)

    jitted = jax.jit(jax.value_and_grad(loss))
    x1, x2 = jnp.asarray(x, dtype), jnp.asarray(x + 0.25, dtype)
    jitted(x1)
    (value, _), compiles = compiles_during(jitted, x2)
    assert len(traces) == 1 and compiles == 0
    close(value, reference_expval(specs, obs, np.asarray(x2, np.float64), n), sts.TOL[dtype] * 10)
    f(x1)  # un-jitted calls: the first one may compile, the next with new values must not
    _, compiles = compiles_during(f, x2 + 0.5)
    assert compiles == 0


# --- precision: no silent downcast on any path -----------------------------------------------
# The circuit RX(a) on 0, RY(b) on 1, CNOT(0, 1): <Z_1> = cos(a) cos(b), d/da = -sin(a) cos(b),
# d/db = -cos(a) sin(b). float64 results must match these to 1e-12 (float32 rounding of a or b alone
# moves them by ~1e-8); float32 inputs give float32 results within 2e-5.
A, B = 0.3123456789012, -1.2345678901234


def formula(a, b):
    return np.cos(a) * np.cos(b), np.array([-np.sin(a) * np.cos(b), -np.cos(a) * np.sin(b)])


def two_gate_tape(x, obs=None):
    ops = [qml.RX(x[0], wires=0), qml.RY(x[1], wires=1), qml.CNOT(wires=[0, 1])]
    return Tape(ops, [qml.expval(qml.PauliZ(1) if obs is None else obs)])


@pytest.mark.parametrize("dtype", sts.DTYPES)
def test_precision_of_qnodes_tapes_and_gradient_transforms(dtype):
    x = np.array([A, B], dtype=dtype)
    value, grad = formula(*x.astype(np.float64))
    tol, real = sts.TOL[dtype] * (1 if dtype == np.float64 else 10), np.dtype(dtype)
    dev = qml.device("default.qubit", wires=2)
    for method in ("backprop", "parameter-shift", "adjoint"):

        @qml.qnode(dev, diff_method=method, interface="jax")
        def circuit(v):
            qml.RX(v[0], wires=0)
            qml.RY(v[1], wires=1)
            qml.CNOT(wires=[0, 1])
            return qml.expval(qml.PauliZ(1))

        out, g = jax.value_and_grad(circuit)(jnp.asarray(x))
        assert out.dtype == real and g.dtype == real, method
        close(out, value, tol)
        close(g, grad, tol)
    (res,) = qml.execute([two_gate_tape(x)], dev, None, interface="jax")
    assert res.dtype == real
    close(res[0], value, tol)
    tapes, fn = qml.gradients.param_shift(two_gate_tape(x))
    jac = fn(qml.execute(tapes, dev, None, interface="jax"))
    assert jac.dtype == real
    close(np.ravel(jac), grad, tol)
    dev3 = qml.device("default.qubit", wires=3)  # the Hadamard test's auxiliary wire
    tapes, fn = qml.gradients.hadamard_grad(two_gate_tape(x))
    jac = fn(qml.execute(tapes, dev3, None, interface="jax"))
    assert jac.dtype == real
    close(np.ravel(jac), grad, tol)
    tapes, fn = qml.gradients.param_shift_hessian(two_gate_tape(x))
    hess = fn(qml.execute(tapes, dev, None, interface="jax"))
    a, b = x.astype(np.float64)
    assert hess.dtype == real
    cross = np.sin(a) * np.sin(b)
    close(np.ravel(hess), [-value, cross, cross, -value], tol)
    tapes, fn = qml.gradients.spsa_grad(two_gate_tape(x), num_directions=4, sampler_rng=0)
    assert fn(qml.execute(tapes, dev, None, interface="jax")).dtype == real
    tapes, fn = qml.gradients.finite_diff(two_gate_tape(x))
    close(
        np.ravel(fn(qml.execute(tapes, dev, None, interface="jax"))),
        grad,
        1e-6 if dtype == np.float64 else 2e-2,
    )


def test_float64_observables_gate_matrices_and_states_keep_float64():
    rng = sts.seed_rng(5)
    herm = ref.random_hermitian(rng, 4)
    coeffs = np.array([0.7123456789, -1.2987654321])
    x = np.array([A, B])
    psi = ref.run([ref.Op("RX", (A,), (0,)), ref.Op("RY", (B,), (1,)), ref.Op("CNOT", (), (0, 1))], 2)
    ham_spec = (
        "Hamiltonian",
        list(coeffs),
        [("PauliZ", (0,)), ("Tensor", [("PauliX", (0,)), ("PauliY", (1,))])],
    )
    for spec in (("Hermitian", (1, 0), herm), ham_spec):
        obs = sts.build_obs(spec)
        for meas in (qml.expval(obs), qml.var(obs)):
            (out,) = simulate(Tape(two_gate_tape(x).operations, [meas]))
            assert out.dtype == jnp.float64
            want = (
                ref.expval(psi, spec, 2)
                if meas.__class__.__name__.startswith("Exp")
                else ref.var(psi, spec, 2)
            )
            close(out, want, 1e-12)
    state, rho = simulate(Tape(two_gate_tape(x).operations, [qml.state(), qml.density_matrix(wires=[1])]))
    assert state.dtype == rho.dtype == jnp.complex128
    close(state, psi, 1e-13)
    close(rho, ref.density_matrix(psi, [1], 2), 1e-13)
    for op, want in ((qml.RX(A, wires=0), ref.rx(A)), (qml.Rot(A, B, A, wires=0), ref.rot(A, B, A))):
        m = qml.matrix(op)
        assert m.dtype == jnp.complex128
        close(m, want, 1e-15)
    m32 = qml.matrix(qml.RX(np.float32(A), wires=0))
    assert m32.dtype == jnp.complex64
    close(m32, ref.rx(float(np.float32(A))), 1e-6)
