"""QAOA building blocks: ``qml.qaoa.maxcut``, ``cost_layer``, ``mixer_layer``."""

from __future__ import annotations

from ._qaoa import *  # noqa: F403
from ._qaoa import __all__ as __all__
