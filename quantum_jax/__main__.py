"""``python -m quantum_jax``: a tour of the library on the seed examples and a jitted training run."""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import optax

import quantum_jax as qml
from quantum_jax import numpy as np  # the PennyLane-style shim (turns on float64)


def seed_000() -> None:
    """Print seed 000: ``qml.execute`` on a batch of two tapes, then its gradient and Hessian.

    The cost combines an expectation value and two probability vectors, differentiated by parameter-shift
    with :func:`quantum_jax.grad` and :func:`quantum_jax.jacobian`.
    """
    print("== Seed 000: qml.execute on a batch of two tapes, gradient and Hessian by parameter-shift")
    dev = qml.device("lightning.qubit", wires=2)

    def cost_fn(params, x):
        with qml.tape.JacobianTape() as tape1:
            qml.RX(params[0], wires=0)
            qml.RY(params[1], wires=0)
            qml.expval(qml.PauliZ(0))
        with qml.tape.JacobianTape() as tape2:
            qml.RX(params[2], wires=0)
            qml.RY(x[0], wires=1)
            qml.CNOT(wires=[0, 1])
            qml.probs(wires=0)
            qml.probs(wires=1)
        res = qml.execute([tape1, tape2], dev, qml.gradients.param_shift)
        return res[0][0] + res[1][0, 0] - res[1][0, 1]

    params = np.array([0.1, 0.2, 0.3], requires_grad=True)
    x = np.array([0.5], requires_grad=True)
    print(">>> cost_fn(params, x)")
    print(cost_fn(params, x))
    print(">>> qml.grad(cost_fn)(params, x)")
    print(qml.grad(cost_fn)(params, x))
    x.requires_grad = False
    print(">>> qml.jacobian(qml.grad(cost_fn))(params, x)")
    print(qml.jacobian(qml.grad(cost_fn))(params, x))


def seed_002() -> None:
    """Print seed 002: gradients of QNodes using the oldest measurement syntax.

    The QNodes return ``qml.expval.PauliZ(0)`` and are differentiated by :func:`quantum_jax.grad` with
    ``argnum=0`` and ``argnum=[0, 1]``.
    """
    print("\n== Seed 002: a QNode with the oldest measurement syntax, qml.grad with argnum")
    dev1 = qml.device("default.qubit", wires=1)

    @qml.qnode(dev1)
    def circuit(params):
        qml.RX(params[0], wires=0)
        qml.RY(params[1], wires=0)
        return qml.expval.PauliZ(0)

    @qml.qnode(dev1)
    def circuit2(phi1, phi2):
        qml.RX(phi1, wires=0)
        qml.RY(phi2, wires=0)
        return qml.expval.PauliZ(0)

    print(">>> qml.grad(circuit, argnum=0)([0.54, 0.12])")
    print(qml.grad(circuit, argnum=0)([0.54, 0.12]))
    print(">>> qml.grad(circuit2, argnum=[0, 1])(0.54, 0.12)")
    print(qml.grad(circuit2, argnum=[0, 1])(0.54, 0.12))


def methods() -> None:
    """Print one circuit's value and jitted gradient under the four differentiation methods.

    The methods are parameter-shift, adjoint, backprop and finite-diff; for parameter-shift and backprop
    the trace of the jitted Hessian is printed too.
    """
    print("\n== One circuit, four differentiation methods, under jax.jit")
    dev = qml.device("default.qubit", wires=3)
    x = jnp.array([0.3, -0.7, 1.1, 0.4])
    for method in ("parameter-shift", "adjoint", "backprop", "finite-diff"):

        @qml.qnode(dev, diff_method=method, interface="jax")
        def circuit(p):
            qml.RX(p[0], wires=0)
            qml.CRY(p[1], wires=[0, 1])
            qml.Rot(p[2], p[3], 0.2, wires=2)
            qml.CNOT(wires=[1, 2])
            return qml.expval(qml.PauliZ(0) @ qml.PauliZ(2) + 0.5 * qml.PauliX(1))

        value = circuit(x)
        grad = jax.jit(jax.grad(circuit))(x)
        line = f"{method:>16}: value {float(value): .10f}  grad {jnp.round(grad, 8)}"
        if method in ("parameter-shift", "backprop"):
            hess = jax.jit(jax.hessian(circuit))(x)
            line += f"  Hessian trace {float(jnp.trace(hess)): .8f}"
        print(line)


def training() -> None:
    """Train a 4-qubit, 2-layer hardware-efficient ansatz with jitted optax Adam steps.

    The energy of a ``ZZ`` ring plus a transverse ``X`` field is minimised over 101 steps with
    parameter-shift gradients; the energy every 25 steps and the total time are printed.
    """
    print("\n== A jitted optax training run: 4-qubit hardware-efficient ansatz, parameter-shift gradients")
    n, layers = 4, 2
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev, diff_method="parameter-shift", interface="jax")
    def energy(w):
        for layer in range(layers):
            for i in range(n):
                qml.RY(w[layer, i, 0], wires=i)
                qml.RZ(w[layer, i, 1], wires=i)
            for i in range(n):
                qml.CNOT(wires=[i, (i + 1) % n])
        zz = [qml.PauliZ(i) @ qml.PauliZ((i + 1) % n) for i in range(n)]
        return qml.expval(
            qml.Hamiltonian(jnp.ones(n), zz)
            + qml.Hamiltonian(jnp.full(n, 0.5), [qml.PauliX(i) for i in range(n)])
        )

    opt = optax.adam(0.1)

    @jax.jit
    def step(w, state):
        loss, g = jax.value_and_grad(energy)(w)
        updates, state = opt.update(g, state)
        return optax.apply_updates(w, updates), state, loss

    w = jax.random.uniform(jax.random.PRNGKey(0), (layers, n, 2), minval=0, maxval=2 * jnp.pi)
    state = opt.init(w)
    start = time.perf_counter()
    for i in range(101):
        w, state, loss = step(w, state)
        if i % 25 == 0:
            print(f"  step {i:3d}  energy {float(loss): .6f}")
    print(f"  101 steps in {time.perf_counter() - start:.2f} s (first includes compilation)")


def main() -> None:
    """Run the whole tour: both seed examples, the differentiation methods and the training run."""
    seed_000()
    seed_002()
    methods()
    training()


if __name__ == "__main__":
    main()
