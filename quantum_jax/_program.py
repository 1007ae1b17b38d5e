"""A tape's gates compiled into a short program of passes over the state (static, cached by structure).

XLA on a CPU pays for every pass over the state and compiles every kernel separately, so the program
keeps passes few and each one simple:

* every maximal run of one-wire gates on one wire becomes one 2x2 product (gates on other wires
  commute with it);
* a dense k-wire block is applied to the k *leading* axes of the state and leaves them *trailing*
  (:func:`~quantum_jax._kernels.apply_front`), so a layer of one-wire gates on every wire cycles the
  axes round without a single transpose; the axis order is tracked here, at trace time;
* diagonal gates multiply the state where its axes are, moving nothing;
* consecutive permutation gates (CNOT, SWAP, X, CZ, Toffoli, ...) compose into one gather
  (:func:`~quantum_jax._kernels.monomial_source`); gates on other wires are moved ahead of the group
  when they commute with it (disjoint wires), so a CNOT ring costs one pass, not n. The gather also
  restores the canonical axis order.

Each step records the axis order before and after it, so the adjoint sweep can undo it exactly.

Finally the steps are cut into segments (:class:`Segment`): a run of steps repeated with the same
structure on different gates (the layers of a layered ansatz) becomes ONE body that the simulator
runs under :func:`jax.lax.scan`, so a circuit's compile time grows with its distinct layers, not its
depth.
"""

from __future__ import annotations

import bisect
import dataclasses
import enum
import functools
from collections.abc import Callable, Hashable, Sequence
from functools import reduce
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from . import _kernels
from ._operation import Operation
from ._table import TABLE_GATE_WIRES, Table, fuse

# One-wire runs on neighbouring axes are applied together as one dense block of this many wires:
# a 2^k block costs 2^k multiply-adds per amplitude, the same as k single-wire passes for k = 2, and
# halves the passes (and the kernels XLA compiles).
BLOCK_WIRES = 2


class Step:
    """A pass over the state; each kind knows how to apply and undo itself.

    ``ops`` are the indices of the gates it applies; ``runs`` (blocks of one-wire runs only) their
    runs per wire. A ``differentiable`` step carries gate data (a matrix or a diagonal) whose
    derivative the adjoint sweep reads through :meth:`derivative`; the others only move amplitudes.
    """

    differentiable: ClassVar[bool] = False
    runs: tuple[tuple[int, ...], ...] | None = None
    ops: tuple[int, ...]
    wires: tuple[Hashable, ...]
    before: tuple[Hashable, ...]
    after: tuple[Hashable, ...]

    def collect(self, data: Sequence[Any]) -> jax.Array | None:
        """This step's data from its gates' data (``None``: none, or built with its block's batch)."""
        return None

    def apply(self, data: jax.Array | None, state: jax.Array) -> jax.Array:
        """The state after this step, laid out in ``after``."""
        raise NotImplementedError

    def undo(self, data: jax.Array | None, state: jax.Array) -> jax.Array:
        """The inverse of :meth:`apply`, restoring the layout ``before`` too."""
        raise NotImplementedError

    def derivative(self, data: jax.Array, tangent: jax.Array, stacked: jax.Array) -> jax.Array:
        """``2 Re <lambda_k| dU |psi>`` for every ``lambda_k`` (see ``_adjoint``)."""
        raise NotImplementedError(f"{type(self).__name__} has no parameters")

    def renumbered(self, new: dict[int, int]) -> Step:
        """This step with its op indices mapped through ``new``."""
        return dataclasses.replace(self, ops=tuple(new[i] for i in self.ops))  # type: ignore[type-var]


@dataclasses.dataclass(frozen=True)
class Reorder(Step):
    """Transpose the state from axis order ``before`` to ``after``."""

    before: tuple[Hashable, ...]
    after: tuple[Hashable, ...]
    ops: tuple[int, ...] = ()

    def apply(self, data: jax.Array | None, state: jax.Array) -> jax.Array:
        """Move the axes."""
        return _kernels.transpose(state, self.before, self.after)

    def undo(self, data: jax.Array | None, state: jax.Array) -> jax.Array:
        """Move the axes back."""
        return _kernels.transpose(state, self.after, self.before)


