"""Gradient transforms on QNodes, SPSA, the Hadamard-test gradient and the tape transforms.

Every value is checked against the dense NumPy reference (``tests/reference.py``), central differences
of it, or analytic formulas, computed inside the test.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref

import quantum_jax as qml
import quantum_jax.numpy as pnp
from quantum_jax import _gates
from quantum_jax import transforms as qtransforms
from quantum_jax._hadamard import generator_terms, pauli_terms
from quantum_jax._tape_transforms import measurement_values

param_shift = qml.gradients.param_shift
finite_diff = qml.gradients.finite_diff
spsa_grad = qml.gradients.spsa_grad
hadamard_grad = qml.gradients.hadamard_grad

EXACT = dict(rtol=0, atol=1e-10)
NUMERIC = dict(rtol=0, atol=1e-8)  # against central differences of the reference
DEV2 = qml.device("default.qubit", wires=2)
DEV3 = qml.device("default.qubit", wires=3)


def assert_close(actual: Any, expected: Any, **tol: float) -> None:
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), **(tol or EXACT))


def ref_jacobian(fn: Callable[[np.ndarray], Any], x: Any, h: float = 1e-5) -> np.ndarray:
    """Central differences of a NumPy function: shape ``(*output shape, *input shape)``."""
    x = np.asarray(x, dtype=float)
    cols = []
    for e in np.eye(x.size):
        step = h * e.reshape(x.shape)
        cols.append((np.asarray(fn(x + step)) - np.asarray(fn(x - step))) / (2 * h))
    out = np.stack(cols, axis=-1)
    return out.reshape(out.shape[:-1] + x.shape)


Z0 = ("PauliZ", (0,))


# ---------------------------------------------------------------------------------------------------
# Gradient transforms on QNodes


@qml.qnode(DEV2)
def three_rotations(params: Any) -> Any:
    qml.RX(params[0], wires=0)
    qml.RY(params[1], wires=0)
    qml.RX(params[2], wires=0)
    return qml.expval(qml.PauliZ(0)), qml.var(qml.PauliZ(0))


def three_rotations_ref(p: np.ndarray) -> list[float]:
    psi = ref.run([ref.Op("RX", (p[0],), (0,)), ref.Op("RY", (p[1],), (0,)), ref.Op("RX", (p[2],), (0,))], 2)
    return [ref.expval(psi, Z0, 2), ref.var(psi, Z0, 2)]


P3 = np.array([0.1, 0.2, 0.3])


@pytest.mark.parametrize(("transform", "tol"), [(param_shift, EXACT), (finite_diff, dict(atol=1e-6, rtol=0))])
def test_one_array_argument_several_measurements(transform, tol):
    jac = transform(three_rotations)(jnp.asarray(P3))
    expected = [ref_jacobian(lambda p, k=k: three_rotations_ref(p)[k], P3) for k in range(2)]
    assert isinstance(jac, tuple) and len(jac) == 2  # one entry per measurement
    for j, e in zip(jac, expected, strict=True):
        assert j.shape == (3,)  # the argument's shape
        assert_close(j, e, **(NUMERIC if transform is param_shift else tol))


@qml.qnode(DEV2)
def two_args(x: Any, y: Any) -> Any:
    qml.RX(x**2, wires=0)
    qml.CNOT(wires=[0, 1])
    qml.RY(jnp.sin(y[0]) * y[1], wires=1)
    return qml.probs(wires=[0, 1]), qml.expval(qml.PauliZ(0) @ qml.PauliX(1))


def two_args_ref(x: float, y: np.ndarray) -> tuple[np.ndarray, float]:
    ops = [
        ref.Op("RX", (x**2,), (0,)),
        ref.Op("CNOT", (), (0, 1)),
        ref.Op("RY", (np.sin(y[0]) * y[1],), (1,)),
    ]
    psi = ref.run(ops, 2)
    return ref.probs(psi, [0, 1], 2), ref.expval(psi, ("Tensor", [Z0, ("PauliX", (1,))]), 2)


def test_several_arguments_nest_per_measurement_then_per_argument():
    x, y = 0.7, np.array([0.4, -1.3])
    jac = param_shift(two_args, argnums=[0, 1])(x, jnp.asarray(y))
    assert isinstance(jac, tuple) and len(jac) == 2
    for k, shape in enumerate([(4,), ()]):
        assert isinstance(jac[k], tuple) and len(jac[k]) == 2
        assert jac[k][0].shape == shape and jac[k][1].shape == (*shape, 2)
        assert_close(jac[k][0], ref_jacobian(lambda v, k=k: two_args_ref(float(v), y)[k], x), **NUMERIC)
        assert_close(jac[k][1], ref_jacobian(lambda v, k=k: two_args_ref(x, v)[k], y), **NUMERIC)
    # an int argnums gives one array per measurement; the JAX default is the first argument
    single = param_shift(two_args, argnums=1)(x, jnp.asarray(y))
    assert_close(single[1], jac[1][1])
    first = param_shift(two_args)(x, jnp.asarray(y))
    assert_close(first[0], jac[0][0])


def test_shim_tensors_pick_the_trainable_arguments_and_give_numpy():
    x = pnp.array(0.7, requires_grad=True)
    y = pnp.array([0.4, -1.3], requires_grad=False)
    jac = param_shift(two_args)(x, y)
    assert isinstance(jac[0], np.ndarray) and not isinstance(jac[0], jax.Array)
    assert jac[0].shape == (4,)  # one trainable argument: no per-argument tuple
    assert_close(jac[0], ref_jacobian(lambda v: two_args_ref(float(v), np.asarray(y))[0], 0.7), **NUMERIC)
    both = param_shift(two_args)(x, pnp.array([0.4, -1.3], requires_grad=True))
    assert len(both[1]) == 2
    with pytest.raises(ValueError, match="no QNode argument is trainable"):
        param_shift(two_args)(pnp.array(0.7, requires_grad=False), y)


@qml.qnode(DEV2)
def rx_then_ry(x: Any) -> Any:
    qml.RX(x, wires=0)
    qml.RY(x, wires=0)
    return qml.expval(qml.PauliZ(0))


@pytest.mark.parametrize("transform", [param_shift, finite_diff])
def test_argnum_restricts_to_gate_parameters(transform):
    """<Z> = cos(a) cos(b) with a = b = x: all of it, or only through the RX parameter (tape index 0)."""
    x = 0.9
    tol = EXACT if transform is param_shift else dict(atol=1e-6, rtol=0)
    assert_close(transform(rx_then_ry)(x), -2 * math.sin(x) * math.cos(x), **tol)
    assert_close(transform(rx_then_ry, argnum=[0])(x), -math.sin(x) * math.cos(x), **tol)
    assert_close(transform(rx_then_ry, argnum=1)(x), -math.cos(x) * math.sin(x), **tol)
    with pytest.raises(ValueError, match=r"'argnum' \[5\] are not tape parameters"):
        transform(rx_then_ry, argnum=5)(x)


@qml.qnode(DEV2, max_diff=1)
def product_of_cosines(x: Any) -> Any:
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=0)
    return qml.expval(qml.PauliZ(0)), qml.probs(wires=[0])


def test_param_shift_hessian_of_a_qnode():
    """<Z> = cos(x0) cos(x1), P(0) = (1 + <Z>) / 2; the QNode's max_diff=1 does not limit the Hessian."""
    x = np.array([0.4, 1.1])
    c0, s0, c1, s1 = math.cos(x[0]), math.sin(x[0]), math.cos(x[1]), math.sin(x[1])
    h = np.array([[-c0 * c1, s0 * s1], [s0 * s1, -c0 * c1]])
    hess = qml.gradients.param_shift_hessian(product_of_cosines)(jnp.asarray(x))
    assert isinstance(hess, tuple) and hess[0].shape == (2, 2) and hess[1].shape == (2, 2, 2)
    assert_close(hess[0], h)
    assert_close(hess[1], np.stack([h / 2, -h / 2]))


