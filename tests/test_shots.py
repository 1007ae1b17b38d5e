"""Finite-shot execution: sampled estimates, gradients, PRNG keys, correlations and validation.

Every test draws with FIXED keys, so the suite is deterministic. The statistical assertions still hold
for almost every key: estimates must lie within 5 standard errors of the exact (``shots=None``) value,
with the standard error computed from the exact outcome distribution. That distribution is built
here from the exact statevector and dense observable matrices (wire 0 is the most significant bit),
independently of how the library samples.

Compilation dominates the cost on CPU, so each test keeps to a few circuit structures and shot
counts, passes parameters and keys as arguments (new values never retrace) and jits repeated work.
"""

from __future__ import annotations

import functools
import operator
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import quantum_jax as qml
from quantum_jax import numpy as pnp

# tests/conftest.py enables float64.
Z_SCORE = 5.0


def key(seed: int) -> jax.Array:
    return jax.random.key(seed)


# --- dense reference for exact outcome distributions -------------------------------------------------
_MATS = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.diag([1.0, -1.0]).astype(complex),
    "H": np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2),
}
_OBS = {"I": qml.Identity, "X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ, "H": qml.Hadamard}

# A 1-wire Hermitian observable with three distinct moments, and a 2-wire one.
HERM1 = np.array([[0.7, 0.4 - 0.3j], [0.4 + 0.3j, -1.2]])
HERM2 = np.array([[1.0, 0.2, 0.0, 0.5j], [0.2, -0.5, 0.3, 0.0], [0.0, 0.3, 2.0, 0.1], [-0.5j, 0.0, 0.1, 0.4]])

# Observable specs: a tuple of factors on disjoint wires. A factor is ``(letter, wire)``,
# ``("herm", matrix, wires)`` or ``("proj", bits, wires)``. ``("ham", coeffs, [spec, ...])`` is a sum.


def embed(mat: np.ndarray, wires: tuple[int, ...], n: int) -> np.ndarray:
    """``mat`` on ``wires`` as a dense ``2^n x 2^n`` operator."""
    others = [w for w in range(n) if w not in wires]
    order = list(wires) + others
    full = np.kron(mat, np.eye(2 ** len(others))).reshape((2,) * (2 * n))
    perm = [order.index(w) for w in range(n)]
    return full.transpose(perm + [n + p for p in perm]).reshape(2**n, 2**n)


def _factor_matrix(f: tuple) -> tuple[np.ndarray, tuple[int, ...]]:
    if f[0] == "herm":
        return np.asarray(f[1]), tuple(f[2])
    if f[0] == "proj":
        k = len(f[2])
        vec = np.zeros(2**k)
        vec[int("".join(map(str, f[1])), 2)] = 1.0
        return np.outer(vec, vec).astype(complex), tuple(f[2])
    return _MATS[f[0]], (f[1],)


def dense(spec: tuple, n: int) -> np.ndarray:
    if spec[0] == "ham":
        return sum(c * dense(term, n) for c, term in zip(spec[1], spec[2], strict=True))
    out = np.eye(2**n, dtype=complex)
    for f in spec:
        mat, wires = _factor_matrix(f)
        out = out @ embed(mat, wires, n)
    return out


def build(spec: tuple) -> qml.Observable:
    """The library observable of ``spec`` (call inside the quantum function)."""
    if spec[0] == "ham":
        return qml.Hamiltonian(jnp.asarray(spec[1]), [build(t) for t in spec[2]])
    factors = []
    for f in spec:
        if f[0] == "herm":
            factors.append(qml.Hermitian(f[1], wires=list(f[2])))
        elif f[0] == "proj":
            factors.append(qml.Projector(list(f[1]), wires=list(f[2])))
        else:
            factors.append(_OBS[f[0]](wires=f[1]))
    return functools.reduce(operator.matmul, factors)


def distribution(mat: np.ndarray, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues of ``mat`` and their probabilities in state ``psi``."""
    lam, vecs = np.linalg.eigh(mat)
    return lam, np.abs(vecs.conj().T @ psi) ** 2


def moments(mat: np.ndarray, psi: np.ndarray) -> tuple[float, float, float]:
    """Mean, variance and fourth central moment of measuring ``mat`` in ``psi``."""
    lam, p = distribution(mat, psi)
    mu = float(p @ lam)
    return mu, float(p @ (lam - mu) ** 2), float(p @ (lam - mu) ** 4)


def marginal(psi: np.ndarray, wires: tuple[int, ...], n: int) -> np.ndarray:
    probs = (np.abs(psi) ** 2).reshape((2,) * n)
    others = tuple(w for w in range(n) if w not in wires)
    marg = probs.sum(axis=others)
    kept = [w for w in range(n) if w in wires]
    return np.transpose(marg, [kept.index(w) for w in wires]).reshape(-1)


# --- random circuits ---------------------------------------------------------------------------------
def random_structure(n: int, depth: int, seed: int) -> list[tuple[str, tuple[int, ...]]]:
    """Layers of random single-qubit rotations (and an occasional Hadamard) and random entanglers."""
    rng = np.random.default_rng(seed)
    gates: list[tuple[str, tuple[int, ...]]] = []
    for _ in range(depth):
        for w in range(n):
            gates.append((str(rng.choice(["RX", "RY", "RZ"])), (w,)))
            if rng.random() < 0.3:
                gates.append(("Hadamard", (w,)))
        a, b = (int(v) for v in rng.permutation(n)[:2])
        gates.append((str(rng.choice(["CNOT", "CZ"])), (a, b)))
    return gates


def n_params(structure: list) -> int:
    return sum(name in ("RX", "RY", "RZ") for name, _ in structure)


def apply_structure(structure: list, params: jax.Array) -> None:
    i = 0
    for name, wires in structure:
        if name in ("RX", "RY", "RZ"):
            getattr(qml, name)(params[i], wires=list(wires))
            i += 1
        else:
            getattr(qml, name)(wires=list(wires))


def make_measurement(m: tuple) -> qml.MeasurementProcess:
    kind = m[0]
    if kind == "expval":
        return qml.expval(build(m[1]))
    if kind == "var":
        return qml.var(build(m[1]))
    if kind == "probs":
        return qml.probs(wires=list(m[1])) if m[1] is not None else qml.probs()
    if kind == "probs_op":
        return qml.probs(op=build(m[1]))
    raise AssertionError(kind)


# Mixed bases on 2 wires: each measurement term draws its own samples.
MEAS_MIXED_2 = [
    ("expval", (("Z", 0),)),
    ("expval", (("Y", 0), ("Z", 1))),
    ("expval", (("H", 1),)),
    ("expval", (("herm", HERM2, (1, 0)),)),
    ("var", (("X", 0), ("X", 1))),
    ("var", (("herm", HERM1, (0,)),)),
    ("probs", (1, 0)),
    ("probs_op", (("X", 0),)),
]
# 3 wires: a Hamiltonian, a projector, reordered and full probabilities.
MEAS_MIXED_3 = [
    ("expval", (("Z", 0), ("Z", 2))),
    ("expval", ("ham", [0.7, -1.3, 0.4], [(("Z", 0),), (("X", 1), ("X", 2)), (("Y", 1),)])),
    ("expval", (("proj", (1, 0), (0, 2)),)),
    ("var", (("Y", 1),)),
    ("probs", (2, 0)),
    ("probs", None),
]
# 3 wires, all qubit-wise commuting (computational basis): one shared set of samples.
MEAS_SHARED_3 = [
    ("expval", (("Z", 0),)),
    ("expval", (("Z", 1), ("Z", 2))),
    ("var", (("Z", 0), ("Z", 1))),
    ("var", (("proj", (1,), (2,)),)),
    ("probs", (0, 1, 2)),
    ("probs", (1,)),
]

CASES = {
    "mixed2": (2, random_structure(2, 3, seed=13), MEAS_MIXED_2),
    "mixed3": (3, random_structure(3, 3, seed=16), MEAS_MIXED_3),
    "shared3": (3, random_structure(3, 3, seed=16), MEAS_SHARED_3),
}
EST_SHOTS = 20_000


@functools.cache
def case_qnodes(case: str) -> tuple[qml.QNode, qml.QNode]:
    """(sampling QNode, exact-state QNode) of a case; cached so the compiled functions are reused."""
    n, structure, meas = CASES[case]
    dev = qml.device("default.qubit", wires=n, shots=EST_SHOTS, seed=1234)
    exact_dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev, interface="jax")
    def circuit(params):
        apply_structure(structure, params)
        return [make_measurement(m) for m in meas]

    @qml.qnode(exact_dev, interface="jax")
    def state(params):
        apply_structure(structure, params)
        return qml.state()

    return circuit, state


def _check_estimate(m: tuple, est, exact, psi: np.ndarray, n: int, shots: int) -> None:
    kind = m[0]
    est, exact = np.asarray(est), np.asarray(exact)
    if kind == "expval":
        spec = m[1]
        if spec[0] == "ham":
            mu = float(np.real(psi.conj() @ dense(spec, n) @ psi))
            # Terms may be sampled together or apart: bound the variance by (sum |c_i| sigma_i)^2.
            sd = sum(
                abs(c) * np.sqrt(moments(dense(t, n), psi)[1]) for c, t in zip(spec[1], spec[2], strict=True)
            )
        else:
            mu, v, _ = moments(dense(spec, n), psi)
            sd = np.sqrt(v)
        np.testing.assert_allclose(exact, mu, atol=1e-9)
        assert abs(est - exact) <= Z_SCORE * sd / np.sqrt(shots) + 1e-12, (m, est, exact)
    elif kind == "var":
        mu, v, mu4 = moments(dense(m[1], n), psi)
        np.testing.assert_allclose(exact, v, atol=1e-9)
        # Delta method for the sample variance, plus a generous term for its O(1/N) bias and for
        # the chi-square behaviour near mu4 = sigma^4 (e.g. a +-1 observable with mean 0).
        tol = Z_SCORE * np.sqrt(max(mu4 - v**2, 0.0) / shots) + Z_SCORE**2 * v / shots
        assert abs(est - exact) <= tol + 1e-12, (m, est, exact, tol)
    elif kind in ("probs", "probs_op"):
        if kind == "probs":
            p = marginal(psi, tuple(m[1]) if m[1] is not None else tuple(range(n)), n)
        else:  # a +-1 observable: probabilities of its eigenvalues (+1, -1)
            mu = moments(dense(m[1], n), psi)[0]
            p = np.array([(1 + mu) / 2, (1 - mu) / 2])
        np.testing.assert_allclose(exact, p, atol=1e-9)
        np.testing.assert_allclose(est.sum(), 1.0, atol=1e-12)
        se = np.sqrt(p * (1 - p) / shots)
        assert np.all(np.abs(est - exact) <= Z_SCORE * se + 1e-12), (m, est, exact)
    else:
        raise AssertionError(kind)


# --- 1. estimates ------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", list(CASES))
def test_estimates_within_five_standard_errors(case):
    n, structure, meas = CASES[case]
    circuit, state = case_qnodes(case)
    rng = np.random.default_rng(len(case))
    for trial in range(2):
        params = jnp.asarray(rng.uniform(-np.pi, np.pi, n_params(structure)))
        psi = np.asarray(state(params))
        exact = circuit(params, shots=None)
        est = circuit(params, key=key(100 + trial))
        assert len(est) == len(meas)
        for m, e, x in zip(meas, est, exact, strict=True):
            _check_estimate(m, e, x, psi, n, EST_SHOTS)


def test_shared_samples_are_consistent_across_measurements():
    """Qubit-wise commuting measurements read ONE set of samples: the estimates agree exactly."""
    circuit, _ = case_qnodes("shared3")
    params = jnp.linspace(0.2, 2.0, n_params(CASES["shared3"][1]))
    ez0, ez1z2, vz0z1, vproj2, p012, p1 = (np.asarray(r) for r in circuit(params, key=key(7)))
    p = p012.reshape(2, 2, 2)
    parity = np.array([[1.0, -1.0], [-1.0, 1.0]])
    np.testing.assert_allclose(ez0, p[0].sum() - p[1].sum(), atol=1e-12)
    np.testing.assert_allclose(ez1z2, np.sum(p.sum(axis=0) * parity), atol=1e-12)
    np.testing.assert_allclose(vz0z1, 1 - np.sum(p.sum(axis=2) * parity) ** 2, atol=1e-12)
    q = p[:, :, 1].sum()  # sampled P(wire 2 = 1): the projector's mean and its variance q (1 - q)
    np.testing.assert_allclose(vproj2, q * (1 - q), atol=1e-12)
    np.testing.assert_allclose(p1, p.sum(axis=(0, 2)), atol=1e-12)


# --- 2. gradients ------------------------------------------------------------------------------------
GRAD_SHOTS = 20_000
GRAD_X = np.array([0.4, -1.1, 0.9])


def _grad_circuit(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RX(x[2], wires=1)
    return qml.expval(qml.PauliY(1))


@functools.cache
def grad_qnodes() -> dict[str, qml.QNode]:
    dev = qml.device("default.qubit", wires=2, shots=GRAD_SHOTS, seed=99)
    return {
        "best": qml.QNode(_grad_circuit, dev, interface="jax"),
        "ps": qml.QNode(_grad_circuit, dev, interface="jax", diff_method="parameter-shift"),
        "fd": qml.QNode(
            _grad_circuit, dev, interface="jax", diff_method="finite-diff", h=0.3, strategy="center"
        ),
    }


def _shifted_exact(f, x: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact values of ``f`` at ``x + h e_i`` and ``x - h e_i`` for every i."""
    eye = np.eye(len(x))
    plus = jax.vmap(lambda p: f(p, shots=None))(jnp.asarray(x + h * eye))
    minus = jax.vmap(lambda p: f(p, shots=None))(jnp.asarray(x - h * eye))
    return np.asarray(plus), np.asarray(minus)


def test_parameter_shift_gradient_within_five_standard_errors():
    f = grad_qnodes()["best"]  # 'best' with shots is parameter-shift
    x = jnp.asarray(GRAD_X)
    exact = np.asarray(jax.grad(lambda p: f(p, shots=None))(x))
    assert np.all(np.abs(exact) > 0.05)  # every component is informative
    plus, minus = _shifted_exact(f, GRAD_X, np.pi / 2)
    np.testing.assert_allclose((plus - minus) / 2, exact, atol=1e-10)  # the two-term rule
    # Estimator: (mean_+ - mean_-) / 2 from independent samples, Var_k = 1 - <O>_k^2 (+-1 observable).
    se = np.sqrt(0.25 * ((1 - plus**2) + (1 - minus**2)) / GRAD_SHOTS)
    grad_fn = jax.jit(jax.grad(lambda p, k: f(p, key=k)))
    estimates = [np.asarray(grad_fn(x, key(s))) for s in (1, 2, 3)]
    for est in estimates:
        assert np.all(np.abs(est - exact) <= Z_SCORE * se), (est, exact, se)
    assert not np.array_equal(estimates[0], estimates[1])
    # The explicit method name is the same method: the same key gives the same numbers, eagerly too.
    ps = np.asarray(jax.grad(lambda p: grad_qnodes()["ps"](p, key=key(1)))(x))
    np.testing.assert_allclose(ps, estimates[0], atol=1e-12)


def test_parameter_shift_spread_matches_standard_error():
    """Over many keys the gradient estimates scatter by sqrt(sum_k c_k^2 Var_k / shots).

    That is: every shifted circuit draws its own, independent samples.
    """
    f = grad_qnodes()["ps"]
    shots = 2000
    x = jnp.asarray(GRAD_X)
    exact = np.asarray(jax.grad(lambda p: f(p, shots=None))(x))
    plus, minus = _shifted_exact(f, GRAD_X, np.pi / 2)
    se = np.sqrt(0.25 * ((1 - plus**2) + (1 - minus**2)) / shots)
    keys = jax.random.split(key(31), 200)
    grads = np.asarray(jax.jit(jax.vmap(jax.grad(lambda p, k: f(p, shots=shots, key=k)), (None, 0)))(x, keys))
    assert grads.shape == (200, 3)
    np.testing.assert_allclose(grads.mean(axis=0), exact, atol=Z_SCORE * se.max() / np.sqrt(200))
    np.testing.assert_allclose(grads.std(axis=0, ddof=1) / se, 1.0, atol=0.25)
    # Different parameters use different shifted circuits: their estimates are uncorrelated.
    corr = np.corrcoef(grads.T)
    assert np.all(np.abs(corr[np.triu_indices(3, 1)]) < Z_SCORE / np.sqrt(200))


def test_qml_grad_with_shots():
    f = grad_qnodes()["ps"]
    x = GRAD_X
    exact = np.asarray(jax.grad(lambda p: f(p, shots=None))(jnp.asarray(x)))
    plus, minus = _shifted_exact(f, x, np.pi / 2)
    se = np.sqrt(0.25 * ((1 - plus**2) + (1 - minus**2)) / GRAD_SHOTS)
    g = qml.grad(f)(pnp.array(x, requires_grad=True), key=key(5))
    assert isinstance(g, np.ndarray) and g.shape == (3,)
    assert np.all(np.abs(g - exact) <= Z_SCORE * se), (g, exact, se)
    again = qml.grad(f)(pnp.array(x, requires_grad=True), key=key(5))
    np.testing.assert_array_equal(g, again)


def test_finite_diff_gradient_with_large_step():
    f = grad_qnodes()["fd"]
    h = 0.3
    x = jnp.asarray(GRAD_X)
    exact = np.asarray(jax.grad(lambda p: f(p, shots=None))(x))
    plus, minus = _shifted_exact(f, GRAD_X, h)
    quotient = (plus - minus) / (2 * h)  # what the central difference estimates
    # Each parameter enters with frequency 1, so |f'''| <= 1 and the bias is at most h^2 / 6.
    assert np.all(np.abs(quotient - exact) <= h**2 / 6 + 1e-12)
    se = np.sqrt(((1 - plus**2) + (1 - minus**2)) / (4 * h**2 * GRAD_SHOTS))
    grad_fn = jax.jit(jax.grad(lambda p, k: f(p, key=k)))
    for s in (1, 2):
        est = np.asarray(grad_fn(x, key(s)))
        assert np.all(np.abs(est - quotient) <= Z_SCORE * se), (est, quotient, se)
        assert np.all(np.abs(est - exact) <= Z_SCORE * se + h**2 / 6), (est, exact, se)


# --- 3. 1/sqrt(shots) scaling --------------------------------------------------------------------------
def test_rms_error_shrinks_like_inverse_sqrt_shots():
    bins = [100, 1000, 10_000, 100_000]
    dev = qml.device("default.qubit", wires=2, shots=bins, seed=3)

    @qml.qnode(dev, interface="jax")
    def circuit(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))

    theta = 0.9
    keys = jax.random.split(key(2024), 200)
    est = np.asarray(jax.jit(jax.vmap(lambda k: circuit(theta, key=k)))(keys))
    assert est.shape == (200, 4)
    mu = np.cos(theta)
    rms = np.sqrt(np.mean((est - mu) ** 2, axis=0))
    expected = np.sqrt((1 - mu**2) / np.asarray(bins))
    # 200 runs: the RMS is known to about 5%; allow ~5 sigma.
    np.testing.assert_allclose(rms / expected, 1.0, atol=0.3)
    ratios = rms[:-1] / rms[1:]
    assert np.all((ratios > 0.7 * np.sqrt(10)) & (ratios < 1.4 * np.sqrt(10))), ratios
    # The bins are independent: their errors are uncorrelated across runs.
    corr = np.corrcoef((est - mu).T)
    assert np.all(np.abs(corr[np.triu_indices(4, 1)]) < Z_SCORE / np.sqrt(200))


# --- 4. keys and reproducibility -----------------------------------------------------------------------
KEY_SHOTS = 2000


def _key_circuit(x):
    qml.RY(x, wires=0)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(0)), qml.sample(qml.PauliZ(1))


