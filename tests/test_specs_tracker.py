"""``qml.specs`` against ``qml.Tracker``: the counts specs reports predict the circuits a call executes.

``specs`` reports the trainable parameters ``P`` of a circuit; with single-frequency (two-term) gates the
composed parameter-shift rule runs ``(1 + 2P)**k`` circuits for a ``k``-th derivative tensor and forward
finite differences ``(1 + P)**k`` (``docs/concepts.md``); adjoint and backprop run one. The tracker must
record exactly that for the same call.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

import quantum_jax as qml

PER_PARAMETER = {"parameter-shift": 2, "finite-diff": 1, "adjoint": 0, "backprop": 0}


def _circuit(method: str, n_params: int) -> qml.QNode:
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev, diff_method=method, interface="jax")
    def f(t):
        for i in range(n_params):
            qml.RX(t[i], wires=i % 3)
            qml.CNOT(wires=[i % 3, (i + 1) % 3])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    return f


def _executions(fn, x) -> int:
    with qml.Tracker() as tracker:
        jax.block_until_ready(fn(x))
    return tracker.totals["executions"]


@pytest.mark.parametrize("method", list(PER_PARAMETER))
@pytest.mark.parametrize("n_params", [1, 3])
def test_specs_parameter_count_predicts_tracked_executions(method: str, n_params: int) -> None:
    f = _circuit(method, n_params)
    x = jnp.linspace(0.1, 0.7, n_params)
    specs = qml.specs(f)(x)
    p = specs["num_trainable_params"]
    assert p == n_params and specs["gate_types"] == {"RX": n_params, "CNOT": n_params}
    assert specs["diff_method"] == method
    per_order = 1 + PER_PARAMETER[method] * p
    assert _executions(f, x) == 1
    assert _executions(jax.grad(f), x) == per_order
    assert _executions(jax.hessian(f), x) == per_order**2
