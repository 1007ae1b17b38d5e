"""QAOA for MaxCut on a ring of six nodes, with qml.qaoa's cost and mixer Hamiltonians.

PennyLane's QAOA tutorial structure (imports changed; the graph is an edge list rather than a
networkx graph). The maximum cut of an even ring cuts every edge.
Run it with ``python examples/qaoa_maxcut.py``.
"""

import numpy as onp

import quantum_jax as qml
from quantum_jax import numpy as np

n = 6
edges = [(i, (i + 1) % n) for i in range(n)]
cost_h, mixer_h = qml.qaoa.maxcut(edges)


def qaoa_layer(gamma, alpha):
    qml.qaoa.cost_layer(gamma, cost_h)
    qml.qaoa.mixer_layer(alpha, mixer_h)


depth = 3
dev = qml.device("default.qubit", wires=n)


def circuit(params):
    for w in range(n):
        qml.Hadamard(wires=w)
    qml.layer(qaoa_layer, depth, params[0], params[1])


@qml.qnode(dev)
def cost(params):
    circuit(params)
    return qml.expval(cost_h)


@qml.qnode(dev)
def probability(params):
    circuit(params)
    return qml.probs(wires=range(n))


params = np.array([[0.5] * depth, [0.5] * depth], requires_grad=True)
opt = qml.AdamOptimizer(stepsize=0.05)
for step in range(200):
    params, c = opt.step_and_cost(cost, params)
    if step % 40 == 0:
        print(f"step {step:3d}  <H_C> = {c: .6f}")

probs = probability(params)
best = int(onp.argmax(probs))
bits = format(best, f"0{n}b")
cut = sum(bits[i] != bits[j] for i, j in edges)
print(f"final <H_C> = {cost(params):.6f}; most likely bitstring {bits} cuts {cut} of {len(edges)} edges")
assert cut == len(edges)  # 010101 or 101010
assert cost(params) < -0.85 * len(edges)  # PennyLane's maxcut cost is minus the expected cut
