"""An independent dense NumPy reference simulator for the test suite.

Nothing here imports quantum_jax: every gate matrix is written from its textbook formula in
PennyLane's conventions, every operator is embedded into the full ``2^n x 2^n`` space with Kronecker
products and an axis permutation, and every measurement is computed from the dense state.

Conventions: wires are the integers ``0 .. n-1`` and wire 0 is the most significant bit of a basis
index (``|q0 q1 ... q_{n-1}>``).

Circuits are lists of :class:`Op`; observables are nested tuples:

* ``("PauliX", wires)``, ``("PauliY", wires)``, ``("PauliZ", wires)``, ``("Hadamard", wires)``,
  ``("Identity", wires)``;
* ``("Hermitian", wires, A)``, ``("Projector", wires, state)`` (bits or a state vector);
* ``("Tensor", [obs, ...])`` (disjoint wires), ``("Hamiltonian", coeffs, [obs, ...])``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

# --- single-qubit building blocks ------------------------------------------------------------
I2 = np.eye(2, dtype=complex)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.array([[1, 0], [0, -1]], dtype=complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
PAULIS = {"I": I2, "X": X, "Y": Y, "Z": Z}


def controlled(target: np.ndarray) -> np.ndarray:
    """``|0><0| (x) I + |1><1| (x) target``: the first wire controls ``target``."""
    d = target.shape[0]
    out = np.zeros((2 * d, 2 * d), dtype=complex)
    out[:d, :d] = np.eye(d)
    out[d:, d:] = target
    return out


def pauli_word(word: str) -> np.ndarray:
    """The Kronecker product of the one-qubit Paulis named by ``word`` (e.g. ``"XZ"``)."""
    out = np.ones((1, 1), dtype=complex)
    for letter in word:
        out = np.kron(out, PAULIS[letter])
    return out


def pauli_exp(theta: float, word: str) -> np.ndarray:
    """``exp(-i theta/2 P) = cos(theta/2) I - i sin(theta/2) P`` for a Pauli word (``P^2 = I``)."""
    p = pauli_word(word)
    return np.cos(theta / 2) * np.eye(p.shape[0]) - 1j * np.sin(theta / 2) * p


def rx(t: float) -> np.ndarray:
    """RX(t) = exp(-i t X / 2)."""
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]], dtype=complex)


def ry(t: float) -> np.ndarray:
    """RY(t) = exp(-i t Y / 2)."""
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def rz(t: float) -> np.ndarray:
    """RZ(t) = exp(-i t Z / 2)."""
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def phase_shift(p: float) -> np.ndarray:
    """PhaseShift(p) = diag(1, e^{i p}) (also U1)."""
    return np.diag([1.0, np.exp(1j * p)]).astype(complex)


def rot(phi: float, theta: float, omega: float) -> np.ndarray:
    """Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)."""
    return rz(omega) @ ry(theta) @ rz(phi)


def u2(phi: float, delta: float) -> np.ndarray:
    """U2(phi, delta) in PennyLane's convention."""
    return np.array(
        [[1, -np.exp(1j * delta)], [np.exp(1j * phi), np.exp(1j * (phi + delta))]], dtype=complex
    ) / np.sqrt(2)


def u3(theta: float, phi: float, delta: float) -> np.ndarray:
    """U3(theta, phi, delta) in PennyLane's convention."""
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array(
        [[c, -np.exp(1j * delta) * s], [np.exp(1j * phi) * s, np.exp(1j * (phi + delta)) * c]],
        dtype=complex,
    )


SWAP = np.eye(4, dtype=complex)[[0, 2, 1, 3]]
ISWAP = np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]], dtype=complex)
# the echoed cross-resonance gate (X I - Y X) / sqrt(2), written out
ECR = np.array([[0, 0, 1, 1j], [0, 0, 1j, 1], [1, -1j, 0, 0], [-1j, 1, 0, 0]], dtype=complex) / np.sqrt(2)


