"""A noise model as a tape transform: a channel inserted after every gate of given kinds.

``insert(tape, op, op_args, position)`` (PennyLane's ``qml.transforms.insert``) returns the tape with
``op(*op_args, wires=...)`` added after each gate that ``position`` selects, so a noiseless circuit
function can be trained under noise: ``insert(qnode, qml.DepolarizingChannel, 0.01,
position=lambda g: len(g.wires) == 2)`` adds depolarising noise after each two-qubit gate. The result
needs the density-matrix device (``qml.device("default.mixed", ...)``) when ``op`` is a channel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import _recording
from ._operation import Operation
from ._tape import Tape
from ._tape_transforms import PostProcess, TapeTransform, measurement_values, pack

_NAMED = ("all", "start", "end")


def _selector(position: Any) -> Callable[[Operation], bool] | None:
    """Which gates ``position`` selects (``None`` for ``"start"``/``"end"``)."""
    if isinstance(position, str):
        if position not in _NAMED:
            raise ValueError(
                f"insert: 'position' must be 'all', 'start', 'end', a gate class, a list of gate classes "
                f"or a predicate gate -> bool, got {position!r}."
            )
        return (lambda op: True) if position == "all" else None
    if isinstance(position, type):
        position = [position]
    if isinstance(position, (list, tuple)):
        kinds = tuple(position)
        if not kinds or not all(isinstance(k, type) and issubclass(k, Operation) for k in kinds):
            raise ValueError(f"insert: 'position' must list gate classes such as qml.CNOT, got {position!r}.")
        return lambda op: isinstance(op, kinds)
    if callable(position):
        return position
    raise ValueError(
        f"insert: 'position' must be 'all', 'start', 'end', a gate class, a list of them or a predicate, "
        f"got {position!r}."
    )


def _build(op: Any, args: tuple[Any, ...], wires: Sequence[Any]) -> list[Operation]:
    """``op`` on ``wires``: once per wire for a one-wire ``op``, else once on all of them."""
    per_wire = getattr(op, "num_wires", None) == 1
    groups = [[w] for w in wires] if per_wire else [list(wires)]
    with _recording.paused():
        made = [op(*args, wires=g if len(g) > 1 else g[0]) for g in groups]
    for m in made:
        if not isinstance(m, Operation):
            raise TypeError(f"insert: 'op' must build an operation such as qml.BitFlip, got {m!r}.")
    return made


def _insert(
    tape: Tape, op: Any, op_args: Any = (), position: Any = "all", before: bool = False
) -> tuple[list[Tape], PostProcess]:
    """The tape with ``op(*op_args, wires=...)`` inserted at ``position``.

    Args:
        tape: the tape.
        op: an operation class (``qml.DepolarizingChannel``) or a function ``(*op_args, wires) -> op``.
            A one-wire ``op`` is inserted on every wire of the selected gate, another on all its wires.
        op_args: the parameters of ``op``: one value or a tuple.
        position: ``"all"`` (after every gate), ``"start"`` (on every wire, after the state
            preparations), ``"end"`` (on every wire, before the measurements), a gate class or a list of
            them, or a predicate ``gate -> bool`` (``lambda g: len(g.wires) == 2``).
        before: insert before the selected gates instead of after them.

    Returns:
        ``([noisy tape], fn)``; ``fn`` returns the noisy tape's result. State preparations and channels
        already in the tape are never selected.

    Example:
        >>> import quantum_jax as qml
        >>> tape = qml.tape.Tape([qml.RX(0.1, wires=0), qml.CNOT(wires=[0, 1])], [qml.expval(qml.PauliZ(1))])
        >>> (noisy,), fn = insert(tape, qml.DepolarizingChannel, 0.01, position=[qml.CNOT])
        >>> [op.name for op in noisy.operations]
        ['RX', 'CNOT', 'DepolarizingChannel', 'DepolarizingChannel']
    """
    args = tuple(op_args) if isinstance(op_args, (tuple, list)) else (op_args,)
    select = _selector(position)
    preps = [g for g in tape.operations if g.is_state_preparation]
    gates = [g for g in tape.operations if not g.is_state_preparation]
    wires = list(dict.fromkeys(w for g in tape.operations for w in g.wires)) or list(tape.wires)
    if select is None:
        noise = _build(op, args, wires)
        ops = preps + (noise + gates if position == "start" else gates + noise)
    else:
        ops = list(preps)
        for g in gates:
            chosen = not g.is_channel and bool(select(g))
            extra = _build(op, args, g.wires) if chosen else []
            ops += [*extra, g] if before else [g, *extra]
    new = Tape(tuple(ops), tape.measurements)
    return [new], lambda results: pack(measurement_values(new, results[0]))


insert = TapeTransform(_insert)
