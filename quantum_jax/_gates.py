"""The gate library, in PennyLane's conventions (names, argument order, matrix signs).

Each gate is data: how it acts (a permutation with phases, a diagonal, or a matrix) and, per
parameter, the frequencies of its generator's spectrum.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from . import _pauli, _recording
from ._observables import Observable, observable_power
from ._operation import Operation, check_matrix_size, is_concrete, numeric, spectrum_frequencies

_SQ2 = float(1.0 / np.sqrt(2.0))  # a Python float: weakly typed, keeps complex64 matrices complex64
# Generator spectra (``U(x) = A exp(-i x G) B``: the eigenvalues of ``G``), from which the shift
# rules' frequencies follow, and which a control extends by 0 (see ``_controlled``).
_HALF = (-0.5, 0.5)  # a Pauli rotation exp(-i x P / 2)
_PHASE = (-1.0, 0.0)  # a phase shift diag(1, exp(i x)) = exp(-i x (-|1><1|))
_CTRL_HALF = (-0.5, 0.0, 0.5)  # a controlled Pauli rotation


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
class RX(Operation, wires=1, params=1, spectrum=(_HALF,), scalable=True):
    """``exp(-i phi X / 2)``."""

    def matrix(self) -> jax.Array:
        """``[[c, -i s], [-i s, c]]`` with ``c, s = cos(phi/2), sin(phi/2)``."""
        c, s = _rot_cs(self.params[0])
        return jnp.stack([jnp.stack([c, -1j * s]), jnp.stack([-1j * s, c])])


class RY(Operation, wires=1, params=1, spectrum=(_HALF,), scalable=True):
    """``exp(-i phi Y / 2)``."""

    def matrix(self) -> jax.Array:
        """``[[c, -s], [s, c]]`` with ``c, s = cos(phi/2), sin(phi/2)``."""
        c, s = _rot_cs(self.params[0])
        return jnp.stack([jnp.stack([c, -s]), jnp.stack([s, c])])


class RZ(Operation, wires=1, params=1, spectrum=(_HALF,), scalable=True):
    """``exp(-i phi Z / 2)``."""

    is_diagonal = True

    def diagonal(self) -> jax.Array:
        """``(exp(-i phi/2), exp(i phi/2))``."""
        p = _phase(-0.5 * jnp.asarray(self.params[0]))
        return jnp.stack([p, jnp.conj(p)])


class PhaseShift(Operation, wires=1, params=1, spectrum=(_PHASE,), scalable=True):
    """``diag(1, exp(i phi))``."""

    is_diagonal = True

    def diagonal(self) -> jax.Array:
        """``(1, exp(i phi))``."""
        p = _phase(self.params[0])
        return jnp.stack([jnp.ones_like(p), p])


class U1(PhaseShift):
    """``U1(phi)``: the same matrix as PhaseShift."""


class Rot(Operation, wires=1, params=3, spectrum=(_HALF, _HALF, _HALF)):
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


class U2(Operation, wires=1, params=2, spectrum=(_PHASE, _PHASE)):
    """``U2(phi, delta) = [[1, -e^{i delta}], [e^{i phi}, e^{i (phi + delta)}]] / sqrt(2)``."""

    def matrix(self) -> jax.Array:
        """The matrix above."""
        phi, delta = (jnp.asarray(p) for p in self.params)
        one = _cplx(jnp.ones_like(phi))
        return _SQ2 * jnp.stack(
            [jnp.stack([one, -_phase(delta)]), jnp.stack([_phase(phi), _phase(phi + delta)])]
        )


class U3(Operation, wires=1, params=3, spectrum=(_HALF, _PHASE, _PHASE)):
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


class CRX(_Controlled, params=1, spectrum=(_CTRL_HALF,), scalable=True):
    """RX on wires[1] controlled by wires[0]."""

    target = RX


class CRY(_Controlled, params=1, spectrum=(_CTRL_HALF,), scalable=True):
    """RY on wires[1] controlled by wires[0]."""

    target = RY


class CRot(_Controlled, params=3, spectrum=(_CTRL_HALF,) * 3):
    """Rot(phi, theta, omega) on wires[1] controlled by wires[0]."""

    target = Rot


class CRZ(Operation, wires=2, params=1, spectrum=(_CTRL_HALF,), scalable=True):
    """RZ on wires[1] controlled by wires[0] (diagonal)."""

    is_diagonal = True

    def diagonal(self) -> jax.Array:
        """``(1, 1, exp(-i phi/2), exp(i phi/2))``."""
        p = _phase(-0.5 * jnp.asarray(self.params[0]))
        one = jnp.ones_like(p)
        return jnp.stack([one, one, p, jnp.conj(p)])


class ControlledPhaseShift(Operation, wires=2, params=1, spectrum=(_PHASE,), scalable=True):
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


class IsingXX(Operation, wires=2, params=1, spectrum=(_HALF,), scalable=True):
    """``exp(-i phi X X / 2)``."""

    def matrix(self) -> jax.Array:
        """``cos(phi/2) I - i sin(phi/2) X X``."""
        return _pauli_exponential(self.params[0], "XX")


class IsingYY(Operation, wires=2, params=1, spectrum=(_HALF,), scalable=True):
    """``exp(-i phi Y Y / 2)``."""

    def matrix(self) -> jax.Array:
        """``cos(phi/2) I - i sin(phi/2) Y Y``."""
        return _pauli_exponential(self.params[0], "YY")


class IsingZZ(Operation, wires=2, params=1, spectrum=(_HALF,), scalable=True):
    """``exp(-i phi Z Z / 2)``."""

    is_diagonal = True

    def diagonal(self) -> jax.Array:
        """``exp(-+i phi/2)`` on even/odd parity states."""
        return _z_word_diagonal(self.params[0], "ZZ")


class MultiRZ(Operation, params=1, spectrum=(_HALF,), scalable=True):
    """``exp(-i theta Z...Z / 2)`` on any number of wires."""

    is_diagonal = True

    def diagonal(self) -> jax.Array:
        """``exp(-+i theta/2)`` on even/odd parity states."""
        return _z_word_diagonal(self.params[0], "Z" * len(self.wires))


class PauliRot(Operation, params=1, scalable=True):
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
    def spectrum(self) -> tuple[tuple[float, ...], ...]:  # type: ignore[override]
        """``{-1/2, 1/2}``, or ``{1/2}`` for the all-identity word (a global phase)."""
        return ((0.5,),) if set(self.pauli_word) == {"I"} else (_HALF,)

    @property
    def frequencies(self) -> tuple[tuple[float, ...], ...]:  # type: ignore[override]
        """One frequency, or none for the all-identity word (a global phase)."""
        return (spectrum_frequencies(self.spectrum[0]),)

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


# --- more two-wire gates, phases and markers -------------------------------------------------
class IsingXY(Operation, wires=2, params=1, spectrum=(_CTRL_HALF,), scalable=True):
    """``exp(i phi (X X + Y Y) / 4)``: a rotation by ``phi`` mixing ``|01>`` and ``|10>``.

    Its generator ``-(X X + Y Y) / 4`` has eigenvalues ``{-1/2, 0, 0, 1/2}``: a four-term shift rule.

    Example:
        >>> from quantum_jax._gates import IsingXY
        >>> IsingXY(0.5, wires=[0, 1]).frequencies
        ((0.5, 1.0),)
    """

    def matrix(self) -> jax.Array:
        """``[[1, 0, 0, 0], [0, c, i s, 0], [0, i s, c, 0], [0, 0, 0, 1]]``, ``c, s`` of ``phi/2``."""
        c, s = _rot_cs(self.params[0])
        zero, one = jnp.zeros_like(c), jnp.ones_like(c)
        return jnp.stack(
            [
                jnp.stack([one, zero, zero, zero]),
                jnp.stack([zero, c, 1j * s, zero]),
                jnp.stack([zero, 1j * s, c, zero]),
                jnp.stack([zero, zero, zero, one]),
            ]
        )


_ECR = _SQ2 * np.array([[0, 0, 1, 1j], [0, 0, 1j, 1], [1, -1j, 0, 0], [-1j, 1, 0, 0]])


class ECR(Operation, wires=2, matrix=_ECR):
    """The echoed cross-resonance gate ``(X I - Y X) / sqrt(2)``.

    Example:
        >>> from quantum_jax._gates import ECR
        >>> ECR(wires=[0, 1]).matrix().shape
        (4, 4)
    """


class GlobalPhase(Operation, params=1, spectrum=((1.0,),), scalable=True):
    """``exp(-i phi)`` times the identity, on any number of wires (none by default).

    With no wires it multiplies the whole state by ``exp(-i phi)`` (its matrix is ``1x1``); with
    wires, its matrix is ``exp(-i phi) I`` on them. Expectation values do not depend on it: its
    generator is the identity (one eigenvalue, no frequency), so its derivative is 0.

    Args:
        phi: the phase.
        wires: the wires (optional; the state is multiplied as a whole either way).
        id: unused (PennyLane's operator label).

    Example:
        >>> from quantum_jax._gates import GlobalPhase
        >>> GlobalPhase(0.5).wires
        ()
    """

    is_diagonal = True

    def __init__(self, phi: Any, wires: Any = None, id: str | None = None) -> None:
        """The phase ``exp(-i phi)`` on ``wires`` (none if not given)."""
        self._init((phi,), () if wires is None else wires, ())

    def diagonal(self) -> jax.Array:
        """``exp(-i phi)`` on every basis state of its wires."""
        p = _phase(-jnp.asarray(self.params[0]))
        return jnp.broadcast_to(p, (2 ** len(self.wires),))


class Barrier(Operation):
    """The identity on any number of wires: a marker that does nothing to the state.

    Args:
        wires: the wires (optional).
        only_visual: unused (in PennyLane it stops circuit optimizations; there are none here).
        id: unused (PennyLane's operator label).

    Example:
        >>> from quantum_jax._gates import Barrier
        >>> Barrier(wires=[0, 1]).is_identity
        True
    """

    def __init__(self, wires: Any = None, only_visual: bool = False, id: str | None = None) -> None:
        """A barrier on ``wires`` (none if not given)."""
        self._init((), () if wires is None else wires, ())

    @property
    def permutation(self) -> tuple[int, ...]:  # type: ignore[override]
        """The identity permutation of its wires' basis states."""
        return tuple(range(2 ** len(self.wires)))


# --- matrices and state preparation ----------------------------------------------------------
def check_unitary(owner: str, U: Any) -> None:  # noqa: N803 -- PennyLane's argument name
    """Raise unless a concrete matrix ``U`` is unitary (traced matrices cannot be checked).

    Example:
        >>> check_unitary("QubitUnitary", [[0, 1], [1, 0]])
    """
    if not is_concrete(U):
        return
    m = np.asarray(U)  # one matrix, or a batch of them (parameter broadcasting)
    err = np.abs(m @ np.swapaxes(m.conj(), -1, -2) - np.eye(m.shape[-1])).max()
    # single-precision matrices are unitary only up to float32 rounding
    eps = np.finfo(m.dtype).eps if np.issubdtype(m.dtype, np.inexact) else 0.0
    if err > max(1e-8, 100 * eps):
        raise ValueError(
            f"{owner}: 'U' is not unitary (max |U U^dagger - I| = {err:.3g}); pass a unitary matrix."
        )


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
    spectrum = (None,)
    ndim_params = (2,)

    # ``U`` is PennyLane's public argument name: keep it.
    def __init__(self, U: Any, wires: Any = None, id: str | None = None, unitary_check: bool = True) -> None:  # noqa: N803
        raw = numeric(U, "QubitUnitary: 'U'")  # checked before jnp makes it a constant of a trace
        U = jnp.asarray(raw)  # noqa: N806 -- PennyLane's argument name
        if U.ndim not in (2, 3) or U.shape[-2] != U.shape[-1] or U.shape[-1] & (U.shape[-1] - 1):
            raise ValueError(
                "QubitUnitary: 'U' must be a square 2^k x 2^k matrix (or a batch of them), "
                f"got shape {U.shape}."
            )
        if unitary_check:
            check_unitary("QubitUnitary", raw)
        self._init((U,), wires, ())

    def _validate(self) -> None:  # runs before the operation is recorded
        check_matrix_size("QubitUnitary", "U", self.params[0].shape[-1], self.wires)

    def matrix(self) -> jax.Array:
        """The matrix ``U``."""
        return self.params[0]


class DiagonalQubitUnitary(Operation):
    """A unitary given by its diagonal ``D`` (``2**len(wires)`` entries of modulus 1) on ``wires``.

    Concrete diagonals are checked to have unit modulus (traced ones cannot be). ``D`` has no shift
    rule: differentiating through it with parameter-shift falls back to finite differences.

    Args:
        D: the diagonal (a batch of them with a leading axis broadcasts).
        wires: the wires.
        id: unused (PennyLane's operator label).

    Example:
        >>> from quantum_jax._gates import DiagonalQubitUnitary
        >>> DiagonalQubitUnitary([1, -1, 1j, 1], wires=[0, 1]).is_diagonal
        True
    """

    num_params = 1
    frequencies = (None,)
    spectrum = (None,)
    ndim_params = (1,)
    is_diagonal = True

    def __init__(self, D: Any, wires: Any = None, id: str | None = None) -> None:  # noqa: N803
        raw = numeric(D, "DiagonalQubitUnitary: 'D'")  # checked before jnp makes it a constant of a trace
        D = jnp.asarray(raw)  # noqa: N806 -- PennyLane's argument name
        if D.ndim not in (1, 2):
            raise ValueError(
                f"DiagonalQubitUnitary: 'D' must be a vector of 2^k entries, got shape {D.shape}."
            )
        if is_concrete(raw):
            err = float(np.abs(np.abs(np.asarray(raw)) - 1).max()) if D.size else 0.0
            eps = np.finfo(D.dtype).eps if jnp.issubdtype(D.dtype, jnp.inexact) else 0.0
            if err > max(1e-8, 100 * eps):
                raise ValueError(
                    f"DiagonalQubitUnitary: 'D' is not unitary (max ||D_i| - 1| = {err:.3g}); "
                    "pass entries of modulus 1."
                )
        self._init((D,), wires, ())

    def _validate(self) -> None:  # runs before the operation is recorded
        size = jnp.shape(self.params[0])[-1]
        if size != 2 ** len(self.wires):
            raise ValueError(
                f"DiagonalQubitUnitary: 'D' has {size} entries but wires={self.wires} need "
                f"{2 ** len(self.wires)}."
            )

    def diagonal(self) -> jax.Array:
        """The diagonal ``D``."""
        return jnp.asarray(self.params[0])


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
        raw = numeric(n, "BasisState: 'n'")  # checked before jnp makes it a constant of a trace
        n = jnp.asarray(raw)
        if is_concrete(raw) and not np.isin(np.asarray(raw), [0, 1]).all():
            raise ValueError(f"BasisState: 'n' must hold only 0 and 1, got {np.asarray(raw).tolist()}.")
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
        """Prepare ``state`` (or, with a leading batch axis, a batch of states) on ``wires``."""
        raw = numeric(state, "StatePrep: 'state'")  # checked before jnp makes it a constant of a trace
        state = jnp.asarray(raw)
        if is_concrete(raw):
            norms = np.linalg.norm(np.asarray(raw), axis=-1)
            if not np.allclose(norms, 1.0, atol=1e-6):
                worst = norms.flat[int(np.argmax(np.abs(norms - 1.0)))]
                raise ValueError(f"StatePrep: 'state' must have norm 1, got {worst:.6g}; normalize it first.")
        self._init((state,), wires, ())

    def _validate(self) -> None:  # runs before the operation is recorded
        shape = jnp.shape(self.params[0])
        if len(shape) not in (1, 2) or shape[-1] != 2 ** len(self.wires):
            raise ValueError(
                f"StatePrep: 'state' has shape {shape} but wires={self.wires} need "
                f"{2 ** len(self.wires)} amplitudes (or a batch of them, shape (B, {2 ** len(self.wires)}))."
            )

    def state_vector(self) -> jax.Array:
        """The state vector."""
        return self.params[0]


QubitStateVector = StatePrep


# --- operations made from another one ----------------------------------------------------------
Monomial = tuple[tuple[int, ...], tuple[complex, ...] | None]
"""A permutation with phases, ``new[j] = phases[j] * old[permutation[j]]`` (``None``: no phases)."""


class Modified(Operation):
    """An operation made from another one, its :attr:`base`: an adjoint, a power, a controlled gate.

    It is the kind of gate its base is unless a subclass says otherwise: diagonal when the base is, a
    permutation with phases where :meth:`_monomial` gives one, scalable when the base is (adjoints and
    controls commute with scaling the parameters: ``M(U(x))^z = M(U(z x))``), with the base's parameter
    ranks.
    """

    @property
    def base(self) -> Operation:
        """The operation it is made from."""
        raise NotImplementedError

    def _monomial(self) -> Monomial | None:
        """Its ``(permutation, phases)`` when it acts as a permutation with phases, else ``None``."""
        return None

    @property
    def permutation(self) -> tuple[int, ...] | None:  # type: ignore[override]
        """The permutation of :meth:`_monomial`."""
        monomial = self._monomial()
        return None if monomial is None else monomial[0]

    @property
    def phases(self) -> tuple[complex, ...] | None:  # type: ignore[override]
        """The phases of :meth:`_monomial`."""
        monomial = self._monomial()
        return None if monomial is None else monomial[1]

    @property
    def is_diagonal(self) -> bool:  # type: ignore[override]
        """Diagonal when the base is."""
        return self.base.is_diagonal

    @property
    def scalable(self) -> bool:  # type: ignore[override]
        """``M(U(x))^z = M(U(z x))`` when the base scales."""
        return self.base.scalable

    @property
    def ndim_params(self) -> tuple[int, ...] | None:  # type: ignore[override]
        """The base's parameter ranks."""
        return self.base.ndim_params


# --- adjoint ---------------------------------------------------------------------------------
class Adjoint(Modified):
    """The conjugate transpose of another operation; build it with :func:`adjoint`."""

    @property
    def base(self) -> Operation:
        """The operation conjugated."""
        cls, hyper = self.hyper
        return _rebuilt(cls, self.params, self.wires, hyper)  # type: ignore[arg-type]

    @property
    def frequencies(self) -> Any:  # type: ignore[override]
        return self.base.frequencies

    @property
    def spectrum(self) -> Any:  # type: ignore[override]
        """The base's spectrum negated: ``U(x)^dagger = A^dagger exp(-i x (-G)) B^dagger``."""
        spec = self.base.spectrum
        if spec is None:
            return None
        return tuple(None if s is None else tuple(sorted(0.0 - e for e in s)) for s in spec)

    def _monomial(self) -> Monomial | None:
        """The inverse permutation, with the conjugated phases permuted along."""
        base = self.base
        if base.permutation is None:
            return None
        inv = np.argsort(np.asarray(base.permutation))
        phases = None if base.phases is None else tuple(np.conj(np.asarray(base.phases, dtype=complex))[inv])
        return tuple(int(i) for i in inv), phases

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


# --- powers ----------------------------------------------------------------------------------
def _rebuilt(cls: type, params: tuple[Any, ...], wires: Any, hyper: tuple[Any, ...]) -> Operation:
    """An operation of class ``cls`` from its parts, without validation or recording."""
    op: Operation = object.__new__(cls)
    object.__setattr__(op, "params", tuple(params))
    object.__setattr__(op, "wires", tuple(wires))
    object.__setattr__(op, "hyper", hyper)
    return op


def _permutation_power(perm: tuple[int, ...], phases: tuple[complex, ...] | None, n: int) -> Monomial:
    """The ``n``-th power of the monomial ``new[j] = phases[j] * old[perm[j]]`` (``n`` any integer)."""
    k = len(perm)
    if n < 0:
        inv = [0] * k
        for j, p in enumerate(perm):
            inv[p] = j
        ph = None if phases is None else tuple(complex(phases[inv[j]]).conjugate() for j in range(k))
        return _permutation_power(tuple(inv), ph, -n)
    out, acc = list(range(k)), [1 + 0j] * k
    for _ in range(n):  # new_t[j] = ph[j] new_{t-1}[perm[j]]
        acc = [(1 if phases is None else complex(phases[j])) * acc[perm[j]] for j in range(k)]
        out = [out[perm[j]] for j in range(k)]
    trivial = all(abs(a - 1) < 1e-12 for a in acc)
    return tuple(out), None if trivial else tuple(acc)


def _principal_angle(values: Any) -> jax.Array:
    """``arg(values)`` in ``(-pi, pi]`` (``-pi`` from rounding is taken as ``pi``: ``Z**0.5 = S``)."""
    theta = jnp.angle(values)
    return jnp.where(theta <= -np.pi + 1e-12, theta + 2 * np.pi, theta)


def _unitary_power(m: np.ndarray, z: float) -> np.ndarray:
    """``m**z`` for a concrete unitary ``m``: the principal power of each eigenvalue.

    Raises:
        ValueError: if ``m`` has no orthonormal eigenbasis (it is not unitary).
    """
    m = np.asarray(m)
    # a single-precision matrix is unitary only up to its rounding (as in ``check_unitary``)
    eps = np.finfo(m.dtype).eps if np.issubdtype(m.dtype, np.inexact) else 0.0
    vecs, values = _unitary_eigenbasis(m.astype(complex), max(1e-10, 100 * eps))
    theta = np.angle(values)
    theta = np.where(theta <= -np.pi + 1e-12, theta + 2 * np.pi, theta)
    return (vecs * np.exp(1j * z * theta)) @ vecs.conj().T


# Generic real weights ``c`` of ``K`` in ``H + c K`` (see ``_unitary_eigenbasis``): eigenvalues
# ``exp(i a)`` become ``cos a + c sin a``, so two distinct ones merge only where ``a1 + a2 = 2 atan c``
# (mod 2 pi); a spectrum that meets the first weight so is diagonalized with the second.
_GENERIC_WEIGHTS = (0.5772156649015329, -1.2020569031595942)


def _unitary_eigenbasis(m: np.ndarray, atol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """``(V, lam)`` with ``m = V diag(lam) V^dagger``, ``V`` unitary, for a unitary (any normal) ``m``.

    A normal matrix's Hermitian parts ``H = (m + m^dagger) / 2`` and ``K = (m - m^dagger) / 2i`` commute,
    so they share an orthonormal eigenbasis: that of ``H + c K`` for a generic real ``c``
    (``numpy.linalg.eigh``), in which ``lam = diag(V^dagger m V)``. Degenerate eigenvalues (a Pauli
    word, a CNOT) are no obstacle: any orthonormal basis of their eigenspace diagonalizes ``m``.

    Raises:
        ValueError: if ``V diag(lam) V^dagger`` does not reproduce ``m`` to ``atol`` (``m`` is not normal).
    """
    hermitian, skew = (m + m.conj().T) / 2, (m - m.conj().T) / 2j
    for c in _GENERIC_WEIGHTS:
        _, vecs = np.linalg.eigh(hermitian + c * skew)
        values = np.diag(vecs.conj().T @ m @ vecs)
        error = np.max(np.abs((vecs * values) @ vecs.conj().T - m), initial=0.0)
        if error <= atol:
            return vecs, values
    raise ValueError(
        f"pow: the matrix has no orthonormal eigenbasis (its eigendecomposition misses it by {error:.3g}, "
        f"more than {atol:.3g}), so it is not unitary and its principal power is not defined; check the "
        "gate's matrix."
    )


@functools.lru_cache(maxsize=256)
def _constant_power(cls: type, hyper: tuple[Any, ...], num_wires: int, z: float) -> np.ndarray:
    """The power of a gate without parameters, computed once (its matrix is a constant)."""
    with jax.ensure_compile_time_eval():
        m = np.asarray(_rebuilt(cls, (), range(num_wires), hyper).matrix())
    return _unitary_power(m, z)


def _sums(values: tuple[float, ...], n: int) -> tuple[float, ...]:
    """The distinct sums of ``n`` entries of ``values`` (repeats allowed)."""
    out = {0.0}
    for _ in range(n):
        out = {round(a + v, 12) for a in out for v in values}
    return tuple(sorted(out))


class Pow(Modified):
    """An operation raised to a power ``z``; build it with :func:`pow`.

    ``hyper`` holds the base's class and static data, ``z`` and how the power is formed (``mode``):
    ``"scale"`` (the base at ``z`` times its parameters), ``"int"`` (an integer power: permutations stay
    permutations, diagonals diagonals), ``"diagonal"`` (the principal power of a diagonal),
    ``"constant"`` (the principal power of a gate without parameters) or ``"matrix"`` (the principal
    power of a concrete matrix, computed once and held as the only parameter).

    Example:
        >>> import quantum_jax as qml
        >>> from quantum_jax._gates import pow
        >>> op = pow(qml.Rot(0.1, 0.2, 0.3, wires=0), 2)
        >>> op.name, op.mode, op.frequencies[0]
        ('Rot**2', 'int', (1.0, 2.0))
    """

    @property
    def z(self) -> float:
        """The exponent."""
        return self.hyper[2]  # type: ignore[return-value]

    @property
    def mode(self) -> str:
        """How the power is formed (see the class docstring)."""
        return str(self.hyper[3])

    @property
    def base(self) -> Operation:
        """The operation raised to the power (without parameters in ``"matrix"`` mode)."""
        cls, hyper = self.hyper[0], self.hyper[1]
        params = () if self.mode == "matrix" else self.params
        return _rebuilt(cls, params, self.wires, hyper)  # type: ignore[arg-type]

    def _scaled(self) -> Operation:
        cls, hyper = self.hyper[0], self.hyper[1]
        params = tuple(self.z * jnp.asarray(p) for p in self.params)
        return _rebuilt(cls, params, self.wires, hyper)  # type: ignore[arg-type]

    @property
    def scalable(self) -> bool:  # type: ignore[override]
        """``(U(x)^a)^z = U(a z x)`` when the power scales its base."""
        return self.mode == "scale"

    @property
    def ndim_params(self) -> tuple[int, ...] | None:  # type: ignore[override]
        """The base's parameter ranks (a matrix in ``"matrix"`` mode)."""
        return (2,) if self.mode == "matrix" else self.base.ndim_params

    def _monomial(self) -> Monomial | None:
        """An integer power of a permutation gate (or any power of the identity) is a permutation."""
        base = self.base
        if base.permutation is None or (self.mode != "int" and not base.is_identity):
            return None
        return _permutation_power(tuple(base.permutation), base.phases, int(self.z))

    @property
    def spectrum(self) -> Any:  # type: ignore[override]
        """The exponents of each parameter: ``z`` times the base's, or the sums of ``n`` of them."""
        spec = self.base.spectrum
        if self.mode not in ("scale", "int"):
            return (None,) * len(self.params)
        if spec is None:
            return None
        if self.mode == "scale":
            return tuple(None if s is None else tuple(sorted(self.z * e for e in s)) for s in spec)
        n = int(self.z)
        sign = 1.0 if n >= 0 else -1.0
        return tuple(None if s is None else tuple(sorted(sign * e for e in _sums(s, abs(n)))) for s in spec)

    @property
    def frequencies(self) -> Any:  # type: ignore[override]
        """From the spectrum; else, for an integer power, sums of ``n`` of ``0, +-`` the base's."""
        spec = self.spectrum
        base_freqs = self.base.frequencies
        out: list[tuple[float, ...] | None] = []
        for j in range(len(self.params)):
            s = None if spec is None else spec[j]
            freqs = base_freqs[j] if j < len(base_freqs) else None
            if s is not None:
                out.append(spectrum_frequencies(s))
            elif self.mode == "int" and freqs is not None:
                diffs = (0.0, *freqs, *(-f for f in freqs))
                out.append(tuple(f for f in _sums(diffs, abs(int(self.z))) if f > 0))
            else:
                out.append(None)
        return tuple(out)

    def diagonal(self) -> jax.Array:
        """The base's diagonal to the power ``z`` (the principal power for non-integer ``z``)."""
        if self.mode == "scale":
            return self._scaled().diagonal()
        d = self.base.diagonal()
        if self.mode == "int":
            n = int(self.z)
            return d**n if n >= 0 else jnp.conj(d) ** (-n)
        return jnp.abs(d) ** self.z * _phase(self.z * _principal_angle(d))

    def matrix(self) -> jax.Array:
        """The matrix of ``base ** z``."""
        if self.permutation is not None or self.is_diagonal:
            return super().matrix()
        mode = self.mode
        if mode == "scale":
            return self._scaled().matrix()
        if mode == "int":
            n = int(self.z)
            m = self.base.matrix()
            return jnp.linalg.matrix_power(m if n >= 0 else jnp.conj(m).T, abs(n))
        if mode == "constant":
            cls, hyper = self.hyper[0], self.hyper[1]
            return jnp.asarray(_constant_power(cls, hyper, len(self.wires), self.z))
        return jnp.asarray(self.params[0])

    @property
    def name(self) -> str:
        return f"{self.base.name}**{self.z}"

    def __repr__(self) -> str:
        return f"{self.base!r}**{self.z}"


def _power_mode(op: Operation, z: float) -> str:
    if op.scalable:
        return "scale"
    if float(z).is_integer():
        return "int"
    if op.is_diagonal:
        return "diagonal"
    if not jax.tree_util.tree_leaves(op.params):
        return "constant"
    if not is_concrete(op.params):
        raise ValueError(
            f"pow: the non-integer power {z} of {op.name} is computed by an eigendecomposition of its "
            "matrix, which needs concrete parameters (not traced by jit, grad or vmap); use an integer "
            "power, compute the matrix power outside the traced function and apply it with QubitUnitary, "
            "or use a gate whose power scales its parameters."
        )
    return "matrix"


def _exponent(z: Any) -> int | float:
    """``z`` checked to be a concrete finite real number: an ``int`` when it is integer-valued."""
    if isinstance(z, (bool, jax.core.Tracer)) or not isinstance(z, (int, float, np.integer, np.floating)):
        raise TypeError(f"pow: 'z' must be a concrete real number (int or float), got {z!r}.")
    if not np.isfinite(z):
        raise ValueError(f"pow: 'z' must be finite, got {z!r}.")
    return int(z) if float(z).is_integer() else float(z)


def pow(base: Any, z: Any = 1, lazy: bool = True, id: str | None = None) -> Any:
    """An operator raised to the power ``z``: for an observable and an integer ``z``, ``base ** z``.

    An integer power of an observable is the measurable power that ``base ** z`` builds (the matrix
    power, Hermitian when ``base`` is; see ``_arithmetic.Pow``), so ``qml.pow(A, 2)`` and ``A ** 2``
    are the same operator. Otherwise ``base`` is a gate: gates whose parameters enter as
    ``exp(-i x G)`` (``scalable``: RX, RZ, IsingXX, MultiRZ, the excitations, ...) are the same gate at
    ``z * x``, exact for any real ``z``, and their frequencies scale by ``z``. Other gates take integer
    powers (a permutation gate's power is a permutation, a diagonal gate's a diagonal, else a matrix
    power) and non-integer powers as the principal power of their eigenvalues (diagonals elementwise;
    a dense matrix by eigendecomposition, which needs concrete values).

    Args:
        base: the operation or observable (it is replaced in the recording by its power).
        z: the exponent, a real number (an integer for an observable that is not a gate).
        lazy: ``False`` returns a scalable gate's power as the gate itself at the scaled parameters.
        id: unused (PennyLane's operator label).

    Returns:
        The measurable power of an observable, the :class:`Pow` of a gate (or, with ``lazy=False`` for
        a scalable gate, the scaled gate).

    Raises:
        TypeError: ``base`` is neither an operation nor an observable (an operation for a non-integer
            ``z``), or ``z`` is not a concrete real number.
        ValueError: ``base`` prepares a state, or a non-integer power of a matrix needs concrete values.

    Example:
        >>> import quantum_jax as qml
        >>> qml.pow(qml.RX(0.5, wires=0), 2).frequencies
        ((2.0,),)
        >>> qml.pow(qml.RX(0.5, wires=0), 2, lazy=False)
        RX(1, wires=[0])
        >>> qml.pow(qml.CNOT(wires=[0, 1]), 3).permutation
        (0, 1, 3, 2)
        >>> qml.pow(qml.PauliX(0), 2).is_hermitian, qml.pow(qml.PauliX(0), 2).eigvals().tolist()
        (True, [1.0, 1.0])
    """
    if not isinstance(base, (Operation, Observable)):
        raise TypeError(f"pow: 'base' must be an operation or observable, got {base!r}.")
    if getattr(base, "is_state_preparation", False):
        raise ValueError(f"pow: {base.name} prepares a state and has no power.")  # type: ignore[union-attr]
    z = _exponent(z)
    if isinstance(base, Observable) and isinstance(z, int):
        return observable_power(base, z)
    if not isinstance(base, Operation):
        raise TypeError(f"pow: 'base' must be an operation for the non-integer power {z}, got {base!r}.")
    mode = _power_mode(base, z)
    _recording.forget(base)
    if mode == "scale" and not lazy:
        out = jax.tree_util.tree_map(lambda p: z * jnp.asarray(p), base)
        _recording.record(out)
        return out
    params = base.params
    if mode == "matrix":
        with jax.ensure_compile_time_eval():
            params = (jnp.asarray(_unitary_power(np.asarray(base.matrix()), z)),)
    power = _rebuilt(Pow, params, base.wires, (type(base), base.hyper, z, mode))
    _recording.record(power)
    return power


GATES: tuple[type[Operation], ...] = (
    Identity, PauliX, PauliY, PauliZ, Hadamard, S, T, SX, CNOT, CY, CZ, SWAP, ISWAP, CSWAP, Toffoli,
    RX, RY, RZ, PhaseShift, Rot, U1, U2, U3, CRX, CRY, CRZ, CRot, ControlledPhaseShift,
    IsingXX, IsingYY, IsingZZ, MultiRZ, PauliRot, QubitUnitary,
    IsingXY, ECR, GlobalPhase, Barrier, DiagonalQubitUnitary,
)  # fmt: skip
"""Every unitary gate class, for conformance tests and lookups by name."""