def controlled_by(target: np.ndarray, values: Sequence[int]) -> np.ndarray:
    """Control wires (first, ``len(values)`` of them) apply ``target`` when they hold ``values``."""
    d = target.shape[0]
    c = len(values)
    out = np.eye(d * 2**c, dtype=complex)
    block = int("".join(str(int(v)) for v in values), 2) if c else 0
    out[block * d : (block + 1) * d, block * d : (block + 1) * d] = target
    return out


def expm_hermitian(theta: float, g: np.ndarray) -> np.ndarray:
    """``exp(-i theta G)`` for a Hermitian ``G``, from its eigendecomposition."""
    w, v = np.linalg.eigh(g)
    return (v * np.exp(-1j * theta * w)) @ v.conj().T


def principal_power(m: np.ndarray, z: float) -> np.ndarray:
    """``m**z`` for a diagonalizable unitary: eigenvalues ``e^{i a}``, ``-pi < a <= pi``, to ``e^{i z a}``."""
    w, v = np.linalg.eig(m)
    a = np.angle(w)
    a = np.where(a <= -np.pi + 1e-9, a + 2 * np.pi, a)
    return (v * np.exp(1j * z * a)) @ np.linalg.inv(v)


def isingxy(t: float) -> np.ndarray:
    """IsingXY(t): ``cos(t/2)`` on ``|01>, |10>``, coupled by ``i sin(t/2)``."""
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[1, 0, 0, 0], [0, c, 1j * s, 0], [0, 1j * s, c, 0], [0, 0, 0, 1]], dtype=complex)


def excitation(t: float, dim: int, low: int, high: int, outside: complex = 0.0) -> np.ndarray:
    """A Givens rotation ``|low> -> c |low> + s |high>``, ``|high> -> c |high> - s |low>``.

    ``c, s = cos(t/2), sin(t/2)``; every other basis state gets the phase ``exp(outside * t)``.
    """
    out = np.exp(outside * t) * np.eye(dim, dtype=complex)
    c, s = np.cos(t / 2), np.sin(t / 2)
    out[low, low] = out[high, high] = c
    out[high, low], out[low, high] = s, -s
    return out


def fermionic_swap(t: float) -> np.ndarray:
    """FermionicSWAP(t) in PennyLane's convention, written out."""
    g, c, s = np.exp(0.5j * t), np.cos(t / 2), np.sin(t / 2)
    return np.array(
        [[1, 0, 0, 0], [0, g * c, -1j * g * s, 0], [0, -1j * g * s, g * c, 0], [0, 0, 0, g * g]],
        dtype=complex,
    )


def pauli_sum(terms: Sequence[tuple[float, str]]) -> np.ndarray:
    """``sum_k c_k P_k`` for Pauli words of equal length."""
    return sum(c * pauli_word(w) for c, w in terms)


# ``U(t) = exp(-i t G)``: the generators of the one-parameter gates, from their Pauli forms (the
# sign convention of PennyLane's ``generator()`` is ``exp(+i t G)``, so these are its negatives).
GENERATORS: dict[str, np.ndarray] = {
    "RX": 0.5 * X, "RY": 0.5 * Y, "RZ": 0.5 * Z, "PhaseShift": -np.diag([0.0, 1.0]),
    "CRX": np.kron(np.diag([0, 1]), 0.5 * X), "CRY": np.kron(np.diag([0, 1]), 0.5 * Y),
    "CRZ": np.kron(np.diag([0, 1]), 0.5 * Z), "ControlledPhaseShift": -np.diag([0.0, 0, 0, 1]),
    "IsingXX": 0.5 * pauli_word("XX"), "IsingYY": 0.5 * pauli_word("YY"), "IsingZZ": 0.5 * pauli_word("ZZ"),
    "IsingXY": pauli_sum([(-0.25, "XX"), (-0.25, "YY")]),
    "SingleExcitation": pauli_sum([(-0.25, "XY"), (0.25, "YX")]),
    "SingleExcitationPlus": pauli_sum([(-0.25, "II"), (-0.25, "XY"), (0.25, "YX"), (-0.25, "ZZ")]),
    "SingleExcitationMinus": pauli_sum([(0.25, "II"), (-0.25, "XY"), (0.25, "YX"), (0.25, "ZZ")]),
    "DoubleExcitation": pauli_sum(
        [(-0.0625, w) for w in ("XXXY", "XXYX", "XYYY", "YXYY")]
        + [(0.0625, w) for w in ("XYXX", "YXXX", "YYXY", "YYYX")]
    ),
    "OrbitalRotation": pauli_sum([(-0.25, "XZYI"), (0.25, "YZXI"), (-0.25, "IXZY"), (0.25, "IYZX")]),
    "FermionicSWAP": pauli_sum([(-0.5, "II"), (0.25, "IZ"), (0.25, "ZI"), (0.25, "XX"), (0.25, "YY")]),
}  # fmt: skip
_PLANE = np.zeros((16, 16), dtype=complex)
_PLANE[12, 3], _PLANE[3, 12] = 0.5j, -0.5j  # Y/2 on the plane of |0011> (3) and |1100> (12)
GENERATORS["DoubleExcitationPlus"] = np.diag([-0.5] * 3 + [0] + [-0.5] * 8 + [0] + [-0.5] * 3) + _PLANE
GENERATORS["DoubleExcitationMinus"] = np.diag([0.5] * 3 + [0] + [0.5] * 8 + [0] + [0.5] * 3) + _PLANE

