"""A parameter sweep in one call: a batch of angles broadcast through a QNode, and its gradient.

Run it with ``python examples/broadcasting_sweep.py``; it asserts its final numbers.
"""

import jax
import jax.numpy as jnp
import numpy as onp

import quantum_jax as qml

jax.config.update("jax_enable_x64", True)  # JAX-interface code follows JAX's precision setting

dev = qml.device("default.qubit", wires=2)


@qml.qnode(dev, interface="jax", diff_method="parameter-shift")
def circuit(theta, phi):
    qml.RX(theta, wires=0)
    qml.CNOT(wires=[0, 1])
    qml.RY(phi, wires=1)
    return qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])


thetas = jnp.linspace(0, 2 * jnp.pi, 201)
phi = 0.3
z1, p0 = circuit(thetas, phi)  # one vmapped call for all 201 angles
print("shapes:", z1.shape, p0.shape)

# |psi> = cos(t/2)|00> - i sin(t/2)|11>, then RY(phi) on wire 1: <Z1> = cos(t) cos(phi)
onp.testing.assert_allclose(z1, onp.cos(thetas) * onp.cos(phi), atol=1e-12)
onp.testing.assert_allclose(p0[:, 1], onp.sin(thetas / 2) ** 2, atol=1e-12)

# d/dphi of the summed sweep, by parameter-shift through the broadcast batch
g = jax.grad(lambda p: jnp.sum(circuit(thetas, p)[0]))(phi)
expected = -onp.sum(onp.cos(thetas)) * onp.sin(phi)
print("d/dphi sum <Z1> =", float(g), "expected", expected)
assert abs(float(g) - expected) < 1e-10
