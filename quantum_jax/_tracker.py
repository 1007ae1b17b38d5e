"""Counting circuit executions without making devices mutable.

A :class:`Tracker` is a context manager. Code traced while one is active reports, at run time, each
circuit it simulates and each batched call it makes (through ``jax.debug.callback``, so the counts
are right under ``jit`` and ``vmap``). Functions traced with no tracker active carry no callbacks and
cost nothing; a function that ``jax.jit`` compiled before the tracker was entered is not counted.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

import jax

_LOCK = threading.Lock()
_ACTIVE: list[Tracker] = []  # trackers are entered by user code; callbacks run on runtime threads


class Tracker:
    """Counts circuit executions and batched calls.

    Attributes:
        totals: ``{"executions": circuits simulated, "batches": batched calls}``.
        history: ``{"batch_sizes": [circuits in each batched call, in order]}``.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> tape = qml.tape.Tape([qml.RX(0.3, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> with qml.Tracker() as tracker:
        ...     _ = qml.execute([tape, tape], dev, None, cache=False)
        >>> tracker.totals["executions"]
        2
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.totals: dict[str, int] = {"executions": 0, "batches": 0}
        self.history: dict[str, list[Any]] = {"batch_sizes": []}

    def __enter__(self) -> Tracker:
        with _LOCK:
            _ACTIVE.append(self)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        jax.effects_barrier()
        with _LOCK:
            _ACTIVE.remove(self)

    def __repr__(self) -> str:
        return f"Tracker(totals={self.totals})"


def tracking() -> bool:
    """Whether a tracker is active (decides, at trace time, whether to insert counting callbacks)."""
    return bool(_ACTIVE)


def _on_execution(_: Any = None) -> None:
    with _LOCK:
        for t in _ACTIVE:
            t.totals["executions"] += 1


def _on_batch(size: Any) -> None:
    with _LOCK:
        for t in _ACTIVE:
            t.totals["batches"] += 1
            t.history["batch_sizes"].append(int(size))


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