# name -> (number of wires or None for "any", number of parameters)
GATE_SIGNATURES: dict[str, tuple[int | None, int]] = {
    "Identity": (1, 0), "PauliX": (1, 0), "PauliY": (1, 0), "PauliZ": (1, 0), "Hadamard": (1, 0),
    "S": (1, 0), "T": (1, 0), "SX": (1, 0),
    "CNOT": (2, 0), "CY": (2, 0), "CZ": (2, 0), "SWAP": (2, 0), "ISWAP": (2, 0),
    "CSWAP": (3, 0), "Toffoli": (3, 0),
    "RX": (1, 1), "RY": (1, 1), "RZ": (1, 1), "PhaseShift": (1, 1), "U1": (1, 1), "Rot": (1, 3),
    "U2": (1, 2), "U3": (1, 3),
    "CRX": (2, 1), "CRY": (2, 1), "CRZ": (2, 1), "CRot": (2, 3), "ControlledPhaseShift": (2, 1),
    "IsingXX": (2, 1), "IsingYY": (2, 1), "IsingZZ": (2, 1),
    "MultiRZ": (None, 1), "PauliRot": (None, 1), "QubitUnitary": (None, 1),
    "IsingXY": (2, 1), "ECR": (2, 0), "GlobalPhase": (None, 1), "Barrier": (None, 0),
    "DiagonalQubitUnitary": (None, 1),
    "SingleExcitation": (2, 1), "SingleExcitationPlus": (2, 1), "SingleExcitationMinus": (2, 1),
    "DoubleExcitation": (4, 1), "DoubleExcitationPlus": (4, 1), "DoubleExcitationMinus": (4, 1),
    "OrbitalRotation": (4, 1), "FermionicSWAP": (2, 1),
    "ControlledQubitUnitary": (None, 1), "MultiControlledX": (None, 0),
}  # fmt: skip
# the fewest wires a gate of any number of wires takes (default 1)
MIN_WIRES: dict[str, int] = {"ControlledQubitUnitary": 2, "MultiControlledX": 2}
# The gates added with the fermionic and controlled families: their derivatives are checked gate by
# gate in tests/test_gates_extended.py, not in the random circuits of tests/test_differentiation.py.
EXTENDED_GATES = frozenset(
    {
        "IsingXY", "ECR", "GlobalPhase", "Barrier", "DiagonalQubitUnitary",
        "SingleExcitation", "SingleExcitationPlus", "SingleExcitationMinus",
        "DoubleExcitation", "DoubleExcitationPlus", "DoubleExcitationMinus",
        "OrbitalRotation", "FermionicSWAP", "ControlledQubitUnitary", "MultiControlledX",
    }
)  # fmt: skip


