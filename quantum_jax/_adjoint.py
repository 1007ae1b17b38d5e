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

from ._measurements import ExpectationMP
from ._observables import apply_observable
from ._operation import Operation
from ._program import Program
from ._recording import paused
from ._simulator import initial_state, prepare, real_dtype, step_data
from ._tape import Tape

Tangents = Sequence[Any | None]


def _rebuilt(op: Operation, params: Sequence[Any]) -> Operation:
    _, treedef = jax.tree_util.tree_flatten(op)
    return jax.tree_util.tree_unflatten(treedef, list(params))


def check_supported(tape: Tape) -> None:
    """Raise unless every measurement is an expectation value."""
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


def _filled(leaves: Sequence[Any], tangents: Tangents) -> list[Any]:
    """The tangents with zeros (of the right kind) for the ``None`` ones."""
    return [_zero_like(x) if t is None else t for x, t in zip(leaves, tangents, strict=True)]


def _by_op(
    tape: Tape, tangents: Tangents
) -> tuple[list[tuple[Operation, Tangents]], list[tuple[Operation, Tangents]]]:
    """``(gate, its tangents)`` pairs for the gates and for the state preparations, in order."""
    gates: list[tuple[Operation, Tangents]] = []
    preps: list[tuple[Operation, Tangents]] = []
    start = 0
    for op in tape.operations:
        pair = (op, tangents[start : start + len(op.params)])
        (preps if op.is_state_preparation else gates).append(pair)
        start += len(op.params)
    return gates, preps


def _gate_data(
    program: Program, gates: Sequence[tuple[Operation, Tangents]], dtype: Any
) -> tuple[list[Any], list[Any] | None]:
    """Each step's data and, when a gate is trainable, its JVP along the gates' tangents."""
    params = [list(op.params) for op, _ in gates]

    def data_of(ps: Sequence[Sequence[Any]]) -> list[Any]:
        return step_data(program, [_rebuilt(op, p) for (op, _), p in zip(gates, ps, strict=True)], dtype)

    if not any(t is not None for _, ts in gates for t in ts):
        return data_of(params), None
    zeros = [_filled(ps, ts) for ps, (_, ts) in zip(params, gates, strict=True)]
    data, d_data = jax.jvp(data_of, (params,), (zeros,))
    return data, d_data


def _measure(
    tape: Tape, psi: jax.Array, axes: dict[Hashable, int], leaves: Sequence[Any], tangents: Tangents
) -> tuple[tuple[jax.Array, ...], list[jax.Array]]:
    """Raw values at ``psi`` and their JVP along the observables' data (matrices, ...) at fixed ``psi``."""
    treedef = jax.tree_util.tree_structure(tape.measurements)

    def measure(ml: Sequence[Any]) -> tuple[jax.Array, ...]:
        ms = jax.tree_util.tree_unflatten(treedef, list(ml))
        return tuple(m.raw(psi, axes) for m in ms)

    if not any(t is not None for t in tangents):
        values = measure(leaves)
        return values, [jnp.zeros_like(v) for v in values]
    values, out_t = jax.jvp(measure, (list(leaves),), (_filled(leaves, tangents),))
    return values, list(out_t)


def _sweep(
    program: Program, data: list[Any], d_data: list[Any], trainable: list[bool], stacked: jax.Array, real: Any
) -> tuple[jax.Array, jax.Array]:
    """Undo the steps on ``stacked = [psi, lambda_1, ...]``, adding each trainable step's derivative.

    Returns the derivatives, one per ``lambda``, and the stack as it was before the first step.
    """
    total = jnp.zeros(stacked.shape[0] - 1, real)
    for step, d, dd in reversed(list(zip(program.steps, data, d_data, strict=True))):
        stacked = jax.vmap(lambda x, step=step, d=d: step.undo(d, x))(stacked)
        if step.differentiable and any(trainable[i] for i in step.ops):
            total = total + step.derivative(d, dd, stacked).astype(real)
    return total, stacked


def _preparation_derivative(
    preps: Sequence[tuple[Operation, Tangents]], lams: jax.Array, wires: tuple[Hashable, ...], dtype: Any
) -> jax.Array:
    """``2 Re <lambda_k| d psi_0>`` along the state preparations' tangents (``lams`` at the start)."""
    leaves = [p for op, _ in preps for p in op.params]
    tangents = [t for _, ts in preps for t in ts]

    def start_state(pl: Sequence[Any]) -> jax.Array:
        rebuilt, i = [], 0
        for op, _ in preps:
            rebuilt.append(_rebuilt(op, pl[i : i + len(op.params)]))
            i += len(op.params)
        return initial_state(Tape(tuple(rebuilt)), wires, dtype)

    _, dpsi0 = jax.jvp(start_state, (leaves,), (_filled(leaves, tangents),))
    overlap = jnp.conj(jnp.reshape(lams, (lams.shape[0], -1))) @ jnp.reshape(dpsi0, (-1,))
    return 2 * jnp.real(overlap)


def adjoint_jvp(
    tape: Tape, wires: Sequence[Hashable], leaves: Sequence[Any], tangents: Tangents
) -> tuple[tuple[jax.Array, ...], tuple[jax.Array, ...]]:
    """Raw expectation values of ``tape`` and their JVP along ``tangents`` (``None`` = zero).

    The sweep runs the simulator's program (:mod:`quantum_jax._program`) backwards: each step is
    undone on ``psi`` and on every ``lambda`` at once, and a step with trainable gates adds its
    derivative from the step's matrix and the matrix's JVP along the tangents.
    """
    check_supported(tape)
    wires = tuple(wires)
    axes = {w: i for i, w in enumerate(wires)}
    psi, _, program = prepare(tape, wires)
    real = jnp.finfo(real_dtype(tape)).dtype
    gates, preps = _by_op(tape, tangents)
    data, d_data = _gate_data(program, gates, psi.dtype)
    for step, d in zip(program.steps, data, strict=True):
        psi = step.apply(d, psi)
    n_op = sum(len(op.params) for op in tape.operations)
    values, out_t = _measure(tape, psi, axes, leaves[n_op:], tangents[n_op:])
    prep_trainable = any(t is not None for _, ts in preps for t in ts)
    if d_data is None and not prep_trainable:
        return values, tuple(out_t)

    owners = [k for k, m in enumerate(tape.measurements) for _ in m.terms()]
    lams = [apply_observable(psi, o, axes) for m in tape.measurements for o in m.terms()]
    trainable = [any(t is not None for t in ts) for _, ts in gates]
    with paused():
        total, stacked = _sweep(program, data, d_data or data, trainable, jnp.stack([psi, *lams]), real)
        if prep_trainable:
            total = total + _preparation_derivative(preps, stacked[1:], wires, psi.dtype).astype(real)
    for k in range(len(out_t)):
        mine = [total[j] for j, owner in enumerate(owners) if owner == k]
        out_t[k] = out_t[k] + jnp.stack(mine).astype(real)
    return values, tuple(out_t)
