"""The Pauli algebra as operators: ``qml.pauli.PauliWord`` and ``qml.pauli.PauliSentence``."""

from __future__ import annotations

__all__: list[str] = []
