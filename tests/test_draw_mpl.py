"""``qml.draw_mpl``: matplotlib drawings with the text drawer's layers and labels.

The expected labels, positions and counts below are written out from the circuits (one wire line per
wire, one box per gate on its target wires, one dot per control, one label per measured wire), not read
back from the drawer.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import quantum_jax as qml

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.patches import Circle, FancyBboxPatch  # noqa: E402


def _texts(ax) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for t in ax.texts:
        out.setdefault(t.get_text(), []).append(tuple(np.round(t.get_position(), 6)))
    return out


def _wire_lines(ax) -> list[float]:
    """The y of every solid horizontal line (the wires)."""
    return sorted(
        float(line.get_ydata()[0])
        for line in ax.lines
        if line.get_linestyle() == "-" and np.ptp(line.get_ydata()) == 0 and np.ptp(line.get_xdata()) > 0
    )


@pytest.fixture
def three_wire():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        qml.Hadamard(0)
        qml.CRX(x, wires=[0, 1])
        qml.Toffoli(wires=[0, 1, 2])
        qml.SWAP(wires=[1, 2])
        qml.ctrl(qml.RY(0.3, wires=2), control=0, control_values=[0])
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(2)), qml.probs(wires=1)

    return circuit


def test_labels_wires_and_controls(three_wire) -> None:
    _, ax = qml.draw_mpl(three_wire, decimals=2)(0.1)
    texts = _texts(ax)
    assert sorted(texts) == sorted(
        ["0", "1", "2", "H", "RX(0.10)", "X", "SWAP", "RY(0.30)", "<Z@Z>", "Probs"]
    )
    # One line per wire, the first wire on top; wire labels on their wires.
    assert _wire_lines(ax) == [-2.0, -1.0, 0.0]
    assert [texts[w][0][1] for w in "012"] == [0.0, -1.0, -2.0]
    # Gates on their target wires (SWAP's box is centred between wires 1 and 2), in layer order.
    ys = {label: texts[label][0][1] for label in ["H", "RX(0.10)", "X", "SWAP", "RY(0.30)"]}
    assert ys == {"H": 0.0, "RX(0.10)": -1.0, "X": -2.0, "SWAP": -1.5, "RY(0.30)": -2.0}
    xs = [texts[label][0][0] for label in ["H", "RX(0.10)", "X", "SWAP", "RY(0.30)"]]
    assert xs == sorted(xs) and len(set(xs)) == 5
    # Controls: CRX one, Toffoli two, ctrl(RY) one open dot; all measurements right of every gate.
    dots = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(dots) == 4
    assert sorted(p.get_facecolor()[0] for p in dots) == [0.0, 0.0, 0.0, 1.0]
    assert sorted(p.center[1] for p in dots) == [-1.0, 0.0, 0.0, 0.0]
    assert len([p for p in ax.patches if isinstance(p, FancyBboxPatch)]) == 5
    assert sorted(y for _, y in texts["<Z@Z>"]) == [-2.0, 0.0]
    assert texts["Probs"][0][1] == -1.0
    assert min(x for x, _ in texts["<Z@Z>"] + texts["Probs"]) > max(xs)


def test_figure_is_not_tracked_by_pyplot(three_wire) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig, ax = qml.draw_mpl(three_wire)(0.1)
    assert plt.get_fignums() == before
    assert ax.figure is fig
    fig.canvas.draw()  # renders with the default font, no missing-glyph warning (warnings are errors)


def test_decimals_default_hides_parameters(three_wire) -> None:
    _, ax = qml.draw_mpl(three_wire)(0.1)
    assert "RX" in _texts(ax) and "RY" in _texts(ax)
    _, ax = qml.draw_mpl(three_wire, decimals=4)(0.12345)
    assert "RX(0.1235)" in _texts(ax)


def test_tapes_and_wire_order() -> None:
    tape = qml.tape.Tape(
        [qml.RX(0.5, wires="a"), qml.CNOT(wires=["a", "b"]), qml.IsingXX(0.25, wires=["a", "b"])],
        [qml.expval(qml.PauliX("b")), qml.var(qml.PauliZ("a"))],
    )
    _, ax = qml.draw_mpl(tape, decimals=1)()
    texts = _texts(ax)
    assert sorted(texts) == sorted(["a", "b", "RX(0.5)", "X", "IsingXX(0.2)", "<X>", "Var[Z]"])
    assert texts["a"][0][1] == 0.0 and texts["<X>"][0][1] == -1.0 and texts["Var[Z]"][0][1] == 0.0
    assert texts["IsingXX(0.2)"][0][1] == -0.5
    _, ax = qml.draw_mpl(tape, wire_order=["b", "a"], decimals=1)()
    texts = _texts(ax)
    assert texts["b"][0][1] == 0.0 and texts["<X>"][0][1] == 0.0 and texts["RX(0.5)"][0][1] == -1.0


def test_hamiltonian_label_and_matrices() -> None:
    h = qml.Hamiltonian([0.5, 0.2], [qml.PauliZ(0), qml.PauliX(1)])
    tape = qml.tape.Tape([qml.QubitUnitary(np.eye(2), wires=1)], [qml.expval(h)])
    fig, ax = qml.draw_mpl(tape, decimals=2)()
    texts = _texts(ax)
    assert sorted(y for _, y in texts[r"<$\mathcal{H}$(0.50,0.20)>"]) == [-1.0, 0.0]
    assert "U(M0)" in texts
    fig.canvas.draw()


def test_show_all_wires() -> None:
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def circuit():
        qml.PauliX(2)
        return qml.state()

    _, ax = qml.draw_mpl(circuit)()
    assert _wire_lines(ax) == [0.0]
    _, ax = qml.draw_mpl(circuit, show_all_wires=True)()
    assert _wire_lines(ax) == [-3.0, -2.0, -1.0, 0.0]
    assert _texts(ax)["X"][0][1] == -2.0


def test_errors(three_wire, monkeypatch) -> None:
    tape = qml.tape.Tape([qml.RX(0.5, wires=0)], [qml.expval(qml.PauliZ(0))])
    with pytest.raises(TypeError, match="takes no arguments"):
        qml.draw_mpl(tape)(0.1)
    with pytest.raises(TypeError, match="pass a QNode or a tape"):
        qml.draw_mpl(type("NotQNode", (), {"construct": lambda self, a, k: None})())()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        qml.draw_mpl(three_wire)(0.1)
