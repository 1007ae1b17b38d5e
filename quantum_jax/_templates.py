"""Templates: embeddings, layered ansatzes and subroutines that record gates of the library.

Each template is a class with PennyLane's name, call signature, defaults and wire conventions.
Constructing one inside a quantum function records its decomposition gate by gate, in PennyLane's
order, so a circuit built from templates is the same unitary as PennyLane's. The instance keeps the
gates it recorded (:attr:`Template.operations`); outside a quantum function nothing is recorded, but the
instance still holds its decomposition. Numeric arguments (weights, features, times, Hamiltonian
coefficients) become gate parameters unchanged: arrays and tracers, so ``jax.grad``, ``jax.jit`` and
``jax.vmap`` go through a template. Most weight arguments also accept one leading batch axis
(parameter broadcasting, as in PennyLane).

References for the circuits:

* ``StronglyEntanglingLayers``: Schuld, Bocharov, Svore, Wiebe, arXiv:1804.00633.
* ``IQPEmbedding``: Havlicek et al., Nature 567, 209 (2019), arXiv:1804.11326.
* ``QAOAEmbedding``: Lloyd, Schuld, Ijaz, Izaac, Killoran, arXiv:2001.03622.
* ``SimplifiedTwoDesign``: Cerezo, Sone, Volkoff, Cincio, Coles, arXiv:2001.00550.
* ``ApproxTimeEvolution``, ``TrotterProduct``: Suzuki, J. Math. Phys. 32, 400 (1991).
* ``QFT``: Nielsen & Chuang, *Quantum Computation and Quantum Information*, section 5.1.
* ``GroverOperator``: Grover, Phys. Rev. Lett. 79, 325 (1997).
* ``UCCSD`` and the fermionic excitations: Romero et al., arXiv:1701.02691; the Jordan-Wigner circuits of
  Barkoutsos et al., arXiv:1805.04340, and Seeley, Richard, Love, arXiv:1208.5986.
* ``AllSinglesDoubles``: Givens-rotation excitations, Arrazola et al., arXiv:2106.13839.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _recording
from ._fermionic import DoubleExcitation, SingleExcitation
from ._gates import (
    CNOT,
    CZ,
    RX,
    RY,
    RZ,
    SWAP,
    ControlledPhaseShift,
    Hadamard,
    MultiRZ,
    PauliRot,
    PauliX,
    PhaseShift,
    Rot,
    StatePrep,
)
from ._observables import Observable
from ._operation import Operation, is_concrete, register_pytree
from ._wires import Wires, as_wires

__all__ = [
    "QFT",
    "UCCSD",
    "AllSinglesDoubles",
    "AmplitudeEmbedding",
    "AngleEmbedding",
    "ApproxTimeEvolution",
    "BasicEntanglerLayers",
    "BasisEmbedding",
    "FermionicDoubleExcitation",
    "FermionicSingleExcitation",
    "GroverOperator",
    "IQPEmbedding",
    "Permute",
    "QAOAEmbedding",
    "RandomLayers",
    "SimplifiedTwoDesign",
    "StronglyEntanglingLayers",
    "TrotterProduct",
    "layer",
]

_ROTATIONS: dict[str, type[Operation]] = {"X": RX, "Y": RY, "Z": RZ}
_NORM_TOLERANCE = 1e-10  # PennyLane's tolerance on the norm of an amplitude vector


# --- the template base -----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, eq=False, init=False, repr=False)
class Template:
    """A recorded decomposition: the base of every template.

    A template is a pytree: its gates (and so their numeric parameters) are the leaves, the wires and
    the hyperparameters static structure.

    Attributes:
        operations: the gates the template recorded, in order.
        wires: the wires it acts on.
        hyper: its static hyperparameters as ``(name, value)`` pairs.

    Example:
        >>> import quantum_jax as qml
        >>> t = qml.AngleEmbedding([0.1, 0.2], wires=[0, 1])
        >>> [op.name for op in t.operations], t.wires
        (['RX', 'RX'], (0, 1))
    """

    operations: tuple[Operation, ...]
    wires: Wires
    hyper: tuple[tuple[str, Any], ...]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Register every template class as a pytree (its gates the children)."""
        super().__init_subclass__(**kwargs)
        register_pytree(cls, "operations")

    def _record(self, wires: Wires, build: Callable[[], Any], **hyper: Any) -> None:
        """Run ``build`` (which constructs gates), keep its gates and record them where we are."""
        with _recording.recording() as items:
            build()
        ops = tuple(item for item in items if isinstance(item, Operation))
        for op in ops:
            _recording.record(op)
        object.__setattr__(self, "operations", ops)
        object.__setattr__(self, "wires", wires)
        object.__setattr__(self, "hyper", tuple(hyper.items()))

    @property
    def name(self) -> str:
        """The template's class name."""
        return type(self).__name__

    @property
    def hyperparameters(self) -> dict[str, Any]:
        """The static hyperparameters as a dict."""
        return dict(self.hyper)

    def decomposition(self) -> list[Operation]:
        """The gates the template recorded, in order."""
        return list(self.operations)

    def __repr__(self) -> str:
        return f"{self.name}(wires={list(self.wires)}, {len(self.operations)} operations)"


# --- argument checks -------------------------------------------------------------------------
def _as_array(x: Any) -> Any:
    """Lists and tuples as arrays; arrays and tracers unchanged (they stay differentiable)."""
    return jnp.asarray(x) if isinstance(x, (list, tuple)) else x


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in jnp.shape(x))


def _check_shape(owner: str, arg: str, value: Any, pattern: tuple[int | str, ...], hint: str = "") -> Any:
    """``value`` as an array whose trailing axes match ``pattern`` (a name for a free axis).

    One extra leading (batch) axis is allowed. Raises a ``ValueError`` naming the expected shape.
    """
    value = _as_array(value)
    shape = _shape(value)
    k = len(pattern)
    core = shape[len(shape) - k :]
    fits = len(shape) in (k, k + 1) and all(
        isinstance(p, str) or p == d for p, d in zip(pattern, core, strict=False)
    )
    if not fits:
        expected = "(" + ", ".join(str(p) for p in pattern) + ("," if k == 1 else "") + ")"
        raise ValueError(
            f"{owner}: '{arg}' must have shape {expected}, optionally with a leading batch axis; "
            f"got shape {shape}.{hint}"
        )
    return value


def _layer_weights(owner: str, weights: Any, wires: Any, *trailing: int) -> tuple[Wires, Any]:
    """A layered template's wires and ``weights``, checked to the shape ``(n_layers, M, *trailing)``."""
    wires = as_wires(wires, owner)
    hint = f" See {owner}.shape(n_layers, n_wires)."
    return wires, _check_shape(owner, "weights", weights, ("n_layers", len(wires), *trailing), hint)


