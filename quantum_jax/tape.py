"""Tapes: ``qml.tape.QuantumTape`` / ``JacobianTape`` recording contexts and the immutable ``Tape``."""

from ._tape import JacobianTape as JacobianTape
from ._tape import QuantumTape as QuantumTape
from ._tape import Tape as Tape

__all__ = ["JacobianTape", "QuantumTape", "Tape"]
