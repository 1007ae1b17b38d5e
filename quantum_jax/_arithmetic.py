"""Operator arithmetic: sums, products, scalar products and powers of operators, and their simplification.

:class:`Sum`, :class:`Prod`, :class:`SProd` and :class:`Pow` are operations (pytrees whose leaves are the
operands' numbers: coefficients and gate parameters stay differentiable) and observables. Each declares
its data as every observable does:

* its wires (the operands' wires, in order of first appearance) and its matrix, built with ``jax.numpy``
  from the operands' matrices embedded on those wires (``Prod(A, B)`` is ``A @ B``: ``B`` acts first);
* whether it is Hermitian, decided once at construction: Hermitian operands and real coefficients for
  sums and scalar products, Hermitian operands that commute for products, a Hermitian base for powers;
* how it is measured. A real linear combination of products (``qml.sum(Z0, 0.5 * X0 @ X1)``) declares
  its :meth:`~Sum.terms`, so it is measured term by term as a ``Hamiltonian`` is; a product on disjoint
  wires declares its :meth:`~Prod.factors`, as a ``Tensor`` does. Anything else (a product on shared
  wires, a power, a sum containing one) is one operator: its eigenvalues and eigenbasis are those of its
  dense matrix (``jnp.linalg.eigh``, rotated by a ``QubitUnitary``), and its ``basis`` is ``None``.

Measuring a non-Hermitian expression is an error. This module also registers the constructors that
``Observable``'s operators (``A @ B`` on shared wires, ``A ** k``, complex scalars) and
``PauliWord.operation`` use: both live in lower layers.
"""

from __future__ import annotations

import builtins
import numbers
from collections.abc import Hashable, Sequence
from functools import reduce
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import _recording
from ._gates import Identity, PauliX, PauliY, PauliZ, QubitUnitary
from ._matrix import embed
from ._observables import Hamiltonian, Observable, Tensor, register_arithmetic
from ._operation import Operation, is_concrete
from ._pauli import (
    PauliSentence,
    PauliWord,
    all_words,
    is_negligible,
    pauli_coefficients,
    set_operation_builder,
)
from ._wires import Wires, as_wires

# ``Pow`` (integer powers of observables: ``A ** k``, and ``qml.pow(A, k)``, which lives in ``_gates`` and
# builds it through ``_observables.observable_power``) is not exported: ``qml.Pow`` is the gate power.
__all__ = ["Prod", "SProd", "Sum", "dot", "pauli_decompose", "prod", "s_prod", "simplify", "sum"]

_PAULIS: dict[str, type[Operation]] = {"I": Identity, "X": PauliX, "Y": PauliY, "Z": PauliZ}
_ATOL = 1e-8  # commutation and Hermiticity checks on concrete matrices


class _Facts(NamedTuple):
    """What a composite operator decides once, from concrete data, and keeps as static structure."""

    hermitian: bool
    involutory: bool
    ndims: tuple[int, ...]
    power: int | None = None


def _union(ops: Sequence[Any]) -> Wires:
    return tuple(dict.fromkeys(w for o in ops for w in o.wires))


def _hermitian(op: Any) -> bool:
    return isinstance(op, Observable) and op.is_hermitian


def _checked(owner: str, arg: str, ops: Sequence[Any]) -> tuple[Any, ...]:
    """The operands as operators (Pauli words and sentences converted), checked and non-empty."""
    if not ops:
        raise ValueError(f"{owner}: needs at least one operator in '{arg}'.")
    out = []
    for i, op in enumerate(ops):
        if isinstance(op, (PauliWord, PauliSentence)):
            op = op.operation()
        if not isinstance(op, (Operation, Observable)):
            raise TypeError(
                f"{owner}: '{arg}'[{i}] must be an operation or observable such as qml.PauliZ(0), got {op!r}."
            )
        out.append(op)
    return tuple(out)


def _single_word(rep: PauliSentence | None) -> bool:
    """Whether ``rep`` is one Pauli word with coefficient +-1 (an involution)."""
    if rep is None:
        return False
    rep = PauliSentence(rep)
    rep.simplify()
    if len(rep) != 1:
        return False
    (c,) = rep.values()
    return is_concrete(c) and bool(np.isclose(abs(complex(c)), 1.0)) and abs(complex(c).imag) < _ATOL


def _is_dense(op: Any) -> bool:
    """Whether ``op`` is measured as one dense operator (a composite that is its own only factor)."""
    return isinstance(op, _Composite) and op.terms()[0] is None and op.factors() == (op,)