@dataclasses.dataclass(frozen=True)
class Front(Step):
    """A dense block on the leading axes.

    One multi-wire gate, or runs of one-wire gates on neighbouring axes (``runs[t]`` the gates on
    ``wires[t]``, in order; the block is the Kronecker product of the runs' products).

    ``wires`` are the leading axes of ``before`` (in the block's wire order) and the trailing axes of
    ``after``.
    """

    wires: tuple[Hashable, ...]
    ops: tuple[int, ...]
    before: tuple[Hashable, ...]
    after: tuple[Hashable, ...]
    runs: tuple[tuple[int, ...], ...] | None = None
    differentiable: ClassVar[bool] = True

    def collect(self, data: Sequence[Any]) -> jax.Array | None:
        """A single gate's matrix; a block of runs is built with the others (``step_data``)."""
        return data[self.ops[0]] if self.runs is None else None

    def apply(self, data: jax.Array | None, state: jax.Array) -> jax.Array:
        """The block on the leading axes, which come out trailing."""
        return _kernels.apply_front(state, data, len(self.wires))

    def undo(self, data: jax.Array | None, state: jax.Array) -> jax.Array:
        """The block's adjoint on the trailing axes, which come out leading."""
        assert data is not None
        return _kernels.apply_back(state, jnp.conj(data).T, len(self.wires))

    def derivative(self, data: jax.Array, tangent: jax.Array, stacked: jax.Array) -> jax.Array:
        """Through the transition matrix ``T = Tr_rest |psi><lambda|`` of the block's wires.

        One read of the states, whatever the block's parameters.
        """
        d = 2 ** len(self.wires)
        flat = jnp.reshape(stacked, (stacked.shape[0], d, -1))
        transition = jnp.einsum("jr,kir->kji", flat[0], jnp.conj(flat[1:]))
        generator = _kernels.small_matmul(jnp.conj(data).T, tangent)
        return 2 * jnp.real(jnp.einsum("ij,kji->k", generator, transition))

    def renumbered(self, new: dict[int, int]) -> Step:
        """Op indices (and runs) mapped through ``new``."""
        runs = None if self.runs is None else tuple(tuple(new[i] for i in r) for r in self.runs)
        return dataclasses.replace(self, ops=tuple(new[i] for i in self.ops), runs=runs)


@dataclasses.dataclass(frozen=True)
class Diagonal(Step):
    """The product of the diagonal ``ops`` on ``wires``, multiplied in place (order unchanged)."""

    wires: tuple[Hashable, ...]
    ops: tuple[int, ...]
    before: tuple[Hashable, ...]
    differentiable: ClassVar[bool] = True

    @property
    def after(self) -> tuple[Hashable, ...]:  # type: ignore[override]
        """The layout is unchanged."""
        return self.before

    def _axes(self) -> list[int]:
        return [self.before.index(w) for w in self.wires]

    def collect(self, data: Sequence[Any]) -> jax.Array | None:
        """The product of the gates' diagonals."""
        return reduce(jnp.multiply, [data[i] for i in self.ops])

    def apply(self, data: jax.Array | None, state: jax.Array) -> jax.Array:
        """Multiply in place."""
        assert data is not None
        return _kernels.apply_diagonal(state, data, self._axes())

    def undo(self, data: jax.Array | None, state: jax.Array) -> jax.Array:
        """Multiply by the conjugate."""
        assert data is not None
        return _kernels.apply_diagonal(state, jnp.conj(data), self._axes())

    def derivative(self, data: jax.Array, tangent: jax.Array, stacked: jax.Array) -> jax.Array:
        """``2 Re sum conj(lambda) conj(d) dd psi`` over the amplitudes."""
        factor = _kernels.broadcast_to_axes(jnp.conj(data) * tangent, self._axes(), stacked.ndim - 1)
        overlap = stacked[0] * jnp.conj(stacked[1:]) * factor
        return 2 * jnp.real(jnp.sum(jnp.reshape(overlap, (overlap.shape[0], -1)), axis=1))