@qml.qnode(DEV2)
def squared_and_scaled(a: Any, b: Any) -> Any:
    qml.RX(a**2, wires=0)
    qml.RY(3 * b, wires=1)
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))


def test_hessian_of_several_arguments_is_each_arguments_block():
    """The true second derivatives of cos(a^2) cos(3b), including the classical processing's curvature."""
    a, b = 0.8, -0.5
    hess = qml.gradients.param_shift_hessian(squared_and_scaled, argnums=[0, 1])(a, b)
    d2a = (-2 * math.sin(a**2) - 4 * a**2 * math.cos(a**2)) * math.cos(3 * b)
    d2b = -9 * math.cos(a**2) * math.cos(3 * b)
    assert isinstance(hess, tuple) and len(hess) == 2
    assert_close(hess[0], d2a)
    assert_close(hess[1], d2b)


def test_gradient_transform_errors():
    with pytest.raises(TypeError, match="expected a tape or a QNode"):
        param_shift(lambda x: x)
    with pytest.raises(TypeError, match="unexpected gradient_kwargs"):
        param_shift(three_rotations, h=0.1)
    with pytest.raises(ValueError, match="'argnums' must name positional arguments"):
        param_shift(three_rotations, argnums=3)(jnp.asarray(P3))
    with pytest.raises(TypeError, match="by keyword"):
        param_shift(three_rotations, 0)


