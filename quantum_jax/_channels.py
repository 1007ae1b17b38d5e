"""Noise channels and mixed-state preparation: operations that declare Kraus operators, not a unitary.

A channel maps a density matrix to ``E(rho) = sum_k K_k rho K_k^dagger`` with ``sum_k K_k^dagger K_k = I``
(Nielsen & Chuang, *Quantum Computation and Quantum Information*, section 8.2). Each channel class
declares its Kraus operators as data, in the factored form ``K_k = sqrt(w_k) M_k``
(:meth:`Channel.weighted_kraus`): the weights ``w_k`` are the probabilities the channel's parameters
give each branch, so the superoperator ``S = sum_k w_k M_k (x) conj(M_k)`` that the density-matrix
simulator applies is a smooth function of them (no ``sqrt(p) * sqrt(p)`` whose derivative is undefined at
``p = 0``).

The parameter conventions are PennyLane's: ``DepolarizingChannel(p)`` has ``K_0 = sqrt(1 - p) I`` and
``K_{1,2,3} = sqrt(p / 3) X, Y, Z``; ``ThermalRelaxationError(pe, t1, t2, tg)``; ``ResetError(p0, p1)``;
``PauliError("XY", p, wires)``. A probability outside ``[0, 1]`` is an error, checked while the values
are known (outside ``jit``).

Channel parameters have no parameter-shift rule (a channel is not ``exp(-i x G)``): differentiate them
by backprop or finite differences.
"""

from __future__ import annotations

from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from ._operation import Operation, check_matrix_size, is_concrete

# --- the one-qubit matrices the channels are made of -------------------------------------------
_I = np.eye(2, dtype=complex)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
_PAULI = {"I": _I, "X": _X, "Y": _Y, "Z": _Z}
_P00 = np.array([[1, 0], [0, 0]], dtype=complex)  # |0><0|
_P01 = np.array([[0, 1], [0, 0]], dtype=complex)  # |0><1|
_P10 = np.array([[0, 0], [1, 0]], dtype=complex)  # |1><0|
_P11 = np.array([[0, 0], [0, 1]], dtype=complex)  # |1><1|

# Kraus completeness and density-matrix checks accept this much rounding.
_ATOL = 1e-7


def check_probability(owner: str, name: str, value: Any) -> None:
    """Raise unless the known ``value`` (a number or an array of them) lies in ``[0, 1]``.

    Traced values (inside ``jit``) cannot be checked and pass.

    Args:
        owner: the operation, for the message.
        name: the argument, for the message.
        value: the probability.

    Raises:
        ValueError: naming ``owner`` and ``name`` when a value lies outside ``[0, 1]``.

    Example:
        >>> check_probability("BitFlip", "p", 0.25)
        >>> check_probability("BitFlip", "p", 1.5)
        Traceback (most recent call last):
        ...
        ValueError: BitFlip: 'p' must be a probability in [0, 1], got 1.5.
    """
    if not is_concrete(value):
        return
    arr = np.asarray(value)
    if not np.isrealobj(arr) or not np.all((arr >= 0) & (arr <= 1)):
        shown = arr.item() if arr.ndim == 0 else arr.tolist()
        raise ValueError(f"{owner}: '{name}' must be a probability in [0, 1], got {shown}.")


def _word(word: str) -> np.ndarray:
    out = np.ones((1, 1), dtype=complex)
    for letter in word:
        out = np.kron(out, _PAULI[letter])
    return out


