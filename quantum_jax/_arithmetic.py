"""Operator arithmetic: sums, products, scalar products and powers of operators."""

from __future__ import annotations

__all__: list[str] = []
