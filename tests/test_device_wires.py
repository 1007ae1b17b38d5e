"""Devices without fixed wires: each circuit runs on the wires it uses, in order of first appearance."""

from __future__ import annotations

import jax
import numpy as np
import pytest
import reference as ref

import quantum_jax as qml


def test_device_without_wires_runs_each_circuit_on_its_own_wires():
    dev = qml.device("default.qubit")
    assert dev.wires is None and dev.num_wires is None

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires="b")
        qml.CNOT(wires=["b", "a"])
        return qml.state(), qml.probs()

    state, probs = circuit(0.4)
    want = ref.run([ref.Op("RX", (0.4,), (0,)), ref.Op("CNOT", (), (0, 1))], 2)  # "b" first, then "a"
    np.testing.assert_allclose(state, want, atol=1e-12)
    np.testing.assert_allclose(probs, np.abs(want) ** 2, atol=1e-12)

    @qml.qnode(dev, diff_method="parameter-shift")
    def three(x):
        for w in range(3):
            qml.RY(x * (w + 1), wires=w)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(2))

    x = 0.3
    assert float(three(x)) == pytest.approx(np.cos(x) * np.cos(3 * x), abs=1e-12)
    g = jax.grad(three)(x)
    assert float(g) == pytest.approx(-np.sin(x) * np.cos(3 * x) - 3 * np.cos(x) * np.sin(3 * x), abs=1e-10)


def test_execute_on_a_device_without_wires_batches_tapes_of_different_wires():
    dev = qml.device("default.qubit")
    t1 = qml.tape.Tape([qml.RX(0.2, wires=0)], [qml.expval(qml.PauliZ(0))])
    t2 = qml.tape.Tape([qml.RX(0.2, wires=0), qml.RY(0.5, wires=1)], [qml.expval(qml.PauliZ(1))])
    r1, r2 = qml.execute([t1, t2], dev, None)
    np.testing.assert_allclose(r1, [np.cos(0.2)], atol=1e-12)
    np.testing.assert_allclose(r2, [np.cos(0.5)], atol=1e-12)
    assert repr(dev) == "<Device 'default.qubit': wires=None, shots=None>"