@dataclasses.dataclass(frozen=True)
class Monomial(Step):
    """Permutation gates ``ops`` (applied in order) as one gather from order ``before`` to ``after``.

    ``tables`` holds, per op, its wires, its permutation and its phases (``None`` for none).
    """

    ops: tuple[int, ...]
    tables: tuple[tuple[tuple[Hashable, ...], tuple[int, ...], tuple[complex, ...] | None], ...]
    before: tuple[Hashable, ...]
    after: tuple[Hashable, ...]

    def apply(self, data: jax.Array | None, state: jax.Array) -> jax.Array:
        """One gather, with the phases."""
        source, phase = _kernels.monomial_source(self.tables, self.before, self.after)
        return _kernels.apply_monomial(state, source, phase)

    def undo(self, data: jax.Array | None, state: jax.Array) -> jax.Array:
        """The inverse gather."""
        return self.inverse().apply(None, state)

    def inverse(self) -> Monomial:
        """The gather undoing this one (from ``after`` back to ``before``)."""
        tables = []
        for wires, perm, phases in reversed(self.tables):
            inv = [0] * len(perm)
            for j, p in enumerate(perm):
                inv[p] = j
            inv_phases = (
                None
                if phases is None
                else tuple(complex(phases[inv[j]]).conjugate() for j in range(len(perm)))
            )
            tables.append((wires, tuple(inv), inv_phases))
        return Monomial(tuple(reversed(self.ops)), tuple(tables), self.after, self.before)


@dataclasses.dataclass(frozen=True)
class Program:
    """A compiled program: its steps, which ops need their matrix or diagonal built, and its segments.

    ``dense``: which ops need their matrix (dense) or their diagonal built. ``segments``: the steps cut
    into segments (see :class:`Segment`; a body's own ``segments`` is empty).

    ``product``: the first segment holds only one-wire runs, each wire's at most once (the gates before
    any gate entangles), so on ``|0...0>`` it yields a product state, built directly in one pass.
    """

    steps: tuple[Step, ...]
    wires: tuple[Hashable, ...]
    dense: tuple[bool, ...]
    segments: tuple[Segment | Table, ...] = ()
    product: bool = False


@dataclasses.dataclass(frozen=True)
class Segment:
    """Consecutive steps run as ``body`` once per entry of ``reps``.

    ``body``'s steps number their ops ``0, 1, ...``; repetition ``k`` runs them on the tape's ops
    ``reps[k]`` (those ops have equal structure in every repetition).
    """

    body: Program
    reps: tuple[tuple[int, ...], ...]


class Kind(enum.Enum):
    """How an item of the schedule acts: the data its gates declare, or a group of permutations."""

    PERMUTATION = "permutation"
    DIAGONAL = "diagonal"
    DENSE = "dense"
    GROUP = "group"  # consecutive permutation gates, composed into one gather

    @staticmethod
    def of(op: Operation) -> Kind:
        """The kind of a gate, from the data it declares."""
        if op.permutation is not None:
            return Kind.PERMUTATION
        return Kind.DIAGONAL if op.is_diagonal else Kind.DENSE


Item = tuple[Kind, tuple[Hashable, ...], tuple[int, ...]]
"""``(kind, wires, op indices)``: one entry of the schedule before it becomes steps."""


