"""Array kernels on a statevector of shape ``(2,) * n``: the arithmetic every layer above shares.

A k-wire operator acts on its own k axes only; the full ``2^n x 2^n`` matrix is never formed.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def stack(arrays: Sequence[Any], width: int = 8) -> jax.Array:
    """``jnp.stack(arrays)``, built as a tree of stacks of at most ``width`` arrays.

    XLA on CPU fuses a concatenation with at most 8 operands into its consumers; a flat stack of more
    leaves every operand (often a scalar slice) as a kernel of its own, each compiled separately,
    which dominated compile time. The tree compiles into one fused kernel.
    """
    arrays = [jnp.asarray(a) for a in arrays]
    if len(arrays) <= width:
        return jnp.stack(arrays)
    count = len(arrays)
    arrays += [jnp.zeros_like(arrays[0])] * (-count % width)
    tree = stack([jnp.stack(arrays[i : i + width]) for i in range(0, len(arrays), width)], width)
    return jnp.reshape(tree, (-1, *tree.shape[2:]))[:count]


def small_matmul(a: jax.Array, b: jax.Array) -> jax.Array:
    """``a @ b`` for small (batches of) matrices, written elementwise.

    XLA on CPU runs a batched product of tiny matrices as one small library call per matrix, many
    times slower than the fused elementwise form (measured 3x on a whole HEA(4,2) Hessian).
    """
    return jnp.sum(a[..., :, :, None] * b[..., None, :, :], axis=-2)


def _parts(state: jax.Array, axes: Sequence[int]) -> list[jax.Array]:
    """The ``2^k`` slices of the state with the bits of ``axes`` fixed (axes[0] most significant).

    Each slice keeps every dimension (size 1 on ``axes``) so they recombine by concatenation.
    """
    parts = [state]
    for a in axes:
        parts = [jax.lax.slice_in_dim(p, b, b + 1, axis=a) for p in parts for b in (0, 1)]
    return parts


def _combine(parts: Sequence[jax.Array], axes: Sequence[int]) -> jax.Array:
    """Inverse of :func:`_parts`."""
    parts = list(parts)
    for a in reversed(axes):
        parts = [jnp.concatenate(parts[i : i + 2], axis=a) for i in range(0, len(parts), 2)]
    return parts[0]


def apply_matrix(state: jax.Array, matrix: jax.Array, axes: Sequence[int]) -> jax.Array:
    """Contract a ``(2^k, 2^k)`` matrix with the state's ``axes``."""
    k = len(axes)
    tensor = jnp.reshape(matrix, (2,) * (2 * k))
    out = jnp.tensordot(tensor, state, axes=(tuple(range(k, 2 * k)), tuple(axes)))
    return jnp.moveaxis(out, tuple(range(k)), tuple(axes))


def _view(shape: Sequence[int], axes: Sequence[int]) -> tuple[list[int], list[int]]:
    """A view of a ``(2,) * n`` state with one axis per gap between ``axes`` (ascending), and their axes."""
    view: list[int] = []
    view_axes, prev = [], 0
    for a in axes:
        view += [2 ** (a - prev), 2]
        view_axes.append(len(view) - 1)
        prev = a + 1
    view.append(2 ** (len(shape) - prev))
    return view, view_axes


def _in_place(state: jax.Array, matrix: jax.Array, axes: tuple[int, ...]) -> jax.Array:
    if len(axes) > 2:
        return apply_matrix(state, matrix, axes)
    # On the view its kernels index 2k + 1 dimensions, not n.
    view, view_axes = _view(state.shape, axes)
    parts = _parts(jnp.reshape(state, view), view_axes)
    d = len(parts)
    out = _combine(
        [sum(matrix[i, j] * parts[j] for j in range(1, d)) + matrix[i, 0] * parts[0] for i in range(d)],
        view_axes,
    )
    return jnp.reshape(out, state.shape)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def apply_in_place(state: jax.Array, matrix: jax.Array, axes: tuple[int, ...]) -> jax.Array:
    """A ``(2^k, 2^k)`` matrix on the state's ``axes`` (ascending), which stay where they are.

    For k <= 2 the product is written out over the ``2^k`` slices of the state, which XLA fuses into
    one pass; wider matrices contract by one ``tensordot`` (:func:`apply_matrix`). The derivative in
    the matrix is one contraction (a custom JVP, as for :func:`apply_front`).
    """
    return _in_place(state, matrix, axes)


