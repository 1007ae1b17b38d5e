"""Differentiation methods as hashable configuration, and the per-leaf derivative recipes they imply.

A circuit's leaves are its gates' parameters (in order), then its observables' data. A method
decides, for each leaf with a nonzero tangent, a *recipe*: the shifted evaluations whose weighted
sum is the derivative along that leaf.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._shift_rules import Recipe, as_recipe, frequency_rule
from ._tape import Tape


@dataclasses.dataclass(frozen=True)
class Backprop:
    """Differentiate the simulator itself with JAX."""


@dataclasses.dataclass(frozen=True)
class Adjoint:
    """Adjoint differentiation (Jones & Gacon, arXiv:2009.02823): one forward state, one backward sweep."""


@dataclasses.dataclass(frozen=True)
class ParamShift:
    """Parameter-shift rules from each gate's generator frequencies.

    Attributes:
        shifts: a shift for the two-term rule of every single-frequency parameter (``None``: pi/2).
        recipes: ``(parameter index, recipe)`` pairs overriding the derived rule.
        fallback_h: step of the central finite difference for leaves with no shift rule.
    """

    shifts: float | None = None
    recipes: tuple[tuple[int, Recipe], ...] = ()
    fallback_h: float = 1e-6


@dataclasses.dataclass(frozen=True)
class FiniteDiff:
    """Finite differences of every leaf.

    Attributes:
        h: the step; ``None`` picks it from each leaf's precision (1e-7 for float64, as PennyLane;
            ``eps ** (1 / (approx_order + 1))`` for lower precision, where 1e-7 would be rounding noise).
        approx_order: the order of the error term.
        strategy: ``"forward"``, ``"backward"`` or ``"center"``.
    """

    h: float | None = None
    approx_order: int = 1
    strategy: str = "forward"

    def __post_init__(self) -> None:
        if self.strategy not in ("forward", "backward", "center", "central"):
            raise ValueError(
                f"finite_diff: 'strategy' must be 'forward', 'backward' or 'center', got {self.strategy!r}."
            )
        if self.h is not None and not self.h > 0:
            raise ValueError(f"finite_diff: 'h' must be positive, got {self.h}.")
        if int(self.approx_order) != self.approx_order or self.approx_order < 1:
            raise ValueError(
                f"finite_diff: 'approx_order' must be a positive integer, got {self.approx_order}."
            )


Method = Backprop | Adjoint | ParamShift | FiniteDiff


def finite_diff_step(h: float | None, approx_order: int, leaf: Any) -> float:
    """The finite-difference step for ``leaf``: ``h`` if given, else chosen from the leaf's precision.

    1e-7 for float64 (PennyLane's default); ``eps ** (1 / (approx_order + 1))`` for lower precision,
    where a step of 1e-7 would be below float32 rounding.

    Example:
        >>> finite_diff_step(None, 1, np.float32(0.5)) > 1e-4, finite_diff_step(0.01, 1, np.float32(0.5))
        (True, 0.01)
    """
    import jax.numpy as jnp  # Python floats follow JAX's default precision

    if h is not None:
        return h
    dtype = jnp.result_type(leaf)
    if not jnp.issubdtype(dtype, jnp.inexact) or jnp.finfo(dtype).bits >= 64:
        return 1e-7
    return float(jnp.finfo(dtype).eps) ** (1.0 / (approx_order + 1))


def finite_diff_recipe(h: float, approx_order: int, strategy: str) -> Recipe:
    """Weights of a finite-difference first derivative on a stencil of multiples of ``h``.

    Solves ``sum_j c_j s_j^m = [m == 1]`` for ``m = 0..len(stencil)-1`` (Taylor matching).

    Example:
        >>> finite_diff_recipe(0.1, 2, "center")
        ((-5.0, 1.0, -0.1), (5.0, 1.0, 0.1))
    """
    n = approx_order + 1
    if strategy == "forward":
        points = np.arange(0, n)
    elif strategy == "backward":
        points = -np.arange(0, n)[::-1]
    else:
        k = (n + (n % 2 == 0)) // 2
        points = np.array([p for p in range(-k, k + 1) if p != 0] if n % 2 == 0 else range(-k, k + 1))
    vander = np.vander(points.astype(float), increasing=True).T
    rhs = np.zeros(len(points))
    rhs[1] = 1.0
    coeffs = np.linalg.solve(vander, rhs) / h
    return tuple(
        (float(c), 1.0, float(p * h)) for c, p in zip(coeffs, points, strict=True) if abs(c * h) > 1e-12
    )


def _scalar_real(leaf: Any) -> bool:
    import jax.numpy as jnp

    return jnp.ndim(leaf) == 0 and jnp.issubdtype(jnp.result_type(leaf), jnp.floating)


def leaf_recipes(method: Method, tape: Tape) -> list[Recipe | None]:
    """For each leaf of ``tape``, the recipe of its derivative; ``None`` where it has none.

    Leaves with no recipe under parameter-shift (traced matrices, state vectors, observable data)
    are differentiated elementwise by central differences: see :func:`fallback_recipe`.
    """
    if isinstance(method, FiniteDiff):
        import jax

        order, strategy = method.approx_order, method.strategy
        return [
            finite_diff_recipe(finite_diff_step(method.h, order, leaf), order, strategy)
            for leaf in jax.tree_util.tree_leaves(tape)
        ]
    assert isinstance(method, ParamShift)
    custom = dict(method.recipes)
    out: list[Recipe | None] = []
    index = 0
    for op in tape.operations:
        freqs_all = op.frequencies
        for j, p in enumerate(op.params):
            freqs = freqs_all[j] if j < len(freqs_all) else None
            if index in custom:
                out.append(custom[index])
            elif freqs is not None and _scalar_real(p):
                shifts = None
                if method.shifts is not None and len(set(freqs)) == 1:
                    shifts = (float(method.shifts),)
                out.append(frequency_rule(tuple(freqs), shifts))
            else:
                out.append(None)
            index += 1
    import jax

    out += [None] * (len(jax.tree_util.tree_leaves(tape)) - len(out))
    return out


def fallback_recipe(method: ParamShift, where: str) -> Recipe:
    """Central differences for a leaf with no shift rule, with a warning: never a silent wrong answer."""
    warnings.warn(
        f"parameter-shift: {where} has no shift rule (a matrix, a state vector, observable data or a "
        f"parameter whose generator is unknown); differentiating it by central finite differences "
        f"(h={method.fallback_h}). Pass a recipe in gradient_recipes, or use diff_method='backprop'.",
        UserWarning,
        stacklevel=4,
    )
    return finite_diff_recipe(method.fallback_h, 2, "center")


def method_from_kwargs(kind: str, kwargs: dict[str, Any]) -> Method:
    """Build a hashable method from a gradient transform's name and ``gradient_kwargs``."""
    kwargs = dict(kwargs)
    if kind == "param_shift":
        recipes = kwargs.pop("gradient_recipes", None)
        pairs: list[tuple[int, Recipe]] = []
        if recipes is not None:
            items = recipes.items() if isinstance(recipes, dict) else enumerate(recipes)
            pairs = [(int(i), as_recipe(r)) for i, r in items if r is not None]
        shifts = kwargs.pop("shifts", None)
        if shifts is not None and not isinstance(shifts, (int, float)):
            raise TypeError(f"param_shift: 'shifts' must be one number (the two-term shift), got {shifts!r}.")
        h = kwargs.pop("fallback_h", 1e-6)
        _no_more(kind, kwargs)
        return ParamShift(None if shifts is None else float(shifts), tuple(pairs), float(h))
    if kind == "finite_diff":
        h = kwargs.pop("h", None)
        order = kwargs.pop("approx_order", 1)
        strategy = kwargs.pop("strategy", "forward")
        _no_more(kind, kwargs)
        return FiniteDiff(None if h is None else float(h), int(order), str(strategy))
    raise ValueError(f"unknown differentiation method {kind!r}")


def _no_more(kind: str, kwargs: dict[str, Any]) -> None:
    if kwargs:
        raise TypeError(f"{kind}: unexpected gradient_kwargs {sorted(kwargs)}.")


def describe_leaf(tape: Tape, index: int) -> str:
    """Human-readable name of leaf ``index`` of ``tape`` for messages."""
    i = index
    for op in tape.operations:
        if i < len(op.params):
            return f"parameter {i} of {op.name} on wires {list(op.wires)}"
        i -= len(op.params)
    return f"data of measurement observable (leaf {index})"


def check_channel_leaf(tape: Tape, index: int) -> None:
    """Raise if leaf ``index`` of ``tape`` is a noise channel's parameter (it has no shift rule).

    Example:
        >>> import quantum_jax as qml
        >>> tape = qml.tape.Tape([qml.RX(0.1, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> check_channel_leaf(tape, 0)
    """
    i = index
    for op in tape.operations:
        if i < len(op.params):
            if op.is_channel:
                raise ValueError(
                    f"parameter-shift: {describe_leaf(tape, index)} is a noise channel's parameter, which "
                    "has no shift rule (a channel is not exp(-i x G)); differentiate it with "
                    "diff_method='backprop' or 'finite-diff' (or pass a recipe for it in gradient_recipes)."
                )
            return
        i -= len(op.params)


def unique(seq: Sequence[Any]) -> list[Any]:
    return list(dict.fromkeys(seq))
