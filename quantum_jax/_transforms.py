"""Gradient transforms in PennyLane's form: ``transform(tape) -> (tapes, fn)``.

Run the returned tapes with :func:`execute` (any ``gradient_fn``) and pass the results to ``fn`` to get
the Jacobian (or Hessian) of the tape's result with respect to its trainable parameters. The same
objects are accepted as ``execute(..., gradient_fn=param_shift)``, where the rules run inside JAX's
differentiation instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _recording
from ._hermitian import Hermitian
from ._measurements import ExpectationMP, ProbabilityMP, VarianceMP
from ._methods import (
    FiniteDiff,
    ParamShift,
    fallback_recipe,
    finite_diff_recipe,
    leaf_recipes,
    method_from_kwargs,
)
from ._shift_rules import Recipe, second_derivative_rule
from ._tape import Tape

Shift = tuple[tuple[int, float, float], ...]  # (parameter index, multiplier, shift) per shifted parameter
PostProcess = Callable[[Sequence[Any]], jax.Array]


def _trainable(tape: Tape, argnum: Any) -> list[int]:
    params = tape.get_parameters()
    scalar = [
        i
        for i, p in enumerate(params)
        if jnp.ndim(p) == 0 and jnp.issubdtype(jnp.result_type(p), jnp.floating)
    ]
    if argnum is None:
        return scalar
    idx = [argnum] if isinstance(argnum, int) else list(argnum)
    for i in idx:
        if i not in scalar:
            raise ValueError(
                f"argnum: parameter {i} is not a real scalar parameter of the tape "
                f"(it has {len(params)} parameters; real scalars are {scalar})."
            )
    return idx


def _squared(obs: Any) -> Any:
    """``A^2`` as an observable, or ``None`` when ``A`` is involutory (``A^2 = I``)."""
    if obs.is_involutory:
        return None
    if obs.terms()[0] is not None:
        raise ValueError(
            "the variance of a Hamiltonian has no tape-transform gradient here; differentiate it with "
            "jax.grad through execute/qnode instead."
        )
    if len(obs.factors()) > 1:
        raise ValueError(f"variance gradient: cannot square the observable {obs!r}; use jax.grad.")
    with _recording.paused():
        mat = obs.matrix()
        return Hermitian(mat @ mat, wires=obs.wires)


class _Linearized:
    """A tape's measurements rewritten as linear ones (``var(A)`` -> ``expval(A)``, ``expval(A^2)``)."""

    def __init__(self, tape: Tape) -> None:
        ms: list[Any] = []
        extra: list[Any] = []
        self.var_index: list[tuple[int, int | None]] = []  # (measurement index, extra index or None)
        with _recording.paused():
            for k, m in enumerate(tape.measurements):
                if isinstance(m, VarianceMP):
                    sq = _squared(m.obs)
                    ms.append(ExpectationMP(m.obs))
                    if sq is not None:
                        extra.append(ExpectationMP(sq))
                    self.var_index.append((k, None if sq is None else len(extra) - 1))
                elif isinstance(m, (ExpectationMP, ProbabilityMP)):
                    ms.append(m)
                else:
                    raise ValueError(
                        f"{type(m).__name__} cannot be differentiated by a gradient transform; "
                        "use diff_method='backprop'."
                    )
        self.n_extra = len(extra)
        self.tape = Tape(tape.operations, tuple(ms + extra))
        self.original = tape

    def sizes(self, total: int) -> list[int]:
        """Flat size of each original measurement, given the flat size of a linearized result."""
        total -= self.n_extra
        known = [None if _device_sized(m) else int(np.prod(m.shape(0))) for m in self.original.measurements]
        unknown = known.count(None)
        if unknown:
            each = (total - sum(k for k in known if k is not None)) // unknown
            known = [each if k is None else k for k in known]
        return known  # type: ignore[return-value]