def _features_per_wire(owner: str, features: Any, wires: Wires) -> tuple[Any, int]:
    """``features`` checked to shape ``(N,)`` (or a batch of them), at most one per wire, and ``N``."""
    features = _check_shape(owner, "features", features, ("N",))
    n = _shape(features)[-1]
    if n > len(wires):
        raise ValueError(
            f"{owner}: 'features' has {n} entries but wires={wires} has only {len(wires)}; "
            "give at most one feature per wire."
        )
    return features, n


def _check_wire_count(owner: str, wires: Wires, least: int) -> None:
    if len(wires) < least:
        raise ValueError(f"{owner}: needs at least {least} wires; got wires={wires}.")


def _check_positive_int(owner: str, arg: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: '{arg}' must be a positive integer; got {value!r}.")
    return int(value)


def _check_gate_class(owner: str, arg: str, value: Any, allowed: Sequence[type[Operation]]) -> None:
    if not (isinstance(value, type) and issubclass(value, tuple(allowed))):
        names = ", ".join(f"qml.{c.__name__}" for c in allowed)
        raise ValueError(f"{owner}: '{arg}' must be one of {names}; got {value!r}.")


def _bits(owner: str, arg: str, value: Any, n: int) -> tuple[int, ...]:
    """A concrete occupation vector of ``n`` zeros and ones."""
    arr = np.asarray(value)
    if arr.shape != (n,) or not np.issubdtype(arr.dtype, np.integer) or not np.isin(arr, [0, 1]).all():
        raise ValueError(
            f"{owner}: '{arg}' must be {n} integers 0 or 1 (one per wire); got {arr.tolist()!r}."
        )
    return tuple(int(b) for b in arr)


# --- embeddings ------------------------------------------------------------------------------
class AngleEmbedding(Template):
    """Encodes ``N <= len(wires)`` features as the angles of single-qubit rotations.

    Feature ``i`` rotates ``wires[i]`` by ``RX`` (``rotation="X"``), ``RY`` or ``RZ``; wires beyond the
    features are left alone.

    Args:
        features: ``(N,)`` angles (or ``(batch, N)``).
        wires: the wires, at least ``N`` of them.
        rotation: ``"X"``, ``"Y"`` or ``"Z"``.
        id: ignored (PennyLane's operator label).

    Example:
        >>> import quantum_jax as qml
        >>> t = qml.AngleEmbedding([0.5, 1.0], wires=[0, 1, 2], rotation="Y")
        >>> [(op.name, op.wires) for op in t.operations]
        [('RY', (0,)), ('RY', (1,))]
    """

    def __init__(self, features: Any, wires: Any, rotation: str = "X", id: str | None = None) -> None:
        if rotation not in _ROTATIONS:
            raise ValueError(f"AngleEmbedding: 'rotation' must be 'X', 'Y' or 'Z'; got {rotation!r}.")
        wires = as_wires(wires, "AngleEmbedding")
        features, n = _features_per_wire("AngleEmbedding", features, wires)
        gate = _ROTATIONS[rotation]

        def build() -> None:
            for i in range(n):
                gate(features[..., i], wires=wires[i])

        self._record(wires[:n], build, rotation=rotation)


class AmplitudeEmbedding(Template):
    """Encodes ``2**len(wires)`` features as the amplitudes of the state (a ``StatePrep``).

    The features are padded with ``pad_with`` up to ``2**len(wires)`` entries when it is given, and then
    always normalized (as PennyLane does); otherwise they must have norm 1 unless ``normalize=True``.
    Like ``StatePrep`` it prepares the state at the circuit's start, so it must come first. A batch of
    feature vectors (a leading batch axis) is embedded by parameter broadcasting.

    Args:
        features: the amplitudes, real or complex.
        wires: the wires.
        pad_with: the value to pad with, or ``None`` for no padding.
        normalize: whether to divide the features by their norm.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> t = qml.AmplitudeEmbedding([3.0, 4.0], wires=[0], normalize=True)
        >>> [round(float(abs(a)), 3) for a in t.operations[0].state_vector()]
        [0.6, 0.8]
    """

    def __init__(
        self,
        features: Any,
        wires: Any,
        pad_with: Any = None,
        normalize: bool = False,
        id: str | None = None,
    ) -> None:
        wires = as_wires(wires, "AmplitudeEmbedding")
        features = _check_shape("AmplitudeEmbedding", "features", features, ("2**len(wires)",))
        state = _padded(jnp.asarray(features), 2 ** len(wires), pad_with, len(wires))
        state = _normalized(state, normalize or pad_with is not None)
        state = state.astype(jnp.result_type(state.dtype, jnp.complex64))
        self._record(wires, lambda: StatePrep(state, wires=wires), pad_with=pad_with, normalize=normalize)


def _padded(features: jax.Array, dim: int, pad_with: Any, n_wires: int) -> jax.Array:
    n = features.shape[-1]
    if pad_with is None and n != dim:
        raise ValueError(
            f"AmplitudeEmbedding: 'features' has length {n} but {n_wires} wires need {dim} amplitudes; "
            "pass pad_with=0.0 to pad a shorter vector."
        )
    if n > dim:
        raise ValueError(
            f"AmplitudeEmbedding: 'features' has length {n}, more than the {dim} amplitudes of "
            f"{n_wires} wires; use more wires."
        )
    if n == dim:
        return features
    shape = (*features.shape[:-1], dim - n)
    padding = jnp.full(shape, pad_with, dtype=jnp.result_type(features.dtype, type(pad_with)))
    return jnp.concatenate([features, padding], axis=-1)


def _normalized(state: jax.Array, normalize: bool) -> jax.Array:
    if jnp.issubdtype(state.dtype, jnp.integer):
        state = state.astype(float)
    norm = jnp.linalg.norm(state, axis=-1, keepdims=True)  # per feature vector of a batch
    if normalize:
        return state / norm
    if is_concrete(norm) and not np.allclose(np.asarray(norm), 1.0, rtol=0.0, atol=_NORM_TOLERANCE):
        worst = float(np.asarray(norm).flat[int(np.argmax(np.abs(np.asarray(norm) - 1.0)))])
        raise ValueError(
            f"AmplitudeEmbedding: 'features' has norm {worst:.6g}, not 1; "
            "pass normalize=True to normalize it."
        )
    return state


class BasisEmbedding(Template):
    """Encodes a bit string (or an integer, wire 0 its most significant bit) as a basis state.

    Concrete bits record a ``PauliX`` on every wire whose bit is 1 (PennyLane's decomposition), so it
    may stand anywhere in a circuit; traced bits ``b`` record ``PhaseShift(b pi/2) RX(b pi)
    PhaseShift(b pi/2)``, which is ``X**b`` exactly.

    Args:
        features: ``len(wires)`` bits, or an integer below ``2**len(wires)``.
        wires: the wires.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> [op.wires for op in qml.BasisEmbedding(5, wires=[0, 1, 2]).operations]
        [(0,), (2,)]
    """

    def __init__(self, features: Any, wires: Any, id: str | None = None) -> None:
        wires = as_wires(wires, "BasisEmbedding")
        bits = _basis_bits(_as_array(features), len(wires))
        if is_concrete(bits):
            values = np.asarray(bits)
            if not np.isin(values, [0, 1]).all():
                raise ValueError(f"BasisEmbedding: 'features' must hold only 0 and 1; got {values.tolist()}.")

            def build() -> None:
                for w, b in zip(wires, values.tolist(), strict=True):
                    if b == 1:
                        PauliX(wires=w)

        else:

            def build() -> None:
                for i, w in enumerate(wires):
                    PhaseShift(bits[i] * (np.pi / 2), wires=w)
                    RX(bits[i] * np.pi, wires=w)
                    PhaseShift(bits[i] * (np.pi / 2), wires=w)

        self._record(wires, build)


def _basis_bits(features: Any, n: int) -> Any:
    """The bits of ``features`` (an integer is split most significant bit first)."""
    shape = _shape(features)
    if shape == ():
        if is_concrete(features) and not 0 <= int(features) < 2**n:
            raise ValueError(
                f"BasisEmbedding: integer 'features' must be in [0, {2**n}) for {n} wires; got {features}."
            )
        powers = 2 ** np.arange(n - 1, -1, -1)
        return (jnp.asarray(features) // powers) % 2
    if shape != (n,):
        raise ValueError(
            f"BasisEmbedding: 'features' has shape {shape} but there are {n} wires; give one bit per wire."
        )
    return features


class IQPEmbedding(Template):
    """Encodes ``len(wires)`` features in an IQP circuit (Havlicek et al., arXiv:1804.11326).

    Each repetition applies ``H`` and ``RZ(x_i)`` on every wire, then ``MultiRZ(x_i x_j)`` on every
    pair of ``pattern`` (default: all pairs of wires in order).

    Args:
        features: ``(len(wires),)`` features (or ``(batch, len(wires))``).
        wires: the wires.
        n_repeats: how often the block is repeated.
        pattern: the wire pairs of the entangling ``MultiRZ`` gates.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> t = qml.IQPEmbedding([0.1, 0.2], wires=[0, 1])
        >>> [op.name for op in t.operations]
        ['Hadamard', 'RZ', 'Hadamard', 'RZ', 'MultiRZ']
    """

    def __init__(
        self,
        features: Any,
        wires: Any,
        n_repeats: int = 1,
        pattern: Sequence[Sequence[Any]] | None = None,
        id: str | None = None,
    ) -> None:
        wires = as_wires(wires, "IQPEmbedding")
        features = _check_shape("IQPEmbedding", "features", features, (len(wires),))
        n_repeats = _check_positive_int("IQPEmbedding", "n_repeats", n_repeats)
        pairs = list(itertools.combinations(wires, 2)) if pattern is None else [tuple(p) for p in pattern]
        for pair in pairs:
            if len(pair) != 2 or len(set(pair)) != 2 or not set(pair) <= set(wires):
                raise ValueError(
                    f"IQPEmbedding: every entry of 'pattern' must be two distinct wires of {wires}; "
                    f"got {pair}."
                )

        def build() -> None:
            for _ in range(n_repeats):
                for i, w in enumerate(wires):
                    Hadamard(wires=w)
                    RZ(features[..., i], wires=w)
                for a, b in pairs:
                    i, j = wires.index(a), wires.index(b)
                    MultiRZ(features[..., i] * features[..., j], wires=[a, b])

        self._record(wires, build, n_repeats=n_repeats, pattern=tuple(pairs))


class QAOAEmbedding(Template):
    """Encodes features in a QAOA-like layered circuit (Lloyd et al., arXiv:2001.03622).

    Every layer applies the feature encoding (``RX(x_i)`` on ``wires[i]``, ``H`` on wires without a
    feature), then the weight layer: ``MultiRZ`` couplings between neighbouring wires (a ring for more
    than two wires) and ``local_field`` rotations. The feature encoding is applied once more at the end.

    Args:
        features: at most ``len(wires)`` features.
        weights: shape ``QAOAEmbedding.shape(n_layers, len(wires))``.
        wires: the wires.
        local_field: ``"X"``, ``"Y"`` or ``"Z"`` (or ``qml.RX``, ``qml.RY``, ``qml.RZ``).
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> qml.QAOAEmbedding.shape(n_layers=2, n_wires=3)
        (2, 6)
    """

    def __init__(
        self, features: Any, weights: Any, wires: Any, local_field: Any = "Y", id: str | None = None
    ) -> None:
        wires = as_wires(wires, "QAOAEmbedding")
        field: Any = _ROTATIONS.get(local_field, local_field) if isinstance(local_field, str) else local_field
        _check_gate_class("QAOAEmbedding", "local_field", field, (RX, RY, RZ))
        features, n = _features_per_wire("QAOAEmbedding", features, wires)
        width = QAOAEmbedding.shape(1, len(wires))[1]
        hint = " See QAOAEmbedding.shape(n_layers, n_wires)."
        weights = _check_shape("QAOAEmbedding", "weights", weights, ("n_layers", width), hint)

        def build() -> None:
            for layer in range(_shape(weights)[-2]):
                _qaoa_features(features, n, wires)
                _qaoa_weights(weights[..., layer, :], wires, field)
            _qaoa_features(features, n, wires)

        self._record(wires, build, local_field=field)

    @staticmethod
    def shape(n_layers: int, n_wires: int) -> tuple[int, int]:
        """The shape of ``weights``: ``(n_layers, 1)``, ``(n_layers, 3)`` or ``(n_layers, 2 n_wires)``."""
        return (n_layers, {1: 1, 2: 3}.get(n_wires, 2 * n_wires))


def _qaoa_features(features: Any, n: int, wires: Wires) -> None:
    for i in range(n):
        RX(features[..., i], wires=wires[i])
    for w in wires[n:]:
        Hadamard(wires=w)


def _qaoa_weights(weights: Any, wires: Wires, field: type[Operation]) -> None:
    m = len(wires)
    if m == 1:
        field(weights[..., 0], wires=wires[0])
    elif m == 2:
        MultiRZ(weights[..., 0], wires=list(wires))
        field(weights[..., 1], wires=wires[0])
        field(weights[..., 2], wires=wires[1])
    else:
        for i in range(m):
            MultiRZ(weights[..., i], wires=[wires[i], wires[(i + 1) % m]])
        for i in range(m):
            field(weights[..., m + i], wires=wires[i])


# --- layered ansatzes ------------------------------------------------------------------------
class StronglyEntanglingLayers(Template):
    """Layers of ``Rot`` gates and a ring of two-qubit gates (Schuld et al., arXiv:1804.00633).

    Layer ``l`` applies ``Rot(*weights[l, i])`` on ``wires[i]``, then (for more than one wire)
    ``imprimitive`` on ``(wires[i], wires[(i + r_l) % M])`` for ``i = 0 .. M-1``, with the range
    ``r_l = ranges[l]`` (default ``l % (M - 1) + 1``).

    Args:
        weights: shape ``(L, M, 3)`` (see :meth:`shape`).
        wires: the ``M`` wires.
        ranges: one range per layer, each not a multiple of ``M``.
        imprimitive: the two-qubit gate class (default ``qml.CNOT``).
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> qml.StronglyEntanglingLayers.shape(n_layers=2, n_wires=3)
        (2, 3, 3)
    """

    def __init__(
        self,
        weights: Any,
        wires: Any,
        ranges: Sequence[int] | None = None,
        imprimitive: type[Operation] | None = None,
        id: str | None = None,
    ) -> None:
        wires, weights = _layer_weights("StronglyEntanglingLayers", weights, wires, 3)
        m = len(wires)
        n_layers = _shape(weights)[-3]
        ranges = _layer_ranges(ranges, n_layers, m)
        gate = CNOT if imprimitive is None else imprimitive

        def build() -> None:
            for layer in range(n_layers):
                for i in range(m):
                    w = weights[..., layer, i, :]
                    Rot(w[..., 0], w[..., 1], w[..., 2], wires=wires[i])
                if m > 1:
                    for i in range(m):
                        gate(wires=[wires[i], wires[(i + ranges[layer]) % m]])

        self._record(wires, build, ranges=ranges, imprimitive=gate)

    @staticmethod
    def shape(n_layers: int, n_wires: int) -> tuple[int, int, int]:
        """The shape of ``weights``: ``(n_layers, n_wires, 3)``."""
        return (n_layers, n_wires, 3)


def _layer_ranges(ranges: Sequence[int] | None, n_layers: int, m: int) -> tuple[int, ...]:
    if ranges is None:
        return tuple(layer % (m - 1) + 1 for layer in range(n_layers)) if m > 1 else (0,) * n_layers
    ranges = tuple(int(r) for r in ranges)
    if len(ranges) != n_layers:
        raise ValueError(
            f"StronglyEntanglingLayers: 'ranges' has {len(ranges)} entries but 'weights' has "
            f"{n_layers} layers; give one range per layer."
        )
    bad = [r for r in ranges if r % m == 0] if m > 1 else []
    if bad:
        raise ValueError(
            f"StronglyEntanglingLayers: 'ranges' {bad} are multiples of the number of wires ({m}); "
            "a range r must satisfy r % n_wires != 0."
        )
    return ranges


class BasicEntanglerLayers(Template):
    """Layers of one-parameter rotations and a ring of ``CNOT`` gates.

    Layer ``l`` applies ``rotation(weights[l, i])`` on ``wires[i]``, then ``CNOT`` on
    ``(wires[i], wires[(i + 1) % M])`` for every ``i``; two wires get a single ``CNOT``, one wire none.

    Args:
        weights: shape ``(L, M)`` (see :meth:`shape`).
        wires: the ``M`` wires.
        rotation: the rotation class (default ``qml.RX``).
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> t = qml.BasicEntanglerLayers([[0.1, 0.2]], wires=[0, 1])
        >>> [op.name for op in t.operations]
        ['RX', 'RX', 'CNOT']
    """

    def __init__(
        self,
        weights: Any,
        wires: Any = None,
        rotation: type[Operation] | None = None,
        id: str | None = None,
    ) -> None:
        wires, weights = _layer_weights("BasicEntanglerLayers", weights, wires)
        m = len(wires)
        gate = RX if rotation is None else rotation

        def build() -> None:
            for layer in range(_shape(weights)[-2]):
                for i in range(m):
                    gate(weights[..., layer, i], wires=wires[i])
                if m == 2:
                    CNOT(wires=list(wires))
                elif m > 2:
                    for i in range(m):
                        CNOT(wires=[wires[i], wires[(i + 1) % m]])

        self._record(wires, build, rotation=gate)

    @staticmethod
    def shape(n_layers: int, n_wires: int) -> tuple[int, int]:
        """The shape of ``weights``: ``(n_layers, n_wires)``."""
        return (n_layers, n_wires)


class SimplifiedTwoDesign(Template):
    """An ``RY`` layer, then layers of ``CZ``-entangled ``RY`` pairs (Cerezo et al., arXiv:2001.00550).

    Each layer couples the even pairs ``(wires[0], wires[1]), (wires[2], wires[3]), ...`` and then the
    odd pairs ``(wires[1], wires[2]), ...``: ``CZ`` on the pair, then ``RY`` on each of its wires.

    Args:
        initial_layer_weights: ``(M,)`` angles of the initial ``RY`` layer.
        weights: shape ``(L, M - 1, 2)``: per layer, per pair (even pairs first), the two ``RY`` angles.
        wires: the ``M`` wires.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> qml.SimplifiedTwoDesign.shape(n_layers=2, n_wires=3)
        [(3,), (2, 2, 2)]
    """

    def __init__(self, initial_layer_weights: Any, weights: Any, wires: Any, id: str | None = None) -> None:
        owner = "SimplifiedTwoDesign"
        wires = as_wires(wires, owner)
        m = len(wires)
        hint = f" See {owner}.shape(n_layers, n_wires)."
        init = _check_shape(owner, "initial_layer_weights", initial_layer_weights, (m,), hint)
        pattern: tuple[int | str, ...] = ("n_layers", m - 1, 2) if m > 1 else ("n_layers",)
        weights = _check_shape(owner, "weights", weights, pattern, hint)
        pairs = [wires[i : i + 2] for i in range(0, m - 1, 2)] + [
            wires[i : i + 2] for i in range(1, m - 1, 2)
        ]

        def build() -> None:
            for i, w in enumerate(wires):
                RY(init[..., i], wires=w)
            for layer in range(_shape(weights)[-len(pattern)]):
                for k, pair in enumerate(pairs):
                    CZ(wires=list(pair))
                    RY(weights[..., layer, k, 0], wires=pair[0])
                    RY(weights[..., layer, k, 1], wires=pair[1])

        self._record(wires, build)

    @staticmethod
    def shape(n_layers: int, n_wires: int) -> list[tuple[int, ...]]:
        """The shapes of ``initial_layer_weights`` and ``weights``."""
        if n_wires == 1:
            return [(n_wires,), (n_layers,)]
        return [(n_wires,), (n_layers, n_wires - 1, 2)]


class RandomLayers(Template):
    """Layers of randomly placed rotations and two-qubit gates, drawn from a seeded generator.

    Per layer, until ``weights.shape[1]`` rotations are placed: draw ``u`` uniform in ``[0, 1)``; if
    ``u > ratio_imprim`` apply a random rotation of ``rotations`` with the next weight on a random
    wire, otherwise (for more than one wire) ``imprimitive`` on two random distinct wires.

    The same ``seed`` always gives the same circuit (``seed=None`` a fresh one per call). The random
    numbers come from ``numpy.random.default_rng(seed)``, not PennyLane's generator stream, so the
    circuit for a given seed has PennyLane's structure and distribution but not its exact gates.

    Args:
        weights: shape ``(L, k)``: ``k`` rotation angles per layer (see :meth:`shape`).
        wires: the wires.
        ratio_imprim: the probability of a two-qubit gate at each draw, in ``[0, 1)``.
        imprimitive: the two-qubit gate class (default ``qml.CNOT``).
        rotations: the rotation classes to draw from (default ``[qml.RX, qml.RY, qml.RZ]``).
        seed: the generator's seed.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> a = qml.RandomLayers([[0.1, 0.2, 0.3]], wires=[0, 1], seed=7)
        >>> b = qml.RandomLayers([[0.1, 0.2, 0.3]], wires=[0, 1], seed=7)
        >>> [(o.name, o.wires) for o in a.operations] == [(o.name, o.wires) for o in b.operations]
        True
    """

    def __init__(
        self,
        weights: Any,
        wires: Any,
        ratio_imprim: float = 0.3,
        imprimitive: type[Operation] | None = None,
        rotations: Sequence[type[Operation]] | None = None,
        seed: int | None = 42,
        id: str | None = None,
    ) -> None:
        owner = "RandomLayers"
        wires = as_wires(wires, owner)
        hint = f" See {owner}.shape(n_layers, n_rotations)."
        weights = _check_shape(owner, "weights", weights, ("n_layers", "n_rotations"), hint)
        if not 0.0 <= float(ratio_imprim) < 1.0:
            raise ValueError(f"{owner}: 'ratio_imprim' must be in [0, 1); got {ratio_imprim!r}.")
        gate = CNOT if imprimitive is None else imprimitive
        rots = tuple(rotations) if rotations else (RX, RY, RZ)
        for r in rots:
            _check_gate_class(owner, "rotations", r, (RX, RY, RZ))
        rng = np.random.default_rng(seed)
        n_layers, n_rot = _shape(weights)[-2:]

        def build() -> None:
            for layer in range(n_layers):
                i = 0
                while i < n_rot:
                    if rng.random() > ratio_imprim:
                        rot = rots[int(rng.integers(len(rots)))]
                        rot(weights[..., layer, i], wires=wires[int(rng.integers(len(wires)))])
                        i += 1
                    elif len(wires) > 1:
                        a, b = rng.choice(len(wires), size=2, replace=False)
                        gate(wires=[wires[int(a)], wires[int(b)]])

        self._record(
            wires, build, ratio_imprim=float(ratio_imprim), imprimitive=gate, rotations=rots, seed=seed
        )

    @staticmethod
    def shape(n_layers: int, n_rotations: int) -> tuple[int, int]:
        """The shape of ``weights``: ``(n_layers, n_rotations)``."""
        return (n_layers, n_rotations)


# --- time evolution --------------------------------------------------------------------------
_PAULI_LETTERS = frozenset("IXYZ")


def _linear_combination(owner: str, hamiltonian: Any) -> tuple[Any, tuple[Observable, ...]]:
    """``(coefficients, terms)`` of a ``Hamiltonian`` (or any observable declaring its ``terms``)."""
    coeffs, ops = hamiltonian.terms() if isinstance(hamiltonian, Observable) else (None, ())
    if coeffs is None:
        raise TypeError(
            f"{owner}: 'hamiltonian' must be a qml.Hamiltonian of Pauli words; got {hamiltonian!r}."
        )
    return coeffs, ops


def _pauli_terms(owner: str, hamiltonian: Any) -> list[tuple[Any, str, Wires]]:
    """``(coefficient, word, wires)`` per term, identity factors dropped (the word may be empty).

    The Pauli letters are read from the factors' ``basis`` data, not from their types.
    """
    coeffs, ops = _linear_combination(owner, hamiltonian)
    terms = []
    for k, op in enumerate(ops):
        letters: list[tuple[Hashable, str]] = []
        try:
            factors: tuple[Any, ...] = tuple(op.factors())
        except TypeError:
            factors = (op,)  # not a product: rejected below
        for factor in factors:
            basis = getattr(factor, "basis", None)
            if basis not in _PAULI_LETTERS or len(factor.wires) != 1:
                raise ValueError(
                    f"{owner}: 'hamiltonian' term {op!r} is not a product of PauliX, PauliY, PauliZ "
                    "and Identity; write the Hamiltonian in Pauli words."
                )
            if basis != "I":
                letters.append((factor.wires[0], basis))
        terms.append((coeffs[k], "".join(b for _, b in letters), tuple(w for w, _ in letters)))
    return terms


def _merged(terms: list[tuple[Any, str, Wires]]) -> list[tuple[Any, str, Wires]]:
    """Equal Pauli words (on the same wires, in any order) merged, coefficients summed, in first order."""
    merged: dict[frozenset[tuple[Hashable, str]], list[Any]] = {}
    for coeff, word, wires in terms:
        key = frozenset(zip(wires, word, strict=True))
        if key in merged:
            merged[key][0] = merged[key][0] + coeff
        else:
            merged[key] = [coeff, word, wires]
    return [(c, w, ws) for c, w, ws in merged.values()]


class ApproxTimeEvolution(Template):
    """``exp(-i H t)`` by ``n`` first-order Trotter steps of Pauli-word rotations.

    Each step applies ``PauliRot(2 t c_j / n, P_j)`` for every term ``c_j P_j`` in order (equal words
    merged, identity terms dropped as global phases), so the circuit is
    ``(prod_j exp(-i t c_j P_j / n))**n``.

    Args:
        hamiltonian: a ``qml.Hamiltonian`` of Pauli words.
        time: the evolution time ``t``.
        n: the number of Trotter steps.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> H = qml.Hamiltonian([0.5, 1.0], [qml.PauliZ(0) @ qml.PauliZ(1), qml.PauliX(0)])
        >>> [(op.pauli_word, op.wires) for op in qml.ApproxTimeEvolution(H, 0.3, 2).operations]
        [('ZZ', (0, 1)), ('X', (0,)), ('ZZ', (0, 1)), ('X', (0,))]
    """

    def __init__(self, hamiltonian: Any, time: Any, n: int, id: str | None = None) -> None:
        terms = [t for t in _merged(_pauli_terms("ApproxTimeEvolution", hamiltonian)) if t[1]]
        n = _check_positive_int("ApproxTimeEvolution", "n", n)

        def build() -> None:
            for _ in range(n):
                for coeff, word, wires in terms:
                    PauliRot(2 * time * coeff / n, word, wires=wires)

        self._record(tuple(hamiltonian.wires), build, n=n)


def _suzuki(x: Any, order: int, count: int) -> list[tuple[Any, int]]:
    """Suzuki's symmetric product ``S_order(x)`` as ``(time, term index)`` factors, left to right."""
    if order == 1:
        return [(x, j) for j in range(count)]
    if order == 2:
        return [(x / 2, j) for j in [*range(count), *reversed(range(count))]]
    p = 1.0 / (4.0 - 4.0 ** (1.0 / (order - 1)))
    outer = _suzuki(p * x, order - 2, count)
    return 2 * outer + _suzuki((1.0 - 4.0 * p) * x, order - 2, count) + 2 * outer


class TrotterProduct(Template):
    """``exp(i H t)`` by the Suzuki-Trotter product formula of order 1, 2, 4, ... (Suzuki 1991).

    With ``S_1(x) = prod_j exp(i x c_j P_j)``, ``S_2(x) = prod_j exp(i x c_j P_j / 2) prod_(j reversed)
    exp(i x c_j P_j / 2)`` and ``S_m(x) = S_(m-2)(p x)^2 S_(m-2)((1 - 4p) x) S_(m-2)(p x)^2`` with
    ``p = 1 / (4 - 4**(1/(m-1)))``, the circuit is ``S_m(t / n)**n`` (note PennyLane's sign: ``+i``).
    Every factor is a ``PauliRot(-2 x c_j, P_j)``; identity terms give their global phase.

    Args:
        hamiltonian: a ``qml.Hamiltonian`` of at least two Pauli-word terms.
        time: the time ``t``.
        n: the number of Trotter steps.
        order: 1 or a positive even integer.
        check_hermitian: accepted for PennyLane compatibility (Pauli words with real coefficients
            always are).
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> H = qml.Hamiltonian([0.25, 0.75], [qml.PauliX(0), qml.PauliZ(0)])
        >>> [op.pauli_word for op in qml.TrotterProduct(H, 1.0, order=2).operations]
        ['X', 'Z', 'Z', 'X']
    """

    def __init__(
        self,
        hamiltonian: Any,
        time: Any,
        n: int = 1,
        order: int = 1,
        check_hermitian: bool = True,
        id: str | None = None,
    ) -> None:
        owner = "TrotterProduct"
        if (
            isinstance(order, bool)
            or not isinstance(order, (int, np.integer))
            or order < 1
            or (order != 1 and order % 2)
        ):
            raise ValueError(f"{owner}: 'order' must be 1 or a positive even integer; got {order!r}.")
        terms = _pauli_terms(owner, hamiltonian)
        if len(terms) < 2:
            raise ValueError(
                f"{owner}: 'hamiltonian' has {len(terms)} term(s); it needs at least 2 "
                "(for one term use ApproxTimeEvolution or PauliRot)."
            )
        n = _check_positive_int(owner, "n", n)
        sequence = _suzuki(time / n, int(order), len(terms))[::-1] * n
        term_wires = [op.wires for op in _linear_combination(owner, hamiltonian)[1]]

        def build() -> None:
            for x, j in sequence:
                coeff, word, wires = terms[j]
                if word:
                    PauliRot(-2 * x * coeff, word, wires=wires)
                else:  # an identity term: the global phase exp(i x c)
                    PauliRot(-2 * x * coeff, "I" * len(term_wires[j]), wires=term_wires[j])

        self._record(tuple(hamiltonian.wires), build, n=n, order=int(order))


# --- subroutines -----------------------------------------------------------------------------
class QFT(Template):
    """The quantum Fourier transform ``|k> -> sum_j exp(2 pi i j k / 2^n) |j> / sqrt(2^n)``.

    Wire ``wires[i]`` gets ``H`` and ``ControlledPhaseShift(2 pi / 2^(k+1))`` controlled by
    ``wires[i + k]``; final ``SWAP`` gates reverse the wire order (Nielsen & Chuang, section 5.1).

    Args:
        wires: the wires, ``wires[0]`` the most significant bit.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> [op.name for op in qml.QFT(wires=[0, 1]).operations]
        ['Hadamard', 'ControlledPhaseShift', 'Hadamard', 'SWAP']
    """

    def __init__(self, wires: Any = None, id: str | None = None) -> None:
        wires = as_wires(wires, "QFT")
        m = len(wires)

        def build() -> None:
            for i, target in enumerate(wires):
                Hadamard(wires=target)
                for k, control in enumerate(wires[i + 1 :]):
                    ControlledPhaseShift(2 * np.pi / 2 ** (k + 2), wires=[control, target])
            for i in range(m // 2):
                SWAP(wires=[wires[i], wires[m - 1 - i]])

        self._record(wires, build)


class _ZeroReflection(Operation):
    """``2 |0...0><0...0| - I`` on its wires: a diagonal, +1 on the all-zero state and -1 elsewhere."""

    is_diagonal = True

    def __init__(self, wires: Any) -> None:
        self._init((), wires, ())

    def diagonal(self) -> jax.Array:
        """``(1, -1, ..., -1)``."""
        values = -np.ones(2 ** len(self.wires))
        values[0] = 1.0
        return jnp.asarray(values)


class GroverOperator(Template):
    """The Grover diffusion operator ``2 |s><s| - I`` with ``|s>`` the uniform superposition (Grover 1997).

    It is recorded as ``H`` on every wire, the reflection ``2 |0><0| - I`` (a diagonal gate), and ``H``
    on every wire again: exactly PennyLane's operator, global phase included.

    Args:
        wires: at least two wires.
        work_wires: auxiliary wires (accepted for PennyLane compatibility; the simulation needs none).
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> len(qml.GroverOperator(wires=[0, 1, 2]).operations)
        7
    """

    def __init__(self, wires: Any = None, work_wires: Any = None, id: str | None = None) -> None:
        wires = as_wires(wires, "GroverOperator")
        _check_wire_count("GroverOperator", wires, 2)
        work = () if work_wires is None else as_wires(work_wires, "GroverOperator")
        if set(work) & set(wires):
            raise ValueError(
                f"GroverOperator: 'work_wires' {work} overlap wires={wires}; "
                "auxiliary wires must be distinct."
            )

        def build() -> None:
            for w in wires:
                Hadamard(wires=w)
            _ZeroReflection(wires=wires)
            for w in wires:
                Hadamard(wires=w)

        self._record(wires, build, work_wires=work)


class Permute(Template):
    """Reorders the states of wires: afterwards ``wires[i]`` holds what ``permutation[i]`` held.

    Recorded as PennyLane's sequence of ``SWAP`` gates.

    Args:
        permutation: the wire labels of ``wires`` in their new order.
        wires: the wires.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> [op.wires for op in qml.Permute([2, 0, 1], wires=[0, 1, 2]).operations]
        [(0, 2), (1, 2)]
    """

    def __init__(self, permutation: Sequence[Any], wires: Any, id: str | None = None) -> None:
        wires = as_wires(wires, "Permute")
        perm = list(as_wires(permutation, "Permute")) if len(permutation) else []
        if len(perm) < 2 or len(wires) < 2:
            raise ValueError(f"Permute: a permutation needs at least 2 wires; got permutation={perm}.")
        if len(perm) != len(wires):
            raise ValueError(
                f"Permute: 'permutation' has {len(perm)} entries but wires={wires} has {len(wires)}; "
                "give the new position of every wire."
            )
        missing = [w for w in perm if w not in wires]
        if missing:
            raise ValueError(f"Permute: 'permutation' names wires {missing} that are not in wires={wires}.")

        def build() -> None:
            order = list(wires)
            for here, label in enumerate(perm):
                if order[here] != label:
                    there = order.index(label)
                    SWAP(wires=[wires[here], wires[there]])
                    order[here], order[there] = order[there], order[here]

        self._record(wires, build, permutation=tuple(perm))


# --- quantum chemistry -----------------------------------------------------------------------
class AllSinglesDoubles(Template):
    """A Hartree-Fock state, then every ``DoubleExcitation`` and every ``SingleExcitation``.

    The ``hf_state`` is prepared by ``PauliX`` gates (PennyLane's decomposition of a basis state), then
    ``DoubleExcitation(weights[len(singles) + i], wires=doubles[i])`` for every double and
    ``SingleExcitation(weights[j], wires=singles[j])`` for every single.

    Args:
        weights: ``(len(singles) + len(doubles),)`` angles, singles first.
        wires: the wires (at least two).
        hf_state: the ``len(wires)`` occupation numbers (integers 0 and 1).
        singles: pairs of wires.
        doubles: quadruples of wires.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> t = qml.AllSinglesDoubles([0.1, 0.2], [0, 1, 2, 3], [1, 1, 0, 0], [[0, 2]], [[0, 1, 2, 3]])
        >>> [op.name for op in t.operations]
        ['PauliX', 'PauliX', 'DoubleExcitation', 'SingleExcitation']
    """

    def __init__(
        self,
        weights: Any,
        wires: Any,
        hf_state: Any,
        singles: Sequence[Sequence[Any]] | None = None,
        doubles: Sequence[Sequence[Any]] | None = None,
        id: str | None = None,
    ) -> None:
        owner = "AllSinglesDoubles"
        wires = as_wires(wires, owner)
        _check_wire_count(owner, wires, 2)
        ones = [tuple(x) for x in singles or []]
        twos = [tuple(x) for x in doubles or []]
        if not ones and not twos:
            raise ValueError(
                f"{owner}: 'singles' and 'doubles' are both empty; give at least one excitation."
            )
        _check_excitations(owner, "singles", ones, 2, wires)
        _check_excitations(owner, "doubles", twos, 4, wires)
        weights = _check_shape(owner, "weights", weights, (len(ones) + len(twos),))
        hf = _bits(owner, "hf_state", hf_state, len(wires))

        def build() -> None:
            _occupy(hf, wires)
            for i, d in enumerate(twos):
                DoubleExcitation(weights[..., len(ones) + i], wires=list(d))
            for j, x in enumerate(ones):
                SingleExcitation(weights[..., j], wires=list(x))

        self._record(wires, build, hf_state=hf, singles=tuple(ones), doubles=tuple(twos))


def _check_excitations(owner: str, arg: str, items: list[tuple[Any, ...]], size: int, wires: Wires) -> None:
    for item in items:
        if len(item) != size or not set(item) <= set(wires):
            raise ValueError(
                f"{owner}: every entry of '{arg}' must be {size} wires of {wires}; got {list(item)}."
            )


def _occupy(bits: Sequence[int], wires: Wires) -> None:
    """``PauliX`` on every wire whose occupation number is 1."""
    for w, b in zip(wires, bits, strict=True):
        if b == 1:
            PauliX(wires=w)


class UCCSD(Template):
    """The unitary coupled-cluster singles and doubles ansatz (Romero et al., arXiv:1701.02691).

    The ``init_state`` is prepared by ``PauliX`` gates; then, ``n_repeats`` times, every
    ``FermionicDoubleExcitation(weights[r, len(s_wires) + i], wires1=d_wires[i][0], wires2=d_wires[i][1])``
    and every ``FermionicSingleExcitation(weights[r, j], wires=s_wires[j])``, each decomposed into the
    Jordan-Wigner circuits of Barkoutsos et al., arXiv:1805.04340.

    Args:
        weights: ``(n_repeats, len(s_wires) + len(d_wires))`` amplitudes (or one-dimensional when
            ``n_repeats`` is 1), singles first.
        wires: the wires, one per spin orbital.
        s_wires: per single excitation, the wires ``[r, ..., p]`` from the occupied to the virtual orbital.
        d_wires: per double excitation, two wire lists ``[[s, ..., r], [q, ..., p]]``.
        init_state: the ``len(wires)`` occupation numbers (integers 0 and 1) of the reference state.
        n_repeats: how often the excitations are repeated.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> t = qml.UCCSD([0.1], wires=[0, 1, 2], s_wires=[[0, 1, 2]], d_wires=[], init_state=[1, 0, 0])
        >>> len(t.operations)
        19
    """

    def __init__(
        self,
        weights: Any,
        wires: Any,
        s_wires: Sequence[Sequence[Any]] | None = None,
        d_wires: Sequence[Sequence[Sequence[Any]]] | None = None,
        init_state: Any = None,
        n_repeats: int = 1,
        id: str | None = None,
    ) -> None:
        owner = "UCCSD"
        wires = as_wires(wires, owner)
        singles = [tuple(s) for s in s_wires or []]
        doubles = [(tuple(d[0]), tuple(d[1])) for d in _check_d_wires(d_wires or [])]
        if not singles and not doubles:
            raise ValueError(
                f"{owner}: 's_wires' and 'd_wires' are both empty; give at least one excitation."
            )
        n_repeats = _check_positive_int(owner, "n_repeats", n_repeats)
        weights = _uccsd_weights(weights, n_repeats, len(singles) + len(doubles))
        state = _bits(owner, "init_state", init_state, len(wires))

        def build() -> None:
            _occupy(state, wires)
            for r in range(n_repeats):
                for i, (w1, w2) in enumerate(doubles):
                    FermionicDoubleExcitation(weights[..., r, len(singles) + i], wires1=w1, wires2=w2)
                for j, s in enumerate(singles):
                    FermionicSingleExcitation(weights[..., r, j], wires=s)

        self._record(
            wires,
            build,
            s_wires=tuple(singles),
            d_wires=tuple(doubles),
            init_state=state,
            n_repeats=n_repeats,
        )


def _check_d_wires(d_wires: Sequence[Any]) -> Sequence[Any]:
    for d in d_wires:
        if len(d) != 2:
            raise ValueError(
                f"UCCSD: every entry of 'd_wires' must be two wire lists [[s, ..., r], [q, ..., p]]; got {d}."
            )
    return d_wires


def _uccsd_weights(weights: Any, n_repeats: int, count: int) -> Any:
    weights = _as_array(weights)
    if jnp.ndim(weights) == 1 and n_repeats == 1:
        weights = _check_shape("UCCSD", "weights", weights, (count,))
        return weights[None, :]
    hint = " A one-dimensional 'weights' needs n_repeats=1."
    return _check_shape("UCCSD", "weights", weights, (n_repeats, count), hint)


def _parity_rotation(
    angle: Any, bases: Sequence[tuple[Hashable, str]], ladder: Sequence[Wires], target: Hashable
) -> None:
    """``exp(-i angle/2 P)`` for the Pauli word ``P`` with letters ``bases`` and ``Z`` along the ``ladder``.

    The letters are rotated to ``Z`` (``H`` for ``X``, ``RX(-pi/2)`` for ``Y``), the ``CNOT`` ladder
    collects the parity on ``target``, ``RZ(angle)`` acts there, and everything is undone in reverse.
    """
    for w, letter in bases:
        Hadamard(wires=w) if letter == "X" else RX(-np.pi / 2, wires=w)
    for pair in ladder:
        CNOT(wires=list(pair))
    RZ(angle, wires=target)
    for pair in reversed(ladder):
        CNOT(wires=list(pair))
    for w, letter in bases:
        Hadamard(wires=w) if letter == "X" else RX(np.pi / 2, wires=w)


def _ladder(wires: Wires) -> list[Wires]:
    return [wires[i : i + 2] for i in range(len(wires) - 1)]


class FermionicSingleExcitation(Template):
    """The single excitation ``exp(theta/2 (c_p^dagger c_r - h.c.))`` under Jordan-Wigner (arXiv:1805.04340).

    With ``r = wires[0]``, ``p = wires[-1]`` and ``Z`` on the wires between, this is
    ``exp(i theta/4 (Y_r Z..Z X_p - X_r Z..Z Y_p))`` (wire ``j`` occupied in ``|1>``, the ``Z`` strings
    of ``c_j`` on the wires before ``j``). Each of the two commuting exponentials is recorded as a
    ``CNOT`` ladder around an ``RZ``, in PennyLane's order.

    Args:
        weight: the angle ``theta``.
        wires: the wires ``[r, ..., p]``, at least two.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> len(qml.FermionicSingleExcitation(0.2, wires=[0, 1]).operations)
        14
    """

    def __init__(self, weight: Any, wires: Any, id: str | None = None) -> None:
        owner = "FermionicSingleExcitation"
        wires = as_wires(wires, owner)
        _check_wire_count(owner, wires, 2)
        weight = _check_shape(owner, "weight", weight, ())
        r, p, ladder = wires[0], wires[-1], _ladder(wires)

        def build() -> None:
            _parity_rotation(weight / 2, [(r, "Y"), (p, "X")], ladder, p)
            _parity_rotation(-weight / 2, [(r, "X"), (p, "Y")], ladder, p)

        self._record(wires, build)


# The eight Pauli words of the double excitation (letters on s, r, q, p) and their signs.
_DOUBLE_WORDS = (
    ("XXYX", 1), ("YXYY", 1), ("XYYY", 1), ("XXXY", 1),
    ("YXXX", -1), ("XYXX", -1), ("YYYX", -1), ("YYXY", -1),
)  # fmt: skip


class FermionicDoubleExcitation(Template):
    """The double excitation ``exp(theta/2 (c_p^dagger c_q^dagger c_r c_s - h.c.))`` (arXiv:1805.04340).

    With ``s, r = wires1[0], wires1[-1]`` and ``q, p = wires2[0], wires2[-1]`` (Jordan-Wigner, as for
    :class:`FermionicSingleExcitation`), the generator is a sum of eight commuting Pauli words with
    ``Z`` strings inside both intervals; each exponential ``exp(-+i theta/16 P)`` is recorded as a
    ``CNOT`` ladder around an ``RZ(+-theta/8)``, in PennyLane's order.

    Args:
        weight: the angle ``theta``.
        wires1: the occupied wires ``[s, ..., r]``, at least two.
        wires2: the virtual wires ``[q, ..., p]``, at least two.
        id: ignored.

    Example:
        >>> import quantum_jax as qml
        >>> t = qml.FermionicDoubleExcitation(0.2, wires1=[0, 1], wires2=[2, 3])
        >>> sum(op.name == "RZ" for op in t.operations)
        8
    """

    def __init__(self, weight: Any, wires1: Any, wires2: Any, id: str | None = None) -> None:
        owner = "FermionicDoubleExcitation"
        occupied, virtual = as_wires(wires1, owner), as_wires(wires2, owner)
        for arg, ws in (("wires1", occupied), ("wires2", virtual)):
            if len(ws) < 2:
                raise ValueError(f"{owner}: '{arg}' needs at least two wires; got {ws}.")
        wires = as_wires(occupied + virtual, owner)
        weight = _check_shape(owner, "weight", weight, ())
        s, r, q, p = occupied[0], occupied[-1], virtual[0], virtual[-1]
        ladder = [*_ladder(occupied), (r, q), *_ladder(virtual)]

        def build() -> None:
            for word, sign in _DOUBLE_WORDS:
                _parity_rotation(sign * weight / 8, list(zip((s, r, q, p), word, strict=True)), ladder, p)

        self._record(wires, build, wires1=occupied, wires2=virtual)


# --- repetition ------------------------------------------------------------------------------
def layer(template: Callable[..., Any], depth: int, *args: Any, **kwargs: Any) -> list[Any]:
    """Applies ``template`` ``depth`` times: call ``k`` gets ``args[i][k]`` for every positional argument.

    Args:
        template: a template class or any function that applies gates.
        depth: how many times to apply it.
        *args: sequences of length ``depth``; the ``k``-th entries are passed to the ``k``-th call.
        **kwargs: passed unchanged to every call.

    Returns:
        The results of the calls, in order.

    Example:
        >>> import quantum_jax as qml
        >>> out = qml.layer(qml.AngleEmbedding, 2, [[0.1], [0.2]], wires=[0])
        >>> [t.operations[0].name for t in out]
        ['RX', 'RX']
    """
    depth = _check_positive_int("layer", "depth", depth)
    for k, arg in enumerate(args):
        if len(arg) != depth:
            raise ValueError(
                f"layer: positional argument {k} has length {len(arg)} but depth={depth}; "
                "give one entry per repetition."
            )
    return [template(*[arg[i] for arg in args], **kwargs) for i in range(depth)]
