"""Tape transforms: ``broadcast_expand``, ``split_non_commuting``, ``batch_input``, ``defer_measurements``.

``insert`` adds noise (a channel after chosen gates).
"""

from ._noise import insert as insert
from ._tape_transforms import TapeTransform as TapeTransform
from ._tape_transforms import TransformedQNode as TransformedQNode
from ._tape_transforms import batch_input as batch_input
from ._tape_transforms import broadcast_expand as broadcast_expand
from ._tape_transforms import defer_measurements as defer_measurements
from ._tape_transforms import split_non_commuting as split_non_commuting

__all__ = [
    "TapeTransform",
    "TransformedQNode",
    "batch_input",
    "broadcast_expand",
    "defer_measurements",
    "insert",
    "split_non_commuting",
]
