"""Channels as data: Kraus matrices against formulas written out in ``reference.channel_kraus``.

A channel is compared as a map (its superoperator ``sum_k K_k (x) conj(K_k)``), which does not depend
on the choice of Kraus set, and, where PennyLane's Kraus set is the textbook one, matrix by matrix.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref
from circuit_builders import rng_for

import quantum_jax as qml

# name -> (valid parameters, wires)
CASES: dict[str, tuple[tuple[Any, ...], int]] = {
    "AmplitudeDamping": ((0.3,), 1),
    "GeneralizedAmplitudeDamping": ((0.3, 0.8), 1),
    "PhaseDamping": ((0.45,), 1),
    "DepolarizingChannel": ((0.2,), 1),
    "BitFlip": ((0.15,), 1),
    "PhaseFlip": ((0.35,), 1),
    "ResetError": ((0.1, 0.25), 1),
    "PauliError": ((0.3,), 2),
    "ThermalRelaxationError": ((0.1, 1.2, 1.3, 0.1), 1),
}
WORD = "XY"


def make(name: str, params: tuple[Any, ...], k: int) -> Any:
    if name == "PauliError":
        return qml.PauliError(WORD, *params, wires=list(range(k)))
    return getattr(qml, name)(*params, wires=list(range(k)))


def superop(kraus: list[np.ndarray]) -> np.ndarray:
    return sum(np.kron(k, k.conj()) for k in kraus)


@pytest.mark.parametrize("name", list(CASES))
def test_channel_map_matches_written_out_kraus(name: str) -> None:
    params, k = CASES[name]
    op = make(name, params, k)
    expected = ref.channel_kraus(name, params, WORD if name == "PauliError" else None)
    mine = [np.asarray(m) for m in op.kraus_matrices()]
    np.testing.assert_allclose(superop(mine), superop(expected), atol=1e-12, rtol=0)
    np.testing.assert_allclose(np.asarray(op.superoperator()), superop(expected), atol=1e-12, rtol=0)
    dim = 2**k
    np.testing.assert_allclose(sum(m.conj().T @ m for m in mine), np.eye(dim), atol=1e-12, rtol=0)
    if name != "ThermalRelaxationError":  # PennyLane's own Kraus set, matrix by matrix
        assert len(mine) == len(expected)
        for a, b in zip(mine, expected, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-12, rtol=0)


def test_thermal_relaxation_against_pennylane_numbers() -> None:
    # PennyLane 0.45's documented Kraus matrices of ThermalRelaxationError(0.1, 1.2, 1.3, 0.1) (t2 > t1)
    pl = [
        np.array([[0.0, 0.0], [0.08941789, 0.0]]),
        np.array([[0.0, 0.26825366], [0.0, 0.0]]),
        np.array([[-0.12718544, 0.0], [0.0, 0.13165421]]),
        np.array([[0.98784022, 0.0], [0.0, 0.95430977]]),
    ]
    op = qml.ThermalRelaxationError(0.1, 1.2, 1.3, 0.1, wires=0)
    np.testing.assert_allclose(np.asarray(op.superoperator()), superop(pl), atol=2e-8, rtol=0)


def test_thermal_relaxation_short_t2_regime() -> None:
    # t2 <= t1: PennyLane's six Kraus operators sqrt(pid) I, sqrt(pz) Z and four resets
    pe, t1, t2, tg = 0.3, 1.0, 0.6, 0.2
    reset = 1 - np.exp(-tg / t1)
    pz = (1 - reset) * (1 - np.exp(-tg / t2) / np.exp(-tg / t1)) / 2
    pr0, pr1 = (1 - pe) * reset, pe * reset
    six = [
        np.sqrt(1 - pz - pr0 - pr1) * ref.I2,
        np.sqrt(pz) * ref.Z,
        np.sqrt(pr0) * ref.P00,
        np.sqrt(pr0) * ref.P01,
        np.sqrt(pr1) * ref.P10,
        np.sqrt(pr1) * ref.P11,
    ]
    op = qml.ThermalRelaxationError(pe, t1, t2, tg, wires=0)
    np.testing.assert_allclose(np.asarray(op.superoperator()), superop(six), atol=1e-12, rtol=0)
    np.testing.assert_allclose(
        superop([np.asarray(m) for m in op.kraus_matrices()]), superop(six), atol=1e-12
    )


BAD = [
    (
        lambda: qml.AmplitudeDamping(1.2, wires=0),
        "AmplitudeDamping: 'gamma' must be a probability in \\[0, 1\\], got 1.2",
    ),
    (lambda: qml.GeneralizedAmplitudeDamping(0.1, -0.1, wires=0), "GeneralizedAmplitudeDamping: 'p' must be"),
    (lambda: qml.PhaseDamping(-0.5, wires=0), "PhaseDamping: 'gamma'"),
    (lambda: qml.DepolarizingChannel(1.5, wires=0), "DepolarizingChannel: 'p' must be a probability"),
    (lambda: qml.BitFlip(2, wires=0), "BitFlip: 'p'"),
    (lambda: qml.PhaseFlip(-1, wires=0), "PhaseFlip: 'p'"),
    (lambda: qml.ResetError(0.6, 0.5, wires=0), "ResetError: 'p0' \\+ 'p1' must be at most 1"),
    (lambda: qml.ResetError(0.6, -0.5, wires=0), "ResetError: 'p1'"),
    (lambda: qml.PauliError("XA", 0.1, wires=[0, 1]), "PauliError: 'operators' must be"),
    (lambda: qml.PauliError("XY", 0.1, wires=[0]), "PauliError: 'operators' 'XY' has 2 letter"),
    (lambda: qml.PauliError("X", 1.1, wires=[0]), "PauliError: 'p'"),
    (lambda: qml.ThermalRelaxationError(0.1, 1.0, 2.5, 0.1, wires=0), "'t2' must be at most 2 \\* t1"),
    (lambda: qml.ThermalRelaxationError(0.1, -1.0, 0.5, 0.1, wires=0), "'t1' must be positive"),
    (lambda: qml.ThermalRelaxationError(0.1, 1.0, 0.5, -0.1, wires=0), "'tg' \\(the gate time\\)"),
    (lambda: qml.ThermalRelaxationError(1.1, 1.0, 0.5, 0.1, wires=0), "'pe' must be a probability"),
    (lambda: qml.QubitChannel([np.eye(2), np.eye(2)], wires=0), "not complete: sum K\\^dagger K"),
    (lambda: qml.QubitChannel([np.eye(4)], wires=0), "'K_list' is 4x4 but wires=\\(0,\\) need a 2x2"),
    (lambda: qml.QubitChannel([np.eye(2), np.eye(4)], wires=0), "'K_list' must be a list of square matrices"),
]


@pytest.mark.parametrize(("build", "message"), BAD)
def test_bad_parameters_are_clear_errors(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_channels_are_not_unitaries() -> None:
    with pytest.raises(ValueError, match=r"BitFlip is a noise channel, not a unitary gate.*kraus_matrices"):
        qml.BitFlip(0.1, wires=0).matrix()


def test_qubit_channel_in_a_circuit() -> None:
    rng = rng_for("qubit-channel")
    # a random two-wire channel: the columns of an isometry V (16 x 4) cut into four Kraus matrices
    v = ref.random_unitary(rng, 16)[:, :4]
    kraus = [v[4 * j : 4 * j + 4, :] for j in range(4)]
    dev = qml.device("default.mixed", wires=3)

    @qml.qnode(dev)
    def circuit(x: Any) -> Any:
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.QubitChannel(kraus, wires=[2, 0])
        return qml.density_matrix(wires=[0, 1, 2])

    ops = [ref.Op("RX", (0.7,), (0,)), ref.Op("CNOT", (), (0, 1)), ref.Op("QubitChannel", (kraus,), (2, 0))]
    np.testing.assert_allclose(circuit(0.7), ref.run_mixed(ops, 3), atol=1e-12, rtol=0)


def test_traced_channel_parameters_under_jit() -> None:
    dev = qml.device("default.mixed", wires=1)

    @qml.qnode(dev)
    def circuit(x: Any, p: Any) -> Any:
        qml.RX(x, wires=0)
        qml.DepolarizingChannel(p, wires=0)
        return qml.expval(qml.PauliZ(0))

    # <Z> = (1 - 4p/3) cos x: X and Y flip Z, Z keeps it
    f = jax.jit(circuit)
    assert float(f(0.4, 0.3)) == pytest.approx((1 - 0.4) * np.cos(0.4), abs=1e-12)
    # smooth at p = 0: the superoperator is linear in the branch weights
    dp = jax.grad(circuit, argnums=1)(0.4, 0.0)
    assert float(dp) == pytest.approx(-4 / 3 * np.cos(0.4), abs=1e-12)
    assert np.isfinite(float(jax.grad(lambda g: _damped(g))(0.0)))


def _damped(g: Any) -> Any:
    dev = qml.device("default.mixed", wires=1)

    @qml.qnode(dev)
    def circuit(g: Any) -> Any:
        qml.PauliX(wires=0)
        qml.GeneralizedAmplitudeDamping(g, 0.2, wires=0)
        return qml.expval(qml.PauliZ(0))

    return circuit(g)


def test_generalized_amplitude_damping_fixed_point() -> None:
    # the channel at gamma = 1 leaves the thermal state diag(1 - p, p) from any input
    dev = qml.device("default.mixed", wires=1)

    @qml.qnode(dev)
    def circuit() -> Any:
        qml.Hadamard(wires=0)
        qml.GeneralizedAmplitudeDamping(1.0, 0.3, wires=0)
        return qml.state()

    np.testing.assert_allclose(circuit(), np.diag([0.7, 0.3]), atol=1e-12, rtol=0)


def test_pauli_error_identity_letters() -> None:
    op = qml.PauliError("IZ", 0.4, wires=["a", "b"])
    ks = [np.asarray(k) for k in op.kraus_matrices()]
    np.testing.assert_allclose(ks[1], np.sqrt(0.4) * np.kron(ref.I2, ref.Z), atol=1e-15)
    assert jnp.shape(op.superoperator()) == (16, 16)
