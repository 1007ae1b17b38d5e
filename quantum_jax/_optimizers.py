"""PennyLane's optimizers: ``new_args = opt.step(cost, *args)``, built on optax.

Each gradient-based optimizer differentiates the cost as :func:`quantum_jax.grad` does (the trainable
positional arguments are ``quantum_jax.numpy`` tensors with ``requires_grad=True`` and JAX arrays; the
others are passed through unchanged) and turns the gradient into an update with an optax
``GradientTransformation`` whose state it keeps between steps, as a PennyLane optimizer object does.
The state starts afresh when the trainable arguments change position or shape, and on :meth:`reset`.
Hyperparameters may be changed between steps (``opt.stepsize = 0.05``).

The update rules are PennyLane's (which differ from optax's defaults in where ``eps`` sits, in bias
correction and in the accumulators' start values):

* gradient descent: ``x <- x - eta g``;
* momentum: ``a <- m a + eta g``, ``x <- x - a``; Nesterov momentum takes ``g`` at ``x - m a``;
* Adagrad: ``s <- s + g^2``, ``x <- x - eta g / sqrt(s + eps)``, ``s`` starting at 0;
* RMSProp: ``s <- gamma s + (1 - gamma) g^2``, ``x <- x - eta g / sqrt(s + eps)``, ``s`` starting at 0;
* Adam (Kingma, Ba, arXiv:1412.6980): moments ``a <- beta1 a + (1 - beta1) g``,
  ``b <- beta2 b + (1 - beta2) g^2`` and ``x <- x - eta_t a / (sqrt(b) + eps)`` with
  ``eta_t = eta sqrt(1 - beta2^t) / (1 - beta1^t)``;
* quantum natural gradient (Stokes et al., Quantum 4, 269 (2020)): ``x <- x - eta pinv(g + lam I) grad``
  with the metric tensor ``g`` of :func:`~quantum_jax.metric_tensor`;
* Rotosolve: gradient-free coordinate minimization by univariate reconstruction (Ostaszewski, Grant,
  Benedetti, Quantum 5, 391 (2021); Wierichs et al., Quantum 6, 677 (2022)).
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ._metric_tensor import metric_tensor
from ._qnode import QNode

__all__ = [
    "AdagradOptimizer",
    "AdamOptimizer",
    "GradientDescentOptimizer",
    "MomentumOptimizer",
    "NesterovMomentumOptimizer",
    "QNGOptimizer",
    "RMSPropOptimizer",
    "RotosolveOptimizer",
]


# --- arguments, gradients and hyperparameters -------------------------------------------------------
def _hyperparameter(owner: str, name: str, value: Any, rule: str) -> float:
    """``value`` as a float after checking ``rule``: ``"> 0"``, ``">= 0"`` or ``"in [0, 1)"``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}: '{name}' must be a real number {rule}, got {value!r}.")
    x = float(value)
    ok = {"> 0": x > 0, ">= 0": x >= 0, "in [0, 1)": 0 <= x < 1}[rule] and math.isfinite(x)
    if not ok:
        raise ValueError(f"{owner}: '{name}' must be a real number {rule}, got {value!r}.")
    return x


def _is_trainable(arg: Any) -> bool:
    from ._autograd import _is_trainable as trainable

    return trainable(arg)


def _trainable_positions(args: Sequence[Any]) -> list[int]:
    return [i for i, a in enumerate(args) if _is_trainable(a)]


def _as_array(value: Any) -> jax.Array:
    """A trainable argument (or its gradient) as a float64 JAX array."""
    if isinstance(value, np.ndarray):
        value = value.view(np.ndarray)
    array = jnp.asarray(value)
    return array if jnp.issubdtype(array.dtype, jnp.inexact) else array.astype(float)


def _like(original: Any, value: Any) -> Any:
    """``value`` in the kind of ``original``: a trainable tensor for a tensor, else a JAX array."""
    from .numpy import tensor

    if isinstance(original, jax.Array):
        return jnp.asarray(value)
    return tensor(np.array(value), requires_grad=bool(getattr(original, "requires_grad", True)))


def _checked_gradient(owner: str, grad: Any, args: Sequence[Any], positions: list[int]) -> tuple[Any, ...]:
    """``grad`` as a tuple of arrays, one per trainable argument and of its shape."""
    grads = tuple(grad) if isinstance(grad, (list, tuple)) else (grad,)
    if len(grads) != len(positions):
        raise ValueError(
            f"{owner}.apply_grad: 'grad' has {len(grads)} entries but {len(positions)} argument(s) "
            f"are trainable (positions {positions}); give one gradient per trainable argument."
        )
    out = []
    for g, i in zip(grads, positions, strict=True):
        g_array, shape = _as_array(g), jnp.shape(_as_array(args[i]))
        if g_array.shape != shape:
            raise ValueError(
                f"{owner}.apply_grad: the gradient of argument {i} has shape {g_array.shape} but the "
                f"argument has shape {shape}; return gradients shaped like their arguments."
            )
        out.append(g_array)
    return tuple(out)


def _layout(args: Sequence[Any], positions: list[int]) -> tuple[Any, ...]:
    """What the optimizer state is keyed on: the number of arguments and the trainable ones' shapes."""
    return len(args), tuple((i, jnp.shape(_as_array(args[i]))) for i in positions)


