"""Observables: the Hermitian operators measurements are taken of.

The Pauli operators, Hadamard and Identity are gates as well (see ``_gates``); this module adds the
arithmetic every observable shares, :class:`Tensor` products, :class:`Hamiltonian` sums,
:class:`Hermitian` matrices and projectors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import reduce
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _recording
from ._operation import Operation, is_concrete
from ._wires import Wires


class Observable:
    """Mixin giving observables ``@`` (tensor product), ``+``, ``-`` and scalar ``*``."""

    wires: Wires

    def factors(self) -> tuple[Operation, ...]:
        """The operations whose product (on disjoint wires) is this observable."""
        return (self,)  # type: ignore[return-value]

    def terms(self) -> tuple[Any, tuple[Observable, ...]]:
        """``(coefficients, observables)``; coefficients are ``None`` for a single term."""
        return None, (self,)

    def __matmul__(self, other: Observable) -> Tensor | Hamiltonian:
        if not isinstance(other, Observable):
            return NotImplemented
        if isinstance(self, Hamiltonian) or isinstance(other, Hamiltonian):
            # (sum_i a_i A_i) @ (sum_j b_j B_j) = sum_ij a_i b_j (A_i @ B_j), e.g. ``0.5 * Z0 @ Z1``
            left, right = _as_hamiltonian(self), _as_hamiltonian(other)
            coeffs = jnp.outer(jnp.asarray(left.coeffs), jnp.asarray(right.coeffs)).ravel()
            return Hamiltonian(coeffs, [Tensor(a, b) for a in left.ops for b in right.ops])
        return Tensor(self, other)

    def __add__(self, other: Any) -> Hamiltonian:
        if not isinstance(other, Observable):
            return NotImplemented
        return _as_hamiltonian(self)._combine(_as_hamiltonian(other), 1.0)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Hamiltonian:
        if not isinstance(other, Observable):
            return NotImplemented
        return _as_hamiltonian(self)._combine(_as_hamiltonian(other), -1.0)

    def __mul__(self, scalar: Any) -> Hamiltonian:
        if isinstance(scalar, Observable):
            return NotImplemented
        h = _as_hamiltonian(self)
        return Hamiltonian(jnp.asarray(h.coeffs) * scalar, h.ops)

    __rmul__ = __mul__

    def __neg__(self) -> Hamiltonian:
        return self * -1.0


def _as_hamiltonian(obs: Observable) -> Hamiltonian:
    if isinstance(obs, Hamiltonian):
        return obs
    _recording.forget(obs)
    return Hamiltonian(jnp.ones((1,)), [obs])


def _register(cls: type, children: str) -> type:
    def flatten(obj: Any) -> tuple[tuple[Any, ...], None]:
        return tuple(getattr(obj, name) for name in children.split()), None

    def unflatten(_: None, kids: Sequence[Any]) -> Any:
        obj = object.__new__(cls)
        for name, kid in zip(children.split(), kids):
            object.__setattr__(obj, name, kid)
        return obj

    jax.tree_util.register_pytree_node(cls, flatten, unflatten)
    return cls


@dataclasses.dataclass(frozen=True, eq=False, init=False)
class Tensor(Observable):
    """A product of observables on disjoint wires, written ``A @ B``.

    Example:
        >>> import quantum_jax as qml
        >>> (qml.PauliZ(0) @ qml.PauliX(2)).wires
        (0, 2)
    """

    obs: tuple[Operation, ...]

    def __init__(self, *obs: Observable) -> None:
        flat: list[Operation] = []
        for o in obs:
            if not isinstance(o, Observable) or isinstance(o, Hamiltonian):
                raise TypeError(
                    f"Tensor: factors must be single observables (PauliZ, Hermitian, ...), got {o!r}; "
                    "expand sums before taking tensor products."
                )
            flat.extend(o.factors())
        wires = [w for o in flat for w in o.wires]
        if len(set(wires)) != len(wires):
            raise ValueError(
                f"Tensor: factors {flat} overlap on wires {wires}; a tensor product needs disjoint wires."
            )
        _recording.forget(*obs)
        object.__setattr__(self, "obs", tuple(flat))

    @property
    def wires(self) -> Wires:  # type: ignore[override]
        return tuple(w for o in self.obs for w in o.wires)

    def factors(self) -> tuple[Operation, ...]:
        return self.obs

    def eigvals(self) -> jax.Array:
        return reduce(lambda a, b: jnp.kron(a, b), [o.eigvals() for o in self.obs])

    def diagonalizing_gates(self) -> list[Operation]:
        return [g for o in self.obs for g in o.diagonalizing_gates()]

    def __repr__(self) -> str:
        return " @ ".join(repr(o) for o in self.obs)


_register(Tensor, "obs")


@dataclasses.dataclass(frozen=True, eq=False, init=False)
class Hamiltonian(Observable):
    """A real linear combination ``sum_i coeffs[i] * ops[i]`` of observables.

    The coefficients are a pytree leaf: differentiable, traceable and batchable. Expectation values
    are measured term by term.

    Args:
        coeffs: real coefficients, one per observable.
        observables: the observables (single or tensor products).

    Example:
        >>> import quantum_jax as qml
        >>> H = qml.Hamiltonian([0.5, -1.0], [qml.PauliZ(0), qml.PauliX(0) @ qml.PauliX(1)])
        >>> len(H.ops)
        2
    """

    coeffs: Any
    ops: tuple[Observable, ...]

    def __init__(self, coeffs: Any, observables: Sequence[Observable]) -> None:
        observables = tuple(observables)
        for o in observables:
            if not isinstance(o, Observable) or isinstance(o, Hamiltonian):
                raise TypeError(
                    f"Hamiltonian: 'observables' must hold single or tensor-product observables, got {o!r}."
                )
        coeffs = jnp.asarray(coeffs) if not isinstance(coeffs, jax.Array) else coeffs
        if jnp.ndim(coeffs) != 1 or coeffs.shape[0] != len(observables):
            raise ValueError(
                f"Hamiltonian: 'coeffs' has shape {jnp.shape(coeffs)} but there are {len(observables)} "
                "observables; pass one real coefficient per observable."
            )
        if jnp.iscomplexobj(coeffs):
            raise ValueError("Hamiltonian: 'coeffs' must be real for the operator to be Hermitian.")
        _recording.forget(*observables)
        object.__setattr__(self, "coeffs", coeffs)
        object.__setattr__(self, "ops", observables)

    @property
    def wires(self) -> Wires:  # type: ignore[override]
        return tuple(dict.fromkeys(w for o in self.ops for w in o.wires))

    def terms(self) -> tuple[Any, tuple[Observable, ...]]:
        return self.coeffs, self.ops

    def factors(self) -> tuple[Operation, ...]:
        raise TypeError("a Hamiltonian is a sum, not a product; use terms()")

    def _combine(self, other: Hamiltonian, sign: float) -> Hamiltonian:
        coeffs = jnp.concatenate([jnp.asarray(self.coeffs), sign * jnp.asarray(other.coeffs)])
        return Hamiltonian(coeffs, self.ops + other.ops)

    def eigvals(self) -> jax.Array:
        raise TypeError(
            "Hamiltonian has no shared eigenbasis across its terms; measure expval or var instead."
        )

    def diagonalizing_gates(self) -> list[Operation]:
        return self.eigvals()  # type: ignore[return-value]

    def __repr__(self) -> str:
        if is_concrete(self.coeffs):
            cs = [f"{float(c):.4g}" for c in np.asarray(self.coeffs)]
        else:
            cs = ["<traced>"] * len(self.ops)
        return "Hamiltonian(" + " + ".join(f"{c} * {o!r}" for c, o in zip(cs, self.ops)) + ")"


_register(Hamiltonian, "coeffs ops")


def _check_hermitian(name: str, arg: str, mat: Any) -> None:
    if not is_concrete(mat):
        return
    m = np.asarray(mat)
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
    is_observable = True

    def __init__(self, A: Any, wires: Any = None, id: str | None = None) -> None:
        _check_hermitian("Hermitian", "A", A)
        with _recording.paused():
            self._init((jnp.asarray(A),), wires, ())
        dim = self.params[0].shape[0]
        if dim != 2 ** len(self.wires):
            raise ValueError(
                f"Hermitian: 'A' is {dim}x{dim} but wires={self.wires} need a "
                f"{2 ** len(self.wires)}x{2 ** len(self.wires)} matrix."
            )

    def matrix(self) -> jax.Array:
        return self.params[0]

    def eigvals(self) -> jax.Array:
        return jnp.linalg.eigvalsh(self.params[0])

    def diagonalizing_gates(self) -> list[Operation]:
        from ._gates import QubitUnitary

        _, vecs = jnp.linalg.eigh(self.params[0])
        with _recording.paused():
            return [QubitUnitary(jnp.conj(vecs).T, wires=self.wires, unitary_check=False)]


class BasisStateProjector(Operation, Observable):
    """The projector ``|b><b|`` onto a computational basis state ``b`` (a tuple of 0/1) of ``wires``."""

    num_params = 1
    frequencies = (None,)
    is_diagonal = True
    is_observable = True

    def __init__(self, state: Any, wires: Any = None, id: str | None = None) -> None:
        with _recording.paused():
            self._init((jnp.asarray(state),), wires, ())

    def diagonal(self) -> jax.Array:
        bits = jnp.asarray(self.params[0])
        k = len(self.wires)
        index = jnp.sum(bits * (2 ** jnp.arange(k - 1, -1, -1)))
        return (jnp.arange(2**k) == index).astype(float)

    def eigvals(self) -> jax.Array:
        return self.diagonal()

    def diagonalizing_gates(self) -> list[Operation]:
        return []


class StateVectorProjector(Operation, Observable):
    """The projector ``|v><v|`` onto a normalized state vector ``v`` of ``wires``."""

    num_params = 1
    frequencies = (None,)
    is_observable = True

    def __init__(self, state: Any, wires: Any = None, id: str | None = None) -> None:
        with _recording.paused():
            self._init((jnp.asarray(state),), wires, ())

    def matrix(self) -> jax.Array:
        v = jnp.asarray(self.params[0])
        return jnp.outer(v, jnp.conj(v))

    def eigvals(self) -> jax.Array:
        return jnp.linalg.eigvalsh(self.matrix())

    def diagonalizing_gates(self) -> list[Operation]:
        return Hermitian(self.matrix(), wires=self.wires).diagonalizing_gates()


def Projector(state: Any, wires: Any) -> Operation:
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
    if size == n and size != 2**n or (n == 1 and size == 1):
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
