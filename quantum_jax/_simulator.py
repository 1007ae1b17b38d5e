"""The statevector simulator: a pure, jittable function of a tape.

The state is a ``(2,) * n`` array, one axis per wire. The tape's gates are compiled into a short
program of passes over it (:mod:`quantum_jax._program`), each reading only the data the gates
declare (permutation, diagonal or matrix).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from . import _kernels
from ._measurements import postprocess
from ._memory import check_memory
from ._operation import Operation
from ._program import Program, Segment, compile_program
from ._sampling import Sampler, sampling_units
from ._shots import Shots
from ._table import Table, run_table
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


def initial_state(tape: Tape, wires: Sequence[Hashable], dtype: Any) -> jax.Array:
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
        stacked = [_kernels.stack([ops[i].params[j] for i in members]) for j in range(len(leaves))]
        batch = jax.vmap(build)(*stacked)
        for k, i in enumerate(members):
            data[i] = batch[k]
    return data


def _materialized(x: jax.Array) -> jax.Array:
    """``x`` computed once, as one small kernel, before it is sliced per step.

    Without the barrier XLA copies the arithmetic producing ``x`` into each slice's own kernel
    (it will not fuse it into the state passes, which read each entry many times), giving one
    extra kernel to compile per step.
    """
    return jax.lax.optimization_barrier(x)


def _run_products(runs: list[tuple[int, ...]], data: list[Any], dtype: Any) -> list[jax.Array]:
    """The product of each run's 2x2 matrices (later gates on the left), batched over the runs."""
    longest = max(len(r) for r in runs)
    eye = jnp.eye(2, dtype=dtype)
    mats = [_kernels.stack([data[r[p]] if p < len(r) else eye for r in runs]) for p in range(longest)]
    total = mats[0]
    for m in mats[1:]:
        total = _kernels.small_matmul(m, total)
    return [total[k] for k in range(len(runs))]


def _kron(blocks: list[list[jax.Array]]) -> list[jax.Array]:
    """The Kronecker product of each block's 2x2 factors (first factor most significant).

    Batched over the blocks with the same number of factors.
    """
    out: list[jax.Array | None] = [None] * len(blocks)
    for width in {len(b) for b in blocks}:
        members = [i for i, b in enumerate(blocks) if len(b) == width]
        total = _kernels.stack([blocks[i][0] for i in members])
        for t in range(1, width):
            factor = _kernels.stack([blocks[i][t] for i in members])
            total = total[:, :, None, :, None] * factor[:, None, :, None, :]  # elementwise: fusible
            total = jnp.reshape(total, (len(members), 2 ** (t + 1), 2 ** (t + 1)))
        total = _materialized(total)
        for k, i in enumerate(members):
            out[i] = total[k]
    return out  # type: ignore[return-value]


def step_data(program: Program, ops: Sequence[Operation], dtype: Any) -> list[jax.Array | None]:
    """Each step's data: a ``Front``'s matrix, a ``Diagonal``'s diagonal, ``None`` for the others.

    The blocks of one-wire runs are built together: every run's product in one batch, then every
    block's Kronecker product in one batch per width.
    """
    data = gate_data(ops, dtype, program.dense)
    out = [step.collect(data) for step in program.steps]
    blocks = [(s, step.runs) for s, step in enumerate(program.steps) if step.runs is not None]
    runs = [r for _, block in blocks for r in block]
    if not runs:
        return out
    products: list[Any] = [data[r[0]] if len(r) == 1 else None for r in runs]
    longer = [k for k, r in enumerate(runs) if len(r) > 1]
    if longer:
        for k, p in zip(longer, _run_products([runs[k] for k in longer], data, dtype), strict=True):
            products[k] = p
    factors, start = [], 0
    for _, block in blocks:
        factors.append(products[start : start + len(block)])
        start += len(block)
    for (s, _), matrix in zip(blocks, _kron(factors), strict=True):
        out[s] = matrix
    return out


def check_no_channels(tape: Tape) -> None:
    """Raise if the tape holds a noise channel: a statevector cannot represent its mixed output."""
    channels = [op for op in tape.operations if op.is_channel]
    if channels:
        raise ValueError(
            f"{channels[0]!r} is a noise channel, which turns a pure state into a mixed one; the statevector "
            "device cannot run it. Use qml.device('default.mixed', wires=...), the density-matrix simulator."
        )


