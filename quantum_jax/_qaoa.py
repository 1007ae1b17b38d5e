"""QAOA building blocks: MaxCut cost and mixer Hamiltonians and their layers (``qml.qaoa``)."""

from __future__ import annotations

__all__: list[str] = []