@functools.cache
def key_qnode(seed: int | None = 21) -> qml.QNode:
    dev = qml.device("default.qubit", wires=2, shots=KEY_SHOTS, seed=seed)
    return qml.QNode(_key_circuit, dev, interface="jax")


def _equal(a, b) -> bool:
    return len(a) == len(b) and all(
        np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b, strict=True)
    )


def test_same_key_reproduces_and_different_keys_differ():
    f = key_qnode()
    a, b, c = f(0.7, key=key(1)), f(0.7, key=key(1)), f(0.7, key=key(2))
    assert _equal(a, b)
    assert not np.array_equal(np.asarray(a[1]), np.asarray(c[1]))
    assert float(a[0]) != float(c[0])
    assert a[1].shape == (KEY_SHOTS,) and set(np.unique(np.asarray(a[1]))) <= {-1.0, 1.0}
    # A legacy uint32[2] key is the same key as its typed form.
    assert _equal(f(0.7, key=jax.random.PRNGKey(1)), a)


def test_device_seed_gives_reproducible_defaults():
    f = key_qnode(21)
    default = f(0.7)
    assert _equal(default, f(0.7))  # the default key is fixed by the device's seed
    assert _equal(default, f(0.7, key=key(21)))
    assert _equal(default, key_qnode(21)(0.7))
    other_dev = qml.device("default.qubit", wires=2, shots=KEY_SHOTS, seed=22)
    assert not _equal(default, qml.QNode(_key_circuit, other_dev, interface="jax")(0.7))
    # Without a seed, one is drawn once and kept on the device.
    unseeded = qml.device("default.qubit", wires=2, shots=KEY_SHOTS)
    assert isinstance(unseeded.seed, int)
    g = qml.QNode(_key_circuit, unseeded, interface="jax")
    assert _equal(g(0.7), g(0.7))
    assert _equal(g(0.7), f(0.7, key=key(unseeded.seed)))


