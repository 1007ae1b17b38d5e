"""Long runs of gates that do not repeat, fused into blocks and run as a table by one ``lax.scan``.

A circuit whose layers repeat compiles one scanned body per distinct layer (``_program``'s segments).
A circuit that never repeats would compile one kernel per pass, and XLA's compile time grows with
the kernels: thousands of gates took tens of seconds. A :class:`Table` makes the gates' *types* data:

* the gates are fused, greedily and in a valid order, into blocks of at most :data:`FUSE_WIRES` wires
  (a block absorbs every gate on its wires until a gate reaches beyond them), the way qsim fuses gates
  into small dense blocks (Isakov et al., arXiv:2111.02396, 2021);
* every block is a dense ``2^k x 2^k`` matrix, built for all blocks at once: each gate's matrix is
  embedded into its block's space by one batched contraction per embedding pattern, and each block's
  matrices are multiplied in a balanced tree over the blocks in one batch per level;
* the blocks run under one ``lax.scan`` whose body switches on the block's wires: a branch per
  distinct wire tuple, so the compiled program grows with the distinct wire tuples (at most
  ``n(n-1)/2`` pairs), not with the gates.

The state keeps the layout it had when the table starts (the axis of a wire never moves inside it).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _kernels
from ._operation import Operation

# Blocks are fused up to this many wires: a two-wire block costs one pass like a one-wire gate, and
# absorbs the one-wire gates around a two-wire gate (an RQC layer on n wires runs in about n/2
# passes).
FUSE_WIRES = 2

# A gate on more wires than this ends a table (its dense matrix would be large); it runs as a step.
TABLE_GATE_WIRES = 3


@dataclasses.dataclass(frozen=True)
class Block:
    """A dense block: the state ``axes`` it acts on (ascending) and its gates in application order.

    ``gates[t] = (op, positions)``: op index and the positions of the op's wires among ``axes``.
    """

    axes: tuple[int, ...]
    gates: tuple[tuple[int, tuple[int, ...]], ...]


@dataclasses.dataclass(frozen=True)
class Table:
    """A run of gates as fused blocks on a state laid out in ``before``, left laid out in ``after``.

    ``ops``: the tape's gates it applies (the op indices its blocks name).
    """

    blocks: tuple[Block, ...]
    ops: tuple[int, ...]
    before: tuple[Hashable, ...]
    after: tuple[Hashable, ...]

    @property
    def branches(self) -> tuple[tuple[int, ...], ...]:
        """The distinct wire tuples of the blocks, in order of first use: one scan branch each."""
        return tuple(dict.fromkeys(b.axes for b in self.blocks))


class _Fuser:
    """Greedy fusion of a gate sequence into blocks.

    A block is open on an axis until a later block takes the axis. Only blocks open on all their
    axes are merged into a new block: moving them later passes no gate that touches their axes.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.blocks: list[tuple[frozenset[int], list[tuple[int, tuple[int, ...]]]] | None] = []
        self.owner: dict[int, int] = {}

    def _open(self, b: int) -> bool:
        entry = self.blocks[b]
        return entry is not None and all(self.owner.get(a) == b for a in entry[0])

    def add(self, op: int, axes: tuple[int, ...]) -> None:
        owners = {self.owner[a] for a in axes if a in self.owner}
        if len(owners) == 1 and all(a in self.owner for a in axes):
            entry = self.blocks[next(iter(owners))]
            assert entry is not None
            if set(axes) <= entry[0]:
                entry[1].append((op, axes))
                return
        wires = set(axes)
        merged: list[int] = []
        for b in sorted((b for b in owners if self._open(b)), key=self._size):
            entry = self.blocks[b]
            assert entry is not None
            if len(wires | entry[0]) <= max(self.width, len(axes)):
                wires |= entry[0]
                merged.append(b)
        self._merge(merged, wires, [(op, axes)])

    def _size(self, b: int) -> int:
        entry = self.blocks[b]
        return 0 if entry is None else len(entry[0])

    def _merge(self, merged: list[int], wires: set[int], extra: list[tuple[int, tuple[int, ...]]]) -> None:
        gates: list[tuple[int, tuple[int, ...]]] = []
        for b in sorted(merged):
            entry = self.blocks[b]
            assert entry is not None
            gates.extend(entry[1])
            self.blocks[b] = None
        self.blocks.append((frozenset(wires), gates + extra))
        for a in wires:
            self.owner[a] = len(self.blocks) - 1

    def finish(self) -> tuple[Block, ...]:
        """The blocks, with the one-wire blocks left open at the end paired up."""
        singles = [b for b, e in enumerate(self.blocks) if e is not None and len(e[0]) == 1 and self._open(b)]
        for k in range(0, len(singles) - 1, 2):
            pair = singles[k : k + 2]
            wires: set[int] = set()
            for b in pair:
                entry = self.blocks[b]
                assert entry is not None
                wires |= entry[0]
            if len(wires) <= self.width:
                self._merge(pair, wires, [])
        out = []
        for entry in self.blocks:
            if entry is None:
                continue
            axes = tuple(sorted(entry[0]))
            gates = tuple((op, tuple(axes.index(a) for a in op_axes)) for op, op_axes in entry[1])
            out.append(Block(axes, gates))
        return tuple(out)