class Channel(Operation):
    """Abstract base of the noise channels: Kraus operators ``K_k = sqrt(w_k) M_k`` declared as data.

    A subclass declares :meth:`weighted_kraus` (or, for a constant set of matrices, the class attribute
    ``units`` and :meth:`weights`); the rest follows from it.
    """

    is_channel = True
    units: ClassVar[np.ndarray | None] = None  # constant ``M_k``: then only ``weights`` depends on params

    def weights(self) -> jax.Array:
        """The branch weights ``w_k`` (non-negative, for the constant ``units``)."""
        raise NotImplementedError(f"{self.name} declares no weights")

    def weighted_kraus(self) -> tuple[jax.Array, jax.Array]:
        """``(w, M)``: weights ``(K,)`` and matrices ``(K, d, d)`` with ``K_k = sqrt(w_k) M_k``."""
        if self.units is None:
            raise NotImplementedError(f"{self.name} declares no Kraus operators")
        return jnp.asarray(self.weights()), jnp.asarray(self.units)

    def kraus_matrices(self) -> list[jax.Array]:
        """The Kraus matrices ``K_k`` (each ``(2^k, 2^k)`` on ``self.wires``), as PennyLane lists them.

        Example:
            >>> import quantum_jax as qml
            >>> k0, k1 = qml.BitFlip(0.36, wires=0).kraus_matrices()
            >>> round(float(k0[0, 0].real), 6), round(float(k1[0, 1].real), 6)
            (0.8, 0.6)
        """
        w, m = self.weighted_kraus()
        root = jnp.sqrt(jnp.asarray(w)).astype(jnp.result_type(m, w, jnp.complex64))
        return list(root[:, None, None] * m)

    def superoperator(self) -> jax.Array:
        """``S = sum_k w_k M_k (x) conj(M_k)``: ``vec(E(rho)) = S vec(rho)``, row-major ``vec``.

        Row ``a * d + b`` of ``S`` is the entry ``(a, b)`` of ``E(rho)``, column ``c * d + e`` the entry
        ``(c, e)`` of ``rho``.
        """
        w, m = self.weighted_kraus()
        dtype = jnp.result_type(m, w, jnp.complex64)
        m = jnp.asarray(m, dtype)
        d = m.shape[-1]
        s = jnp.einsum("k,kac,kbe->abce", jnp.asarray(w, dtype), m, jnp.conj(m))
        return jnp.reshape(s, (d * d, d * d))

    def matrix(self) -> jax.Array:
        """A channel has no unitary matrix: raises, pointing to :meth:`kraus_matrices`."""
        raise ValueError(
            f"{self.name} is a noise channel, not a unitary gate, so it has no matrix; use kraus_matrices(), "
            "and run it on qml.device('default.mixed', ...)."
        )


class AmplitudeDamping(Channel):
    """Energy relaxation ``|1> -> |0>`` with probability ``gamma``.

    ``K_0 = |0><0| + sqrt(1 - gamma) |1><1|``, ``K_1 = sqrt(gamma) |0><1|``.

    Example:
        >>> import quantum_jax as qml
        >>> k0, k1 = qml.AmplitudeDamping(0.36, wires=0).kraus_matrices()
        >>> round(float(k0[1, 1].real), 6), round(float(k1[0, 1].real), 6)
        (0.8, 0.6)
    """

    num_wires = 1
    num_params = 1

    def __init__(self, gamma: Any, wires: Any = None, id: str | None = None) -> None:
        self._init((gamma,), wires, ())

    def _validate(self) -> None:
        check_probability(self.name, "gamma", self.params[0])

    def weighted_kraus(self) -> tuple[jax.Array, jax.Array]:
        """``w = (1, gamma)``, ``M = (diag(1, sqrt(1 - gamma)), |0><1|)``."""
        g = jnp.asarray(self.params[0])
        keep = jnp.asarray(_P00) + jnp.sqrt(1 - g) * jnp.asarray(_P11)
        return jnp.stack([jnp.ones_like(g), g]), jnp.stack([keep, jnp.asarray(_P01) + 0 * keep])


class GeneralizedAmplitudeDamping(Channel):
    """Relaxation at rate ``gamma`` towards a thermal state with excited-state population ``p``.

    PennyLane's convention: ``K_0 = sqrt(1 - p) (|0><0| + sqrt(1 - gamma) |1><1|)``,
    ``K_1 = sqrt((1 - p) gamma) |0><1|``, ``K_2 = sqrt(p) (sqrt(1 - gamma) |0><0| + |1><1|)``,
    ``K_3 = sqrt(p gamma) |1><0|``.

    Example:
        >>> import quantum_jax as qml
        >>> len(qml.GeneralizedAmplitudeDamping(0.1, 0.7, wires=0).kraus_matrices())
        4
    """

    num_wires = 1
    num_params = 2

    def __init__(self, gamma: Any, p: Any, wires: Any = None, id: str | None = None) -> None:
        self._init((gamma, p), wires, ())

    def _validate(self) -> None:
        check_probability(self.name, "gamma", self.params[0])
        check_probability(self.name, "p", self.params[1])

    def weighted_kraus(self) -> tuple[jax.Array, jax.Array]:
        """``w = (1 - p, (1 - p) gamma, p, p gamma)`` with the damping matrices."""
        g, p = jnp.asarray(self.params[0]), jnp.asarray(self.params[1])
        s = jnp.sqrt(1 - g)
        p00, p01, p10, p11 = (jnp.asarray(m) for m in (_P00, _P01, _P10, _P11))
        mats = jnp.stack([p00 + s * p11, p01 + 0 * s, s * p00 + p11, p10 + 0 * s])
        return jnp.stack([1 - p, (1 - p) * g, p, p * g]), mats


