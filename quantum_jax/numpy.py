"""PennyLane-style ``numpy`` for quantum_jax: ``from quantum_jax import numpy as np``.

This module lets PennyLane code written against ``pennylane.numpy`` run unchanged:

* every :mod:`jax.numpy` name is available here (``np.sin``, ``np.zeros``, ``np.linalg.eigh``, ...);
* :func:`array`, :func:`asarray` and the :class:`tensor` constructor accept ``requires_grad=``
  (default ``True``, as in PennyLane) and return a :class:`tensor`, a :class:`numpy.ndarray` subclass
  whose mutable ``requires_grad`` attribute tells :func:`quantum_jax.grad` which positional
  arguments to differentiate;
* ``np.random`` is NumPy's random module, with results returned as tensors.

On concrete values the functions return tensors, which print like NumPy arrays. Inside functions
being differentiated, jitted or vmapped by JAX, the same names act on JAX tracers and return JAX
arrays, so one cost function serves both worlds.

Importing this module turns on JAX's 64-bit mode (``jax_enable_x64``) for the whole process:
PennyLane computes in float64, and the numbers PennyLane documents (gradients and Hessians printed to
eight digits and more) are only reproduced in double precision. Without it JAX would silently
compute in float32.

>>> from quantum_jax import numpy as np
>>> x = np.array([0.1, 0.2])
>>> x
tensor([0.1, 0.2], requires_grad=True)
>>> x.dtype
dtype('float64')
>>> np.sin(x) * 2
tensor([0.19966683, 0.39733866], requires_grad=True)
>>> print(np.array([1.0, 2.0], requires_grad=False))
[1. 2.]
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as onp  # noqa: E402

__all__ = ["array", "asarray", "random", "tensor"]

_Tracer = jax.core.Tracer


def _has_tracer(tree: Any) -> bool:
    return any(isinstance(leaf, _Tracer) for leaf in jax.tree_util.tree_leaves(tree))


def _plain(tree: Any) -> Any:
    """Replace every :class:`tensor` in ``tree`` by a plain :class:`numpy.ndarray` view of it."""
    return jax.tree_util.tree_map(lambda v: v.view(onp.ndarray) if isinstance(v, tensor) else v, tree)


def _inherited_requires_grad(tree: Any) -> bool:
    """PennyLane's rule: trainable if any tensor input is trainable, or if there is no tensor input."""
    flags = [leaf.requires_grad for leaf in jax.tree_util.tree_leaves(tree) if isinstance(leaf, tensor)]
    return any(flags) if flags else True