def _jacobian(
    tape: Tape, terms_per_param: list[Recipe], trainable: list[int]
) -> tuple[list[Tape], PostProcess]:
    lin = _Linearized(tape)
    base = lin.tape
    params = base.get_parameters()
    tapes: list[Tape] = [base]
    index: dict[Shift, int] = {(): 0}
    plan: list[list[tuple[float, int]]] = []
    for p, recipe in zip(trainable, terms_per_param, strict=True):
        row = []
        for c, a, s in recipe:
            key: Shift = () if (a == 1.0 and s == 0.0) else ((p, a, s),)
            if key not in index:
                new = list(params)
                new[p] = a * params[p] + s
                index[key] = len(tapes)
                tapes.append(base.with_parameters(new))
            row.append((c, index[key]))
        plan.append(row)
    needs_base = bool(lin.var_index) or any(i == 0 for row in plan for _, i in row)
    if not needs_base:
        tapes = tapes[1:]
        plan = [[(c, i - 1) for c, i in row] for row in plan]

    def fn(results: Sequence[Any]) -> jax.Array:
        flat = [jnp.ravel(jnp.asarray(r)) for r in results]
        jac = jnp.stack([sum(c * flat[i] for c, i in row) for row in plan], axis=-1) if plan else None
        if jac is None:
            return jnp.zeros((0,))
        if lin.var_index:
            value = flat[0]
            sizes = lin.sizes(value.shape[0])
            starts = np.cumsum([0, *sizes])
            n_orig = int(starts[-1])
            for k, extra in lin.var_index:
                q = int(starts[k])
                d_sq = 0.0 if extra is None else jac[n_orig + extra]
                jac = jac.at[q].set(d_sq - 2 * value[q] * jac[q])
            jac = jac[:n_orig]
        else:
            jac = jac[: jac.shape[0] - lin.n_extra] if lin.n_extra else jac
        return _reshape(jac, tape, len(trainable))

    return tapes, fn


def _device_sized(m: Any) -> bool:
    """Whether ``m``'s result size depends on the device (``probs()`` of all its wires)."""
    return isinstance(m, ProbabilityMP) and not m.measured_wires


def _reshape(flat: jax.Array, tape: Tape, *n: int) -> jax.Array:
    """``flat``'s leading axis split per measurement, when they share a shape known without a device."""
    shapes = {m.shape(0) for m in tape.measurements}
    if len(shapes) == 1 and not any(_device_sized(m) for m in tape.measurements):
        return jnp.reshape(flat, (len(tape.measurements), *next(iter(shapes)), *n))
    return flat


