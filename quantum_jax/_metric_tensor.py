"""The metric tensor (quantum Fisher information / 4) of a QNode, for quantum natural gradient."""

from __future__ import annotations

__all__: list[str] = []