@apply_in_place.defjvp
def _in_place_jvp(axes: tuple[int, ...], primals: Any, tangents: Any) -> tuple[jax.Array, jax.Array]:
    (state, matrix), (d_state, d_matrix) = primals, tangents
    # The state itself is the only residual (no reshaped copy), so a scan over a switch of such
    # steps keeps one residual per step, not one per branch.
    d_out = apply_matrix(state, d_matrix, axes)
    return _in_place(state, matrix, axes), _in_place(d_state, matrix, axes) + d_out


def broadcast_to_axes(values: jax.Array, axes: Sequence[int], ndim: int) -> jax.Array:
    """Reshape a length-``2^k`` vector over ``axes`` so it broadcasts against an ``ndim`` state."""
    k = len(axes)
    tensor = jnp.reshape(values, (2,) * k)
    order = np.argsort(axes)
    tensor = jnp.transpose(tensor, tuple(int(i) for i in order))
    shape = [1] * ndim
    for a in axes:
        shape[a] = 2
    return jnp.reshape(tensor, shape)


def apply_diagonal(state: jax.Array, diagonal: jax.Array, axes: Sequence[int]) -> jax.Array:
    """Multiply the state elementwise by a diagonal operator on ``axes``."""
    return state * broadcast_to_axes(diagonal, axes, state.ndim).astype(state.dtype)


def apply_permutation(
    state: jax.Array,
    permutation: Sequence[int],
    phases: Sequence[complex] | None,
    axes: Sequence[int],
) -> jax.Array:
    """Apply a monomial operator: ``new[i] = phases[i] * old[permutation[i]]`` on ``axes``.

    Pure permutations (``phases is None``) move amplitudes without arithmetic.
    """
    k = len(axes)
    if phases is None and tuple(permutation) == tuple(range(2**k)):
        return state
    parts = _parts(state, axes)
    out = [parts[p] for p in permutation]
    if phases is not None:
        out = [o if ph == 1 else o * jnp.asarray(ph, state.dtype) for o, ph in zip(out, phases, strict=True)]
    return _combine(out, axes)


def marginal_probabilities(state: jax.Array, axes: Sequence[int]) -> jax.Array:
    """Probabilities of the computational basis states of ``axes`` (in that order), flattened."""
    probs = jnp.abs(state) ** 2 if jnp.iscomplexobj(state) else state**2
    others = tuple(a for a in range(state.ndim) if a not in axes)
    marg = jnp.sum(probs, axis=others) if others else probs
    kept = [a for a in range(state.ndim) if a in axes]
    marg = jnp.transpose(marg, tuple(kept.index(a) for a in axes))
    return jnp.reshape(marg, (-1,))


def reduced_density_matrix(state: jax.Array, axes: Sequence[int]) -> jax.Array:
    """The reduced density matrix of ``axes`` (in that order): a ``(2^k, 2^k)`` array."""
    k = len(axes)
    others = tuple(a for a in range(state.ndim) if a not in axes)
    front = jnp.transpose(state, tuple(axes) + others)
    mat = jnp.reshape(front, (2**k, -1))
    return mat @ jnp.conj(mat).T


def expectation(state: jax.Array, applied: jax.Array) -> jax.Array:
    """``Re <state|applied>`` where ``applied = O|state>`` for a Hermitian ``O``."""
    return jnp.real(jnp.vdot(state, applied))


