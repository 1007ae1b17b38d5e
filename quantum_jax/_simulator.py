"""The statevector simulator: a pure, jittable function of a tape.

The state is a ``(2,) * n`` array, one axis per wire. Every gate acts on its own axes only, by
the data it declares (:func:`quantum_jax._kernels.apply_operation`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from . import _kernels
from ._device import check_memory
from ._measurements import Sampler, sampling_units
from ._operation import Operation
from ._shots import Shots
from ._tape import Tape
from ._wires import Wires


def real_dtype(tape: Tape) -> Any:
    """The float dtype of the simulation: float64 if any parameter is 64-bit, float32 if all are 32-bit.

    Python scalars are weakly typed and follow JAX's default (float64 under ``jax_enable_x64``).
    """
    leaves = [
        leaf
        for leaf in jax.tree_util.tree_leaves(tape.operations)
        if jnp.issubdtype(jnp.result_type(leaf), jnp.inexact)
    ]
    dtype = jnp.result_type(*leaves, float) if leaves else jnp.result_type(float)
    return jnp.finfo(dtype).dtype


def resolve_wires(tape: Tape, wires: Sequence[Hashable] | None) -> Wires:
    """The wire order of the simulation, checking the tape uses only those wires."""
    if wires is None:
        return tape.wires
    wires = tuple(wires)
    missing = [w for w in tape.wires if w not in wires]
    if missing:
        users = [repr(x) for x in tape if set(getattr(x, "wires", ())) & set(missing)]
        users += [repr(m) for m in tape.measurements if set(m.measured_wires) & set(missing)]
        raise ValueError(
            f"wires {missing} are not on the device (its wires are {list(wires)}); used by "
            f"{', '.join(dict.fromkeys(users))}. Create the device with these wires or change the circuit."
        )
    return wires


def initial_state(tape: Tape, wires: Wires, dtype: Any) -> jax.Array:
    """``|0...0>``, or the product of the tape's leading state preparations and ``|0>``."""
    n = len(wires)
    axes = {w: i for i, w in enumerate(wires)}
    factors: list[tuple[list[int], jax.Array]] = []
    covered: set[int] = set()
    for op in tape.operations:
        if not op.is_state_preparation:
            break
        ax = [axes[w] for w in op.wires]
        factors.append((ax, jnp.asarray(op.state_vector(), dtype)))
        covered.update(ax)
    if not factors:
        return jnp.zeros((2,) * n, dtype).reshape(-1).at[0].set(1).reshape((2,) * n)
    zero = jnp.array([1, 0], dtype)
    factors += [([a], zero) for a in range(n) if a not in covered]
    state = jnp.ones((), dtype)
    order: list[int] = []
    for ax, vec in factors:
        state = jnp.tensordot(state, jnp.reshape(vec, (2,) * len(ax)), axes=0)
        order += ax
    return jnp.transpose(state, [order.index(a) for a in range(n)])


def gate_data(ops: Sequence[Operation], dtype: Any, as_matrix: Sequence[bool]) -> list[jax.Array | None]:
    """Each op's matrix (or diagonal), built with ONE vmapped call per gate class and shape.

    XLA compiles every small operation as its own kernel, so building gates one by one makes compile
    time grow steeply with circuit size; batching by class keeps the program small. Permutation gates
    need no data (``None``). ``as_matrix[i]`` asks for op ``i``'s matrix even if it is diagonal.
    """
    groups: dict[Any, list[int]] = {}
    for i, op in enumerate(ops):
        if op.permutation is not None and not as_matrix[i]:
            continue
        shapes = tuple(jnp.shape(p) for p in op.params)
        key = (type(op), op.hyper, len(op.wires), shapes, bool(as_matrix[i]) or not op.is_diagonal)
        groups.setdefault(key, []).append(i)
    data: list[jax.Array | None] = [None] * len(ops)
    for (_, _, _, _, dense), members in groups.items():
        proto = ops[members[0]]
        leaves, treedef = jax.tree_util.tree_flatten(proto)

        def build(*params: Any, treedef: Any = treedef, dense: bool = dense) -> jax.Array:
            op = jax.tree_util.tree_unflatten(treedef, list(params))
            out = op.matrix() if dense else op.diagonal()
            return jnp.asarray(out).astype(dtype)

        if len(members) == 1 or not leaves:
            for i in members:
                data[i] = build(*ops[i].params)
            continue
        stacked = [jnp.stack([jnp.asarray(ops[i].params[j]) for i in members]) for j in range(len(leaves))]
        batch = jax.vmap(build)(*stacked)
        for k, i in enumerate(members):
            data[i] = batch[k]
    return data


