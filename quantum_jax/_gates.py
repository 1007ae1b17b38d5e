"""The gate library, in PennyLane's conventions (names, argument order, matrix signs).

Each gate is data: how it acts (a permutation with phases, a diagonal, or a matrix) and, per
parameter, the frequencies of its generator's spectrum.
"""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from . import _pauli, _recording
from ._observables import Observable
from ._operation import Operation, check_matrix_size, is_concrete

_SQ2 = float(1.0 / np.sqrt(2.0))  # a Python float: weakly typed, keeps complex64 matrices complex64
_ONE = (1.0,)  # the generator spectrum {-1/2, 1/2}: a single frequency
_CONTROLLED = (0.5, 1.0)  # the spectrum {-1/2, 0, 0, 1/2} of a controlled rotation


def _cplx(x: Any) -> jax.Array:
    """``x`` as a complex array of matching precision (complex64 for float32 input)."""
    x = jnp.asarray(x)
    return x.astype(jnp.result_type(x.dtype, jnp.complex64))


def _rot_cs(theta: Any) -> tuple[jax.Array, jax.Array]:
    """``cos(theta / 2)`` and ``sin(theta / 2)`` as complex arrays (real trigonometry for real input)."""
    t = jnp.asarray(theta) / 2
    return _cplx(jnp.cos(t)), _cplx(jnp.sin(t))


def _phase(x: Any) -> jax.Array:
    """``exp(i x)``; for real ``x`` as ``cos x + i sin x``, far cheaper than a complex exponential."""
    x = jnp.asarray(x)
    if jnp.iscomplexobj(x):
        return jnp.exp(1j * x)
    return jax.lax.complex(jnp.cos(x), jnp.sin(x))


def _controlled(target: jax.Array) -> jax.Array:
    """The 4x4 matrix applying ``target`` to the second wire when the first is 1."""
    zero = jnp.zeros((2, 2), target.dtype)
    eye = jnp.eye(2, dtype=target.dtype)
    return jnp.block([[eye, zero], [zero, target]])


# --- fixed gates -----------------------------------------------------------------------------
class _PauliLike(Operation, Observable):
    """A one-wire gate that is also an involutory observable with eigenvalues ``(1, -1)``."""

    is_involutory = True

    def eigvals(self) -> jax.Array:
        """``(1, -1)``, in the order the diagonalizing gates leave them."""
        return jnp.array([1.0, -1.0])

    def diagonalizing_gates(self) -> list[Operation]:
        """None: the computational basis is already its eigenbasis."""
        return []


class Identity(_PauliLike, wires=1, permutation=(0, 1)):
    """The identity on one wire."""

    basis = "I"

    def eigvals(self) -> jax.Array:
        """``(1, 1)``."""
        return jnp.ones(2)


class PauliX(_PauliLike, wires=1, permutation=(1, 0)):
    """The Pauli X (NOT) gate and observable."""

    basis = "X"

    def diagonalizing_gates(self) -> list[Operation]:
        """``H``, mapping ``|+>, |->`` to ``|0>, |1>``."""
        with _recording.paused():
            return [Hadamard(wires=self.wires)]


class PauliY(_PauliLike, wires=1, permutation=(1, 0), phases=(-1j, 1j)):
    """The Pauli Y gate and observable: ``[[0, -i], [i, 0]]``."""

    basis = "Y"

    def diagonalizing_gates(self) -> list[Operation]:
        """``H S^dagger`` (as ``Z``, ``S``, ``H``), mapping Y's eigenstates to ``|0>, |1>``."""
        with _recording.paused():
            return [PauliZ(wires=self.wires), S(wires=self.wires), Hadamard(wires=self.wires)]


class PauliZ(_PauliLike, wires=1, diagonal=(1, -1)):
    """The Pauli Z gate and observable."""

    basis = "Z"


