"""Validation of wire arguments."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np

Wires = tuple[Hashable, ...]


def as_wires(wires: Any, owner: str) -> Wires:
    """Normalize ``wires`` (a label or an iterable of labels) into a tuple of hashable labels.

    Raises:
        TypeError: if ``wires`` is missing or a label is not hashable.
        ValueError: if a label appears twice.
    """
    if wires is None:
        raise TypeError(f"{owner}: missing the 'wires' argument; pass e.g. wires=0 or wires=[0, 1].")
    if isinstance(wires, (str, bytes)) or not isinstance(wires, Iterable):
        items: list[Any] = [wires]
    else:
        items = list(np.asarray(wires).ravel()) if isinstance(wires, np.ndarray) else list(wires)
    out = []
    for w in items:
        if isinstance(w, np.integer):
            w = int(w)
        if isinstance(w, (float, np.floating)) and float(w).is_integer():
            raise TypeError(f"{owner}: wire label {w!r} is a float; use integers or strings as wire labels.")
        try:
            hash(w)
        except TypeError:
            raise TypeError(f"{owner}: wire label {w!r} is not hashable; use integers or strings.") from None
        out.append(w)
    seen: set[Hashable] = set()
    dups = [w for w in out if w in seen or seen.add(w)]  # type: ignore[func-returns-value]
    if dups:
        raise ValueError(
            f"{owner}: wires={tuple(out)} repeat {tuple(dict.fromkeys(dups))}; each wire may appear once."
        )
    return tuple(out)
