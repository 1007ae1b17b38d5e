"""Matrices and eigenvalues of operators, quantum functions and QNodes (``qml.matrix``, ``qml.eigvals``)."""

from __future__ import annotations

__all__: list[str] = []