class PhaseDamping(Channel):
    """Loss of coherence without loss of energy, with probability ``gamma``.

    ``K_0 = |0><0| + sqrt(1 - gamma) |1><1|``, ``K_1 = sqrt(gamma) |1><1|``.

    Example:
        >>> import quantum_jax as qml
        >>> k0, k1 = qml.PhaseDamping(0.36, wires=0).kraus_matrices()
        >>> round(float(k0[1, 1].real), 6), round(float(k1[1, 1].real), 6)
        (0.8, 0.6)
    """

    num_wires = 1
    num_params = 1

    def __init__(self, gamma: Any, wires: Any = None, id: str | None = None) -> None:
        self._init((gamma,), wires, ())

    def _validate(self) -> None:
        check_probability(self.name, "gamma", self.params[0])

    def weighted_kraus(self) -> tuple[jax.Array, jax.Array]:
        """``w = (1, gamma)``, ``M = (diag(1, sqrt(1 - gamma)), |1><1|)``."""
        g = jnp.asarray(self.params[0])
        keep = jnp.asarray(_P00) + jnp.sqrt(1 - g) * jnp.asarray(_P11)
        return jnp.stack([jnp.ones_like(g), g]), jnp.stack([keep, jnp.asarray(_P11) + 0 * keep])


class DepolarizingChannel(Channel):
    """With probability ``p`` one of ``X``, ``Y``, ``Z`` (each ``p / 3``): ``K_0 = sqrt(1 - p) I``.

    Example:
        >>> import quantum_jax as qml
        >>> ks = qml.DepolarizingChannel(0.3, wires=0).kraus_matrices()
        >>> [round(float(abs(k[0, 0]) ** 2 + abs(k[0, 1]) ** 2), 6) for k in ks]
        [0.7, 0.1, 0.1, 0.1]
    """

    num_wires = 1
    num_params = 1
    units = np.stack([_I, _X, _Y, _Z])

    def __init__(self, p: Any, wires: Any = None, id: str | None = None) -> None:
        self._init((p,), wires, ())

    def _validate(self) -> None:
        check_probability(self.name, "p", self.params[0])

    def weights(self) -> jax.Array:
        """``(1 - p, p/3, p/3, p/3)``."""
        p = jnp.asarray(self.params[0])
        return jnp.stack([1 - p, p / 3, p / 3, p / 3])


class BitFlip(Channel):
    """``X`` with probability ``p``: ``K_0 = sqrt(1 - p) I``, ``K_1 = sqrt(p) X``.

    Example:
        >>> import quantum_jax as qml
        >>> qml.BitFlip(0.1, wires=0).num_params
        1
    """

    num_wires = 1
    num_params = 1
    units = np.stack([_I, _X])

    def __init__(self, p: Any, wires: Any = None, id: str | None = None) -> None:
        self._init((p,), wires, ())

    def _validate(self) -> None:
        check_probability(self.name, "p", self.params[0])

    def weights(self) -> jax.Array:
        """``(1 - p, p)``."""
        p = jnp.asarray(self.params[0])
        return jnp.stack([1 - p, p])


class PhaseFlip(Channel):
    """``Z`` with probability ``p``: ``K_0 = sqrt(1 - p) I``, ``K_1 = sqrt(p) Z``.

    Example:
        >>> import quantum_jax as qml
        >>> qml.PhaseFlip(0.1, wires=0).wires
        (0,)
    """

    num_wires = 1
    num_params = 1
    units = np.stack([_I, _Z])

    def __init__(self, p: Any, wires: Any = None, id: str | None = None) -> None:
        self._init((p,), wires, ())

    def _validate(self) -> None:
        check_probability(self.name, "p", self.params[0])

    def weights(self) -> jax.Array:
        """``(1 - p, p)``."""
        p = jnp.asarray(self.params[0])
        return jnp.stack([1 - p, p])


