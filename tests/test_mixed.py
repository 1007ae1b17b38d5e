"""The density-matrix device ``default.mixed`` against the dense NumPy reference (``reference.run_mixed``).

Every expected value is computed by the reference: gates as ``U rho U^dagger`` and channels as
``sum_k K rho K^dagger`` with Kraus matrices written out in ``reference.channel_kraus``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref
from circuit_builders import build, build_obs, random_circuit, rng_for

import quantum_jax as qml

N = 3


# --- random noisy circuits ------------------------------------------------------------------------
def random_channel(rng: np.random.Generator, n: int) -> ref.Op:
    """A reference spec of a random channel with random valid parameters."""
    name = str(rng.choice(ref.CHANNEL_NAMES))
    w = int(rng.integers(n))
    if name == "GeneralizedAmplitudeDamping":
        return ref.Op(name, (float(rng.uniform()), float(rng.uniform())), (w,))
    if name == "ResetError":
        p0 = float(rng.uniform(0, 0.5))
        return ref.Op(name, (p0, float(rng.uniform(0, 1 - p0))), (w,))
    if name == "PauliError":
        wires = tuple(int(x) for x in rng.permutation(n)[:2])
        return ref.Op(name, (float(rng.uniform()),), wires, "".join(rng.choice(list("IXYZ"), size=2)))
    if name == "ThermalRelaxationError":
        t1 = float(rng.uniform(0.5, 2))
        return ref.Op(name, (float(rng.uniform()), t1, float(rng.uniform(0.1, 2 * t1)), 0.3), (w,))
    return ref.Op(name, (float(rng.uniform()),), (w,))


def build_any(op: ref.Op, params: Any = None) -> Any:
    """A quantum_jax gate or channel for a reference spec."""
    params = op.params if params is None else tuple(params)
    if op.name == "PauliError":
        return qml.PauliError(op.word, *params, wires=list(op.wires))
    if op.name in ref.CHANNEL_NAMES:
        return getattr(qml, op.name)(*params, wires=list(op.wires))
    return build(op, params=params)


def noisy_circuit(seed: int, n: int = N, depth: int = 10, channels: int = 5) -> list[ref.Op]:
    rng = rng_for("noisy", seed)
    ops = random_circuit(rng, n, depth)
    start = 1 if ops and ops[0].name in ("BasisState", "StatePrep") else 0  # channels after preparations
    for _ in range(channels):
        ops.insert(int(rng.integers(start, len(ops) + 1)), random_channel(rng, n))
    return ops


def final_rho(ops: list[ref.Op], n: int = N, **kwargs: Any) -> np.ndarray:
    dev = qml.device("default.mixed", wires=n)

    @qml.qnode(dev, **kwargs)
    def circuit() -> Any:
        for op in ops:
            build_any(op)
        return qml.state()

    return np.asarray(circuit())


@pytest.mark.parametrize("seed", range(4))
def test_noiseless_circuit_equals_pure_state(seed: int) -> None:
    ops = random_circuit(rng_for("pure", seed), N, 14)
    pure = qml.device("default.qubit", wires=N)

    @qml.qnode(pure)
    def psi_circuit() -> Any:
        for op in ops:
            build(op)
        return qml.state()

    psi = np.asarray(psi_circuit())
    rho = final_rho(ops)
    assert rho.shape == (2**N, 2**N)
    np.testing.assert_allclose(rho, np.outer(psi, psi.conj()), atol=1e-12, rtol=0)
    np.testing.assert_allclose(rho, ref.run_mixed(ops, N), atol=1e-12, rtol=0)


@pytest.mark.parametrize("seed", range(6))
def test_random_noisy_circuit_density_matrix(seed: int) -> None:
    ops = noisy_circuit(seed)
    rho = final_rho(ops)
    expected = ref.run_mixed(ops, N)
    np.testing.assert_allclose(rho, expected, atol=1e-12, rtol=0)
    assert abs(np.trace(rho) - 1) < 1e-12
    np.testing.assert_allclose(rho, rho.conj().T, atol=1e-13, rtol=0)
    assert np.linalg.eigvalsh(rho).min() > -1e-12
    assert ref.entropy(expected) > 1e-6  # the noise made it mixed: the test sees channels act


@pytest.mark.parametrize("seed", range(3))
def test_measurements_on_noisy_circuits(seed: int) -> None:
    ops = noisy_circuit(100 + seed)
    rho = ref.run_mixed(ops, N)
    obs_a = ("Tensor", [("PauliX", (0,)), ("PauliZ", (2,))])
    herm = ref.random_hermitian(rng_for("herm", seed), 4)
    obs_b = ("Hermitian", (1, 2), herm)
    ham = ("Hamiltonian", [0.3, -1.2], [("PauliY", (1,)), ("Tensor", [("PauliZ", (0,)), ("PauliZ", (1,))])])
    dev = qml.device("default.mixed", wires=N)

    @qml.qnode(dev)
    def circuit() -> Any:
        for op in ops:
            build_any(op)
        return (
            qml.expval(build_obs(obs_a)),
            qml.expval(build_obs(obs_b)),
            qml.expval(build_obs(ham)),
            qml.var(build_obs(obs_b)),
            qml.var(build_obs(ham)),
            qml.probs(wires=[2, 0]),
            qml.probs(op=qml.PauliX(1)),
            qml.density_matrix(wires=[2, 0]),
            qml.purity(wires=[0, 1]),
            qml.vn_entropy(wires=[1], log_base=2),
            qml.mutual_info(wires0=[0], wires1=[1, 2]),
        )

    got = circuit()
    assert float(got[0]) == pytest.approx(ref.expval_rho(rho, obs_a, N), abs=1e-12)
    assert float(got[1]) == pytest.approx(ref.expval_rho(rho, obs_b, N), abs=1e-12)
    assert float(got[2]) == pytest.approx(ref.expval_rho(rho, ham, N), abs=1e-12)
    assert float(got[3]) == pytest.approx(ref.var_rho(rho, obs_b, N), abs=1e-12)
    assert float(got[4]) == pytest.approx(ref.var_rho(rho, ham, N), abs=1e-12)
    np.testing.assert_allclose(got[5], ref.probs_rho(rho, [2, 0], N), atol=1e-12, rtol=0)
    hx = ref.embed(ref.H, [1], N)  # X's eigenbasis: H maps |+>, |-> to |0>, |1>
    np.testing.assert_allclose(got[6], ref.probs_rho(hx @ rho @ hx, [1], N), atol=1e-12, rtol=0)
    sub = ref.partial_trace_rho(rho, [2, 0], N)
    np.testing.assert_allclose(got[7], sub, atol=1e-12, rtol=0)
    r01 = ref.partial_trace_rho(rho, [0, 1], N)
    assert float(got[8]) == pytest.approx(np.trace(r01 @ r01).real, abs=1e-12)
    assert float(got[9]) == pytest.approx(ref.entropy(ref.partial_trace_rho(rho, [1], N), 2), abs=1e-10)
    mi = (
        ref.entropy(ref.partial_trace_rho(rho, [0], N))
        + ref.entropy(ref.partial_trace_rho(rho, [1, 2], N))
        - ref.entropy(rho)
    )
    assert float(got[10]) == pytest.approx(mi, abs=1e-10)


# --- differentiation ------------------------------------------------------------------------------
def _noisy_hea(x: Any, p: Any) -> Any:
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.DepolarizingChannel(p, wires=1)
    qml.AmplitudeDamping(0.2, wires=0)
    qml.CRZ(x[2], wires=[1, 2])
    qml.Rot(x[3], x[4], x[5], wires=2)
    qml.ThermalRelaxationError(0.1, 1.0, 1.5, p, wires=2)
    qml.IsingXX(x[0] * x[1], wires=[0, 2])
    return qml.expval(qml.PauliZ(0) @ qml.PauliY(2)), qml.var(qml.PauliX(1)), qml.probs(wires=[2])


def _reference_values(x: np.ndarray, p: float) -> np.ndarray:
    ops = [
        ref.Op("RX", (x[0],), (0,)),
        ref.Op("RY", (x[1],), (1,)),
        ref.Op("CNOT", (), (0, 1)),
        ref.Op("DepolarizingChannel", (p,), (1,)),
        ref.Op("AmplitudeDamping", (0.2,), (0,)),
        ref.Op("CRZ", (x[2],), (1, 2)),
        ref.Op("Rot", (x[3], x[4], x[5]), (2,)),
        ref.Op("ThermalRelaxationError", (0.1, 1.0, 1.5, p), (2,)),
        ref.Op("IsingXX", (x[0] * x[1],), (0, 2)),
    ]
    rho = ref.run_mixed(ops, N)
    zy = ("Tensor", [("PauliZ", (0,)), ("PauliY", (2,))])
    return np.concatenate(
        [[ref.expval_rho(rho, zy, N), ref.var_rho(rho, ("PauliX", (1,)), N)], ref.probs_rho(rho, [2], N)]
    )


def _reference_jacobian(x: np.ndarray, p: float, h: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of the reference in every gate parameter and in ``p``."""
    cols = []
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((_reference_values(x + e, p) - _reference_values(x - e, p)) / (2 * h))
    dp = (_reference_values(x, p + h) - _reference_values(x, p - h)) / (2 * h)
    return np.stack(cols, axis=1), dp


