"""Observables given by matrices: Hermitian operators and projectors.

Their measurement basis is their own eigenbasis, found by diagonalizing the matrix (a basis-state
projector is diagonal: it is measured in the computational basis).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _recording
from ._gates import QubitUnitary
from ._observables import Observable
from ._operation import Operation, check_matrix_size, is_concrete, numeric


def _check_hermitian(name: str, arg: str, mat: Any) -> None:
    if not is_concrete(mat):
        return
    m = np.asarray(numeric(mat, f"{name}: '{arg}'"))
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] & (m.shape[0] - 1):
        raise ValueError(f"{name}: '{arg}' must be a square 2^k x 2^k matrix, got shape {m.shape}.")
    if not np.allclose(m, m.conj().T, atol=1e-8):
        raise ValueError(
            f"{name}: '{arg}' is not Hermitian (max |A - A^dagger| = {np.abs(m - m.conj().T).max():.3g}); "
            "an observable must equal its conjugate transpose."
        )


class Hermitian(Operation, Observable):
    """An observable given by a Hermitian matrix on ``wires``.

    Args:
        A: a ``(2^k, 2^k)`` Hermitian matrix.
        wires: the ``k`` wires it acts on.

    Example:
        >>> import quantum_jax as qml
        >>> qml.Hermitian([[1.0, 0.0], [0.0, -1.0]], wires=0).wires
        (0,)
    """

    num_params = 1
    frequencies = (None,)
    ndim_params = (2,)

    def __init__(self, A: Any, wires: Any = None, id: str | None = None) -> None:  # noqa: N803 -- PennyLane's name
        """Check ``A`` (when concrete) and its size against ``wires``."""
        _check_hermitian("Hermitian", "A", A)
        with _recording.paused():
            self._init((jnp.asarray(A),), wires, ())
        check_matrix_size("Hermitian", "A", self.params[0].shape[0], self.wires)

    def matrix(self) -> jax.Array:
        """The matrix ``A``."""
        return self.params[0]

    def eigvals(self) -> jax.Array:
        """``A``'s eigenvalues, ascending."""
        return jnp.linalg.eigvalsh(self.params[0])

    def diagonalizing_gates(self) -> list[Operation]:
        """The unitary ``V^dagger`` of ``A = V diag(eigvals) V^dagger``."""
        _, vecs = jnp.linalg.eigh(self.params[0])
        with _recording.paused():
            return [QubitUnitary(jnp.conj(vecs).T, wires=self.wires, unitary_check=False)]


class BasisStateProjector(Operation, Observable):
    """The projector ``|b><b|`` onto a computational basis state ``b`` (a tuple of 0/1) of ``wires``."""

    num_params = 1
    frequencies = (None,)
    ndim_params = (1,)
    is_diagonal = True
    basis = "Z"

    def __init__(self, state: Any, wires: Any = None, id: str | None = None) -> None:
        """Project onto the basis state ``state`` (one bit per wire)."""
        with _recording.paused():
            self._init((jnp.asarray(state),), wires, ())

    def diagonal(self) -> jax.Array:
        """One at the index of the basis state, zero elsewhere."""
        bits = jnp.asarray(self.params[0])
        k = len(self.wires)
        index = jnp.sum(bits * (2 ** jnp.arange(k - 1, -1, -1)))
        return (jnp.arange(2**k) == index).astype(float)

    def eigvals(self) -> jax.Array:
        """The diagonal: the projector is measured in the computational basis."""
        return self.diagonal()

    def diagonalizing_gates(self) -> list[Operation]:
        """None: it is diagonal."""
        return []


class StateVectorProjector(Operation, Observable):
    """The projector ``|v><v|`` onto a normalized state vector ``v`` of ``wires``."""

    num_params = 1
    frequencies = (None,)
    ndim_params = (1,)

    def __init__(self, state: Any, wires: Any = None, id: str | None = None) -> None:
        """Project onto the state vector ``state`` (``2**len(wires)`` amplitudes)."""
        with _recording.paused():
            self._init((jnp.asarray(state),), wires, ())

    def matrix(self) -> jax.Array:
        """``|v><v|``."""
        v = jnp.asarray(self.params[0])
        return jnp.outer(v, jnp.conj(v))

    def eigvals(self) -> jax.Array:
        """The eigenvalues of ``|v><v|`` (zeros and a one), ascending."""
        return jnp.linalg.eigvalsh(self.matrix())

    def diagonalizing_gates(self) -> list[Operation]:
        """Those of the Hermitian matrix ``|v><v|``."""
        return Hermitian(self.matrix(), wires=self.wires).diagonalizing_gates()


def Projector(state: Any, wires: Any) -> Operation:  # noqa: N802 -- PennyLane's spelling
    """The projector onto ``state`` on ``wires``.

    ``state`` is either a basis state (``len(wires)`` bits) or a state vector (``2**len(wires)``
    amplitudes); the length decides which.

    Example:
        >>> import quantum_jax as qml
        >>> type(qml.Projector([0, 1], wires=[0, 1])).__name__
        'BasisStateProjector'
    """
    n = len(np.atleast_1d(np.asarray(wires))) if not isinstance(wires, str) else 1
    size = np.shape(state)[0] if np.ndim(state) else 1
    if (size == n and size != 2**n) or (n == 1 and size == 1):
        if is_concrete(state) and not np.isin(np.asarray(state), [0, 1]).all():
            raise ValueError(f"Projector: basis 'state' must hold only 0 and 1, got {state}.")
        return BasisStateProjector(state, wires=wires)
    if size == 2**n:
        if is_concrete(state) and not np.isclose(np.linalg.norm(np.asarray(state)), 1.0):
            raise ValueError("Projector: state vector 'state' must have norm 1.")
        return StateVectorProjector(state, wires=wires)
    raise ValueError(
        f"Projector: 'state' has {size} entries but wires={wires} need {n} bits or {2**n} amplitudes."
    )
