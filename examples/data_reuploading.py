"""A single-qubit data re-uploading classifier (Perez-Salinas et al., Quantum 4, 226 (2020)).

Points of the plane are labelled by whether they lie inside a circle; each layer re-uploads the
point through a Rot gate followed by trainable rotations. The whole data set runs as one broadcast
batch. Run it with ``python examples/data_reuploading.py``.
"""

import numpy as onp

import quantum_jax as qml
from quantum_jax import numpy as np


def circle(samples, seed):
    rng = onp.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(samples, 2))
    y = (onp.linalg.norm(x, axis=1) < onp.sqrt(2 / onp.pi)).astype(float)  # half the square's area
    return x, y


X_train, y_train = circle(200, seed=1)
X_test, y_test = circle(400, seed=2)
num_layers = 3
dev = qml.device("default.qubit", wires=1)


@qml.qnode(dev)
def classifier(params, x):
    for p in params:
        qml.Rot(x[:, 0], x[:, 1], 0.0, wires=0)  # a batch of points: parameter broadcasting
        qml.Rot(p[0], p[1], p[2], wires=0)
    return qml.expval(qml.PauliZ(0))


def cost(params, x, y):
    fidelity_with_one = (1 - classifier(params, x)) / 2  # |<1|psi>|^2
    return np.mean((fidelity_with_one - y) ** 2)


def accuracy(params, x, y):
    predicted = ((1 - classifier(params, x)) / 2 > 0.5).astype(float)
    return float(onp.mean(predicted == y))


onp.random.seed(0)
params = np.array(onp.random.uniform(0, onp.pi, size=(num_layers, 3)), requires_grad=True)
opt = qml.AdamOptimizer(0.1)
for step in range(120):
    params, c = opt.step_and_cost(cost, params, x=X_train, y=y_train)
    if step % 20 == 0:
        print(f"step {step:3d}  loss {c:.5f}  train accuracy {accuracy(params, X_train, y_train):.3f}")

train_acc, test_acc = accuracy(params, X_train, y_train), accuracy(params, X_test, y_test)
print(f"train accuracy {train_acc:.3f}, test accuracy {test_acc:.3f}")
assert train_acc > 0.85 and test_acc > 0.85
