"""Adjoint differentiation of expectation values.

Jones & Gacon, "Efficient calculation of gradients in classical simulations of variational quantum
algorithms", arXiv:2009.02823 (2020): keep the final state ``psi`` and ``lambda_k = O_k psi``, sweep the
gates backwards undoing each one on both, and read each gate's contribution as
``2 Re <lambda_k | dU psi_before>``. Work is O(gates) applications; memory a few states.

Here the sweep computes a JVP directly: ``dU`` is the derivative of a step's matrix along the
tangents of all its parameters at once (linear in the tangents), so reverse mode transposes it. The
sweep undoes the simulator's fused steps (a block of one-wire runs, a gather of permutation gates)
rather than single gates, so it costs a few passes per step, as the forward pass does.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _kernels
from ._measurements import ExpectationMP, _apply_observable, _term_ops
from ._operation import Operation
from ._program import Diagonal, Front, Step
from ._recording import paused
from ._simulator import apply_step, initial_state, prepare, real_dtype, step_data, undo_step
from ._tape import Tape


def _rebuilt(op: Operation, params: Sequence[Any]) -> Operation:
    _, treedef = jax.tree_util.tree_flatten(op)
    return jax.tree_util.tree_unflatten(treedef, list(params))


def check_supported(tape: Tape) -> None:
    for m in tape.measurements:
        if not isinstance(m, ExpectationMP):
            raise ValueError(
                f"adjoint differentiation supports expval measurements only, got {type(m).__name__}; "
                "use diff_method='parameter-shift' or 'backprop'."
            )


def _zero_like(leaf: Any) -> Any:
    if not jnp.issubdtype(jnp.result_type(leaf), jnp.inexact):  # integer data (BasisState bits)
        return np.zeros(jnp.shape(leaf), jax.dtypes.float0)
    return jnp.zeros(jnp.shape(leaf), jnp.result_type(leaf))


def _step_derivative(step: Step, data: jax.Array, tangent: jax.Array, stacked: jax.Array) -> jax.Array:
    """``2 Re <lambda_k| dU |psi>`` for every lambda, with ``stacked = [psi, lambda_1, ...]`` both
    taken just before the step (so ``<lambda_after| dU |psi> = <lambda| U^dagger dU |psi>``).

    The state enters only through the small transition matrix ``T = Tr_rest |psi><lambda|`` of the
    step's wires: one read of the states per step, whatever its parameters.
    """
    if isinstance(step, Front):
        d = 2 ** len(step.wires)
        flat = jnp.reshape(stacked, (stacked.shape[0], d, -1))
        transition = jnp.einsum("jr,kir->kji", flat[0], jnp.conj(flat[1:]))
        generator = _kernels.small_matmul(jnp.conj(data).T, tangent)
        return 2 * jnp.real(jnp.einsum("ij,kji->k", generator, transition))
    axes = [step.before.index(w) for w in step.wires]
    factor = _kernels._broadcast_to_axes(jnp.conj(data) * tangent, axes, stacked.ndim - 1)
    overlap = stacked[0] * jnp.conj(stacked[1:]) * factor
    return 2 * jnp.real(jnp.sum(jnp.reshape(overlap, (overlap.shape[0], -1)), axis=1))


def adjoint_jvp(
    tape: Tape, wires: Sequence[Hashable], leaves: Sequence[Any], tangents: Sequence[Any | None]
) -> tuple[tuple[jax.Array, ...], tuple[jax.Array, ...]]:
    """Raw expectation values of ``tape`` and their JVP along ``tangents`` (``None`` = zero).

    The sweep runs the simulator's program (:mod:`quantum_jax._program`) backwards: each step is
    undone on ``psi`` and on every ``lambda`` at once, and a step with trainable gates adds its
    derivative from the step's matrix and the matrix's JVP along the tangents.
    """
    check_supported(tape)
    axes = {w: i for i, w in enumerate(wires)}
    psi, ops, program = prepare(tape, tuple(wires))
    dtype = psi.dtype
    real = jnp.finfo(real_dtype(tape)).dtype

    op_leaf_count = [len(op.params) for op in tape.operations]
    starts = [sum(op_leaf_count[:i]) for i in range(len(op_leaf_count))]
    n_op_leaves = sum(op_leaf_count)
    gates = [(op, s) for op, s in zip(tape.operations, starts) if not op.is_state_preparation]
    params = [list(op.params) for op, _ in gates]
    gate_t = [list(tangents[s : s + len(op.params)]) for op, s in gates]
    trainable = [any(t is not None for t in ts) for ts in gate_t]

    def data_of(ps: Sequence[Sequence[Any]]) -> list[Any]:
        return step_data(program, [_rebuilt(op, p) for (op, _), p in zip(gates, ps)], dtype)

    if any(trainable):
        zeros = [
            [_zero_like(p) if t is None else t for p, t in zip(ps, ts)] for ps, ts in zip(params, gate_t)
        ]
        data, d_data = jax.jvp(data_of, (params,), (zeros,))
    else:
        data, d_data = data_of(params), None
    for step, d in zip(program.steps, data):
        psi = apply_step(step, d, psi)

    # Observable data (Hermitian matrices, ...): differentiate the measurement at fixed psi.
    m_leaves = list(leaves[n_op_leaves:])
    m_tangents = list(tangents[n_op_leaves:])
    m_treedef = jax.tree_util.tree_structure(tape.measurements)

    def measure(ml: Sequence[Any]) -> tuple[jax.Array, ...]:
        ms = jax.tree_util.tree_unflatten(m_treedef, list(ml))
        return tuple(m.raw(psi, axes) for m in ms)

    if any(t is not None for t in m_tangents):
        values, out_t = jax.jvp(
            measure, (m_leaves,), ([_zero_like(x) if t is None else t for x, t in zip(m_leaves, m_tangents)],)
        )
        out_t = list(out_t)
    else:
        values = measure(m_leaves)
        out_t = [jnp.zeros_like(v) for v in values]

    preps = [(op, s) for op, s in zip(tape.operations, starts) if op.is_state_preparation]
    prep_t = [tangents[s : s + len(op.params)] for op, s in preps]
    prep_trainable = any(t is not None for ts in prep_t for t in ts)
    if not any(trainable) and not prep_trainable:
        return values, tuple(out_t)

    owners = [k for k, m in enumerate(tape.measurements) for _ in _term_ops(m.obs)]
    lams = [_apply_observable(psi, o, axes) for m in tape.measurements for o in _term_ops(m.obs)]
    stacked = jnp.stack([psi, *lams])
    total = jnp.zeros(len(lams), real)
    with paused():
        for step, d, dd in reversed(list(zip(program.steps, data, d_data or data))):
            stacked = jax.vmap(lambda x, step=step, d=d: undo_step(step, d, x))(stacked)
            if isinstance(step, (Front, Diagonal)) and any(trainable[i] for i in step.ops):
                total = total + _step_derivative(step, d, dd, stacked).astype(real)
        if prep_trainable:
            prep_leaves = [p for op, _ in preps for p in op.params]
            prep_tan = [
                _zero_like(p) if t is None else t
                for (op, _), ts in zip(preps, prep_t)
                for p, t in zip(op.params, ts)
            ]

            def start_state(pl: Sequence[Any]) -> jax.Array:
                rebuilt, i = [], 0
                for op, _ in preps:
                    rebuilt.append(_rebuilt(op, pl[i : i + len(op.params)]))
                    i += len(op.params)
                return initial_state(Tape(rebuilt), tuple(wires), dtype)

            _, dpsi0 = jax.jvp(start_state, (prep_leaves,), (prep_tan,))
            overlap = jnp.conj(jnp.reshape(stacked[1:], (len(lams), -1))) @ jnp.reshape(dpsi0, (-1,))
            total = total + (2 * jnp.real(overlap)).astype(real)
    for k in range(len(out_t)):
        mine = [total[j] for j, owner in enumerate(owners) if owner == k]
        out_t[k] = out_t[k] + jnp.stack(mine).astype(real)
    return values, tuple(out_t)