def _expansion(op: Any) -> tuple[jax.Array, tuple[Observable, ...]] | None:
    """``op`` as a real combination of coefficient-free products; ``None`` if it has a dense part."""
    if not _hermitian(op):
        return None
    coeffs, ops = op.terms()
    if coeffs is None:
        coeffs, ops = jnp.ones((1,)), (op,)
    if any(_is_dense(f) for o in ops for f in o.factors()):
        return None
    return jnp.asarray(coeffs), tuple(ops)


class _Composite(Operation, Observable):
    """An operator built from operators: its leaves are theirs, its structure (and facts) static.

    ``hyper`` holds the operands' tree structure and the :class:`_Facts` decided at construction.
    """

    def _setup(
        self, children: tuple[Any, ...], hermitian: bool, involutory: bool, power: int | None = None
    ) -> None:
        leaves, treedef = jax.tree_util.tree_flatten(children)
        ndims = tuple(int(jnp.ndim(x)) for x in leaves)
        ops = [c for c in children if isinstance(c, (Operation, Observable))]
        _recording.forget(*ops)
        facts = _Facts(hermitian, involutory, ndims, power)
        self._init(tuple(leaves), _union(ops), (treedef, facts))

    @property
    def _children(self) -> tuple[Any, ...]:
        return jax.tree_util.tree_unflatten(self.hyper[0], self.params)

    @property
    def _facts(self) -> _Facts:
        return self.hyper[1]  # type: ignore[return-value]

    @property
    def operands(self) -> tuple[Any, ...]:
        """The operators this one is built from."""
        return tuple(c for c in self._children if isinstance(c, (Operation, Observable)))

    @property
    def is_hermitian(self) -> bool:
        """Whether it is Hermitian (decided at construction; see the module docstring)."""
        return self._facts.hermitian

    @property
    def is_involutory(self) -> bool:  # type: ignore[override]
        """Whether it squares to the identity."""
        return self._facts.involutory

    @property
    def ndim_params(self) -> tuple[int, ...]:  # type: ignore[override]
        """Each leaf's number of axes (composites are not broadcast)."""
        return self._facts.ndims

    def split(self) -> tuple[Observable, Any]:
        """``(the terms as a coefficient-free sum, the coefficients)`` for a linear combination."""
        coeffs, ops = self.terms()
        if coeffs is None:
            return self, None
        return Hamiltonian(coeffs, ops).split()

    def eigvals(self) -> jax.Array:
        """The ascending eigenvalues of the dense matrix (any eigenvalues if it is not Hermitian)."""
        if not self.is_hermitian:
            return jnp.linalg.eigvals(self.matrix())
        return jnp.linalg.eigvalsh(self.matrix())

    def diagonalizing_gates(self) -> list[Operation]:
        """The unitary ``V^dagger`` of the dense matrix ``V diag(eigvals) V^dagger``."""
        if not self.is_hermitian:
            raise ValueError(f"{self!r} is not Hermitian: it has no orthonormal eigenbasis to measure in.")
        _, vecs = jnp.linalg.eigh(self.matrix())
        with _recording.paused():
            return [QubitUnitary(jnp.conj(vecs).T, wires=self.wires, unitary_check=False)]

    def _embedded(self, op: Any) -> jax.Array:
        mat = jnp.asarray(op.matrix())
        return embed(mat.astype(jnp.result_type(mat.dtype, jnp.complex64)), op.wires, self.wires)


def _repr(op: Any) -> str:
    return f"({op!r})" if isinstance(op, (Sum, Hamiltonian)) else repr(op)