X0 = np.array([0.3, -0.7, 1.1, 0.4, 2.0, -0.5])
P0 = 0.15


def _qnode(method: str, **kwargs: Any) -> Any:
    dev = qml.device("default.mixed", wires=N)
    circuit = qml.QNode(_noisy_hea, dev, diff_method=method, **kwargs)
    return lambda x, p: jnp.concatenate([jnp.stack(circuit(x, p)[:2]), circuit(x, p)[2]])


@pytest.mark.parametrize("method", ["backprop", "parameter-shift", "finite-diff"])
def test_gate_parameter_gradients(method: str) -> None:
    f = _qnode(method)
    x = jnp.asarray(X0)
    np.testing.assert_allclose(f(x, P0), _reference_values(X0, P0), atol=1e-12, rtol=0)
    jac_x, _ = _reference_jacobian(X0, P0)
    tol = 1e-5 if method == "finite-diff" else 1e-8
    np.testing.assert_allclose(jax.jacobian(f)(x, P0), jac_x, atol=tol)
    np.testing.assert_allclose(jax.jit(jax.jacobian(f))(x, P0), jac_x, atol=tol)


@pytest.mark.parametrize("method", ["backprop", "finite-diff"])
def test_channel_parameter_gradients(method: str) -> None:
    f = _qnode(method)
    _, dp = _reference_jacobian(X0, P0)
    tol = 1e-5 if method == "finite-diff" else 1e-8
    got = jax.jit(jax.jacobian(f, argnums=1))(jnp.asarray(X0), P0)
    np.testing.assert_allclose(got, dp, atol=tol)
    assert np.abs(dp).max() > 1e-3  # the channel parameter matters


