"""PennyLane's optimizers (``step``, ``step_and_cost``), built on optax."""

from __future__ import annotations

__all__: list[str] = []
