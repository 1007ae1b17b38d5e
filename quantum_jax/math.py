"""``qml.math``: array functions that work on NumPy arrays, JAX arrays and tracers alike.

PennyLane's ``qml.math`` dispatches between NumPy, autograd, JAX, Torch and TensorFlow. Here every
array is a NumPy or JAX array, so its functions are JAX's (``qml.math.stack``, ``qml.math.sum``,
``qml.math.cos``, ...), plus PennyLane's own helpers below.

Example:
    >>> import quantum_jax as qml
    >>> qml.math.stack([1.0, 2.0]).shape
    (2,)
    >>> qml.math.get_interface(qml.math.ones(2))
    'jax'
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["allclose", "get_interface", "requires_grad", "to_numpy"]


def get_interface(*values: Any) -> str:
    """``"jax"`` if any value is a JAX array or tracer, else ``"numpy"``."""
    leaves = jax.tree_util.tree_leaves(values)
    return "jax" if any(isinstance(x, jax.Array) for x in leaves) else "numpy"


def to_numpy(value: Any) -> np.ndarray:
    """A NumPy copy of a concrete array.

    Raises:
        TypeError: for a tracer (inside ``jit``/``grad``), which has no concrete value.
    """
    if isinstance(value, jax.core.Tracer):
        raise TypeError(
            "qml.math.to_numpy: the value is traced (inside jit/grad/vmap) and has no concrete value."
        )
    return np.asarray(value)


def requires_grad(value: Any) -> bool:
    """Whether ``value`` is trainable in PennyLane's sense: a tracer, or a tensor with ``requires_grad``."""
    if isinstance(value, jax.core.Tracer):
        return True
    return bool(getattr(value, "requires_grad", False))


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08) -> bool:
    """``numpy.allclose`` for concrete NumPy or JAX arrays."""
    return bool(np.allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol))


def __getattr__(name: str) -> Any:
    """Every other name is JAX's NumPy function of that name."""
    try:
        return getattr(jnp, name)
    except AttributeError:
        raise AttributeError(
            f"qml.math has no function {name!r} (it provides jax.numpy's functions)"
        ) from None