class ResetError(Channel):
    """Reset to ``|0>`` with probability ``p0`` and to ``|1>`` with probability ``p1``.

    ``K_0 = sqrt(1 - p0 - p1) I``, ``K_1 = sqrt(p0) |0><0|``, ``K_2 = sqrt(p0) |0><1|``,
    ``K_3 = sqrt(p1) |1><0|``, ``K_4 = sqrt(p1) |1><1|``.

    Example:
        >>> import quantum_jax as qml
        >>> len(qml.ResetError(0.1, 0.2, wires=0).kraus_matrices())
        5
    """

    num_wires = 1
    num_params = 2
    units = np.stack([_I, _P00, _P01, _P10, _P11])

    def __init__(self, p0: Any, p1: Any, wires: Any = None, id: str | None = None) -> None:
        self._init((p0, p1), wires, ())

    def _validate(self) -> None:
        check_probability(self.name, "p0", self.params[0])
        check_probability(self.name, "p1", self.params[1])
        if is_concrete(self.params):
            total = np.asarray(self.params[0]) + np.asarray(self.params[1])
            if not np.all(total <= 1):
                raise ValueError(
                    f"ResetError: 'p0' + 'p1' must be at most 1 (they are exclusive outcomes), got "
                    f"{np.max(total)}; lower one of them."
                )

    def weights(self) -> jax.Array:
        """``(1 - p0 - p1, p0, p0, p1, p1)``."""
        p0, p1 = jnp.asarray(self.params[0]), jnp.asarray(self.params[1])
        return jnp.stack([1 - p0 - p1, p0, p0, p1, p1])


class PauliError(Channel):
    """The Pauli word ``operators`` (a letter of ``I``, ``X``, ``Y``, ``Z`` per wire) with probability ``p``.

    ``K_0 = sqrt(1 - p) I``, ``K_1 = sqrt(p) P`` with ``P`` the Kronecker product of the letters.

    Example:
        >>> import quantum_jax as qml
        >>> qml.PauliError("XY", 0.1, wires=[0, 1]).hyper
        ('XY',)
    """

    num_params = 1

    def __init__(self, operators: str, p: Any, wires: Any = None, id: str | None = None) -> None:
        if not isinstance(operators, str) or not operators or set(operators) - set(_PAULI):
            raise ValueError(
                "PauliError: 'operators' must be a non-empty string of the letters I, X, Y, Z (one per "
                f"wire), "
                f"got {operators!r}."
            )
        self._init((p,), wires, (operators,))

    def _validate(self) -> None:
        word = str(self.hyper[0])
        if len(word) != len(self.wires):
            raise ValueError(
                f"PauliError: 'operators' {word!r} has {len(word)} letter(s) but wires={self.wires} has "
                f"{len(self.wires)}; give one letter per wire."
            )
        check_probability(self.name, "p", self.params[0])

    def weighted_kraus(self) -> tuple[jax.Array, jax.Array]:
        """``w = (1 - p, p)``, ``M = (I, P)``."""
        word = str(self.hyper[0])
        p = jnp.asarray(self.params[0])
        mats = np.stack([np.eye(2 ** len(word), dtype=complex), _word(word)])
        return jnp.stack([1 - p, p]), jnp.asarray(mats)


