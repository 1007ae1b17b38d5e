"""Observables: the Hermitian operators measurements are taken of, and how they act on a state.

Every observable declares its physics as data, and measurement, sampling and variance rules read
only that:

* :meth:`Observable.eigvals` and :meth:`Observable.diagonalizing_gates`: gates rotating the
  observable's eigenbasis onto the computational basis, and the eigenvalues in that order;
* ``basis``: the name of the measurement basis it shares with other observables (``"Z"`` for
  PauliZ and basis projectors, ``"I"`` for the identity, which fits any basis); ``None`` when its
  basis is that of its own matrix (:meth:`Observable.basis_label`);
* ``is_involutory``: whether it squares to the identity (``Var = 1 - <A>^2``);
* ``is_hermitian``: whether it can be measured at all (every plain observable is; an arithmetic
  expression of ``_arithmetic`` decides it from its operands);
* ``pauli_rep``: the observable as a ``PauliSentence`` when it is a Pauli expression, computed from
  the data above (a one-wire involution of basis ``"X"``, ``"Y"``, ``"Z"`` or ``"I"`` is that letter).

Single observables (the Paulis, Hadamard, Identity in ``_gates``; Hermitian matrices and projectors
in ``_hermitian``) are operations too. This module adds :class:`Tensor` products and
:class:`Hamiltonian` sums, with the arithmetic every observable shares; what needs the general
operator classes of ``_arithmetic`` (a layer above) goes through the constructors it registers here.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable, Hashable, Mapping, Sequence
from functools import reduce
from typing import TYPE_CHECKING, Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from . import _kernels, _recording
from ._matrix import embed
from ._operation import is_concrete, numeric
from ._pauli import PauliSentence, PauliWord
from ._wires import Wires

if TYPE_CHECKING:
    from ._operation import Operation

WireAxes = Mapping[Hashable, int]


class Observable:
    """Mixin giving observables their data and their arithmetic.

    ``A @ B`` on disjoint wires is a :class:`Tensor`; ``A + B``, ``A - B`` and ``c * A`` (real ``c``)
    are :class:`Hamiltonian` sums. What needs the general operator arithmetic of ``_arithmetic`` (a
    product on shared wires, a complex scalar, a power, a sum with a non-Hermitian operand) is built by
    the constructors that module registers here (:func:`register_arithmetic`).

    Example:
        >>> import quantum_jax as qml
        >>> [type(op).__name__ for op in (qml.PauliZ(0) @ qml.PauliX(1), qml.PauliZ(0) @ qml.PauliX(0))]
        ['Tensor', 'Prod']
        >>> (0.5 * qml.PauliZ(0) + qml.PauliX(1)).pauli_rep
        0.5 * Z(0)
        + 1.0 * X(1)
    """

    wires: Wires
    basis: ClassVar[str | None] = None
    is_involutory: ClassVar[bool] = False

    @property
    def is_hermitian(self) -> bool:
        """Whether the operator is Hermitian, i.e. can be measured (every plain observable is)."""
        return True

    @property
    def pauli_rep(self) -> PauliSentence | None:
        """This observable as a :class:`~quantum_jax.pauli.PauliSentence`, or ``None`` if it is none.

        Computed from data: a one-wire involutory observable whose basis is ``"X"``, ``"Y"``, ``"Z"``
        or ``"I"`` is that Pauli word; products and sums compose.
        """
        if self.basis in _PAULI_LETTERS and self.is_involutory and len(self.wires) == 1:
            return PauliSentence({PauliWord({self.wires[0]: self.basis}): 1.0})
        return None

    def factors(self) -> tuple[Operation, ...]:
        """The operations whose product (on disjoint wires) is this observable."""
        return (self,)  # type: ignore[return-value]

    def terms(self) -> tuple[Any, tuple[Observable, ...]]:
        """``(coefficients, observables)``; the coefficients are ``None`` for anything but a sum."""
        return None, (self,)

    def split(self) -> tuple[Observable, Any]:
        """``(this observable without coefficients, the coefficients or None)``."""
        return self, None

    def measured_terms(self) -> tuple[Observable, ...]:
        """The observables whose expectation values make up a measurement's raw vector.

        A coefficient-free sum (see :meth:`split`) is measured term by term; anything else, a sum
        with its coefficients included, is one operator.
        """
        coeffs, ops = self.terms()
        return ops if coeffs is None else (self,)

    def basis_label(self) -> Hashable:
        """A label equal for observables measured in the same basis (per wire, for sampling).

        A matrix-given observable is diagonalized from its matrix, so it shares a basis only with the
        same matrix on the same wires (compared when concrete).
        """
        if self.basis is not None:
            return self.basis
        mat = self.matrix()  # type: ignore[attr-defined]
        if not is_concrete(mat):
            return ("matrix", id(self))
        return ("matrix", tuple(self.wires), np.asarray(mat).tobytes())

    def eigvals(self) -> jax.Array:
        """Eigenvalues, in the order the :meth:`diagonalizing_gates` leave them."""
        raise NotImplementedError

    def diagonalizing_gates(self) -> list[Operation]:
        """Gates rotating this observable's eigenbasis onto the computational basis."""
        raise NotImplementedError

    def __matmul__(self, other: Any) -> Any:
        if not isinstance(other, Observable):
            return NotImplemented
        if set(self.wires) & set(other.wires) or not (self.is_hermitian and other.is_hermitian):
            return _arithmetic("prod")(self, other)
        if self.terms()[0] is not None or other.terms()[0] is not None:
            # (sum_i a_i A_i) @ (sum_j b_j B_j) = sum_ij a_i b_j (A_i @ B_j), e.g. ``0.5 * Z0 @ Z1``
            left, right = _as_hamiltonian(self), _as_hamiltonian(other)
            coeffs = jnp.outer(jnp.asarray(left.coeffs), jnp.asarray(right.coeffs)).ravel()
            return Hamiltonian(coeffs, [Tensor(a, b) for a in left.ops for b in right.ops])
        return Tensor(self, other)

    def __add__(self, other: Any) -> Any:
        if isinstance(other, (int, float)) and not isinstance(other, bool) and other == 0:
            return _as_hamiltonian(self) if self.is_hermitian else self  # ``sum([A, B])`` starts from 0
        if not isinstance(other, Observable):
            return NotImplemented
        if not (self.is_hermitian and other.is_hermitian):
            return _arithmetic("sum")(self, other)
        return _as_hamiltonian(self).combine(_as_hamiltonian(other), 1.0)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        if not isinstance(other, Observable):
            return NotImplemented
        if not (self.is_hermitian and other.is_hermitian):
            return _arithmetic("sum")(self, _arithmetic("s_prod")(-1.0, other))
        return _as_hamiltonian(self).combine(_as_hamiltonian(other), -1.0)

    def __mul__(self, scalar: Any) -> Any:
        if isinstance(scalar, Observable):
            return self @ scalar
        if not _is_number(scalar):
            return NotImplemented
        if jnp.iscomplexobj(scalar) or not self.is_hermitian:
            return _arithmetic("s_prod")(scalar, self)
        h = _as_hamiltonian(self)
        return Hamiltonian(jnp.asarray(h.coeffs) * scalar, h.ops)

    __rmul__ = __mul__

    def __truediv__(self, scalar: Any) -> Any:
        if not _is_number(scalar):
            return NotImplemented
        return self * (1.0 / jnp.asarray(scalar))

    def __neg__(self) -> Any:
        return self * -1.0

    def __pow__(self, z: Any) -> Any:
        return observable_power(self, z)


