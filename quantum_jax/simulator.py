"""The statevector simulator's public functions."""

from ._simulator import final_state as final_state
from ._simulator import simulate as simulate

__all__ = ["final_state", "simulate"]