class GradientTransform:
    """A gradient transform: ``transform(tape, **options) -> (tapes, fn)``, usable as ``gradient_fn``."""

    def __init__(self, fn: Callable[..., tuple[list[Tape], PostProcess]], method_kind: str) -> None:
        self._fn = fn
        self.method_kind = method_kind
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    def __call__(self, tape: Tape, *args: Any, **kwargs: Any) -> tuple[list[Tape], PostProcess]:
        return self._fn(tape, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<gradient transform {self.__name__}>"


def _param_shift(
    tape: Tape,
    argnum: int | Sequence[int] | None = None,
    shifts: float | None = None,
    gradient_recipes: Any = None,
    fallback_h: float = 1e-6,
) -> tuple[list[Tape], PostProcess]:
    """Parameter-shift Jacobian tapes of ``tape``.

    Each trainable parameter is shifted by its gate's rule (two terms at +-pi/2 for a single frequency,
    four for controlled rotations, ``2R`` terms for ``R`` equidistant frequencies).

    Args:
        tape: the tape to differentiate.
        argnum: indices of the tape parameters to differentiate (default: every real scalar).
        shifts: the shift of every two-term rule (default pi/2).
        gradient_recipes: per parameter index, a custom recipe of ``(coefficient, multiplier, shift)``.
        fallback_h: central-difference step for parameters with no rule.

    Returns:
        ``(tapes, fn)``: ``fn(execute(tapes, dev, None))`` has shape ``(*result shape, len(argnum))``.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> tape = qml.tape.Tape([qml.RX(0.5, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> tapes, fn = qml.gradients.param_shift(tape)
        >>> len(tapes), round(float(fn(qml.execute(tapes, dev, None))[0, 0]), 6)
        (2, -0.479426)
    """
    method = method_from_kwargs(
        "param_shift",
        {
            k: v
            for k, v in dict(shifts=shifts, gradient_recipes=gradient_recipes, fallback_h=fallback_h).items()
            if v is not None
        },
    )
    assert isinstance(method, ParamShift)
    trainable = _trainable(tape, argnum)
    recipes = leaf_recipes(method, tape.canonical())
    terms = [
        r if (r := recipes[p]) is not None else fallback_recipe(method, f"tape parameter {p}")
        for p in trainable
    ]
    return _jacobian(tape.canonical(), terms, trainable)


def _finite_diff(
    tape: Tape,
    argnum: int | Sequence[int] | None = None,
    h: float = 1e-7,
    approx_order: int = 1,
    strategy: str = "forward",
) -> tuple[list[Tape], PostProcess]:
    """Finite-difference Jacobian tapes of ``tape``.

    Args:
        tape: the tape to differentiate.
        argnum: indices of the tape parameters to differentiate (default: every real scalar).
        h: the step.
        approx_order: the order of the truncation error.
        strategy: ``"forward"``, ``"backward"`` or ``"center"``.

    Returns:
        ``(tapes, fn)`` as for :func:`param_shift`; the unshifted tape is shared by all parameters.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> tape = qml.tape.Tape([qml.RX(0.5, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> tapes, fn = qml.gradients.finite_diff(tape, h=1e-6, approx_order=2, strategy="center")
        >>> round(float(fn(qml.execute(tapes, dev, None))[0, 0]), 6)
        -0.479426
    """
    FiniteDiff(h, approx_order, strategy)  # validates
    trainable = _trainable(tape, argnum)
    recipe = finite_diff_recipe(h, approx_order, strategy)
    return _jacobian(tape.canonical(), [recipe] * len(trainable), trainable)


def _param_shift_hessian(
    tape: Tape, argnum: int | Sequence[int] | None = None
) -> tuple[list[Tape], PostProcess]:
    """Parameter-shift Hessian tapes of ``tape``, with shared evaluations.

    Diagonal entries use the second-derivative rule (for a single frequency: shifts of +pi and the
    unshifted circuit); off-diagonal entries the product of two first-order rules (+-pi/2 pairs), upper
    triangle only; the unshifted circuit runs once. For ``N`` two-term parameters that is
    ``1 + N + 2N(N-1)`` circuits.

    Args:
        tape: a tape of expval and probs measurements.
        argnum: indices of the tape parameters (default: every real scalar).

    Returns:
        ``(tapes, fn)``; ``fn(results)`` has shape ``(*result shape, N, N)``.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> tape = qml.tape.Tape([qml.RX(0.5, wires=0), qml.RY(0.3, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> tapes, fn = qml.gradients.param_shift_hessian(tape)
        >>> len(tapes)
        7
    """
    tape = tape.canonical()
    for m in tape.measurements:
        if not isinstance(m, (ExpectationMP, ProbabilityMP)):
            raise ValueError(
                f"param_shift_hessian supports expval and probs, got {type(m).__name__}; "
                "use jax.hessian through execute/qnode."
            )
    trainable = _trainable(tape, argnum)
    plan, tapes = _hessian_plan(tape, trainable)
    n = len(trainable)

    def fn(results: Sequence[Any]) -> jax.Array:
        flat = [jnp.ravel(jnp.asarray(r)) for r in results]
        hess = jnp.zeros((flat[0].shape[0], n, n), flat[0].dtype)
        for (a, b), row in plan.items():
            val = sum(c * flat[i] for c, i in row)
            hess = hess.at[:, a, b].set(val).at[:, b, a].set(val)
        return _reshape(hess, tape, n, n)

    return tapes, fn


def _hessian_plan(
    tape: Tape, trainable: list[int]
) -> tuple[dict[tuple[int, int], list[tuple[float, int]]], list[Tape]]:
    """Per upper-triangle entry ``(a, b)``, its ``(coefficient, tape index)`` terms, and the tapes.

    Shifted tapes are shared between entries: a tape is keyed by its sorted nonzero shifts.
    """
    recipes = leaf_recipes(ParamShift(), tape)
    params = tape.get_parameters()
    freqs = [
        op.frequencies[j] if j < len(op.frequencies) else None
        for op in tape.operations
        for j in range(len(op.params))
    ]
    tapes: list[Tape] = []
    index: dict[Shift, int] = {}

    def tape_for(key: Shift) -> int:
        key = tuple(sorted(k for k in key if not (k[1] == 1.0 and k[2] == 0.0)))
        if key not in index:
            new = list(params)
            for p, a, s in key:
                new[p] = a * new[p] + s
            index[key] = len(tapes)
            tapes.append(tape.with_parameters(new))
        return index[key]

    plan: dict[tuple[int, int], list[tuple[float, int]]] = {}
    for a, p in enumerate(trainable):
        freq = freqs[p]
        if freq is None or recipes[p] is None:
            raise ValueError(f"param_shift_hessian: tape parameter {p} has no shift rule.")
        plan[(a, a)] = [(c, tape_for(((p, 1.0, s),))) for c, _, s in second_derivative_rule(tuple(freq))]
        for b in range(a + 1, len(trainable)):
            q = trainable[b]
            plan[(a, b)] = [
                (c1 * c2, tape_for(((p, 1.0, s1), (q, 1.0, s2))))
                for c1, _, s1 in recipes[p]  # type: ignore[union-attr]
                for c2, _, s2 in recipes[q]  # type: ignore[union-attr]
            ]
    return plan, tapes


param_shift = GradientTransform(_param_shift, "param_shift")
finite_diff = GradientTransform(_finite_diff, "finite_diff")
param_shift_hessian = GradientTransform(_param_shift_hessian, "param_shift")