class Hadamard(_PauliLike, wires=1, matrix=_SQ2 * np.array([[1, 1], [1, -1]])):
    """The Hadamard gate and observable."""

    basis = "H"

    def diagonalizing_gates(self) -> list[Operation]:
        """``RY(-pi/4)``, rotating H's eigenbasis onto the computational basis."""
        with _recording.paused():
            return [RY(-np.pi / 4, wires=self.wires)]


class S(Operation, wires=1, diagonal=(1, 1j)):
    """The phase gate ``diag(1, i)``."""


class T(Operation, wires=1, diagonal=(1, np.exp(1j * np.pi / 4))):
    """The T gate ``diag(1, exp(i pi/4))``."""


class SX(Operation, wires=1, matrix=0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]])):
    """The square root of X: ``[[1+i, 1-i], [1-i, 1+i]] / 2``."""


class CNOT(Operation, wires=2, permutation=(0, 1, 3, 2)):
    """Controlled-NOT: wires[0] controls an X on wires[1]."""


class CY(Operation, wires=2, permutation=(0, 1, 3, 2), phases=(1, 1, -1j, 1j)):
    """Controlled-Y: wires[0] controls a Y on wires[1]."""


class CZ(Operation, wires=2, diagonal=(1, 1, 1, -1)):
    """Controlled-Z."""


class SWAP(Operation, wires=2, permutation=(0, 2, 1, 3)):
    """Exchanges the states of two wires."""


class ISWAP(Operation, wires=2, permutation=(0, 2, 1, 3), phases=(1, 1j, 1j, 1)):
    """Swaps two wires with a phase ``i`` on ``|01>`` and ``|10>``."""


class CSWAP(Operation, wires=3, permutation=(0, 1, 2, 3, 4, 6, 5, 7)):
    """Controlled-SWAP (Fredkin): wires[0] controls a SWAP of wires[1] and wires[2]."""


class Toffoli(Operation, wires=3, permutation=(0, 1, 2, 3, 4, 5, 7, 6)):
    """Doubly controlled NOT: wires[0] and wires[1] control an X on wires[2]."""


# --- rotations -------------------------------------------------------------------------------
class RX(Operation, wires=1, params=1, frequencies=(_ONE,)):
    """``exp(-i phi X / 2)``."""

    def matrix(self) -> jax.Array:
        """``[[c, -i s], [-i s, c]]`` with ``c, s = cos(phi/2), sin(phi/2)``."""
        c, s = _rot_cs(self.params[0])
        return jnp.stack([jnp.stack([c, -1j * s]), jnp.stack([-1j * s, c])])


class RY(Operation, wires=1, params=1, frequencies=(_ONE,)):
    """``exp(-i phi Y / 2)``."""

    def matrix(self) -> jax.Array:
        """``[[c, -s], [s, c]]`` with ``c, s = cos(phi/2), sin(phi/2)``."""
        c, s = _rot_cs(self.params[0])
        return jnp.stack([jnp.stack([c, -s]), jnp.stack([s, c])])


class RZ(Operation, wires=1, params=1, frequencies=(_ONE,)):
    """``exp(-i phi Z / 2)``."""

    is_diagonal = True

    def diagonal(self) -> jax.Array:
        """``(exp(-i phi/2), exp(i phi/2))``."""
        p = _phase(-0.5 * jnp.asarray(self.params[0]))
        return jnp.stack([p, jnp.conj(p)])


class PhaseShift(Operation, wires=1, params=1, frequencies=(_ONE,)):
    """``diag(1, exp(i phi))``."""

    is_diagonal = True

    def diagonal(self) -> jax.Array:
        """``(1, exp(i phi))``."""
        p = _phase(self.params[0])
        return jnp.stack([jnp.ones_like(p), p])


class U1(PhaseShift):
    """``U1(phi)``: the same matrix as PhaseShift."""


