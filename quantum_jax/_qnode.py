"""QNodes: a quantum function bound to a device, callable and differentiable like any JAX function."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np

from . import _recording
from ._device import Device
from ._execute import check_interface, resolve_method, run_tapes, sampling_key
from ._measurements import MeasurementProcess
from ._methods import Backprop
from ._operation import Operation, is_concrete
from ._precision import match_call
from ._shots import as_shots
from ._tape import Tape

_DIFF_METHODS = (
    "best",
    "backprop",
    "adjoint",
    "device",
    "parameter-shift",
    "param_shift",
    "finite-diff",
    "finite_diff",
    None,
)


def _wants_numpy(interface: str | None, args: Sequence[Any], kwargs: dict[str, Any]) -> bool:
    """PennyLane-style calls (autograd interface, or shim tensors passed in) get NumPy results."""
    if interface == "autograd":
        return True
    if interface in ("auto", None):
        leaves = jax.tree_util.tree_leaves((args, kwargs))
        return any(isinstance(x, np.ndarray) and hasattr(x, "requires_grad") for x in leaves)
    return False


def to_numpy_if_concrete(result: Any) -> Any:
    """NumPy copies of concrete JAX arrays (they print like NumPy); tracers are left alone."""
    if not is_concrete(result):
        return result
    return jax.tree_util.tree_map(np.asarray, result)


class QNode:
    """A quantum function bound to a device.

    Calling it records the gates the function applies and the measurement(s) it returns into a tape
    (see :attr:`tape`) and runs it. A QNode is a JAX-traceable function: ``jax.grad``, ``jax.jit``,
    ``jax.vmap`` and optax work on it directly, as does ``qml.grad``.

    Args:
        func: applies gates and returns a measurement or a sequence of measurements.
        device: the device to run on.
        interface: ``"auto"`` (NumPy results when called with ``quantum_jax.numpy`` tensors),
            ``"autograd"`` (NumPy results when concrete) or ``"jax"`` (always JAX arrays).
        diff_method: ``"best"`` (backprop for exact simulation, parameter-shift with shots),
            ``"backprop"``, ``"adjoint"``,
            ``"parameter-shift"``, ``"finite-diff"``, or ``None`` (not differentiable).
        max_diff: the highest derivative order parameter-shift or finite-diff support
            (``None``: unlimited).
        **gradient_kwargs: options of the differentiation method (``shifts``, ``h``, ...).

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> @qml.qnode(dev, diff_method="parameter-shift")
        ... def circuit(x):
        ...     qml.RX(x, wires=0)
        ...     return qml.expval(qml.PauliZ(0))
        >>> round(float(circuit(0.0)), 6)
        1.0
    """

    def __init__(
        self,
        func: Callable[..., Any],
        device: Device,
        interface: str | None = "auto",
        diff_method: Any = "best",
        max_diff: int | None = None,
        mode: str = "best",
        cache: bool = True,
        **gradient_kwargs: Any,
    ) -> None:
        if not isinstance(device, Device):
            raise TypeError(f"QNode: 'device' must come from qml.device(...), got {device!r}.")
        check_interface(interface)
        if isinstance(diff_method, str) and diff_method not in _DIFF_METHODS:
            raise ValueError(
                f"QNode: unknown diff_method {diff_method!r}; use one of "
                f"{', '.join(repr(m) for m in _DIFF_METHODS)}."
            )
        if max_diff is not None and (
            isinstance(max_diff, bool) or not isinstance(max_diff, int) or max_diff < 1
        ):
            raise ValueError(f"QNode: 'max_diff' must be a positive integer or None, got {max_diff!r}.")
        self.func = func
        self.device = device
        self.interface = interface
        self.diff_method = diff_method
        self.max_diff = max_diff
        self.cache = cache
        self.gradient_kwargs = gradient_kwargs
        self.method = resolve_method(diff_method, gradient_kwargs, mode)
        self.tape: Tape | None = None
        functools.update_wrapper(self, func)

    def construct(self, args: Sequence[Any], kwargs: dict[str, Any]) -> Tape:
        """Record the tape for these arguments without running it."""
        with _recording.recording() as items:
            out = self.func(*args, **kwargs)
        single = isinstance(out, MeasurementProcess)
        returned = [out] if single else out
        if not isinstance(returned, (list, tuple)) or not returned:
            raise TypeError(
                f"QNode {self.func.__name__!r} returned {out!r}; a quantum function must return a "
                "measurement such as qml.expval(qml.PauliZ(0)), or a list/tuple of them."
            )
        for m in returned:
            if not isinstance(m, MeasurementProcess):
                raise TypeError(
                    f"QNode {self.func.__name__!r} returned {m!r} ({type(m).__name__}), which is not a "
                    "measurement; return qml.expval(...), qml.probs(...), qml.var(...) or qml.state()."
                )
        ops = [i for i in items if isinstance(i, Operation)]
        self._single = single
        self._container = type(out)
        return Tape(tuple(ops), tuple(returned))

    def __call__(self, *args: Any, shots: Any = False, key: Any = None, **kwargs: Any) -> Any:
        """Run the circuit; ``shots=`` overrides the device's shots and ``key=`` is the sampling key."""
        match_call(self.interface, (args, kwargs), f"QNode {self.func.__name__!r}")
        tape = self.construct(args, kwargs)
        self.tape = tape
        shot_spec = self.device.shots if shots is False else as_shots(shots, "QNode")
        method = self.method
        if shot_spec is not None and self.diff_method == "best":
            method = resolve_method("best", self.gradient_kwargs, "best", shot_spec)
        max_diff = None if isinstance(method, Backprop) or method is None else self.max_diff
        key = sampling_key(self.device, shot_spec, key, "QNode")
        (values,) = run_tapes([tape], self.device, method, max_diff, shot_spec, key, self.cache)
        result: Any = values[0] if self._single else tuple(values)
        if _wants_numpy(self.interface, args, kwargs):
            result = to_numpy_if_concrete(result)
        return result

    def __repr__(self) -> str:
        dev = self.device
        return f"<QNode: device={dev.name!r}, wires={dev.num_wires}, diff_method={self.diff_method!r}>"


def qnode(device: Device, **options: Any) -> Callable[[Callable[..., Any]], QNode]:
    """Decorator turning a quantum function into a :class:`QNode` on ``device``.

    Args:
        device: the device to run on.
        **options: the options of :class:`QNode` (``interface``, ``diff_method``, ``max_diff``, ...).

    Returns:
        A decorator: ``qnode(dev, ...)(func)`` is ``QNode(func, dev, ...)``.

    Example:
        >>> import jax
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=2)
        >>> @qml.qnode(dev)
        ... def bell(x):
        ...     qml.RY(x, wires=0)
        ...     qml.CNOT(wires=[0, 1])
        ...     return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
        >>> round(float(jax.grad(bell)(0.3)), 6)
        0.0
    """
    return functools.partial(QNode, device=device, **options)
