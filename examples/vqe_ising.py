"""VQE of the transverse-field Ising chain with StronglyEntanglingLayers and the Adam optimizer.

A PennyLane-style program (imports changed only). The exact ground energy is computed here with
NumPy from the Hamiltonian's Kronecker-product matrix; the program asserts VQE reaches it.
Run it with ``python examples/vqe_ising.py``.
"""

import numpy as onp

import quantum_jax as qml
from quantum_jax import numpy as np

n, h = 4, 1.0
coeffs = [-1.0] * (n - 1) + [-h] * n
obs = [qml.PauliZ(i) @ qml.PauliZ(i + 1) for i in range(n - 1)] + [qml.PauliX(i) for i in range(n)]
H = qml.Hamiltonian(coeffs, obs)

dev = qml.device("default.qubit", wires=n)


@qml.qnode(dev)
def energy(weights):
    qml.StronglyEntanglingLayers(weights, wires=range(n))
    return qml.expval(H)


shape = qml.StronglyEntanglingLayers.shape(n_layers=3, n_wires=n)
onp.random.seed(1)
weights = np.array(onp.random.uniform(0, 2 * onp.pi, size=shape), requires_grad=True)
opt = qml.AdamOptimizer(stepsize=0.1)
for step in range(300):
    weights, e = opt.step_and_cost(energy, weights)
    if step % 50 == 0:
        print(f"step {step:4d}  energy {e: .8f}")
final = energy(weights)


def dense(word: dict) -> onp.ndarray:
    paulis = {"X": onp.array([[0, 1], [1, 0]]), "Z": onp.diag([1, -1])}
    out = onp.ones((1, 1))
    for w in range(n):
        out = onp.kron(out, paulis[word[w]] if w in word else onp.eye(2))
    return out


zz = sum(-dense({i: "Z", i + 1: "Z"}) for i in range(n - 1))
h_matrix = zz + sum(-h * dense({i: "X"}) for i in range(n))
exact = onp.linalg.eigvalsh(h_matrix)[0]
print(f"VQE energy {final:.8f}, exact ground energy {exact:.8f}")
assert abs(final - exact) < 1e-4