class Rot(Operation, wires=1, params=3, frequencies=(_ONE, _ONE, _ONE)):
    """``Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)``."""

    def matrix(self) -> jax.Array:
        """The product ``RZ(omega) RY(theta) RZ(phi)``, written out."""
        phi, theta, omega = (jnp.asarray(p) for p in self.params)
        c, s = _rot_cs(theta)
        return jnp.stack(
            [
                jnp.stack([_phase(-0.5 * (phi + omega)) * c, -_phase(0.5 * (phi - omega)) * s]),
                jnp.stack([_phase(-0.5 * (phi - omega)) * s, _phase(0.5 * (phi + omega)) * c]),
            ]
        )


class U2(Operation, wires=1, params=2, frequencies=(_ONE, _ONE)):
    """``U2(phi, delta) = [[1, -e^{i delta}], [e^{i phi}, e^{i (phi + delta)}]] / sqrt(2)``."""

    def matrix(self) -> jax.Array:
        """The matrix above."""
        phi, delta = (jnp.asarray(p) for p in self.params)
        one = _cplx(jnp.ones_like(phi))
        return _SQ2 * jnp.stack(
            [jnp.stack([one, -_phase(delta)]), jnp.stack([_phase(phi), _phase(phi + delta)])]
        )


class U3(Operation, wires=1, params=3, frequencies=(_ONE, _ONE, _ONE)):
    """``U3(theta, phi, delta)``: the general single-qubit gate in the OpenQASM convention."""

    def matrix(self) -> jax.Array:
        """``[[c, -e^{i delta} s], [e^{i phi} s, e^{i (phi + delta)} c]]``, ``c, s`` of ``theta/2``."""
        theta, phi, delta = (jnp.asarray(p) for p in self.params)
        c, s = _rot_cs(theta)
        return jnp.stack(
            [jnp.stack([c, -_phase(delta) * s]), jnp.stack([_phase(phi) * s, _phase(phi + delta) * c])]
        )


class _Controlled(Operation, wires=2):
    """A one-wire ``target`` gate on wires[1], controlled by wires[0]."""

    target: ClassVar[type[Operation]]

    def matrix(self) -> jax.Array:
        """``diag(I, target)``."""
        with _recording.paused():
            target = self.target(*self.params, wires=0)
        return _controlled(_cplx(target.matrix()))


class CRX(_Controlled, params=1, frequencies=(_CONTROLLED,)):
    """RX on wires[1] controlled by wires[0]."""

    target = RX


class CRY(_Controlled, params=1, frequencies=(_CONTROLLED,)):
    """RY on wires[1] controlled by wires[0]."""

    target = RY


class CRot(_Controlled, params=3, frequencies=(_CONTROLLED,) * 3):
    """Rot(phi, theta, omega) on wires[1] controlled by wires[0]."""

    target = Rot


class CRZ(Operation, wires=2, params=1, frequencies=(_CONTROLLED,)):
    """RZ on wires[1] controlled by wires[0] (diagonal)."""

    is_diagonal = True

    def diagonal(self) -> jax.Array:
        """``(1, 1, exp(-i phi/2), exp(i phi/2))``."""
        p = _phase(-0.5 * jnp.asarray(self.params[0]))
        one = jnp.ones_like(p)
        return jnp.stack([one, one, p, jnp.conj(p)])


class ControlledPhaseShift(Operation, wires=2, params=1, frequencies=(_ONE,)):
    """``diag(1, 1, 1, exp(i phi))``."""

    is_diagonal = True

    def diagonal(self) -> jax.Array:
        """``(1, 1, 1, exp(i phi))``."""
        p = _phase(self.params[0])
        one = jnp.ones_like(p)
        return jnp.stack([one, one, one, p])


CPhase = ControlledPhaseShift


def _pauli_exponential(theta: Any, word: str) -> jax.Array:
    """``exp(-i theta P / 2) = cos(theta/2) I - i sin(theta/2) P`` for a Pauli word ``P``."""
    c, s = _rot_cs(theta)
    p = jnp.asarray(_pauli.word_matrix(word), dtype=c.dtype)
    return c * jnp.eye(p.shape[0], dtype=c.dtype) - 1j * s * p