def gate_matrix(
    name: str,
    params: Sequence[Any] = (),
    num_wires: int = 1,
    word: str | None = None,
    control_values: Sequence[int] | None = None,
) -> np.ndarray:
    """The ``(2^k, 2^k)`` matrix of a gate on its own wires, in the order given.

    ``control_values`` are those of the controlled gates (all 1 when ``None``).
    """
    p = [np.asarray(x) for x in params]
    f = [complex(x) if np.iscomplexobj(x) else float(x) for x in p if x.ndim == 0]
    fixed = {
        "Identity": I2, "PauliX": X, "PauliY": Y, "PauliZ": Z, "Hadamard": H,
        "S": np.diag([1, 1j]), "T": np.diag([1, np.exp(1j * np.pi / 4)]),
        "SX": 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]),
        "CNOT": controlled(X), "CY": controlled(Y), "CZ": controlled(Z), "SWAP": SWAP, "ISWAP": ISWAP,
        "CSWAP": controlled(SWAP), "Toffoli": controlled(controlled(X)), "ECR": ECR,
    }  # fmt: skip
    if name in fixed:
        return np.asarray(fixed[name], dtype=complex)
    rotations = {
        "RX": rx, "RY": ry, "RZ": rz, "PhaseShift": phase_shift, "U1": phase_shift, "Rot": rot,
        "U2": u2, "U3": u3,
        "CRX": lambda t: controlled(rx(t)), "CRY": lambda t: controlled(ry(t)),
        "CRZ": lambda t: controlled(rz(t)), "CRot": lambda *a: controlled(rot(*a)),
        "ControlledPhaseShift": lambda t: np.diag([1, 1, 1, np.exp(1j * t)]),
        "IsingXX": lambda t: pauli_exp(t, "XX"), "IsingYY": lambda t: pauli_exp(t, "YY"),
        "IsingZZ": lambda t: pauli_exp(t, "ZZ"), "IsingXY": isingxy,
        "SingleExcitation": lambda t: excitation(t, 4, 1, 2),
        "SingleExcitationPlus": lambda t: excitation(t, 4, 1, 2, 0.5j),
        "SingleExcitationMinus": lambda t: excitation(t, 4, 1, 2, -0.5j),
        "DoubleExcitation": lambda t: excitation(t, 16, 3, 12),
        "DoubleExcitationPlus": lambda t: excitation(t, 16, 3, 12, 0.5j),
        "DoubleExcitationMinus": lambda t: excitation(t, 16, 3, 12, -0.5j),
        "OrbitalRotation": lambda t: expm_hermitian(t, GENERATORS["OrbitalRotation"]),
        "FermionicSWAP": fermionic_swap,
    }  # fmt: skip
    if name in rotations:
        return np.asarray(rotations[name](*f), dtype=complex)
    if name == "MultiRZ":
        return pauli_exp(f[0], "Z" * num_wires)
    if name == "PauliRot":
        assert word is not None and len(word) == num_wires
        return pauli_exp(f[0], word)
    if name == "QubitUnitary":
        return np.asarray(p[0], dtype=complex)
    if name == "GlobalPhase":
        return np.exp(-1j * f[0]) * np.eye(2**num_wires)
    if name == "Barrier":
        return np.eye(2**num_wires, dtype=complex)
    if name == "DiagonalQubitUnitary":
        return np.diag(np.asarray(p[0], dtype=complex))
    if name in ("ControlledQubitUnitary", "MultiControlledX"):
        target = np.asarray(p[0], dtype=complex) if name == "ControlledQubitUnitary" else X
        k = int(np.log2(target.shape[0]))
        values = (1,) * (num_wires - k) if control_values is None else tuple(control_values)
        assert len(values) == num_wires - k
        return controlled_by(target, values)
    raise KeyError(f"reference: no matrix for {name!r}")


# --- circuits --------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Op:
    """One step of a reference circuit.

    ``name`` is a gate name of :data:`GATE_SIGNATURES`, ``"BasisState"`` or ``"StatePrep"``;
    ``word`` is PauliRot's Pauli word; ``adjoint`` applies the conjugate transpose;
    ``control_values`` are a controlled gate's (all 1 when ``None``).
    """

    name: str
    params: tuple[Any, ...]
    wires: tuple[int, ...]
    word: str | None = None
    adjoint: bool = False
    control_values: tuple[int, ...] | None = None

    def matrix(self) -> np.ndarray:
        """The gate matrix on ``wires`` (conjugate-transposed when ``adjoint``)."""
        m = gate_matrix(self.name, self.params, len(self.wires), self.word, self.control_values)
        return m.conj().T if self.adjoint else m


