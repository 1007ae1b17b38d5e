"""Mid-circuit measurements: :func:`measure`, the values it returns, and :func:`cond`.

A mid-circuit measurement is recorded as a :class:`MidMeasure` operation; what it returns is a
:class:`MeasurementValue`, a classical function of measured bits declared as data: the auxiliary wires
that will hold the bits and a lookup table with one outcome per bit pattern. Arithmetic and comparisons
of values (``m0 + m1``, ``m0 & m1``, ``m == 1``, ``~m``, ``2 * m``) combine tables; nothing is measured
yet. :func:`cond` records a :class:`Conditional`: an operation together with the bit patterns under
which it applies.

None of these runs as a gate. Execution defers them first (``_deferred``, the deferred-measurement
principle): each measurement becomes a CNOT onto a fresh auxiliary qubit, each conditional becomes
gates controlled on the auxiliary qubits, and a value, being diagonal in the auxiliary qubits'
computational basis, is an observable like any other (``expval``, ``var``, ``probs``, ``sample`` and
``counts`` read it from its eigenvalues, the table).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import numbers
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from . import _recording
from ._observables import Observable
from ._operation import Operation, is_concrete
from ._wires import Wires, as_wires

__all__ = ["cond", "measure"]

_UIDS = itertools.count()


@dataclasses.dataclass(frozen=True, order=True)
class AuxWire:
    """The wire label of the auxiliary qubit that keeps one mid-circuit measurement's outcome.

    A label of its own type, so it never equals a user's wire label. :func:`measure` makes a fresh one
    per call (``deferred=False``, ``index`` unique in the process); deferring a circuit renames its
    measurements' labels ``AuxWire(0, True)``, ``AuxWire(1, True)``, ... in circuit order, so equal
    circuits get equal labels (and share compiled code).

    Example:
        >>> AuxWire(0, True)
        aux0
    """

    index: int
    deferred: bool = False

    def __repr__(self) -> str:
        return f"aux{self.index}" if self.deferred else f"mcm{self.index}"


def not_deferred(what: str) -> ValueError:
    """The error for running a mid-circuit measurement or conditional as if it were a gate."""
    return ValueError(
        f"{what} is part of a circuit with mid-circuit measurements, which runs only through qml.execute "
        "or a QNode (they apply the deferred-measurement principle first); quantum_jax.simulator runs "
        "plain gates only."
    )


def _rebuilt(cls: type, params: tuple[Any, ...], wires: Wires, hyper: tuple[Any, ...]) -> Any:
    """An object of class ``cls`` from its parts, without validation or recording."""
    obj: Any = object.__new__(cls)
    object.__setattr__(obj, "params", tuple(params))
    object.__setattr__(obj, "wires", tuple(wires))
    object.__setattr__(obj, "hyper", hyper)
    return obj


# --- the measurement -------------------------------------------------------------------------
class MidMeasure(Operation, wires=1):
    """A computational-basis measurement of one wire in the middle of a circuit; made by :func:`measure`.

    ``hyper`` holds the label of the auxiliary wire its outcome goes to, ``reset`` and ``postselect``.

    Args:
        wires: the one wire to measure.
        reset: whether the wire is reset to ``|0>`` after the measurement.
        postselect: ``None``, or the outcome (0 or 1) the circuit is conditioned on.
        id: unused (PennyLane's custom label).

    Example:
        >>> op = MidMeasure(0, reset=True)
        >>> op.reset, op.postselect
        (True, None)
    """

    def __init__(
        self, wires: Any, reset: bool = False, postselect: int | None = None, id: Any = None
    ) -> None:
        """Check the arguments and record the measurement."""
        ws = as_wires(wires, "measure")
        if len(ws) != 1:
            raise ValueError(
                f"measure: only one wire can be measured mid-circuit, got wires={ws}; measure each wire "
                "with its own qml.measure call."
            )
        if not isinstance(reset, (bool, np.bool_)):
            raise TypeError(f"measure: 'reset' must be True or False, got {reset!r}.")
        if postselect is not None and not (
            isinstance(postselect, (int, np.integer))
            and not isinstance(postselect, bool)
            and postselect in (0, 1)
        ):
            raise ValueError(
                f"measure: 'postselect' must be None, 0 or 1 (the outcome to keep), got {postselect!r}."
            )
        value = None if postselect is None else int(postselect)
        self._init((), ws, (AuxWire(next(_UIDS)), bool(reset), value))

    @property
    def label(self) -> AuxWire:
        """The label of the auxiliary wire that receives the outcome."""
        return self.hyper[0]  # type: ignore[return-value]

    @property
    def reset(self) -> bool:
        """Whether the measured wire is reset to ``|0>``."""
        return bool(self.hyper[1])

    @property
    def postselect(self) -> int | None:
        """The outcome kept by post-selection, or ``None``."""
        return self.hyper[2]  # type: ignore[return-value]

    def matrix(self) -> jax.Array:
        """A measurement is not a gate: see :func:`not_deferred`."""
        raise not_deferred(repr(self))

    def __repr__(self) -> str:
        return f"MidMeasure(wires={list(self.wires)}, reset={self.reset}, postselect={self.postselect})"


class Postselection(Operation, wires=1):
    """The projector ``|v><v|`` onto one outcome of a wire (``v = hyper[0]``): post-selection, not a gate.

    The deferred circuit applies it before the measurement's CNOT; the state it leaves has norm squared
    equal to the probability of the outcome, which execution divides out.

    Example:
        >>> Postselection.of(1, wires=0).diagonal().tolist()
        [0.0, 1.0]
    """

    is_diagonal: ClassVar[bool] = True

    @staticmethod
    def of(value: int, wires: Any) -> Postselection:
        """The projector onto ``value`` on ``wires`` (not recorded)."""
        return _rebuilt(Postselection, (), as_wires(wires, "Postselection"), (int(value),))

    def diagonal(self) -> jax.Array:
        """``(1, 0)`` keeps outcome 0, ``(0, 1)`` outcome 1."""
        return jnp.asarray((1.0, 0.0) if self.hyper[0] == 0 else (0.0, 1.0))


def measure(wires: Any, reset: bool = False, postselect: int | None = None) -> MeasurementValue:
    """Measure one wire in the computational basis in the middle of a circuit.

    The outcome is 0 or 1 (not the eigenvalue +-1). It can condition later operations
    (:func:`cond`), be combined with other outcomes, and be measured at the end of the circuit
    (``qml.expval(m)``, ``qml.var(m)``, ``qml.probs(op=m)``, ``qml.sample(m)``, ``qml.counts(m)``).
    The wire can be used again after it.

    Execution defers the measurement: the outcome is copied by a CNOT onto a fresh auxiliary qubit
    appended to the simulated wires (one per measurement), so every differentiation method, shots,
    broadcasting, ``jit`` and ``vmap`` apply unchanged.

    Args:
        wires: the wire to measure (exactly one).
        reset: reset the wire to ``|0>`` after the measurement.
        postselect: keep only the runs where the outcome is this value (0 or 1). Exact results are then
            renormalised by the outcome's probability; where that probability is exactly 0 there is
            nothing to renormalise and every value (and its gradient) is 0, not NaN. With shots all
            samples are drawn from the post-selected state (PennyLane's ``"fill-shots"``); at
            probability 0 they are meaningless.

    Returns:
        The measurement's value.

    Raises:
        ValueError: for more than one wire, or ``postselect`` other than None, 0 or 1.
        TypeError: for a ``reset`` that is not a bool.

    Example:
        >>> import quantum_jax as qml
        >>> from quantum_jax._midcircuit import cond, measure
        >>> dev = qml.device("default.qubit", wires=2)
        >>> @qml.qnode(dev)
        ... def circuit():
        ...     qml.Hadamard(wires=0)
        ...     m = measure(0)
        ...     cond(m, qml.PauliX)(wires=1)
        ...     return qml.expval(m), qml.expval(qml.PauliZ(1))
        >>> [round(float(v), 6) for v in circuit()]
        [0.5, 0.0]
    """
    op = MidMeasure(wires, reset=reset, postselect=postselect)
    return _value((op.label,), (0.0, 1.0))


# --- values of measurements ------------------------------------------------------------------
class MeasurementValue(Operation, Observable):
    """A function of mid-circuit measurement outcomes, as data: a lookup table over their bits.

    ``wires`` are the auxiliary wires holding the bits (first most significant) and ``hyper[0]`` the
    table: entry ``i`` is the value for the bit pattern of ``i``. The value is an observable, diagonal
    in the auxiliary wires' computational basis with the table as its eigenvalues. Build values with
    :func:`measure` and the operators ``+ - * / ~ & | == != < <= > >=`` (with other values or numbers).

    Example:
        >>> from quantum_jax._midcircuit import measure
        >>> m0, m1 = measure(0), measure(1)
        >>> (m0 + 2 * m1).table
        (0.0, 2.0, 1.0, 3.0)
        >>> (m0 == m1).table
        (1.0, 0.0, 0.0, 1.0)
    """

    is_diagonal: ClassVar[bool] = True
    basis: ClassVar[str | None] = "Z"
    __hash__ = Operation.__hash__  # defining ``__eq__`` would otherwise make values unhashable

    @property
    def table(self) -> tuple[float, ...]:
        """The value for each bit pattern of :attr:`wires` (first wire most significant)."""
        return self.hyper[0]  # type: ignore[return-value]

    def items(self) -> Iterator[tuple[tuple[int, ...], float]]:
        """``(bits, value)`` for every bit pattern, in order."""
        k = len(self.wires)
        for i, v in enumerate(self.table):
            yield tuple((i >> (k - 1 - j)) & 1 for j in range(k)), v

    @property
    def branches(self) -> dict[tuple[int, ...], float]:
        """The table as a dict from bit patterns to values."""
        return dict(self.items())

    @property
    def is_involutory(self) -> bool:  # type: ignore[override]
        """Whether every value is +-1 (the value squares to 1)."""
        return all(abs(v) == 1 for v in self.table)

    @property
    def pauli_rep(self) -> None:
        """Not a Pauli word of the circuit's wires."""
        return None

    def diagonal(self) -> jax.Array:
        """The table (only once deferred: before, its wires do not exist yet)."""
        if not all(w.deferred for w in self.wires):  # type: ignore[attr-defined]
            raise not_deferred(f"the measurement value {self!r}")
        return jnp.asarray(self.table)

    def eigvals(self) -> jax.Array:
        """The table: the eigenvalues in the computational basis of :attr:`wires`."""
        return jnp.asarray(self.table)

    def diagonalizing_gates(self) -> list[Operation]:
        """None: the value is diagonal."""
        return []

    def _binary(self, other: Any, fn: Callable[[np.ndarray, Any], Any], symbol: str) -> Any:
        """The value ``fn(self, other)`` (a division by a zero outcome gives inf or nan, as NumPy's)."""
        if isinstance(other, MeasurementValue):
            wires = tuple(sorted(set(self.wires) | set(other.wires)))  # type: ignore[type-var]
            with np.errstate(all="ignore"):
                return _value(wires, fn(_expanded(self, wires), _expanded(other, wires)))
        if isinstance(other, (Operation, Observable)):
            raise TypeError(
                f"MeasurementValue {symbol}: the other operand is {other!r}; combine measurement values "
                "with other measurement values or with numbers."
            )
        with np.errstate(all="ignore"):
            return _value(self.wires, fn(np.asarray(self.table), _scalar(other, symbol)))

    def _unary(self, fn: Callable[[np.ndarray], Any]) -> MeasurementValue:
        with np.errstate(all="ignore"):
            return _value(self.wires, fn(np.asarray(self.table)))

    def __add__(self, other: Any) -> Any:
        return self._binary(other, np.add, "+")

    def __radd__(self, other: Any) -> Any:
        return self._binary(other, lambda a, b: b + a, "+")

    def __sub__(self, other: Any) -> Any:
        return self._binary(other, np.subtract, "-")

    def __rsub__(self, other: Any) -> Any:
        return self._binary(other, lambda a, b: b - a, "-")

    def __mul__(self, other: Any) -> Any:
        return self._binary(other, np.multiply, "*")

    def __rmul__(self, other: Any) -> Any:
        return self._binary(other, lambda a, b: b * a, "*")

    def __truediv__(self, other: Any) -> Any:
        return self._binary(other, np.true_divide, "/")

    def __rtruediv__(self, other: Any) -> Any:
        return self._binary(other, lambda a, b: np.true_divide(b, a), "/")

    def __pow__(self, other: Any) -> Any:
        return self._binary(other, np.power, "**")

    def __and__(self, other: Any) -> Any:
        return self._binary(other, lambda a, b: np.logical_and(a != 0, b != 0), "&")

    __rand__ = __and__

    def __or__(self, other: Any) -> Any:
        return self._binary(other, lambda a, b: np.logical_or(a != 0, b != 0), "|")

    __ror__ = __or__

    def __eq__(self, other: object) -> Any:
        return self._binary(other, np.equal, "==")

    def __ne__(self, other: object) -> Any:
        return self._binary(other, np.not_equal, "!=")

    def __lt__(self, other: Any) -> Any:
        return self._binary(other, np.less, "<")

    def __le__(self, other: Any) -> Any:
        return self._binary(other, np.less_equal, "<=")

    def __gt__(self, other: Any) -> Any:
        return self._binary(other, np.greater, ">")

    def __ge__(self, other: Any) -> Any:
        return self._binary(other, np.greater_equal, ">=")

    def __invert__(self) -> MeasurementValue:
        return self._unary(np.logical_not)

    def __neg__(self) -> MeasurementValue:
        return self._unary(np.negative)

    def __bool__(self) -> bool:
        raise TypeError(
            "a measurement value has no truth value while the circuit is recorded (it is measured when the "
            "circuit runs); condition gates on it with qml.cond(m, ...), and combine values with & | ~ "
            "rather than and / or / not."
        )

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError(_NOT_A_NUMBER)

    def __jax_array__(self) -> jax.Array:
        raise TypeError(_NOT_A_NUMBER)

    def __repr__(self) -> str:
        return f"MeasurementValue(wires={list(self.wires)}, table={self.table})"


_NOT_A_NUMBER = (
    "a measurement value (from qml.measure) is not a number: it cannot be a gate parameter or an array; "
    "condition gates on it with qml.cond(m, ...) or measure it with qml.expval(m), qml.probs(op=m), ..."
)


def _value(wires: Wires, table: Any) -> MeasurementValue:
    """The value over ``wires`` with ``table`` (one entry per bit pattern), not recorded."""
    values = tuple(float(v) for v in np.asarray(table, dtype=float).ravel())
    return _rebuilt(MeasurementValue, (), wires, (values,))


def renamed(value: MeasurementValue, names: Callable[[Any], Any]) -> MeasurementValue:
    """``value`` with each wire label ``w`` replaced by ``names(w)``."""
    return _value(tuple(names(w) for w in value.wires), value.table)


def _expanded(value: MeasurementValue, wires: Wires) -> np.ndarray:
    """``value``'s table over the bit patterns of ``wires`` (which include ``value.wires``)."""
    n = len(wires)
    index = np.arange(2**n)
    sub = np.zeros(2**n, dtype=int)
    for w in value.wires:
        sub = 2 * sub + ((index >> (n - 1 - wires.index(w))) & 1)
    return np.asarray(value.table)[sub]


def _scalar(x: Any, symbol: str) -> float:
    """``x`` as a real number, for arithmetic with a measurement value."""
    if isinstance(x, jax.core.Tracer) or not is_concrete(x):
        raise TypeError(
            f"MeasurementValue {symbol}: the other operand is a traced JAX value; a measurement value's "
            "table is fixed when the circuit is recorded, so combine it with concrete numbers only."
        )
    if isinstance(x, numbers.Real) or (hasattr(x, "dtype") and np.ndim(x) == 0 and np.isrealobj(x)):
        with np.errstate(all="ignore"):
            return float(np.asarray(x))
    raise TypeError(
        f"MeasurementValue {symbol}: cannot combine a measurement value with {x!r}; use another measurement "
        "value or a real number."
    )


# --- conditional operations ------------------------------------------------------------------
class Conditional(Operation):
    """An operation applied only where a measurement value is true; made by :func:`cond`.

    ``wires`` and ``params`` are the base operation's; ``hyper`` holds the base's class and static data,
    the condition's auxiliary wire labels and, per bit pattern of them, whether the base applies.

    Example:
        >>> import quantum_jax as qml
        >>> from quantum_jax._midcircuit import cond, measure
        >>> op = cond(measure(0), qml.RX(0.5, wires=1))
        >>> op.base, op.meas_val.table
        (RX(0.5, wires=[1]), (0.0, 1.0))
    """

    @property
    def base(self) -> Operation:
        """The operation applied conditionally."""
        return _rebuilt(self.hyper[0], self.params, self.wires, self.hyper[1])  # type: ignore[arg-type]

    @property
    def meas_val(self) -> MeasurementValue:
        """The condition, as a value that is 1 where the base applies and 0 elsewhere."""
        return _value(self.hyper[2], self.hyper[3])  # type: ignore[arg-type]

    @property
    def ndim_params(self) -> tuple[int, ...] | None:  # type: ignore[override]
        """The base's parameter ranks."""
        return self.base.ndim_params

    @property
    def name(self) -> str:
        return f"Conditional({self.base.name})"

    def matrix(self) -> jax.Array:
        """A conditional is not a gate until deferred: see :func:`not_deferred`."""
        raise not_deferred(repr(self))

    def __repr__(self) -> str:
        return f"Conditional({self.base!r}, condition={self.meas_val!r})"


def _conditional(value: MeasurementValue, op: Operation, owner: str) -> Conditional:
    """The recorded :class:`Conditional` of ``op`` under ``value`` (nested conditions merged)."""
    if isinstance(op, (MidMeasure, MeasurementValue)):
        raise ValueError(
            f"qml.cond: '{owner}' makes a mid-circuit measurement (qml.measure); only gates can be applied "
            "conditionally. Measure unconditionally and combine the values instead."
        )
    if op.is_state_preparation:
        raise ValueError(
            f"qml.cond: '{owner}' holds {op.name}, which prepares a state and cannot be conditioned."
        )
    if isinstance(op, Conditional):
        value, op = value & op.meas_val, op.base
    mask = tuple(bool(v) for v in value.table)
    out: Conditional = _rebuilt(Conditional, op.params, op.wires, (type(op), op.hyper, value.wires, mask))
    _recording.record(out)
    return out


def _branch_ops(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any], owner: str) -> tuple[list[Any], Any]:
    """The operations a branch records when called (an operation instance is its own), and its result."""
    if isinstance(fn, Operation):
        return [fn], fn
    with _recording.recording() as inner:
        out = fn(*args, **kwargs)
    for item in inner:
        if not isinstance(item, Operation):
            raise ValueError(
                f"qml.cond: '{owner}' records {item!r}; only gates can be applied conditionally (return "
                "measurements from the circuit itself)."
            )
    return list(inner), out


def _check_branch(fn: Any, owner: str) -> None:
    if not (isinstance(fn, Operation) or callable(fn)):
        raise TypeError(
            f"qml.cond: '{owner}' must be an operation, an operation class or a quantum function, got {fn!r}."
        )


def cond(condition: Any, true_fn: Any, false_fn: Any = None) -> Any:
    """Apply operations only where a mid-circuit measurement value is true (else ``false_fn``'s).

    The condition is true where its value is nonzero: ``qml.cond(m, ...)`` applies where ``m == 1``.
    Execution defers it into gates controlled on the measurements' auxiliary qubits, one per bit
    pattern that satisfies the condition.

    Args:
        condition: a :class:`MeasurementValue` (from :func:`measure`, possibly combined), or a Python
            bool, which simply chooses a branch (as PennyLane does without ``qjit``).
        true_fn: an operation class, a quantum function (it may record gates only), or an operation
            instance.
        false_fn: the same kinds, applied where the condition is false; optional.

    Returns:
        A function taking ``true_fn``'s arguments that records the conditional operations (returning
        the conditional operation when ``true_fn`` returns one). For an operation instance, the
        conditional operation itself, recorded in the instance's place.

    Raises:
        TypeError: for a condition that is neither a measurement value nor a bool (a traced JAX value
            included), or a branch that is not an operation or callable.
        ValueError: when a branch records a measurement or a state preparation.

    Example:
        >>> import quantum_jax as qml
        >>> from quantum_jax._midcircuit import cond, measure
        >>> dev = qml.device("default.qubit", wires=2)
        >>> @qml.qnode(dev)
        ... def circuit(x):
        ...     qml.RX(x, wires=0)
        ...     m = measure(0)
        ...     cond(m == 0, qml.RY)(x, wires=1)
        ...     return qml.expval(qml.PauliZ(1))
        >>> round(float(circuit(0.0)), 6)
        1.0
    """
    _check_branch(true_fn, "true_fn")
    if false_fn is not None:
        _check_branch(false_fn, "false_fn")
    if not isinstance(condition, MeasurementValue):
        return _python_branch(condition, true_fn, false_fn)
    _recording.forget(*[f for f in (true_fn, false_fn) if isinstance(f, Operation)])

    def apply(*args: Any, **kwargs: Any) -> Any:
        _recording.forget(*[a for a in (*args, *kwargs.values()) if isinstance(a, Operation)])
        ops, out = _branch_ops(true_fn, args, kwargs, "true_fn")
        made = [_conditional(condition, op, "true_fn") for op in ops]
        if false_fn is not None:
            others, _ = _branch_ops(false_fn, args, kwargs, "false_fn")
            made += [_conditional(~condition, op, "false_fn") for op in others]
        return made[0] if isinstance(out, Operation) and made else out

    if isinstance(true_fn, Operation) and (false_fn is None or isinstance(false_fn, Operation)):
        return apply()  # nothing left to call with arguments
    return apply if isinstance(true_fn, (type, Operation)) else functools.wraps(true_fn)(apply)


def _python_branch(condition: Any, true_fn: Any, false_fn: Any) -> Any:
    """``cond`` with a plain boolean: the chosen branch, the other one forgotten."""
    if isinstance(condition, jax.core.Tracer) or not is_concrete(condition):
        raise TypeError(
            "qml.cond: 'condition' is a traced JAX value; a Python-level branch cannot depend on it under "
            "jit/grad/vmap. Condition on a mid-circuit measurement value (qml.measure), or compute the gate "
            "parameters with jnp.where."
        )
    is_bool = isinstance(condition, (bool, np.bool_, numbers.Number)) or (
        hasattr(condition, "dtype") and np.ndim(condition) == 0
    )
    if not is_bool or isinstance(condition, (Operation, Observable)):
        raise TypeError(
            f"qml.cond: 'condition' must be a measurement value from qml.measure (or a Python bool), got "
            f"{condition!r}."
        )
    chosen, dropped = (true_fn, false_fn) if bool(condition) else (false_fn, true_fn)
    if isinstance(dropped, Operation):
        _recording.forget(dropped)
    if chosen is None:
        return lambda *args, **kwargs: None
    return chosen
