"""The deferred-measurement principle: a circuit with mid-circuit measurements as a plain circuit.

Nielsen & Chuang, *Quantum Computation and Quantum Information*, section 4.4: measuring a qubit and
conditioning later gates on the outcome gives the same statistics as copying the qubit onto a fresh
auxiliary qubit with a CNOT, controlling the later gates on the auxiliary qubit and measuring it at
the end. So, per tape, :func:`defer` rewrites

* ``measure(w)`` as ``CNOT(w, a)`` onto the next auxiliary wire ``a`` (an :class:`AuxWire`, a label no
  user wire can equal); ``reset=True`` adds ``CNOT(a, w)``; ``postselect=v`` first projects ``w``
  onto ``|v>`` (a diagonal, non-unitary step);
* a :class:`Conditional` as its base operation controlled on the condition's auxiliary wires, once
  per bit pattern where the condition holds (``qml.ctrl`` with those control values);
* a measurement value in a terminal measurement as the same table on the auxiliary wires.

The auxiliary wires are appended to the simulated wires (:func:`simulation_wires`). Post-selection
leaves the state with norm squared ``p``, the probability of the kept outcomes: exact raw quantities
(all linear in the state's density matrix) are then divided by ``p``, measured alongside, so the
renormalised results stay exact under every shift rule; with shots, the sampler draws from the
normalised distribution (every shot is post-selected).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from . import _recording
from ._controlled import ctrl
from ._gates import CNOT
from ._measurements import MeasurementProcess, probs
from ._midcircuit import AuxWire, Conditional, MeasurementValue, MidMeasure, Postselection, renamed
from ._operation import Operation
from ._tape import Tape


@dataclasses.dataclass(frozen=True)
class Deferral:
    """A tape with its mid-circuit measurements deferred, and how to finish its raw quantities.

    Attributes:
        tape: the circuit to simulate (with a probe of the post-selection probability when
            ``normalize``).
        measured: the same circuit with only its own measurements (to post-process the results).
        normalize: whether raw quantities are divided by the post-selection probability.
    """

    tape: Tape
    measured: Tape
    normalize: bool = False

    def finish(self, raw: Sequence[Any], coeffs: Sequence[Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """The raw quantities and coefficients of :attr:`measured`'s measurements, renormalised.

        At post-selection probability 0 every raw quantity is set to 0 (and so is its derivative):
        there is no post-selected state to describe, and 0 keeps results and gradients NaN-free.
        """
        if not self.normalize:
            return tuple(raw), tuple(coeffs)
        *own, probe = raw
        p = jnp.sum(probe, axis=-1)  # one entry per broadcast row
        kept = p > 0
        scale = jnp.where(kept, 1 / jnp.where(kept, p, 1), 0)

        def scaled(r: Any) -> Any:
            s = jnp.reshape(scale, jnp.shape(scale) + (1,) * (jnp.ndim(r) - jnp.ndim(scale)))
            return r * s

        return tuple(jax.tree_util.tree_map(scaled, r) for r in own), tuple(coeffs[:-1])


def _mentions_label(x: Any) -> bool:
    """Whether static data ``x`` (nested tuples) holds a not-yet-deferred :class:`AuxWire`."""
    if isinstance(x, AuxWire):
        return not x.deferred
    return isinstance(x, tuple) and any(_mentions_label(y) for y in x)


def has_midcircuit(tape: Tape) -> bool:
    """Whether ``tape`` holds mid-circuit measurements, conditionals or measurement values."""
    ops = tape.operations
    return any(isinstance(op, MidMeasure) or _mentions_label(op.hyper) for op in ops) or any(
        isinstance(w, AuxWire) and not w.deferred for m in tape.measurements for w in m.measured_wires
    )


class _Names:
    """The deferred label of each measurement made so far: ``aux0``, ``aux1``, ... in circuit order."""

    def __init__(self) -> None:
        self.of: dict[AuxWire, AuxWire] = {}

    def add(self, label: AuxWire) -> AuxWire:
        aux = AuxWire(len(self.of), deferred=True)
        self.of[label] = aux
        return aux

    def __call__(self, label: Any, user: str = "") -> Any:
        if not isinstance(label, AuxWire) or label.deferred:
            return label
        if label not in self.of:
            raise ValueError(
                f"{user or 'a measurement'} uses the mid-circuit measurement {label!r}, which is not made "
                "before it in this circuit; qml.cond and terminal measurements can use only values of "
                "qml.measure calls made earlier in the same circuit."
            )
        return self.of[label]


def _measure_ops(op: MidMeasure, aux: AuxWire) -> list[Operation]:
    """``[projector onto the kept outcome], CNOT(w, aux), [CNOT(aux, w) to reset]``."""
    (w,) = op.wires
    ops: list[Operation] = []
    if op.postselect is not None:
        ops.append(Postselection.of(op.postselect, w))
    ops.append(CNOT(wires=[w, aux]))
    if op.reset:
        ops.append(CNOT(wires=[aux, w]))
    return ops


def _controlled_copies(op: Conditional, names: _Names) -> list[Operation]:
    """The base of ``op`` controlled on the condition's auxiliary wires, once per true bit pattern."""
    value = op.meas_val
    controls = tuple(names(w, repr(op)) for w in value.wires)
    patterns = [bits for bits, v in value.items() if v]
    if len(patterns) == len(value.table):
        return [op.base]  # the condition always holds
    return [ctrl(op.base, control=controls, control_values=bits) for bits in patterns]