def test_jit_with_key_argument_equals_eager():
    f = key_qnode()
    jitted = jax.jit(lambda x, k: f(x, key=k))
    for s in (3, 4):
        assert _equal(jitted(0.7, key(s)), f(0.7, key=key(s)))
    assert _equal(jitted(1.3, key(3)), f(1.3, key=key(3)))


def test_vmap_over_keys_gives_independent_runs():
    f = key_qnode()
    x = 0.7
    keys = jax.random.split(key(77), 200)
    means, samples = jax.jit(jax.vmap(lambda k: f(x, key=k)))(keys)
    means, samples = np.asarray(means), np.asarray(samples)
    assert means.shape == (200,) and samples.shape == (200, KEY_SHOTS)
    for i in (0, 117):  # each row is the run of its own key
        assert _equal((means[i], samples[i]), f(x, key=keys[i]))
    assert len({row.tobytes() for row in samples}) == 200  # no two runs share samples
    mu = np.cos(x)
    se = np.sqrt((1 - mu**2) / KEY_SHOTS)
    np.testing.assert_allclose(means.mean(), mu, atol=Z_SCORE * se / np.sqrt(200))
    np.testing.assert_allclose(means.std(ddof=1) / se, 1.0, atol=0.25)
    # Bell pair: Z1 agrees with Z0 in every run, so the sample means of Z1 spread the same way.
    np.testing.assert_allclose(samples.mean(axis=1).std(ddof=1) / se, 1.0, atol=0.25)