def fuse(gates: Sequence[tuple[int, tuple[int, ...]]], width: int = FUSE_WIRES) -> tuple[Block, ...]:
    """Fuse ``(op, state axes)`` pairs, in application order, into blocks of at most ``width`` axes.

    A gate on more axes than ``width`` gets a block of its own width.
    """
    fuser = _Fuser(width)
    for op, axes in gates:
        fuser.add(op, axes)
    return fuser.finish()


@functools.cache
def _identity_tensor(k: int) -> np.ndarray:
    return np.eye(2**k).reshape((2,) * k + (2**k,))


class _Leaves:
    """The gates' parameters, gathered by column for the batched builds.

    Scalar parameters are stacked once, in tape order, into one vector per dtype (consecutive slices
    of one user array then compile to one slice), and each group's column is one gather from it:
    stacking the scalars group by group compiles a kernel per scalar, seconds for thousands of
    gates.
    """

    def __init__(self, ops: Sequence[Operation], used: Sequence[int]) -> None:
        self.ops = ops
        self.where: dict[tuple[int, int], tuple[Any, int]] = {}
        scalars: dict[Any, list[Any]] = {}
        for i in used:
            for j, p in enumerate(ops[i].params):
                if jnp.ndim(p) == 0:
                    column = scalars.setdefault(jnp.result_type(p), [])
                    self.where[i, j] = (jnp.result_type(p), len(column))
                    column.append(p)
        self.vectors = {dtype: _kernels.stack(column) for dtype, column in scalars.items()}

    def column(self, members: Sequence[int], j: int) -> jax.Array:
        """Parameter ``j`` of every op in ``members``, stacked."""
        if (members[0], j) not in self.where:
            return _kernels.stack([self.ops[i].params[j] for i in members])
        dtype = self.where[members[0], j][0]
        index = np.array([self.where[i, j][1] for i in members], np.int32)
        return self.vectors[dtype][index]


def _embedded(
    leaves: _Leaves, members: Sequence[int], positions: tuple[int, ...], k: int, dtype: Any
) -> jax.Array:
    """The matrices of ``members`` (one structure) on ``positions`` of a ``k``-wire block.

    ``[len, 2^k, 2^k]``, built by one vmapped call (one call, broadcast, for gates without parameters).
    """
    eye = jnp.asarray(_identity_tensor(k), dtype)
    proto = leaves.ops[members[0]]
    _, treedef = jax.tree_util.tree_flatten(proto)

    def build(*params: Any) -> jax.Array:
        op = jax.tree_util.tree_unflatten(treedef, list(params))
        matrix = jnp.asarray(op.matrix()).astype(dtype)
        return jnp.reshape(_kernels.apply_matrix(eye, matrix, positions), (2**k, 2**k))

    if not proto.params:
        return build()[None]
    return jax.vmap(build)(*[leaves.column(members, j) for j in range(len(proto.params))])