def embed(mat: np.ndarray, wires: Sequence[int], n: int) -> np.ndarray:
    """The ``2^n x 2^n`` operator acting as ``mat`` on ``wires`` (any order) and as I elsewhere."""
    wires = [int(w) for w in wires]
    k = len(wires)
    assert mat.shape == (2**k, 2**k) and len(set(wires)) == k and all(0 <= w < n for w in wires)
    order = wires + [w for w in range(n) if w not in wires]
    full = np.kron(mat, np.eye(2 ** (n - k))).reshape((2,) * (2 * n))
    # axis j of `full` (and n + j) is wire order[j]; put wire a on axis a.
    perm = [order.index(a) for a in range(n)]
    full = np.transpose(full, perm + [n + q for q in perm])
    return full.reshape(2**n, 2**n)


def bits_of(index: int, n: int) -> list[int]:
    """The ``n`` bits of a basis index, wire 0 (most significant) first."""
    return [(index >> (n - 1 - q)) & 1 for q in range(n)]


def product_state(factors: Sequence[tuple[Sequence[int], np.ndarray]], n: int) -> np.ndarray:
    """The product of state vectors on disjoint wire groups, with ``|0>`` on the remaining wires."""
    covered = {w for ws, _ in factors for w in ws}
    out = np.zeros(2**n, dtype=complex)
    for x in range(2**n):
        b = bits_of(x, n)
        if any(b[w] for w in range(n) if w not in covered):
            continue
        amp = 1.0 + 0j
        for ws, vec in factors:
            local = 0
            for w in ws:
                local = 2 * local + b[w]
            amp *= vec[local]
        out[x] = amp
    return out


def basis_vector(bits: Sequence[int]) -> np.ndarray:
    """The computational basis vector ``|bits>`` (wire 0 most significant)."""
    v = np.zeros(2 ** len(bits), dtype=complex)
    v[int("".join(str(int(b)) for b in bits), 2) if len(bits) else 0] = 1
    return v


def run(ops: Sequence[Op], n: int) -> np.ndarray:
    """The final state (length ``2^n``) of a circuit started in ``|0...0>``.

    Leading ``BasisState`` / ``StatePrep`` steps prepare their wires (the others stay in ``|0>``).
    """
    ops = list(ops)
    factors = []
    while ops and ops[0].name in ("BasisState", "StatePrep"):
        op = ops.pop(0)
        vec = basis_vector(op.params[0]) if op.name == "BasisState" else np.asarray(op.params[0], complex)
        factors.append((op.wires, vec))
    psi = product_state(factors, n)
    for op in ops:
        psi = embed(op.matrix(), op.wires, n) @ psi
    return psi


# --- observables and measurements ------------------------------------------------------------
def obs_wires(obs: tuple) -> tuple[int, ...]:
    """The wires an observable acts on, in order of first appearance."""
    kind = obs[0]
    if kind == "Tensor":
        return tuple(w for f in obs[1] for w in obs_wires(f))
    if kind == "Hamiltonian":
        return tuple(dict.fromkeys(w for t in obs[2] for w in obs_wires(t)))
    return tuple(obs[1])


def local_matrix(obs: tuple) -> np.ndarray:
    """The matrix of a single (non-Hamiltonian) observable on ``obs_wires(obs)``."""
    kind = obs[0]
    if kind in ("PauliX", "PauliY", "PauliZ", "Hadamard", "Identity"):
        return {"PauliX": X, "PauliY": Y, "PauliZ": Z, "Hadamard": H, "Identity": I2}[kind]
    if kind == "Hermitian":
        return np.asarray(obs[2], dtype=complex)
    if kind == "Projector":
        k = len(obs[1])
        st = np.asarray(obs[2])
        v = basis_vector(st) if st.shape == (k,) else st.astype(complex)
        return np.outer(v, v.conj())
    if kind == "Tensor":
        out = np.ones((1, 1), dtype=complex)
        for f in obs[1]:
            out = np.kron(out, local_matrix(f))
        return out
    raise KeyError(kind)


