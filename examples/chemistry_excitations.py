"""VQE of the hydrogen molecule (STO-3G, 4 qubits) with Givens-rotation excitations.

The qubit Hamiltonian is PennyLane's for H2 at 0.74 Angstrom (Jordan-Wigner); the ansatz is the
Hartree-Fock state and AllSinglesDoubles (one DoubleExcitation and two SingleExcitations). The exact
ground energy of the two-electron sector is computed here with NumPy.
Run it with ``python examples/chemistry_excitations.py``.
"""

import numpy as onp

import quantum_jax as qml
from quantum_jax import numpy as np

Z, X, Y = qml.PauliZ, qml.PauliX, qml.PauliY
coeffs = [
    -0.04207897647782276, 0.17771287465139946, 0.1777128746513994, -0.24274280513140462,
    -0.24274280513140462, 0.17059738328801052, 0.04475014401535161, -0.04475014401535161,
    -0.04475014401535161, 0.04475014401535161, 0.12293305056183798, 0.16768319457718958,
    0.16768319457718958, 0.12293305056183798, 0.17627640804319591,
]  # fmt: skip
ops = [
    qml.Identity(0), Z(0), Z(1), Z(2), Z(3), Z(0) @ Z(1),
    Y(0) @ X(1) @ X(2) @ Y(3), Y(0) @ Y(1) @ X(2) @ X(3),
    X(0) @ X(1) @ Y(2) @ Y(3), X(0) @ Y(1) @ Y(2) @ X(3),
    Z(0) @ Z(2), Z(0) @ Z(3), Z(1) @ Z(2), Z(1) @ Z(3), Z(2) @ Z(3),
]  # fmt: skip
H = qml.Hamiltonian(coeffs, ops)
hf_state = np.array([1, 1, 0, 0], requires_grad=False)
singles = [[0, 2], [1, 3]]
doubles = [[0, 1, 2, 3]]

dev = qml.device("default.qubit", wires=4)


@qml.qnode(dev)
def energy(weights):
    qml.AllSinglesDoubles(weights, wires=range(4), hf_state=hf_state, singles=singles, doubles=doubles)
    return qml.expval(H)


weights = np.zeros(len(singles) + len(doubles), requires_grad=True)
opt = qml.GradientDescentOptimizer(stepsize=0.5)
for step in range(60):
    weights, e = opt.step_and_cost(energy, weights)
    if step % 10 == 0:
        print(f"step {step:3d}  energy {e: .10f} Ha")
final = energy(weights)

# The exact energy: the Hamiltonian's matrix from Kronecker products, restricted to two electrons.
mats = {"I": onp.eye(2), "X": onp.array([[0, 1], [1, 0]]), "Y": onp.array([[0, -1j], [1j, 0]])}
mats["Z"] = onp.diag([1, -1])
# the Pauli words of ``ops``, in order
words = ["IIII", "ZIII", "IZII", "IIZI", "IIIZ", "ZZII", "YXXY", "YYXX", "XXYY", "XYYX"]
words += ["ZIZI", "ZIIZ", "IZZI", "IZIZ", "IIZZ"]


def kron_word(word: str) -> onp.ndarray:
    out = onp.ones((1, 1))
    for letter in word:
        out = onp.kron(out, mats[letter])
    return out


h_matrix = sum(c * kron_word(w) for c, w in zip(coeffs, words, strict=True))
two_electrons = [i for i in range(16) if bin(i).count("1") == 2]
exact = onp.linalg.eigvalsh(h_matrix[onp.ix_(two_electrons, two_electrons)])[0]
print(f"VQE energy {final:.10f} Ha, exact {exact:.10f} Ha")
assert abs(final - exact) < 1e-6
assert abs(exact - (-1.1361894540879)) < 1e-9  # the known FCI energy of this Hamiltonian