_PAULI_LETTERS = ("X", "Y", "Z", "I")

# Constructors of ``_arithmetic`` (a module above this one), registered when it is imported.
_ARITHMETIC: dict[str, Callable[..., Any]] = {}


def register_arithmetic(**constructors: Callable[..., Any]) -> None:
    """Register the general operator arithmetic (``prod``, ``sum``, ``s_prod``, ``pow``) for observables.

    ``quantum_jax._arithmetic`` calls this when the package is imported.

    Example:
        >>> import quantum_jax as qml
        >>> sorted(_ARITHMETIC)  # registered by the package
        ['pow', 'prod', 's_prod', 'sum']
    """
    _ARITHMETIC.update(constructors)


def _arithmetic(name: str) -> Callable[..., Any]:
    if name not in _ARITHMETIC:  # pragma: no cover - the package registers them on import
        raise RuntimeError(f"operator arithmetic ({name}) is not registered; import quantum_jax first.")
    return _ARITHMETIC[name]


def observable_power(base: Any, z: Any) -> Any:
    """The measurable power ``base ** z`` of an observable for an integer ``z`` (its matrix power).

    Both ``A ** z`` and ``quantum_jax.pow(A, z)`` build it, with the constructor ``_arithmetic``
    registers (:func:`register_arithmetic`); it is Hermitian when ``A`` is.

    Example:
        >>> import quantum_jax as qml
        >>> type(observable_power(qml.PauliZ(0), 2)).__name__, qml.PauliZ(0) ** 2
        ('Pow', (PauliZ(wires=[0]))**2)
    """
    return _arithmetic("pow")(base, z)


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Number) or (hasattr(x, "dtype") and jnp.ndim(x) == 0)