def obs_matrix(obs: tuple, n: int) -> np.ndarray:
    """The full ``2^n x 2^n`` matrix of an observable."""
    if obs[0] == "Hamiltonian":
        return sum(c * obs_matrix(t, n) for c, t in zip(obs[1], obs[2], strict=True))
    return embed(local_matrix(obs), obs_wires(obs), n)


def expval(psi: np.ndarray, obs: tuple, n: int) -> float:
    """The expectation value ``<psi|obs|psi>`` (checked to be real)."""
    val = np.vdot(psi, obs_matrix(obs, n) @ psi)
    assert abs(val.imag) < 1e-9
    return float(val.real)


def var(psi: np.ndarray, obs: tuple, n: int) -> float:
    """The variance ``<obs^2> - <obs>^2`` in the state ``psi``."""
    m = obs_matrix(obs, n)
    return float(np.vdot(psi, m @ m @ psi).real - np.vdot(psi, m @ psi).real ** 2)


def probs(psi: np.ndarray, wires: Sequence[int] | None, n: int) -> np.ndarray:
    """Marginal probabilities of ``wires`` (in that order; all wires when ``None``)."""
    wires = list(range(n)) if wires is None else [int(w) for w in wires]
    out = np.zeros(2 ** len(wires))
    for x, amp in enumerate(psi):
        b = bits_of(x, n)
        local = 0
        for w in wires:
            local = 2 * local + b[w]
        out[local] += abs(amp) ** 2
    return out


def eigenbasis(obs: tuple) -> np.ndarray:
    """Columns: the eigenvectors in PennyLane's eigenvalue order.

    Paulis and Hadamard: +1 then -1; Identity and basis projectors: the computational basis;
    Hermitian: ascending eigenvalues.
    """
    kind = obs[0]
    if kind in ("PauliX", "PauliY", "PauliZ", "Hadamard"):
        w, v = np.linalg.eigh(local_matrix(obs))
        return v[:, np.argsort(-w)]
    if kind == "Identity" or (kind == "Projector" and np.shape(obs[2]) == (len(obs[1]),)):
        return np.eye(2 ** len(obs[1]), dtype=complex)
    if kind == "Hermitian":
        return np.linalg.eigh(np.asarray(obs[2], dtype=complex))[1]
    if kind == "Tensor":
        out = np.ones((1, 1), dtype=complex)
        for f in obs[1]:
            out = np.kron(out, eigenbasis(f))
        return out
    raise KeyError(f"reference: no eigenbasis ordering for {kind}")


def probs_of_op(psi: np.ndarray, obs: tuple, n: int) -> np.ndarray:
    """Probabilities of the eigenstates of ``obs`` (the order of :func:`eigenbasis`)."""
    wires = obs_wires(obs)
    rotated = embed(eigenbasis(obs).conj().T, wires, n) @ psi
    return probs(rotated, wires, n)


def density_matrix(psi: np.ndarray, wires: Sequence[int], n: int) -> np.ndarray:
    """Reduced density matrix of ``wires`` (in that order), tracing out the rest."""
    wires = [int(w) for w in wires]
    k = len(wires)
    rho = np.zeros((2**k, 2**k), dtype=complex)
    for x in range(2**n):
        bx = bits_of(x, n)
        for y in range(2**n):
            by = bits_of(y, n)
            if any(bx[w] != by[w] for w in range(n) if w not in wires):
                continue
            i = int("".join(str(bx[w]) for w in wires), 2)
            j = int("".join(str(by[w]) for w in wires), 2)
            rho[i, j] += psi[x] * np.conj(psi[y])
    return rho


# --- random inputs ---------------------------------------------------------------------------
def random_state(rng: np.random.Generator, dim: int) -> np.ndarray:
    """A random normalised complex state vector of length ``dim``."""
    v = rng.normal(size=dim) + 1j * rng.normal(size=dim)
    return v / np.linalg.norm(v)