def prepare(tape: Tape, wires: Sequence[Hashable]) -> tuple[jax.Array, list[Operation], Program]:
    """The initial state, the gates after it and their program."""
    check_no_channels(tape)
    dtype = jnp.result_type(real_dtype(tape), jnp.complex64)
    check_memory(len(wires), jnp.dtype(dtype).itemsize)
    state = initial_state(tape, wires, dtype)
    ops = [op for op in tape.operations if not op.is_state_preparation]
    return state, ops, compile_program(ops, wires)


def _run_body(body: Program, ops: Sequence[Operation], state: jax.Array) -> jax.Array:
    for step, data in zip(body.steps, step_data(body, ops, state.dtype), strict=True):
        state = step.apply(data, state)
    return state


def _run_segment(segment: Segment | Table, ops: Sequence[Operation], state: jax.Array) -> jax.Array:
    """One segment; a repeated body runs under ``lax.scan`` over its repetitions' gate data.

    The scanned parameters are stacked once per shape and dtype (one kernel each, not one per gate).
    Repetitions whose parameters differ in shape (one gate broadcast, say) are unrolled instead.
    """
    if isinstance(segment, Table):
        return run_table(segment, ops, state)
    reps = [[ops[i] for i in r] for r in segment.reps]
    if len(reps) == 1:
        return _run_body(segment.body, reps[0], state)
    leaves = [[jnp.asarray(x) for x in jax.tree_util.tree_leaves(r)] for r in reps]
    treedef = jax.tree_util.tree_structure(reps[0])
    kinds = [(x.shape, x.dtype) for x in leaves[0]]
    if any([(x.shape, x.dtype) for x in ls] != kinds for ls in leaves[1:]):
        for r in reps:
            state = _run_body(segment.body, r, state)
        return state
    groups: dict[Any, list[int]] = {}
    for j, kind in enumerate(kinds):
        groups.setdefault(kind, []).append(j)
    where = [(0, 0)] * len(kinds)  # leaf j is row ``k`` of group ``g``
    for g, members in enumerate(groups.values()):
        for k, j in enumerate(members):
            where[j] = (g, k)
    xs = [
        jnp.reshape(
            _kernels.stack([ls[j] for ls in leaves for j in members]), (len(reps), len(members), *shape)
        )
        for (shape, _), members in groups.items()
    ]

    def data_of(rows: list[jax.Array]) -> list[jax.Array | None]:
        rep = jax.tree_util.tree_unflatten(treedef, [rows[g][k] for g, k in where])
        return step_data(segment.body, rep, state.dtype)

    def body(state: jax.Array, data: list[jax.Array | None]) -> tuple[jax.Array, None]:
        for step, d in zip(segment.body.steps, data, strict=True):
            state = step.apply(d, state)
        return state, None

    # The gates' data for every repetition at once (its small kernels run once, not per layer); the
    # loop itself only passes over the state.
    return jax.lax.scan(body, state, jax.vmap(data_of, axis_size=len(reps))(xs))[0]


def _product_state(segment: Segment, ops: Sequence[Operation], dtype: Any) -> jax.Array:
    """The state that a product-prefix segment (see ``Program.product``) makes of ``|0...0>``.

    Each block's matrix applied to ``|00>`` is its first column, and the blocks' wires end up trailing,
    in the order they were applied, after the wires no block touched (still ``|0>``).
    """
    body = segment.body
    data = step_data(body, [ops[i] for i in segment.reps[0]], dtype)
    order = body.steps[-1].after
    blocks: list[tuple[Any, Any]] = [
        (step, d) for step, d in zip(body.steps, data, strict=True) if step.runs is not None
    ]
    idle = len(order) - sum(len(step.wires) for step, _ in blocks)
    state = jnp.zeros(2**idle, dtype).at[0].set(1)
    for _, d in blocks:
        state = jnp.reshape(state[:, None] * d[None, :, 0], (-1,))
    return jnp.reshape(state, (2,) * len(order))


def final_state(tape: Tape, wires: Sequence[Hashable] | None = None) -> jax.Array:
    """The ``(2,) * n`` statevector after the tape's operations (axes in the order of ``wires``)."""
    wires = resolve_wires(tape, wires)
    state, ops, program = prepare(tape, wires)
    segments = program.segments
    if program.product and not any(op.is_state_preparation for op in tape.operations):
        assert isinstance(segments[0], Segment)
        state = _product_state(segments[0], ops, state.dtype)
        segments = segments[1:]
    for segment in segments:
        state = _run_segment(segment, ops, state)
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
    return tuple(postprocess(tape.measurements, simulate_raw(bare, wires), coeffs))
