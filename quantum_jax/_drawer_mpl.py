"""Matplotlib drawings of circuits (``qml.draw_mpl``).

The layout is the text drawer's (``_drawer``): the same layers, as far left as they go without
reordering, the same labels. Each wire is a horizontal line (the first wire on top); a gate is a
labelled box on its target wires, its controls are dots (filled: control on 1, open: on 0) joined to
the box by a vertical line, and the measurements follow a dashed separator, one label per measured
wire. matplotlib is an optional dependency (the ``notebooks`` and ``bench`` extras): it is imported
when a drawing is made, never when ``quantum_jax`` is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ._drawer import (
    _MEASUREMENT_LABELS,
    _SCRIPT_H,
    _controls,
    _item_wires,
    _Labeller,
    _wire_map,
    drawable_layers,
)
from ._measurements import MeasurementProcess
from ._tape import Tape

__all__ = ["draw_mpl", "tape_mpl"]

# Glyphs that matplotlib's default font lacks, written with its mathtext instead.
_GLYPHS = {_SCRIPT_H: r"$\mathcal{H}$"}
_BOX = 0.6  # the width and height of a one-wire gate box, in units of the wire spacing
_GAP = 0.3  # the space between layers
_INCH = 0.8  # inches per unit (the wire spacing)
_CHAR = 0.6 / 72 / _INCH  # the width of a character per point of font size, in units


def _glyphs(label: str) -> str:
    for glyph, text in _GLYPHS.items():
        label = label.replace(glyph, text)
    return label


@dataclass
class _Painter:
    """Draws boxes, controls and labels on one axes; wire ``i`` is the line ``y = -i``."""

    ax: Any
    fontsize: float

    def box(self, x: float, rows: Sequence[int], label: str) -> None:
        from matplotlib.patches import FancyBboxPatch

        lo, hi = min(rows), max(rows)
        width = max(_BOX, self.width(label))
        patch = FancyBboxPatch(
            (x - width / 2, -hi - _BOX / 2),
            width,
            hi - lo + _BOX,
            boxstyle="round,pad=0.02",
            facecolor="white",
            edgecolor="black",
            zorder=3,
        )
        self.ax.add_patch(patch)
        self.text(x, -(lo + hi) / 2, label)

    def width(self, label: str) -> float:
        """The width of a box around ``label``, in units."""
        return _CHAR * self.fontsize * len(label) + 0.2

    def text(self, x: float, y: float, label: str, **kwargs: Any) -> None:
        options = {"ha": "center", "va": "center", "fontsize": self.fontsize, "zorder": 4} | kwargs
        self.ax.text(x, y, _glyphs(label), **options)

    def control(self, x: float, row: int, value: bool) -> None:
        from matplotlib.patches import Circle

        face = "black" if value else "white"
        self.ax.add_patch(Circle((x, -row), 0.1, facecolor=face, edgecolor="black", zorder=3))

    def joint(self, x: float, rows: Sequence[int]) -> None:
        self.ax.plot([x, x], [-min(rows), -max(rows)], color="black", lw=1.5, zorder=2)


def _paint_gate(painter: _Painter, x: float, op: Any, wire_map: dict[Any, int], label: str) -> None:
    controls, values = _controls(op)
    wires = _item_wires(op) or tuple(wire_map)
    targets = [wire_map[w] for w in wires if w not in controls]
    if controls:
        painter.joint(x, [wire_map[w] for w in wires])
        for w, value in zip(controls, values, strict=True):
            painter.control(x, wire_map[w], value)
    painter.box(x, targets or [wire_map[w] for w in wires], label)


def _paint_measurement(painter: _Painter, x: float, mp: Any, wire_map: dict[Any, int], label: str) -> None:
    rows = [wire_map[w] for w in _item_wires(mp)] or list(wire_map.values())
    for row in rows:
        painter.text(x, -row, label)


def _label(item: Any, labeller: _Labeller) -> str:
    """The text drawer's label of a gate or a measurement."""
    if not isinstance(item, MeasurementProcess):
        return labeller.op(item)
    obs = None if item.obs is None else labeller.op(item.obs)
    make = _MEASUREMENT_LABELS.get(type(item).__name__)
    return make(obs) if make else type(item).__name__


def _columns(layers: list[list[Any]], labels: dict[int, str], fontsize: float, start: float) -> list[float]:
    """The x position of each layer's centre: each layer as wide as its longest label."""
    centres, x = [], start
    for layer in layers:
        width = max([_BOX] + [_CHAR * fontsize * len(labels[id(item)]) + 0.2 for item in layer])
        centres.append(x + width / 2)
        x += width + _GAP
    return centres