def random_unitary(rng: np.random.Generator, dim: int) -> np.ndarray:
    """A random ``dim x dim`` unitary (QR of a complex Gaussian matrix, phases fixed)."""
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim)))
    return q * (np.diag(r) / np.abs(np.diag(r)))


def random_hermitian(rng: np.random.Generator, dim: int) -> np.ndarray:
    """A random ``dim x dim`` Hermitian matrix."""
    a = rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))
    return (a + a.conj().T) / 2


# --- mixed states (issue 16) -------------------------------------------------------------------
# Channels as lists of Kraus matrices, each written out from its textbook formula in PennyLane's
# parameter conventions (Nielsen & Chuang section 8.3); a channel acts as rho -> sum_k K rho K^dagger.
P00 = np.array([[1, 0], [0, 0]], dtype=complex)
P01 = np.array([[0, 1], [0, 0]], dtype=complex)
P10 = np.array([[0, 0], [1, 0]], dtype=complex)
P11 = np.array([[0, 0], [0, 1]], dtype=complex)


def thermal_relaxation_kraus(pe: float, t1: float, t2: float, tg: float) -> list[np.ndarray]:
    """Kraus matrices of the thermal relaxation channel, from the eigenvectors of its Choi matrix.

    The map: populations relax to ``(1 - pe, pe)`` with ``r = 1 - exp(-tg/t1)`` and the coherence
    decays by ``exp(-tg/t2)``. Its Choi matrix ``C = sum_ij |i><j| (x) E(|i><j|)`` is diagonalized
    numerically and each eigenpair ``(lam, v)`` gives ``sqrt(lam) * v`` reshaped to ``2 x 2``.
    """
    r = 1 - np.exp(-tg / t1)
    e2 = np.exp(-tg / t2)

    def channel(m: np.ndarray) -> np.ndarray:
        out = np.zeros((2, 2), dtype=complex)
        out[0, 0] = (1 - pe * r) * m[0, 0] + (1 - pe) * r * m[1, 1]
        out[1, 1] = pe * r * m[0, 0] + (1 - (1 - pe) * r) * m[1, 1]
        out[0, 1] = e2 * m[0, 1]
        out[1, 0] = e2 * m[1, 0]
        return out

    units = [P00, P01, P10, P11]
    choi = sum(np.kron(u, channel(u)) for u in units)
    lam, vecs = np.linalg.eigh(choi)
    # C[(i, a), (j, b)] = sum_k K[a, i] conj(K[b, j]): each eigenvector holds K transposed.
    return [np.sqrt(max(v, 0.0)) * vecs[:, k].reshape(2, 2).T for k, v in enumerate(lam) if v > 1e-14]


def channel_kraus(name: str, params: Sequence[Any], word: str | None = None) -> list[np.ndarray]:
    """The Kraus matrices of the channel ``name`` with ``params`` (``word`` for ``PauliError``)."""
    p = [float(x) for x in params] if name != "QubitChannel" else list(params)
    if name == "AmplitudeDamping":
        g = p[0]
        return [np.array([[1, 0], [0, np.sqrt(1 - g)]]), np.array([[0, np.sqrt(g)], [0, 0]])]
    if name == "GeneralizedAmplitudeDamping":
        g, q = p
        return [
            np.sqrt(1 - q) * np.array([[1, 0], [0, np.sqrt(1 - g)]]),
            np.sqrt(1 - q) * np.array([[0, np.sqrt(g)], [0, 0]]),
            np.sqrt(q) * np.array([[np.sqrt(1 - g), 0], [0, 1]]),
            np.sqrt(q) * np.array([[0, 0], [np.sqrt(g), 0]]),
        ]
    if name == "PhaseDamping":
        g = p[0]
        return [np.array([[1, 0], [0, np.sqrt(1 - g)]]), np.array([[0, 0], [0, np.sqrt(g)]])]
    if name == "DepolarizingChannel":
        return [np.sqrt(1 - p[0]) * I2] + [np.sqrt(p[0] / 3) * m for m in (X, Y, Z)]
    if name == "BitFlip":
        return [np.sqrt(1 - p[0]) * I2, np.sqrt(p[0]) * X]
    if name == "PhaseFlip":
        return [np.sqrt(1 - p[0]) * I2, np.sqrt(p[0]) * Z]
    if name == "ResetError":
        p0, p1 = p
        return [
            np.sqrt(1 - p0 - p1) * I2,
            np.sqrt(p0) * P00,
            np.sqrt(p0) * P01,
            np.sqrt(p1) * P10,
            np.sqrt(p1) * P11,
        ]
    if name == "PauliError":
        assert word is not None
        return [np.sqrt(1 - p[0]) * np.eye(2 ** len(word)), np.sqrt(p[0]) * pauli_word(word)]
    if name == "ThermalRelaxationError":
        return thermal_relaxation_kraus(*p)
    if name == "QubitChannel":
        return [np.asarray(k, dtype=complex) for k in p[0]]
    raise KeyError(name)


