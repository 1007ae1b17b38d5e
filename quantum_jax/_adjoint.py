"""Adjoint differentiation of expectation values.

Jones & Gacon, "Efficient calculation of gradients in classical simulations of variational quantum
algorithms", arXiv:2009.02823 (2020): keep the final state ``psi`` and ``lambda_k = O_k psi``, sweep the
gates backwards undoing each one on both, and read each gate's contribution as
``2 Re <lambda_k | dU psi_before>``. Work is O(gates) applications; memory a few states.

Here the sweep computes a JVP directly: ``dU`` is the derivative of the gate's matrix along the
tangents of all its parameters at once (linear in the tangents), so reverse mode transposes it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _kernels
from ._gates import _adjoint_of
from ._measurements import ExpectationMP, _apply_observable, _term_ops
from ._operation import Operation
from ._recording import paused
from ._simulator import final_state, initial_state, real_dtype
from ._tape import Tape


class _Direction:
    """The derivative of an operation's action along a tangent (not unitary)."""

    permutation = None

    def __init__(self, op: Operation, tangents: Sequence[Any]) -> None:
        self.is_diagonal = op.is_diagonal
        fn = (
            (lambda *ps: _rebuilt(op, ps).diagonal())
            if op.is_diagonal
            else (lambda *ps: _rebuilt(op, ps).matrix())
        )
        _, self._d = jax.jvp(fn, tuple(op.params), tuple(tangents))

    def diagonal(self) -> jax.Array:
        return self._d

    def matrix(self) -> jax.Array:
        return self._d


def _rebuilt(op: Operation, params: Sequence[Any]) -> Operation:
    leaves, treedef = jax.tree_util.tree_flatten(op)
    return jax.tree_util.tree_unflatten(treedef, list(params))


def check_supported(tape: Tape) -> None:
    for m in tape.measurements:
        if not isinstance(m, ExpectationMP):
            raise ValueError(
                f"adjoint differentiation supports expval measurements only, got {type(m).__name__}; "
                "use diff_method='parameter-shift' or 'backprop'."
            )


def adjoint_jvp(
    tape: Tape, wires: Sequence[Hashable], leaves: Sequence[Any], tangents: Sequence[Any | None]
) -> tuple[tuple[jax.Array, ...], tuple[jax.Array, ...]]:
    """Raw expectation values of ``tape`` and their JVP along ``tangents`` (``None`` = zero)."""
    check_supported(tape)
    axes = {w: i for i, w in enumerate(wires)}
    psi = final_state(tape, wires)
    dtype = psi.dtype
    real = jnp.finfo(real_dtype(tape)).dtype

    def zero_like(leaf: Any) -> Any:
        if not jnp.issubdtype(jnp.result_type(leaf), jnp.inexact):  # integer data (BasisState bits)
            return np.zeros(jnp.shape(leaf), jax.dtypes.float0)
        return jnp.zeros(jnp.shape(leaf), jnp.result_type(leaf))

    op_leaf_count = [len(op.params) for op in tape.operations]
    n_op_leaves = sum(op_leaf_count)
    # Observable data (Hermitian matrices, ...): differentiate the measurement at fixed psi.
    m_leaves = list(leaves[n_op_leaves:])
    m_tangents = list(tangents[n_op_leaves:])
    m_treedef = jax.tree_util.tree_structure(tape.measurements)

    def measure(ml: Sequence[Any]) -> tuple[jax.Array, ...]:
        ms = jax.tree_util.tree_unflatten(m_treedef, list(ml))
        return tuple(m.raw(psi, axes) for m in ms)

    if any(t is not None for t in m_tangents):
        values, out_t = jax.jvp(
            measure, (m_leaves,), ([zero_like(x) if t is None else t for x, t in zip(m_leaves, m_tangents)],)
        )
        out_t = list(out_t)
    else:
        values = measure(m_leaves)
        out_t = [jnp.zeros_like(v) for v in values]

    if not any(t is not None for t in tangents[:n_op_leaves]):
        return values, tuple(out_t)

    lams = [[_apply_observable(psi, o, axes) for o in _term_ops(m.obs)] for m in tape.measurements]
    starts = [sum(op_leaf_count[:i]) for i in range(len(op_leaf_count))]
    with paused():
        for op, start in reversed(list(zip(tape.operations, starts))):
            op_t = tangents[start : start + len(op.params)]
            if op.is_state_preparation:
                continue
            ax = [axes[w] for w in op.wires]
            before = _kernels.apply_operation(psi, _adjoint_of(op), ax)
            if any(t is not None for t in op_t):
                direction = _Direction(
                    op, [zero_like(p) if t is None else t for p, t in zip(op.params, op_t)]
                )
                dpsi = _kernels.apply_operation(before, direction, ax)
                for k, lam_m in enumerate(lams):
                    out_t[k] = out_t[k] + jnp.stack(
                        [2 * jnp.real(jnp.vdot(lam, dpsi)) for lam in lam_m]
                    ).astype(real)
            lams = [[_kernels.apply_operation(lam, _adjoint_of(op), ax) for lam in lam_m] for lam_m in lams]
            psi = before
        preps = [(op, s) for op, s in zip(tape.operations, starts) if op.is_state_preparation]
        prep_t = [tangents[s : s + len(op.params)] for op, s in preps]
        if any(t is not None for ts in prep_t for t in ts):
            prep_leaves = [p for op, _ in preps for p in op.params]
            prep_tan = [
                zero_like(p) if t is None else t
                for (op, _), ts in zip(preps, prep_t)
                for p, t in zip(op.params, ts)
            ]

            def start_state(pl: Sequence[Any]) -> jax.Array:
                ops = list(tape.operations)
                i = 0
                for j, (op, _) in enumerate(preps):
                    ops[j] = _rebuilt(op, pl[i : i + len(op.params)])
                    i += len(op.params)
                return initial_state(Tape(ops[: len(preps)]), tuple(wires), dtype)

            _, dpsi0 = jax.jvp(start_state, (prep_leaves,), (prep_tan,))
            for k, lam_m in enumerate(lams):
                out_t[k] = out_t[k] + jnp.stack([2 * jnp.real(jnp.vdot(lam, dpsi0)) for lam in lam_m]).astype(
                    real
                )
    return values, tuple(out_t)
