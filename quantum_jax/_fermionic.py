"""Fermionic gates: excitations, orbital rotations and the fermionic swap, with their shift rules.

Wire order and signs follow PennyLane (wire 0 is the most significant bit of a basis index). Each gate
is ``exp(-i phi G)`` for a fixed generator ``G`` (so its powers scale ``phi``, see ``_gates.pow``)
and declares ``G``'s eigenvalues as its ``spectrum``; the shift rules follow from them (Wierichs,
Izaac, Wang, Lin, Quantum 6, 677 (2022)). The excitations are the Givens rotations of
Arrazola et al., Quantum 6, 742 (2022); the orbital rotation and the fermionic swap are those of
Anselmetti, Wierichs, Gogolin, Parrish, New J. Phys. 23, 113010 (2021).
"""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from ._gates import _phase, _rot_cs
from ._operation import Operation

__all__ = [
    "DoubleExcitation",
    "DoubleExcitationMinus",
    "DoubleExcitationPlus",
    "FermionicSWAP",
    "OrbitalRotation",
    "SingleExcitation",
    "SingleExcitationMinus",
    "SingleExcitationPlus",
]

_GIVENS = (-0.5, 0.0, 0.5)  # a rotation in one plane, identity elsewhere: frequencies (1/2, 1)
_GIVENS_PHASED = (-0.5, 0.5)  # the same with a phase exp(-+i phi/2) elsewhere: one frequency