def test_gradient_transforms_as_decorators():
    jac = functools.partial(param_shift, argnums=0)(rx_then_ry)(0.3)
    decorated = param_shift(argnum=[0])(rx_then_ry)(0.3)
    assert_close(jac, -2 * math.sin(0.3) * math.cos(0.3))
    assert_close(decorated, -math.sin(0.3) * math.cos(0.3))


# ---------------------------------------------------------------------------------------------------
# SPSA


def rx_tape(p: Sequence[float]) -> qml.tape.Tape:
    return qml.tape.Tape([qml.RX(v, wires=0) for v in p], [qml.expval(qml.PauliZ(0))])


def all_signs(indices: Sequence[int], num_params: int, idx_rep: int, rng: Any) -> np.ndarray:
    """Direction ``idx_rep`` of the 2^k sign vectors, in order: averaging all of them is the expectation."""
    return np.array([1.0 if (idx_rep >> i) & 1 else -1.0 for i in range(num_params)])


@pytest.mark.parametrize(
    ("strategy", "h"), [("center", 1e-3), ("forward", 1e-2), ("backward", np.array([0.1, 0.02, 0.05]))]
)
def test_spsa_expectation_is_the_gradient_of_a_quadratic(strategy, h):
    """For a quadratic, second-order stencils are exact: the mean over every direction is the gradient."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 3))
    a = a + a.T
    b = rng.normal(size=3)
    x = np.array([0.3, -1.2, 0.8])

    def quadratic(p: np.ndarray) -> float:
        return float(0.5 * p @ a @ p + b @ p)

    tapes, fn = spsa_grad(rx_tape(x), h=h, strategy=strategy, num_directions=8, sampler=all_signs)
    results = [quadratic(np.asarray(t.get_parameters(), float)) for t in tapes]
    assert_close(fn(results)[0], a @ x + b, rtol=0, atol=1e-11)
    # a single direction is not the gradient: the estimator is random, unbiased only on average
    tapes1, fn1 = spsa_grad(rx_tape(x), h=h, strategy=strategy, num_directions=1, sampler=all_signs)
    single = fn1([quadratic(np.asarray(t.get_parameters(), float)) for t in tapes1])[0]
    assert np.max(np.abs(single - (a @ x + b))) > 1e-3


def test_spsa_converges_to_the_exact_gradient():
    """The mean of N directions' estimates lies within 5 standard deviations of the gradient.

    Each direction's estimate of df/dx_i is g_i + sum_{j != i} g_j d_j d_i: its standard deviation is
    sqrt(sum_{j != i} g_j^2), that of the mean of N directions this over sqrt(N).
    """
    p = np.array([0.5, -0.7, 1.3])
    ops = lambda q: [ref.Op("RX", (q[0],), (0,)), ref.Op("CRY", (q[1],), (0, 1)), ref.Op("RY", (q[2],), (1,))]  # noqa: E731
    obs = ("Tensor", [Z0, ("PauliX", (1,))])
    g = ref_jacobian(lambda q: ref.expval(ref.run(ops(q), 2), obs, 2), p)
    tape = qml.tape.Tape(
        [qml.RX(p[0], wires=0), qml.CRY(p[1], wires=[0, 1]), qml.RY(p[2], wires=1)],
        [qml.expval(qml.PauliZ(0) @ qml.PauliX(1))],
    )
    n = 2000
    tapes, fn = spsa_grad(tape, num_directions=n, sampler_rng=11)
    assert len(tapes) == 2 * n  # center differences: two circuits per direction
    est = np.asarray(fn(qml.execute(tapes, DEV2, None)))[0]
    sigma = np.sqrt((np.sum(g**2) - g**2) / n)
    assert np.all(np.abs(est - g) < 5 * sigma + 1e-6), (est, g, sigma)


def test_spsa_tapes_options_and_reproducibility():
    x = [0.1, 0.2, 0.3, 0.4]
    tapes, _ = spsa_grad(rx_tape(x), num_directions=3, sampler_rng=5)
    again, _ = spsa_grad(rx_tape(x), num_directions=3, sampler_rng=np.random.default_rng(5))
    for t, u in zip(tapes, again, strict=True):
        assert_close(t.get_parameters(), u.get_parameters(), rtol=0, atol=0)
    # every parameter moves by +-h at once, along one direction
    shift = np.asarray(tapes[0].get_parameters()) - np.asarray(x)
    assert_close(np.abs(shift), [1e-5] * 4, rtol=1e-9, atol=0)
    assert_close(np.asarray(tapes[1].get_parameters()) - np.asarray(x), -shift, rtol=1e-9, atol=0)
    forward, _ = spsa_grad(rx_tape(x), num_directions=3, approx_order=1, strategy="forward", sampler_rng=0)
    assert len(forward) == 1 + 3  # the unshifted circuit once, one shifted circuit per direction
    with_f0, fn0 = spsa_grad(
        rx_tape(x), num_directions=3, approx_order=1, strategy="forward", sampler_rng=0, f0=np.array([0.5])
    )
    assert len(with_f0) == 3
    assert_close(fn0([0.5] * 3), np.zeros((1, 4)))  # every perturbed value equal to f0: no change
    assert spsa_grad(rx_tape(x), argnum=[1, 3], sampler_rng=0)[1]([1.0, 0.0]).shape == (1, 2)


def test_spsa_errors():
    tape = rx_tape([0.1, 0.2])
    with pytest.raises(ValueError, match="only first derivatives"):
        spsa_grad(tape, n=2)
    with pytest.raises(ValueError, match="'num_directions' must be a positive integer"):
        spsa_grad(tape, num_directions=0)
    with pytest.raises(ValueError, match="'h' must be a positive number"):
        spsa_grad(tape, h=-1.0)
    with pytest.raises(ValueError, match="'h' must be a positive number or one positive step"):
        spsa_grad(tape, h=[0.1, 0.2, 0.3])
    with pytest.raises(TypeError, match="'sampler_rng' must be"):
        spsa_grad(tape, sampler_rng="seed")
    with pytest.raises(ValueError, match="the sampler returned"):
        spsa_grad(tape, sampler=lambda i, n, r, g: np.zeros(n))
    with pytest.raises(ValueError, match="'strategy'"):
        spsa_grad(tape, strategy="sideways")
    with pytest.raises(ValueError, match="cannot be differentiated"):
        spsa_grad(qml.tape.Tape([qml.RX(0.1, wires=0)], [qml.state()]))


@qml.qnode(DEV2)
def doubled_angle(x: Any, y: Any) -> Any:
    qml.RX(2 * x, wires=0)
    qml.RY(y, wires=1)
    return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))


def test_spsa_on_a_qnode_chains_the_classical_jacobian():
    """f0 = cos(2x), f1 = cos(2x) cos(y); with all 4 sign directions the estimate is exact up to O(h^2)."""
    x, y = 0.3, 0.9
    jac = spsa_grad(doubled_angle, argnums=[0, 1], num_directions=4, sampler=all_signs)(x, y)
    expected = [
        (-2 * math.sin(2 * x), 0.0),
        (-2 * math.sin(2 * x) * math.cos(y), -math.cos(2 * x) * math.sin(y)),
    ]
    for j, e in zip(jac, expected, strict=True):
        assert isinstance(j, tuple) and len(j) == 2
        assert_close(j, e, rtol=0, atol=1e-8)


@pytest.mark.parametrize("transform", [spsa_grad, hadamard_grad, param_shift])
def test_a_qnode_without_gate_parameters_has_a_zero_jacobian(transform):
    @qml.qnode(DEV3)
    def constant(x: Any) -> Any:
        qml.Hadamard(0)
        return qml.expval(qml.PauliX(0)), qml.probs(wires=[0])

    jac = transform(constant)(jnp.array([0.3, 0.4, 0.5]))
    assert jac[0].shape == (3,) and jac[1].shape == (2, 3)
    assert_close(jac[0], np.zeros(3))
    assert_close(jac[1], np.zeros((2, 3)))


# ---------------------------------------------------------------------------------------------------
# The Hadamard-test gradient


def test_pauli_terms_rebuild_the_matrix():
    rng = np.random.default_rng(0)
    for k in (1, 2, 3):
        a = ref.random_hermitian(rng, 2**k)
        terms = pauli_terms(a)
        assert_close(sum(c * ref.pauli_word(w) for c, w in terms), a)
        assert all(len(w) == k for _, w in terms)


# name, class, wires, reference name, Pauli word (PauliRot)
HADAMARD_GATES = [
    ("RX", qml.RX, (1,), None), ("RY", qml.RY, (0,), None), ("RZ", qml.RZ, (2,), None),
    ("PhaseShift", qml.PhaseShift, (1,), None), ("CRX", qml.CRX, (2, 0), None),
    ("CRY", qml.CRY, (0, 1), None),
    ("CRZ", qml.CRZ, (1, 2), None), ("ControlledPhaseShift", qml.ControlledPhaseShift, (0, 2), None),
    ("IsingXX", qml.IsingXX, (0, 1), None), ("IsingYY", qml.IsingYY, (2, 1), None),
    ("IsingZZ", qml.IsingZZ, (0, 2), None), ("IsingXY", _gates.IsingXY, (1, 0), None),
    ("MultiRZ", qml.MultiRZ, (0, 1, 2), None), ("PauliRot", qml.PauliRot, (2, 0, 1), "XYZ"),
]  # fmt: skip


def _generator(name: str, wires: Sequence[int], word: str | None) -> np.ndarray:
    if name == "MultiRZ":
        return 0.5 * ref.pauli_word("Z" * len(wires))
    if name == "PauliRot":
        return 0.5 * ref.pauli_word(word or "")
    return ref.GENERATORS[name]


def _hadamard_case(name: str, wires: tuple[int, ...], word: str | None, theta: float) -> tuple[list, list]:
    """A 3-wire circuit around the gate: (reference ops before and including it, reference ops after)."""
    before = [ref.Op("RY", (0.7,), (0,)), ref.Op("RX", (-0.4,), (1,)), ref.Op("CNOT", (), (0, 2)),
              ref.Op("RY", (1.1,), (2,)), ref.Op(name, (theta,), wires, word=word)]  # fmt: skip
    after = [ref.Op("CNOT", (), (1, 2)), ref.Op("RX", (0.3,), (0,)), ref.Op("RY", (-0.8,), (1,))]
    return before, after


def _library(ops: Sequence[ref.Op], cls: Any = None) -> list[Any]:
    out = []
    for op in ops:
        gate = cls if cls is not None and op.name not in ("RY", "RX", "CNOT") else getattr(qml, op.name)
        if op.word is not None:
            out.append(gate(*op.params, op.word, wires=list(op.wires)))
        else:
            out.append(gate(*op.params, wires=list(op.wires)))
    return out


@pytest.mark.parametrize(("name", "cls", "wires", "word"), HADAMARD_GATES, ids=[g[0] for g in HADAMARD_GATES])
def test_hadamard_grad_equals_the_analytic_derivative(name, cls, wires, word):
    """df/dx = i <chi| [G, W^+ O W] |chi>, chi the state after U(x) = exp(-i x G), W the gates after it."""
    theta = 0.61
    before, after = _hadamard_case(name, wires, word, theta)
    n = 3
    chi = ref.run(before, n)
    w = np.eye(2**n, dtype=complex)
    for op in after:
        w = ref.embed(op.matrix(), op.wires, n) @ w
    g = ref.embed(_generator(name, wires, word), wires, n)
    obs = ("Tensor", [("PauliX", (0,)), ("PauliZ", (2,))])
    projectors = [np.diag(np.eye(4)[x]) for x in range(4)]
    observables = [ref.obs_matrix(obs, n)] + [ref.embed(p, (1, 2), n) for p in projectors]
    expected = [float(np.real(1j * np.vdot(chi, (g @ w.conj().T @ o @ w - w.conj().T @ o @ w @ g) @ chi)))
                for o in observables]  # fmt: skip
    prep = _library(before[:-1])
    gate = _library([before[-1]], cls)
    tape = qml.tape.Tape(
        [*prep, *gate, *_library(after)],
        [qml.expval(qml.PauliX(0) @ qml.PauliZ(2)), qml.probs(wires=[1, 2])],
    )
    dev = qml.device("default.qubit", wires=4)
    tapes, fn = hadamard_grad(tape, argnum=[3], device_wires=dev.wires)
    words = [wd for _, wd in pauli_terms(_generator(name, wires, word)) if set(wd) != {"I"}]
    assert len(tapes) == len(words)  # one Hadamard test per non-identity Pauli word of the generator
    assert_close(np.asarray(fn(qml.execute(tapes, dev, None))).reshape(-1), expected)


def test_generator_terms_are_read_from_the_gate_data():
    with qml.tape.QuantumTape():  # constructed inside a recording: generator_terms records nothing
        gate = qml.CRX(0.3, wires=[0, 1])
        terms = generator_terms(gate)
    assert_close([c for c, _ in terms], [0.25, -0.25])
    assert [w for _, w in terms] == ["IX", "ZX"]
    with pytest.raises(ValueError, match="not of the form exp"):
        generator_terms(qml.Rot(0.1, 0.2, 0.3, wires=0))


def test_hadamard_grad_auxiliary_wire():
    tape = qml.tape.Tape([qml.RX(0.5, wires=0), qml.CNOT(wires=[0, 1])], [qml.expval(qml.PauliZ(1))])
    tapes, fn = hadamard_grad(tape, device_wires=("a", 0, 1, "b"))
    assert set(tapes[0].wires) == {0, 1, "a"}  # the first free device wire
    tapes, fn = hadamard_grad(tape, aux_wire="b", device_wires=("a", 0, 1, "b"))
    assert "b" in tapes[0].wires
    tapes, fn = hadamard_grad(tape)  # no fixed device wires: the first integer label not in use
    assert set(tapes[0].wires) == {0, 1, 2}
    assert_close(fn(qml.execute(tapes, DEV3, None))[0, 0], -math.sin(0.5))
    with pytest.raises(ValueError, match="'aux_wire' 1 is already used"):
        hadamard_grad(tape, aux_wire=1)
    with pytest.raises(ValueError, match="is not a wire of the device"):
        hadamard_grad(tape, aux_wire=7, device_wires=(0, 1, 2))
    with pytest.raises(ValueError, match="every device wire"):
        hadamard_grad(tape, device_wires=(0, 1))


def test_hadamard_grad_errors():
    with pytest.raises(ValueError, match="not of the form exp"):
        hadamard_grad(qml.tape.Tape([qml.Rot(0.1, 0.2, 0.3, wires=0)], [qml.expval(qml.PauliZ(0))]))
    with pytest.raises(ValueError, match="supports expval and probs"):
        hadamard_grad(qml.tape.Tape([qml.RX(0.1, wires=0)], [qml.var(qml.PauliZ(0))]))
    with pytest.raises(ValueError, match="mode='direct' is not supported"):
        hadamard_grad(qml.tape.Tape([qml.RX(0.1, wires=0)], [qml.expval(qml.PauliZ(0))]), mode="direct")


@qml.qnode(DEV3)
def hadamard_circuit(x: Any) -> Any:
    qml.RY(x[0] ** 2, wires=0)
    qml.CRX(x[1], wires=[0, 1])
    return qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])


def test_hadamard_grad_on_a_qnode():
    x = np.array([0.8, 1.4])

    def reference(v: np.ndarray) -> tuple[float, np.ndarray]:
        psi = ref.run([ref.Op("RY", (v[0] ** 2,), (0,)), ref.Op("CRX", (v[1],), (0, 1))], 3)
        return ref.expval(psi, ("PauliZ", (1,)), 3), ref.probs(psi, [0], 3)

    jac = hadamard_grad(hadamard_circuit)(jnp.asarray(x))
    assert jac[0].shape == (2,) and jac[1].shape == (2, 2)
    for k in range(2):
        assert_close(jac[k], ref_jacobian(lambda v, k=k: reference(v)[k], x), **NUMERIC)


# ---------------------------------------------------------------------------------------------------
# Tape transforms


def test_broadcast_expand():
    x = np.array([0.2, 1.0, -2.1])
    tape = qml.tape.Tape(
        [qml.RX(jnp.asarray(x), wires=0), qml.RY(0.4, wires=1), qml.CNOT(wires=[0, 1])],
        [qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])],
    )
    tapes, fn = qtransforms.broadcast_expand(tape)
    assert len(tapes) == 3 and all(t.batch_size is None for t in tapes)
    assert [float(t.get_parameters()[0]) for t in tapes] == list(x)
    rows = []
    for v in x:
        psi = ref.run([ref.Op("RX", (v,), (0,)), ref.Op("RY", (0.4,), (1,)), ref.Op("CNOT", (), (0, 1))], 2)
        rows.append((ref.expval(psi, ("PauliZ", (1,)), 2), ref.probs(psi, [0], 2)))
    executed = qml.execute(tapes, DEV2, None)  # per tape: the expval and the probabilities, concatenated
    for results in (executed, [(r[0], r[1:]) for r in executed]):  # and PennyLane's tuples
        out = fn(results)
        assert out[0].shape == (3,) and out[1].shape == (3, 2)
        assert_close(out[0], [r[0] for r in rows])
        assert_close(out[1], [r[1] for r in rows])
    plain = qml.tape.Tape([qml.RX(0.3, wires=0)], [qml.expval(qml.PauliZ(0))])
    tapes, fn = qtransforms.broadcast_expand(plain)
    assert tapes == [plain]
    assert_close(fn(qml.execute(tapes, DEV2, None)), math.cos(0.3))


@qtransforms.broadcast_expand
@qml.qnode(DEV2)
def broadcast_circuit(x: Any) -> Any:
    qml.RX(x, wires=0)
    return qml.expval(qml.PauliZ(0))


def test_broadcast_expand_on_a_qnode_runs_one_circuit_per_row():
    x = jnp.array([0.1, 0.5, 0.9, 1.3])
    with qml.Tracker() as tracker:
        out = broadcast_circuit(x)
    assert tracker.totals["executions"] == 4
    assert_close(out, np.cos(np.asarray(x)))
    assert_close(jax.grad(lambda v: jnp.sum(broadcast_circuit(v)))(x), -np.sin(np.asarray(x)))


SPLIT_MEASUREMENTS = [
    ("expval", ("PauliX", (0,))),
    ("expval", ("PauliY", (1,))),
    ("expval", ("Tensor", [Z0, ("PauliZ", (1,))])),
    ("expval", ("Hamiltonian", [1.0, 0.5, 1.0],
                [("Tensor", [("PauliX", (0,)), ("PauliZ", (1,))]), ("PauliY", (1,)), Z0])),
]  # fmt: skip


def split_tape(x: Sequence[float]) -> qml.tape.Tape:
    h = qml.PauliX(0) @ qml.PauliZ(1) + 0.5 * qml.PauliY(1) + qml.PauliZ(0)
    return qml.tape.Tape(
        [qml.RY(x[0], wires=0), qml.RX(x[1], wires=1)],
        [qml.expval(qml.PauliX(0)), qml.expval(qml.PauliY(1)), qml.expval(qml.PauliZ(0) @ qml.PauliZ(1)),
         qml.expval(h)],
    )  # fmt: skip


def split_reference(x: Sequence[float]) -> list[float]:
    psi = ref.run([ref.Op("RY", (x[0],), (0,)), ref.Op("RX", (x[1],), (1,))], 2)
    return [ref.expval(psi, obs, 2) for _, obs in SPLIT_MEASUREMENTS]


def _qubit_wise_commuting(measurements: Sequence[Any]) -> bool:
    bases: dict[Any, Any] = {}
    for m in measurements:
        for f in m.obs.factors():
            if f.basis == "I":
                continue
            for w in f.wires:
                if bases.setdefault(w, f.basis) != f.basis:
                    return False
    return True


@pytest.mark.parametrize(("strategy", "count"), [("default", 3), ("qwc", 3), ("wires", 4), (None, 6)])
def test_split_non_commuting(strategy, count):
    x = [0.7, -0.4]
    tapes, fn = qtransforms.split_non_commuting(split_tape(x), grouping_strategy=strategy)
    assert len(tapes) == count
    assert sum(len(t.measurements) for t in tapes) == 6  # the sum is measured term by term
    assert all(_qubit_wise_commuting(t.measurements) for t in tapes)
    out = fn(qml.execute(tapes, DEV2, None))
    assert isinstance(out, tuple) and len(out) == 4
    assert_close(out, split_reference(x))


def test_split_non_commuting_keeps_other_measurements_whole():
    tape = qml.tape.Tape(
        [qml.RX(0.3, wires=0), qml.RY(0.5, wires=1)],
        [qml.var(qml.PauliX(0)), qml.probs(wires=[0, 1]), qml.expval(qml.PauliZ(1))],
    )
    tapes, fn = qtransforms.split_non_commuting(tape)
    assert len(tapes) == 2  # var(X0) needs X on wire 0; probs and Z1 are computational
    psi = ref.run([ref.Op("RX", (0.3,), (0,)), ref.Op("RY", (0.5,), (1,))], 2)
    out = fn(qml.execute(tapes, DEV2, None))
    assert_close(out[0], ref.var(psi, ("PauliX", (0,)), 2))
    assert_close(out[1], ref.probs(psi, [0, 1], 2))
    assert_close(out[2], ref.expval(psi, ("PauliZ", (1,)), 2))
    commuting = qml.tape.Tape([qml.RX(0.3, wires=0)], [qml.expval(qml.PauliZ(0)), qml.probs(wires=[0])])
    assert qtransforms.split_non_commuting(commuting)[0] == [commuting]
    with pytest.raises(ValueError, match="'grouping_strategy' must be one of"):
        qtransforms.split_non_commuting(tape, grouping_strategy="fancy")
    with pytest.raises(NotImplementedError, match="shot_dist"):
        qtransforms.split_non_commuting(tape, shot_dist="uniform")


@qtransforms.split_non_commuting
@qml.qnode(DEV2)
def split_circuit(x: Any) -> Any:
    qml.RY(x[0], wires=0)
    qml.RX(x[1], wires=1)
    h = qml.PauliX(0) @ qml.PauliZ(1) + 0.5 * qml.PauliY(1) + qml.PauliZ(0)
    return [qml.expval(qml.PauliX(0)), qml.expval(qml.PauliY(1)), qml.expval(qml.PauliZ(0) @ qml.PauliZ(1)),
            qml.expval(h)]  # fmt: skip


def test_split_non_commuting_on_a_qnode_is_differentiable():
    x = np.array([0.7, -0.4])
    with qml.Tracker() as tracker:
        out = split_circuit(jnp.asarray(x))
    assert tracker.totals["executions"] == 3  # one circuit per group
    assert isinstance(out, tuple) and len(out) == 4
    assert_close(out, split_reference(x))
    grad = jax.grad(lambda v: split_circuit(v)[3])(jnp.asarray(x))
    assert_close(grad, ref_jacobian(lambda v: split_reference(v)[3], x), **NUMERIC)
    # a gradient transform composes with it
    jac = param_shift(split_circuit)(jnp.asarray(x))
    assert_close(jac[3], grad)


def test_measurement_values_reads_both_result_formats():
    tape = qml.tape.Tape([], [qml.expval(qml.PauliZ(0)), qml.probs(wires=[0, 1])])
    flat = jnp.array([1.0, 0.1, 0.2, 0.3, 0.4])
    for result in (flat, (jnp.array(1.0), flat[1:])):
        values = measurement_values(tape, result)
        assert_close(values[0], 1.0)
        assert_close(values[1], [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="does not match the measurements"):
        measurement_values(tape, jnp.zeros(3))
    with pytest.raises(ValueError, match="got a result of 3 entries"):
        measurement_values(tape, (1.0, 2.0, 3.0))


def test_batch_input():
    inputs = np.array([[0.1, 0.2], [0.5, -0.3], [1.2, 0.9]])
    tape = qml.tape.Tape(
        [qml.RY(0.4, wires=0), qml.RY(jnp.asarray(inputs[:, 0]), wires=0),
         qml.RX(jnp.asarray(inputs[:, 1]), wires=1), qml.CNOT(wires=[0, 1])],
        [qml.expval(qml.PauliZ(1))],
    )  # fmt: skip
    tapes, fn = qtransforms.batch_input(tape, argnum=[1, 2])
    assert len(tapes) == 1 and tapes[0].batch_size == 3  # parameter broadcasting: one vmapped batch
    out = fn(qml.execute(tapes, DEV2, None))
    expected = []
    for a, b in inputs:
        psi = ref.run(
            [ref.Op("RY", (0.4 + a,), (0,)), ref.Op("RX", (b,), (1,)), ref.Op("CNOT", (), (0, 1))], 2
        )
        expected.append(ref.expval(psi, ("PauliZ", (1,)), 2))
    assert out.shape == (3,)
    assert_close(out, expected)
    with pytest.raises(
        ValueError, match=r"tape parameter 0 \(parameter 0 of RY on wires \[0\]\).*no batch axis"
    ):
        qtransforms.batch_input(tape, argnum=0)
    with pytest.raises(ValueError, match="not the index of a tape parameter"):
        qtransforms.batch_input(tape, argnum=7)


@qtransforms.batch_input(argnum=1)
@qml.qnode(DEV2)
def classifier(inputs: Any, weights: Any) -> Any:
    qml.RY(weights[0], wires=0)
    qml.AngleEmbedding(inputs, wires=range(2), rotation="Y")
    qml.RY(weights[1], wires=1)
    return qml.expval(qml.PauliZ(1))


def test_batch_input_on_a_qnode():
    """PennyLane's example: a batch of non-trainable inputs, the same weights; differentiable in both."""
    inputs = np.random.default_rng(1).uniform(0, 1, (5, 2))
    weights = np.array([0.3, -0.6])
    out = classifier(inputs, jnp.asarray(weights))
    expected = [math.cos(x1 + weights[1]) for _, x1 in inputs]  # <Z1> after RY(x1) RY(w1) on |0>
    assert out.shape == (5,)
    assert_close(out, expected)
    grad = jax.grad(lambda w: jnp.sum(classifier(inputs, w)))(jnp.asarray(weights))
    assert_close(grad, [0.0, -np.sum(np.sin(inputs[:, 1] + weights[1]))])