def _as_hamiltonian(obs: Observable) -> Hamiltonian:
    if isinstance(obs, Hamiltonian):
        return obs
    coeffs, ops = obs.terms()
    if coeffs is not None:  # a sum of another kind (``qml.sum``, ``qml.s_prod``)
        _recording.forget(obs)
        return Hamiltonian(coeffs, ops)
    _recording.forget(obs)
    return Hamiltonian(jnp.ones((1,)), [obs])


def _sentence_product(reps: Sequence[PauliSentence | None]) -> PauliSentence | None:
    """The product of Pauli representations, ``None`` unless every factor has one."""
    out = PauliSentence({PauliWord(): 1})
    for r in reps:
        if r is None:
            return None
        out = out @ r
    return out


def _register(cls: type, children: str) -> type:
    def flatten(obj: Any) -> tuple[tuple[Any, ...], None]:
        return tuple(getattr(obj, name) for name in children.split()), None

    def unflatten(_: None, kids: Sequence[Any]) -> Any:
        obj: Any = object.__new__(cls)
        for name, kid in zip(children.split(), kids, strict=True):
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
        """Multiply single observables (or tensor products of them) on disjoint wires."""
        flat: list[Operation] = []
        for o in obs:
            if not isinstance(o, Observable) or o.terms()[0] is not None:
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
        """The factors' wires, in order."""
        return tuple(w for o in self.obs for w in o.wires)

    @property
    def is_involutory(self) -> bool:  # type: ignore[override]
        """A product of involutions on disjoint wires is one."""
        return all(o.is_involutory for o in self.obs)  # type: ignore[attr-defined]

    @property
    def is_hermitian(self) -> bool:
        """A product of Hermitian factors on disjoint wires is Hermitian."""
        return all(o.is_hermitian for o in self.obs)  # type: ignore[attr-defined]

    @property
    def pauli_rep(self) -> PauliSentence | None:
        """The product of the factors' Pauli representations (``None`` unless all have one)."""
        return _sentence_product([o.pauli_rep for o in self.obs])  # type: ignore[attr-defined]

    def factors(self) -> tuple[Operation, ...]:
        """The single observables of the product."""
        return self.obs

    def matrix(self) -> jax.Array:
        """The Kronecker product of the factors' matrices, on :attr:`wires` (in order)."""
        return reduce(jnp.kron, [jnp.asarray(o.matrix()) for o in self.obs])

    def eigvals(self) -> jax.Array:
        """The Kronecker product of the factors' eigenvalues."""
        return reduce(jnp.kron, [o.eigvals() for o in self.obs])  # type: ignore[attr-defined]

    def diagonalizing_gates(self) -> list[Operation]:
        """The factors' diagonalizing gates (they act on disjoint wires)."""
        return [g for o in self.obs for g in o.diagonalizing_gates()]  # type: ignore[attr-defined]

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
        """Check the terms and the coefficients (one real number per term)."""
        observables = tuple(observables)
        for o in observables:
            if not isinstance(o, Observable) or o.terms()[0] is not None:
                raise TypeError(
                    f"Hamiltonian: 'observables' must hold single or tensor-product observables, got {o!r}."
                )
            if not o.is_hermitian:
                raise ValueError(
                    f"Hamiltonian: the term {o!r} is not Hermitian; a Hamiltonian sums Hermitian observables "
                    "(use qml.sum for a general operator)."
                )
        coeffs = numeric(coeffs, "Hamiltonian: 'coeffs'")
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
        """Every wire a term acts on, in order of first appearance."""
        return tuple(dict.fromkeys(w for o in self.ops for w in o.wires))

    def terms(self) -> tuple[Any, tuple[Observable, ...]]:
        """``(coeffs, ops)``; ``coeffs`` is ``None`` after :meth:`split`."""
        return self.coeffs, self.ops

    def split(self) -> tuple[Observable, Any]:
        """``(the terms as a coefficient-free sum, the coefficients)``."""
        bare = object.__new__(Hamiltonian)
        object.__setattr__(bare, "coeffs", None)
        object.__setattr__(bare, "ops", self.ops)
        return bare, self.coeffs

    def factors(self) -> tuple[Operation, ...]:
        """A sum has no factors."""
        raise TypeError("a Hamiltonian is a sum, not a product; use terms()")

    @property
    def pauli_rep(self) -> PauliSentence | None:
        """``sum_i coeffs[i] * ops[i].pauli_rep`` (``None`` unless every term has one)."""
        reps = [o.pauli_rep for o in self.ops]
        if self.coeffs is None or any(r is None for r in reps):
            return None
        total = PauliSentence()
        for c, r in zip(self.coeffs, reps, strict=True):
            total = total + r * c
        return total

    def matrix(self) -> jax.Array:
        """``sum_i coeffs[i] * ops[i]`` as a dense matrix on :attr:`wires`."""
        wires = self.wires
        parts = [
            c * embed(o.matrix(), o.wires, wires)  # type: ignore[attr-defined]
            for c, o in zip(jnp.asarray(self.coeffs), self.ops, strict=True)
        ]
        return reduce(jnp.add, parts)

    def combine(self, other: Hamiltonian, sign: float) -> Hamiltonian:
        """``self + sign * other``."""
        coeffs = jnp.concatenate([jnp.asarray(self.coeffs), sign * jnp.asarray(other.coeffs)])
        return Hamiltonian(coeffs, self.ops + other.ops)

    def eigvals(self) -> jax.Array:
        """A sum's terms share no eigenbasis in general: measure expval or var instead."""
        raise TypeError(
            "Hamiltonian has no shared eigenbasis across its terms; measure expval or var instead."
        )

    def diagonalizing_gates(self) -> list[Operation]:
        """See :meth:`eigvals`."""
        return self.eigvals()  # type: ignore[return-value]

    def __repr__(self) -> str:
        if is_concrete(self.coeffs):
            cs = [f"{float(c):.4g}" for c in np.asarray(self.coeffs)]
        else:
            cs = ["<traced>"] * len(self.ops)
        return "Hamiltonian(" + " + ".join(f"{c} * {o!r}" for c, o in zip(cs, self.ops, strict=True)) + ")"


