"""The Pauli algebra as operators: ``qml.pauli.PauliWord``, ``qml.pauli.PauliSentence`` and conversions."""

from __future__ import annotations

from ._arithmetic import pauli_decompose, pauli_sentence
from ._pauli import PauliSentence, PauliWord

__all__: list[str] = ["PauliSentence", "PauliWord", "pauli_decompose", "pauli_sentence"]
