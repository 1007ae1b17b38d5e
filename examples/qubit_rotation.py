"""Qubit rotation: turn |0> into |1> by optimising two rotation angles.

The PennyLane "basic tutorial" program with only its imports changed. Run it with
``python examples/qubit_rotation.py``; it asserts its final numbers.
"""

import quantum_jax as qml
from quantum_jax import numpy as np

dev1 = qml.device("lightning.qubit", wires=1)


@qml.qnode(dev1)
def circuit(params):
    qml.RX(params[0], wires=0)
    qml.RY(params[1], wires=0)
    return qml.expval(qml.PauliZ(0))


def cost(x):
    return circuit(x)


init_params = np.array([0.011, 0.012], requires_grad=True)
print("cost at init", cost(init_params))

opt = qml.GradientDescentOptimizer(stepsize=0.4)
steps = 100
params = init_params
for i in range(steps):
    params = opt.step(cost, params)
    if (i + 1) % 5 == 0:
        print(f"Cost after step {i + 1:5d}: {cost(params): .7f}")

print(f"Optimized rotation angles: {params}")
# <Z> = cos(x0) cos(x1): the optimum is cos = -1, reached at x0 = 0, x1 = pi.
assert abs(cost(params) + 1.0) < 1e-10
assert abs(params[0]) < 1e-8 and abs(params[1] - np.pi) < 1e-6
