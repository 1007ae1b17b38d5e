"""``qml.draw`` and ``qml.specs``: PennyLane 0.45's text drawings and resource counts.

Drawings marked "PennyLane docs" are copied from PennyLane's documentation of ``qml.draw`` and
``qml.drawer.tape_text``; the others are derived by hand from its layout rules.
"""

from __future__ import annotations

import numpy as np
import pytest

import quantum_jax as qml
from quantum_jax._drawer import draw_tape, drawable_layers


def _lines(*lines: str) -> str:
    return "\n".join(lines)


@pytest.fixture
def two_wire() -> qml.QNode:
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0))

    return circuit


def test_two_wire_rx_cnot_expval(two_wire: qml.QNode) -> None:
    assert qml.draw(two_wire)(0.1) == _lines(
        "0: ──RX(0.10)─╭●─┤  <Z>",
        "1: ───────────╰X─┤     ",
    )


def test_decimals(two_wire: qml.QNode) -> None:
    assert qml.draw(two_wire, decimals=3)(0.12345) == _lines(
        "0: ──RX(0.123)─╭●─┤  <Z>",
        "1: ────────────╰X─┤     ",
    )
    assert qml.draw(two_wire, decimals=None)(0.1) == _lines(
        "0: ──RX─╭●─┤  <Z>",
        "1: ─────╰X─┤     ",
    )


def test_pennylane_docs_example() -> None:
    # PennyLane docs of qml.draw.
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(a, w):
        qml.Hadamard(0)
        qml.CRX(a, wires=[0, 1])
        qml.Rot(*w, wires=[1])
        qml.CRX(-a, wires=[0, 1])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    assert qml.draw(circuit)(a=2.3, w=[1.2, 3.2, 0.7]) == _lines(
        "0: ──H─╭●─────────────────────────────╭●─────────┤ ╭<Z@Z>",
        "1: ────╰RX(2.30)──Rot(1.20,3.20,0.70)─╰RX(-2.30)─┤ ╰<Z@Z>",
    )
    assert qml.draw(circuit, decimals=None)(a=2.3, w=[1.2, 3.2, 0.7]) == _lines(
        "0: ──H─╭●───────╭●──┤ ╭<Z@Z>",
        "1: ────╰RX──Rot─╰RX─┤ ╰<Z@Z>",
    )


def test_three_wires_toffoli_crx_swap_tensor() -> None:
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        qml.Hadamard(0)
        qml.Toffoli(wires=[0, 1, 2])
        qml.CRX(x, wires=[2, 0])
        qml.SWAP(wires=[1, 2])
        qml.ctrl(qml.RY(x, wires=1), control=0, control_values=[0])
        return qml.expval(qml.PauliZ(0) @ qml.PauliX(2)), qml.var(qml.PauliY(1))

    # The tensor product spans wire 1, so Var[Y] moves to a second measurement column.
    assert qml.draw(circuit)(0.5) == _lines(
        "0: ──H─╭●─╭RX(0.50)───────╭○────────┤ ╭<Z@X>        ",
        "1: ────├●─│─────────╭SWAP─╰RY(0.50)─┤ │       Var[Y]",
        "2: ────╰X─╰●────────╰SWAP───────────┤ ╰<Z@X>        ",
    )


def test_tape_text_docs_example() -> None:
    # PennyLane docs of qml.drawer.tape_text, without the QFT layer.
    ops = [
        qml.RX(1.234, wires=0),
        qml.RY(1.234, wires=1),
        qml.RZ(1.234, wires=2),
        qml.Toffoli(wires=(0, 1, "aux")),
    ]
    measurements = [
        qml.expval(qml.PauliZ("aux")),
        qml.var(qml.PauliZ(0) @ qml.PauliZ(1)),
        qml.probs(wires=(0, 1, 2, "aux")),
    ]
    tape = qml.tape.Tape(ops, measurements)
    assert draw_tape(tape, decimals=2) == _lines(
        "  0: ──RX(1.23)─╭●─┤ ╭Var[Z@Z] ╭Probs",
        "  1: ──RY(1.23)─├●─┤ ╰Var[Z@Z] ├Probs",
        "  2: ──RZ(1.23)─│──┤           ├Probs",
        "aux: ───────────╰X─┤  <Z>      ╰Probs",
    )
    assert draw_tape(tape, wire_order=["aux", 2, 1, 0]) == _lines(
        "aux: ─────╭X─┤  <Z>      ╭Probs",
        "  2: ──RZ─│──┤           ├Probs",
        "  1: ──RY─├●─┤ ╭Var[Z@Z] ├Probs",
        "  0: ──RX─╰●─┤ ╰Var[Z@Z] ╰Probs",
    )