def _items(ops: Sequence[Operation]) -> list[Item]:
    """Gates in application order as ``(kind, wires, op indices)``, one-wire runs merged."""
    items: list[Item] = []
    pending: dict[Hashable, list[int]] = {}

    def flush(w: Hashable) -> None:
        run = pending.pop(w)
        kinds = {Kind.of(ops[i]) for i in run}
        if kinds == {Kind.PERMUTATION}:
            items.extend((Kind.PERMUTATION, (w,), (i,)) for i in run)
        elif kinds == {Kind.DIAGONAL}:
            items.append((Kind.DIAGONAL, (w,), tuple(run)))
        else:
            items.append((Kind.DENSE, (w,), tuple(run)))

    for i, op in enumerate(ops):
        if op.is_identity:
            continue
        if len(op.wires) == 1:
            pending.setdefault(op.wires[0], []).append(i)
            continue
        for w in op.wires:
            if w in pending:
                flush(w)
        items.append((Kind.of(op), tuple(op.wires), (i,)))
    for w in list(pending):
        flush(w)
    return items


def _group_permutations(items: list[Item]) -> list[Item]:
    """Merge permutation items into groups, moving commuting (wire-disjoint) items ahead of a group."""
    out: list[Item] = []
    group: list[int] = []
    group_wires: set[Hashable] = set()
    for kind, wires, idx in items:
        if kind is Kind.PERMUTATION:
            group.extend(idx)
            group_wires.update(wires)
            continue
        if group_wires & set(wires):
            out.append((Kind.GROUP, tuple(group_wires), tuple(group)))
            group, group_wires = [], set()
        out.append((kind, wires, idx))
    if group:
        out.append((Kind.GROUP, tuple(group_wires), tuple(group)))
    return out


def _to_front(
    steps: list[Step], order: tuple[Hashable, ...], lead: tuple[Hashable, ...]
) -> tuple[Hashable, ...]:
    """The layout with ``lead`` leading: unchanged, or after one ``Reorder`` appended to ``steps``."""
    if order[: len(lead)] == lead:
        return order
    front = lead + tuple(w for w in order if w not in lead)
    steps.append(Reorder(order, front))
    return front


def _one_wire_batch(items: list[Item], k: int) -> list[Item]:
    """The one-wire dense runs from item ``k`` on, on distinct wires (they commute)."""
    batch = [items[k]]
    seen = {items[k][1][0]}
    for item in items[k + 1 :]:
        kind, wires, _ = item
        if kind is not Kind.DENSE or len(wires) != 1 or wires[0] in seen:
            break
        batch.append(item)
        seen.add(wires[0])
    return batch


def _schedule(ops: Sequence[Operation], items: list[Item], wires: tuple[Hashable, ...]) -> list[Step]:
    """The steps applying ``items`` to a state laid out in ``wires``, which they leave it in again."""
    steps: list[Step] = []
    order = wires
    k = 0
    while k < len(items):
        kind, item_wires, idx = items[k]
        if kind is Kind.DIAGONAL:
            steps.append(Diagonal(item_wires, idx, order))
        elif kind is Kind.GROUP:
            tables = tuple((tuple(ops[i].wires), tuple(ops[i].permutation or ()), ops[i].phases) for i in idx)
            steps.append(Monomial(idx, tables, order, wires))
            order = wires
        elif len(item_wires) > 1:
            order = _to_front(steps, order, item_wires)
            after = order[len(item_wires) :] + item_wires
            steps.append(Front(item_wires, idx, order, after))
            order = after
        else:
            # One-wire runs on distinct wires commute: apply them in the order their axes lie, after at
            # most one transpose bringing them to the front, as blocks of BLOCK_WIRES wires.
            batch = _one_wire_batch(items, k)
            k += len(batch) - 1
            batch.sort(key=lambda it: order.index(it[1][0]))
            order = _to_front(steps, order, tuple(it[1][0] for it in batch))
            for b in range(0, len(batch), BLOCK_WIRES):
                block = batch[b : b + BLOCK_WIRES]
                bw = tuple(it[1][0] for it in block)
                runs = tuple(it[2] for it in block)
                after = order[len(bw) :] + bw
                steps.append(Front(bw, tuple(i for r in runs for i in r), order, after, runs))
                order = after
        k += 1
    if order != wires:
        steps.append(Reorder(order, wires))
    return steps