def _fused_runs(ops: Sequence[Operation], axes: dict[Hashable, int]) -> tuple[list[Any], list[bool]]:
    """Plan the application order: multi-wire ops as they come, and each maximal run of single-wire
    gates on one wire (gates on different wires commute) as one fused 2x2 application.

    Returns the plan (``("op", index)`` or ``("run", axis, [indices])``) and which ops need a matrix.
    """
    plan: list[Any] = []
    pending: dict[int, list[int]] = {}
    for i, op in enumerate(ops):
        op_axes = [axes[w] for w in op.wires]
        if len(op_axes) == 1:
            pending.setdefault(op_axes[0], []).append(i)
            continue
        for a in op_axes:
            if a in pending:
                plan.append(("run", a, pending.pop(a)))
        plan.append(("op", i))
    plan += [("run", a, pending.pop(a)) for a in sorted(pending)]
    as_matrix = [False] * len(ops)
    for step in plan:
        if step[0] == "run" and len(step[2]) > 1:
            for i in step[2]:
                as_matrix[i] = True
    return plan, as_matrix


def _run_products(runs: list[list[int]], data: list[Any], dtype: Any) -> list[jax.Array]:
    """The product of each run's matrices (later gates on the left), with batched matmuls."""
    longest = max(len(r) for r in runs)
    eye = jnp.eye(2, dtype=dtype)
    mats = [jnp.stack([data[r[p]] if p < len(r) else eye for r in runs]) for p in range(longest)]
    total = mats[0]
    for m in mats[1:]:
        total = m @ total
    return [total[k] for k in range(len(runs))]


def final_state(tape: Tape, wires: Sequence[Hashable] | None = None) -> jax.Array:
    """The ``(2,) * n`` statevector after the tape's operations."""
    wires = resolve_wires(tape, wires)
    dtype = jnp.result_type(real_dtype(tape), jnp.complex64)
    check_memory(len(wires), jnp.dtype(dtype).itemsize)
    axes = {w: i for i, w in enumerate(wires)}
    state = initial_state(tape, wires, dtype)
    ops = [op for op in tape.operations if not op.is_state_preparation]
    if not ops:
        return state
    plan, as_matrix = _fused_runs(ops, axes)
    data = gate_data(ops, dtype, as_matrix)
    runs = [step[2] for step in plan if step[0] == "run" and len(step[2]) > 1]
    products = iter(_run_products(runs, data, dtype) if runs else [])
    for step in plan:
        if step[0] == "op" or len(step[2]) == 1:
            i = step[1] if step[0] == "op" else step[2][0]
            state = _kernels.apply_operation(state, ops[i], [axes[w] for w in ops[i].wires], data[i])
        else:
            state = _kernels.apply_matrix(state, next(products), [step[1]])
    return state


def simulate_raw(
    tape: Tape, wires: Sequence[Hashable] | None = None, shots: Shots | None = None, key: Any = None
) -> tuple[Any, ...]:
    """Each measurement's raw quantities (see ``_measurements``), for the gradient rules.

    With ``shots`` they are estimated from samples (see :class:`~quantum_jax._measurements.Sampler`);
    bin ``b`` of a shot vector samples with ``fold_in(key, b)`` and gives, per measurement, a tuple
    over bins.
    """
    wires = resolve_wires(tape, wires)
    state = final_state(tape, wires)
    axes = {w: i for i, w in enumerate(wires)}
    if shots is None:
        return tuple(m.raw(state, axes) for m in tape.measurements)
    units = sampling_units(tape.measurements, wires)
    per_bin = []
    for b, count in enumerate(shots.bins):
        sampler = Sampler(state, axes, jax.random.fold_in(key, b), count, units)
        per_bin.append([m.sampled(sampler, i) for i, m in enumerate(tape.measurements)])
    if not shots.vector:
        return tuple(per_bin[0])
    return tuple(tuple(b[i] for b in per_bin) for i in range(len(tape.measurements)))


def postprocess(
    tape: Tape, raws: Sequence[Any], coeffs: Sequence[Any], shots: Shots | None = None
) -> list[Any]:
    """Measurement values from raw quantities; a shot vector stacks bins when their shapes agree."""
    out = []
    for m, r, c in zip(tape.measurements, raws, coeffs):
        if shots is not None and shots.vector:
            values = [m.postprocess(rb, c) for rb in r]
            shapes = {jnp.shape(v) for v in values if not isinstance(v, dict)}
            if len(shapes) == 1 and not isinstance(values[0], dict):
                out.append(jnp.stack(values))
            else:
                out.append(tuple(values))
        else:
            out.append(m.postprocess(r, c))
    return out


def simulate(tape: Tape, wires: Sequence[Hashable] | None = None) -> tuple[jax.Array, ...]:
    """Run ``tape`` and return one array per measurement.

    Args:
        tape: the circuit.
        wires: the device's wire order (defaults to the tape's wires in order of appearance).

    Returns:
        A tuple with one result per measurement.

    Example:
        >>> import quantum_jax as qml
        >>> from quantum_jax.simulator import simulate
        >>> tape = qml.tape.Tape([qml.RX(0.0, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> float(simulate(tape)[0])
        1.0
    """
    bare, coeffs = tape.split()
    return tuple(postprocess(tape, simulate_raw(bare, wires), coeffs))
