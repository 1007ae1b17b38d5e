"""The differentiable circuit function of one tape structure.

``circuit_function(spec)`` maps a tape's leaves to its measurements' raw quantities. Under
parameter-shift or finite differences it is a :func:`jax.custom_jvp` whose rule evaluates every
shifted leaf vector it needs as ONE vmapped batch through the circuit function of the next lower
order: the same rule, so ``grad``, ``hessian``, ``jacfwd``/``jacrev`` and higher derivatives all use
shift rules, under ``jit`` and ``vmap``. Leaves whose tangent is a symbolic zero are never shifted.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Hashable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from . import _kernels, _tracker
from ._adjoint import adjoint_jvp, check_supported
from ._methods import (
    Adjoint,
    Backprop,
    Method,
    check_channel_leaf,
    describe_leaf,
    fallback_recipe,
    leaf_recipes,
)
from ._mixed import simulate_mixed_raw
from ._shift_rules import Recipe
from ._shots import Shots
from ._simulator import simulate_raw
from ._tape import Tape

Leaves = tuple[Any, ...]
Raws = tuple[Any, ...]


class MaxDiffError(ValueError):
    """A derivative of higher order than ``max_diff`` was requested."""


@dataclasses.dataclass(frozen=True)
class Spec:
    """Everything static about a circuit function.

    Attributes:
        treedef: the structure of the coefficient-free tape (see ``Tape.split``).
        wires: the device's wire order.
        method: how to differentiate (``None``: differentiating raises).
        max_diff: the highest derivative order allowed (``None``: unlimited).
        order: derivative orders still available at this level.
        tracking: whether counting callbacks are inserted.
        shots: ``None`` for exact results; else the last leaf is the PRNG key samples are drawn with.
        mixed: simulate the density matrix (``default.mixed``) instead of the statevector.
    """

    treedef: Any
    wires: tuple[Hashable, ...]
    method: Method | None
    max_diff: int | None = None
    order: int | None = None
    tracking: bool = False
    shots: Shots | None = None
    mixed: bool = False

    def lower(self) -> Spec:
        return self if self.order is None else dataclasses.replace(self, order=self.order - 1)


def _split_key(spec: Spec, leaves: Leaves) -> tuple[Leaves, Any]:
    return (leaves[:-1], leaves[-1]) if spec.shots is not None else (leaves, None)


# The simulator of a spec: the statevector one, or the density-matrix one (``Spec.mixed``).
_SIMULATORS = {False: simulate_raw, True: simulate_mixed_raw}


@functools.partial(jax.jit, static_argnums=0)
def _run(static: tuple[Any, ...], leaves: Leaves) -> Raws:
    treedef, wires, shots, _, mixed = static
    leaves, key = (leaves[:-1], leaves[-1]) if shots is not None else (leaves, None)
    tape = jax.tree_util.tree_unflatten(treedef, list(leaves))
    raws = _SIMULATORS[mixed](tape, wires, shots, key)
    _tracker.count_execution(raws)
    return raws


def _simulate(spec: Spec, leaves: Leaves) -> Raws:
    """Simulate, jitted on what the simulation depends on only.

    One trace serves the primal, the rules' own evaluations and, batched at the jaxpr level, the
    vmapped shifted evaluations of every derivative order.
    """
    return _run((spec.treedef, spec.wires, spec.shots, spec.tracking, spec.mixed), leaves)


@functools.lru_cache(maxsize=4096)
def circuit_function(spec: Spec) -> Callable[[Leaves], Raws]:
    """The function ``leaves -> raw quantities`` for ``spec``; cached, so equal specs share it."""
    if spec.shots is not None and isinstance(spec.method, (Backprop, Adjoint)):
        raise ValueError(
            f"{'backprop' if isinstance(spec.method, Backprop) else 'adjoint'} differentiation needs the "
            "exact "
            "statevector, which hardware cannot give; with shots use diff_method='parameter-shift' or "
            "'finite-diff' (or shots=None)."
        )
    if spec.mixed and isinstance(spec.method, Adjoint):
        raise ValueError(
            "adjoint differentiation sweeps a pure state backwards and cannot run on default.mixed; use "
            "diff_method='backprop', 'parameter-shift' (gate parameters) or 'finite-diff'."
        )
    if isinstance(spec.method, Backprop):
        return functools.partial(_simulate, spec)

    @jax.custom_jvp
    def f(leaves: Leaves) -> Raws:
        return _simulate(spec, leaves)

    if spec.method is None:
        rule: Any = _no_derivative_rule
    else:
        rule = _adjoint_rule if isinstance(spec.method, Adjoint) else _shift_rule
    f.defjvp(functools.partial(rule, spec), symbolic_zeros=True)
    return f


def _is_zero(t: Any) -> bool:
    return isinstance(t, SymbolicZero) or getattr(t, "dtype", None) == jax.dtypes.float0


def _check_order(spec: Spec) -> None:
    if spec.order is not None and spec.order <= 0:
        allowed = spec.max_diff or 0
        raise MaxDiffError(
            f"a derivative of order {allowed + 1} was requested but max_diff={spec.max_diff} allows "
            f"derivatives up to order {allowed}; pass a larger max_diff to execute/qnode."
        )


def _check_differentiable(tape: Tape, what: str) -> None:
    for m in tape.measurements:
        if not m.differentiable:
            raise ValueError(
                f"{type(m).__name__} cannot be differentiated by {what}: state() and density_matrix() are "
                "complex amplitudes (use diff_method='backprop'), sample() and counts() are random outcomes "
                "(differentiate expval/var/probs instead)."
            )


@dataclasses.dataclass(frozen=True)
class _Term:
    """One evaluation of a derivative recipe: ``weight * component * f(leaf -> mult * leaf + add)``."""

    leaf: int
    weight: float
    component: Any  # the tangent's (real or imaginary part of an) element this term scales
    mult: float = 1.0
    add: Any = 0.0  # a float, or an array shaped like the leaf

    @property
    def unshifted(self) -> bool:
        return self.mult == 1.0 and bool(np.all(np.asarray(self.add) == 0))


def _leaf_terms(
    method: Method, tape: Tape, recipes: list[Recipe | None], i: int, leaf: Any, t: Any
) -> list[_Term]:
    recipe = recipes[i]
    if jnp.ndim(leaf) == 0 and not jnp.iscomplexobj(leaf) and recipe is not None:
        return [_Term(i, c, t, a, s) for c, a, s in recipe]
    if recipe is None:
        check_channel_leaf(tape, i)
        recipe = fallback_recipe(method, describe_leaf(tape, i))  # type: ignore[arg-type]
    shape, size = jnp.shape(leaf), int(np.prod(jnp.shape(leaf)))
    flat_t = jnp.ravel(jnp.asarray(t))
    units = [(1.0, jnp.real)] + ([(1j, jnp.imag)] if jnp.iscomplexobj(leaf) else [])
    terms = []
    for e in range(size):
        for unit, part in units:
            basis = np.zeros(size, dtype=complex if unit == 1j else float)
            basis[e] = unit
            for c, _, s in recipe:
                terms.append(_Term(i, c, part(flat_t[e]), 1.0, s * basis.reshape(shape)))
    return terms


@dataclasses.dataclass(frozen=True)
class _ScalarTerms:
    """The shifted terms of real scalar leaves with a recipe, vectorized over leaves.

    ``leaves`` are the leaf indices (position ``q`` in the stacked vector); shifted row ``r`` changes
    leaf ``leaves[of[r]]`` to ``mult[r] * x + add[r]`` and is weighted ``weight[r] * tangent``;
    ``unshifted[q]`` weights the unshifted value's share of leaf ``q``'s derivative.
    """

    leaves: tuple[int, ...]
    of: np.ndarray
    weight: np.ndarray
    mult: np.ndarray
    add: np.ndarray
    unshifted: np.ndarray

    @staticmethod
    def build(leaves: list[int], recipes: list[Recipe | None]) -> _ScalarTerms:
        of, weight, mult, add = [], [], [], []
        unshifted = np.zeros(len(leaves))
        for q, i in enumerate(leaves):
            for c, a, s in recipes[i]:  # type: ignore[union-attr]
                if a == 1.0 and s == 0.0:
                    unshifted[q] += c
                    continue
                of.append(q)
                weight.append(c)
                mult.append(a)
                add.append(s)
        return _ScalarTerms(
            tuple(leaves),
            np.asarray(of, int),
            np.asarray(weight),
            np.asarray(mult),
            np.asarray(add),
            unshifted,
        )

    def columns(self, values: jax.Array, before: int, after: int) -> jax.Array:
        """The stacked leaf ``values`` of every row of the batch.

        ``before`` unshifted rows, this group's shifted rows, then ``after`` unshifted rows.
        """
        m = len(self.leaves)
        hit = jnp.arange(m)[None, :] == jnp.asarray(self.of)[:, None]
        dtype = values.dtype
        moved = (
            values[None, :] * jnp.asarray(self.mult, dtype)[:, None] + jnp.asarray(self.add, dtype)[:, None]
        )
        rows = jnp.where(hit, moved, values[None, :])
        pad = [jnp.broadcast_to(values, (before, m)), rows, jnp.broadcast_to(values, (after, m))]
        return jnp.concatenate(pad)

    def weights(self, tangents: jax.Array) -> tuple[jax.Array, jax.Array]:
        """The shifted rows' weights and the unshifted value's weight, for stacked ``tangents``."""
        dtype = tangents.dtype
        return tangents[self.of] * jnp.asarray(self.weight, dtype), jnp.dot(
            jnp.asarray(self.unshifted, dtype), tangents
        )


@dataclasses.dataclass
class _ShiftPlan:
    """The shifted evaluations of one JVP and how their results combine.

    Real scalar leaves with a recipe (gate angles) are handled as stacked vectors, one per dtype
    (``scalar``), so the batch and its combination cost O(1) operations to trace and compile, not
    O(leaves); every other leaf's terms are listed one by one (``shifted``). The batch holds the
    scalar groups' rows, then the other terms' rows; ``weights`` weight them, ``unshifted`` the
    unshifted value.
    """

    scalar: dict[Any, _ScalarTerms]
    shifted: list[_Term]
    weights: list[jax.Array]
    unshifted: Any

    @property
    def rows(self) -> int:
        return sum(len(st.of) for st in self.scalar.values()) + len(self.shifted)

    @staticmethod
    def build(method: Method, tape: Tape, leaves: Leaves, tans: Leaves, active: list[int]) -> _ShiftPlan:
        recipes = leaf_recipes(method, tape)
        groups: dict[Any, list[int]] = {}
        for i in active:
            if jnp.ndim(leaves[i]) == 0 and not jnp.iscomplexobj(leaves[i]) and recipes[i] is not None:
                groups.setdefault(jnp.result_type(leaves[i], float), []).append(i)
        vectorized = {i for g in groups.values() for i in g}
        scalar = {dtype: _ScalarTerms.build(g, recipes) for dtype, g in groups.items()}
        terms = [
            term
            for i in active
            if i not in vectorized
            for term in _leaf_terms(method, tape, recipes, i, leaves[i], tans[i])
        ]
        shifted = [term for term in terms if not term.unshifted]
        unshifted: Any = sum(term.weight * term.component for term in terms if term.unshifted)
        weights = []
        for dtype, st in scalar.items():
            w, u = st.weights(_kernels.stack([tans[i] for i in st.leaves]).astype(dtype))
            weights.append(w)
            unshifted = unshifted + u
        if shifted:
            weights.append(_kernels.stack([term.weight * term.component for term in shifted]))
        return _ShiftPlan(scalar, shifted, weights, unshifted)

    def columns(self, leaves: Leaves) -> list[Any]:
        """The batch's value of every tape leaf, one row per shifted evaluation.

        Each column is built with O(1) operations from static arrays, so the batch costs O(1) per leaf
        to trace.
        """
        rows = self.rows
        columns: list[Any] = [None] * len(leaves)
        done = 0
        for dtype, st in self.scalar.items():
            values = _kernels.stack([leaves[i] for i in st.leaves]).astype(dtype)
            block = st.columns(values, done, rows - done - len(st.of))
            for q, i in enumerate(st.leaves):
                columns[i] = block[:, q]
            done += len(st.of)
        for j, leaf in enumerate(leaves):
            if columns[j] is None:
                columns[j] = self._column(j, jnp.asarray(leaf), done)
        return columns

    def _column(self, j: int, leaf: jax.Array, done: int) -> jax.Array:
        """The batch's values of leaf ``j``, shifted in the rows of its own terms (from ``done`` on)."""
        rows = self.rows
        mine = [r for r, term in enumerate(self.shifted, start=done) if term.leaf == j]
        if not mine:
            return jnp.broadcast_to(leaf, (rows, *leaf.shape))
        terms = [self.shifted[r - done] for r in mine]
        mult = np.ones((rows,) + (1,) * leaf.ndim)
        add = np.zeros(
            (rows, *leaf.shape), dtype=np.result_type(float, *[np.asarray(t.add).dtype for t in terms])
        )
        for r, term in zip(mine, terms, strict=True):
            mult[r] = term.mult
            add[r] = term.add
        dtype = jnp.result_type(leaf, complex if np.iscomplexobj(add) else float)
        return leaf.astype(dtype)[None] * jnp.asarray(mult, dtype) + jnp.asarray(add, dtype)

    def combine(self, o: jax.Array, b: jax.Array | None = None) -> jax.Array:
        """The JVP of one output from its primal value ``o`` and its batch of shifted values ``b``."""
        if b is None:
            return jnp.broadcast_to(self.unshifted * o, o.shape).astype(o.dtype)
        w = jnp.concatenate([jnp.asarray(x).astype(o.dtype) for x in self.weights])
        t = self.unshifted * o + jnp.tensordot(w, b, axes=1)
        return jnp.broadcast_to(t, o.shape).astype(o.dtype)