def tape_mpl(
    tape: Tape,
    wire_order: Sequence[Any] | None = None,
    show_all_wires: bool = False,
    decimals: int | None = None,
    fontsize: float = 12,
) -> tuple[Any, Any]:
    """The matplotlib drawing of a tape; see :func:`draw_mpl`.

    Args:
        tape: the tape to draw.
        wire_order: the wires from top to bottom; other used wires follow.
        show_all_wires: also draw wires of ``wire_order`` that no gate uses.
        decimals: digits of the parameters after the point; ``None`` hides parameters.
        fontsize: the size of the labels, in points.

    Returns:
        ``(figure, axes)``: a ``matplotlib.figure.Figure`` (not registered with pyplot) and its axes.

    Example:
        >>> import quantum_jax as qml
        >>> tape = qml.tape.Tape([qml.RX(0.1, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> fig, ax = tape_mpl(tape, decimals=1)
        >>> sorted(t.get_text() for t in ax.texts)
        ['0', '<Z>', 'RX(0.1)']
    """
    from matplotlib.figure import Figure

    wire_map = _wire_map(tape, wire_order, show_all_wires)
    labeller = _Labeller(decimals)
    op_layers = drawable_layers(tape.operations, wire_map) if tape.operations else []
    mp_layers = drawable_layers(tape.measurements, wire_map) if tape.measurements else []
    labels = {id(item): _label(item, labeller) for item in [*tape.operations, *tape.measurements]}
    op_x = _columns(op_layers, labels, fontsize, 0.0)
    cut = (op_x[-1] if op_x else 0.0) + 0.6
    mp_x = _columns(mp_layers, labels, fontsize, cut + _GAP)
    right = (mp_x[-1] if mp_x else cut) + 1.0
    n = max(len(wire_map), 1)
    fig = Figure(figsize=(_INCH * (right + 1.0), _INCH * n))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    painter = _Painter(ax, fontsize)
    for wire, row in wire_map.items():
        ax.plot([-0.3, cut], [-row, -row], color="black", lw=1, zorder=1)
        painter.text(-0.5, -row, str(wire), ha="right")
    for x, layer in zip(op_x, op_layers, strict=True):
        for op in layer:
            _paint_gate(painter, x, op, wire_map, labels[id(op)])
    if mp_layers:
        ax.plot([cut, cut], [0.4, -n + 0.6], color="gray", ls="--", lw=1, zorder=1)
    for x, layer in zip(mp_x, mp_layers, strict=True):
        for mp in layer:
            _paint_measurement(painter, x, mp, wire_map, labels[id(mp)])
    ax.set_xlim(-1.0, right)
    ax.set_ylim(-n + 0.5, 0.5)
    ax.set_axis_off()
    return fig, ax


def draw_mpl(
    qnode: Any,
    wire_order: Sequence[Any] | None = None,
    show_all_wires: bool = False,
    decimals: int | None = None,
    fontsize: float = 12,
) -> Callable[..., tuple[Any, Any]]:
    """A function that draws the circuit of a QNode (or a tape) with matplotlib.

    matplotlib is an optional dependency (``pip install matplotlib``, or the ``notebooks`` extra).
    The figure is a ``matplotlib.figure.Figure`` that pyplot does not track: show it in a notebook by
    leaving it as a cell's value, or save it with ``fig.savefig(path)``.

    Args:
        qnode: the QNode (anything with a ``construct(args, kwargs)`` method returning a tape), or a tape
            (then the returned function takes no arguments).
        wire_order: the wires from top to bottom; other used wires follow (default: the device's
            wire order, then the circuit's).
        show_all_wires: also draw wires of ``wire_order`` or the device that no gate uses.
        decimals: digits of the parameters after the point; ``None`` (the default, as PennyLane's)
            hides parameters.
        fontsize: the size of the labels, in points.

    Returns:
        A function of the QNode's arguments returning ``(figure, axes)``.

    Raises:
        ImportError: when matplotlib is not installed.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=2)
        >>> @qml.qnode(dev)
        ... def circuit(x):
        ...     qml.RX(x, wires=0)
        ...     qml.CNOT(wires=[0, 1])
        ...     return qml.expval(qml.PauliZ(1))
        >>> fig, ax = qml.draw_mpl(circuit, decimals=2)(0.1)
        >>> sorted(t.get_text() for t in ax.texts)
        ['0', '1', '<Z>', 'RX(0.10)', 'X']
    """

    def drawer(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        _require_matplotlib()
        tape, order = _tape_and_order(qnode, wire_order, args, kwargs)
        return tape_mpl(tape, order, show_all_wires, decimals, fontsize)

    return drawer


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "qml.draw_mpl needs matplotlib, an optional dependency: pip install matplotlib "
            "(or pip install 'quantum_jax[notebooks]')."
        ) from error


def _tape_and_order(
    qnode: Any, wire_order: Sequence[Any] | None, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Tape, Sequence[Any] | None]:
    """The tape to draw and its wire order (by default the device's)."""
    if isinstance(qnode, Tape):
        if args or kwargs:
            raise TypeError("draw_mpl of a tape: the drawing function takes no arguments; call it as ().")
        return qnode, wire_order
    tape = qnode.construct(args, kwargs)
    if not isinstance(tape, Tape):
        raise TypeError(f"draw_mpl: {qnode!r}.construct did not return a tape; pass a QNode or a tape.")
    device_wires = getattr(getattr(qnode, "device", None), "wires", None)
    if wire_order is None and device_wires is not None:
        return tape, list(device_wires)
    return tape, wire_order