class tensor(onp.ndarray):  # noqa: N801 -- PennyLane's spelling
    """A NumPy array with a ``requires_grad`` flag.

    ``requires_grad`` marks the array as trainable: with ``argnum=None``, :func:`quantum_jax.grad`
    and :func:`quantum_jax.jacobian` differentiate the positional arguments whose flag is ``True``.
    The flag is an ordinary attribute and can be changed at any time. Views and slices inherit it;
    results of arithmetic and of this module's functions are trainable unless every tensor input is
    untrainable.

    Called on JAX tracers (inside a differentiated or jitted function) the constructor returns a
    JAX array instead, since tracers cannot be stored in NumPy memory.

    The constructor's arguments are those of ``__new__`` (below).

    Example:
        >>> from quantum_jax import numpy as np
        >>> t = np.tensor([0.5, 1.5])
        >>> t.requires_grad
        True
        >>> t.requires_grad = False
        >>> t
        tensor([0.5, 1.5], requires_grad=False)
        >>> t[0]
        tensor(0.5, requires_grad=False)
        >>> (t + 1).requires_grad
        False
    """

    requires_grad: bool

    def __new__(cls, input_array: Any, *args: Any, requires_grad: bool = True, **kwargs: Any) -> Any:
        """Create a tensor from ``input_array``, flagged with ``requires_grad``.

        Args:
            input_array: anything :func:`numpy.asarray` accepts; tensors in it are read as plain arrays.
            *args: passed on to :func:`numpy.asarray` (for instance ``dtype``).
            requires_grad: whether the tensor is trainable.
            **kwargs: passed on to :func:`numpy.asarray`.

        Returns:
            A new :class:`tensor` (a copy if the converted array is read-only); if ``input_array``
            holds JAX tracers, a JAX array instead, since tracers cannot be stored in NumPy memory.
        """
        if _has_tracer(input_array):
            return jnp.asarray(_plain(input_array), *args, **kwargs)
        obj = onp.asarray(_plain(input_array), *args, **kwargs)
        if not obj.flags.writeable:  # e.g. a zero-copy view of a JAX buffer
            obj = obj.copy()
        out: tensor = obj.view(cls)
        out.requires_grad = bool(requires_grad)
        return out

    def __array_finalize__(self, obj: Any) -> None:
        self.requires_grad = getattr(obj, "requires_grad", True)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, requires_grad={self.requires_grad})"

    def __getitem__(self, key: Any) -> Any:
        item = super().__getitem__(key)
        if not isinstance(item, tensor):  # a NumPy scalar: keep it a (0-d) tensor, flag included
            item = tensor(item, requires_grad=self.requires_grad)
        return item

    def __array_ufunc__(self, ufunc: onp.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if any(isinstance(v, jax.Array) for v in inputs):
            # A JAX array or tracer takes part: compute with JAX, whose result may be traced.
            jax_ufunc = getattr(jnp, ufunc.__name__, None)
            if method != "__call__" or jax_ufunc is None or kwargs:
                return NotImplemented
            return jax_ufunc(*_plain(list(inputs)))
        requires_grad = _inherited_requires_grad(list(inputs))
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_plain(list(out)))
        result = getattr(ufunc, method)(*_plain(list(inputs)), **kwargs)
        if method == "at" or result is None:
            return None
        if out is not None:  # in place (``t += 1``): hand back the caller's own arrays
            return out[0] if len(out) == 1 else tuple(out)
        if isinstance(result, tuple):
            return tuple(tensor(r, requires_grad=requires_grad) for r in result)
        return tensor(result, requires_grad=requires_grad)

    def __reduce__(self) -> tuple[Any, ...]:
        constructor, args, state = super().__reduce__()  # type: ignore[str-unpack]
        return constructor, args, (state, self.requires_grad)

    def __setstate__(self, state: Any) -> None:
        ndarray_state, self.requires_grad = state
        super().__setstate__(ndarray_state)

    def unwrap(self) -> Any:
        """Return the data without the flag: a plain :class:`numpy.ndarray`, or a Python scalar if 0-d.

        Example:
            >>> from quantum_jax import numpy as np
            >>> np.tensor([1.0, 2.0]).unwrap()
            array([1., 2.])
            >>> np.tensor(3.0).unwrap()
            3.0
        """
        if self.ndim == 0:
            return self.item()
        return self.view(onp.ndarray).copy()

    def numpy(self) -> Any:
        """Same as :meth:`unwrap`."""
        return self.unwrap()


def array(obj: Any, *args: Any, requires_grad: bool | None = None, **kwargs: Any) -> Any:
    """Create a (copied) :class:`tensor`, or a JAX array when ``obj`` holds JAX tracers.

    Args:
        obj: a number, nested sequence, NumPy/JAX array or tensor.
        *args: passed on to :func:`numpy.array` / :func:`jax.numpy.array` (for instance ``dtype``).
        requires_grad: the new tensor's flag; by default ``True``, or inherited when ``obj``
            contains tensors (trainable if any of them is).
        **kwargs: passed on to :func:`numpy.array` / :func:`jax.numpy.array`.

    Returns:
        A :class:`tensor` on concrete input; a JAX array if ``obj`` contains tracers.

    Example:
        >>> from quantum_jax import numpy as np
        >>> np.array([0.1, 0.2, 0.3], requires_grad=False)
        tensor([0.1, 0.2, 0.3], requires_grad=False)
        >>> np.array([[1, 2], [3, 4]], dtype=float)
        tensor([[1., 2.],
                [3., 4.]], requires_grad=True)
    """
    if _has_tracer(obj):
        return jnp.array(_plain(obj), *args, **kwargs)
    if requires_grad is None:
        requires_grad = _inherited_requires_grad(obj)
    return tensor(onp.array(_plain(obj), *args, **kwargs), requires_grad=requires_grad)


