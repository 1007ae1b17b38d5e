"""Controlled operations: ``qml.ctrl`` of any operation or quantum function, and the controlled gates.

A controlled operation applies its base on the target wires when the control wires hold
``control_values`` (all 1 by default) and the identity otherwise. It stays the kind of gate its base
is: a permutation stays a permutation (a gather), a diagonal a diagonal, else it is a block-diagonal
matrix. Its parameters are the base's, and its shift rule follows from the controlled generator
``|c><c| (x) G``, whose eigenvalues are the base generator's plus 0 (a control turns a rotation's
single frequency ``{1}`` into ``{1/2, 1}``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, cast

import jax
import jax.numpy as jnp
import numpy as np

from . import _recording
from ._gates import Modified, Monomial, PauliX, QubitUnitary, _rebuilt, check_unitary
from ._operation import Operation, check_matrix_size, numeric, spectrum_frequencies
from ._wires import Wires, as_wires

__all__ = ["Controlled", "ControlledQubitUnitary", "MultiControlledX", "ctrl"]


def _control_values(values: Any, count: int, owner: str) -> tuple[int, ...]:
    """``control_values`` as a tuple of 0/1, one per control wire (all 1 when ``None``)."""
    if values is None:
        return (1,) * count
    items = list(values) if isinstance(values, (list, tuple, np.ndarray)) else [values]
    if len(items) != count:
        raise ValueError(
            f"{owner}: 'control_values' has {len(items)} entries but there are {count} control wire(s); "
            "give one 0/1 value per control wire."
        )
    out = []
    for v in items:
        if isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, np.integer)) and v in (0, 1)):
            out.append(int(v))
        else:
            raise ValueError(f"{owner}: 'control_values' must hold only 0/1 (or booleans), got {v!r}.")
    return tuple(out)


@functools.lru_cache(maxsize=512)
def _controlled_monomial(
    perm: tuple[int, ...], phases: tuple[complex, ...] | None, active: int, num_control: int
) -> Monomial:
    """The permutation (and phases) of a controlled monomial: the base's in block ``active``."""
    k = len(perm)
    out = list(range(k << num_control))
    ph = [1 + 0j] * len(out)
    start = active * k
    for j in range(k):
        out[start + j] = start + perm[j]
        if phases is not None:
            ph[start + j] = complex(phases[j])
    return tuple(out), None if phases is None else tuple(ph)


class Controlled(Modified):
    """An operation applied when the control wires hold ``control_values``; build it with :func:`ctrl`.

    ``wires`` are the control wires followed by the base's wires. ``hyper`` holds the base's class and
    static data, the number of control wires and the control values.

    Example:
        >>> import quantum_jax as qml
        >>> op = qml.ctrl(qml.RX(0.5, wires=0), control=[1, 2], control_values=[1, 0])
        >>> op.control_wires, op.target_wires, op.control_values
        ((1, 2), (0,), [True, False])
    """

    @property
    def num_control(self) -> int:
        """The number of control wires."""
        return int(self.hyper[2])  # type: ignore[call-overload]

    @property
    def control_wires(self) -> Wires:
        """The control wires."""
        return self.wires[: self.num_control]

    @property
    def target_wires(self) -> Wires:
        """The wires the base acts on."""
        return self.wires[self.num_control :]

    def _values(self) -> tuple[int, ...]:
        return cast("tuple[int, ...]", self.hyper[3])

    @property
    def control_values(self) -> list[bool]:
        """For each control wire, the value it must hold (PennyLane's list of booleans)."""
        return [bool(v) for v in self._values()]

    @property
    def base(self) -> Operation:
        """The controlled operation."""
        cls, hyper = self.hyper[0], self.hyper[1]
        return _rebuilt(cls, self.params, self.target_wires, hyper)  # type: ignore[arg-type]

    def _active(self) -> int:
        """The index of the block of basis states (control bits first) the base acts in."""
        return int("".join(str(v) for v in self._values()), 2)

    def _monomial(self) -> Monomial | None:
        """The controlled base's permutation and phases, when the base is a permutation gate."""
        base = self.base
        if base.permutation is None:
            return None
        return _controlled_monomial(tuple(base.permutation), base.phases, self._active(), self.num_control)

    @property
    def spectrum(self) -> Any:  # type: ignore[override]
        """Per parameter, the base generator's eigenvalues and 0 (``None`` where the base's is unknown)."""
        spec = self.base.spectrum
        if spec is None:
            return None
        return tuple(None if s is None else tuple(sorted({*s, 0.0})) for s in spec)

    @property
    def frequencies(self) -> Any:  # type: ignore[override]
        """The frequencies of the controlled generator's spectrum."""
        spec = self.spectrum
        if spec is None:
            return (None,) * len(self.params)
        return tuple(None if s is None else spectrum_frequencies(s) for s in spec)

    def diagonal(self) -> jax.Array:
        """Ones, with the base's diagonal in the active block."""
        d = jnp.asarray(self.base.diagonal())
        k = d.shape[-1]
        start = self._active() * k
        before = jnp.ones(start, d.dtype)
        after = jnp.ones((k << self.num_control) - start - k, d.dtype)
        return jnp.concatenate([before, d, after])

    def matrix(self) -> jax.Array:
        """The identity, with the base's matrix in the active block."""
        if self.permutation is not None or self.is_diagonal:
            return super().matrix()
        m = jnp.asarray(self.base.matrix())
        k = m.shape[-1]
        start = self._active() * k
        eye = jnp.eye(k << self.num_control, dtype=m.dtype)
        return eye.at[start : start + k, start : start + k].set(m)

    @property
    def name(self) -> str:
        return f"C({self.base.name})" if type(self) is Controlled else type(self).__name__

    def __repr__(self) -> str:
        values = "" if all(self._values()) else f", control_values={self.control_values}"
        head = "Controlled" if type(self) is Controlled else type(self).__name__
        return f"{head}({self.base!r}, control_wires={list(self.control_wires)}{values})"