def _unwrap(new_args: Sequence[Any]) -> Any:
    """PennyLane's return convention: the bare value for a single argument."""
    return new_args[0] if len(new_args) == 1 else new_args


# --- gradient descent and its optax-backed relatives -------------------------------------------------
class GradientDescentOptimizer:
    """Gradient descent: ``x <- x - eta * grad f(x)``.

    The base class of the gradient-based optimizers. Subclasses describe their update by an optax
    ``GradientTransformation``, whose state the optimizer keeps between steps.

    Args:
        stepsize: the step size ``eta`` (> 0); it may be reassigned between steps.

    Raises:
        TypeError: if a hyperparameter is not a real number.
        ValueError: if a hyperparameter is out of range.

    Example:
        >>> import jax.numpy as jnp
        >>> import quantum_jax as qml
        >>> from quantum_jax import numpy as np
        >>> opt = qml.GradientDescentOptimizer(stepsize=0.1)
        >>> x = np.array([0.5, -0.2])
        >>> opt.step(lambda x: jnp.sum(x**2), x)
        tensor([ 0.4 , -0.16], requires_grad=True)
        >>> new_x, cost = opt.step_and_cost(lambda x: jnp.sum(x**2), x)
        >>> round(float(cost), 6)
        0.29
    """

    def __init__(self, stepsize: float = 0.01) -> None:
        self.stepsize = stepsize
        self._state: Any = None
        self._layout: Any = None

    @property
    def stepsize(self) -> float:
        """The step size ``eta``."""
        return self._stepsize

    @stepsize.setter
    def stepsize(self, value: float) -> None:
        self._stepsize = _hyperparameter(type(self).__name__, "stepsize", value, "> 0")

    def _transformation(self) -> optax.GradientTransformation:
        """The update as an optax transformation of the gradient (plain descent here)."""
        return optax.sgd(self.stepsize)

    def reset(self) -> None:
        """Forget past steps: the optax state starts afresh at the next step."""
        self._state = None
        self._layout = None

    def step_and_cost(
        self,
        objective_fn: Callable[..., Any],
        *args: Any,
        grad_fn: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """Take one step and return the new arguments and the cost before the step.

        Args:
            objective_fn: the cost function.
            *args: its positional arguments; the trainable ones are updated.
            grad_fn: a gradient function to use instead of ``quantum_jax.grad(objective_fn)``; it must
                return the gradient of each trainable argument, as ``quantum_jax.grad`` does.
            **kwargs: keyword arguments of ``objective_fn`` (never trained).

        Returns:
            ``(new_args, cost)``: the new arguments (the bare value for a single argument, else a list
            holding every argument, the untrainable ones unchanged) and ``objective_fn(*args)``.
        """
        return self._descend(objective_fn, args, kwargs, grad_fn)

    def _descend(
        self,
        objective_fn: Callable[..., Any],
        args: Sequence[Any],
        kwargs: dict[str, Any],
        grad_fn: Callable[..., Any] | None,
    ) -> tuple[Any, Any]:
        """One step: ``(new_args, cost before the step)``, the cost as the gradient recorded it if it did."""
        g, forward = self.compute_grad(objective_fn, args, kwargs, grad_fn=grad_fn)
        new_args = self.apply_grad(g, args)
        if forward is None:
            forward = objective_fn(*args, **kwargs)
        return _unwrap(new_args), forward

    def step(
        self,
        objective_fn: Callable[..., Any],
        *args: Any,
        grad_fn: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Take one step and return the new arguments (see :meth:`step_and_cost`)."""
        g, _ = self.compute_grad(objective_fn, args, kwargs, grad_fn=grad_fn)
        return _unwrap(self.apply_grad(g, args))

    @staticmethod
    def compute_grad(
        objective_fn: Callable[..., Any],
        args: Sequence[Any],
        kwargs: dict[str, Any],
        grad_fn: Callable[..., Any] | None = None,
    ) -> tuple[tuple[Any, ...], Any]:
        """The gradient of the trainable arguments and, when known, the cost there.

        Args:
            objective_fn: the cost function.
            args: its positional arguments.
            kwargs: its keyword arguments.
            grad_fn: the gradient function; ``quantum_jax.grad(objective_fn)`` if ``None``.

        Returns:
            ``(grad, forward)``: a tuple with one gradient per trainable argument, and the cost at
            ``args`` if the gradient function recorded it (``quantum_jax.grad`` does), else ``None``.

        Raises:
            TypeError: if ``objective_fn`` or ``grad_fn`` is not callable.
        """
        from ._autograd import grad

        if not callable(objective_fn):
            raise TypeError(f"compute_grad: 'objective_fn' must be callable, got {objective_fn!r}.")
        if grad_fn is not None and not callable(grad_fn):
            raise TypeError(f"compute_grad: 'grad_fn' must be callable or None, got {grad_fn!r}.")
        g = grad(objective_fn) if grad_fn is None else grad_fn
        result = g(*args, **kwargs)
        forward = getattr(g, "forward", None)
        if len(_trainable_positions(args)) == 1:
            result = (result,)
        return result, forward

    def apply_grad(self, grad: Sequence[Any], args: Sequence[Any]) -> list[Any]:
        """Update the trainable arguments with the gradient ``grad``.

        Args:
            grad: one gradient per trainable argument, in order.
            args: the current arguments.

        Returns:
            A list of all arguments: the trainable ones updated, the others unchanged.

        Raises:
            ValueError: if ``grad`` does not hold one gradient per trainable argument, shaped like it.
        """
        positions = _trainable_positions(args)
        grads = _checked_gradient(type(self).__name__, grad, args, positions)
        params = tuple(_as_array(args[i]) for i in positions)
        layout = _layout(args, positions)
        transformation = self._transformation()
        if self._state is None or self._layout != layout:
            self._state, self._layout = transformation.init(params), layout
        updates, self._state = transformation.update(grads, self._state, params)
        new_params = optax.apply_updates(params, updates)
        new_args = list(args)
        for i, p in zip(positions, new_params, strict=True):
            new_args[i] = _like(args[i], p)
        return new_args


class MomentumOptimizer(GradientDescentOptimizer):
    """Gradient descent with momentum: ``a <- m a + eta g``, ``x <- x - a`` (``a`` starts at 0).

    Built on ``optax.trace`` of the scaled gradient, so a changed ``stepsize`` scales only the new
    gradients, as in PennyLane (``optax.sgd(momentum=...)`` would rescale the whole accumulator).

    Args:
        stepsize: the step size ``eta`` (> 0).
        momentum: the momentum ``m``, in ``[0, 1)``.

    Example:
        >>> import jax.numpy as jnp
        >>> import quantum_jax as qml
        >>> from quantum_jax import numpy as np
        >>> opt = qml.MomentumOptimizer(stepsize=0.1, momentum=0.5)
        >>> x = opt.step(lambda x: jnp.sum(x**2), np.array([1.0]))
        >>> opt.step(lambda x: jnp.sum(x**2), x)
        tensor([0.54], requires_grad=True)
    """

    def __init__(self, stepsize: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(stepsize)
        self.momentum = _hyperparameter(type(self).__name__, "momentum", momentum, "in [0, 1)")

    def _transformation(self) -> optax.GradientTransformation:
        return optax.chain(optax.scale(self.stepsize), optax.trace(decay=self.momentum), optax.scale(-1.0))

    @property
    def accumulation(self) -> list[Any] | None:
        """The accumulator ``a`` per argument (``0.0`` for untrainable ones); ``None`` before a step."""
        if self._state is None:
            return None
        size, trained = self._layout
        out: list[Any] = [0.0] * size
        for (i, _), a in zip(trained, self._state[1].trace, strict=True):
            out[i] = np.asarray(a)
        return out


class NesterovMomentumOptimizer(MomentumOptimizer):
    """Nesterov momentum: as :class:`MomentumOptimizer`, but the gradient is taken at ``x - m a``.

    It takes the arguments of :class:`MomentumOptimizer`. As in PennyLane, :meth:`step_and_cost`
    returns the cost that ``quantum_jax.grad`` records, which is the cost at that shifted point.

    Example:
        >>> import jax.numpy as jnp
        >>> import quantum_jax as qml
        >>> from quantum_jax import numpy as np
        >>> opt = qml.NesterovMomentumOptimizer(stepsize=0.1, momentum=0.5)
        >>> opt.step(lambda x: jnp.sum(x**2), opt.step(lambda x: jnp.sum(x**2), np.array([1.0])))
        tensor([0.56], requires_grad=True)
    """

    def compute_grad(  # type: ignore[override]
        self,
        objective_fn: Callable[..., Any],
        args: Sequence[Any],
        kwargs: dict[str, Any],
        grad_fn: Callable[..., Any] | None = None,
    ) -> tuple[tuple[Any, ...], Any]:
        """The gradient at the look-ahead point ``x - m a`` (as ``GradientDescentOptimizer.compute_grad``)."""
        shifted = list(args)
        if self._state is not None and self._layout == _layout(args, _trainable_positions(args)):
            for (i, _), a in zip(self._layout[1], self._state[1].trace, strict=True):
                shifted[i] = _like(args[i], _as_array(args[i]) - self.momentum * a)
        return GradientDescentOptimizer.compute_grad(objective_fn, shifted, kwargs, grad_fn)


class AdagradOptimizer(GradientDescentOptimizer):
    """Adagrad: ``s <- s + g^2``, ``x <- x - eta g / sqrt(s + eps)``, elementwise, ``s`` starting at 0.

    ``optax.scale_by_rss`` with ``initial_accumulator_value=0`` (optax's default is 0.1) and ``eps``
    inside the square root, as PennyLane places it.

    Args:
        stepsize: the step size ``eta`` (> 0).
        eps: the offset ``eps`` (>= 0).

    Example:
        >>> import jax.numpy as jnp
        >>> import quantum_jax as qml
        >>> from quantum_jax import numpy as np
        >>> opt = qml.AdagradOptimizer(stepsize=0.1)
        >>> opt.step(lambda x: jnp.sum(x**2), np.array([1.0, -2.0]))
        tensor([ 0.9, -1.9], requires_grad=True)
    """

    def __init__(self, stepsize: float = 0.01, eps: float = 1e-8) -> None:
        super().__init__(stepsize)
        self.eps = _hyperparameter(type(self).__name__, "eps", eps, ">= 0")

    def _transformation(self) -> optax.GradientTransformation:
        return optax.chain(
            optax.scale_by_rss(initial_accumulator_value=0.0, eps=self.eps), optax.scale(-self.stepsize)
        )


class RMSPropOptimizer(AdagradOptimizer):
    """RMSProp: ``s <- gamma s + (1 - gamma) g^2``, ``x <- x - eta g / sqrt(s + eps)``, ``s`` starting at 0.

    ``optax.scale_by_rms`` with ``initial_scale=0``, ``eps`` inside the square root and no bias
    correction, as PennyLane does.

    Args:
        stepsize: the step size ``eta`` (> 0).
        decay: the decay ``gamma``, in ``[0, 1)``.
        eps: the offset ``eps`` (>= 0).

    Example:
        >>> import jax.numpy as jnp
        >>> import quantum_jax as qml
        >>> from quantum_jax import numpy as np
        >>> opt = qml.RMSPropOptimizer(stepsize=0.1, decay=0.75)
        >>> opt.step(lambda x: jnp.sum(x**2), np.array([1.0]))
        tensor([0.8], requires_grad=True)
    """

    def __init__(self, stepsize: float = 0.01, decay: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(stepsize, eps)
        self.decay = _hyperparameter(type(self).__name__, "decay", decay, "in [0, 1)")

    def _transformation(self) -> optax.GradientTransformation:
        rms = optax.scale_by_rms(
            decay=self.decay, eps=self.eps, initial_scale=0.0, eps_in_sqrt=True, bias_correction=False
        )
        return optax.chain(rms, optax.scale(-self.stepsize))


class _AdamState(NamedTuple):
    step: jax.Array
    mu: Any
    nu: Any


def _pennylane_adam(stepsize: float, beta1: float, beta2: float, eps: float) -> optax.GradientTransformation:
    """PennyLane's Adam update as an optax transformation.

    optax has no equivalent: ``optax.adam`` divides the bias-corrected moments,
    ``mu_hat / (sqrt(nu_hat) + eps)``, while PennyLane folds the bias correction into the step size and
    adds ``eps`` to the uncorrected ``sqrt(nu)``. That equals optax's form with ``eps / sqrt(1 - beta2^t)``,
    an offset that changes with the step count ``t``.
    """

    def init(params: Any) -> _AdamState:
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
        return _AdamState(step=jnp.zeros([], jnp.int32), mu=zeros, nu=zeros)

    def update(updates: Any, state: _AdamState, params: Any = None) -> tuple[Any, _AdamState]:
        mu = jax.tree_util.tree_map(lambda g, m: beta1 * m + (1 - beta1) * g, updates, state.mu)
        nu = jax.tree_util.tree_map(lambda g, v: beta2 * v + (1 - beta2) * g**2, updates, state.nu)
        step = state.step + 1
        t = step.astype(float)
        rate = stepsize * jnp.sqrt(1 - beta2**t) / (1 - beta1**t)
        steps = jax.tree_util.tree_map(lambda m, v: -rate * m / (jnp.sqrt(v) + eps), mu, nu)
        return steps, _AdamState(step=step, mu=mu, nu=nu)

    return optax.GradientTransformation(init, update)


class AdamOptimizer(GradientDescentOptimizer):
    """Adam with PennyLane's placement of ``eps`` (see the module docstring).

    Args:
        stepsize: the step size ``eta`` (> 0).
        beta1: the first moment's decay, in ``[0, 1)``.
        beta2: the second moment's decay, in ``[0, 1)``.
        eps: the offset ``eps`` added to ``sqrt(b)`` (>= 0).

    Example:
        >>> import jax.numpy as jnp
        >>> import quantum_jax as qml
        >>> from quantum_jax import numpy as np
        >>> opt = qml.AdamOptimizer(stepsize=0.1)
        >>> opt.step(lambda x: jnp.sum(x**2), np.array([1.0, -2.0]))
        tensor([ 0.9, -1.9], requires_grad=True)
    """

    def __init__(
        self, stepsize: float = 0.01, beta1: float = 0.9, beta2: float = 0.99, eps: float = 1e-8
    ) -> None:
        super().__init__(stepsize)
        owner = type(self).__name__
        self.beta1 = _hyperparameter(owner, "beta1", beta1, "in [0, 1)")
        self.beta2 = _hyperparameter(owner, "beta2", beta2, "in [0, 1)")
        self.eps = _hyperparameter(owner, "eps", eps, ">= 0")

    def _transformation(self) -> optax.GradientTransformation:
        return _pennylane_adam(self.stepsize, self.beta1, self.beta2, self.eps)


# --- quantum natural gradient ------------------------------------------------------------------------
def _square(tensor: Any, lam: float) -> np.ndarray:
    """A metric tensor of shape ``(*A, *A)`` as a ``(size A, size A)`` matrix, plus ``lam I``."""
    g = np.asarray(tensor, dtype=float)
    size = int(np.prod(g.shape[: g.ndim // 2]))
    return g.reshape(size, size) + lam * np.eye(size)


class QNGOptimizer(GradientDescentOptimizer):
    """Quantum natural gradient descent: ``x <- x - eta * pinv(g + lam I) grad f(x)``.

    ``g`` is the metric tensor of the QNode (:func:`~quantum_jax.metric_tensor`), in the approximation
    ``approx``, or the result of ``metric_tensor_fn``. With several trainable arguments each is updated
    with its own metric tensor (the blocks between arguments are not used), as in PennyLane.

    Args:
        stepsize: the step size ``eta`` (> 0).
        approx: the metric tensor's approximation: ``"block-diag"``, ``"diag"`` or ``None`` (exact).
        lam: the regularization ``lam`` (>= 0) added to the metric's diagonal.

    Example:
        >>> import quantum_jax as qml
        >>> from quantum_jax import numpy as np
        >>> dev = qml.device("default.qubit", wires=(0, 1, "aux"))
        >>> @qml.qnode(dev)
        ... def circuit(params):
        ...     qml.RX(params[0], wires=0)
        ...     qml.RY(params[1], wires=0)
        ...     return qml.expval(qml.PauliX(0) + qml.PauliX(1))
        >>> opt = qml.QNGOptimizer(0.01)
        >>> opt.step(circuit, np.array([0.011, 0.012]))
        tensor([ 0.01100528, -0.02799954], requires_grad=True)
    """

    def __init__(self, stepsize: float = 0.01, approx: str | None = "block-diag", lam: float = 0) -> None:
        super().__init__(stepsize)
        if not (approx is None or (isinstance(approx, str) and approx in ("block-diag", "diag"))):
            raise ValueError(f"QNGOptimizer: unknown approx={approx!r}; use 'block-diag', 'diag' or None.")
        self.approx = approx
        self.lam = _hyperparameter("QNGOptimizer", "lam", lam, ">= 0")
        self.metric_tensor: Any = None

    def step_and_cost(  # type: ignore[override]
        self,
        qnode: Callable[..., Any],
        *args: Any,
        grad_fn: Callable[..., Any] | None = None,
        recompute_tensor: bool = True,
        metric_tensor_fn: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """Take one step and return the new arguments and the cost before the step.

        Args:
            qnode: the QNode to minimize (any cost function when ``metric_tensor_fn`` is given).
            *args: its positional arguments; the trainable ones are updated.
            grad_fn: a gradient function to use instead of ``quantum_jax.grad(qnode)``.
            recompute_tensor: whether to compute the metric tensor anew (else the last one is used).
            metric_tensor_fn: a function of ``*args, **kwargs`` returning the metric tensor, instead
                of ``quantum_jax.metric_tensor(qnode, approx=approx)``.
            **kwargs: keyword arguments of ``qnode``.

        Returns:
            ``(new_args, cost)`` as :meth:`GradientDescentOptimizer.step_and_cost` returns them.

        Raises:
            ValueError: if ``qnode`` is not a QNode and no ``metric_tensor_fn`` is given.
        """
        if not isinstance(qnode, QNode) and metric_tensor_fn is None:
            raise ValueError(
                "QNGOptimizer: the objective function is not a QNode, so its metric tensor cannot be "
                "computed automatically; pass metric_tensor_fn=... or optimize a single QNode."
            )
        if recompute_tensor or self.metric_tensor is None:
            if metric_tensor_fn is None:
                metric_tensor_fn = metric_tensor(qnode, approx=self.approx)  # type: ignore[arg-type]
            mt = metric_tensor_fn(*args, **kwargs)
            if isinstance(mt, tuple):
                self.metric_tensor = tuple(_square(m, self.lam) for m in mt)
            else:
                self.metric_tensor = _square(mt, self.lam)
        return self._descend(qnode, args, kwargs, grad_fn)

    def step(  # type: ignore[override]
        self,
        qnode: Callable[..., Any],
        *args: Any,
        grad_fn: Callable[..., Any] | None = None,
        recompute_tensor: bool = True,
        metric_tensor_fn: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Take one step and return the new arguments (see :meth:`step_and_cost`)."""
        new_args, _ = self.step_and_cost(
            qnode,
            *args,
            grad_fn=grad_fn,
            recompute_tensor=recompute_tensor,
            metric_tensor_fn=metric_tensor_fn,
            **kwargs,
        )
        return new_args

    def apply_grad(self, grad: Sequence[Any], args: Sequence[Any]) -> tuple[Any, ...]:  # type: ignore[override]
        """Update each trainable argument by ``-eta * pinv(metric) @ grad``, with the stored metric.

        Args:
            grad: one gradient per trainable argument.
            args: the current arguments.

        Returns:
            A tuple of all arguments, the trainable ones updated.

        Raises:
            ValueError: if no metric tensor is stored, or it does not fit the gradients.
        """
        if self.metric_tensor is None:
            raise ValueError("QNGOptimizer.apply_grad: no metric tensor yet; call step or step_and_cost.")
        positions = _trainable_positions(args)
        grads = _checked_gradient("QNGOptimizer", grad, args, positions)
        tensors = self.metric_tensor if isinstance(self.metric_tensor, tuple) else (self.metric_tensor,)
        if len(tensors) != len(grads):
            raise ValueError(
                f"QNGOptimizer.apply_grad: {len(tensors)} metric tensor(s) for {len(grads)} trainable "
                "argument(s); the metric tensor function must return one per trainable argument."
            )
        new_args = list(args)
        for i, g, mt in zip(positions, grads, tensors, strict=True):
            flat = np.asarray(g).reshape(-1)
            if mt.shape != (flat.size, flat.size):
                raise ValueError(
                    f"QNGOptimizer.apply_grad: the metric tensor of argument {i} is {mt.shape[0]}x"
                    f"{mt.shape[1]} but the argument has {flat.size} entries."
                )
            update = (np.linalg.pinv(mt) @ flat).reshape(np.shape(g))
            new_args[i] = _like(args[i], np.asarray(_as_array(args[i])) - self.stepsize * update)
        return tuple(new_args)


# --- Rotosolve -----------------------------------------------------------------------------------------
def _brute(
    fun: Callable[[Any], float],
    num_steps: int,
    bounds: Any,
    Ns: int,  # noqa: N803 -- scipy's and PennyLane's name
    **kwargs: Any,
) -> tuple[float, float]:
    """A grid search (``scipy.optimize.brute``) on ``bounds``, refined ``num_steps`` times around the best."""
    optimize = importlib.import_module("scipy.optimize")
    ((low, high),) = bounds
    center, width, y_min = (low + high) / 2, high - low, math.inf
    for _ in range(int(num_steps)):
        grid = ((center - width / 2, center + width / 2),)
        x, y_min, *_ = optimize.brute(fun, ranges=grid, Ns=Ns, full_output=True, **kwargs)
        center = float(np.ravel(x)[0])
        width /= Ns
    return center, float(y_min)


def _shgo(fun: Callable[[Any], float], **kwargs: Any) -> tuple[float, float]:
    """``scipy.optimize.shgo`` on one variable."""
    optimize = importlib.import_module("scipy.optimize")
    result = optimize.shgo(fun, **kwargs)
    return float(result.x[0]), float(result.fun)


def _scalar(value: Any) -> float:
    return float(np.squeeze(np.asarray(value)))


def _argument_names(objective_fn: Callable[..., Any], count: int) -> list[str]:
    """The names of the first ``count`` positional parameters of ``objective_fn``."""
    func = objective_fn.func if isinstance(objective_fn, QNode) else objective_fn
    params = list(inspect.signature(func).parameters.values())
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) < count:
        raise ValueError(
            f"RotosolveOptimizer: the objective function names {len(positional)} positional "
            f"parameter(s) but {count} argument(s) were given; nums_frequency and spectra refer to "
            "arguments by name, so give every argument a named parameter."
        )
    return positional[:count]


class RotosolveOptimizer:
    """Rotosolve: minimize the cost one parameter at a time, each exactly along its own axis.

    Along one parameter ``x`` (all others fixed) a circuit's cost is a trigonometric polynomial
    ``f(x) = a_0 + sum_l a_l cos(w_l x) + b_l sin(w_l x)`` with the frequencies ``w_l`` of the gates that
    ``x`` feeds. With a single frequency ``w`` three values give the minimum in closed form
    (Ostaszewski, Grant, Benedetti, Quantum 5, 391 (2021), App. A): with ``f(0)`` and
    ``f(+-pi/(2w))`` at shifts from the current value, ``C = (f_+ + f_-)/2``, ``a = f(0) - C``,
    ``b = (f_+ - f_-)/2``, the minimum ``C - sqrt(a^2 + b^2)`` lies at ``(atan2(b, a) + pi)/w``. With
    ``R`` frequencies the polynomial is reconstructed from ``2R + 1`` values (Wierichs, Izaac, Wang, Lin,
    Quantum 6, 677 (2022), Sec. 3) and minimized numerically by ``substep_optimizer``.

    Args:
        substep_optimizer: the univariate minimizer for several frequencies: ``"brute"`` (a grid of
            ``Ns`` points refined ``num_steps`` times, by default 100 and 4), ``"shgo"``
            (``scipy.optimize.shgo``) or a callable ``(fun, bounds=..., **substep_kwargs) -> (x_min,
            y_min or None)``.
        substep_kwargs: keyword arguments for ``substep_optimizer``; ``bounds`` defaults to
            ``((-pi / w_min, pi / w_min),)``.

    Raises:
        ValueError: if ``substep_optimizer`` is neither a known name nor callable.

    Example:
        >>> import quantum_jax as qml
        >>> from quantum_jax import numpy as np
        >>> dev = qml.device("default.qubit", wires=1)
        >>> @qml.qnode(dev)
        ... def cost(x):
        ...     qml.RX(x, wires=0)
        ...     return qml.expval(qml.PauliZ(0))
        >>> opt = qml.RotosolveOptimizer()
        >>> x = opt.step(cost, np.array(0.3), nums_frequency={"x": {(): 1}})
        >>> round(float(x), 6), round(float(cost(x)), 6)
        (3.141593, -1.0)
    """

    def __init__(
        self,
        substep_optimizer: str | Callable[..., Any] = "brute",
        substep_kwargs: dict[str, Any] | None = None,
    ) -> None:
        self.substep_kwargs: dict[str, Any] = dict(substep_kwargs or {})
        if isinstance(substep_optimizer, str) and substep_optimizer == "brute":
            self.substep_optimizer: Callable[..., Any] = _brute
            self.substep_kwargs.setdefault("num_steps", 4)
            self.substep_kwargs.setdefault("Ns", 100)
        elif isinstance(substep_optimizer, str) and substep_optimizer == "shgo":
            self.substep_optimizer = _shgo
        elif callable(substep_optimizer):
            self.substep_optimizer = substep_optimizer
        else:
            raise ValueError(
                f"RotosolveOptimizer: 'substep_optimizer' must be 'brute', 'shgo' or a callable, got "
                f"{substep_optimizer!r}."
            )

    def step_and_cost(
        self,
        objective_fn: Callable[..., Any],
        *args: Any,
        nums_frequency: dict[str, dict[tuple[int, ...], int]] | None = None,
        spectra: dict[str, dict[tuple[int, ...], Sequence[float]]] | None = None,
        shifts: dict[str, dict[tuple[int, ...], Sequence[float]]] | None = None,
        full_output: bool = False,
        **kwargs: Any,
    ) -> tuple[Any, ...]:
        """One sweep over every trainable parameter; return the new arguments and the cost before it.

        Args:
            objective_fn: the cost function (a QNode or any function of named positional arguments).
            *args: its positional arguments; the trainable ones are optimized, entry by entry.
            nums_frequency: per argument name, a dict from entry index (``()`` for a scalar, ``(i,)``
                for a vector, ...) to its number ``R`` of integer frequencies ``1..R``.
            spectra: like ``nums_frequency``, but giving the frequencies themselves (only the positive
                ones are used); ``nums_frequency`` takes precedence.
            shifts: like ``spectra``, the ``2R + 1`` shifts from the current value at which to
                evaluate for a reconstruction from a spectrum (by default equidistant).
            full_output: whether to also return the minimized cost of every substep.
            **kwargs: keyword arguments of ``objective_fn``.

        Returns:
            ``(new_args, cost)``, or ``(new_args, cost, substep_costs)`` with ``full_output``; the new
            arguments as :meth:`GradientDescentOptimizer.step_and_cost` returns them.

        Raises:
            TypeError: if ``nums_frequency``, ``spectra`` or ``shifts`` is not a dict.
            ValueError: if nothing is trainable, a trainable entry has neither a number of
                frequencies nor a spectrum, or the shifts do not fit the spectrum.
        """
        names = _argument_names(objective_fn, len(args))
        trainable = [_is_trainable(a) for a in args]
        tables = _check_tables(names, args, trainable, nums_frequency, spectra, shifts)
        current = list(args)
        cost = objective_fn(*args, **kwargs)
        f0: float | None = _scalar(cost)
        substeps: list[float] = []
        for i, name in enumerate(names):
            if not trainable[i]:
                continue
            values = np.array(_as_array(args[i]), dtype=float)
            for index in np.ndindex(values.shape):
                current[i] = _like(args[i], values)
                along = _restriction(objective_fn, current, kwargs, i, index)
                freqs, given = _frequencies(tables, name, index)
                values[index], y_min = self._substep(along, freqs, given, float(values[index]), f0)
                f0 = None
                substeps.append(y_min)
            current[i] = _like(args[i], values)
        new_args = _unwrap(current)
        return (new_args, cost, substeps) if full_output else (new_args, cost)

    def step(
        self, objective_fn: Callable[..., Any], *args: Any, full_output: bool = False, **kwargs: Any
    ) -> Any:
        """One sweep; return the new arguments (and the substep costs with ``full_output``).

        It takes the arguments of :meth:`step_and_cost` (``nums_frequency``, ``spectra`` and ``shifts``
        among the keyword arguments).
        """
        out = self.step_and_cost(objective_fn, *args, full_output=full_output, **kwargs)
        return (out[0], out[2]) if full_output else out[0]

    def _substep(
        self,
        along: Callable[[float], float],
        freqs: tuple[float, ...],
        shifts: Sequence[float] | None,
        x0: float,
        f0: float | None,
    ) -> tuple[float, float]:
        """The new value of one parameter (now at ``x0``) and the minimized cost."""
        if not freqs:  # the cost does not depend on this parameter
            return x0, along(0.0) if f0 is None else f0
        if len(freqs) == 1:
            shift, y_min = self.min_analytic(along, freqs[0], f0)
            return x0 + shift, y_min
        recon = _reconstruction(along, freqs, shifts, f0)
        return self._min_numeric(lambda x: recon(_scalar(x) - x0), freqs)

    def _min_numeric(self, fun: Callable[[Any], float], freqs: Sequence[float]) -> tuple[float, float]:
        """Minimize a reconstructed cost with ``substep_optimizer`` (on ``(-pi/w_min, pi/w_min)``)."""
        options = dict(self.substep_kwargs)
        if "bounds" not in options:
            half = math.pi / min(freqs)
            options["bounds"] = ((-half, half),)
        x_min, y_min = self.substep_optimizer(fun, **options)
        x_min = _scalar(x_min)
        return x_min, fun(x_min) if y_min is None else _scalar(y_min)

    @staticmethod
    def min_analytic(
        objective_fn: Callable[[float], Any], freq: float, f0: float | None
    ) -> tuple[float, float]:
        """The minimum of ``f(x) = C + a cos(freq x) + b sin(freq x)`` from three of its values.

        Args:
            objective_fn: ``f``, a function of the shift ``x``.
            freq: its frequency.
            f0: ``f(0)`` if known (saves one evaluation), else ``None``.

        Returns:
            ``(x_min, f_min)`` with ``x_min`` in ``(-pi/freq, pi/freq]``.

        Example:
            >>> import numpy as onp
            >>> from quantum_jax import RotosolveOptimizer
            >>> x, y = RotosolveOptimizer.min_analytic(lambda x: 0.5 + 2 * onp.sin(3 * x), 3.0, None)
            >>> round(x, 6), round(y, 6)
            (-0.523599, -1.5)
        """
        f_zero = _scalar(objective_fn(0.0)) if f0 is None else float(f0)
        shift = math.pi / (2 * freq)
        f_plus, f_minus = _scalar(objective_fn(shift)), _scalar(objective_fn(-shift))
        c = (f_plus + f_minus) / 2
        a, b = f_zero - c, (f_plus - f_minus) / 2
        x_min = (math.atan2(b, a) + math.pi) / freq
        if x_min > math.pi / freq:
            x_min -= 2 * math.pi / freq
        return x_min, c - math.hypot(a, b)


def _check_tables(
    names: Sequence[str], args: Sequence[Any], trainable: Sequence[bool], *tables: Any
) -> tuple[dict[str, Any], ...]:
    """Check ``nums_frequency``, ``spectra`` and ``shifts``; return them as dicts."""
    out = []
    for label, table in zip(("nums_frequency", "spectra", "shifts"), tables, strict=True):
        if table is not None and not isinstance(table, dict):
            raise TypeError(f"RotosolveOptimizer: '{label}' must be a dict or None, got {table!r}.")
        unknown = sorted(set(table or {}) - set(names), key=str)
        if unknown:
            raise ValueError(
                f"RotosolveOptimizer: '{label}' names {unknown}, which are not arguments of the objective "
                f"function (its arguments are {list(names)})."
            )
        out.append(dict(table or {}))
    if not any(trainable):
        raise ValueError(
            "RotosolveOptimizer: found no parameters to optimize; mark them trainable (quantum_jax.numpy "
            "tensors with requires_grad=True, or JAX arrays)."
        )
    for name, arg, flag in zip(names, args, trainable, strict=True):
        known = set(out[0].get(name, {})) | set(out[1].get(name, {}))
        for index in np.ndindex(jnp.shape(_as_array(arg))) if flag else ():
            if index not in known:
                raise ValueError(
                    f"RotosolveOptimizer: neither the number of frequencies nor the frequency spectrum was "
                    f"given for entry {index} of argument {name!r}; add it to nums_frequency or spectra."
                )
    return tuple(out)


def _frequencies(
    tables: tuple[dict[str, Any], ...], name: str, index: tuple[int, ...]
) -> tuple[tuple[float, ...], Sequence[float] | None]:
    """The positive frequencies of one entry, and the shifts to reconstruct with (``None``: default)."""
    nums_frequency, spectra, shifts = tables
    num = nums_frequency.get(name, {}).get(index)
    if num is not None:
        if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < 0:
            raise ValueError(
                f"RotosolveOptimizer: nums_frequency for entry {index} of {name!r} must be a "
                f"non-negative integer, got {num!r}."
            )
        return tuple(float(k) for k in range(1, int(num) + 1)), None
    spectrum = np.asarray(spectra[name][index], dtype=float).ravel()
    return tuple(sorted({float(w) for w in spectrum if w > 0})), shifts.get(name, {}).get(index)


def _restriction(
    objective_fn: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any], position: int, index: Any
) -> Callable[[float], float]:
    """``shift -> objective_fn(args with args[position][index] moved by shift)``."""
    args = list(args)
    original = args[position]
    base = np.array(_as_array(original), dtype=float)

    def restricted(shift: float) -> float:
        moved = base.copy()
        moved[index] += shift
        full = list(args)
        full[position] = _like(original, moved)
        return _scalar(objective_fn(*full, **kwargs))

    return restricted


def _reconstruction(
    along: Callable[[float], float],
    freqs: tuple[float, ...],
    shifts: Sequence[float] | None,
    f0: float | None,
) -> Callable[[float], float]:
    """The trigonometric polynomial with frequencies ``freqs`` through ``2R + 1`` values of ``along``.

    By default the shifts are ``2 pi R mu / ((2R + 1) w_max)``, ``mu = -R..R``: for the integer spectrum
    ``1..R`` the equidistant points of the Dirichlet-kernel reconstruction (Wierichs et al., Eq. (26)).
    """
    r, w = len(freqs), np.asarray(freqs)
    if shifts is None:
        xs = np.arange(-r, r + 1) * 2 * math.pi * r / (w.max() * (2 * r + 1))
    else:
        xs = np.asarray(shifts, dtype=float).ravel()
        if xs.shape != (2 * r + 1,):
            raise ValueError(
                f"RotosolveOptimizer: {xs.size} shifts were given for {r} frequencies {freqs}; give "
                f"2R + 1 = {2 * r + 1}."
            )
    zero = int(np.argmin(np.abs(xs))) if f0 is not None and np.min(np.abs(xs)) < 1e-12 else -1
    values = np.array([f0 if m == zero else along(float(x)) for m, x in enumerate(xs)], dtype=float)
    system = np.hstack([np.ones((2 * r + 1, 1)), np.cos(np.outer(xs, w)), np.sin(np.outer(xs, w))])
    condition = np.linalg.cond(system)
    if not condition < 1e8:
        raise ValueError(
            f"RotosolveOptimizer: the shifts {xs.tolist()} cannot resolve the frequencies {freqs} "
            f"(condition number {condition:.3g}); choose other shifts."
        )
    coeffs = np.linalg.solve(system, values)

    def recon(x: float) -> float:
        return float(coeffs[0] + coeffs[1 : r + 1] @ np.cos(w * x) + coeffs[r + 1 :] @ np.sin(w * x))

    return recon
