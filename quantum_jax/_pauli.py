"""The Pauli algebra as plain NumPy data: matrices of Pauli words and their diagonals.

A Pauli word is a string over ``"IXYZ"``, one letter per wire, the first letter on the most
significant wire. Nothing here depends on the rest of the library.
"""

from __future__ import annotations

import functools

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