def test_parameter_shift_refuses_channel_parameters() -> None:
    f = _qnode("parameter-shift")
    with pytest.raises(ValueError, match=r"DepolarizingChannel.*no shift rule.*backprop.*finite-diff"):
        jax.grad(lambda p: f(jnp.asarray(X0), p)[0])(P0)


def test_adjoint_is_refused_on_default_mixed() -> None:
    f = _qnode("adjoint")
    with pytest.raises(ValueError, match=r"adjoint.*default.mixed.*backprop"):
        jax.grad(lambda x: f(x, P0)[0])(jnp.asarray(X0))


@pytest.mark.parametrize("method", ["backprop", "parameter-shift"])
def test_hessian_under_jit(method: str) -> None:
    f = _qnode(method, max_diff=2)
    h = 1e-4

    def value(x: np.ndarray) -> float:
        return float(_reference_values(x, P0)[0])

    expected = np.zeros((6, 6))
    for i in range(6):
        for j in range(6):
            ei, ej = np.eye(6)[i] * h, np.eye(6)[j] * h
            expected[i, j] = (
                value(X0 + ei + ej) - value(X0 + ei - ej) - value(X0 - ei + ej) + value(X0 - ei - ej)
            ) / (4 * h * h)
    got = jax.jit(jax.hessian(lambda x: f(x, P0)[0]))(jnp.asarray(X0))
    np.testing.assert_allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize("method", ["backprop", "parameter-shift"])
def test_vmapped_gradients(method: str) -> None:
    f = _qnode(method)
    xs = jnp.asarray(np.stack([X0, X0[::-1], 0.5 * X0]))
    got = jax.jit(jax.vmap(jax.grad(lambda x: f(x, P0)[0])))(xs)
    for row, x in zip(got, np.asarray(xs), strict=True):
        np.testing.assert_allclose(row, _reference_jacobian(x, P0)[0][0], atol=1e-8)


def test_parameter_broadcasting() -> None:
    dev = qml.device("default.mixed", wires=1)

    @qml.qnode(dev)
    def circuit(x: Any) -> Any:
        qml.RX(x, wires=0)
        qml.BitFlip(0.2, wires=0)
        return qml.expval(qml.PauliZ(0))

    xs = np.array([0.1, 0.9, 2.0])
    # <Z> after RX(x) is cos x; a bit flip with probability p scales it by 1 - 2p
    np.testing.assert_allclose(circuit(xs), 0.6 * np.cos(xs), atol=1e-12, rtol=0)