def _plane_masks(dim: int, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """The projector onto the basis states ``low, high`` and the rotation generator ``|high><low| - h.c.``."""
    plane = np.zeros((dim, dim))
    plane[low, low] = plane[high, high] = 1.0
    turn = np.zeros((dim, dim))
    turn[high, low], turn[low, high] = 1.0, -1.0
    return plane, turn


_SINGLE = _plane_masks(4, 1, 2)  # |01>, |10>
_DOUBLE = _plane_masks(16, 3, 12)  # |0011>, |1100>


def _givens(phi: Any, masks: tuple[np.ndarray, np.ndarray], outside: float) -> jax.Array:
    """``cos(phi/2)`` on a plane's diagonal, ``-+sin(phi/2)`` off it, ``exp(i outside phi)`` elsewhere.

    The plane maps ``|low> -> c |low> + s |high>`` and ``|high> -> c |high> - s |low>``.
    """
    plane, turn = masks
    c, s = _rot_cs(phi)
    e = jnp.ones_like(c) if outside == 0 else _phase(outside * jnp.asarray(phi))
    rest = np.eye(plane.shape[0]) - plane
    return e * jnp.asarray(rest, c.dtype) + c * jnp.asarray(plane, c.dtype) + s * jnp.asarray(turn, c.dtype)


class _Givens(Operation):
    """A Givens rotation by ``phi`` in one plane of basis states, declared with the class.

    ``class SingleExcitationPlus(_Givens, plane=_SINGLE, outside=0.5)`` rotates in the plane of
    ``_plane_masks`` (its size gives the number of wires) and multiplies the other basis states by
    ``exp(i outside phi)`` (see :func:`_givens`). Without a phase (``outside=0``) the generator has
    eigenvalues ``{-1/2, 0, 1/2}`` (a four-term shift rule); with ``outside = +-1/2``, ``{-1/2, 1/2}``
    (two terms).

    Args:
        *params: the rotation angle ``phi``.
        wires: the gate's wires (two for a plane of 4x4 masks, four for 16x16).
    """

    plane: ClassVar[tuple[np.ndarray, np.ndarray]]
    outside: ClassVar[float] = 0.0

    def __init_subclass__(
        cls, *, plane: tuple[np.ndarray, np.ndarray], outside: float = 0.0, **kwargs: Any
    ) -> None:
        """Declare the plane's masks and the phase exponent ``outside`` on the other basis states."""
        wires = plane[0].shape[0].bit_length() - 1
        spectrum = (_GIVENS if outside == 0 else _GIVENS_PHASED,)
        super().__init_subclass__(wires=wires, params=1, spectrum=spectrum, scalable=True, **kwargs)
        cls.plane, cls.outside = plane, outside

    def matrix(self) -> jax.Array:
        """The rotation in the plane, ``exp(i outside phi)`` on the other basis states."""
        return _givens(self.params[0], self.plane, self.outside)


class SingleExcitation(_Givens, plane=_SINGLE):
    """A rotation by ``phi`` in the plane of ``|01>`` and ``|10>``: ``|01> -> c |01> + s |10>``.

    With ``c, s = cos(phi/2), sin(phi/2)``; the other two basis states are unchanged:
    ``[[1, 0, 0, 0], [0, c, -s, 0], [0, s, c, 0], [0, 0, 0, 1]]``. Its generator ``(Y X - X Y) / 4``
    has eigenvalues ``{-1/2, 0, 0, 1/2}``: a four-term shift rule.

    Args:
        *params: the rotation angle ``phi``.
        wires: the two wires.

    Example:
        >>> import quantum_jax as qml
        >>> qml.SingleExcitation(0.5, wires=[0, 1]).frequencies
        ((0.5, 1.0),)
    """


class SingleExcitationPlus(_Givens, plane=_SINGLE, outside=0.5):
    """:class:`SingleExcitation` with the phase ``exp(i phi/2)`` on ``|00>`` and ``|11>``.

    Example:
        >>> import quantum_jax as qml
        >>> qml.SingleExcitationPlus(0.5, wires=[0, 1]).frequencies
        ((1.0,),)
    """


class SingleExcitationMinus(_Givens, plane=_SINGLE, outside=-0.5):
    """:class:`SingleExcitation` with the phase ``exp(-i phi/2)`` on ``|00>`` and ``|11>``.

    Example:
        >>> import math
        >>> import quantum_jax as qml
        >>> round(complex(qml.SingleExcitationMinus(math.pi, wires=[0, 1]).matrix()[3, 3]).imag, 6)
        -1.0
    """


class DoubleExcitation(_Givens, plane=_DOUBLE):
    """A rotation by ``phi`` in the plane of ``|0011>`` and ``|1100>``: ``|0011> -> c |0011> + s |1100>``.

    With ``c, s = cos(phi/2), sin(phi/2)`` and ``|1100> -> c |1100> - s |0011>``; the other 14 basis
    states are unchanged (the 16x16 rotation in the plane of basis states 3 and 12). Its generator has
    eigenvalues ``{-1/2, 0, 1/2}``: a four-term shift rule.

    Args:
        *params: the rotation angle ``phi``.
        wires: the four wires.

    Example:
        >>> import quantum_jax as qml
        >>> qml.DoubleExcitation(0.5, wires=[0, 1, 2, 3]).frequencies
        ((0.5, 1.0),)
    """


class DoubleExcitationPlus(_Givens, plane=_DOUBLE, outside=0.5):
    """:class:`DoubleExcitation` with the phase ``exp(i phi/2)`` on the other 14 basis states.

    Example:
        >>> import quantum_jax as qml
        >>> qml.DoubleExcitationPlus(0.5, wires=[0, 1, 2, 3]).frequencies
        ((1.0,),)
    """


class DoubleExcitationMinus(_Givens, plane=_DOUBLE, outside=-0.5):
    """:class:`DoubleExcitation` with the phase ``exp(-i phi/2)`` on the other 14 basis states.

    Example:
        >>> import quantum_jax as qml
        >>> qml.DoubleExcitationMinus(0.5, wires=[0, 1, 2, 3]).matrix().shape
        (16, 16)
    """


class FermionicSWAP(Operation, wires=2, params=1, spectrum=((-1.0, 0.0),), scalable=True):
    """The fermionic swap rotation: ``exp(i phi/2) RX(phi)`` on ``|01>, |10>``, ``exp(i phi)`` on ``|11>``.

    ``|00>`` is unchanged. At ``phi = pi`` it swaps the wires with a sign on ``|11>`` (the swap of two
    fermionic modes under the Jordan-Wigner mapping). The generator has eigenvalues ``{-1, 0}``.

    Args:
        *params: the rotation angle ``phi``.
        wires: the two wires.

    Example:
        >>> import quantum_jax as qml
        >>> qml.FermionicSWAP(0.5, wires=[0, 1]).frequencies
        ((1.0,),)
    """

    def matrix(self) -> jax.Array:
        """``[[1, 0, 0, 0], [0, g c, -i g s, 0], [0, -i g s, g c, 0], [0, 0, 0, g g]]``.

        With ``g = exp(i phi / 2)`` and ``c, s = cos(phi/2), sin(phi/2)``.
        """
        phi = jnp.asarray(self.params[0])
        c, s = _rot_cs(phi)
        g = _phase(0.5 * phi)
        zero = jnp.zeros_like(c)
        one = jnp.ones_like(c)
        return jnp.stack(
            [
                jnp.stack([one, zero, zero, zero]),
                jnp.stack([zero, g * c, -1j * g * s, zero]),
                jnp.stack([zero, -1j * g * s, g * c, zero]),
                jnp.stack([zero, zero, zero, g * g]),
            ]
        )


def _fswap_pi_01_12() -> tuple[np.ndarray, np.ndarray]:
    """``FermionicSWAP(pi)`` on wires 1 and 2 of four, as ``(source index, sign)`` per basis state.

    ``FermionicSWAP(pi)`` is ``SWAP`` with a sign on ``|11>``: a signed permutation, its own inverse.
    """
    index = np.arange(16)
    bits = (index[:, None] >> np.arange(3, -1, -1)) & 1  # wire 0 most significant
    swapped = bits[:, [0, 2, 1, 3]]
    source = (swapped * (1 << np.arange(3, -1, -1))).sum(axis=1)
    sign = np.where(bits[:, 1] & bits[:, 2], -1.0, 1.0)
    return source, sign


_FSWAP_SOURCE, _FSWAP_SIGN = _fswap_pi_01_12()


class OrbitalRotation(Operation, wires=4, params=1, spectrum=((-1.0, -0.5, 0.0, 0.5, 1.0),), scalable=True):
    """The spin-adapted rotation of two spatial orbitals, wires ``[a_up, a_down, b_up, b_down]``.

    The same Givens rotation by ``phi`` between the two orbitals' alpha and beta spin orbitals
    (Jordan-Wigner mapping, interleaved ordering): ``F G(phi)_{01} G(phi)_{23} F`` with
    ``G = SingleExcitation`` and ``F = FermionicSWAP(pi)`` on wires 1, 2 (Anselmetti et al. 2021).
    Its generator, the sum of two commuting excitation generators, has eigenvalues
    ``{-1, -1/2, 0, 1/2, 1}``: an eight-term shift rule.

    Args:
        *params: the rotation angle ``phi``.
        wires: the four wires.

    Example:
        >>> import quantum_jax as qml
        >>> qml.OrbitalRotation(0.5, wires=[0, 1, 2, 3]).frequencies
        ((0.5, 1.0, 1.5, 2.0),)
    """

    def matrix(self) -> jax.Array:
        """``F (G (x) G) F``, with ``F`` applied as a signed permutation of rows and columns."""
        g = _givens(self.params[0], _SINGLE, 0.0)
        pair = jnp.reshape(g[:, None, :, None] * g[None, :, None, :], (16, 16))  # kron(g, g)
        sign = jnp.asarray(np.outer(_FSWAP_SIGN, _FSWAP_SIGN), pair.real.dtype)
        return pair[_FSWAP_SOURCE][:, _FSWAP_SOURCE] * sign


FERMIONIC_GATES: tuple[type[Operation], ...] = (
    SingleExcitation, SingleExcitationPlus, SingleExcitationMinus,
    DoubleExcitation, DoubleExcitationPlus, DoubleExcitationMinus,
    OrbitalRotation, FermionicSWAP,
)  # fmt: skip
"""The fermionic gate classes, for conformance tests and lookups by name."""