class ThermalRelaxationError(Channel):
    """Relaxation (``t1``) and dephasing (``t2``) towards excited population ``pe`` over a gate time ``tg``.

    With ``r = 1 - exp(-tg / t1)`` the map is ``rho_00 -> (1 - pe r) rho_00 + (1 - pe) r rho_11``,
    ``rho_11 -> pe r rho_00 + (1 - (1 - pe) r) rho_11`` and ``rho_01 -> exp(-tg / t2) rho_01``
    (the thermal relaxation channel of e.g. Georgopoulos, Emary & Zuliani, Phys. Rev. A 104, 062432
    (2021)). It is completely positive when ``t2 <= 2 t1``. Its Kraus operators here are two jumps,
    ``sqrt(pe r) |1><0|`` and ``sqrt((1 - pe) r) |0><1|``, and two diagonal ones from the eigenvectors of
    the 2x2 block ``[[1 - pe r, e2], [e2, 1 - (1 - pe) r]]`` (``e2 = exp(-tg / t2)``) of its Choi matrix:
    four in both regimes (PennyLane lists six, some zero; the channel is the same).

    Example:
        >>> import quantum_jax as qml
        >>> ch = qml.ThermalRelaxationError(0.1, 1.2, 1.3, 0.1, wires=0)
        >>> round(float(sum(abs(k) ** 2 for k in ch.kraus_matrices()).sum()), 5)  # Tr sum K^dag K
        2.0
    """

    num_wires = 1
    num_params = 4

    def __init__(self, pe: Any, t1: Any, t2: Any, tg: Any, wires: Any = None, id: str | None = None) -> None:
        self._init((pe, t1, t2, tg), wires, ())

    def _validate(self) -> None:
        check_probability(self.name, "pe", self.params[0])
        if not is_concrete(self.params):
            return
        t1, t2, tg = (np.asarray(x) for x in self.params[1:])
        problems = [
            (np.any(t1 <= 0), f"'t1' must be positive, got {t1.tolist()}"),
            (np.any(t2 <= 0), f"'t2' must be positive, got {t2.tolist()}"),
            (np.any(tg < 0), f"'tg' (the gate time) must not be negative, got {tg.tolist()}"),
            (np.any(t2 > 2 * t1), f"'t2' must be at most 2 * t1 = {(2 * t1).tolist()}, got {t2.tolist()}"),
        ]
        for bad, message in problems:
            if bad:
                raise ValueError(f"ThermalRelaxationError: {message} (T2 <= 2 T1 for a physical qubit).")

    def _rates(self) -> tuple[jax.Array, jax.Array, jax.Array]:
        pe, t1, t2, tg = (jnp.asarray(x) for x in self.params)
        reset = 1 - jnp.exp(-tg / t1)
        return pe * reset, (1 - pe) * reset, jnp.exp(-tg / t2)

    def superoperator(self) -> jax.Array:
        """The map written out (see the class docstring): smooth in every parameter."""
        up, down, e2 = self._rates()
        z = jnp.zeros_like(e2)
        rows = [
            [1 - up, z, z, down],
            [z, e2, z, z],
            [z, z, e2, z],
            [up, z, z, 1 - down],
        ]
        return jnp.stack([jnp.stack(r) for r in rows])  # real, in the parameters' precision

    def weighted_kraus(self) -> tuple[jax.Array, jax.Array]:
        """The two jumps and the two diagonal operators of the Choi block's eigenvectors."""
        up, down, e2 = self._rates()
        a, b = 1 - up, 1 - down
        half = jnp.sqrt(((a - b) / 2) ** 2 + e2**2)
        theta = 0.5 * jnp.arctan2(2 * e2, a - b)
        c, s = jnp.cos(theta), jnp.sin(theta)
        p00, p01, p10, p11 = (jnp.asarray(m) for m in (_P00, _P01, _P10, _P11))
        mats = jnp.stack([p10 + 0 * c, p01 + 0 * c, c * p00 + s * p11, -s * p00 + c * p11])
        lam = jnp.stack([(a + b) / 2 + half, jnp.maximum((a + b) / 2 - half, 0.0)])
        return jnp.concatenate([jnp.stack([up, down]), lam]), mats


class QubitChannel(Channel):
    """A channel given by its Kraus matrices ``K_list``, checked for completeness ``sum K^dag K = I``.

    Example:
        >>> import quantum_jax as qml
        >>> import numpy as onp
        >>> ks = [onp.sqrt(0.9) * onp.eye(2), onp.sqrt(0.1) * onp.array([[0, 1], [1, 0]])]
        >>> qml.QubitChannel(ks, wires=0).num_params
        1
    """

    num_params = 1
    ndim_params = (3,)

    def __init__(self, K_list: Any, wires: Any = None, id: str | None = None) -> None:  # noqa: N803
        try:
            stacked = jnp.stack([jnp.asarray(k) for k in K_list]) if is_concrete(K_list) else K_list
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"QubitChannel: 'K_list' must be a list of square matrices of one shape ({err})."
            ) from None
        stacked = jnp.asarray(stacked)
        self._init((np.asarray(stacked) if is_concrete(stacked) else stacked,), wires, ())

    def _validate(self) -> None:
        ks = self.params[0]
        shape = jnp.shape(ks)
        if len(shape) != 3 or shape[1] != shape[2]:
            raise ValueError(
                "QubitChannel: 'K_list' must hold square matrices of one shape, got an array of shape "
                f"{shape}."
            )
        check_matrix_size("QubitChannel", "K_list", shape[1], self.wires)
        if is_concrete(ks):
            arr = np.asarray(ks, dtype=complex)
            total = np.einsum("kba,kbc->ac", arr.conj(), arr)
            err = float(np.max(np.abs(total - np.eye(shape[1]))))
            if err > _ATOL:
                raise ValueError(
                    f"QubitChannel: the Kraus matrices are not complete: sum K^dagger K differs from the "
                    f"identity by {err:.3g}; a channel must preserve the trace (rescale the matrices)."
                )

    def weighted_kraus(self) -> tuple[jax.Array, jax.Array]:
        """Unit weights and the given matrices."""
        ks = jnp.asarray(self.params[0])
        return jnp.ones(ks.shape[0], jnp.finfo(jnp.result_type(ks, float)).dtype), ks