def _shift_rule(spec: Spec, primals: tuple[Leaves], tangents: tuple[Leaves]) -> tuple[Raws, Raws]:
    """The JVP from one vmapped batch of shifted evaluations of the next lower order.

    The primal is its own evaluation, by calling the function itself: returning an unshifted row of
    the batch instead gives wrong gradients under grad(jit(vmap(f))), because JAX infers a rule's
    output batching from the primal function alone (jax-ml/jax#16374).
    """
    (leaves,), (tans,) = primals, tangents
    active = [i for i, t in enumerate(tans) if not _is_zero(t)]
    out = circuit_function(spec)(leaves)
    if not active:
        return out, jax.tree_util.tree_map(jnp.zeros_like, out)
    _check_order(spec)
    tape_leaves, key = _split_key(spec, leaves)
    tape = jax.tree_util.tree_unflatten(spec.treedef, list(tape_leaves))
    _check_differentiable(tape, type(spec.method).__name__)
    plan = _ShiftPlan.build(spec.method, tape, leaves, tans, active)  # type: ignore[arg-type]
    if not plan.rows:
        return out, jax.tree_util.tree_map(plan.combine, out)
    columns = plan.columns(tape_leaves)
    if key is not None:
        # Every shifted circuit draws its own samples, from keys folded from the call's key.
        columns.append(jax.vmap(lambda r: jax.random.fold_in(key, r))(jnp.arange(1, plan.rows + 1)))
    _tracker.count_batch(plan.rows)
    batch = jax.vmap(circuit_function(spec.lower()))(tuple(columns))
    return out, jax.tree_util.tree_map(plan.combine, out, batch)


def _no_derivative_rule(spec: Spec, primals: tuple[Leaves], tangents: tuple[Leaves]) -> tuple[Raws, Raws]:
    (leaves,), (tans,) = primals, tangents
    if any(not _is_zero(t) for t in tans):
        raise ValueError(
            "this circuit was created with diff_method=None (gradient_fn=None) and is not differentiable; "
            "choose a method such as 'best', 'parameter-shift' or 'adjoint'."
        )
    out = circuit_function(spec)(leaves)
    return out, jax.tree_util.tree_map(jnp.zeros_like, out)


def _adjoint_rule(spec: Spec, primals: tuple[Leaves], tangents: tuple[Leaves]) -> tuple[Raws, Raws]:
    (leaves,), (tans,) = primals, tangents
    tape = jax.tree_util.tree_unflatten(spec.treedef, list(leaves))
    check_supported(tape)
    values, jvp = adjoint_jvp(tape, spec.wires, leaves, [None if _is_zero(t) else t for t in tans])
    _tracker.count_execution(values)
    return values, jvp