def _check_plain(op: Operation) -> Operation:
    """``op`` itself, unless it hides a mid-circuit measurement where deferral cannot reach it."""
    if _mentions_label(op.hyper):
        raise ValueError(
            f"{op!r} wraps a mid-circuit measurement or a conditional (inside adjoint, ctrl or pow, say), "
            "which the deferred-measurement principle cannot see through; apply qml.cond to the wrapped "
            "operation, and call qml.measure outside such wrappers."
        )
    return op


def _measurement(m: MeasurementProcess, names: _Names) -> MeasurementProcess:
    """A terminal measurement with its measurement values on their deferred labels."""
    if m.obs is None and not m.wires:
        raise ValueError(
            f"{type(m).__name__} of every wire is not available in a circuit with mid-circuit measurements: "
            "the simulation also holds one auxiliary qubit per measurement. Name the wires, e.g. "
            "qml.probs(wires=[0, 1]), or use qml.density_matrix(wires) instead of qml.state()."
        )
    user = repr(m)
    obs = m.obs
    if obs is not None:
        obs = jax.tree_util.tree_map(
            lambda x: renamed(x, lambda w: names(w, user)) if isinstance(x, MeasurementValue) else x,
            obs,
            is_leaf=lambda x: isinstance(x, MeasurementValue),
        )
    wires = tuple(names(w, user) for w in m.wires)
    if obs is m.obs and wires == m.wires:
        return m
    return dataclasses.replace(m, obs=obs, wires=wires)


def defer(tape: Tape, shots: bool = False, adjoint: bool = False) -> Deferral:
    """``tape`` with its mid-circuit measurements deferred (see the module docstring).

    Args:
        tape: the circuit; one without mid-circuit measurements comes back unchanged.
        shots: whether it will be sampled (post-selection then needs no renormalisation).
        adjoint: whether the adjoint method will differentiate it (it cannot undo a post-selection).

    Returns:
        The :class:`Deferral`.

    Raises:
        ValueError: for a value used before (or without) its measurement, a measurement of every wire,
            post-selection under the adjoint method, or a measurement hidden in a wrapper.

    Example:
        >>> import quantum_jax as qml
        >>> from quantum_jax._midcircuit import measure
        >>> with qml.tape.QuantumTape() as tape:
        ...     m = measure(0, reset=True)
        ...     _ = qml.expval(m)
        >>> defer(tape).tape.operations
        (CNOT(wires=[0, aux0]), CNOT(wires=[aux0, 0]))
    """
    if not has_midcircuit(tape):
        return Deferral(tape, tape)
    names = _Names()
    ops: list[Operation] = []
    postselected = False
    with _recording.paused():
        for op in tape.operations:
            if isinstance(op, MidMeasure):
                ops += _measure_ops(op, names.add(op.label))
                postselected = postselected or op.postselect is not None
            elif isinstance(op, Conditional):
                ops += _controlled_copies(op, names)
            else:
                ops.append(_check_plain(op))
        measurements = [_measurement(m, names) for m in tape.measurements]
        if postselected and adjoint:
            raise ValueError(
                "adjoint differentiation cannot run a circuit that post-selects a mid-circuit measurement "
                "(qml.measure(..., postselect=...)): the projection cannot be undone by the adjoint sweep. "
                "Use diff_method='backprop' or 'parameter-shift'."
            )
        measured = Tape(tuple(ops), tuple(measurements))
        if not postselected or shots:
            return Deferral(measured, measured)
        probe = probs(wires=[next(iter(names.of.values()))])
        return Deferral(Tape(tuple(ops), (*measurements, probe)), measured, normalize=True)


def simulation_wires(tape: Tape, wires: Sequence[Hashable] | None) -> tuple[Hashable, ...]:
    """The wires to simulate ``tape`` on: ``wires`` (or the tape's own), then its auxiliary wires.

    Example:
        >>> import quantum_jax as qml
        >>> simulation_wires(qml.tape.Tape([qml.CNOT(wires=[1, AuxWire(0, True)])]), (0, 1))
        (0, 1, aux0)
    """
    aux = sorted(w for w in tape.wires if isinstance(w, AuxWire))
    own = tape.wires if wires is None else tuple(wires)
    if not aux:
        return own
    return tuple(w for w in own if not isinstance(w, AuxWire)) + tuple(aux)
