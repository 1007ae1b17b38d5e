"""Counting circuit executions without making devices mutable.

A :class:`Tracker` is active inside a ``with`` block (or while ``tracker.active`` is ``True``). Code
traced while one is active reports, at run time, each circuit it simulates and each batched call it
makes (through ``jax.debug.callback``, so the counts are right under ``jit`` and ``vmap``). Functions
traced with no tracker active carry no callbacks and cost nothing; a function that ``jax.jit`` compiled
before the tracker became active is not counted.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

import jax

from ._device import Device

_LOCK = threading.Lock()
_ACTIVE: list[Tracker] = []  # trackers are entered by user code; callbacks run on runtime threads

Callback = Callable[..., Any]


class Tracker:
    """Records circuit executions and batched calls, as PennyLane's ``qml.Tracker`` does.

    Three dictionaries hold what was recorded: ``latest`` (the last update), ``history`` (a list of
    the values of every key, one entry per update) and ``totals`` (the running sum of every numeric
    key). Each simulated circuit updates ``executions=1``; each batched call of ``n`` circuits
    updates ``batches=1, batch_len=n`` (its size is also listed under ``history["batch_sizes"]``).

    Devices here are immutable and shared, so a tracker counts the circuits of every device while it
    is active; ``dev`` is accepted (and checked) for PennyLane compatibility.

    Args:
        dev: a device made by ``qml.device(...)``, or ``None``.
        callback: called as ``callback(totals=..., history=..., latest=...)`` after every update.
        persistent: keep what was recorded when the tracker is entered again (by default entering
            resets it).

    Raises:
        TypeError: when ``dev`` is not a device or ``callback`` is not callable.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> tape = qml.tape.Tape([qml.RX(0.3, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> with qml.Tracker(dev) as tracker:
        ...     _ = qml.execute([tape, tape], dev, None, cache=False)
        >>> tracker.totals["executions"], tracker.history["batch_len"]
        (2, [2])
    """

    def __init__(self, dev: Device | None = None, callback: Callback | None = None, persistent: bool = False):
        """Create an inactive tracker (see the class documentation for the arguments)."""
        if dev is not None and not isinstance(dev, Device):
            raise TypeError(
                f"Tracker: 'dev' must be a device made by qml.device(...) or None, got {dev!r} "
                f"({type(dev).__name__})."
            )
        if callback is not None and not callable(callback):
            raise TypeError(
                f"Tracker: 'callback' must be callable as callback(totals=..., history=..., latest=...) "
                f"or None, got {callback!r}."
            )
        self.dev = dev
        self.callback = callback
        self.persistent = bool(persistent)
        self.reset()

    def reset(self) -> None:
        """Forget everything recorded: ``totals``, ``history`` and ``latest``."""
        self.totals: dict[str, Any] = {"executions": 0, "batches": 0}
        self.history: dict[str, list[Any]] = {
            "executions": [],
            "batches": [],
            "batch_len": [],
            "batch_sizes": [],
        }
        self.latest: dict[str, Any] = {}

    @property
    def active(self) -> bool:
        """Whether the tracker records; set it to start or stop recording without a ``with`` block."""
        with _LOCK:
            return any(t is self for t in _ACTIVE)

    @active.setter
    def active(self, value: bool) -> None:
        with _LOCK:
            present = any(t is self for t in _ACTIVE)
            if value and not present:
                _ACTIVE.append(self)
            elif not value and present:
                _ACTIVE[:] = [t for t in _ACTIVE if t is not self]

    def update(self, **kwargs: Any) -> None:
        """Record ``key=value`` pairs: ``latest`` becomes them, ``history`` appends, numbers add up.

        Example:
            >>> t = Tracker()
            >>> t.update(shots=100, note="a")
            >>> t.update(shots=50)
            >>> t.totals["shots"], t.history["note"], t.latest
            (150, ['a'], {'shots': 50})
        """
        with _LOCK:
            self._store(kwargs, totalled=tuple(kwargs))
        self.record()

    def _store(
        self, values: dict[str, Any], totalled: tuple[str, ...], extra: dict[str, Any] | None = None
    ) -> None:
        """``update`` without the callback, under the lock.

        Only the keys in ``totalled`` add up; ``extra`` entries go to ``history`` alone.
        """
        self.latest = dict(values)
        for key, value in {**values, **(extra or {})}.items():
            self.history.setdefault(key, []).append(value)
            if key in totalled and isinstance(value, numbers.Number) and not isinstance(value, bool):
                self.totals[key] = self.totals.get(key, 0) + value

    def record(self) -> None:
        """Call the ``callback`` (if any) with the current ``totals``, ``history`` and ``latest``."""
        if self.callback is not None:
            self.callback(totals=self.totals, history=self.history, latest=self.latest)

    def __enter__(self) -> Tracker:
        if not self.persistent:
            self.reset()
        self.active = True
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        jax.effects_barrier()
        self.active = False

    def __repr__(self) -> str:
        return f"Tracker(totals={self.totals})"


def tracking() -> bool:
    """Whether a tracker is active (decides, at trace time, whether to insert counting callbacks)."""
    return bool(_ACTIVE)


def _notify(event: dict[str, Any], totalled: tuple[str, ...], extra: dict[str, Any] | None = None) -> None:
    with _LOCK:
        trackers = list(_ACTIVE)
        for t in trackers:
            t._store(event, totalled, extra)
    for t in trackers:  # user callbacks run outside the lock: they may inspect any tracker
        t.record()


def _on_execution(_: Any = None) -> None:
    _notify({"executions": 1}, ("executions",))


def _on_batch(size: Any) -> None:
    n = int(size)
    _notify({"batches": 1, "batch_len": n}, ("batches",), {"batch_sizes": n})


def count_execution(result: Any = None) -> None:
    """Report one circuit simulation, passing a scalar of its ``result``.

    Under ``vmap`` a callback fires once per batch element only for batched arguments, so the result
    (batched whenever anything is) makes every circuit of a batch count.
    """
    if _ACTIVE:
        leaves = jax.tree_util.tree_leaves(result)
        token = jax.numpy.ravel(jax.numpy.real(leaves[0]))[0] if leaves else None
        jax.debug.callback(_on_execution, token)


def count_batch(size: int) -> None:
    """Report one batched call of ``size`` circuits (call outside the ``vmap``)."""
    if _ACTIVE:
        jax.debug.callback(_on_batch, size)