_register(Hamiltonian, "coeffs ops")


# --- how observables act on a state ------------------------------------------------------------
def apply_observable(state: jax.Array, obs: Observable, axes: WireAxes) -> jax.Array:
    """``O|state>``; a sum with coefficients is applied as the weighted sum of its terms."""
    coeffs, ops = obs.terms()
    if coeffs is not None:
        parts = [
            c.astype(state.dtype) * apply_observable(state, o, axes) for c, o in zip(coeffs, ops, strict=True)
        ]
        return reduce(jnp.add, parts)
    for factor in obs.factors():
        state = _kernels.apply_operation(state, factor, [axes[w] for w in factor.wires])
    return state


def observable_diagonal(obs: Observable, axes: WireAxes, ndim: int) -> jax.Array | None:
    """``O``'s diagonal broadcast against a state of ``ndim`` axes, or ``None`` when ``O`` is not diagonal."""
    coeffs, ops = obs.terms()
    if coeffs is not None:
        diags = [observable_diagonal(o, axes, ndim) for o in ops]
        if any(d is None for d in diags):
            return None
        return reduce(jnp.add, [c * d for c, d in zip(jnp.asarray(coeffs), diags, strict=True)])
    total: Any = None
    for f in obs.factors():
        if f.is_identity:
            continue
        if not f.is_diagonal:
            return None
        d = _kernels.broadcast_to_axes(jnp.real(f.diagonal()), [axes[w] for w in f.wires], ndim)
        total = d if total is None else total * d
    return jnp.ones((1,) * ndim) if total is None else total


def rotate_to_eigenbasis(state: jax.Array, obs: Observable, axes: WireAxes) -> jax.Array:
    """The state with ``obs``'s diagonalizing gates applied (its eigenbasis made computational)."""
    for gate in obs.diagonalizing_gates():
        state = _kernels.apply_operation(state, gate, [axes[w] for w in gate.wires])
    return state
