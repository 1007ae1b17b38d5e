"""Templates: embeddings and layered ansatzes that record gates of the library."""

from __future__ import annotations

__all__: list[str] = []
