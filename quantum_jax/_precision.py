"""Float64 parity: PennyLane-style calls compute float64 data in float64; JAX-style calls warn first.

JAX computes in float32 unless its x64 mode is on, while PennyLane (NumPy, autograd) computes in
float64. PennyLane-style entry points (``qml.execute``, QNodes with the ``autograd``/``numpy``
interface or ``auto`` with NumPy inputs, ``qml.grad``) turn x64 on when they are given float64 data
(NumPy float64 arrays, Python floats), as importing ``quantum_jax.numpy`` does. JAX-interface code
follows JAX's setting and warns once when float64 input would be computed in float32.
"""

from __future__ import annotations

import warnings
from typing import Any

import jax
import numpy as np

_WIDE = (np.float64, np.complex128)
_warned: list[bool] = []  # one warning per process


def enable_float64() -> None:
    """Turn on JAX's x64 mode (a no-op when it is on)."""
    if not jax.config.read("jax_enable_x64"):
        jax.config.update("jax_enable_x64", True)


def _leaves(tree: Any) -> list[Any]:
    return jax.tree_util.tree_leaves(tree)


def has_float64(tree: Any) -> bool:
    """Whether ``tree`` holds concrete float64 data: NumPy float64/complex128 arrays or Python floats.

    Example:
        >>> has_float64([0.5, np.float32(1.0)]), has_float64(np.ones(2, np.float32))
        (True, False)
    """
    return any(
        isinstance(x, (float, complex)) or (isinstance(x, (np.ndarray, np.generic)) and x.dtype in _WIDE)
        for x in _leaves(tree)
    )


def match_call(interface: str | None, inputs: Any, owner: str) -> None:
    """The precision rule of a QNode call (or a transform of one) with these ``inputs``.

    PennyLane-style calls (the ``autograd``/``numpy`` interface, or ``auto`` with no JAX array among the
    inputs: NumPy arrays, Python numbers, or nothing at all, the circuit's data then being its own
    constants) compute in float64 as PennyLane does, so they turn x64 on before the circuit is recorded.
    JAX-style calls follow JAX's setting and warn once before downcasting float64 input.
    """
    jax_style = any(isinstance(x, jax.Array) for x in _leaves(inputs))
    if interface in ("autograd", "numpy") or (interface in ("auto", None) and not jax_style):
        enable_float64()
    else:
        warn_if_downcast(inputs, owner)


def match_pennylane(tree: Any) -> None:
    """For a PennyLane-style call: compute ``tree``'s float64 data in float64 (turning x64 on)."""
    if has_float64(tree):
        enable_float64()


def warn_if_downcast(tree: Any, owner: str) -> None:
    """For a JAX-style call: warn, once per process, if x64 is off and ``tree`` holds float64 NumPy data."""
    if jax.config.read("jax_enable_x64") or _warned:
        return
    if any(isinstance(x, (np.ndarray, np.generic)) and x.dtype in _WIDE for x in _leaves(tree)):
        _warned.append(True)
        warnings.warn(
            f"{owner}: float64 input is computed in float32 because JAX's x64 mode is off; call "
            "jax.config.update('jax_enable_x64', True) first to compute in float64, or pass float32 "
            "arrays to silence this warning.",
            UserWarning,
            stacklevel=3,
        )
