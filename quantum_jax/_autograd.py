"""PennyLane's ``qml.grad`` and ``qml.jacobian``, built on :func:`jax.vjp` and :func:`jax.jacrev`.

Which positional arguments are differentiated follows PennyLane:

* ``argnum=None`` picks the *trainable* ones: a :class:`~quantum_jax.numpy.tensor` whose
  ``requires_grad`` is ``True``, or a JAX array or tracer (values handed down by an outer
  differentiation are trainable). Python numbers and lists, plain NumPy arrays and tensors with
  ``requires_grad=False`` are data.
* ``argnum=i`` or ``argnum=[i, j, ...]`` picks those positions whatever their type; numbers and lists
  there become float64 arrays.

Keyword arguments are never differentiated. One differentiated argument gives one array; several
(or an ``argnum`` list) give a tuple, in order. Called on concrete values the results are NumPy
arrays, printed as NumPy prints them; called under an outer JAX transformation they stay JAX values,
so the transforms nest: ``jacobian(grad(f))`` is the Hessian.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as onp

from .numpy import tensor

__all__ = ["grad", "jacobian"]

Argnum = int | Sequence[int] | None

# JAX arrays made by an enclosing grad/jacobian from tensors with requires_grad=False, keyed by id
# (the values keep those arrays alive, so the ids stay unique while the enclosing call runs). An inner
# grad/jacobian with argnum=None then still treats them as untrainable, as PennyLane does. The default
# None (outside any grad/jacobian) stands for an empty dict: a shared mutable default could be mutated.
_UNTRAINABLE: contextvars.ContextVar[dict[int, Any] | None] = contextvars.ContextVar(
    "_UNTRAINABLE", default=None
)


def _name(func: Callable[..., Any]) -> str:
    return getattr(func, "__name__", None) or type(func).__name__


def _is_trainable(arg: Any) -> bool:
    if isinstance(arg, tensor):
        return bool(arg.requires_grad)
    return isinstance(arg, jax.Array) and id(arg) not in (_UNTRAINABLE.get() or {})


def _select(argnum: Argnum, args: tuple[Any, ...], name: str) -> tuple[list[int], bool]:
    """The positions to differentiate, and whether the result is a single array (not a tuple)."""
    n = len(args)
    counted = f"{name} was called with {n} positional argument{'s' if n != 1 else ''}"
    if argnum is None:
        positions = [i for i, arg in enumerate(args) if _is_trainable(arg)]
        return positions, len(positions) == 1
    single = not isinstance(argnum, (list, tuple))
    requested: list[Any] = [argnum] if single else list(argnum)  # type: ignore[arg-type]
    for a in requested:
        if isinstance(a, bool) or not isinstance(a, (int, onp.integer)):
            raise TypeError(
                f"argnum must be None, an int or a list/tuple of ints; got argnum={argnum!r} ({counted})."
            )
    positions = []
    for a in requested:
        if not -n <= a < n:
            raise ValueError(f"argnum={argnum!r} is out of range: {counted}.")
        positions.append(int(a) % n)
    if len(set(positions)) != len(positions):
        raise ValueError(f"argnum={argnum!r} names the same positional argument twice ({counted}).")
    return positions, single


def _to_jax(value: Any, untrainable: dict[int, Any]) -> Any:
    """Tensors anywhere in ``value`` become JAX arrays; untrainable ones are recorded."""

    def convert(leaf: Any) -> Any:
        if not isinstance(leaf, tensor):
            return leaf
        converted = jnp.asarray(leaf.view(onp.ndarray))
        if not leaf.requires_grad:
            untrainable[id(converted)] = converted
        return converted

    return jax.tree_util.tree_map(convert, value)


def _differentiable(value: Any, position: int, name: str) -> jax.Array:
    if isinstance(value, tensor):
        value = value.view(onp.ndarray)
    try:
        array = jnp.asarray(value)
    except TypeError as err:
        raise TypeError(
            f"argnum selects positional argument {position} of {name}, which is a "
            f"{type(value).__name__} and cannot be differentiated: {err}"
        ) from None
    if not jnp.issubdtype(array.dtype, jnp.inexact):
        array = array.astype(jnp.float64)
    return array


def _output_to_jax(out: Any) -> Any:
    return jax.tree_util.tree_map(
        lambda v: jnp.asarray(v.view(onp.ndarray)) if isinstance(v, tensor) else v, out
    )


def _to_numpy(result: Any) -> Any:
    """Concrete JAX arrays become (writable) NumPy arrays; a traced result is returned unchanged."""
    leaves = jax.tree_util.tree_leaves(result)
    if any(isinstance(leaf, jax.core.Tracer) for leaf in leaves):
        return result
    return jax.tree_util.tree_map(lambda v: onp.array(v) if isinstance(v, jax.Array) else v, result)


def _nothing_trainable(name: str, stacklevel: int) -> None:
    warnings.warn(
        f"None of the positional arguments of {name} is trainable, so there is nothing to "
        "differentiate and () is returned. Pass tensors with requires_grad=True or JAX arrays, "
        "or choose the arguments with argnum.",
        UserWarning,
        stacklevel=stacklevel,
    )


class _Prepared:
    """The pieces of one call: what to differentiate, at which values, and the function of them."""

    def __init__(
        self, func: Callable[..., Any], argnum: Argnum, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        self.name = _name(func)
        self.positions, self.single = _select(argnum, args, self.name)
        self.untrainable = dict(_UNTRAINABLE.get() or {})
        chosen = set(self.positions)
        self.args = [
            _differentiable(a, i, self.name) if i in chosen else _to_jax(a, self.untrainable)
            for i, a in enumerate(args)
        ]
        self.kwargs = _to_jax(kwargs, self.untrainable)
        self.func = func

    @property
    def values(self) -> list[Any]:
        return [self.args[i] for i in self.positions]

    def of_chosen(self, *chosen: Any) -> Any:
        """``func`` as a function of the differentiated arguments only."""
        full = list(self.args)
        for i, value in zip(self.positions, chosen, strict=True):
            full[i] = value
        return _output_to_jax(self.func(*full, **self.kwargs))

    @contextlib.contextmanager
    def context(self) -> Iterator[None]:
        token = _UNTRAINABLE.set(self.untrainable)
        try:
            yield
        finally:
            _UNTRAINABLE.reset(token)


class grad:  # noqa: N801 -- PennyLane's spelling
    """Return the gradient function of a scalar-valued ``func``.

    Args:
        func: a function of arrays returning a real scalar (shape ``()``, or any shape of size 1).
        argnum: positional argument(s) to differentiate. ``None`` (default) differentiates the
            trainable ones: tensors with ``requires_grad=True`` and JAX arrays/tracers. An int
            differentiates that argument; a list or tuple of ints, those arguments.

    The gradient function takes the same arguments as ``func``. It returns one array shaped like the
    differentiated argument, or a tuple of them when ``argnum`` is a list or when ``argnum=None``
    finds several trainable arguments. Keyword arguments are passed through, never differentiated.
    If nothing is trainable it warns and returns ``()``. After each concrete call, :attr:`forward`
    holds the value of ``func`` at that point.

    Raises:
        TypeError: if ``func`` does not return a real scalar, or ``argnum`` is not an int or a
            list/tuple of ints.
        ValueError: if ``argnum`` is out of range or repeats a position.

    Example:
        >>> import jax.numpy as jnp
        >>> from quantum_jax import numpy as np
        >>> from quantum_jax._autograd import grad
        >>> def f(p):
        ...     return jnp.cos(p[0]) * jnp.cos(p[1])
        >>> grad(f, argnum=0)([0.54, 0.12])
        array([-0.51043865, -0.1026782 ])
        >>> def g(a, b, scale=1.0):
        ...     return scale * jnp.cos(a) * jnp.cos(b)
        >>> grad(g, argnum=[0, 1])(0.54, 0.12, scale=2.0)
        (array(-1.02087731), array(-0.2053564))
        >>> params = np.array([0.54, 0.12])
        >>> dfdp = grad(f)
        >>> dfdp(params)
        array([-0.51043865, -0.1026782 ])
        >>> dfdp.forward
        array(0.85154059)
    """

    def __init__(self, func: Callable[..., Any], argnum: Argnum = None) -> None:
        self._func = func
        self._argnum = argnum
        self._forward: Any = None
        functools.update_wrapper(self, func, updated=())

    @property
    def forward(self) -> Any:
        """The value of ``func`` at the last call, if that call was concrete (else ``None``)."""
        return self._forward

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        call = _Prepared(self._func, self._argnum, args, kwargs)
        if not call.positions:
            _nothing_trainable(call.name, stacklevel=3)
            with call.context():
                self._forward = _to_numpy(call.of_chosen())
            return ()
        with call.context():
            out, pullback = jax.vjp(call.of_chosen, *call.values)
            if not isinstance(out, jax.Array):
                raise TypeError(
                    f"grad requires {call.name} to return a scalar, but it returned a "
                    f"{type(out).__name__}; use jacobian for several outputs."
                )
            if out.size != 1:
                raise TypeError(
                    f"grad requires {call.name} to return a scalar, but its output has shape "
                    f"{tuple(out.shape)}; use jacobian for non-scalar outputs."
                )
            if not jnp.issubdtype(out.dtype, jnp.floating):
                raise TypeError(
                    f"grad requires {call.name} to return a real floating-point scalar, but its "
                    f"output has dtype {out.dtype}."
                )
            gradients = pullback(jnp.ones_like(out))
        forward = _to_numpy(out)
        self._forward = None if isinstance(forward, jax.core.Tracer) else forward
        return _to_numpy(gradients[0] if call.single else tuple(gradients))


def jacobian(func: Callable[..., Any], argnum: Argnum = None) -> Callable[..., Any]:
    """Return the Jacobian function of ``func``.

    For an output of shape ``S`` and a differentiated argument of shape ``A`` the Jacobian has shape
    ``(*S, *A)``. Arguments are selected as in :class:`grad`: one differentiated argument gives one
    array, several (or an ``argnum`` list) a tuple. Nested inside itself or :class:`grad` it gives
    higher derivatives: ``jacobian(grad(f))`` is the Hessian of ``f``.

    Args:
        func: a function of arrays returning an array (or a pytree of arrays).
        argnum: positional argument(s) to differentiate, as for :class:`grad`.

    Returns:
        The Jacobian function, taking the same arguments as ``func``.

    Raises:
        TypeError: if ``argnum`` is not an int or a list/tuple of ints.
        ValueError: if ``argnum`` is out of range or repeats a position.

    Example:
        >>> import jax.numpy as jnp
        >>> from quantum_jax import numpy as np
        >>> from quantum_jax._autograd import grad, jacobian
        >>> def f(p):
        ...     return jnp.stack([p[0] * p[1], p[1] ** 2])
        >>> jacobian(f)(np.array([2.0, 3.0]))
        array([[3., 2.],
               [0., 6.]])
        >>> def cost(p, x):
        ...     return jnp.sum(p ** 3) * x[0]
        >>> x = np.array([0.5], requires_grad=False)
        >>> jacobian(grad(cost))(np.array([1.0, 2.0]), x)
        array([[3., 0.],
               [0., 6.]])
    """

    @functools.wraps(func)
    def jacobian_function(*args: Any, **kwargs: Any) -> Any:
        call = _Prepared(func, argnum, args, kwargs)
        if not call.positions:
            _nothing_trainable(call.name, stacklevel=3)
            return ()
        argnums = 0 if call.single else tuple(range(len(call.positions)))
        with call.context():
            result = jax.jacrev(call.of_chosen, argnums=argnums)(*call.values)
        return _to_numpy(result)

    return jacobian_function