def _parts(
    base: Operation, control: Wires, values: tuple[int, ...], owner: str
) -> tuple[tuple[Any, ...], Wires, tuple[Any, ...]]:
    """The ``(params, wires, hyper)`` of the controlled ``base`` (nested controls merged, new ones first).

    ``base`` leaves the recording: it became part of the controlled operation.
    """
    if base.is_state_preparation:
        raise ValueError(f"{owner}: {base.name} prepares a state and cannot be controlled.")
    overlap = [w for w in control if w in base.wires]
    if overlap:
        raise ValueError(
            f"{owner}: control wires {list(control)} overlap the target wires {list(base.wires)} "
            f"(both hold {overlap}); a wire cannot control itself."
        )
    _recording.forget(base)
    if type(base) is Controlled:
        control, values = control + base.control_wires, values + base._values()
        base = base.base
    return base.params, control + base.wires, (type(base), base.hyper, len(control), values)


def _build(base: Operation, control: Wires, values: tuple[int, ...], owner: str) -> Controlled:
    """The recorded :class:`Controlled` of ``base``, in its place."""
    op = _rebuilt(Controlled, *_parts(base, control, values, owner))
    _recording.record(op)
    return op  # type: ignore[return-value]


def _init_controlled(op: Controlled, parts: tuple[tuple[Any, ...], Wires, tuple[Any, ...]]) -> None:
    """Set a controlled gate's fields from ``_parts`` and record it."""
    for field, value in zip(("params", "wires", "hyper"), parts, strict=True):
        object.__setattr__(op, field, value)
    _recording.record(op)


class MultiControlledX(Controlled):
    """A Pauli X on the last wire, applied when the other wires hold ``control_values``.

    Args:
        wires: the control wires followed by the target wire.
        control_values: one 0/1 (or boolean) per control wire; all 1 by default.
        work_wires: unused (the simulator needs no work wires for the decomposition).
        work_wire_type: unused (``"borrowed"`` or ``"zeroed"`` in PennyLane).

    Example:
        >>> import quantum_jax as qml
        >>> qml.MultiControlledX(wires=[0, 1, 2], control_values=[1, 0]).permutation
        (0, 1, 2, 3, 5, 4, 6, 7)
    """

    def __init__(
        self,
        wires: Any = None,
        control_values: Any = None,
        work_wires: Any = None,
        work_wire_type: str = "borrowed",
    ) -> None:
        """Control an X on ``wires[-1]`` by ``wires[:-1]``."""
        ws = as_wires(wires, "MultiControlledX")
        if len(ws) < 2:
            raise ValueError(
                f"MultiControlledX: needs at least 2 wires (the control wires, then the target), got "
                f"wires={ws}."
            )
        values = _control_values(control_values, len(ws) - 1, "MultiControlledX")
        with _recording.paused():
            target = PauliX(wires=ws[-1])
        _init_controlled(self, _parts(target, ws[:-1], values, "MultiControlledX"))


def _split_wires(dim: int, wires: Any, control_wires: Any) -> tuple[Wires, Wires]:
    """ControlledQubitUnitary's ``(controls, targets)`` from its wire arguments."""
    k = dim.bit_length() - 1
    if control_wires is not None:  # the pre-0.42 signature: ``wires`` are the targets only
        return as_wires(control_wires, "ControlledQubitUnitary"), as_wires(wires, "ControlledQubitUnitary")
    ws = as_wires(wires, "ControlledQubitUnitary")
    if len(ws) <= k:
        raise ValueError(
            f"ControlledQubitUnitary: 'U' acts on {k} wire(s), so 'wires' needs at least {k + 1} "
            f"(the control wires, then the {k} target wire(s)), got wires={ws}."
        )
    return ws[:-k], ws[-k:]


