"""Array kernels on a statevector of shape ``(2,) * n``: the arithmetic every layer above shares.

A k-wire operator acts on its own k axes only; the full ``2^n x 2^n`` matrix is never formed.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np


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


def _broadcast_to_axes(values: jax.Array, axes: Sequence[int], ndim: int) -> jax.Array:
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
    return state * _broadcast_to_axes(diagonal, axes, state.ndim).astype(state.dtype)


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
        out = [o if ph == 1 else o * jnp.asarray(ph, state.dtype) for o, ph in zip(out, phases)]
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
