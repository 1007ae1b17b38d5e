"""Text drawings of circuits (``qml.draw``) and their resource counts (``qml.specs``).

The layout follows PennyLane 0.45's text drawer: operations are packed into layers as far left as
they go without reordering (a gate occupies every wire between its lowest and highest one), each
layer is padded to its widest label, the gates are separated from the measurements by ``─┤`` and a
line longer than ``max_length`` wraps into blocks joined by ``···``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._controlled import Controlled
from ._gates import Adjoint, GlobalPhase, Pow
from ._measurements import MeasurementProcess
from ._observables import Hamiltonian, Tensor
from ._tape import Tape

__all__ = ["draw", "specs"]

_SCRIPT_H = "\N{MATHEMATICAL BOLD SCRIPT CAPITAL H}"  # PennyLane's label of Hermitian, Hamiltonian

# PennyLane's labels where they are not the class name.
_LABELS = {
    "PauliX": "X",
    "PauliY": "Y",
    "PauliZ": "Z",
    "Hadamard": "H",
    "Identity": "I",
    "PhaseShift": "Rϕ",
    "Hermitian": _SCRIPT_H,
    "QubitUnitary": "U",
    "Barrier": "||",
    "BasisState": "|Ψ⟩",
    "StatePrep": "|Ψ⟩",
    "QubitStateVector": "|Ψ⟩",
}

# Gates that PennyLane draws as controlled: (number of control wires, the target's label).
_CONTROLLED = {
    "CNOT": (1, "X"),
    "CY": (1, "Y"),
    "CZ": (1, "Z"),
    "CH": (1, "H"),
    "Toffoli": (2, "X"),
    "CCZ": (2, "Z"),
    "CSWAP": (1, "SWAP"),
    "CRX": (1, "RX"),
    "CRY": (1, "RY"),
    "CRZ": (1, "RZ"),
    "CRot": (1, "Rot"),
    "ControlledPhaseShift": (1, "Rϕ"),
}

_MEASUREMENT_LABELS: dict[str, Callable[[str | None], str]] = {
    "ExpectationMP": lambda label: f"<{label}>",
    "VarianceMP": lambda label: f"Var[{label}]",
    "ProbabilityMP": lambda label: f"Probs[{label}]" if label else "Probs",
    "SampleMP": lambda label: f"Sample[{label}]" if label else "Sample",
    "CountsMP": lambda label: f"Counts[{label}]" if label else "Counts",
    "StateMP": lambda label: "State",
    "DensityMatrixMP": lambda label: "DensityMatrix",
}

_SUPERSCRIPT = str.maketrans("0123456789.+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⋅⁺⁻")


@dataclass
class _Labeller:
    """Labels of operators at a precision, numbering matrix parameters ``M0, M1, ...`` as met."""

    decimals: int | None
    matrices: list[np.ndarray] = field(default_factory=list)

    def matrix(self, mat: Any) -> str:
        arr = np.asarray(mat)
        for i, known in enumerate(self.matrices):
            if known.shape == arr.shape and np.allclose(known, arr):
                return f"M{i}"
        self.matrices.append(arr)
        return f"M{len(self.matrices) - 1}"

    def params(self, name: str, params: Sequence[Any]) -> str:
        """``name`` with its parameters, as PennyLane's ``Operator.label``."""
        if not params:
            return name
        if np.ndim(params[0]) != 0:
            return f"{name}({self.matrix(params[0])})" if len(params) == 1 else name
        if self.decimals is None:
            return name
        return f"{name}({','.join(self._format(p) for p in params)})"

    def _format(self, x: Any) -> str:
        try:
            return format(np.asarray(x).item(), f".{self.decimals}f")
        except (TypeError, ValueError):
            return format(x)

    def op(self, op: Any) -> str:
        """The label of a gate or an observable."""
        if isinstance(op, Adjoint):
            return self.op(op.base) + "†"
        if isinstance(op, Pow):
            return self.op(op.base) + format(op.z).translate(_SUPERSCRIPT)
        if isinstance(op, Controlled):
            return self.op(op.base)
        if isinstance(op, Tensor):
            return "@".join(self.op(o) for o in op.obs)
        if isinstance(op, Hamiltonian):
            coeffs = list(np.ravel(np.asarray(op.coeffs)))
            return self.params(_SCRIPT_H, coeffs if len(coeffs) <= 3 else [])
        name = type(op).__name__
        if name == "PauliRot":
            return self.params("R" + op.pauli_word, op.params)
        if name == "BasisStateProjector":
            bits = "".join(str(int(b)) for b in np.ravel(np.asarray(op.params[0])))
            return f"|{bits}⟩⟨{bits}|"
        if name in _CONTROLLED:
            return self.params(_CONTROLLED[name][1], op.params)
        if name in ("BasisState", "StatePrep", "QubitStateVector"):
            return _LABELS[name]
        return self.params(_LABELS.get(name, name), op.params)


