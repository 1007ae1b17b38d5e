"""The abstract operation: an immutable pytree whose leaves are its numeric parameters.

A concrete gate declares its physics as data, and the simulator and the gradient rules read only that:

* exactly one of ``permutation`` (+ optional ``phases``), :meth:`Operation.diagonal` or
  :meth:`Operation.matrix` says how it acts on its wires;
* ``frequencies[i]`` lists the distinct positive differences of the eigenvalues of the generator of
  parameter ``i`` (``U(x) = exp(-i x G)``), from which the parameter-shift rule is derived; ``None``
  marks a parameter with no shift rule (a matrix, a state vector);
* ``spectrum[i]``, where known, lists the exponents ``mu`` with which parameter ``i`` enters: the gate
  is a sum of constant matrices times ``exp(-i x mu)``. For ``U(x) = A exp(-i x G) B`` these are the
  eigenvalues of ``G`` itself, not only their differences, which is what a controlled gate's shift rule
  needs (the control adds the exponent 0). The frequencies follow from it (:func:`spectrum_frequencies`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from . import _recording
from ._wires import Wires, as_wires


def register_pytree(cls: type, children: str) -> None:
    """Register ``cls`` as a pytree: its field ``children`` (a tuple) below, ``wires`` and ``hyper`` static.

    Operations (children ``params``) and templates (children ``operations``) are such frozen records;
    unflattening sets the fields without validation or recording.
    """

    def flatten(obj: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        return getattr(obj, children), (obj.wires, obj.hyper)

    def unflatten(aux: tuple[Any, ...], kids: Sequence[Any]) -> Any:
        obj: Any = object.__new__(cls)
        object.__setattr__(obj, children, tuple(kids))
        object.__setattr__(obj, "wires", aux[0])
        object.__setattr__(obj, "hyper", aux[1])
        return obj

    jax.tree_util.register_pytree_node(cls, flatten, unflatten)


def _as_array(p: list[Any] | tuple[Any, ...]) -> Any:
    return np.asarray(p) if is_concrete(p) else jnp.asarray(p)


def check_numeric(value: Any, owner: str) -> None:
    """Raise a clear ``TypeError`` unless ``value`` is a number or an array of numbers (or a tracer).

    Strings, ``None``, dicts and lists mixing numbers with other things would otherwise fail deep
    inside the simulator; this names the argument and what it got instead.

    Example:
        >>> check_numeric(0.5, "RX: parameter 0")
        >>> check_numeric("a", "RX: parameter 0")
        Traceback (most recent call last):
        ...
        TypeError: RX: parameter 0 must be a number or an array of numbers, got 'a' (str); ...
    """
    if isinstance(value, (jax.core.Tracer, jax.Array, int, float, complex)):
        return
    if isinstance(value, (np.ndarray, np.generic)) and (
        np.issubdtype(value.dtype, np.number) or value.dtype == np.bool_
    ):
        return
    if hasattr(value, "__jax_array__"):
        jnp.asarray(value)  # objects that convert themselves raise their own, more specific error
        return
    got = value if not isinstance(value, np.ndarray) else value.tolist()
    raise TypeError(
        f"{owner} must be a number or an array of numbers, got {got!r} ({type(value).__name__}); "
        "pass floats (a float, a list of floats, or a NumPy/JAX array)."
    )


def numeric(value: Any, owner: str) -> Any:
    """``value`` checked by :func:`check_numeric`, concrete lists and tuples first turned into NumPy arrays.

    Example:
        >>> numeric([0.5, 1], "StatePrep: 'state'").dtype
        dtype('float64')
    """
    if isinstance(value, (list, tuple)) and not is_concrete(value):
        for leaf in jax.tree_util.tree_leaves(value):  # holds tracers: jnp.asarray stacks them
            if not isinstance(leaf, jax.core.Tracer):
                numeric(leaf, owner)
        return value
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value)
        except ValueError:
            raise TypeError(
                f"{owner} must be a number or an array of numbers, got the ragged nested list {value!r}; "
                "pass a rectangular array."
            ) from None
    check_numeric(value, owner)
    return value


def is_concrete(x: Any) -> bool:
    """True when ``x`` holds known values (not a tracer inside ``jit``/``grad``/``vmap``)."""
    return not any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(x))


def spectrum_frequencies(spectrum: Sequence[float]) -> tuple[float, ...]:
    """The distinct positive differences of a generator's eigenvalues: the frequencies of its shift rule.

    Args:
        spectrum: the eigenvalues (any order, repeats allowed).

    Returns:
        The sorted distinct positive differences, rounded to 12 decimals.

    Example:
        >>> spectrum_frequencies((-0.5, 0.0, 0.5))
        (0.5, 1.0)
        >>> spectrum_frequencies((1.0,))
        ()
    """
    values = sorted({round(float(e), 12) for e in spectrum})
    diffs = {round(b - a, 12) for i, a in enumerate(values) for b in values[i + 1 :]}
    return tuple(sorted(d for d in diffs if d > 0))


def check_matrix_size(owner: str, arg: str, dim: int, wires: Wires) -> None:
    """Raise unless a ``dim x dim`` matrix fits ``wires`` (``dim = 2 ** len(wires)``)."""
    need = 2 ** len(wires)
    if dim != need:
        raise ValueError(f"{owner}: '{arg}' is {dim}x{dim} but wires={wires} need a {need}x{need} matrix.")


@dataclasses.dataclass(frozen=True, eq=False, init=False, repr=False)
class Operation:
    """Abstract base of every gate, state preparation and observable factor.

    Attributes:
        params: the numeric parameters (pytree leaves: floats, arrays or tracers).
        wires: the wire labels it acts on (static).
        hyper: other static data (a Pauli word, say).
    """

    params: tuple[Any, ...]
    wires: Wires
    hyper: tuple[Hashable, ...]

    num_wires: ClassVar[int | None] = None
    num_params: ClassVar[int] = 0
    frequencies: ClassVar[tuple[tuple[float, ...] | None, ...]] = ()
    # Per parameter, the exponents it enters with (see the module docstring); ``None``: not declared.
    spectrum: ClassVar[tuple[tuple[float, ...] | None, ...] | None] = None
    permutation: ClassVar[tuple[int, ...] | None] = None
    phases: ClassVar[tuple[complex, ...] | None] = None
    is_diagonal: ClassVar[bool] = False
    # ``U(x)^z = U(z x)`` for every real ``z``: the parameters enter as ``exp(-i x G)`` with a fixed
    # ``G``, so a power of the gate is the gate at scaled parameters (see ``_gates.pow``).
    scalable: ClassVar[bool] = False
    is_state_preparation: ClassVar[bool] = False
    # A noise channel (``_channels``): it declares Kraus operators, not a unitary; only a density-matrix
    # device can run it.
    is_channel: ClassVar[bool] = False
    # The number of axes of each parameter's unbatched value (``None``: all scalars). A parameter with
    # more axes carries a leading batch axis: parameter broadcasting, as in PennyLane.
    ndim_params: ClassVar[tuple[int, ...] | None] = None

    # A constant diagonal or matrix declared with the class (see ``__init_subclass__``).
    constant: ClassVar[np.ndarray | None] = None

    def __init_subclass__(
        cls,
        *,
        wires: int | None = None,
        params: int | None = None,
        frequencies: tuple[tuple[float, ...] | None, ...] | None = None,
        spectrum: tuple[tuple[float, ...] | None, ...] | None = None,
        permutation: tuple[int, ...] | None = None,
        phases: tuple[complex, ...] | None = None,
        scalable: bool | None = None,
        diagonal: Any = None,
        matrix: Any = None,
        **kwargs: Any,
    ) -> None:
        """Declare a gate's data with its class: ``class CZ(Operation, wires=2, diagonal=(1, 1, 1, -1))``.

        Args:
            wires: the number of wires it acts on (``num_wires``).
            params: the number of numeric parameters (``num_params``).
            frequencies: per parameter, its generator's frequencies (``None``: no shift rule).
            spectrum: per parameter, its generator's eigenvalues (``None``: unknown); when
                ``frequencies`` is not given, they are derived from it.
            permutation: ``new[j] = phases[j] * old[permutation[j]]`` on its wires.
            phases: see ``permutation``.
            scalable: whether ``U(x)^z = U(z x)`` (``scalable``).
            diagonal: a constant diagonal.
            matrix: a constant matrix.
            **kwargs: passed on to ``object.__init_subclass__``.
        """
        super().__init_subclass__(**kwargs)
        declared = {
            "num_wires": wires,
            "num_params": params,
            "frequencies": frequencies,
            "permutation": permutation,
            "phases": phases,
            "scalable": scalable,
        }
        for name, value in declared.items():
            if value is not None:
                setattr(cls, name, value)
        if spectrum is not None:
            cls.spectrum = tuple(None if s is None else tuple(float(e) for e in s) for s in spectrum)
            if frequencies is None:
                cls.frequencies = tuple(None if s is None else spectrum_frequencies(s) for s in spectrum)
        constant = diagonal if diagonal is not None else matrix
        if constant is not None:
            values = np.asarray(constant)
            cls.constant = values.astype(complex if np.iscomplexobj(values) else float)
            cls.is_diagonal = diagonal is not None
        register_pytree(cls, "params")

    def __init__(self, *params: Any, wires: Any = None, id: str | None = None) -> None:
        name = type(self).__name__
        if wires is None and len(params) == self.num_params + 1:
            *params, wires = params  # type: ignore[assignment]
        if len(params) != self.num_params:
            raise TypeError(
                f"{name} takes {self.num_params} parameter(s) but {len(params)} were given; "
                f"call it as {name}({', '.join(['p'] * self.num_params + ['wires=...'])})."
            )
        self._init(tuple(params), wires, ())

    def _init(self, params: tuple[Any, ...], wires: Any, hyper: tuple[Hashable, ...]) -> None:
        name = type(self).__name__
        wires = as_wires(wires, name)
        if self.num_wires is not None and len(wires) != self.num_wires:
            raise ValueError(
                f"{name} acts on {self.num_wires} wire(s) but got wires={wires}; "
                f"pass exactly {self.num_wires}."
            )
        # Lists become arrays: NumPy ones while concrete, so float64 data stays float64 until the
        # execution decides the precision (see ``_precision``); JAX ones when they hold tracers.
        params = tuple(numeric(p, f"{name}: parameter {i}") for i, p in enumerate(params))
        params = tuple(_as_array(p) if isinstance(p, (list, tuple)) else p for p in params)
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "wires", wires)
        object.__setattr__(self, "hyper", hyper)
        self._validate()
        _recording.record(self)

    def _validate(self) -> None:
        """Check concrete parameter values; subclasses override."""

    # --- how it acts -------------------------------------------------------------------------
    def matrix(self) -> jax.Array:
        """The ``(2^k, 2^k)`` matrix on ``self.wires`` (wire order as given)."""
        if self.constant is not None and not self.is_diagonal:
            return jnp.asarray(self.constant)
        if self.is_diagonal:
            return jnp.diag(self.diagonal())
        if self.permutation is not None:
            k = len(self.permutation)
            phases = np.ones(k) if self.phases is None else np.asarray(self.phases)
            mat = np.zeros((k, k), dtype=complex)
            mat[np.arange(k), np.asarray(self.permutation)] = phases
            return jnp.asarray(mat)
        raise NotImplementedError(f"{type(self).__name__} defines no matrix")

    def diagonal(self) -> jax.Array:
        """The diagonal of a diagonal operator (``is_diagonal`` is True)."""
        if self.constant is not None and self.is_diagonal:
            return jnp.asarray(self.constant)
        raise NotImplementedError(f"{type(self).__name__} is not diagonal")

    def state_vector(self) -> jax.Array:
        """The state a state preparation (``is_state_preparation`` is True) prepares on its wires."""
        raise NotImplementedError(f"{type(self).__name__} prepares no state")

    @property
    def is_identity(self) -> bool:
        """Whether it acts as the identity (a trivial permutation without phases)."""
        perm = self.permutation
        return perm is not None and self.phases is None and tuple(perm) == tuple(range(len(perm)))

    # --- convenience -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def parameters(self) -> list[Any]:
        return list(self.params)

    @property
    def data(self) -> tuple[Any, ...]:
        return self.params

    def __repr__(self) -> str:
        ps = ", ".join(_short(p) for p in self.params)
        hy = "".join(f", {h!r}" for h in self.hyper)
        sep = ", " if ps else ""
        return f"{self.name}({ps}{hy}{sep}wires={list(self.wires)})"


def _short(p: Any) -> str:
    if isinstance(p, jax.core.Tracer):
        return "<traced>"
    arr = np.asarray(p)
    return f"{float(arr):.4g}" if arr.ndim == 0 and np.isrealobj(arr) else f"array{arr.shape}"