def asarray(obj: Any, *args: Any, requires_grad: bool | None = None, **kwargs: Any) -> Any:
    """Like :func:`array`, but shares memory with ``obj`` when it already is a NumPy array.

    The result is always a new :class:`tensor` object, so setting its ``requires_grad`` never
    changes ``obj``.

    Example:
        >>> from quantum_jax import numpy as np
        >>> t = np.array([1.0, 2.0], requires_grad=False)
        >>> np.asarray(t).requires_grad
        False
        >>> np.asarray(t, requires_grad=True).requires_grad, t.requires_grad
        (True, False)
    """
    if _has_tracer(obj):
        return jnp.asarray(_plain(obj), *args, **kwargs)
    if requires_grad is None:
        requires_grad = _inherited_requires_grad(obj)
    return tensor(obj, *args, requires_grad=requires_grad, **kwargs)


def _to_tensors(result: Any, requires_grad: bool) -> Any:
    """Turn concrete arrays in ``result`` into tensors; anything traced is returned unchanged."""
    if _has_tracer(result):
        return result

    def convert(leaf: Any) -> Any:
        if isinstance(leaf, (jax.Array, onp.ndarray, onp.generic)):
            return tensor(leaf, requires_grad=requires_grad)
        return leaf

    return jax.tree_util.tree_map(convert, result)


class _TensorFunction:
    """Wrap an array function so that concrete results come back as tensors.

    Accepts the extra keyword ``requires_grad``; other attributes (``jnp.add.outer``, ...) are
    forwarded and wrapped the same way.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, requires_grad: bool | None = None, **kwargs: Any) -> Any:
        if requires_grad is None:
            requires_grad = _inherited_requires_grad((args, kwargs))
        return _to_tensors(self._fn(*_plain(args), **_plain(kwargs)), requires_grad)

    def __getattr__(self, name: str) -> Any:
        if name == "_fn":
            raise AttributeError(name)
        return _wrap(getattr(self._fn, name))

    def __repr__(self) -> str:
        return f"<quantum_jax.numpy wrapper of {self._fn!r}>"


class _TensorModule(types.ModuleType):
    """A view of a module (``jnp.linalg``, ``numpy.random``) whose functions return tensors."""

    def __init__(self, module: types.ModuleType, name: str) -> None:
        super().__init__(name, module.__doc__)
        self._module = module
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_module", "_cache"):
            raise AttributeError(name)
        if name not in self._cache:
            self._cache[name] = _wrap(getattr(self._module, name), f"{self.__name__}.{name}")
        return self._cache[name]

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._module)))


def _wrap(obj: Any, name: str = "") -> Any:
    if isinstance(obj, types.ModuleType):
        return _TensorModule(obj, name or obj.__name__)
    if callable(obj) and not isinstance(obj, type):
        return _TensorFunction(obj)
    return obj  # constants (pi, newaxis), dtypes and classes are returned as they are


random = _TensorModule(onp.random, __name__ + ".random")
"""NumPy's :mod:`numpy.random`, returning tensors (``np.random.uniform(size=3, requires_grad=False)``)."""

_CACHE: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    """Fall back to :mod:`jax.numpy`, wrapping its functions so concrete results are tensors."""
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _CACHE:
        try:
            value = getattr(jnp, name)
        except AttributeError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
        _CACHE[name] = _wrap(value, f"{__name__}.{name}")
    return _CACHE[name]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(jnp)))
