"""Single precision: float32 parameters simulate in complex64 and give float32 results.

The suite runs with ``jax_enable_x64`` on (conftest), so these tests do not rely on x64 being off:
the precision must follow the parameters' dtypes.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref
from circuit_builders import GATE_NAMES, build, build_obs, random_circuit, random_op, rng_for

import quantum_jax as qml
from quantum_jax.simulator import simulate
from quantum_jax.tape import Tape

TOL32 = 2e-5


def as_single(op: ref.Op) -> ref.Op:
    """The same step with its parameters in single precision (float32 / complex64)."""
    params = []
    for p in op.params:
        arr = np.asarray(p)
        if np.iscomplexobj(arr):
            params.append(arr.astype(np.complex64))
        elif np.issubdtype(arr.dtype, np.floating):
            params.append(arr.astype(np.float32))
        else:
            params.append(arr)
    return ref.Op(op.name, tuple(params), op.wires, op.word, op.adjoint)


def test_suite_runs_with_x64_enabled():
    assert jax.config.jax_enable_x64
    assert jnp.asarray(0.5).dtype == jnp.float64


def test_random_float32_circuit_dtypes_and_accuracy():
    rng = rng_for("float32-circuit")
    n = 4
    specs = [ref.Op("RX", (0.3,), (1,)), *random_circuit(rng, n, depth=10, prep=False)]
    specs.insert(0, ref.Op("StatePrep", (ref.random_state(rng, 4),), (3, 0)))
    single = [as_single(s) for s in specs]
    obs = ("Tensor", [("PauliX", (0,)), ("Hermitian", (2,), ref.random_hermitian(rng, 2))])
    ham = ("Hamiltonian", [0.7, -1.2], [("PauliZ", (1,)), ("Tensor", [("PauliY", (3,)), ("Hadamard", (2,))])])
    measurements = [
        qml.state(), qml.probs(wires=[2, 0]), qml.probs(op=qml.PauliY(3)), qml.expval(build_obs(obs)),
        qml.var(build_obs(obs)), qml.expval(build_obs(ham)), qml.var(build_obs(ham)),
        qml.density_matrix(wires=[3, 1]),
    ]  # fmt: skip
    tape = Tape([build(s) for s in single], measurements)
    wires = tuple(range(n))
    out = jax.jit(lambda t: simulate(t, wires))(tape)
    psi = ref.run(specs, n)  # float64 reference
    want = [
        psi, ref.probs(psi, (2, 0), n), ref.probs_of_op(psi, ("PauliY", (3,)), n), ref.expval(psi, obs, n),
        ref.var(psi, obs, n), ref.expval(psi, ham, n), ref.var(psi, ham, n),
        ref.density_matrix(psi, (3, 1), n),
    ]  # fmt: skip
    dtypes = [jnp.complex64] + [jnp.float32] * 6 + [jnp.complex64]
    for m, got, exp, dt in zip(measurements, out, want, dtypes, strict=True):
        assert got.dtype == dt, (m, got.dtype)
        np.testing.assert_allclose(got, exp, atol=TOL32, err_msg=repr(m))
    # single precision really is single: it differs from the float64 result at the float32 level
    assert np.abs(np.asarray(out[0], np.complex128) - psi).max() > 1e-12


def test_eager_single_and_double_precision():
    ops32 = [qml.RY(np.float32(0.4), wires=0), qml.CRX(jnp.float32(-1.1), wires=[0, 1])]
    ops64 = [qml.RY(np.float64(0.4), wires=0), qml.CRX(jnp.float64(-1.1), wires=[0, 1])]
    state32, e32 = simulate(Tape(ops32, [qml.state(), qml.expval(qml.PauliZ(1))]))
    state64, e64 = simulate(Tape(ops64, [qml.state(), qml.expval(qml.PauliZ(1))]))
    assert state32.dtype == jnp.complex64 and e32.dtype == jnp.float32
    assert state64.dtype == jnp.complex128 and e64.dtype == jnp.float64
    psi = ref.run([ref.Op("RY", (0.4,), (0,)), ref.Op("CRX", (-1.1,), (0, 1))], 2)
    np.testing.assert_allclose(state32, psi, atol=TOL32)
    np.testing.assert_allclose(state64, psi, atol=1e-12)
    np.testing.assert_allclose(e32, ref.expval(psi, ("PauliZ", (1,)), 2), atol=TOL32)
    np.testing.assert_allclose(e64, ref.expval(psi, ("PauliZ", (1,)), 2), atol=1e-12)


@pytest.mark.parametrize(
    "params, expected",
    [
        ((np.float32(0.1), np.float32(0.2)), jnp.complex64),
        ((jnp.float32(0.1), 0.2), jnp.complex64),  # a Python float is weakly typed: it follows float32
        ((np.float32(0.1), np.float64(0.2)), jnp.complex128),  # any 64-bit parameter wins
        ((0.1, 0.2), jnp.complex128),  # Python floats under x64
        ((jnp.float64(0.1), jnp.float32(0.2)), jnp.complex128),
    ],
)
def test_state_dtype_follows_the_parameters(params, expected):
    ops = [qml.RX(params[0], wires=0), qml.IsingZZ(params[1], wires=[0, 1])]
    tape = Tape(ops, [qml.state(), qml.expval(qml.PauliX(1))])
    state, e = jax.eval_shape(simulate, tape)  # traced like jit, without compiling
    assert state.dtype == expected and e.dtype == jnp.finfo(expected).dtype


def test_single_precision_matrices_and_states():
    rng = rng_for("float32-matrices")
    u = ref.random_unitary(rng, 4)
    vec = ref.random_state(rng, 2)
    tape = Tape(
        [
            qml.StatePrep(vec.astype(np.complex64), wires=[1]),
            qml.QubitUnitary(u.astype(np.complex64), wires=[1, 0]),
        ],
        [qml.state(), qml.expval(qml.PauliX(0))],
    )
    state, e = jax.jit(simulate, static_argnums=1)(tape, (0, 1))
    assert state.dtype == jnp.complex64 and e.dtype == jnp.float32
    psi = ref.run([ref.Op("StatePrep", (vec,), (1,)), ref.Op("QubitUnitary", (u,), (1, 0))], 2)
    np.testing.assert_allclose(state, psi, atol=TOL32)
    np.testing.assert_allclose(e, ref.expval(psi, ("PauliX", (0,)), 2), atol=TOL32)
    # integer basis states alone carry no precision: the default (float64 under x64) applies
    (basis,) = simulate(Tape([qml.BasisState(np.array([1, 0]), wires=[0, 1])], [qml.state()]))
    assert basis.dtype == jnp.complex128


def test_float32_under_vmap_and_grad():
    def expval(x):
        ops = [qml.RX(x, wires=0), qml.CNOT(wires=[0, 1]), qml.RY(x, wires=1)]
        tape = Tape(ops, [qml.expval(qml.PauliZ(1))])
        return simulate(tape)[0]

    def reference_expval(x):
        psi = ref.run([ref.Op("RX", (x,), (0,)), ref.Op("CNOT", (), (0, 1)), ref.Op("RY", (x,), (1,))], 2)
        return ref.expval(psi, ("PauliZ", (1,)), 2)

    xs = jnp.asarray([0.1, 0.7, -2.0], jnp.float32)
    values = jax.jit(jax.vmap(expval))(xs)
    assert values.dtype == jnp.float32
    grads = jax.jit(jax.vmap(jax.grad(expval)))(xs)
    assert grads.dtype == jnp.float32
    for x, v, g in zip(np.asarray(xs, np.float64), values, grads, strict=True):
        np.testing.assert_allclose(v, reference_expval(x), atol=TOL32)
        h = 1e-6
        fd = (reference_expval(x + h) - reference_expval(x - h)) / (2 * h)
        np.testing.assert_allclose(g, fd, atol=1e-4)


def test_gate_matrices_keep_single_precision():
    """Every parametrized gate builds a complex64 matrix from float32 parameters (one jit for all)."""
    rng = rng_for("float32-gates")
    names = [n for n in GATE_NAMES if ref.GATE_SIGNATURES[n][1]]
    specs = [as_single(random_op(n, range(ref.GATE_SIGNATURES[n][0] or 2), rng)) for n in names]

    def matrices(params):
        return [build(s, params=p).matrix() for s, p in zip(specs, params, strict=True)]

    mats = jax.jit(matrices)([s.params for s in specs])
    for name, spec, m in zip(names, specs, mats, strict=True):
        assert m.dtype == jnp.complex64, name
        double = tuple(np.asarray(p).astype(complex if np.iscomplexobj(p) else float) for p in spec.params)
        want = ref.Op(name, double, spec.wires, spec.word).matrix()
        np.testing.assert_allclose(m, want, atol=TOL32, err_msg=name)


def test_finite_diff_default_step_follows_float32_precision():
    """With float32 parameters the default step is eps**(1/2), not 1e-7 (pure rounding noise there)."""
    dev = qml.device("default.qubit", wires=1)

    def cost(x):
        tape = qml.tape.Tape([qml.RX(x, wires=0)], [qml.expval(qml.PauliZ(0))])
        return qml.execute([tape], dev, qml.gradients.finite_diff, interface="jax")[0][0]

    x = jnp.float32(0.8)
    g = jax.grad(cost)(x)
    assert g.dtype == jnp.float32
    assert abs(float(g) + np.sin(0.8)) < 2e-3
    g64 = jax.grad(cost)(jnp.float64(0.8))
    assert abs(float(g64) + np.sin(0.8)) < 1e-6
