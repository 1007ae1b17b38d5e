"""Controlled operations: ``qml.ctrl`` of any operation or quantum function, and the controlled gates."""

from __future__ import annotations

__all__: list[str] = []