# --- shots ----------------------------------------------------------------------------------------
def test_shots_sample_from_the_diagonal() -> None:
    shots = 20000
    dev = qml.device("default.mixed", wires=2, shots=shots, seed=7)
    ops = [
        ref.Op("RX", (1.1,), (0,)),
        ref.Op("CNOT", (), (0, 1)),
        ref.Op("AmplitudeDamping", (0.4,), (1,)),
        ref.Op("RY", (0.3,), (0,)),
    ]

    @qml.qnode(dev)
    def circuit() -> Any:
        for op in ops:
            build_any(op)
        return (
            qml.expval(qml.PauliZ(0) @ qml.PauliZ(1)),
            qml.expval(qml.PauliX(0)),
            qml.probs(wires=[0, 1]),
            qml.counts(wires=[1]),
            qml.sample(qml.PauliZ(1)),
        )

    rho = ref.run_mixed(ops, 2)
    zz, x0, probs, counts, sample = circuit()
    sigma = 1 / np.sqrt(shots)
    assert (
        abs(float(zz) - ref.expval_rho(rho, ("Tensor", [("PauliZ", (0,)), ("PauliZ", (1,))]), 2)) < 5 * sigma
    )
    assert abs(float(x0) - ref.expval_rho(rho, ("PauliX", (0,)), 2)) < 5 * sigma
    np.testing.assert_allclose(probs, ref.probs_rho(rho, [0, 1], 2), atol=5 * sigma)
    assert int(counts["0"]) + int(counts["1"]) == shots
    p1 = ref.probs_rho(rho, [1], 2)[1]
    assert abs(int(counts["1"]) / shots - p1) < 5 * sigma
    assert sample.shape == (shots,) and set(np.unique(np.asarray(sample))) <= {-1.0, 1.0}
    assert abs(float(np.mean(sample)) - (1 - 2 * p1)) < 5 * 2 * sigma


def test_shots_parameter_shift_gradient() -> None:
    dev = qml.device("default.mixed", wires=1, shots=40000, seed=3)

    @qml.qnode(dev, diff_method="parameter-shift")
    def circuit(x: Any) -> Any:
        qml.RX(x, wires=0)
        qml.DepolarizingChannel(0.3, wires=0)
        return qml.expval(qml.PauliZ(0))

    # <Z> = (1 - 4p/3) cos x; its derivative -(1 - 4p/3) sin x
    got = float(jax.grad(circuit)(0.8))
    assert got == pytest.approx(-(1 - 0.4) * np.sin(0.8), abs=0.02)


# --- state preparation, the device ----------------------------------------------------------------
def test_qubit_density_matrix_and_state_prep() -> None:
    rng = rng_for("prep")
    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    rho0 = a @ a.conj().T
    rho0 /= np.trace(rho0)
    psi = ref.random_state(rng, 2)
    dev = qml.device("default.mixed", wires=3)

    @qml.qnode(dev)
    def circuit() -> Any:
        qml.QubitDensityMatrix(rho0, wires=[2, 0])
        qml.StatePrep(psi, wires=1)
        qml.CNOT(wires=[0, 1])
        qml.PhaseDamping(0.3, wires=2)
        return qml.state()

    ops = [ref.Op("CNOT", (), (0, 1)), ref.Op("PhaseDamping", (0.3,), (2,))]
    # rho0 is on wires (2, 0): move it to wire order (0, 2), then put psi on wire 1
    r = rho0.reshape(2, 2, 2, 2).transpose(1, 0, 3, 2).reshape(4, 4)
    start = np.kron(r, np.outer(psi, psi.conj())).reshape((2,) * 6).transpose(0, 2, 1, 3, 5, 4).reshape(8, 8)
    np.testing.assert_allclose(circuit(), ref.run_mixed(ops, 3, start), atol=1e-12, rtol=0)


