"""A variational classifier learning the parity of four bits.

PennyLane's variational-classifier tutorial structure (imports changed; the 16 bitstrings are
generated here instead of read from a file): basis-state encoding, layers of Rot and a CNOT ring, a
bias, the square loss and the Nesterov momentum optimizer.
Run it with ``python examples/variational_classifier.py``.
"""

import itertools

import numpy as onp

import quantum_jax as qml
from quantum_jax import numpy as np

dev = qml.device("default.qubit", wires=4)


def layer(layer_weights):
    for wire in range(4):
        qml.Rot(*layer_weights[wire], wires=wire)
    for wires in ([0, 1], [1, 2], [2, 3], [3, 0]):
        qml.CNOT(wires)


def state_preparation(x):
    qml.BasisState(x, wires=[0, 1, 2, 3])


@qml.qnode(dev)
def circuit(weights, x):
    state_preparation(x)
    for layer_weights in weights:
        layer(layer_weights)
    return qml.expval(qml.PauliZ(0))


def variational_classifier(weights, bias, x):
    return circuit(weights, x) + bias


def square_loss(labels, predictions):
    return np.mean((labels - qml.math.stack(predictions)) ** 2)


def accuracy(labels, predictions):
    return sum(abs(label - p) < 1e-5 for label, p in zip(labels, predictions, strict=True)) / len(labels)


def cost(weights, bias, X, Y):
    predictions = [variational_classifier(weights, bias, x) for x in X]
    return square_loss(Y, predictions)


X = np.array(list(itertools.product([0, 1], repeat=4)), requires_grad=False)
Y = np.array([1.0 if sum(x) % 2 else -1.0 for x in X], requires_grad=False)  # parity as +-1

onp.random.seed(0)
num_layers = 2
weights = np.array(0.01 * onp.random.randn(num_layers, 4, 3), requires_grad=True)
bias = np.array(0.0, requires_grad=True)
opt = qml.NesterovMomentumOptimizer(0.5)
batch_size = 5
for it in range(60):
    batch = onp.random.randint(0, len(X), (batch_size,))
    weights, bias = opt.step(cost, weights, bias, X=X[batch], Y=Y[batch])
    predictions = [np.sign(variational_classifier(weights, bias, x)) for x in X]
    acc = accuracy(Y, predictions)
    if it % 10 == 0:
        print(f"Iter: {it + 1:4d} | Cost: {cost(weights, bias, X, Y):0.7f} | Accuracy: {acc:0.7f}")

print(f"final accuracy {acc}")
assert acc == 1.0
assert cost(weights, bias, X, Y) < 0.1
