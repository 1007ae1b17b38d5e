"""``qml.noise``: noise models as tape transforms (PennyLane 0.45 keeps ``insert`` here)."""

from ._noise import insert as insert

__all__ = ["insert"]
