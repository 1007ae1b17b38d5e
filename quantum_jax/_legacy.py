"""PennyLane's oldest measurement syntax, ``qml.expval.PauliZ(0)``.

Measurement constructors that also name an observable as an attribute.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _measurements
from ._gates import Hadamard, Identity, PauliX, PauliY, PauliZ
from ._hermitian import Hermitian
from ._measurements import MeasurementProcess

OBSERVABLES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (PauliX, PauliY, PauliZ, Hadamard, Identity, Hermitian)
}
"""The observables that the legacy syntax can name."""


class MeasurementFunction:
    """A measurement constructor that also accepts ``constructor.ObservableName(*args, **kwargs)``.

    Example:
        >>> import quantum_jax as qml
        >>> qml.expval.PauliZ(0)
        ExpectationMP(obs=PauliZ(wires=[0]), wires=())
    """

    def __init__(self, fn: Callable[..., MeasurementProcess]) -> None:
        """Wrap the measurement constructor ``fn``."""
        self._fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__
        self.__wrapped__ = fn

    def __call__(self, *args: Any, **kwargs: Any) -> MeasurementProcess:
        """Construct the measurement as ``fn`` does."""
        return self._fn(*args, **kwargs)

    def __getattr__(self, name: str) -> Callable[..., MeasurementProcess]:
        """``expval.PauliZ`` is ``lambda *a, **k: expval(PauliZ(*a, **k))``."""
        if name not in OBSERVABLES:
            raise AttributeError(
                f"{self.__name__}.{name}: unknown observable; available: {', '.join(OBSERVABLES)}."
            )
        cls = OBSERVABLES[name]
        return lambda *a, **k: self._fn(cls(*a, **k))

    def __repr__(self) -> str:
        return f"<measurement {self.__name__}>"


expval = MeasurementFunction(_measurements.expval)
var = MeasurementFunction(_measurements.var)
sample = MeasurementFunction(_measurements.sample)
counts = MeasurementFunction(_measurements.counts)