def _commute(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` commute; assumed when their matrices are traced (cannot be checked)."""
    if not set(a.wires) & set(b.wires):
        return True
    if not (is_concrete(a) and is_concrete(b)):
        return True
    wires = _union([a, b])
    ma, mb = np.asarray(embed(a.matrix(), a.wires, wires)), np.asarray(embed(b.matrix(), b.wires, wires))
    return bool(np.allclose(ma @ mb, mb @ ma, atol=_ATOL))


class Prod(_Composite):
    """The product ``A @ B @ ...`` of operators (the last one acts first); build it with :func:`prod`.

    Hermitian when its factors are Hermitian and commute. On disjoint wires it is measured like a
    ``Tensor`` (factor by factor); on shared wires through its dense matrix.

    Example:
        >>> import quantum_jax as qml
        >>> op = qml.prod(qml.PauliX(0), qml.PauliZ(0))
        >>> qml.matrix(op).real.astype(int).tolist(), op.is_hermitian
        ([[0, -1], [1, 0]], False)
    """

    def __init__(self, *factors: Any, id: str | None = None) -> None:
        """Multiply ``factors`` (operations or observables)."""
        ops = _checked("Prod", "factors", factors)
        hermitian = all(_hermitian(o) for o in ops) and all(
            _commute(a, b) for i, a in enumerate(ops) for b in ops[i + 1 :]
        )
        disjoint = len({w for o in ops for w in o.wires}) == builtins.sum(len(o.wires) for o in ops)
        involutory = hermitian and (
            (disjoint and all(o.is_involutory for o in ops)) or _single_word(_product_rep(ops))
        )
        self._setup(ops, hermitian, bool(involutory))

    def _product_factors(self) -> tuple[Operation, ...] | None:
        """The factors of a Hermitian product of coefficient-free observables on disjoint wires."""
        ops = self.operands
        if not self.is_hermitian or any(o.terms()[0] is not None for o in ops):
            return None
        if len(_union(ops)) != builtins.sum(len(o.wires) for o in ops):
            return None
        return tuple(f for o in ops for f in o.factors())

    def factors(self) -> tuple[Operation, ...]:
        """On disjoint wires, the operands' factors; otherwise this operator itself (measured densely)."""
        return self._product_factors() or (self,)

    @property
    def pauli_rep(self) -> PauliSentence | None:
        """The product of the operands' Pauli representations, with their phases."""
        return _product_rep(self.operands)

    def matrix(self) -> jax.Array:
        """``A @ B @ ...`` with every factor embedded on :attr:`wires`."""
        return reduce(jnp.matmul, [self._embedded(o) for o in self.operands])

    def eigvals(self) -> jax.Array:
        """On disjoint wires the Kronecker product of the factors' eigenvalues, else the dense ones."""
        factors = self._product_factors()
        if factors is None:
            return super().eigvals()
        return reduce(jnp.kron, [f.eigvals() for f in factors])  # type: ignore[attr-defined]

    def diagonalizing_gates(self) -> list[Operation]:
        """On disjoint wires the factors' diagonalizing gates, else those of the dense matrix."""
        factors = self._product_factors()
        if factors is None:
            return super().diagonalizing_gates()
        return [g for f in factors for g in f.diagonalizing_gates()]  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return " @ ".join(_repr(o) for o in self.operands)


def _product_rep(ops: Sequence[Any]) -> PauliSentence | None:
    """The product of the operands' Pauli representations; ``None`` unless every operand has one."""
    out = PauliSentence({PauliWord(): 1})
    for o in ops:
        rep = o.pauli_rep if isinstance(o, Observable) else None
        if rep is None:
            return None
        out = out @ rep
    return out


def _sum_rep(pairs: Sequence[tuple[Any, Any]]) -> PauliSentence | None:
    """``sum_k c_k rep(op_k)`` over ``(c_k, op_k)``; ``None`` unless every operand has a representation."""
    total = PauliSentence()
    for c, op in pairs:
        rep = op.pauli_rep if isinstance(op, Observable) else None
        if rep is None:
            return None
        total = total + rep * c
    return total


class Sum(_Composite):
    """The sum ``A + B + ...`` of operators; build it with :func:`sum` (or :func:`dot`).

    Hermitian when every operand is. A real linear combination of products is measured term by term
    (as a ``Hamiltonian``); a sum containing a dense term (a product on shared wires, ...) through its
    dense matrix.

    Example:
        >>> import quantum_jax as qml
        >>> H = qml.sum(qml.PauliZ(0), qml.s_prod(0.5, qml.PauliX(1)))
        >>> H.terms()[0].tolist()
        [1.0, 0.5]
    """

    def __init__(self, *summands: Any, id: str | None = None) -> None:
        """Add ``summands`` (operations or observables)."""
        ops = _checked("Sum", "summands", summands)
        hermitian = all(_hermitian(o) for o in ops)
        self._setup(ops, hermitian, hermitian and _single_word(_sum_rep([(1, o) for o in ops])))

    def _linear(self) -> tuple[jax.Array, tuple[Observable, ...]] | None:
        parts = [_expansion(o) for o in self.operands]
        if any(p is None for p in parts):
            return None
        coeffs = jnp.concatenate([p[0] for p in parts])  # type: ignore[index]
        return coeffs, tuple(o for p in parts for o in p[1])  # type: ignore[index]

    def terms(self) -> tuple[Any, tuple[Observable, ...]]:
        """``(coefficients, products)`` of a real linear combination; ``(None, (self,))`` if dense."""
        linear = self._linear()
        return (None, (self,)) if linear is None else linear

    def factors(self) -> tuple[Operation, ...]:
        """A dense sum is its own factor; a linear combination has none (see :meth:`terms`)."""
        if self._linear() is not None:
            raise TypeError("a Sum of products is a linear combination, not a product; use terms()")
        return (self,)

    @property
    def pauli_rep(self) -> PauliSentence | None:
        """The sum of the operands' Pauli representations."""
        return _sum_rep([(1, o) for o in self.operands])

    def matrix(self) -> jax.Array:
        """``A + B + ...`` with every operand embedded on :attr:`wires`."""
        return reduce(jnp.add, [self._embedded(o) for o in self.operands])

    def __repr__(self) -> str:
        return " + ".join(repr(o) for o in self.operands)


def _is_number(x: Any) -> bool:
    """A Python, NumPy or JAX scalar (traced ones included)."""
    return isinstance(x, numbers.Number) or (hasattr(x, "dtype") and jnp.ndim(x) == 0)


def _real_scalar(scalar: Any) -> Any:
    """A complex scalar with a zero imaginary part (when concrete) as a real one."""
    if jnp.iscomplexobj(scalar) and is_concrete(scalar) and np.imag(np.asarray(scalar)) == 0:
        return jnp.real(jnp.asarray(scalar))
    return scalar


class SProd(_Composite):
    """The scalar product ``scalar * A``; build it with :func:`s_prod`.

    The scalar is a pytree leaf (differentiable). Hermitian when ``A`` is and the scalar is real.

    Example:
        >>> import quantum_jax as qml
        >>> op = qml.s_prod(2.0, qml.PauliZ(0))
        >>> qml.matrix(op).real.tolist(), op.is_hermitian
        ([[2.0, 0.0], [0.0, -2.0]], True)
    """

    def __init__(self, scalar: Any, base: Any, id: str | None = None) -> None:
        """Scale ``base`` by ``scalar`` (a number, possibly complex or traced)."""
        (base,) = _checked("SProd", "base", [base])
        if isinstance(scalar, bool) or not _is_number(scalar):
            raise TypeError(f"SProd: 'scalar' must be a number, got {scalar!r}.")
        scalar = _real_scalar(scalar)
        hermitian = _hermitian(base) and not jnp.iscomplexobj(scalar)
        involutory = hermitian and _single_word(_sum_rep([(scalar, base)]) if is_concrete(scalar) else None)
        self._setup((scalar, base), hermitian, involutory)

    @property
    def scalar(self) -> Any:
        """The scalar factor."""
        return self._children[0]

    @property
    def base(self) -> Any:
        """The operator scaled."""
        return self._children[1]

    def terms(self) -> tuple[Any, tuple[Observable, ...]]:
        """``(scalar * coefficients, products)`` when the base is a linear combination; else dense."""
        linear = _expansion(self.base) if self.is_hermitian else None
        if linear is None:
            return None, (self,)
        return self.scalar * linear[0], linear[1]

    def factors(self) -> tuple[Operation, ...]:
        """A dense scalar product is its own factor; a linear combination has none."""
        if self.terms()[0] is not None:
            raise TypeError("an SProd of products is a linear combination, not a product; use terms()")
        return (self,)

    @property
    def pauli_rep(self) -> PauliSentence | None:
        """The base's Pauli representation times the scalar."""
        return _sum_rep([(self.scalar, self.base)])

    def matrix(self) -> jax.Array:
        """``scalar * A``."""
        mat = jnp.asarray(self.base.matrix())
        return self.scalar * mat.astype(jnp.result_type(mat.dtype, jnp.complex64))

    def __repr__(self) -> str:
        return f"{_format(self.scalar)} * {_repr(self.base)}"


def _format(c: Any) -> str:
    """A scalar for a repr: ``0.5``, ``1j``, ``(0.5+1j)`` or ``<traced>``."""
    if not is_concrete(c):
        return "<traced>"
    if not jnp.iscomplexobj(c):
        return f"{float(c):.4g}"
    z = complex(c)
    return f"{z.imag:.4g}j" if z.real == 0 else f"({z.real:.4g}{z.imag:+.4g}j)"


class Pow(_Composite):
    """The integer power ``A ** z`` of an observable (its matrix power), built by ``A ** z`` or ``qml.pow``.

    Hermitian (and involutory) when ``A`` is. A negative power is the inverse's.

    Example:
        >>> import quantum_jax as qml
        >>> qml.matrix(qml.PauliX(0) ** 2).real.tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """

    def __init__(self, base: Any, z: int = 1, id: str | None = None) -> None:
        """Raise ``base`` to the integer power ``z``."""
        (base,) = _checked("Pow", "base", [base])
        if isinstance(z, bool) or not isinstance(z, (int, np.integer)):
            raise TypeError(
                f"Pow: 'z' must be an integer exponent, got {z!r}; only integer powers are supported."
            )
        hermitian = _hermitian(base)
        self._setup((base,), hermitian, hermitian and bool(base.is_involutory), int(z))

    @property
    def base(self) -> Any:
        """The operator raised to the power."""
        return self._children[0]

    @property
    def z(self) -> int:
        """The exponent."""
        return int(self._facts.power or 0)

    @property
    def pauli_rep(self) -> PauliSentence | None:
        """The base's Pauli representation to the power ``z`` (``None`` for negative powers)."""
        rep = self.base.pauli_rep if isinstance(self.base, Observable) else None
        if rep is None or self.z < 0:
            return None
        out = PauliSentence({PauliWord(): 1})
        for _ in range(self.z):
            out = out @ rep
        return out

    def matrix(self) -> jax.Array:
        """The matrix power of the base's matrix."""
        mat = jnp.asarray(self.base.matrix())
        return jnp.linalg.matrix_power(mat.astype(jnp.result_type(mat.dtype, jnp.complex64)), self.z)

    def __repr__(self) -> str:
        return f"({self.base!r})**{self.z}"


# --- constructors ------------------------------------------------------------------------------------
def _unnested(cls: type[_Composite], ops: Sequence[Any], lazy: bool) -> tuple[Any, ...]:
    """``ops``; unless ``lazy``, an operand of class ``cls`` (a nested product or sum) by its operands."""
    if lazy:
        return tuple(ops)
    return tuple(f for o in ops for f in (o.operands if isinstance(o, cls) else (o,)))


def prod(*ops: Any, id: str | None = None, lazy: bool = True) -> Prod:
    """The product of operators, ``ops[0] @ ops[1] @ ...`` (the last acts first).

    Args:
        *ops: operations or observables (any gates, Hermitian or not), or Pauli words/sentences.
        id: ignored (PennyLane's operator label).
        lazy: if False, the factors of operands that are products themselves are taken in their place.

    Returns:
        The :class:`Prod`.

    Example:
        >>> import quantum_jax as qml
        >>> op = qml.prod(qml.RX(0.1, wires=0), qml.RY(0.2, wires=1))
        >>> op.wires, op.is_hermitian
        ((0, 1), False)
    """
    return Prod(*_unnested(Prod, ops, lazy))


def sum(*summands: Any, id: str | None = None, lazy: bool = True) -> Sum:
    """The sum of operators, ``summands[0] + summands[1] + ...``.

    Args:
        *summands: operations or observables, or Pauli words/sentences.
        id: ignored (PennyLane's operator label).
        lazy: if False, the operands of summands that are sums themselves are taken in their place.

    Returns:
        The :class:`Sum`.

    Example:
        >>> import quantum_jax as qml
        >>> qml.matrix(qml.sum(qml.PauliX(0), qml.PauliZ(0))).real.tolist()
        [[1.0, 1.0], [1.0, -1.0]]
    """
    return Sum(*_unnested(Sum, summands, lazy))


def s_prod(scalar: Any, operator: Any, lazy: bool = True, id: str | None = None) -> SProd:
    """The operator ``scalar * operator``; the scalar stays a differentiable leaf.

    Args:
        scalar: a real or complex number (or array scalar, possibly traced).
        operator: an operation or observable.
        lazy: if False, a scalar product of a scalar product multiplies the two scalars.
        id: ignored (PennyLane's operator label).

    Returns:
        The :class:`SProd`.

    Example:
        >>> import quantum_jax as qml
        >>> qml.s_prod(0.5, qml.s_prod(4.0, qml.PauliZ(0)), lazy=False).scalar
        2.0
    """
    if not lazy and isinstance(operator, SProd):
        return SProd(scalar * operator.scalar, operator.base)
    return SProd(scalar, operator)


def dot(coeffs: Sequence[Any], ops: Sequence[Any], pauli: bool = False) -> Any:
    """The linear combination ``sum_k coeffs[k] * ops[k]``.

    Args:
        coeffs: the coefficients (numbers or a JAX array: they stay differentiable leaves).
        ops: the operators (operations, observables, or Pauli words/sentences).
        pauli: if True, return a :class:`~quantum_jax.pauli.PauliSentence` (every operator must be a Pauli
            expression).

    Returns:
        A :class:`Sum` of :class:`SProd` terms (one :class:`SProd` for a single term), or a
        ``PauliSentence``.

    Raises:
        ValueError: if the lengths differ or both are empty.

    Example:
        >>> import quantum_jax as qml
        >>> op = qml.dot([0.5, -1.0], [qml.PauliZ(0), qml.PauliX(0)])
        >>> qml.matrix(op).real.tolist()
        [[0.5, -1.0], [-1.0, -0.5]]
    """
    coeffs, ops = list(coeffs), list(ops)
    if len(coeffs) != len(ops):
        raise ValueError(
            f"dot: 'coeffs' has {len(coeffs)} entries but 'ops' has {len(ops)}; "
            "pass one coefficient per operator."
        )
    if not ops:
        raise ValueError("dot: 'coeffs' and 'ops' are empty; pass at least one term.")
    if pauli:
        total = PauliSentence()
        for c, op in zip(coeffs, ops, strict=True):
            total = total + pauli_sentence(op) * c
        return total
    terms = [SProd(c, op) for c, op in zip(coeffs, _checked("dot", "ops", ops), strict=True)]
    return terms[0] if len(terms) == 1 else Sum(*terms)


# --- Pauli conversions -------------------------------------------------------------------------------
def _word_operation(word: PauliWord, wire_order: Sequence[Hashable] | None) -> Observable:
    if not word:
        if not wire_order:
            raise ValueError(
                "operation(): the identity word acts on no wire; pass wire_order=[...] to place it."
            )
        return Identity(wires=wire_order[0])
    factors: list[Any] = [_PAULIS[letter](wires=w) for w, letter in word.items()]
    return factors[0] if len(factors) == 1 else Tensor(*factors)


def _is_one(c: Any) -> bool:
    try:
        return bool(c == 1)
    except TypeError:  # traced
        return False


def _real_coefficients(coeffs: Sequence[Any]) -> jax.Array | None:
    """The coefficients as a real array, or ``None`` if one is (or may be) complex."""
    arr = jnp.stack([jnp.asarray(c) for c in coeffs])
    if not jnp.iscomplexobj(arr):
        return arr
    if is_concrete(arr) and np.allclose(np.imag(np.asarray(arr)), 0.0, atol=1e-12):
        return jnp.real(arr)
    return None


def _combination(pairs: Sequence[tuple[Any, Any]], wires: Sequence[Hashable]) -> Any:
    """``sum_k c_k op_k``: the operator itself, a ``Hamiltonian`` (real, Hermitian terms) or a ``Sum``."""
    if not pairs:
        return Hamiltonian(jnp.zeros((1,)), [Identity(wires=wires[0])])
    coeffs, ops = [c for c, _ in pairs], [o for _, o in pairs]
    if len(pairs) == 1 and _is_one(coeffs[0]):
        return ops[0]
    real = _real_coefficients(coeffs)
    if real is not None and all(_hermitian(o) and o.terms()[0] is None for o in ops):
        return Hamiltonian(real, ops)
    terms = [SProd(c, o) for c, o in pairs]
    return terms[0] if len(terms) == 1 else Sum(*terms)


def _pauli_operation(obj: PauliWord | PauliSentence, wire_order: Sequence[Hashable] | None) -> Any:
    """How words and sentences become operators (registered with ``_pauli``)."""
    if isinstance(obj, PauliWord):
        return _word_operation(obj, wire_order)
    order = tuple(wire_order) if wire_order is not None else obj.wires
    if not order:
        raise ValueError("operation(): the sentence acts on no wire; pass wire_order=[...] to place it.")
    return _combination([(c, _word_operation(w, order)) for w, c in obj.items()], order)


def pauli_sentence(op: Any) -> PauliSentence:
    """The :class:`~quantum_jax.pauli.PauliSentence` of a Pauli expression.

    Args:
        op: an observable built from Pauli operators (products, sums, scalar products, powers), or a
            ``PauliWord``/``PauliSentence``.

    Raises:
        ValueError: if ``op`` is not a Pauli expression (a ``Hermitian``, a rotation gate, ...).

    Example:
        >>> import quantum_jax as qml
        >>> qml.pauli.pauli_sentence(qml.PauliX(0) @ qml.PauliY(0))
        1j * Z(0)
    """
    if isinstance(op, PauliWord):
        return PauliSentence({op: 1})
    if isinstance(op, PauliSentence):
        return op
    rep = op.pauli_rep if isinstance(op, Observable) else None
    if rep is None:
        raise ValueError(
            f"pauli_sentence: {op!r} is not a Pauli expression; only Pauli operators, Identity and their "
            "products, sums and scalar multiples have one."
        )
    return rep


def _decomposed_term(word: str, order: Wires, hide_identity: bool) -> Observable:
    letters = dict(zip(order, word, strict=True))
    if hide_identity:
        letters = {w: a for w, a in letters.items() if a != "I"} or {order[0]: "I"}
    factors: list[Any] = [_PAULIS[a](wires=w) for w, a in letters.items()]
    return factors[0] if len(factors) == 1 else Tensor(*factors)


def pauli_decompose(
    H: Any,  # noqa: N803 -- PennyLane's name
    hide_identity: bool = False,
    wire_order: Sequence[Hashable] | None = None,
    pauli: bool = False,
    check_hermitian: bool = True,
) -> Any:
    """Decompose a ``2^n x 2^n`` matrix into Pauli words: ``H = sum_P tr(P H) / 2^n * P``.

    Args:
        H: the (concrete) matrix.
        hide_identity: leave the identity factors out of the terms' tensor products.
        wire_order: the ``n`` wires, the first the most significant bit (default ``0 .. n-1``).
        pauli: return a :class:`~quantum_jax.pauli.PauliSentence` instead of an operator.
        check_hermitian: raise unless ``H`` is Hermitian.

    Returns:
        A ``Hamiltonian`` with the nonzero terms (real coefficients) for a Hermitian matrix, a ``Sum`` of
        scalar products otherwise, or the ``PauliSentence``.

    Raises:
        ValueError: for a matrix that is not ``2^n x 2^n``, not Hermitian (when checked), or a
            ``wire_order`` of the wrong length.

    Example:
        >>> import quantum_jax as qml
        >>> qml.pauli_decompose(qml.matrix(0.5 * qml.PauliZ(0) @ qml.PauliX(1)), hide_identity=True)
        Hamiltonian(0.5 * PauliZ(wires=[0]) @ PauliX(wires=[1]))
    """
    m = np.asarray(H, dtype=complex)
    coeffs = pauli_coefficients(m)
    n = m.shape[0].bit_length() - 1
    if check_hermitian and not np.allclose(m, m.conj().T, atol=_ATOL):
        raise ValueError(
            "pauli_decompose: 'H' is not Hermitian; pass a Hermitian matrix, or check_hermitian=False for "
            "complex coefficients."
        )
    order = tuple(range(n)) if wire_order is None else as_wires(wire_order, "pauli_decompose")
    if len(order) != n:
        raise ValueError(f"pauli_decompose: 'wire_order' has {len(order)} wires but 'H' acts on {n}.")
    if np.allclose(coeffs.imag, 0.0, atol=1e-12):
        coeffs = coeffs.real
    tol = 1e-12 * max(1.0, float(np.abs(m).max()))
    keep = [k for k, c in enumerate(coeffs) if abs(c) > tol] or [0]
    words = all_words(n)
    if pauli:
        return PauliSentence({PauliWord(dict(zip(order, words[k], strict=True))): coeffs[k] for k in keep})
    ops = [_decomposed_term(words[k], order, hide_identity) for k in keep]
    if np.isrealobj(coeffs):
        return Hamiltonian(jnp.asarray(coeffs[keep]), ops)
    terms = [SProd(coeffs[k], op) for k, op in zip(keep, ops, strict=True)]
    return terms[0] if len(terms) == 1 else Sum(*terms)


# --- simplification ----------------------------------------------------------------------------------
def _same(a: Any, b: Any) -> bool:
    """Whether two operators are equal in structure and (concrete) values."""
    la, ta = jax.tree_util.tree_flatten(a)
    lb, tb = jax.tree_util.tree_flatten(b)
    if ta != tb:  # type: ignore[operator]
        return False
    if not (is_concrete(la) and is_concrete(lb)):
        return all(x is y for x, y in zip(la, lb, strict=True))
    return all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(la, lb, strict=True))


def _flat_factors(op: Any) -> list[Any]:
    if isinstance(op, Prod):
        return list(op.operands)
    if isinstance(op, Tensor):
        return list(op.obs)
    return [op]


def _product_of(factors: Sequence[Any]) -> Any:
    return factors[0] if len(factors) == 1 else Prod(*factors)


def _linear(op: Any) -> list[tuple[Any, Any]]:
    """``op`` as ``[(coefficient, product term)]``: sums flattened, scalars absorbed, products distributed."""
    if isinstance(op, Sum):
        return [p for o in op.operands for p in _linear(o)]
    if isinstance(op, Hamiltonian):
        return [(c * ci, t) for c, o in zip(op.coeffs, op.ops, strict=True) for ci, t in _linear(o)]
    if isinstance(op, SProd):
        return [(op.scalar * c, t) for c, t in _linear(op.base)]
    if isinstance(op, Pow):
        if op.z == 1:
            return _linear(op.base)
        if op.z == 0:
            return [(1, Identity(wires=op.wires[0]))]
        base = _simplified(op.base)
        return [(1, Pow(base, op.z))]
    if isinstance(op, (Prod, Tensor)):
        combos: list[tuple[Any, list[Any]]] = [(1, [])]
        for factor in _flat_factors(op):
            combos = [(c1 * c2, fs + _flat_factors(t)) for c1, fs in combos for c2, t in _linear(factor)]
        return [(c, _product_of(fs)) for c, fs in combos]
    return [(1, op)]


def _collected(pairs: Sequence[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Like terms combined (Pauli words through a PauliSentence, others when equal), zeros dropped."""
    sentence = PauliSentence()
    others: list[list[Any]] = []
    for c, op in pairs:
        rep = op.pauli_rep if isinstance(op, Observable) else None
        if rep is not None:
            sentence = sentence + rep * c
            continue
        match = next((o for o in others if _same(o[1], op)), None)
        if match is None:
            others.append([c, op])
        else:
            match[0] = match[0] + c
    sentence.simplify()
    words = [(c, _word_operation(w, _union([op for _, op in pairs]))) for w, c in sentence.items()]
    return words + [(c, op) for c, op in others if not is_negligible(c, 1e-8)]


def _simplified(op: Any) -> Any:
    rep = op.pauli_rep if isinstance(op, Observable) else None
    wires = tuple(op.wires)
    if rep is not None:
        rep = PauliSentence(rep)
        rep.simplify()
        return _combination([(c, _word_operation(w, wires)) for w, c in rep.items()], wires)
    return _combination(_collected(_linear(op)), wires)


def simplify(op: Any) -> Any:
    """A simpler equal operator: sums and products flattened, like terms combined, scalars absorbed.

    Products are distributed over sums; equal Pauli words are combined through their
    :class:`~quantum_jax.pauli.PauliSentence` (with the phases of their products: ``X Y = i Z``), other
    equal terms by comparing them; zero coefficients are dropped.

    Args:
        op: an operator.

    Returns:
        A ``Hamiltonian`` for a real combination of several Hermitian terms (Pauli sums included), a single
        term itself when its coefficient is 1, else a :class:`SProd` or a :class:`Sum` of them.

    Example:
        >>> import quantum_jax as qml
        >>> qml.simplify(qml.PauliX(0) @ qml.PauliY(0))
        1j * PauliZ(wires=[0])
        >>> qml.simplify(qml.sum(qml.PauliZ(0), qml.PauliX(1), qml.s_prod(2.0, qml.PauliZ(0))))
        Hamiltonian(3 * PauliZ(wires=[0]) + 1 * PauliX(wires=[1]))
    """
    if not isinstance(op, (Operation, Observable)):
        raise TypeError(f"simplify: 'op' must be an operator, got {op!r}.")
    _recording.forget(op)
    with _recording.paused():
        out = _simplified(op)
    if isinstance(out, Operation):
        _recording.record(out)
    return out


register_arithmetic(prod=Prod, sum=Sum, s_prod=SProd, pow=Pow)
set_operation_builder(_pauli_operation)