# A segment is scanned only if its body repeats at least MIN_REPEATS times, or twice on states of at
# least PAIR_SCAN_WIRES wires. Measured on 2 CPU cores: two repetitions of a small body run faster
# unrolled (HEA(4,2) parameter-shift gradient 0.11 ms unrolled, 0.14 ms scanned), while at 16 wires
# the scan is faster (HEA(16,2) gradient 1.1 s scanned, 1.8 s unrolled).
MIN_REPEATS = 3
PAIR_SCAN_WIRES = 12


def _local(steps: Sequence[Step]) -> tuple[tuple[int, ...], tuple[Step, ...]]:
    """The ops ``steps`` use (sorted) and the steps with those ops numbered ``0, 1, ...``."""
    used = tuple(sorted({i for s in steps for i in s.ops}))
    new = {i: k for k, i in enumerate(used)}
    return used, tuple(s.renumbered(new) for s in steps)


def _body(steps: Sequence[Step], wires: tuple[Hashable, ...], dense: Sequence[bool]) -> Segment:
    used, local = _local(steps)
    return Segment(Program(local, wires, tuple(dense[i] for i in used)), (used,))


def _repetition(
    keys: list[int], where: dict[int, list[int]], i: int, min_repeats: int, rep: Callable[[int, int], Any]
) -> tuple[int, int]:
    """``(period, count)`` of the repetition from step ``i`` covering most steps (``(1, 1)``: none).

    A repetition's steps have equal keys (``keys``) and equal local structure (``rep(start, period)``);
    its period is a distance at which step ``i``'s key recurs (``where``: each key's positions).
    """
    m = len(keys)
    best = (1, 1)
    same = where[keys[i]]
    for later in same[bisect.bisect_right(same, i) :]:
        period = later - i
        if period > (m - i) // 2 or best[0] * best[1] == m - i:
            break
        count = 1
        while (
            i + (count + 1) * period <= m
            and keys[i + count * period : i + (count + 1) * period] == keys[i : i + period]
        ):
            count += 1
        if count < min_repeats or count * period <= best[0] * best[1]:
            continue
        first = rep(i, period)
        count = next((k for k in range(1, count) if rep(i + k * period, period) != first), count)
        if count >= min_repeats and count * period > best[0] * best[1]:
            best = (period, count)
    return best


def _segments(
    steps: Sequence[Step], ops: Sequence[Operation], signature: Sequence[Any], wires: tuple[Hashable, ...]
) -> tuple[Segment | Table, ...]:
    """Cut ``steps`` into segments, greedily taking at each step the repetition covering most steps.

    Among equals, the shortest body is taken; steps in no repetition form plain single-run segments,
    or tables (:func:`_plain`).
    """
    dense = _dense(steps, len(ops))

    def key(step: Step) -> Any:
        if isinstance(step, Reorder):
            return step
        return (type(step), step.before, step.after, tuple(signature[i] for i in step.ops))

    def rep(start: int, period: int) -> Any:
        used, local = _local(steps[start : start + period])
        return local, tuple(signature[i] for i in used)

    ids: dict[Any, int] = {}
    keys = [ids.setdefault(key(s), len(ids)) for s in steps]
    where: dict[int, list[int]] = {}  # the positions of each key, ascending
    for pos, k in enumerate(keys):
        where.setdefault(k, []).append(pos)
    min_repeats = 2 if len(wires) >= PAIR_SCAN_WIRES else MIN_REPEATS
    out: list[Segment | Table] = []
    plain = i = 0
    while i < len(steps):
        period, count = _repetition(keys, where, i, min_repeats, rep)
        if count == 1:
            i += 1
            continue
        if plain < i:
            out.extend(_plain(steps[plain:i], ops, wires, dense))
        first = _body(steps[i : i + period], wires, dense)
        reps = tuple(_local(steps[i + k * period : i + (k + 1) * period])[0] for k in range(count))
        out.append(Segment(first.body, reps))
        i = plain = i + period * count
    if plain < len(steps):
        out.extend(_plain(steps[plain:], ops, wires, dense))
    return tuple(out)