class ControlledQubitUnitary(Controlled):
    """A unitary matrix ``U`` on the last wires, applied when the first wires hold ``control_values``.

    PennyLane 0.45's signature: ``wires`` are the control wires followed by the ``log2(len(U))``
    target wires. The older form ``control_wires=..., wires=<targets>`` is accepted too.

    Args:
        U: the unitary (a square ``2^k x 2^k`` array, or a :class:`QubitUnitary` whose matrix is used).
        wires: the control wires followed by the target wires.
        control_values: one 0/1 (or boolean) per control wire; all 1 by default.
        unitary_check: check a concrete ``U`` for unitarity (as :class:`QubitUnitary` does).
        work_wires: unused (the simulator needs no work wires for the decomposition).
        work_wire_type: unused (``"borrowed"`` or ``"zeroed"`` in PennyLane).
        control_wires: the control wires, in the older signature (then ``wires`` are the targets).

    Example:
        >>> import quantum_jax as qml
        >>> op = qml.ControlledQubitUnitary([[0, 1], [1, 0]], wires=[0, 1, 2])
        >>> op.control_wires, op.target_wires
        ((0, 1), (2,))
    """

    num_params = 1

    def __init__(
        self,
        U: Any,  # noqa: N803 -- PennyLane's argument name
        wires: Any = None,
        control_values: Any = None,
        unitary_check: bool = True,
        work_wires: Any = None,
        work_wire_type: str = "borrowed",
        *,
        control_wires: Any = None,
    ) -> None:
        """Control ``U`` on the last wires by the first ones."""
        if isinstance(U, QubitUnitary):
            _recording.forget(U)
            if wires is None and control_wires is not None:
                wires = U.wires
            U = U.params[0]  # noqa: N806
        raw = numeric(U, "ControlledQubitUnitary: 'U'")  # checked before jnp makes it a trace constant
        U = jnp.asarray(raw)  # noqa: N806
        dim = U.shape[-1] if U.ndim == 2 and U.shape[0] == U.shape[1] else 0
        if dim < 2 or dim & (dim - 1):
            raise ValueError(
                f"ControlledQubitUnitary: 'U' must be a square 2^k x 2^k matrix, got shape {U.shape}."
            )
        controls, targets = _split_wires(dim, wires, control_wires)
        check_matrix_size("ControlledQubitUnitary", "U", dim, targets)
        values = _control_values(control_values, len(controls), "ControlledQubitUnitary")
        if unitary_check:
            check_unitary("ControlledQubitUnitary", raw)
        with _recording.paused():
            base = QubitUnitary(U, wires=targets, unitary_check=False)
        _init_controlled(self, _parts(base, controls, values, "ControlledQubitUnitary"))


def ctrl(
    op: Any,
    control: Any,
    control_values: Any = None,
    work_wires: Any = None,
    work_wire_type: str = "borrowed",
) -> Any:
    """The controlled version of an operation, or of every operation a quantum function records.

    Args:
        op: an operation, a gate class or a function that applies gates.
        control: the control wire(s).
        control_values: one 0/1 (or boolean) per control wire; all 1 by default.
        work_wires: unused (the simulator needs no work wires).
        work_wire_type: unused (``"borrowed"`` or ``"zeroed"`` in PennyLane).

    Returns:
        For an operation, a :class:`Controlled` operation (recorded in its place). For a class or
        function, a function with the same arguments that records the controlled versions of the
        operations it creates, in order (returning the controlled operation when it returns one).

    Raises:
        TypeError: ``op`` is neither an operation nor callable.
        ValueError: ``control_values`` has the wrong length or a value other than 0/1, the control
            wires overlap the operation's wires, or the operation prepares a state.

    Example:
        >>> import quantum_jax as qml
        >>> qml.ctrl(qml.PauliX(wires=1), control=0).permutation
        (0, 1, 3, 2)
        >>> qml.ctrl(qml.RX, control=1)(0.5, wires=0).frequencies
        ((0.5, 1.0),)
    """
    wires = as_wires(control, "ctrl")
    values = _control_values(control_values, len(wires), "ctrl")
    if isinstance(op, Operation):
        return _build(op, wires, values, "ctrl")
    if callable(op):
        return _controlled_function(op, wires, values)
    raise TypeError(f"ctrl: 'op' must be an operation or a callable that applies operations, got {op!r}.")


def _controlled_function(fn: Callable[..., Any], wires: Wires, values: tuple[int, ...]) -> Callable[..., Any]:
    """``fn`` recording the controlled versions of the operations it records."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _recording.recording() as inner:
            out = fn(*args, **kwargs)
        ops: Sequence[Operation] = [o for o in inner if isinstance(o, Operation)]
        controlled = [_build(o, wires, values, "ctrl") for o in ops]
        return controlled[0] if isinstance(out, Operation) and len(controlled) == 1 else out

    return wrapper


CONTROLLED_GATES: tuple[type[Operation], ...] = (ControlledQubitUnitary, MultiControlledX)
"""The controlled gate classes constructible on their own, for conformance tests and lookups by name."""