def test_tape_transform_errors():
    with pytest.raises(TypeError, match="expected a tape or a QNode to transform"):
        qtransforms.broadcast_expand(3)


def test_all_signs_enumerates_every_direction():
    """``all_signs`` enumerates distinct directions (so the SPSA expectation test averages all of them)."""
    dirs = {tuple(all_signs([0, 1, 2], 3, r, None)) for r in range(8)}
    assert dirs == set(itertools.product([-1.0, 1.0], repeat=3))


def test_defer_measurements_shows_the_deferred_circuit_and_gives_its_values():
    with qml.tape.QuantumTape() as tape:
        qml.RY(0.7, wires=0)
        m = qml.measure(0)
        qml.cond(m, qml.PauliX)(wires=1)
        qml.expval(qml.PauliZ(1))
    (deferred,), fn = qml.transforms.defer_measurements(tape)
    assert [op.name for op in deferred.operations] == ["RY", "CNOT", "C(PauliX)"]
    dev = qml.device("default.qubit", wires=2)
    (value,) = fn(qml.execute([deferred], dev, None))
    # wire 1 is flipped exactly when wire 0 reads 1: <Z1> = 1 - 2 sin^2(0.35) = cos(0.7)
    np.testing.assert_allclose(value, [np.cos(0.7)], atol=1e-12)
    assert qml.defer_measurements is qml.transforms.defer_measurements


def test_defer_measurements_refuses_postselection_with_a_reason():
    with qml.tape.QuantumTape() as tape:
        qml.Hadamard(wires=0)
        qml.measure(0, postselect=1)
        qml.expval(qml.PauliZ(0))
    with pytest.raises(ValueError, match="defer_measurements: this tape post-selects"):
        qml.transforms.defer_measurements(tape)