def test_qubit_density_matrix_validation_and_statevector_refusal() -> None:
    with pytest.raises(ValueError, match="QubitDensityMatrix: 'state' must have trace 1"):
        qml.QubitDensityMatrix(np.eye(2), wires=0)
    with pytest.raises(ValueError, match="Hermitian"):
        qml.QubitDensityMatrix(np.array([[0.5, 0.5], [0.0, 0.5]]), wires=0)
    with pytest.raises(ValueError, match="positive semidefinite"):
        qml.QubitDensityMatrix(np.array([[1.5, 0.0], [0.0, -0.5]]), wires=0)
    with pytest.raises(ValueError, match="4x4"):
        qml.QubitDensityMatrix(np.eye(4) / 4, wires=0)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit() -> Any:
        qml.QubitDensityMatrix(np.eye(2) / 2, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(ValueError, match=r"default.mixed"):
        circuit()


def test_statevector_device_refuses_channels_under_jit() -> None:
    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(p: Any) -> Any:
        qml.BitFlip(p, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(ValueError, match=r"BitFlip.*noise channel.*default.mixed"):
        jax.jit(circuit)(0.1)


def test_memory_guard_counts_two_n_wires() -> None:
    qml.device("default.qubit", wires=20)  # 2^20 amplitudes fit
    with pytest.raises(MemoryError, match="40 wires"):
        qml.device("default.mixed", wires=20)  # a 2^20 x 2^20 density matrix does not
    assert qml.device("default.mixed", wires=2).mixed and not qml.device("default.qubit", wires=2).mixed


def test_unsupported_measurement_names_the_device() -> None:
    from quantum_jax._density import density_raw
    from quantum_jax._measurements import MeasurementProcess

    class Odd(MeasurementProcess):
        pass

    with pytest.raises(ValueError, match="Odd cannot be measured on a density matrix"):
        density_raw(Odd(), jnp.eye(2), {0: 0})


# --- information measurements on the statevector device -------------------------------------------
def test_information_measurements_on_default_qubit() -> None:
    rng = rng_for("info")
    ops = random_circuit(rng, N, 12)

    @qml.qnode(qml.device("default.qubit", wires=N))
    def circuit() -> Any:
        for op in ops:
            build(op)
        return (
            qml.purity(wires=[1]),
            qml.vn_entropy(wires=[0, 2]),
            qml.mutual_info(wires0=[1], wires1=[2]),
            qml.vn_entropy(wires=[0, 1, 2]),
        )

    psi = ref.run(ops, N)
    rho = np.outer(psi, psi.conj())
    r1 = ref.partial_trace_rho(rho, [1], N)
    purity, s02, mi, s_all = circuit()
    assert float(purity) == pytest.approx(np.trace(r1 @ r1).real, abs=1e-12)
    assert float(s02) == pytest.approx(ref.entropy(ref.partial_trace_rho(rho, [0, 2], N)), abs=1e-10)
    expected_mi = (
        ref.entropy(r1)
        + ref.entropy(ref.partial_trace_rho(rho, [2], N))
        - ref.entropy(ref.partial_trace_rho(rho, [1, 2], N))
    )
    assert float(mi) == pytest.approx(expected_mi, abs=1e-10)
    assert abs(float(s_all)) < 1e-10  # a pure state has no entropy


def test_bell_state_information_and_entropy_gradient() -> None:
    @qml.qnode(qml.device("default.qubit", wires=2))
    def circuit(t: Any) -> Any:
        qml.RY(t, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.vn_entropy(wires=[0]), qml.mutual_info(wires0=[0], wires1=[1]), qml.purity(wires=[1])

    s, mi, pur = circuit(np.pi / 2)
    assert float(s) == pytest.approx(np.log(2), abs=1e-12)
    assert float(mi) == pytest.approx(2 * np.log(2), abs=1e-12)
    assert float(pur) == pytest.approx(0.5, abs=1e-12)
    # S(t) = -c log c - s log s with c = cos^2(t/2), s = sin^2(t/2): dS/dt = (sin t / 2) log(c / s)
    t = 0.9
    c, sn = np.cos(t / 2) ** 2, np.sin(t / 2) ** 2
    grad = float(jax.grad(lambda t: circuit(t)[0])(t))
    assert grad == pytest.approx(np.sin(t) / 2 * np.log(c / sn), abs=1e-10)


def test_information_argument_errors() -> None:
    with pytest.raises(ValueError, match="mutual_info: 'wires0' \\[0\\] and 'wires1' \\[0, 1\\] overlap"):
        qml.mutual_info(wires0=[0], wires1=[0, 1])
    with pytest.raises(ValueError, match="vn_entropy: 'log_base' must be a positive number other than 1"):
        qml.vn_entropy(wires=[0], log_base=1)