def _gate_rows(
    blocks: Sequence[Block], leaves: _Leaves, k: int, dtype: Any
) -> tuple[jax.Array, dict[tuple[int, tuple[int, ...]], int]]:
    """Every gate of the ``k``-wire blocks embedded in ``2^k`` dimensions, stacked, with the identity last.

    Returns the rows and the row of each ``(op, positions)``.
    """
    groups: dict[Any, list[int]] = {}
    for b in blocks:
        for op, pos in b.gates:
            o = leaves.ops[op]
            shapes = tuple(jnp.shape(p) for p in o.params)
            groups.setdefault((pos, type(o), o.hyper, shapes), []).append(op)
    rows: list[jax.Array] = []
    where: dict[tuple[int, tuple[int, ...]], int] = {}
    start = 0
    for (pos, *_), members in groups.items():
        batch = _embedded(leaves, members, pos, k, dtype)
        for r, op in enumerate(members):
            where[op, pos] = start + (r if batch.shape[0] > 1 else 0)
        rows.append(batch)
        start += batch.shape[0]
    rows.append(jnp.eye(2**k, dtype=dtype)[None])
    return jnp.concatenate(rows), where


def _tree_product(mats: jax.Array) -> jax.Array:
    """``mats[:, -1] @ ... @ mats[:, 0]`` for a batch ``[B, L, d, d]`` (L a power of two)."""
    while mats.shape[1] > 1:
        mats = _kernels.small_matmul(mats[:, 1::2], mats[:, 0::2])
    return mats[:, 0]


def block_matrices(
    blocks: Sequence[Block], ops: Sequence[Operation], used: Sequence[int], dtype: Any
) -> dict[int, jax.Array]:
    """The blocks' matrices, ``{k: [the k-wire blocks' matrices, in order]}``.

    Per width: the gates' embedded matrices (:func:`_gate_rows`) gathered into a
    ``[blocks, length, 2^k, 2^k]`` array, padded with the identity, and multiplied in a balanced tree.
    """
    out: dict[int, jax.Array] = {}
    leaves = _Leaves(ops, used)
    for k in sorted({len(b.axes) for b in blocks}):
        members = [b for b in blocks if len(b.axes) == k]
        rows, where = _gate_rows(members, leaves, k, dtype)
        length = 1 << max(max(len(b.gates) for b in members) - 1, 0).bit_length()
        index = np.full((len(members), length), rows.shape[0] - 1, np.int32)
        for r, b in enumerate(members):
            for t, gate in enumerate(b.gates):
                index[r, t] = where[gate]
        out[k] = _tree_product(rows[index])
    return out


def run_table(table: Table, ops: Sequence[Operation], state: jax.Array) -> jax.Array:
    """Apply the table's blocks, gates of the tape's ``ops``, to ``state`` by one ``lax.scan``.

    The scan carries the state and reads, per block, its branch (its wire tuple) and its matrix from
    one ``[blocks, 2^k, 2^k]`` slot per width (rows of other widths are zeros).
    """
    products = block_matrices(table.blocks, ops, table.ops, state.dtype)
    branches = table.branches
    widths = sorted(products)
    slots = []
    for k in widths:
        rows = [r for r, b in enumerate(table.blocks) if len(b.axes) == k]
        if len(rows) == len(table.blocks):
            slots.append(products[k])
            continue
        index = np.full(len(table.blocks), len(rows), np.int32)
        index[rows] = np.arange(len(rows))
        padded = jnp.concatenate([products[k], jnp.zeros((1, 2**k, 2**k), state.dtype)])
        slots.append(padded[index])
    ids = jnp.asarray(np.array([branches.index(b.axes) for b in table.blocks], np.int32))

    def branch(axes: tuple[int, ...]) -> Any:
        slot = widths.index(len(axes))
        return lambda s, ms: _kernels.apply_in_place(s, ms[slot], axes)

    fns = [branch(axes) for axes in branches]

    def body(s: jax.Array, x: tuple[jax.Array, list[jax.Array]]) -> tuple[jax.Array, None]:
        j, ms = x
        return jax.lax.switch(j, fns, s, ms), None

    state = jax.lax.scan(body, state, (ids, slots))[0]
    return _kernels.transpose(state, table.before, table.after)