def apply_operation(
    state: jax.Array, op: object, axes: Sequence[int], data: jax.Array | None = None
) -> jax.Array:
    """Apply ``op`` by the data it declares: a permutation (with phases), a diagonal or a matrix.

    ``data``, when given, is the op's diagonal or matrix computed beforehand (see ``gate_data``).
    """
    perm = getattr(op, "permutation", None)
    if perm is not None:
        return apply_permutation(state, perm, getattr(op, "phases", None), axes)
    if getattr(op, "is_diagonal", False):
        return apply_diagonal(state, op.diagonal() if data is None else data, axes)  # type: ignore[attr-defined]
    matrix = op.matrix() if data is None else data  # type: ignore[attr-defined]
    return apply_matrix(state, matrix.astype(state.dtype), axes)


def sample_indices(probs: jax.Array, key: jax.Array, shots: int) -> jax.Array:
    """Draw ``shots`` outcomes from ``probs`` in one vectorized call (inverse CDF, O(len + shots))."""
    cdf = jnp.cumsum(probs)
    u = jax.random.uniform(key, (shots,), dtype=cdf.dtype) * cdf[-1]
    return jnp.minimum(jnp.searchsorted(cdf, u, side="right"), probs.shape[0] - 1)


# --- kernels on a state whose axis order is tracked at trace time (see _program) -------------------
def transpose(state: jax.Array, before: Sequence[Any], after: Sequence[Any]) -> jax.Array:
    """Move the axes of a state laid out in wire order ``before`` into wire order ``after``."""
    return jnp.transpose(state, [list(before).index(w) for w in after])


def _column(matrix: jax.Array, j: int) -> jax.Array:
    return jax.lax.index_in_dim(matrix, j, axis=1, keepdims=False)


def _entry(matrix: jax.Array, i: int, j: int) -> jax.Array:
    return jax.lax.index_in_dim(_column(matrix, j), i, axis=0, keepdims=False)


def _front(state: jax.Array, matrix: jax.Array, k: int) -> jax.Array:
    d = 2**k
    flat = jnp.reshape(state, (d, -1))
    if k <= 2:
        rows = [jax.lax.index_in_dim(flat, j, axis=0, keepdims=False) for j in range(d)]
        entries = [[_entry(matrix, i, j) for j in range(d)] for i in range(d)]
        out = jnp.stack([sum(entries[i][j] * rows[j] for j in range(d)) for i in range(d)], axis=-1)
    else:
        out = jax.lax.dot_general(flat, matrix, (((0,), (1,)), ((), ())))
    return jnp.reshape(out, state.shape)


def _back(state: jax.Array, matrix: jax.Array, k: int) -> jax.Array:
    d = 2**k
    flat = jnp.reshape(state, (-1, d))
    if k <= 2:
        cols = [_column(flat, j) for j in range(d)]
        entries = [[_entry(matrix, i, j) for j in range(d)] for i in range(d)]
        out = jnp.stack([sum(entries[i][j] * cols[j] for j in range(d)) for i in range(d)], axis=0)
    else:
        out = jax.lax.dot_general(matrix, flat, (((1,), (1,)), ((), ())))
    return jnp.reshape(out, state.shape)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def apply_front(state: jax.Array, matrix: jax.Array, k: int) -> jax.Array:
    """Apply a ``(2^k, 2^k)`` matrix to the k leading axes; they come out as the k trailing axes.

    For k <= 2 the product is written out over the ``2^k`` contiguous slices of the state, which XLA
    fuses into one pass with no transpose; larger blocks use one matrix product. The derivative in
    the matrix is one contraction (a custom JVP: differentiating the written-out form would give
    one reduction kernel per matrix entry).
    """
    return _front(state, matrix, k)


