"""Tapes: immutable records of a circuit's operations and measurements."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import jax
import jax.numpy as jnp

from . import _recording
from ._measurements import MeasurementProcess
from ._operation import Operation
from ._wires import Wires


@dataclasses.dataclass(frozen=True, eq=False)
class Tape:
    """An immutable circuit: operations applied in order, then measurements.

    A tape is a pytree: the gates' numeric parameters are its leaves, everything else (gate types,
    wires, measurement kinds) is static structure. Tapes with equal structure run as one compiled
    call. A pure function ``params -> Tape`` is one way to write a circuit; recording with
    :class:`QuantumTape` is the other.

    Args:
        operations: the gates, state preparations first.
        measurements: the measurement processes.

    Example:
        >>> import quantum_jax as qml
        >>> tape = qml.tape.Tape([qml.RX(0.1, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> tape.get_parameters()
        [0.1]
    """

    operations: tuple[Operation, ...] = ()
    measurements: tuple[MeasurementProcess, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "operations", tuple(self.operations))
        object.__setattr__(self, "measurements", tuple(self.measurements))
        _validate(self.operations, self.measurements)

    @property
    def wires(self) -> Wires:
        """Every wire used, in order of first appearance."""
        ws = [w for op in self.operations for w in op.wires]
        ws += [w for m in self.measurements for w in m.measured_wires]
        return tuple(dict.fromkeys(ws))

    @property
    def observables(self) -> list[Any]:
        """The measurements' observables (``None`` for those of wires)."""
        return [m.obs for m in self.measurements]

    @property
    def batch_size(self) -> int | None:
        """The size of the leading batch axis of broadcast parameters, or ``None`` if there are none.

        A parameter with one axis more than its gate takes (``qml.RX(jnp.array([0.1, 0.2]), wires=0)``)
        carries a batch: the tape stands for that many circuits, run as one vmapped call, and every
        result gets a leading axis of that size (PennyLane's parameter broadcasting).
        """
        return batch_size(self.operations)

    @property
    def num_params(self) -> int:
        return len(self.get_parameters())

    def get_parameters(self) -> list[Any]:
        """The operations' parameters, in order."""
        return [p for op in self.operations for p in op.params]

    def with_parameters(self, params: Sequence[Any]) -> Tape:
        """A copy with the operations' parameters replaced, in the order of :meth:`get_parameters`."""
        params = list(params)
        if len(params) != self.num_params:
            raise ValueError(
                f"with_parameters: 'params' has {len(params)} entries; this tape has {self.num_params}."
            )
        ops_leaves, ops_def = jax.tree_util.tree_flatten(self.operations)
        if len(ops_leaves) != len(params):  # pragma: no cover - one leaf per parameter by construction
            raise AssertionError
        return Tape(jax.tree_util.tree_unflatten(ops_def, params), self.measurements)

    def canonical(self) -> Tape:
        """This tape as a plain :class:`Tape` (a recorded :class:`QuantumTape` has its own class)."""
        return self if type(self) is Tape else Tape(self.operations, self.measurements)

    def split(self) -> tuple[Tape, tuple[Any, ...]]:
        """``(tape without Hamiltonian coefficients, the coefficients per measurement)``."""
        pairs = [m.split() for m in self.measurements]
        bare = object.__new__(Tape)
        object.__setattr__(bare, "operations", self.operations)
        object.__setattr__(bare, "measurements", tuple(p[0] for p in pairs))
        return bare, tuple(p[1] for p in pairs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: wires={list(self.wires)}, params={self.num_params}>"

    def __iter__(self) -> Any:
        return iter(self.operations + self.measurements)


def batch_axes(op: Operation) -> tuple[bool, ...]:
    """For each parameter of ``op``, whether it carries a leading batch axis.

    Raises:
        ValueError: naming the gate and the shape, for a parameter with more than one extra axis.
    """
    ndims = op.ndim_params or (0,) * len(op.params)
    out = []
    for j, (p, ndim) in enumerate(zip(op.params, ndims, strict=True)):
        extra = jnp.ndim(p) - ndim
        if extra > 1:
            wants = "a scalar" if ndim == 0 else f"an array of {ndim} axes"
            raise ValueError(
                f"{op.name}: parameter {j} has shape {jnp.shape(p)}, but it takes {wants}, or a batch of "
                "them with ONE leading axis (parameter broadcasting); reshape it."
            )
        out.append(extra == 1)
    return tuple(out)


def batch_size(ops: Sequence[Operation]) -> int | None:
    """The common batch size of the broadcast parameters of ``ops`` (``None``: no broadcasting).

    Raises:
        ValueError: naming both gates, when two broadcast parameters have different batch sizes.
    """
    size: int | None = None
    owner = ""
    for op in ops:
        for j, batched in enumerate(batch_axes(op)):
            if not batched:
                continue
            b = int(jnp.shape(op.params[j])[0])
            if size is not None and b != size:
                raise ValueError(
                    f"parameter broadcasting: {op.name} on wires {list(op.wires)} has a batch of {b} but "
                    f"{owner} has a batch of {size}; broadcast parameters must share their batch size."
                )
            size, owner = b, f"{op.name} on wires {list(op.wires)}"
    return size


def _validate(ops: Sequence[Any], measurements: Sequence[Any]) -> None:
    for op in ops:
        if not isinstance(op, Operation):
            raise TypeError(f"Tape: 'operations' must hold gates, got {op!r}.")
    for m in measurements:
        if not isinstance(m, MeasurementProcess):
            raise TypeError(f"Tape: 'measurements' must hold measurement processes, got {m!r}.")
    seen_gate = False
    prepared: set[Any] = set()
    for op in ops:
        if op.is_state_preparation:
            if seen_gate:
                raise ValueError(
                    f"Tape: {op!r} prepares a state after other gates; state preparations must come first."
                )
            if prepared & set(op.wires):
                raise ValueError(f"Tape: {op!r} prepares wires that were already prepared.")
            prepared |= set(op.wires)
        else:
            seen_gate = True
    batch_size(ops)


def _tape_flatten(t: Tape) -> tuple[tuple[Any, Any], None]:
    return (t.operations, t.measurements), None


def _tape_unflatten(_: None, children: Sequence[Any]) -> Tape:
    t = object.__new__(Tape)
    object.__setattr__(t, "operations", tuple(children[0]))
    object.__setattr__(t, "measurements", tuple(children[1]))
    return t


jax.tree_util.register_pytree_node(Tape, _tape_flatten, _tape_unflatten)


class QuantumTape(Tape):
    """Records the gates and measurements built inside a ``with`` block into an immutable tape.

    Recording is isolated per context (nested blocks, threads) and works while JAX traces the code.
    After the block the tape is frozen; it can be entered only once.

    Example:
        >>> import quantum_jax as qml
        >>> with qml.tape.QuantumTape() as tape:
        ...     _ = qml.RX(0.5, wires=0)
        ...     _ = qml.expval(qml.PauliZ(0))
        >>> tape.operations
        (RX(0.5, wires=[0]),)
    """

    _cm: Any
    _done: bool
    _items: Any

    def __init__(self, operations: Sequence[Operation] = (), measurements: Sequence[Any] = ()) -> None:
        """Start with ``operations`` and ``measurements``; a ``with`` block records more."""
        super().__init__(tuple(operations), tuple(measurements))
        object.__setattr__(self, "_cm", None)
        object.__setattr__(self, "_done", False)

    def __enter__(self) -> QuantumTape:
        if self._done or self._cm is not None:
            raise RuntimeError("QuantumTape: a tape can be recorded only once; create a new one.")
        cm = _recording.recording()
        object.__setattr__(self, "_cm", cm)
        object.__setattr__(self, "_items", cm.__enter__())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._cm.__exit__(exc_type, exc, tb)
        object.__setattr__(self, "_done", True)
        if exc_type is not None:
            return
        items = self._items
        ops = self.operations + tuple(i for i in items if isinstance(i, Operation))
        ms = self.measurements + tuple(i for i in items if isinstance(i, MeasurementProcess))
        _validate(ops, ms)
        object.__setattr__(self, "operations", ops)
        object.__setattr__(self, "measurements", ms)
        object.__setattr__(self, "_items", None)


# A recorded tape unflattens into a plain Tape: what JAX transforms carry is the immutable record.
jax.tree_util.register_pytree_node(QuantumTape, _tape_flatten, _tape_unflatten)  # type: ignore[arg-type]

JacobianTape = QuantumTape