def test_probs() -> None:
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def some_wires():
        qml.Hadamard(0)
        qml.CNOT(wires=[0, 2])
        return qml.probs(wires=[0, 2])

    @qml.qnode(dev)
    def all_wires():
        qml.Hadamard(0)
        qml.CZ(wires=[0, 1])
        return qml.probs()

    assert qml.draw(some_wires)() == _lines("0: ──H─╭●─┤ ╭Probs", "2: ────╰X─┤ ╰Probs")
    assert qml.draw(all_wires)() == _lines("0: ──H─╭●─┤  Probs", "1: ────╰Z─┤  Probs")


def test_max_length_wraps() -> None:
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(x):
        for i in range(6):
            qml.RX(x * (i + 1), wires=0)
        return qml.expval(qml.PauliZ(0))

    assert qml.draw(circuit, max_length=40)(0.1) == _lines(
        "0: ──RX(0.10)──RX(0.20)──RX(0.30) ···",
        "",
        "0: ··· ──RX(0.40)──RX(0.50) ···",
        "",
        "0: ··· ──RX(0.60)─┤  <Z>",
    )
    assert "···" not in qml.draw(circuit)(0.1)


def test_matrices() -> None:
    # PennyLane docs of qml.drawer.tape_text.
    ops = [qml.QubitUnitary(np.eye(2), wires=0), qml.QubitUnitary(np.eye(2), wires=1)]
    tape = qml.tape.Tape(ops, [qml.expval(qml.Hermitian(np.eye(4), wires=(0, 1)))])
    h = "\N{MATHEMATICAL BOLD SCRIPT CAPITAL H}"
    drawing = _lines(f"0: ──U(M0)─┤ ╭<{h}(M1)>", f"1: ──U(M0)─┤ ╰<{h}(M1)>")
    assert draw_tape(tape) == drawing + _lines(
        "",
        "M0 = ",
        "[[1. 0.]",
        " [0. 1.]]",
        "M1 = ",
        "[[1. 0. 0. 0.]",
        " [0. 1. 0. 0.]",
        " [0. 0. 1. 0.]",
        " [0. 0. 0. 1.]]",
    )
    assert draw_tape(tape, show_matrices=False) == drawing


def test_other_labels() -> None:
    ops = [
        qml.adjoint(qml.S(0)),
        qml.PhaseShift(0.5, wires=1),
        qml.ControlledPhaseShift(0.25, wires=[0, 1]),
        qml.MultiControlledX(wires=[0, 1, 2], control_values=[0, 1]),
    ]
    tape = qml.tape.Tape(ops, [qml.state()])
    assert draw_tape(tape, decimals=1) == _lines(
        "0: ──S†──────╭●───────╭○─┤  State",
        "1: ──Rϕ(0.5)─╰Rϕ(0.2)─├●─┤  State",
        "2: ───────────────────╰X─┤  State",
    )


def test_layers_push_left_without_reordering() -> None:
    ops = [qml.CNOT(wires=[0, 2]), qml.PauliX(1), qml.PauliX(3), qml.PauliX(0)]
    wire_map = {0: 0, 1: 1, 2: 2, 3: 3}
    layers = drawable_layers(ops, wire_map)
    assert [[op.name for op in layer] for layer in layers] == [["CNOT", "PauliX"], ["PauliX", "PauliX"]]


def test_specs_counts() -> None:
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev, diff_method="parameter-shift")
    def circuit(x, w):
        qml.Hadamard(0)
        qml.RX(x, wires=0)
        qml.Rot(*w, wires=1)
        qml.CNOT(wires=[0, 1])
        qml.Toffoli(wires=[0, 1, 2])
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.PauliZ(0)), qml.probs(wires=[1, 2])

    s = qml.specs(circuit)(0.1, [0.2, 0.3, 0.4])
    # By hand: 6 gates; 1 + 3 numeric parameters; wire 0 runs H, RX, CNOT, Toffoli, CNOT: depth 5.
    assert s["num_operations"] == 6
    assert s["num_observables"] == 2
    assert s["num_trainable_params"] == 4
    assert s["depth"] == 5
    assert s["gate_types"] == {"Hadamard": 1, "RX": 1, "Rot": 1, "CNOT": 2, "Toffoli": 1}
    assert s["gate_sizes"] == {1: 3, 2: 2, 3: 1}
    assert s["num_wires"] == 3
    assert s["num_device_wires"] == 4
    assert s["diff_method"] == "parameter-shift"
    assert s["shots"] is None
    assert s["resources"]["num_gates"] == 6
    assert s["resources"]["depth"] == 5
