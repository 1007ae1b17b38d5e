"""The Pauli algebra as plain NumPy data: Pauli words, their matrices, products and sentences.

A Pauli word string is a string over ``"IXYZ"``, one letter per wire, the first letter on the most
significant wire. :class:`PauliWord` (``{wire: letter}``) and :class:`PauliSentence` (``{word:
coefficient}``) are the algebra with wire labels: products with their phases (``X Y = i Z``), sums and
dense matrices. Nothing here depends on the rest of the library: how a word becomes an observable is
registered by the layer that defines the observables (:func:`set_operation_builder`).
"""

from __future__ import annotations

import functools
import itertools
import numbers
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

LETTERS = "IXYZ"

MATRICES: dict[str, np.ndarray] = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}
"""The single-qubit Pauli matrices, keyed by letter."""


def check_word(word: object, owner: str) -> str:
    """Return ``word`` if it is a non-empty string over ``"IXYZ"``.

    Raises:
        ValueError: naming ``owner`` when ``word`` is not such a string.

    Example:
        >>> check_word("XZ", "PauliRot")
        'XZ'
    """
    if not isinstance(word, str) or not word or set(word) - set(LETTERS):
        raise ValueError(f"{owner}: 'pauli_word' must be a non-empty string of I, X, Y, Z; got {word!r}.")
    return word


@functools.cache
def word_matrix(word: str) -> np.ndarray:
    """The ``2^k x 2^k`` matrix of a Pauli word (Kronecker product of its letters).

    Example:
        >>> word_matrix("ZX").real.astype(int).tolist()
        [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, -1], [0, 0, -1, 0]]
    """
    out = np.ones((1, 1), dtype=complex)
    for letter in word:
        out = np.kron(out, MATRICES[letter])
    out.setflags(write=False)
    return out


def is_diagonal(word: str) -> bool:
    """Whether the word's matrix is diagonal (only ``I`` and ``Z`` letters)."""
    return set(word) <= {"I", "Z"}


@functools.cache
def z_parity(word: str) -> np.ndarray:
    """The parity (0 or 1) of the ``Z`` letters' bits in each basis state.

    The diagonal of a ``Z``/``I`` word is ``(-1) ** z_parity(word)``.

    Example:
        >>> z_parity("ZZ").tolist()
        [0, 1, 1, 0]
        >>> z_parity("IZ").tolist()
        [0, 1, 0, 1]
    """
    k = len(word)
    index = np.arange(2**k)
    parity = np.zeros(2**k, dtype=int)
    for position, letter in enumerate(word):
        if letter == "Z":
            parity ^= (index >> (k - 1 - position)) & 1
    parity.setflags(write=False)
    return parity


# --- products of letters ---------------------------------------------------------------------------
def _letter_products() -> dict[tuple[str, str], tuple[complex, str]]:
    """``(a, b) -> (phase, c)`` with ``a b = phase * c`` for one-qubit Paulis (``X Y = i Z``, cyclically)."""
    table: dict[tuple[str, str], tuple[complex, str]] = {}
    for a in LETTERS:
        table[("I", a)] = table[(a, "I")] = (1, a)
        table[(a, a)] = (1, "I")
    for a, b, c in ("XYZ", "YZX", "ZXY"):
        table[(a, b)] = (1j, c)
        table[(b, a)] = (-1j, c)
    return table


_PRODUCTS = _letter_products()


def _is_scalar(x: object) -> bool:
    """Whether ``x`` is a number (a Python, NumPy or JAX scalar, traced ones included)."""
    if isinstance(x, (PauliWord, PauliSentence)):
        return False
    return isinstance(x, numbers.Number) or getattr(x, "ndim", None) == 0


def is_negligible(c: Any, tol: float) -> bool:
    """Whether ``|c| <= tol``; ``False`` for a value that cannot be compared (a JAX tracer).

    Example:
        >>> is_negligible(1e-12, 1e-8), is_negligible(0.5, 1e-8)
        (True, False)
    """
    try:
        return bool(abs(c) <= tol)
    except TypeError:  # a traced value: keep it
        return False


def _scale(c: Any, phase: complex) -> Any:
    """``phase * c``, leaving ``c`` real when the phase is ``+-1``."""
    if phase == 1:
        return c
    if phase == -1:
        return -c
    return phase * c