def _z_word_diagonal(theta: Any, word: str) -> jax.Array:
    """Diagonal of ``exp(-i theta P / 2)`` for a word ``P`` of ``I``/``Z``: ``exp(-+i theta/2)`` by parity."""
    p = _phase(-0.5 * jnp.asarray(theta))
    return jnp.where(jnp.asarray(_pauli.z_parity(word)) == 0, p, jnp.conj(p))


class IsingXX(Operation, wires=2, params=1, frequencies=(_ONE,)):
    """``exp(-i phi X X / 2)``."""

    def matrix(self) -> jax.Array:
        """``cos(phi/2) I - i sin(phi/2) X X``."""
        return _pauli_exponential(self.params[0], "XX")


class IsingYY(Operation, wires=2, params=1, frequencies=(_ONE,)):
    """``exp(-i phi Y Y / 2)``."""

    def matrix(self) -> jax.Array:
        """``cos(phi/2) I - i sin(phi/2) Y Y``."""
        return _pauli_exponential(self.params[0], "YY")


class IsingZZ(Operation, wires=2, params=1, frequencies=(_ONE,)):
    """``exp(-i phi Z Z / 2)``."""

    is_diagonal = True

    def diagonal(self) -> jax.Array:
        """``exp(-+i phi/2)`` on even/odd parity states."""
        return _z_word_diagonal(self.params[0], "ZZ")


class MultiRZ(Operation, params=1, frequencies=(_ONE,)):
    """``exp(-i theta Z...Z / 2)`` on any number of wires."""

    is_diagonal = True

    def diagonal(self) -> jax.Array:
        """``exp(-+i theta/2)`` on even/odd parity states."""
        return _z_word_diagonal(self.params[0], "Z" * len(self.wires))


class PauliRot(Operation, params=1):
    """``exp(-i theta P / 2)`` for a Pauli word ``P`` such as ``"XIZ"``, one letter per wire.

    Example:
        >>> import quantum_jax as qml
        >>> qml.PauliRot(0.3, "XY", wires=[0, 1]).pauli_word
        'XY'
    """

    def __init__(self, theta: Any, pauli_word: str, wires: Any = None, id: str | None = None) -> None:
        """Rotate about ``pauli_word`` by ``theta`` on ``wires``."""
        self._init((theta,), wires, (_pauli.check_word(pauli_word, "PauliRot"),))

    def _validate(self) -> None:  # runs before the operation is recorded
        word = self.pauli_word
        if len(self.wires) != len(word):
            raise ValueError(
                f"PauliRot: 'pauli_word' {word!r} has {len(word)} letters but "
                f"wires={self.wires}; give one letter per wire."
            )

    @property
    def pauli_word(self) -> str:
        """The Pauli word, one letter per wire."""
        return str(self.hyper[0])

    @property
    def frequencies(self) -> tuple[tuple[float, ...], ...]:  # type: ignore[override]
        """One frequency, or none for the all-identity word (a global phase)."""
        return ((),) if set(self.pauli_word) == {"I"} else (_ONE,)

    @property
    def is_diagonal(self) -> bool:  # type: ignore[override]
        """Words of ``I`` and ``Z`` only are diagonal."""
        return _pauli.is_diagonal(self.pauli_word)

    def diagonal(self) -> jax.Array:
        """The diagonal of a ``Z``/``I`` word's rotation."""
        return _z_word_diagonal(self.params[0], self.pauli_word)

    def matrix(self) -> jax.Array:
        """``cos(theta/2) I - i sin(theta/2) P``."""
        return _pauli_exponential(self.params[0], self.pauli_word)


