"""Concurrency: the same QNode called from several Python threads at once gives the serial results.

The first calls run concurrently on cold caches (each test builds circuit structures no other test
uses), so the compile caches (``functools.lru_cache`` of the circuit functions, ``jax.jit``'s own) are
filled by racing threads; recording goes through a ``contextvars.ContextVar``, so threads never see
each other's gates. Results are compared with the serial ones and with written-out formulas.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import quantum_jax as qml

THREADS = 8


def run_concurrently(fn, inputs):
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(fn, inputs))


def layered(n_wires: int, tag: float, diff_method: str = "best", shots=None) -> qml.QNode:
    """A circuit whose depth follows its input's length (one tape structure per length)."""
    dev = qml.device("default.qubit", wires=n_wires, shots=shots, seed=7 if shots else None)

    @qml.qnode(dev, diff_method=diff_method, interface="jax")
    def circuit(x):
        for i in range(x.shape[0]):
            qml.RY(x[i] + tag, wires=i % n_wires)
            qml.CNOT(wires=[i % n_wires, (i + 1) % n_wires])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(n_wires - 1))

    return circuit


def test_concurrent_calls_on_cold_caches_equal_serial_calls():
    f = layered(3, tag=0.123)
    rng = np.random.default_rng(0)
    inputs = [jnp.asarray(rng.uniform(-np.pi, np.pi, size=1 + i % 5)) for i in range(4 * THREADS)]
    concurrent = run_concurrently(f, inputs)
    serial = [f(x) for x in inputs]
    np.testing.assert_array_equal(np.asarray(concurrent), np.asarray(serial))


def test_recordings_do_not_mix_between_threads():
    """Each thread records its own number of gates: RX(pi) on wire 0 k times flips Z k times."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev, interface="jax")
    def flips(k):
        for _ in range(k):
            qml.RX(np.pi, wires=0)
        return qml.expval(qml.PauliZ(0))

    ks = [1 + i % 6 for i in range(5 * THREADS)]
    got = run_concurrently(flips, ks)
    np.testing.assert_allclose([float(g) for g in got], [(-1.0) ** k for k in ks], atol=1e-12)


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint", "backprop"])
def test_concurrent_gradients_equal_serial_and_formula(method):
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev, diff_method=method, interface="jax")
    def circuit(x):
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(1))  # = cos(x0) cos(x1)

    grad = jax.grad(circuit)
    inputs = [jnp.array([0.1 * i, -0.2 * i + 0.3]) for i in range(3 * THREADS)]
    concurrent = run_concurrently(grad, inputs)
    serial = [grad(x) for x in inputs]
    np.testing.assert_allclose(np.asarray(concurrent), np.asarray(serial), atol=1e-15)
    want = [[-np.sin(a) * np.cos(b), -np.cos(a) * np.sin(b)] for a, b in np.asarray(inputs)]
    np.testing.assert_allclose(np.asarray(concurrent), want, atol=1e-10)


def test_concurrent_jitted_calls_and_sampling_with_keys():
    f = jax.jit(layered(2, tag=0.456))
    inputs = [jnp.full((3,), 0.05 * i) for i in range(2 * THREADS)]
    np.testing.assert_array_equal(np.asarray(run_concurrently(f, inputs)), np.asarray([f(x) for x in inputs]))

    sampler = layered(2, tag=0.789, diff_method="parameter-shift", shots=500)
    keys = [jax.random.key(i) for i in range(2 * THREADS)]
    x = jnp.array([0.4, 0.9])
    concurrent = run_concurrently(lambda k: sampler(x, key=k), keys)
    serial = [sampler(x, key=k) for k in keys]
    np.testing.assert_array_equal(np.asarray(concurrent), np.asarray(serial))
    assert len({float(v) for v in serial}) > 1  # different keys draw different samples
