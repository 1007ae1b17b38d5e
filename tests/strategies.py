"""Hypothesis strategies for random programs over the library's whole gate set and every measurement.

Circuits are drawn as reference specs (``reference.Op``) so that the dense NumPy reference can simulate
them; ``circuit_builders.build`` turns them into quantum_jax gates. The gate list is the library's own
registry (``circuit_builders.ALL_GATES``: ``_gates.GATES`` with the fermionic and controlled families),
so a new gate is drawn as soon as it is registered. Measurements are small specs too:

* ``("expval", obs)``, ``("var", obs)``: ``obs`` a reference observable (one-wire factors, tensors,
  Hermitian matrices, Hamiltonians);
* ``("probs", wires)``, ``("density_matrix", wires)``: wire subsets in any order;
* ``("state",)``; ``("sample", obs)`` and ``("counts", obs)`` (with shots).

Wire labels are drawn as mixtures of integers and strings in any order; ``labels[w]`` names wire ``w``.

The example budget comes from the active hypothesis profile (``tests/conftest.py``: ``ci``, the default,
derandomized with a small budget; ``long`` via ``--hypothesis-profile=long``); :func:`budget` scales it
for the tests whose examples cost several compilations.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import reference as ref
from circuit_builders import GATE_NAMES, MATRIX_GATES, build, build_obs, random_op
from hypothesis import settings
from hypothesis import strategies as st

import quantum_jax as qml

# The gates of the registry that take any number of wires are drawn on at most this many.
MAX_GATE_WIRES = 3
# Gates whose parameters are real angles with shift rules (what the gradient properties differentiate).
ANGLE_GATES: tuple[str, ...] = tuple(
    g for g in GATE_NAMES if ref.GATE_SIGNATURES[g][1] and g not in MATRIX_GATES and g != "GlobalPhase"
)
ONE_WIRE_OBS = ("PauliX", "PauliY", "PauliZ", "Hadamard", "Identity")
DTYPES = (np.float64, np.float32)
# Tolerances against the float64 reference: float64 inputs must agree to near machine precision (a
# silent float32 downcast would miss by ~1e-7); float32 inputs compute in complex64 (eps ~ 1.2e-7,
# accumulated over a few gates and the reference's own rounding).
TOL = {np.float64: 1e-12, np.float32: 2e-5}


def budget(fraction: float = 1.0) -> settings:
    """The active profile's settings with ``fraction`` of its example budget (at least 2 examples).

    Example:
        >>> budget(0.5).max_examples >= 2
        True
    """
    return settings(settings.default, max_examples=max(2, int(settings.default.max_examples * fraction)))


def seed_rng(seed: int) -> np.random.Generator:
    """A NumPy generator for the numeric data of one drawn gate (matrices, angles)."""
    return np.random.default_rng(zlib.crc32(str(seed).encode()))


def gate_names_for(n: int, names: Sequence[str] = GATE_NAMES) -> list[str]:
    """The gates of ``names`` that fit on ``n`` wires."""
    return [g for g in names if (ref.GATE_SIGNATURES[g][0] or ref.MIN_WIRES.get(g, 1)) <= n]


@st.composite
def gate_specs(draw: Any, n: int, names: Sequence[str] = GATE_NAMES, adjoint: bool = True) -> ref.Op:
    """One gate of ``names`` on some of ``n`` wires (in any order), maybe adjointed."""
    name = draw(st.sampled_from(gate_names_for(n, names)))
    fixed, _ = ref.GATE_SIGNATURES[name]
    low = ref.MIN_WIRES.get(name, 1)
    k = fixed if fixed is not None else draw(st.integers(low, max(low, min(n, MAX_GATE_WIRES))))
    wires = draw(st.permutations(range(n)))[:k]
    adj = draw(st.booleans()) if adjoint else False
    return random_op(name, wires, seed_rng(draw(st.integers(0, 2**32 - 1))), adjoint=adj)


@st.composite
def preparations(draw: Any, n: int) -> list[ref.Op]:
    """Nothing, a ``BasisState`` or a ``StatePrep`` on a random subset of the wires."""
    kind = draw(st.sampled_from(["none", "basis", "state"]))
    if kind == "none":
        return []
    wires = tuple(draw(st.permutations(range(n)))[: draw(st.integers(1, n))])
    if kind == "basis":
        bits = np.array(draw(st.lists(st.integers(0, 1), min_size=len(wires), max_size=len(wires))))
        return [ref.Op("BasisState", (bits,), wires)]
    psi = ref.random_state(seed_rng(draw(st.integers(0, 2**32 - 1))), 2 ** len(wires))
    return [ref.Op("StatePrep", (psi,), wires)]


@st.composite
def circuits(
    draw: Any, n: int, max_depth: int = 4, names: Sequence[str] = GATE_NAMES, prep: bool = True
) -> list[ref.Op]:
    """A random circuit on ``n`` wires: an optional state preparation, then gates of ``names``."""
    ops = draw(preparations(n)) if prep else []
    return ops + draw(st.lists(gate_specs(n, names), min_size=1, max_size=max_depth))


def wire_labels(n: int) -> st.SearchStrategy[list[Any]]:
    """``n`` distinct wire labels mixing integers (any order, negative too) and strings."""
    label = st.one_of(st.integers(-3, 12), st.text(alphabet="abqxyz_", min_size=1, max_size=3))
    return st.lists(label, min_size=n, max_size=n, unique=True)


def wire_subsets(n: int, min_size: int = 1) -> st.SearchStrategy[tuple[int, ...]]:
    """A subset of ``range(n)`` in a random order."""
    return st.permutations(range(n)).flatmap(lambda p: st.integers(min_size, n).map(lambda k: tuple(p[:k])))


@st.composite
def observables(draw: Any, n: int, hamiltonian: bool = True) -> tuple:
    """A reference observable: a one-wire factor, a tensor product, a Hermitian matrix or a Hamiltonian."""
    kind = draw(st.sampled_from(["single", "tensor", "hermitian", "hamiltonian"][: 4 if hamiltonian else 3]))
    if kind == "single":
        return (draw(st.sampled_from(ONE_WIRE_OBS)), (draw(st.integers(0, n - 1)),))
    if kind == "tensor":
        wires = draw(wire_subsets(n, min_size=min(2, n)))
        factors = [(draw(st.sampled_from(ONE_WIRE_OBS[:4])), (w,)) for w in wires]
        return factors[0] if len(factors) == 1 else ("Tensor", factors)
    if kind == "hermitian":
        wires = draw(wire_subsets(n))[:2]
        matrix = ref.random_hermitian(seed_rng(draw(st.integers(0, 2**32 - 1))), 2 ** len(wires))
        return ("Hermitian", wires, matrix)
    terms = draw(st.lists(observables(n, hamiltonian=False), min_size=1, max_size=3))
    coeffs = draw(st.lists(st.floats(-2, 2), min_size=len(terms), max_size=len(terms)))
    return ("Hamiltonian", coeffs, terms)


@st.composite
def measurements(draw: Any, n: int, shots: bool = False) -> tuple:
    """A measurement spec (see the module docstring); ``shots`` adds samples and counts."""
    kinds = ["expval", "var", "probs", "state", "density_matrix"] + (["sample", "counts"] if shots else [])
    kind = draw(st.sampled_from(kinds))
    if kind in ("expval", "var"):
        return (kind, draw(observables(n)))
    if kind in ("probs", "density_matrix"):
        return (kind, draw(wire_subsets(n)))
    if kind == "state":
        return ("state",)
    name = draw(st.sampled_from(ONE_WIRE_OBS[:4]))
    return (kind, (name, (draw(st.integers(0, n - 1)),)))


def build_measurement(spec: tuple, labels: Sequence[Any] | None = None) -> Any:
    """The quantum_jax measurement process of a measurement spec (``labels[w]`` names wire ``w``)."""
    kind = spec[0]
    if kind == "state":
        return qml.state()
    if kind in ("probs", "density_matrix"):
        wires = [labels[w] for w in spec[1]] if labels is not None else list(spec[1])
        return getattr(qml, kind)(wires=wires)
    return getattr(qml, kind)(build_obs(spec[1], labels))


def reference_value(spec: tuple, psi: np.ndarray, n: int) -> np.ndarray:
    """The exact value of a measurement spec in the state ``psi`` (NumPy reference)."""
    kind = spec[0]
    if kind == "state":
        return psi
    if kind == "probs":
        return ref.probs(psi, spec[1], n)
    if kind == "density_matrix":
        return ref.density_matrix(psi, spec[1], n)
    if kind == "expval":
        return np.asarray(ref.expval(psi, spec[1], n))
    if kind == "var":
        return np.asarray(ref.var(psi, spec[1], n))
    raise KeyError(f"no exact reference value for {kind!r}")


def with_dtype(op: ref.Op, dtype: Any) -> ref.Op:
    """The same step with its real parameters as ``dtype`` (complex ones as the matching complex type)."""
    cdtype = np.complex64 if dtype == np.float32 else np.complex128
    params = []
    for p in op.params:
        arr = np.asarray(p)
        if np.iscomplexobj(arr):
            params.append(arr.astype(cdtype))
        elif np.issubdtype(arr.dtype, np.floating):
            params.append(arr.astype(dtype))
        else:
            params.append(arr)
    return ref.Op(op.name, tuple(params), op.wires, op.word, op.adjoint, op.control_values)


def build_circuit(
    specs: Sequence[ref.Op], labels: Sequence[Any] | None = None, dtype: Any = None
) -> list[Any]:
    """The quantum_jax gates of a circuit, in ``dtype`` when given."""
    return [build(with_dtype(s, dtype) if dtype is not None else s, labels) for s in specs]


def angle_count(specs: Sequence[ref.Op]) -> int:
    """How many real angles the circuit's gates take (the parameters of :func:`build_with_angles`)."""
    return sum(len(s.params) for s in specs if s.name in ANGLE_GATES)


