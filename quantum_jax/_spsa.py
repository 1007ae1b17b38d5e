"""The SPSA gradient: finite differences along random simultaneous perturbations.

Simultaneous perturbation stochastic approximation (J. C. Spall, "Multivariate stochastic approximation
using a simultaneous perturbation gradient approximation", IEEE Trans. Autom. Control 37, 332 (1992)):
for a random direction ``d`` with independent entries ``+-1``, a finite-difference derivative of ``f``
along ``h * d`` estimates ``grad f . (h * d)``; dividing by ``h_i * d_i`` gives an estimate of
``df/dx_i`` whose bias, ``sum_{j != i} (df/dx_j) E[h_j d_j / (h_i d_i)]``, vanishes since the entries
are independent and symmetric. The cost is the stencil's few circuits per direction, whatever the
number of parameters; averaging ``num_directions`` estimates reduces the variance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._methods import FiniteDiff, finite_diff_recipe
from ._tape import Tape
from ._transforms import GradientTransform, PostProcess, _flat, _reshape, _trainable

Sampler = Callable[[Sequence[int], int, int, np.random.Generator], np.ndarray]


def _rademacher_sampler(
    indices: Sequence[int], num_params: int, idx_rep: int, rng: np.random.Generator
) -> np.ndarray:
    """A direction with independent entries ``+-1`` (equally likely) at ``indices``, 0 elsewhere.

    Example:
        >>> d = _rademacher_sampler([0, 2], 3, 0, np.random.default_rng(0))
        >>> sorted(set(np.abs(d).tolist())), float(d[1])
        ([0.0, 1.0], 0.0)
    """
    direction = np.zeros(num_params)
    direction[list(indices)] = rng.choice([-1.0, 1.0], size=len(indices))
    return direction


def _rng(sampler_rng: Any) -> np.random.Generator:
    if isinstance(sampler_rng, np.random.Generator):
        return sampler_rng
    if sampler_rng is None or (
        isinstance(sampler_rng, (int, np.integer)) and not isinstance(sampler_rng, bool)
    ):
        return np.random.default_rng(sampler_rng)
    raise TypeError(
        f"spsa_grad: 'sampler_rng' must be a numpy Generator, an integer seed or None, got {sampler_rng!r}."
    )


def _steps(h: Any, n: int) -> np.ndarray:
    steps = np.broadcast_to(np.asarray(h, dtype=float), (n,)) if np.ndim(h) == 0 else np.asarray(h, float)
    if steps.shape != (n,) or not np.all(steps > 0):
        raise ValueError(
            f"spsa_grad: 'h' must be a positive number or one positive step per differentiated parameter "
            f"({n}), got {h!r}."
        )
    return steps


def _check(tape: Tape, n: int, num_directions: Any) -> None:
    if n != 1:
        raise ValueError(f"spsa_grad: only first derivatives (n=1) are supported, got n={n!r}.")
    if (
        isinstance(num_directions, bool)
        or not isinstance(num_directions, (int, np.integer))
        or num_directions < 1
    ):
        raise ValueError(f"spsa_grad: 'num_directions' must be a positive integer, got {num_directions!r}.")
    if tape.batch_size is not None:
        raise ValueError(
            "spsa_grad: the tape is broadcast; expand it first with qml.transforms.broadcast_expand."
        )
    for m in tape.measurements:
        if not m.differentiable:
            raise ValueError(
                f"spsa_grad: {type(m).__name__} cannot be differentiated; use expval, var or probs."
            )


def _spsa_grad(
    tape: Tape,
    argnum: int | Sequence[int] | None = None,
    h: Any = 1e-5,
    approx_order: int = 2,
    n: int = 1,
    strategy: str = "center",
    f0: Any = None,
    validate_params: bool = True,
    num_directions: int = 1,
    sampler: Sampler = _rademacher_sampler,
    sampler_rng: Any = None,
) -> tuple[list[Tape], PostProcess]:
    """SPSA gradient tapes of ``tape``: finite differences along random simultaneous perturbations.

    For each of ``num_directions`` directions ``d`` (drawn by ``sampler``), every differentiated
    parameter ``x_i`` moves by ``s * h_i * d_i`` for each point ``s`` of the finite-difference stencil
    (``approx_order``, ``strategy``); the estimate of ``df/dx_i`` is the stencil's weighted sum
    divided by ``h_i * d_i``, averaged over the directions (Spall 1992). The estimate is random (also
    without shots) and unbiased up to the stencil's truncation error.

    Args:
        tape: the tape to differentiate.
        argnum: indices of the tape parameters to differentiate (default: every real scalar).
        h: the step, or one step per differentiated parameter.
        approx_order: the order of the stencil's truncation error.
        n: the derivative order; only 1 is supported.
        strategy: ``"forward"``, ``"backward"`` or ``"center"``.
        f0: the result of ``tape`` if already known; saves the unshifted circuit of a stencil that
            has one.
        validate_params: accepted for PennyLane compatibility (every real scalar parameter can be
            perturbed).
        num_directions: the number of directions averaged.
        sampler: ``sampler(indices, num_params, idx_rep, rng)`` returns direction ``idx_rep`` as an
            array of ``num_params`` entries, nonzero at ``indices``; here ``num_params`` counts the
            differentiated parameters. The default draws independent ``+-1`` entries.
        sampler_rng: a ``numpy.random.Generator`` or an integer seed for the sampler (``None``: fresh).

    Returns:
        ``(tapes, fn)``: ``fn(execute(tapes, dev, None))`` has shape ``(*result shape, len(argnum))``.

    Raises:
        ValueError: for invalid options, broadcast tapes and measurements with no derivative.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> tape = qml.tape.Tape([qml.RX(0.5, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> tapes, fn = spsa_grad(tape, sampler_rng=0)
        >>> len(tapes), round(float(fn(qml.execute(tapes, dev, None))[0, 0]), 6)  # one parameter: exact
        (2, -0.479426)
    """
    _check(tape, n, num_directions)
    FiniteDiff(1.0, approx_order, strategy)  # validates the stencil's options
    tape = tape.canonical()
    trainable = _trainable(tape, argnum)
    steps = _steps(h, len(trainable))
    stencil = finite_diff_recipe(1.0, approx_order, strategy)  # (weight, 1, point) for a unit step
    tapes, terms = _perturbed(tape, trainable, steps, stencil, num_directions, sampler, _rng(sampler_rng), f0)
    return tapes, _estimate(tape, len(trainable), terms, num_directions, f0)


Term = tuple[float, int, np.ndarray]  # (stencil weight, tape index or -1 for f0, 1 / (h * d))


def _perturbed(
    tape: Tape,
    trainable: list[int],
    steps: np.ndarray,
    stencil: Sequence[tuple[float, float, float]],
    num_directions: int,
    sampler: Sampler,
    rng: np.random.Generator,
    f0: Any,
) -> tuple[list[Tape], list[Term]]:
    """The perturbed tapes of every direction and stencil point, and each one's term of the estimate."""
    k = len(trainable)
    params = tape.get_parameters()
    unshifted = any(s == 0.0 for _, _, s in stencil)
    tapes: list[Tape] = [tape] if unshifted and f0 is None else []
    terms: list[Term] = []
    for rep in range(num_directions):
        d = np.asarray(sampler(list(range(k)), k, rep, rng), dtype=float)
        if d.shape != (k,) or not np.all(d != 0):
            raise ValueError(
                f"spsa_grad: the sampler returned {d!r} for direction {rep}; it must be an array of {k} "
                "nonzero entries (one per differentiated parameter)."
            )
        inverse = 1.0 / (steps * d)
        for c, _, s in stencil:
            if s == 0.0:
                terms.append((c, -1 if f0 is not None else 0, inverse))
                continue
            new = list(params)
            for q, p in enumerate(trainable):
                new[p] = params[p] + float(s * steps[q] * d[q])  # a Python float keeps float32 float32
            terms.append((c, len(tapes), inverse))
            tapes.append(tape.with_parameters(new))
    return tapes, terms


def _estimate(tape: Tape, k: int, terms: list[Term], num_directions: int, f0: Any) -> PostProcess:
    """``fn``: the weighted results times ``1 / (h d)``, averaged over the directions."""

    def fn(results: Sequence[Any]) -> jax.Array:
        if k == 0:
            return jnp.zeros((0,))
        flat = [_flat(r) for r in results]
        if f0 is not None:
            flat.append(_flat(f0))  # index -1
        grad = jnp.zeros((flat[0].shape[0], k), flat[0].dtype) if flat else jnp.zeros((0, k))
        for c, i, inv in terms:
            grad = grad + c * flat[i][:, None] * jnp.asarray(inv, grad.dtype)[None, :]  # keeps float32
        return _reshape(grad / num_directions, tape, k)

    return fn


spsa_grad = GradientTransform(_spsa_grad, None)
