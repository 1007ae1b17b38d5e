"""Random gates, circuits and observables for the tests, as reference specs and as quantum_jax objects.

The specs (``reference.Op`` and observable tuples) are what the NumPy reference simulates; ``build``
and ``build_obs`` turn them into quantum_jax operations through the public constructors only.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import reference as ref

import quantum_jax as qml
from quantum_jax._controlled import CONTROLLED_GATES
from quantum_jax._fermionic import FERMIONIC_GATES
from quantum_jax._gates import GATES

ALL_GATES: tuple[type[qml.Operation], ...] = GATES + FERMIONIC_GATES + CONTROLLED_GATES
"""Every registered unitary gate class: the library's, the fermionic and the controlled ones."""
GATE_NAMES: tuple[str, ...] = tuple(cls.__name__ for cls in ALL_GATES)
GATE_CLASSES: dict[str, type[qml.Operation]] = {cls.__name__: cls for cls in ALL_GATES}
# Gates whose parameter is a matrix or a diagonal (no shift rule); the rest take real scalars.
MATRIX_GATES = frozenset({"QubitUnitary", "DiagonalQubitUnitary", "ControlledQubitUnitary"})


def rng_for(*key: Any) -> np.random.Generator:
    """A generator seeded deterministically from ``key`` (same numbers on every xdist worker)."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def wire_count(name: str, rng: np.random.Generator, max_wires: int = 3) -> int:
    """The number of wires for a gate: fixed by its signature, else drawn from its minimum..max_wires."""
    fixed, _ = ref.GATE_SIGNATURES[name]
    low = ref.MIN_WIRES.get(name, 1)
    return fixed if fixed is not None else int(rng.integers(low, max(low, max_wires) + 1))


def target_count(name: str, k: int) -> int:
    """How many of a controlled gate's ``k`` wires are targets (the rest control)."""
    return (k + 1) // 2 if name == "ControlledQubitUnitary" else 1


def random_params(name: str, k: int, rng: np.random.Generator) -> tuple[Any, ...]:
    """Random parameters for gate ``name`` on ``k`` wires (a unitary for the matrix gates)."""
    if name == "QubitUnitary":
        return (ref.random_unitary(rng, 2**k),)
    if name == "ControlledQubitUnitary":
        return (ref.random_unitary(rng, 2 ** target_count(name, k)),)
    if name == "DiagonalQubitUnitary":
        return (np.exp(1j * rng.uniform(-np.pi, np.pi, size=2**k)),)
    _, num = ref.GATE_SIGNATURES[name]
    return tuple(float(x) for x in rng.uniform(-2 * np.pi, 2 * np.pi, size=num))


def random_word(k: int, rng: np.random.Generator) -> str:
    """A random Pauli word (letters of ``IXYZ``) of length ``k``."""
    return "".join(rng.choice(list("IXYZ"), size=k))


def random_op(name: str, wires: Sequence[int], rng: np.random.Generator, adjoint: bool = False) -> ref.Op:
    """A reference spec of gate ``name`` on ``wires`` with random parameters (and word)."""
    wires = tuple(int(w) for w in wires)
    word = random_word(len(wires), rng) if name == "PauliRot" else None
    values = None
    if name in ("ControlledQubitUnitary", "MultiControlledX"):
        values = tuple(int(v) for v in rng.integers(0, 2, size=len(wires) - target_count(name, len(wires))))
    return ref.Op(name, random_params(name, len(wires), rng), wires, word, adjoint, values)


def build(op: ref.Op, labels: Sequence[Any] | None = None, params: Sequence[Any] | None = None) -> Any:
    """The quantum_jax operation for a reference spec (``labels[w]`` names wire ``w``)."""
    wires = [labels[w] for w in op.wires] if labels is not None else list(op.wires)
    params = op.params if params is None else tuple(params)
    cls = GATE_CLASSES[op.name] if op.name in GATE_CLASSES else getattr(qml, op.name)
    if op.name == "PauliRot":
        gate = qml.PauliRot(params[0], op.word, wires=wires)
    elif op.control_values is not None:
        gate = cls(*params, wires=wires, control_values=list(op.control_values))
    else:
        gate = cls(*params, wires=wires)
    return qml.adjoint(gate) if op.adjoint else gate


def random_circuit(
    rng: np.random.Generator, n: int, depth: int, prep: bool = True, adjoint_rate: float = 0.2
) -> list[ref.Op]:
    """A random circuit on ``n`` wires with gates drawn from the whole registry."""
    ops: list[ref.Op] = []
    if prep:
        kind = rng.integers(3)
        if kind == 1:
            ws = rng.permutation(n)[: rng.integers(1, n + 1)]
            ops.append(ref.Op("BasisState", (rng.integers(0, 2, size=len(ws)),), tuple(int(w) for w in ws)))
        elif kind == 2:
            ws = rng.permutation(n)[: rng.integers(1, min(n, 3) + 1)]
            ops.append(ref.Op("StatePrep", (ref.random_state(rng, 2 ** len(ws)),), tuple(int(w) for w in ws)))
    candidates = [g for g in GATE_NAMES if (ref.GATE_SIGNATURES[g][0] or ref.MIN_WIRES.get(g, 1)) <= n]
    for _ in range(depth):
        name = str(rng.choice(candidates))
        k = wire_count(name, rng, max_wires=min(n, 3))
        wires = rng.permutation(n)[:k]
        ops.append(random_op(name, wires, rng, adjoint=bool(rng.random() < adjoint_rate)))
    return ops


# --- observables -----------------------------------------------------------------------------
def build_obs(obs: tuple, labels: Sequence[Any] | None = None) -> Any:
    """The quantum_jax observable for a reference observable spec."""
    kind = obs[0]

    def lab(ws: Sequence[int]) -> list[Any]:
        return [labels[w] for w in ws] if labels is not None else list(ws)

    if kind in ("PauliX", "PauliY", "PauliZ", "Hadamard", "Identity"):
        return getattr(qml, kind)(wires=lab(obs[1]))
    if kind == "Hermitian":
        return qml.Hermitian(obs[2], wires=lab(obs[1]))
    if kind == "Projector":
        return qml.Projector(obs[2], wires=lab(obs[1]))
    if kind == "Tensor":
        factors = [build_obs(f, labels) for f in obs[1]]
        out = factors[0]
        for f in factors[1:]:
            out = out @ f
        return out
    if kind == "Hamiltonian":
        return qml.Hamiltonian(obs[1], [build_obs(t, labels) for t in obs[2]])
    raise KeyError(kind)


def random_single_obs(rng: np.random.Generator, wires: Sequence[int], hermitian: bool = True) -> tuple:
    """A random observable on exactly ``wires`` (a tensor product of one-wire factors or a Hermitian)."""
    wires = [int(w) for w in wires]
    if hermitian and len(wires) <= 2 and rng.random() < 0.3:
        return ("Hermitian", tuple(wires), ref.random_hermitian(rng, 2 ** len(wires)))
    names = ["PauliX", "PauliY", "PauliZ", "Hadamard", "Identity"]
    factors = [(str(rng.choice(names)), (w,)) for w in wires]
    return factors[0] if len(factors) == 1 else ("Tensor", factors)
