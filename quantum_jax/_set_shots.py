"""``qml.set_shots``: a QNode with other shots, as a function or a decorator.

The QNode is never changed: the result is a copy whose device (an immutable description) carries the
new shots. A device given shots without a seed draws one, once, as ``qml.device`` does.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from typing import Any

from ._qnode import QNode
from ._shots import as_shots
from ._tape_transforms import TransformedQNode

_NOT_GIVEN: Any = object()


def _with_shots(qnode: Any, shots: Any) -> Any:
    if isinstance(qnode, TransformedQNode):
        return qnode.map_base(lambda q: _with_shots(q, shots))
    if not isinstance(qnode, QNode):
        raise ValueError(
            f"set_shots: 'qnode' must be a QNode (made with qml.qnode or qml.QNode), got {qnode!r} "
            f"({type(qnode).__name__}); decorate the QNode, i.e. put @qml.set_shots above @qml.qnode."
        )
    spec = as_shots(shots, "set_shots")
    dev = qnode.device
    seed = dev.seed
    if spec is not None and seed is None:
        seed = int.from_bytes(os.urandom(4), "little")  # drawn once, kept on the device: reproducible
    new = copy.copy(qnode)
    new.device = dataclasses.replace(dev, shots=spec, seed=seed)
    return new


def set_shots(*args: Any, shots: Any = _NOT_GIVEN) -> Any:
    """Set a QNode's shots: ``set_shots(qnode, shots)``, or the decorator ``@set_shots(shots)``.

    Forms (as PennyLane 0.45): ``set_shots(qnode, 100)`` and ``set_shots(qnode, shots=100)`` return a
    new QNode; ``set_shots(100)``, ``set_shots(shots=100)`` and ``functools.partial(set_shots,
    shots=100)`` are decorators. ``shots`` is ``None`` (exact results), a positive int or a shot vector
    such as ``[10, (100, 2)]``. The original QNode keeps its shots; a call's ``shots=`` still overrides.

    Args:
        *args: the QNode and/or the shots, positionally.
        shots: the shots, by keyword.

    Returns:
        The new QNode, or a decorator making one.

    Raises:
        TypeError: for too many arguments, or shots given twice or not at all.
        ValueError: when what is transformed is not a QNode, or for invalid shots.

    Example:
        >>> import quantum_jax as qml
        >>> @set_shots(1000)
        ... @qml.qnode(qml.device("default.qubit", wires=1, seed=7))
        ... def circuit():
        ...     qml.Hadamard(0)
        ...     return qml.sample(qml.PauliZ(0))
        >>> circuit().shape, set_shots(circuit, shots=None).device.shots is None
        ((1000,), True)
    """
    if len(args) > 2:
        raise TypeError(f"set_shots takes a QNode and the shots, got {len(args)} positional arguments.")
    first_is_qnode = bool(args) and isinstance(args[0], (QNode, TransformedQNode))
    if len(args) == 2:
        if shots is not _NOT_GIVEN:
            raise TypeError("set_shots: the shots were given twice (positionally and as shots=).")
        return _with_shots(args[0], args[1])
    if len(args) == 1 and (first_is_qnode or shots is not _NOT_GIVEN):
        if shots is _NOT_GIVEN:
            raise TypeError(
                "set_shots: no shots given; call set_shots(qnode, N) or set_shots(qnode, shots=N)."
            )
        return _with_shots(args[0], shots)
    if len(args) == 1:
        value = args[0]
    elif shots is not _NOT_GIVEN:
        value = shots
    else:
        raise TypeError("set_shots: no shots given; use @qml.set_shots(N) or set_shots(qnode, shots=N).")
    as_shots(value, "set_shots")  # fail at decoration time, not on the first call

    def decorator(qnode: Any) -> Any:
        return _with_shots(qnode, value)

    decorator.__doc__ = f"Apply set_shots(qnode, shots={value!r})."
    return decorator