def _controls(op: Any) -> tuple[tuple[Any, ...], list[bool]]:
    """The control wires of a gate PennyLane draws as controlled, and their control values."""
    if isinstance(op, Controlled):
        return tuple(op.control_wires), list(op.control_values)
    k = _CONTROLLED.get(type(op).__name__, (0, ""))[0]
    return tuple(op.wires[:k]), [True] * k


def _item_wires(item: Any) -> tuple[Any, ...]:
    return tuple(item.measured_wires) if isinstance(item, MeasurementProcess) else tuple(item.wires)


def _spans_all(item: Any) -> bool:
    """Whether the item is drawn across every wire (no wires of its own, or a global phase)."""
    return not _item_wires(item) or isinstance(item, GlobalPhase)


def _occupied(item: Any, wire_map: dict[Any, int]) -> set[int]:
    wires = _item_wires(item)
    if not wires:
        return set(wire_map.values())
    mapped = [wire_map[w] for w in wires]
    return set(range(min(mapped), max(mapped) + 1))


def drawable_layers(items: Sequence[Any], wire_map: dict[Any, int]) -> list[list[Any]]:
    """Pack items into layers, each as far left as it goes without passing an item it overlaps.

    An item occupies every wire between its lowest and highest one. There is always at least one
    (possibly empty) layer.
    """
    layers: list[list[Any]] = [[]]
    occupied: list[set[int]] = [set()]
    for item in items:
        wires = _occupied(item, wire_map)
        blocking = [i for i, occ in enumerate(occupied) if occ & wires]
        layer = blocking[-1] + 1 if blocking else 0
        if layer == len(layers):
            layers.append([])
            occupied.append(set())
        layers[layer].append(item)
        occupied[layer] |= wires
    return layers


def _group(wires: Sequence[int], cols: list[str]) -> None:
    """``╭``, ``├``, ``│`` and ``╰`` over the span of a multi-wire item (positions ``wires``)."""
    if len(wires) <= 1:
        return
    lo, hi = min(wires), max(wires)
    cols[lo], cols[hi] = "╭", "╰"
    for w in range(lo + 1, hi):
        cols[w] = "├" if w in wires else "│"


def _add_item(item: Any, cols: list[str], wire_map: dict[Any, int], labeller: _Labeller) -> None:
    """Draw one gate or measurement into the current layer's column strings."""
    if isinstance(item, MeasurementProcess):
        obs = None if item.obs is None else labeller.op(item.obs)
        make = _MEASUREMENT_LABELS.get(type(item).__name__)
        label = make(obs) if make else type(item).__name__
        controls: tuple[Any, ...] = ()
        values: list[bool] = []
    else:
        controls, values = _controls(item)
        label = labeller.op(item)
    if _spans_all(item) and not controls:
        positions = list(range(len(cols)))
        if not isinstance(item, MeasurementProcess):
            _group(positions, cols)
    else:
        positions = [wire_map[w] for w in _item_wires(item)]
        _group(positions, cols)
        for w, value in zip(controls, values, strict=True):
            cols[wire_map[w]] += "●" if value else "○"
        positions = [wire_map[w] for w in _item_wires(item) if w not in controls]
    for p in positions:
        cols[p] += label