# --- matrices and state preparation ----------------------------------------------------------
class QubitUnitary(Operation):
    """An arbitrary unitary matrix ``U`` on ``wires``.

    Concrete matrices are checked for unitarity (traced ones cannot be). A traced matrix has no
    shift rule: differentiating through it with parameter-shift falls back to finite differences.

    Example:
        >>> import quantum_jax as qml
        >>> qml.QubitUnitary([[0, 1], [1, 0]], wires=0).wires
        (0,)
    """

    num_params = 1
    frequencies = (None,)
    ndim_params = (2,)

    # ``U`` is PennyLane's public argument name: keep it.
    def __init__(self, U: Any, wires: Any = None, id: str | None = None, unitary_check: bool = True) -> None:  # noqa: N803
        U = jnp.asarray(U)  # noqa: N806 -- PennyLane's argument name
        if U.ndim != 2 or U.shape[0] != U.shape[1] or U.shape[0] & (U.shape[0] - 1):
            raise ValueError(f"QubitUnitary: 'U' must be a square 2^k x 2^k matrix, got shape {U.shape}.")
        if unitary_check and is_concrete(U):
            m = np.asarray(U)
            err = np.abs(m @ m.conj().T - np.eye(m.shape[0])).max()
            # single-precision matrices are unitary only up to float32 rounding
            eps = np.finfo(m.dtype).eps if np.issubdtype(m.dtype, np.inexact) else 0.0
            if err > max(1e-8, 100 * eps):
                raise ValueError(
                    f"QubitUnitary: 'U' is not unitary (max |U U^dagger - I| = {err:.3g}); "
                    "pass a unitary matrix."
                )
        self._init((U,), wires, ())

    def _validate(self) -> None:  # runs before the operation is recorded
        check_matrix_size("QubitUnitary", "U", self.params[0].shape[0], self.wires)

    def matrix(self) -> jax.Array:
        """The matrix ``U``."""
        return self.params[0]


class BasisState(Operation):
    """Prepares the computational basis state ``n`` (one 0/1 entry per wire) at the circuit's start.

    Example:
        >>> import quantum_jax as qml
        >>> qml.BasisState([1, 0], wires=[0, 1]).wires
        (0, 1)
    """

    num_params = 1
    frequencies = (None,)
    ndim_params = (1,)
    is_state_preparation = True

    def __init__(self, n: Any, wires: Any = None, id: str | None = None) -> None:
        n = jnp.asarray(n)
        if is_concrete(n) and not np.isin(np.asarray(n), [0, 1]).all():
            raise ValueError(f"BasisState: 'n' must hold only 0 and 1, got {np.asarray(n).tolist()}.")
        self._init((n,), wires, ())

    def _validate(self) -> None:  # runs before the operation is recorded
        shape = jnp.shape(self.params[0])
        if shape != (len(self.wires),):
            raise ValueError(
                f"BasisState: 'n' has shape {shape} but wires={self.wires}; give one bit per wire."
            )

    def state_vector(self) -> jax.Array:
        k = len(self.wires)
        index = jnp.sum(jnp.asarray(self.params[0]) * (2 ** jnp.arange(k - 1, -1, -1)))
        return (jnp.arange(2**k) == index).astype(jnp.complex64)


class StatePrep(Operation):
    """Prepares a normalized state vector of ``2**len(wires)`` amplitudes at the circuit's start.

    Example:
        >>> import quantum_jax as qml
        >>> import numpy as onp
        >>> qml.StatePrep(onp.array([1, 1]) / onp.sqrt(2), wires=0).wires
        (0,)
    """

    num_params = 1
    frequencies = (None,)
    ndim_params = (1,)
    is_state_preparation = True

    def __init__(self, state: Any, wires: Any = None, id: str | None = None) -> None:
        state = jnp.asarray(state)
        if is_concrete(state) and not np.isclose(np.linalg.norm(np.asarray(state)), 1.0, atol=1e-6):
            raise ValueError(
                f"StatePrep: 'state' must have norm 1, got {np.linalg.norm(np.asarray(state)):.6g}; "
                "normalize it first."
            )
        self._init((state,), wires, ())

    def _validate(self) -> None:  # runs before the operation is recorded
        shape = jnp.shape(self.params[0])
        if shape != (2 ** len(self.wires),):
            raise ValueError(
                f"StatePrep: 'state' has shape {shape} but wires={self.wires} need "
                f"{2 ** len(self.wires)} amplitudes."
            )

    def state_vector(self) -> jax.Array:
        return self.params[0]