class QubitDensityMatrix(Operation):
    """Prepares the density matrix ``state`` (Hermitian, trace 1, positive semidefinite) at the start.

    Only the density-matrix device (``qml.device("default.mixed", ...)``) can start from a mixed state.

    Example:
        >>> import quantum_jax as qml
        >>> import numpy as onp
        >>> qml.QubitDensityMatrix(onp.eye(2) / 2, wires=0).wires
        (0,)
    """

    num_params = 1
    frequencies = (None,)
    ndim_params = (2,)
    is_state_preparation = True

    def __init__(self, state: Any, wires: Any = None, id: str | None = None) -> None:
        self._init((state if not is_concrete(state) else np.asarray(state),), wires, ())

    def _validate(self) -> None:
        rho = self.params[0]
        shape = jnp.shape(rho)
        if len(shape) not in (2, 3) or shape[-1] != shape[-2]:
            raise ValueError(f"QubitDensityMatrix: 'state' must be a square matrix, got shape {shape}.")
        check_matrix_size("QubitDensityMatrix", "state", shape[-1], self.wires)
        if is_concrete(rho):
            _check_density(np.asarray(rho, dtype=complex))

    def density_matrix(self) -> jax.Array:
        """The prepared density matrix."""
        return jnp.asarray(self.params[0])

    def state_vector(self) -> jax.Array:
        """A mixed state has no state vector: raises, pointing to ``default.mixed``."""
        raise ValueError(
            "QubitDensityMatrix prepares a mixed state, which a statevector device cannot hold; run the "
            "circuit on qml.device('default.mixed', wires=...)."
        )


def _check_density(rho: np.ndarray) -> None:
    herm = float(np.max(np.abs(rho - np.conj(np.swapaxes(rho, -1, -2)))))
    trace = np.trace(rho, axis1=-2, axis2=-1)
    if herm > _ATOL:
        raise ValueError(
            f"QubitDensityMatrix: 'state' must be Hermitian; it differs from its adjoint by {herm:.3g}."
        )
    if not np.allclose(trace, 1, atol=1e-6):
        raise ValueError(
            f"QubitDensityMatrix: 'state' must have trace 1, got {np.ravel(trace)[0]:.6g}; normalize it."
        )
    low = float(np.min(np.linalg.eigvalsh(rho)))
    if low < -1e-6:
        raise ValueError(
            f"QubitDensityMatrix: 'state' must be positive semidefinite, but has eigenvalue {low:.3g}."
        )


def prepared_density(op: Operation) -> jax.Array:
    """The density matrix a state preparation prepares: its own, or ``|psi><psi|`` of its state vector.

    Example:
        >>> import quantum_jax as qml
        >>> prepared_density(qml.BasisState([1], wires=0)).real.tolist()
        [[0.0, 0.0], [0.0, 1.0]]
    """
    own = getattr(op, "density_matrix", None)
    if callable(own):
        return jnp.asarray(own())
    psi = jnp.asarray(op.state_vector())
    return psi[:, None] * jnp.conj(psi)[None, :]


__all__ = [
    "AmplitudeDamping",
    "BitFlip",
    "Channel",
    "DepolarizingChannel",
    "GeneralizedAmplitudeDamping",
    "PauliError",
    "PhaseDamping",
    "PhaseFlip",
    "QubitChannel",
    "QubitDensityMatrix",
    "ResetError",
    "ThermalRelaxationError",
]
