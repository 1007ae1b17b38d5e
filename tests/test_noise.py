"""The noise model ``qml.transforms.insert``: a noiseless circuit function run and trained with noise."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as ref

import quantum_jax as qml


def ansatz(x: Any) -> Any:
    qml.RY(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    qml.RX(x[2], wires=1)
    qml.CZ(wires=[1, 2])
    return qml.expval(qml.PauliZ(1) @ qml.PauliZ(2))


def ref_ops(x: np.ndarray, p: float) -> list[ref.Op]:
    """The ansatz with depolarising noise after each two-qubit gate, on both its wires."""
    return [
        ref.Op("RY", (x[0],), (0,)),
        ref.Op("RY", (x[1],), (1,)),
        ref.Op("CNOT", (), (0, 1)),
        ref.Op("DepolarizingChannel", (p,), (0,)),
        ref.Op("DepolarizingChannel", (p,), (1,)),
        ref.Op("RX", (x[2],), (1,)),
        ref.Op("CZ", (), (1, 2)),
        ref.Op("DepolarizingChannel", (p,), (1,)),
        ref.Op("DepolarizingChannel", (p,), (2,)),
    ]


ZZ = ("Tensor", [("PauliZ", (1,)), ("PauliZ", (2,))])
X0 = np.array([0.4, -1.1, 0.8])


def test_insert_on_a_tape_after_chosen_gates() -> None:
    tape = qml.tape.Tape(
        [qml.RX(0.1, wires=0), qml.CNOT(wires=[0, 1]), qml.RZ(0.2, wires=1)], [qml.expval(qml.PauliZ(1))]
    )
    names = lambda t: [(op.name, tuple(op.wires)) for op in t.operations]  # noqa: E731
    (after,), _ = qml.transforms.insert(tape, qml.BitFlip, 0.1, position=[qml.CNOT])
    assert names(after) == [
        ("RX", (0,)),
        ("CNOT", (0, 1)),
        ("BitFlip", (0,)),
        ("BitFlip", (1,)),
        ("RZ", (1,)),
    ]
    (before,), _ = qml.transforms.insert(tape, qml.BitFlip, 0.1, position=qml.RZ, before=True)
    assert names(before) == [("RX", (0,)), ("CNOT", (0, 1)), ("BitFlip", (1,)), ("RZ", (1,))]
    (every,), _ = qml.noise.insert(tape, qml.PhaseFlip, 0.2)
    assert [n for n, _ in names(every)].count("PhaseFlip") == 4
    (start,), _ = qml.transforms.insert(tape, qml.PhaseFlip, 0.2, position="start")
    assert names(start)[:2] == [("PhaseFlip", (0,)), ("PhaseFlip", (1,))]
    (end,), _ = qml.transforms.insert(tape, qml.PhaseFlip, 0.2, position="end")
    assert names(end)[-2:] == [("PhaseFlip", (0,)), ("PhaseFlip", (1,))]
    pauli = lambda p, wires: qml.PauliError("XX", p, wires=wires)  # noqa: E731
    (two,), _ = qml.transforms.insert(tape, pauli, 0.05, position=lambda g: len(g.wires) == 2)
    assert names(two)[2] == ("PauliError", (0, 1))
    assert len(tape.operations) == 3  # the input tape is unchanged


def test_insert_rejects_bad_positions() -> None:
    tape = qml.tape.Tape([qml.RX(0.1, wires=0)], [qml.expval(qml.PauliZ(0))])
    with pytest.raises(ValueError, match="insert: 'position' must be 'all', 'start', 'end'"):
        qml.transforms.insert(tape, qml.BitFlip, 0.1, position="middle")
    with pytest.raises(ValueError, match="insert: 'position' must list gate classes"):
        qml.transforms.insert(tape, qml.BitFlip, 0.1, position=[int])


def _noisy_qnode(method: str) -> Any:
    dev = qml.device("default.mixed", wires=3)
    circuit = qml.QNode(ansatz, dev, diff_method=method)
    return qml.transforms.insert(circuit, qml.DepolarizingChannel, 0.05, position=lambda g: len(g.wires) == 2)


@pytest.mark.parametrize("method", ["backprop", "parameter-shift"])
def test_noisy_training_of_a_noiseless_circuit_function(method: str) -> None:
    noisy = _noisy_qnode(method)
    x = jnp.asarray(X0)
    expected = ref.expval_rho(ref.run_mixed(ref_ops(X0, 0.05), 3), ZZ, 3)
    assert float(noisy(x)) == pytest.approx(expected, abs=1e-12)
    h = 1e-6
    grad_ref = [
        (
            ref.expval_rho(ref.run_mixed(ref_ops(X0 + h * e, 0.05), 3), ZZ, 3)
            - ref.expval_rho(ref.run_mixed(ref_ops(X0 - h * e, 0.05), 3), ZZ, 3)
        )
        / (2 * h)
        for e in np.eye(3)
    ]
    np.testing.assert_allclose(jax.grad(noisy)(x), grad_ref, atol=1e-8)
    # one gradient-descent step lowers the noisy cost
    step = x - 0.1 * jax.grad(noisy)(x)
    assert float(noisy(step)) < float(noisy(x))
    # noise shrinks the correlator towards 0: the noiseless value is larger in magnitude
    clean = qml.QNode(ansatz, qml.device("default.qubit", wires=3))
    assert abs(float(clean(x))) > abs(float(noisy(x)))


def test_trainable_noise_strength() -> None:
    dev = qml.device("default.mixed", wires=3)
    circuit = qml.QNode(ansatz, dev)

    def cost(p: Any) -> Any:
        noisy = qml.transforms.insert(circuit, qml.DepolarizingChannel, p, position=[qml.CNOT, qml.CZ])
        return noisy(jnp.asarray(X0))

    h = 1e-6
    dp = (
        ref.expval_rho(ref.run_mixed(ref_ops(X0, 0.05 + h), 3), ZZ, 3)
        - ref.expval_rho(ref.run_mixed(ref_ops(X0, 0.05 - h), 3), ZZ, 3)
    ) / (2 * h)
    assert float(jax.grad(cost)(0.05)) == pytest.approx(dp, abs=1e-8)