# --- 5. correlations, counts and shapes --------------------------------------------------------------
BELL_SHOTS = 1000


@functools.cache
def bell_qnodes():
    dev = qml.device("default.qubit", wires=3, shots=BELL_SHOTS, seed=5)

    @qml.qnode(dev, interface="jax")
    def z_basis():
        qml.Hadamard(wires=0)
        qml.CNOT(wires=[0, 1])
        qml.PauliX(wires=2)
        return (
            qml.sample(qml.PauliZ(0)),
            qml.sample(qml.PauliZ(1)),
            qml.sample(wires=[0, 1]),
            qml.sample(),
            qml.sample(wires=[2, 0]),
            qml.counts(wires=[0, 1]),
            qml.counts(),
            qml.counts(qml.PauliZ(0)),
            qml.counts(qml.PauliZ(0) @ qml.PauliZ(1)),
        )

    @qml.qnode(dev, interface="jax")
    def x_basis():
        qml.Hadamard(wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.sample(qml.PauliX(0)), qml.sample(qml.PauliX(1)), qml.sample(qml.PauliX(0) @ qml.PauliX(1))

    return z_basis, x_basis


def test_bell_samples_are_correlated():
    z_basis, x_basis = bell_qnodes()
    z0, z1, bits01, bits_all, bits20, *_ = (np.asarray(r) for r in z_basis()[:5])
    assert z0.shape == (BELL_SHOTS,) and z1.shape == (BELL_SHOTS,)
    assert bits01.shape == bits20.shape == (BELL_SHOTS, 2) and bits_all.shape == (BELL_SHOTS, 3)
    np.testing.assert_array_equal(z0, z1)
    assert set(np.unique(z0)) == {-1.0, 1.0}
    outcomes = {tuple(row) for row in bits01.tolist()}
    assert outcomes == {(0, 0), (1, 1)}
    np.testing.assert_array_equal(1 - 2 * bits01[:, 0], z0)  # same samples feed every measurement
    np.testing.assert_array_equal(bits_all[:, :2], bits01)
    np.testing.assert_array_equal(bits_all[:, 2], 1)
    np.testing.assert_array_equal(bits20, bits_all[:, [2, 0]])
    x0, x1, xx = (np.asarray(r) for r in x_basis())
    np.testing.assert_array_equal(x0, x1)  # X0 X1 = +1 on |Phi+>
    np.testing.assert_array_equal(xx, 1.0)
    assert set(np.unique(x0)) == {-1.0, 1.0}


def test_counts_have_every_outcome():
    z_basis, _ = bell_qnodes()
    out = z_basis()
    bits01 = np.asarray(out[2])
    c01, c_all, c_z0, c_zz = out[5:]
    assert set(c01) == {"00", "01", "10", "11"}
    assert int(c01["01"]) == 0 and int(c01["10"]) == 0
    assert int(c01["00"]) == int(np.sum(bits01[:, 0] == 0))
    assert int(c01["00"]) + int(c01["11"]) == BELL_SHOTS
    assert set(c_all) == {format(i, "03b") for i in range(8)}
    assert int(c_all["001"]) + int(c_all["111"]) == BELL_SHOTS
    # Observables are keyed by eigenvalue.
    assert set(c_z0) == {-1.0, 1.0}
    assert int(c_z0[1.0]) == int(c01["00"]) and int(c_z0[-1.0]) == int(c01["11"])
    assert set(c_zz) == {-1.0, 1.0}
    assert int(c_zz[1.0]) == BELL_SHOTS and int(c_zz[-1.0]) == 0


def test_counts_of_hermitian_keyed_by_distinct_eigenvalues():
    dev = qml.device("default.qubit", wires=2, shots=500, seed=8)
    mat = np.diag([-1.0, 0.5, 2.0, 2.0])

    @qml.qnode(dev, interface="jax")
    def circuit():
        qml.Hadamard(wires=0)
        qml.Hadamard(wires=1)
        return qml.counts(qml.Hermitian(mat, wires=[0, 1])), qml.sample(qml.Hermitian(mat, wires=[0, 1]))

    counts, samples = circuit()
    samples = np.asarray(samples)
    assert set(counts) == {-1.0, 0.5, 2.0}
    assert sum(int(v) for v in counts.values()) == 500
    assert samples.shape == (500,) and set(np.unique(samples)) == {-1.0, 0.5, 2.0}
    # |++> gives each basis state probability 1/4; the two measurements draw separately (each
    # Hermitian is its own basis), so each is checked against the exact distribution.
    for p, value in ((0.25, -1.0), (0.25, 0.5), (0.5, 2.0)):
        se = np.sqrt(p * (1 - p) / 500)
        assert abs(int(counts[value]) / 500 - p) <= Z_SCORE * se
        assert abs(np.mean(samples == value) - p) <= Z_SCORE * se


def test_counts_of_nearly_degenerate_hermitian_sum_to_shots():
    dev = qml.device("default.qubit", wires=1, shots=100, seed=8)

    @qml.qnode(dev, interface="jax")
    def circuit():
        qml.Hadamard(wires=0)
        return qml.counts(qml.Hermitian(np.diag([0.0, 1e-10]), wires=0))

    assert sum(int(v) for v in circuit().values()) == 100


def test_commuting_samples_stay_correlated_next_to_a_noncommuting_measurement():
    dev = qml.device("default.qubit", wires=2, shots=200, seed=5)

    @qml.qnode(dev, interface="jax")
    def circuit():
        qml.Hadamard(wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.sample(qml.PauliZ(0)), qml.sample(qml.PauliZ(1)), qml.expval(qml.PauliX(0))

    z0, z1, _ = circuit()
    np.testing.assert_array_equal(np.asarray(z0), np.asarray(z1))


def test_shot_vector_with_copies():
    dev = qml.device("default.qubit", wires=2, shots=[(50, 3), 200], seed=6)

    @qml.qnode(dev, interface="jax")
    def circuit(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        z0, z1 = qml.PauliZ(0), qml.PauliZ(1)
        return qml.expval(z0), qml.sample(z1), qml.sample(wires=[0, 1]), qml.counts(wires=[0])

    ev, s_op, s_wires, counts = circuit(1.1, key=key(3))
    assert np.shape(ev) == (4,)
    assert isinstance(s_op, tuple) and [np.shape(s) for s in s_op] == [(50,), (50,), (50,), (200,)]
    assert isinstance(s_wires, tuple) and [np.shape(s) for s in s_wires] == [(50, 2)] * 3 + [(200, 2)]
    assert isinstance(counts, tuple)
    assert [sum(int(v) for v in c.values()) for c in counts] == [50, 50, 50, 200]
    for b in range(4):
        # Within a bin every measurement reads the same samples.
        np.testing.assert_allclose(ev[b], np.mean(1 - 2 * np.asarray(s_wires[b])[:, 0]), atol=1e-12)
        np.testing.assert_array_equal(np.asarray(s_op[b]), 1 - 2 * np.asarray(s_wires[b])[:, 1])
        assert int(counts[b]["0"]) == int(np.sum(np.asarray(s_wires[b])[:, 0] == 0))
    # The copies are independent draws.
    assert len({np.asarray(s).tobytes() for s in s_op[:3]}) == 3
    # Bins of one shape are stacked.
    stacked = circuit(1.1, shots=[(20, 3)], key=key(3))[1]
    assert np.shape(stacked) == (3, 20)


# --- 6. override_shots ---------------------------------------------------------------------------------
OVERRIDE_SHOTS = 10_000  # one shot count for every override test: they share compiled functions


def _override_tape(x=0.8):
    return qml.tape.Tape([qml.RY(x, wires=0)], [qml.expval(qml.PauliZ(0))])


def test_override_shots_applies_to_one_call_only():
    dev = qml.device("default.qubit", wires=1)
    tape = _override_tape()
    exact = float(np.ravel(qml.execute([tape], dev, None)[0])[0])
    np.testing.assert_allclose(exact, np.cos(0.8), atol=1e-12)
    shots = OVERRIDE_SHOTS
    est = float(np.ravel(qml.execute([tape], dev, None, override_shots=shots, key=key(9))[0])[0])
    assert est != exact
    assert abs(est - exact) <= Z_SCORE * np.sqrt((1 - exact**2) / shots)
    again = float(np.ravel(qml.execute([tape], dev, None, override_shots=shots, key=key(9))[0])[0])
    assert again == est
    assert dev.shots is None
    assert float(np.ravel(qml.execute([tape], dev, None)[0])[0]) == exact
    # A shot vector for one call: one estimate per bin.
    vec = np.ravel(qml.execute([tape], dev, None, override_shots=[100, 200, 300], key=key(9))[0])
    assert vec.shape == (3,)
    assert dev.shots is None


def test_override_shots_on_a_device_with_shots():
    dev = qml.device("default.qubit", wires=1, shots=10, seed=4)
    before = dev.shots
    tape = _override_tape()
    few = np.ravel(qml.execute([tape], dev, None, key=key(1))[0])
    assert np.all(np.isin(np.round(few * 10), np.arange(-10, 11, 2)))  # 10 shots: multiples of 0.2
    many = float(np.ravel(qml.execute([tape], dev, None, override_shots=OVERRIDE_SHOTS, key=key(1))[0])[0])
    assert abs(many - np.cos(0.8)) <= Z_SCORE * np.sin(0.8) / np.sqrt(OVERRIDE_SHOTS)
    assert dev.shots == before
    np.testing.assert_array_equal(np.ravel(qml.execute([tape], dev, None, key=key(1))[0]), few)


def test_override_shots_gradient_uses_parameter_shift():
    dev = qml.device("default.qubit", wires=1)
    shots = OVERRIDE_SHOTS

    def cost(x, k):
        return qml.execute([_override_tape(x)], dev, interface="jax", override_shots=shots, key=k)[0][0]

    g = float(jax.grad(cost)(0.8, key(2)))
    plus, minus = np.cos(0.8 + np.pi / 2), np.cos(0.8 - np.pi / 2)
    se = np.sqrt(0.25 * ((1 - plus**2) + (1 - minus**2)) / shots)
    assert abs(g + np.sin(0.8)) <= Z_SCORE * se
    assert dev.shots is None


def test_override_shots_zero_is_rejected():
    dev = qml.device("default.qubit", wires=1)
    with pytest.raises(ValueError, match="must be positive"):
        qml.execute([_override_tape()], dev, None, override_shots=0)


# --- 7. bad input --------------------------------------------------------------------------------------
@functools.cache
def _simple_qnode(shots, diff_method="best", meas="expval"):
    dev = qml.device("default.qubit", wires=2, shots=shots, seed=0)

    @qml.qnode(dev, interface="jax", diff_method=diff_method)
    def circuit(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        if meas == "expval":
            return qml.expval(qml.PauliZ(0))
        if meas == "sample":
            return qml.sample(qml.PauliZ(0))
        if meas == "sample_wires":
            return qml.sample(wires=[0, 1])
        if meas == "counts":
            return qml.counts(wires=[0])
        if meas == "state":
            return qml.state()
        if meas == "var_ham":
            return qml.var(qml.Hamiltonian([0.5, 1.0], [qml.PauliZ(0), qml.PauliX(1)]))
        raise AssertionError(meas)

    return circuit


@pytest.mark.parametrize(
    "shots, error, match",
    [
        (0, ValueError, "'shots' must be positive, got 0; use shots=None"),
        (-5, ValueError, "'shots' must be positive, got -5"),
        (1.5, TypeError, "'shots' must be a positive integer, got 1.5"),
        ("10", TypeError, "'shots' must be a positive integer, got '10'"),
        (10.0, TypeError, r"'shots' must be an integer, got the float 10.0; pass int"),
        (True, TypeError, "'shots' must be a positive integer, got True"),
        ([], ValueError, "a shot vector must not be empty"),
        ([100, (10, 0)], ValueError, "'shots' must be positive, got 0"),
        ([(10,)], ValueError, r"shot-vector entry \(10,\) must be \(shots, copies\)"),
    ],
)
def test_bad_shots(shots, error, match):
    with pytest.raises(error, match="device: " + match):
        qml.device("default.qubit", wires=1, shots=shots)
    with pytest.raises(error, match="QNode: " + match):
        _simple_qnode(None)(0.3, shots=shots)
    # override_shots=0 is silently ignored: see test_override_shots_zero_is_rejected.
    if not (type(shots) is int and shots == 0):
        with pytest.raises(error, match="execute: " + match):
            qml.execute([_override_tape()], qml.device("default.qubit", wires=1), None, override_shots=shots)


@pytest.mark.parametrize(
    "bad_key, error, match",
    [
        (3, TypeError, r"'key' must be a JAX PRNG key, got the integer 3; pass jax.random.key\(3\)"),
        (np.int64(3), TypeError, "got the integer 3"),
        (jnp.array([1.0, 2.0]), TypeError, "got an array of dtype float64 and shape"),
        (np.zeros(3, np.uint32), TypeError, "got an array of dtype uint32 and shape"),
        ("abc", TypeError, "'key' must be a JAX PRNG key"),
        (jax.random.split(jax.random.key(0), 2), ValueError, "must be a single PRNG key.*vmap over keys"),
    ],
)
def test_bad_keys(bad_key, error, match):
    with pytest.raises(error, match=match):
        _simple_qnode(10)(0.3, key=bad_key)
    with pytest.raises(error, match=match):
        qml.execute(
            [_override_tape()], qml.device("default.qubit", wires=1), None, override_shots=10, key=bad_key
        )


def test_sample_and_counts_of_hamiltonian_rejected():
    h = qml.Hamiltonian([0.5, 1.0], [qml.PauliZ(0), qml.PauliX(1)])
    with pytest.raises(ValueError, match="sample: a Hamiltonian's terms need not share an eigenbasis"):
        qml.sample(h)
    with pytest.raises(ValueError, match="counts: a Hamiltonian's terms need not share an eigenbasis"):
        qml.counts(h)
    with pytest.raises(ValueError, match="sample: pass either an observable or 'wires'"):
        qml.sample(qml.PauliZ(0), wires=[0])


@pytest.mark.parametrize(
    "meas, match",
    [
        ("sample", r"sample\(\) needs a device with shots"),
        ("sample_wires", r"sample\(\) needs a device with shots"),
        ("counts", r"counts\(\) needs a device with shots"),
    ],
)
def test_sampling_measurements_need_shots(meas, match):
    with pytest.raises(ValueError, match=match):
        _simple_qnode(None, meas=meas)(0.3)
    with pytest.raises(ValueError, match=match):
        _simple_qnode(10, meas=meas)(0.3, shots=None)


@pytest.mark.parametrize("method", ["backprop", "adjoint"])
def test_exact_state_methods_reject_shots(method):
    match = f"{method} differentiation needs the exact statevector.*'parameter-shift'"
    with pytest.raises(ValueError, match=match):
        _simple_qnode(10, method)(0.3)
    with pytest.raises(ValueError, match=match):
        _simple_qnode(None, method)(0.3, shots=10)
    with pytest.raises(ValueError, match=match):
        qml.execute([_override_tape()], qml.device("default.qubit", wires=1), method, override_shots=10)
    # Exact execution still works with these methods.
    np.testing.assert_allclose(_simple_qnode(None, method)(0.3), np.cos(0.3), atol=1e-12)


def test_state_and_hamiltonian_variance_with_shots_rejected():
    with pytest.raises(ValueError, match=r"state\(\) is not available with shots"):
        _simple_qnode(10, meas="state")(0.3)
    with pytest.raises(ValueError, match="var of a Hamiltonian cannot be estimated from shots"):
        _simple_qnode(10, meas="var_ham")(0.3)


@pytest.mark.parametrize(
    "meas, name", [("sample", "SampleMP"), ("sample_wires", "SampleMP"), ("counts", "CountsMP")]
)
def test_differentiating_samples_rejected(meas, name):
    f = _simple_qnode(10, "parameter-shift", meas)
    match = f"{name} cannot be differentiated by ParamShift.*random outcomes"
    if meas == "counts":
        target = lambda x: f(x)["0"].astype(float)  # noqa: E731
    else:
        target = lambda x: jnp.sum(f(x).astype(float))  # noqa: E731
    with pytest.raises(ValueError, match=match):
        jax.grad(target)(0.3)
    f(0.3)  # running it (not differentiating) is fine


# --- 8. many shots ---------------------------------------------------------------------------------------
def test_million_shots_on_three_qubits():
    shots = 1_000_000
    dev = qml.device("default.qubit", wires=3, shots=shots, seed=10)

    @qml.qnode(dev, interface="jax")
    def circuit(x):
        qml.RX(x, wires=0)
        qml.RY(0.3, wires=1)
        qml.CNOT(wires=[0, 2])
        qml.Hadamard(wires=1)
        return (
            qml.expval(qml.PauliZ(0) @ qml.PauliZ(2)),
            qml.expval(qml.PauliZ(0)),
            qml.probs(wires=[0, 1, 2]),
        )

    circuit(0.7)  # compile
    start = time.perf_counter()
    zz, z0, probs = circuit(0.7, key=key(12))
    float(z0)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, elapsed  # vectorized: a few tens of milliseconds unloaded
    assert float(zz) == 1.0  # CNOT copies wire 0 onto wire 2
    mu = np.cos(0.7)
    assert abs(float(z0) - mu) <= Z_SCORE * np.sqrt((1 - mu**2) / shots)
    exact = np.asarray(circuit(0.7, shots=None)[2])
    se = np.sqrt(exact * (1 - exact) / shots)
    assert np.all(np.abs(np.asarray(probs) - exact) <= Z_SCORE * se + 1e-12)