def build_with_angles(specs: Sequence[ref.Op], angles: Any, labels: Sequence[Any] | None = None) -> None:
    """Record the circuit with its angle gates' parameters taken, in order, from ``angles``."""
    i = 0
    for s in specs:
        if s.name in ANGLE_GATES:
            k = len(s.params)
            build(s, labels, params=[angles[i + j] for j in range(k)])
            i += k
        else:
            build(s, labels)


def reference_with_angles(specs: Sequence[ref.Op], angles: Any) -> list[ref.Op]:
    """The reference specs with the angles of :func:`build_with_angles` substituted."""
    out, i = [], 0
    for s in specs:
        if s.name in ANGLE_GATES:
            k = len(s.params)
            out.append(ref.Op(s.name, tuple(float(a) for a in angles[i : i + k]), *_rest(s)))
            i += k
        else:
            out.append(s)
    return out


def _rest(s: ref.Op) -> tuple[Any, ...]:
    return (s.wires, s.word, s.adjoint, s.control_values)


@st.composite
def angle_vectors(draw: Any, size: int, batch: int | None = None) -> np.ndarray:
    """``size`` angles in ``[-2 pi, 2 pi]`` (a ``(batch, size)`` array when ``batch`` is given)."""
    shape = (size,) if batch is None else (batch, size)
    count = int(np.prod(shape))
    values = draw(st.lists(st.floats(-2 * np.pi, 2 * np.pi), min_size=count, max_size=count))
    return np.asarray(values, dtype=np.float64).reshape(shape)