CHANNEL_NAMES = (
    "AmplitudeDamping",
    "GeneralizedAmplitudeDamping",
    "PhaseDamping",
    "DepolarizingChannel",
    "BitFlip",
    "PhaseFlip",
    "ResetError",
    "PauliError",
    "ThermalRelaxationError",
)


def run_mixed(ops: Sequence[Op], n: int, rho0: np.ndarray | None = None) -> np.ndarray:
    """The final ``2^n x 2^n`` density matrix: gates ``U rho U^dagger``, channels ``sum K rho K^dagger``.

    ``rho0`` (default: the pure state of the leading preparations, as :func:`run`) starts the circuit;
    ``Op.name`` is a gate name or a channel name (``Op.word``: ``PauliError``'s letters).
    """
    ops = list(ops)
    if rho0 is None:
        preps = []
        while ops and ops[0].name in ("BasisState", "StatePrep"):
            preps.append(ops.pop(0))
        psi = run(preps, n)
        rho0 = np.outer(psi, psi.conj())
    rho = np.asarray(rho0, dtype=complex)
    for op in ops:
        if op.name in CHANNEL_NAMES or op.name == "QubitChannel":
            ks = [
                embed(np.asarray(k, dtype=complex), op.wires, n)
                for k in channel_kraus(op.name, op.params, op.word)
            ]
            rho = sum(k @ rho @ k.conj().T for k in ks)
        else:
            u = embed(op.matrix(), op.wires, n)
            rho = u @ rho @ u.conj().T
    return rho


def expval_rho(rho: np.ndarray, obs: tuple, n: int) -> float:
    """``Tr(O rho)``."""
    return float(np.trace(obs_matrix(obs, n) @ rho).real)


def var_rho(rho: np.ndarray, obs: tuple, n: int) -> float:
    """``Tr(O^2 rho) - Tr(O rho)^2``."""
    m = obs_matrix(obs, n)
    return float(np.trace(m @ m @ rho).real - np.trace(m @ rho).real ** 2)


def partial_trace_rho(rho: np.ndarray, wires: Sequence[int], n: int) -> np.ndarray:
    """The reduced density matrix of ``wires`` (in that order): sum over the other wires' equal bits."""
    wires = [int(w) for w in wires]
    k = len(wires)
    out = np.zeros((2**k, 2**k), dtype=complex)
    for x in range(2**n):
        bx = bits_of(x, n)
        for y in range(2**n):
            by = bits_of(y, n)
            if any(bx[w] != by[w] for w in range(n) if w not in wires):
                continue
            i = int("".join(str(bx[w]) for w in wires), 2)
            j = int("".join(str(by[w]) for w in wires), 2)
            out[i, j] += rho[x, y]
    return out


def probs_rho(rho: np.ndarray, wires: Sequence[int], n: int) -> np.ndarray:
    """Probabilities of the basis states of ``wires``: the diagonal of the reduced density matrix."""
    return np.real(np.diag(partial_trace_rho(rho, wires, n)))


def entropy(rho: np.ndarray, base: float | None = None) -> float:
    """``-sum lam log lam`` over the eigenvalues of ``rho`` (``0 log 0 = 0``)."""
    lam = np.linalg.eigvalsh(rho)
    lam = lam[lam > 1e-14]
    s = float(-np.sum(lam * np.log(lam)))
    return s if base is None else s / np.log(base)
