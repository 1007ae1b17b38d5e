"""Fermionic gates: excitations, orbital rotations and the fermionic swap, with their shift rules."""

from __future__ import annotations

__all__: list[str] = []