class PauliWord(Mapping[Hashable, str]):
    """A tensor product of Pauli operators: an immutable mapping ``{wire: "X" | "Y" | "Z"}``.

    Identity letters are dropped, so the empty word is the identity. Words are hashable (keys of a
    :class:`PauliSentence`) and compare equal when they hold the same letters on the same wires.

    Args:
        mapping: ``{wire: letter}`` with letters from ``"IXYZ"``.

    Example:
        >>> w = PauliWord({0: "X", 1: "Y"})
        >>> w
        X(0) @ Y(1)
        >>> w @ PauliWord({0: "Y"})
        1j * Z(0) @ Y(1)
    """

    __slots__ = ("_letters",)

    def __init__(self, mapping: Mapping[Hashable, str] | None = None) -> None:
        """Check the letters and drop the identities."""
        letters: dict[Hashable, str] = {}
        for wire, letter in dict(mapping or {}).items():
            if not isinstance(letter, str) or letter not in LETTERS or len(letter) != 1:
                raise ValueError(
                    f"PauliWord: the letter on wire {wire!r} is {letter!r}; use one of 'I', 'X', 'Y', 'Z'."
                )
            if letter != "I":
                letters[wire] = letter
        self._letters = letters

    def __getitem__(self, wire: Hashable) -> str:
        return self._letters[wire]

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._letters)

    def __len__(self) -> int:
        return len(self._letters)

    def __hash__(self) -> int:
        return hash(frozenset(self._letters.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (PauliWord, (self._letters,))

    @property
    def wires(self) -> tuple[Hashable, ...]:
        """The wires with a non-identity letter, in order."""
        return tuple(self._letters)

    def matmul(self, other: PauliWord) -> tuple[PauliWord, complex]:
        """The product ``self @ other`` as ``(word, phase)``: ``X Y = i Z`` on each shared wire.

        Example:
            >>> PauliWord({0: "X"}).matmul(PauliWord({0: "Y"}))
            (Z(0), 1j)
        """
        letters = dict(self._letters)
        phase: complex = 1
        for wire, b in other.items():
            p, c = _PRODUCTS[(letters.get(wire, "I"), b)]
            phase *= p
            letters[wire] = c
        return PauliWord(letters), phase

    def commutes_with(self, other: PauliWord) -> bool:
        """Whether the two words commute: they differ (both non-identity) on an even number of wires.

        Example:
            >>> PauliWord({0: "X", 1: "X"}).commutes_with(PauliWord({0: "Y", 1: "Y"}))
            True
        """
        clashes = [w for w, a in self._letters.items() if other.get(w, a) != a]
        return len(clashes) % 2 == 0

    def to_mat(self, wire_order: Sequence[Hashable] | None = None, coeff: Any = 1.0) -> Any:
        """The dense matrix ``coeff * P`` on ``wire_order`` (default: the word's wires).

        Example:
            >>> PauliWord({1: "X"}).to_mat(wire_order=[0, 1]).real.astype(int).tolist()
            [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]
        """
        order = self.wires if wire_order is None else tuple(wire_order)
        missing = [w for w in self._letters if w not in order]
        if missing:
            raise ValueError(
                f"to_mat: 'wire_order' {list(order)} lacks the wires {missing} of {self!r}; include them."
            )
        return coeff * word_matrix("".join(self._letters.get(w, "I") for w in order))

    def operation(self, wire_order: Sequence[Hashable] | None = None) -> Any:
        """The word as an observable: a Pauli operator or a ``Tensor`` of them (an ``Identity`` if empty).

        ``wire_order`` names the wire an empty word's identity acts on.

        Example:
            >>> PauliWord({0: "Z", 2: "X"}).operation()
            PauliZ(wires=[0]) @ PauliX(wires=[2])
        """
        return _build_operation(self, wire_order)

    def _as_sentence(self) -> PauliSentence:
        return PauliSentence({self: 1})

    def __matmul__(self, other: Any) -> PauliSentence:
        if isinstance(other, PauliWord):
            word, phase = self.matmul(other)
            return PauliSentence({word: phase})
        if isinstance(other, PauliSentence):
            return self._as_sentence() @ other
        return NotImplemented

    def __mul__(self, scalar: Any) -> PauliSentence:
        if not _is_scalar(scalar):
            return NotImplemented
        return PauliSentence({self: scalar})

    __rmul__ = __mul__

    def __truediv__(self, scalar: Any) -> PauliSentence:
        if not _is_scalar(scalar):
            return NotImplemented
        return PauliSentence({self: 1 / scalar})

    def __add__(self, other: Any) -> PauliSentence:
        return self._as_sentence() + other

    __radd__ = __add__

    def __sub__(self, other: Any) -> PauliSentence:
        return self._as_sentence() - other

    def __rsub__(self, other: Any) -> PauliSentence:
        return other + (-1) * self._as_sentence()

    def __neg__(self) -> PauliSentence:
        return PauliSentence({self: -1})

    def __repr__(self) -> str:
        return " @ ".join(f"{letter}({wire})" for wire, letter in self._letters.items()) or "I"


class PauliSentence(dict[PauliWord, Any]):
    """A linear combination of Pauli words: a ``dict`` mapping each :class:`PauliWord` to its coefficient.

    The empty sentence is zero. Coefficients may be any numbers, JAX arrays (traced ones too) included.

    Example:
        >>> s = PauliSentence({PauliWord({0: "X"}): 0.5}) + PauliWord({1: "Z"})
        >>> s
        0.5 * X(0)
        + 1 * Z(1)
        >>> (s @ s).to_mat(wire_order=[0, 1]).real.round(2).diagonal().tolist()
        [1.25, 1.25, 1.25, 1.25]
    """

    def __init__(self, terms: Mapping[PauliWord, Any] | None = None) -> None:
        """Check that every key is a :class:`PauliWord`."""
        terms = dict(terms or {})
        for word in terms:
            if not isinstance(word, PauliWord):
                raise TypeError(f"PauliSentence: keys must be PauliWord instances, got {word!r}.")
        super().__init__(terms)

    @property
    def wires(self) -> tuple[Hashable, ...]:
        """Every wire a word acts on, in order of first appearance."""
        return tuple(dict.fromkeys(w for word in self for w in word.wires))

    def _coerced(self, other: Any) -> PauliSentence | None:
        if isinstance(other, PauliSentence):
            return other
        if isinstance(other, PauliWord):
            return other._as_sentence()
        if _is_scalar(other):
            return PauliSentence({PauliWord(): other})
        return None

    def __add__(self, other: Any) -> PauliSentence:
        rhs = self._coerced(other)
        if rhs is None:
            return NotImplemented
        out = PauliSentence(self)
        for word, c in rhs.items():
            out[word] = out[word] + c if word in out else c
        return out

    __radd__ = __add__

    def __neg__(self) -> PauliSentence:
        return PauliSentence({w: -c for w, c in self.items()})

    def __sub__(self, other: Any) -> PauliSentence:
        rhs = self._coerced(other)
        if rhs is None:
            return NotImplemented
        return self + (-rhs)

    def __rsub__(self, other: Any) -> PauliSentence:
        lhs = self._coerced(other)
        if lhs is None:
            return NotImplemented
        return lhs + (-self)

    def __mul__(self, scalar: Any) -> PauliSentence:
        if not _is_scalar(scalar):
            return NotImplemented
        return PauliSentence({w: c * scalar for w, c in self.items()})

    __rmul__ = __mul__

    def __truediv__(self, scalar: Any) -> PauliSentence:
        if not _is_scalar(scalar):
            return NotImplemented
        return PauliSentence({w: c / scalar for w, c in self.items()})

    def __matmul__(self, other: Any) -> PauliSentence:
        rhs = other._as_sentence() if isinstance(other, PauliWord) else other
        if not isinstance(rhs, PauliSentence):
            return NotImplemented
        out = PauliSentence()
        for w1, c1 in self.items():
            for w2, c2 in rhs.items():
                word, phase = w1.matmul(w2)
                term = _scale(c1 * c2, phase)
                out[word] = out[word] + term if word in out else term
        return out

    def simplify(self, tol: float = 1e-8) -> None:
        """Remove, in place, the words whose coefficients are at most ``tol`` in magnitude.

        Traced coefficients (inside ``jax.jit``) cannot be compared and are kept.

        Example:
            >>> s = PauliWord({0: "X"}) + PauliWord({0: "X"}) * 1e-12
            >>> s.simplify()
            >>> len(s)
            1
        """
        for word in [w for w, c in self.items() if is_negligible(c, tol)]:
            del self[word]

    def to_mat(self, wire_order: Sequence[Hashable] | None = None) -> Any:
        """The dense matrix ``sum_w c_w P_w`` on ``wire_order`` (default: :attr:`wires`).

        Example:
            >>> (PauliWord({0: "Z"}) * 2.0).to_mat().real.tolist()
            [[2.0, 0.0], [0.0, -2.0]]
        """
        order = self.wires if wire_order is None else tuple(wire_order)
        if not self:
            return np.zeros((2 ** len(order),) * 2, dtype=complex)
        parts = [word.to_mat(order, c) for word, c in self.items()]
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        return total

    def operation(self, wire_order: Sequence[Hashable] | None = None) -> Any:
        """The sentence as an operator: a ``Hamiltonian`` (real coefficients), else a ``Sum`` of ``SProd``.

        A single word with coefficient 1 is the word's own observable (see :meth:`PauliWord.operation`);
        ``wire_order`` names the wire the identity word acts on (default: the sentence's first wire).

        Example:
            >>> (PauliWord({0: "Z"}) * 0.5 + PauliWord({1: "X"})).operation()
            Hamiltonian(0.5 * PauliZ(wires=[0]) + 1 * PauliX(wires=[1]))
        """
        return _build_operation(self, wire_order)

    def __repr__(self) -> str:
        if not self:
            return "0 * I"
        return "\n+ ".join(f"{c} * {word!r}" for word, c in self.items())

    __str__ = __repr__


# --- building operators (a layer above registers how) ------------------------------------------------
_OPERATION_BUILDERS: list[Callable[[PauliWord | PauliSentence, Sequence[Hashable] | None], Any]] = []


def set_operation_builder(fn: Callable[[PauliWord | PauliSentence, Sequence[Hashable] | None], Any]) -> None:
    """Register how words and sentences become operators (the observable classes live in higher layers).

    ``quantum_jax._arithmetic`` registers its builder when the package is imported.

    Example:
        >>> import quantum_jax as qml
        >>> len(_OPERATION_BUILDERS)  # registered by the package
        1
    """
    _OPERATION_BUILDERS[:] = [fn]


def _build_operation(obj: PauliWord | PauliSentence, wire_order: Sequence[Hashable] | None) -> Any:
    if not _OPERATION_BUILDERS:  # pragma: no cover - the package registers its builder on import
        raise RuntimeError("operation(): import quantum_jax to build operators from Pauli words.")
    return _OPERATION_BUILDERS[0](obj, wire_order)


# --- decomposing matrices ------------------------------------------------------------------------------
def pauli_coefficients(matrix: Any) -> np.ndarray:
    """The coefficients ``tr(P M) / 2^n`` of a ``2^n x 2^n`` matrix on every Pauli word of ``n`` letters.

    The words come in lexicographic order over ``"IXYZ"``, the first letter most significant
    (``II, IX, IY, IZ, XI, ...``), so that ``M = sum_k c_k word_matrix(word_k)``.

    Raises:
        ValueError: if ``matrix`` is not square with a power-of-two size.

    Example:
        >>> pauli_coefficients(word_matrix("ZX") * 0.5).real.round(3).tolist()[:8]
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        >>> float(pauli_coefficients(word_matrix("ZX") * 0.5)[13].real)
        0.5
    """
    m = np.asarray(matrix, dtype=complex)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 2 or m.shape[0] & (m.shape[0] - 1):
        raise ValueError(f"pauli_decompose: 'H' must be a square 2^n x 2^n matrix, got shape {m.shape}.")
    n = m.shape[0].bit_length() - 1
    # One axis per qubit holding the pair (row bit, column bit) as 2 * i + j.
    t = m.reshape((2,) * (2 * n)).transpose([a for q in range(n) for a in (q, n + q)]).reshape((4,) * n)
    # tr(P A) = sum_ij P[j, i] A[i, j]: weights[k, 2 i + j] = P_k[j, i].
    weights = np.stack([MATRICES[letter].T for letter in LETTERS]).reshape(4, 4)
    for q in range(n):
        t = np.moveaxis(np.tensordot(weights, t, axes=([1], [q])), 0, q)
    out: np.ndarray = t.reshape(-1) / 2**n
    return out


def all_words(n: int) -> list[str]:
    """Every Pauli word of ``n`` letters, in the order of :func:`pauli_coefficients`.

    Example:
        >>> all_words(1)
        ['I', 'X', 'Y', 'Z']
    """
    return ["".join(p) for p in itertools.product(LETTERS, repeat=n)]
