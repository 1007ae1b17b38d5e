"""PennyLane's small compatibilities: ``qml.Tracker`` and ``qml.set_shots``.

Counts are checked against the circuits a computation must run (worked out in each test); values
against closed forms.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import quantum_jax as qml
from quantum_jax._set_shots import set_shots
from quantum_jax.transforms import split_non_commuting

DEV = qml.device("default.qubit", wires=2)


def rx_tape(x: float) -> qml.tape.Tape:
    return qml.tape.Tape([qml.RX(x, wires=0)], [qml.expval(qml.PauliZ(0))])


# ---------------------------------------------------------------------------------------------------
# Tracker


def test_tracker_totals_history_and_latest():
    with qml.Tracker(DEV) as tracker:
        qml.execute([rx_tape(0.1), rx_tape(0.2), rx_tape(0.3)], DEV, None)
    assert tracker.totals == {"executions": 3, "batches": 1}
    assert tracker.history["executions"] == [1, 1, 1]
    assert tracker.history["batches"] == [1]
    assert tracker.history["batch_len"] == tracker.history["batch_sizes"] == [3]
    assert tracker.latest == {"executions": 1}  # the batch is reported first, then each circuit


def test_tracker_counts_a_parameter_shift_gradient():
    """A gradient of n two-term parameters: one forward circuit, then one batch of 2n shifted ones."""

    @qml.qnode(DEV, diff_method="parameter-shift")
    def circuit(x: Any) -> Any:
        qml.RX(x[0], wires=0)
        qml.RY(x[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.RZ(x[2], wires=1)
        return qml.expval(qml.PauliZ(1))

    x = jnp.array([0.3, -0.4, 0.9])
    with qml.Tracker() as tracker:
        g = jax.grad(circuit)(x)
    assert tracker.totals["executions"] == 1 + 2 * 3
    assert tracker.totals["batches"] == 2
    assert sorted(tracker.history["batch_len"]) == [1, 6]
    # <Z1> = cos(x0) cos(x1): RZ commutes with the measurement
    expected = [-math.sin(0.3) * math.cos(-0.4), -math.cos(0.3) * math.sin(-0.4), 0.0]
    np.testing.assert_allclose(np.asarray(g), expected, atol=1e-10)


def test_tracker_persistent_and_reset_on_entering():
    tracker = qml.Tracker()
    with tracker:
        qml.execute([rx_tape(0.1)], DEV, None, cache=False)
    with tracker:
        qml.execute([rx_tape(0.2), rx_tape(0.3)], DEV, None, cache=False)
    assert tracker.totals["executions"] == 2  # entering again reset it
    persistent = qml.Tracker(persistent=True)
    with persistent:
        qml.execute([rx_tape(0.1)], DEV, None, cache=False)
    with persistent:
        qml.execute([rx_tape(0.2), rx_tape(0.3)], DEV, None, cache=False)
    assert persistent.totals["executions"] == 3
    assert persistent.history["batch_len"] == [1, 2]
    persistent.reset()
    assert persistent.totals == {"executions": 0, "batches": 0} and persistent.latest == {}


def test_tracker_callback_runs_on_every_update():
    seen: list[tuple[int, dict[str, Any]]] = []

    def callback(totals: dict[str, Any], history: dict[str, Any], latest: dict[str, Any]) -> None:
        assert history["executions"] == [1] * totals["executions"]
        seen.append((totals["executions"], dict(latest)))

    with qml.Tracker(callback=callback):
        qml.execute([rx_tape(0.1), rx_tape(0.2)], DEV, None)
    assert seen == [(0, {"batches": 1, "batch_len": 2}), (1, {"executions": 1}), (2, {"executions": 1})]


def test_tracker_update_and_active():
    tracker = qml.Tracker()
    tracker.update(shots=100, label="a")
    tracker.update(shots=50)
    assert tracker.totals["shots"] == 150 and "label" not in tracker.totals
    assert tracker.history["label"] == ["a"] and tracker.latest == {"shots": 50}
    assert not tracker.active
    tracker.active = True  # recording without a with-block
    try:
        qml.execute([rx_tape(0.7)], DEV, None, cache=False)
        jax.effects_barrier()
    finally:
        tracker.active = False
    assert tracker.totals["executions"] == 1
    qml.execute([rx_tape(0.8)], DEV, None, cache=False)
    jax.effects_barrier()
    assert tracker.totals["executions"] == 1  # inactive again


def test_tracker_counts_under_jit():
    @jax.jit
    def f(x: Any) -> Any:
        return qml.execute([rx_tape(x), rx_tape(2 * x)], DEV, None, interface="jax")[0]

    with qml.Tracker() as tracker:
        f(0.3)
        f(0.4)
    assert tracker.totals["executions"] == 4 and tracker.totals["batches"] == 2


def test_tracker_argument_errors():
    with pytest.raises(TypeError, match=r"'dev' must be a device made by qml\.device"):
        qml.Tracker("default.qubit")
    with pytest.raises(TypeError, match="'callback' must be callable"):
        qml.Tracker(DEV, callback=3)


# ---------------------------------------------------------------------------------------------------
# set_shots


def make_circuit(dev: Any) -> Any:
    @qml.qnode(dev)
    def circuit(x: Any) -> Any:
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    return circuit


X = 1.1  # <Z> = cos(1.1) ~ 0.4536: one shot has variance 1 - cos^2


def test_set_shots_returns_a_new_qnode_and_leaves_the_original():
    circuit = make_circuit(DEV)
    sampled = set_shots(circuit, 4000)
    assert sampled is not circuit and sampled.device.shots.total == 4000
    assert circuit.device.shots is None and circuit.device is DEV
    assert float(circuit(X)) == pytest.approx(math.cos(X), abs=1e-12)  # still exact
    value = float(sampled(X))
    sigma = math.sqrt((1 - math.cos(X) ** 2) / 4000)
    assert abs(value - math.cos(X)) < 5 * sigma
    assert value != pytest.approx(math.cos(X), abs=1e-9)  # sampled, not exact
    assert float(sampled(X)) == value  # the device drew a seed once: calls are reproducible


def test_set_shots_decorator_forms():
    dev = qml.device("default.qubit", wires=1, seed=3)

    def qfunc() -> Any:
        qml.Hadamard(0)
        return qml.sample(qml.PauliZ(0))

    positional = set_shots(25)(qml.qnode(dev)(qfunc))
    keyword = set_shots(shots=30)(qml.qnode(dev)(qfunc))
    partial = functools.partial(set_shots, shots=35)(qml.qnode(dev)(qfunc))
    inline = set_shots(qml.qnode(dev)(qfunc), shots=[5, (10, 2)])
    assert positional().shape == (25,) and keyword().shape == (30,) and partial().shape == (35,)
    assert set(np.unique(np.asarray(positional())).tolist()) <= {-1.0, 1.0}
    bins = inline()
    assert [np.shape(b) for b in bins] == [(5,), (10,), (10,)]  # one result per bin of the shot vector


def test_set_shots_none_is_analytic():
    shot_dev = qml.device("default.qubit", wires=2, shots=10, seed=1)
    exact = set_shots(None)(make_circuit(shot_dev))
    assert exact.device.shots is None
    assert float(exact(X)) == pytest.approx(math.cos(X), abs=1e-12)
    # the call's shots= still overrides
    assert float(exact(X, shots=None)) == pytest.approx(math.cos(X), abs=1e-12)


def test_set_shots_on_a_transformed_qnode():
    @split_non_commuting
    @qml.qnode(qml.device("default.qubit", wires=1, seed=2))
    def circuit() -> Any:
        qml.RY(0.6, wires=0)
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliX(0))

    sampled = set_shots(circuit, 3000)
    z, x = (float(v) for v in sampled())
    sigma = 1 / math.sqrt(3000)
    assert abs(z - math.cos(0.6)) < 5 * sigma and abs(x - math.sin(0.6)) < 5 * sigma
    assert circuit.device.shots is None


def test_set_shots_errors():
    circuit = make_circuit(DEV)
    with pytest.raises(ValueError, match="'qnode' must be a QNode"):
        set_shots(lambda: None, 10)
    with pytest.raises(ValueError, match="'qnode' must be a QNode"):
        set_shots(10)(lambda: None)
    with pytest.raises(TypeError, match="given twice"):
        set_shots(circuit, 10, shots=20)
    with pytest.raises(TypeError, match="no shots given"):
        set_shots(circuit)
    with pytest.raises(TypeError, match="no shots given"):
        set_shots()
    with pytest.raises(TypeError, match="takes a QNode and the shots"):
        set_shots(circuit, 1, 2)
    with pytest.raises(ValueError, match="set_shots"):
        set_shots(circuit, -5)
    with pytest.raises(ValueError, match="set_shots"):
        set_shots(-5)