QubitStateVector = StatePrep


# --- adjoint ---------------------------------------------------------------------------------
class Adjoint(Operation):
    """The conjugate transpose of another operation; build it with :func:`adjoint`."""

    @property
    def base(self) -> Operation:
        cls, hyper = self.hyper
        op: Operation = object.__new__(cls)  # type: ignore[arg-type]
        object.__setattr__(op, "params", self.params)
        object.__setattr__(op, "wires", self.wires)
        object.__setattr__(op, "hyper", hyper)
        return op

    @property
    def frequencies(self) -> Any:  # type: ignore[override]
        return self.base.frequencies

    @property
    def is_diagonal(self) -> bool:  # type: ignore[override]
        return self.base.is_diagonal

    @property
    def ndim_params(self) -> tuple[int, ...] | None:  # type: ignore[override]
        """The base's parameter ranks."""
        return self.base.ndim_params

    @property
    def permutation(self) -> tuple[int, ...] | None:  # type: ignore[override]
        perm = self.base.permutation
        return None if perm is None else tuple(int(i) for i in np.argsort(perm))

    @property
    def phases(self) -> tuple[complex, ...] | None:  # type: ignore[override]
        base = self.base
        if base.phases is None:
            return None
        inv = np.argsort(np.asarray(base.permutation))
        return tuple(np.conj(np.asarray(base.phases, dtype=complex))[inv])

    def diagonal(self) -> jax.Array:
        return jnp.conj(self.base.diagonal())

    def matrix(self) -> jax.Array:
        return jnp.conj(self.base.matrix()).T

    @property
    def name(self) -> str:
        return f"Adjoint({self.base.name})"

    def __repr__(self) -> str:
        return f"Adjoint({self.base!r})"


def _adjoint_of(op: Operation) -> Operation:
    if isinstance(op, Adjoint):
        base = op.base
        _recording.forget(op)
        _recording.record(base)
        return base
    if op.is_state_preparation:
        raise ValueError(f"adjoint: {op.name} prepares a state and has no adjoint.")
    _recording.forget(op)
    adj = object.__new__(Adjoint)
    object.__setattr__(adj, "params", op.params)
    object.__setattr__(adj, "wires", op.wires)
    object.__setattr__(adj, "hyper", (type(op), op.hyper))
    _recording.record(adj)
    return adj


def adjoint(op: Any) -> Any:
    """The adjoint (inverse) of an operation, or of every operation a function records.

    Args:
        op: an operation instance, a gate class or a function that applies gates.

    Returns:
        For an operation, its adjoint (recorded in its place). For a class or function, a function
        with the same arguments that records the adjoints of the operations it creates, in reverse
        order.

    Example:
        >>> import quantum_jax as qml
        >>> qml.adjoint(qml.S(wires=0))
        Adjoint(S(wires=[0]))
        >>> qml.adjoint(qml.RX)(0.5, wires=0)
        Adjoint(RX(0.5, wires=[0]))
    """
    if isinstance(op, Operation):
        return _adjoint_of(op)
    if callable(op):

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _recording.recording() as inner:
                out = op(*args, **kwargs)
            ops = [o for o in inner if isinstance(o, Operation)]
            adjs = [_adjoint_of(o) for o in reversed(ops)]
            return adjs[0] if isinstance(out, Operation) and len(adjs) == 1 else out

        return wrapper
    raise TypeError(f"adjoint: expected an operation or a callable, got {op!r}.")


GATES: tuple[type[Operation], ...] = (
    Identity, PauliX, PauliY, PauliZ, Hadamard, S, T, SX, CNOT, CY, CZ, SWAP, ISWAP, CSWAP, Toffoli,
    RX, RY, RZ, PhaseShift, Rot, U1, U2, U3, CRX, CRY, CRZ, CRot, ControlledPhaseShift,
    IsingXX, IsingYY, IsingZZ, MultiRZ, PauliRot, QubitUnitary,
)  # fmt: skip
"""Every unitary gate class, for conformance tests and lookups by name."""