@apply_front.defjvp
def _front_jvp(k: int, primals: Any, tangents: Any) -> tuple[jax.Array, jax.Array]:
    (state, matrix), (d_state, d_matrix) = primals, tangents
    flat = jnp.reshape(state, (2**k, -1))
    d_out = jax.lax.dot_general(flat, d_matrix, (((0,), (1,)), ((), ())))
    return _front(state, matrix, k), _front(d_state, matrix, k) + jnp.reshape(d_out, state.shape)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def apply_back(state: jax.Array, matrix: jax.Array, k: int) -> jax.Array:
    """Inverse layout move of :func:`apply_front`: the k trailing axes in, the k leading axes out."""
    return _back(state, matrix, k)


@apply_back.defjvp
def _back_jvp(k: int, primals: Any, tangents: Any) -> tuple[jax.Array, jax.Array]:
    (state, matrix), (d_state, d_matrix) = primals, tangents
    flat = jnp.reshape(state, (-1, 2**k))
    d_out = jax.lax.dot_general(d_matrix, flat, (((1,), (1,)), ((), ())))
    return _back(state, matrix, k), _back(d_state, matrix, k) + jnp.reshape(d_out, state.shape)


# Up to this many wires the gather's source indices are computed at trace time and stored in the
# program (at most 2^20 int32 = 4 MiB); above it they are computed inside the program from an iota.
# Measured at HEA(20,1) on 2 CPU cores: forward 15.5 ms with stored indices, 58 ms with computed ones
# (XLA's gather is much slower with indices it cannot see), compile time unchanged (0.72 s).
STORED_INDEX_WIRES = 20


def monomial_source(
    tables: Sequence[tuple[Sequence[Any], Sequence[int], Sequence[complex] | None]],
    before: Sequence[Any],
    after: Sequence[Any],
) -> tuple[jax.Array, jax.Array | None]:
    """Where each amplitude comes from after a sequence of monomial gates, and its phase.

    ``tables`` lists per gate ``(wires, permutation, phases)`` with ``new[j] = phases[j] *
    old[permutation[j]]`` on its wires. Returns flat indices into the state laid out in wire order
    ``before``, one per amplitude of the result laid out in ``after``, and the phases (or ``None``).
    """
    n = len(after)
    stored = n <= STORED_INDEX_WIRES
    itype = np.int32 if n < 31 else np.int64
    index = np.arange(2**n, dtype=itype) if stored else jax.lax.iota(itype, 2**n)
    bits = {w: (index >> (n - 1 - p)) & 1 for p, w in enumerate(after)}
    phase = None

    def lookup(table: np.ndarray, local: Any) -> Any:
        if stored:
            return table[local]
        # in the program: a chain of selects, which fuses with the rest of the index arithmetic into
        # one kernel (a lookup gather per gate would be a kernel, and a 2^n array, per gate)
        out = jnp.full(local.shape, table[0])
        for v in range(1, len(table)):
            out = jnp.where(local == v, table[v], out)
        return out

    for wires, perm, phases in reversed(list(tables)):
        k = len(wires)
        local = sum(bits[w] << (k - 1 - t) for t, w in enumerate(wires))
        if phases is not None:
            factor = lookup(np.asarray(phases, dtype=complex), local)
            phase = factor if phase is None else phase * factor
        source = lookup(np.asarray(perm, dtype=itype), local)
        for t, w in enumerate(wires):
            bits[w] = (source >> (k - 1 - t)) & 1
    flat = sum(bits[w] << (n - 1 - p) for p, w in enumerate(before))
    if not stored:
        # computed once into a buffer: fused into the gather, the index arithmetic made it 4x slower
        flat, phase = jax.lax.optimization_barrier((flat, phase))
    return jnp.asarray(flat), None if phase is None else jnp.asarray(phase)


def apply_monomial(state: jax.Array, source: jax.Array, phase: jax.Array | None) -> jax.Array:
    """``new[i] = phase[i] * old[source[i]]`` on the flattened state: one gather."""
    flat = jnp.reshape(state, (-1,))
    out = flat.at[source].get(mode="promise_in_bounds", unique_indices=True)
    if phase is not None:
        out = out * phase.astype(state.dtype)
    return jnp.reshape(out, state.shape)