def _wire_map(tape: Tape, wire_order: Sequence[Any] | None, show_all_wires: bool) -> dict[Any, int]:
    used = tape.wires
    order = list(wire_order or ()) + [w for w in used if w not in (wire_order or ())]
    if not show_all_wires:
        order = [w for w in order if w in used]
    return {w: i for i, w in enumerate(order)}


def draw_tape(
    tape: Tape,
    wire_order: Sequence[Any] | None = None,
    show_all_wires: bool = False,
    decimals: int | None = None,
    max_length: int = 100,
    show_matrices: bool = True,
) -> str:
    """The text drawing of a tape (PennyLane's ``qml.drawer.tape_text``); see :func:`draw`.

    Example:
        >>> import quantum_jax as qml
        >>> tape = qml.tape.Tape([qml.RX(0.1, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> print(draw_tape(tape, decimals=1))
        0: ──RX(0.1)─┤  <Z>
    """
    wire_map = _wire_map(tape, wire_order, show_all_wires)
    if not wire_map:
        return ""
    n = len(wire_map)
    labeller = _Labeller(decimals)
    op_layers = drawable_layers(tape.operations, wire_map)
    layers = op_layers + drawable_layers(tape.measurements, wire_map)
    labels = [f"{w}: " for w in wire_map]
    width = max(len(s) for s in labels)
    totals = [s.rjust(width) for s in labels]
    finished: list[str] = []
    for index, layer in enumerate(layers):
        filler = "─" if index < len(op_layers) else " "
        cols = [filler] * n
        for item in layer:
            _add_item(item, cols, wire_map, labeller)
        longest = max(len(s) for s in cols)
        cols = [s.ljust(longest, filler) for s in cols]
        limit = max_length - 4 if index < len(layers) - 1 else max_length
        if len(totals[0]) + longest > limit - 1:
            finished += [t + " ···" for t in totals]
            finished[-1] += "\n"
            totals = [(s + "··· ").rjust(width + 4) for s in labels]
        totals = [filler.join([t, s]) for t, s in zip(totals, cols, strict=True)]
        if index == len(op_layers) - 1:
            totals = [t + "─┤" for t in totals]
    text = "\n".join(finished + totals)
    if show_matrices:
        text += "".join(f"\nM{i} = \n{mat}" for i, mat in enumerate(labeller.matrices))
    return text


