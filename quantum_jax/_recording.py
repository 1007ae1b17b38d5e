"""Recording of operations and measurements built inside a tape context.

Each context owns its own list, held in a :class:`contextvars.ContextVar`, so nested contexts,
threads and asyncio tasks never see each other's recordings.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

_ACTIVE: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "quantum_jax_recording", default=None
)


@contextlib.contextmanager
def recording() -> Iterator[list[Any]]:
    """Collect every operation and measurement constructed inside the block, in order."""
    items: list[Any] = []
    token = _ACTIVE.set(items)
    try:
        yield items
    finally:
        _ACTIVE.reset(token)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Construct objects without recording them (used for internal helper objects)."""
    token = _ACTIVE.set(None)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def record(obj: Any) -> None:
    """Append ``obj`` to the active recording, if there is one."""
    items = _ACTIVE.get()
    if items is not None:
        items.append(obj)


def forget(*objs: Any) -> None:
    """Remove ``objs`` (by identity) from the active recording: they became part of something else."""
    items = _ACTIVE.get()
    if items is None:
        return
    for obj in objs:
        for i in range(len(items) - 1, -1, -1):
            if items[i] is obj:
                del items[i]
                break


def is_recording() -> bool:
    return _ACTIVE.get() is not None