def _skeleton(cls: type, wires: tuple[Hashable, ...], hyper: tuple[Hashable, ...]) -> Operation:
    """An op of the given structure without parameters: enough to read how it acts."""
    op: Operation = object.__new__(cls)
    object.__setattr__(op, "params", ())
    object.__setattr__(op, "wires", wires)
    object.__setattr__(op, "hyper", hyper)
    return op


def _dense(steps: Sequence[Step], count: int) -> list[bool]:
    """Which of ``count`` ops a step applies as a dense matrix."""
    dense = [False] * count
    for step in steps:
        if isinstance(step, Front):
            for i in step.ops:
                dense[i] = True
    return dense


@functools.lru_cache(maxsize=512)
def _compile(signature: tuple[Any, ...], wires: tuple[Hashable, ...]) -> Program:
    ops = [_skeleton(*s) for s in signature]
    items = _group_permutations(_items(ops))
    steps = _schedule(ops, items, wires)
    dense = _dense(steps, len(ops))
    head = _product_prefix(steps)
    segments = _segments(steps[head:], ops, signature, wires)
    if head:
        segments = (_body(steps[:head], wires, dense), *segments)
    return Program(tuple(steps), wires, tuple(dense), segments, bool(head))


# A run of steps that runs once becomes a Table when it has at least this many steps (Reorders not
# counted); shorter runs compile quickly unrolled.
TABLE_MIN_STEPS = 32


def _gate_order(steps: Sequence[Step]) -> list[int]:
    """The ops of ``steps`` in an order that applies them (a block's runs commute with each other)."""
    order: list[int] = []
    for step in steps:
        if step.runs is not None:
            order.extend(i for run in step.runs for i in run)
        else:
            order.extend(step.ops)
    return order


def _table(steps: Sequence[Step], ops: Sequence[Operation]) -> Table:
    """The table applying ``steps`` (from the layout before the first to the layout after the last)."""
    before = steps[0].before
    axis = {w: a for a, w in enumerate(before)}
    gates = [(i, tuple(axis[w] for w in ops[i].wires)) for i in _gate_order(steps)]
    return Table(fuse(gates), tuple(sorted({i for i, _ in gates})), before, steps[-1].after)


def _plain(
    steps: Sequence[Step], ops: Sequence[Operation], wires: tuple[Hashable, ...], dense: Sequence[bool]
) -> list[Segment | Table]:
    """Steps that run once: tables for their long runs of table-held steps, plain bodies between.

    A table holds gates of at most :data:`~quantum_jax._table.TABLE_GATE_WIRES` wires.
    """
    out: list[Segment | Table] = []
    pending: list[Step] = []  # steps for the next plain body
    run: list[Step] = []  # the current run of steps a table could hold
    for step in [*steps, None]:
        if step is not None and all(len(ops[i].wires) <= TABLE_GATE_WIRES for i in step.ops):
            run.append(step)
            continue
        if sum(not isinstance(s, Reorder) for s in run) >= TABLE_MIN_STEPS:
            if pending:
                out.append(_body(pending, wires, dense))
            out.append(_table(run, ops))
            pending = []
        else:
            pending += run
        run = []
        if step is not None:
            pending.append(step)
    if pending:
        out.append(_body(pending, wires, dense))
    return out


def _product_prefix(steps: Sequence[Step]) -> int:
    """How many leading steps are one-wire runs on distinct wires (after at most one leading ``Reorder``).

    On a product state they leave a product state.
    """
    seen: set[Hashable] = set()
    count = 1 if steps and isinstance(steps[0], Reorder) else 0
    for step in steps[count:]:
        if step.runs is None or seen & set(step.wires):
            break
        seen.update(step.wires)
        count += 1
    return count if seen else 0


def compile_program(ops: Sequence[Operation], wires: Sequence[Hashable]) -> Program:
    """The program for ``ops`` (no state preparations) on ``wires``; cached by the ops' structure."""
    return _compile(tuple((type(op), tuple(op.wires), op.hyper) for op in ops), tuple(wires))