def _tape_of(qnode: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Tape:
    tape = qnode.construct(args, kwargs)
    if not isinstance(tape, Tape):
        raise TypeError(f"{qnode!r}.construct did not return a tape.")
    return tape


def draw(
    qnode: Any,
    wire_order: Sequence[Any] | None = None,
    show_all_wires: bool = False,
    decimals: int | None = 2,
    max_length: int = 100,
    show_matrices: bool = True,
) -> Callable[..., str]:
    """A function that draws the circuit of a QNode, for the arguments it is called with, as text.

    Args:
        qnode: the QNode (anything with a ``construct(args, kwargs)`` method returning a tape).
        wire_order: the wires from top to bottom; other used wires follow (default: the device's
            wire order, then the circuit's).
        show_all_wires: also draw wires of ``wire_order`` or the device that no gate uses.
        decimals: digits of the parameters after the point; ``None`` hides parameters.
        max_length: the longest line; longer circuits wrap into blocks.
        show_matrices: list the matrices labelled ``M0, M1, ...`` below the drawing.

    Returns:
        A function of the QNode's arguments returning the drawing (PennyLane 0.45's layout).

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=2)
        >>> @qml.qnode(dev)
        ... def circuit(x):
        ...     qml.RX(x, wires=0)
        ...     qml.CNOT(wires=[0, 1])
        ...     return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
        >>> print(qml.draw(circuit)(0.1))
        0: ──RX(0.10)─╭●─┤ ╭<Z@Z>
        1: ───────────╰X─┤ ╰<Z@Z>
    """

    def drawer(*args: Any, **kwargs: Any) -> str:
        tape = _tape_of(qnode, args, kwargs)
        order = wire_order
        device_wires = getattr(getattr(qnode, "device", None), "wires", None)
        if order is None and device_wires is not None:
            order = list(device_wires)
        return draw_tape(tape, order, show_all_wires, decimals, max_length, show_matrices)

    return drawer


def _depth(tape: Tape) -> int:
    """The circuit depth: each gate waits for the last gate on any wire it acts on."""
    reached: dict[Any, int] = {}
    every = tape.wires
    for op in tape.operations:
        wires = tuple(op.wires) or every
        level = 1 + max((reached.get(w, 0) for w in wires), default=0)
        reached.update(dict.fromkeys(wires, level))
    return max(reached.values(), default=0)


def tape_specs(tape: Tape) -> dict[str, Any]:
    """Resource counts of a tape: the circuit-level part of :func:`specs`.

    Example:
        >>> import quantum_jax as qml
        >>> tape = qml.tape.Tape([qml.RX(0.1, wires=0), qml.CNOT(wires=[0, 1])], [qml.probs()])
        >>> s = tape_specs(tape)
        >>> s["num_operations"], s["depth"], s["gate_sizes"]
        (2, 2, {1: 1, 2: 1})
    """
    gate_types = dict(Counter(op.name for op in tape.operations))
    gate_sizes = dict(Counter(len(op.wires) for op in tape.operations))
    return {
        "num_operations": len(tape.operations),
        "num_observables": len(tape.measurements),
        "num_trainable_params": tape.num_params,
        "depth": _depth(tape),
        "gate_types": gate_types,
        "gate_sizes": gate_sizes,
        "num_wires": len(tape.wires),
        "num_tape_wires": len(tape.wires),
    }


def specs(qnode: Any) -> Callable[..., dict[str, Any]]:
    """A function that counts the resources of a QNode's circuit for the arguments it is called with.

    The result is a flat dict: ``num_operations`` (gates), ``num_observables`` (measurements),
    ``num_trainable_params`` (the gates' numeric parameters), ``depth`` (the longest chain of gates
    that share wires, PennyLane's circuit-graph depth), ``gate_types`` (name -> count), ``gate_sizes``
    (number of wires -> count), ``num_wires`` and ``num_tape_wires`` (wires used), ``num_device_wires``,
    ``device_name``, ``diff_method``, ``interface``, ``shots`` (the device's), and ``resources``: a dict
    with PennyLane's ``Resources`` fields (``num_wires``, ``num_gates``, ``gate_types``, ``gate_sizes``,
    ``depth``, ``shots``).

    Args:
        qnode: the QNode (anything with ``construct(args, kwargs)`` and a ``device``).

    Returns:
        A function of the QNode's arguments returning the dict.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=3)
        >>> @qml.qnode(dev)
        ... def circuit(x):
        ...     qml.RX(x, wires=0)
        ...     qml.CNOT(wires=[0, 1])
        ...     return qml.expval(qml.PauliZ(1))
        >>> s = qml.specs(circuit)(0.1)
        >>> s["gate_types"], s["depth"], s["num_device_wires"]
        ({'RX': 1, 'CNOT': 1}, 2, 3)
    """

    def counter(*args: Any, **kwargs: Any) -> dict[str, Any]:
        info = tape_specs(_tape_of(qnode, args, kwargs))
        device = getattr(qnode, "device", None)
        shots = getattr(device, "shots", None)
        info |= {
            "num_device_wires": getattr(device, "num_wires", None),
            "device_name": getattr(device, "name", None),
            "diff_method": getattr(qnode, "diff_method", None),
            "interface": getattr(qnode, "interface", None),
            "shots": shots,
        }
        info["resources"] = {
            "num_wires": info["num_wires"],
            "num_gates": info["num_operations"],
            "gate_types": dict(info["gate_types"]),
            "gate_sizes": dict(info["gate_sizes"]),
            "depth": info["depth"],
            "shots": shots,
        }
        return info

    return counter
