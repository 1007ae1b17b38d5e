"""Shot counts and shot vectors."""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass(frozen=True)
class Shots:
    """A number of shots, or a shot vector: one result per bin.

    Attributes:
        bins: the shots of each bin (``(100, 1000, 10, 10)`` for ``[100, 1000, (10, 2)]``).
        vector: whether results get a leading bin axis (a list was given, even of one bin).
    """

    bins: tuple[int, ...]
    vector: bool = False

    @property
    def total(self) -> int:
        return sum(self.bins)

    def __repr__(self) -> str:
        return f"Shots({list(self.bins) if self.vector else self.bins[0]})"


def _count(value: Any, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            raise TypeError(
                f"{owner}: 'shots' must be an integer, got the float {value!r}; pass int({value})."
            )
        raise TypeError(f"{owner}: 'shots' must be a positive integer, got {value!r}.")
    if value <= 0:
        raise ValueError(f"{owner}: 'shots' must be positive, got {value}; use shots=None for exact results.")
    return int(value)


def as_shots(value: Any, owner: str) -> Shots | None:
    """Validate ``shots``: ``None``, a positive int, or a list of ints and ``(shots, copies)`` pairs.

    Example:
        >>> as_shots([100, (10, 2)], "device").bins
        (100, 10, 10)
    """
    if value is None or isinstance(value, Shots):
        return value
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if not value:
            raise ValueError(f"{owner}: a shot vector must not be empty.")
        bins: list[int] = []
        for item in value:
            if isinstance(item, Sequence) and not isinstance(item, (str, bytes)):
                if len(item) != 2:
                    raise ValueError(f"{owner}: shot-vector entry {item!r} must be (shots, copies).")
                bins += [_count(item[0], owner)] * _count(item[1], owner)
            else:
                bins.append(_count(item, owner))
        return Shots(tuple(bins), vector=True)
    return Shots((_count(value, owner),))


def check_key(key: Any, owner: str) -> jax.Array:
    """Accept a JAX PRNG key (``jax.random.key`` or the legacy ``PRNGKey`` uint32[2])."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        raise TypeError(
            f"{owner}: 'key' must be a JAX PRNG key, got the integer {key}; pass jax.random.key({key})."
        )
    try:
        arr = key if isinstance(key, jax.Array) else jnp.asarray(key)
    except TypeError:
        raise TypeError(f"{owner}: 'key' must be a JAX PRNG key, got {type(key).__name__}.") from None
    if jnp.issubdtype(arr.dtype, jax.dtypes.prng_key):
        if arr.shape != ():
            raise ValueError(
                f"{owner}: 'key' must be a single PRNG key, got shape {arr.shape}; vmap over keys instead."
            )
        return arr
    if arr.dtype == jnp.uint32 and arr.shape == (2,):
        return jax.random.wrap_key_data(arr)
    raise TypeError(
        f"{owner}: 'key' must be a JAX PRNG key (jax.random.key(seed)), got an array of dtype "
        f"{arr.dtype} and shape {arr.shape}."
    )
