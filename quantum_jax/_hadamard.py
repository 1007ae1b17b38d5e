"""The Hadamard-test gradient: each derivative from circuits with an auxiliary wire.

For a gate ``U(x) = exp(-i x G)`` with ``G = sum_k c_k P_k`` (Pauli words ``P_k``, real ``c_k``), the
derivative of ``f = <psi| U^+ B U |psi>`` (``B``: the rest of the circuit and the observable) is
``df/dx = sum_k c_k (-2 Im <chi| P_k B |chi>)`` with ``chi = U psi``. The Hadamard test measures it:
an auxiliary wire prepared in ``|+>`` controls ``P_k`` right after the gate, and
``<Y_aux (x) O> = -Im <chi| P_k B |chi>``, so ``df/dx = 2 sum_k c_k <Y_aux (x) O>_k`` (Guerreschi and
Smelyanskiy, arXiv:1701.01450; Schuld et al., Phys. Rev. A 99, 032331 (2019)).

The generator is read from data: a gate declared ``scalable`` is ``exp(-i x G)`` with a fixed ``G``,
so ``G = i dU/dx`` at ``x = 0``, computed from the gate's own matrix and expanded in Pauli words.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _recording
from ._gates import CNOT, CY, CZ, Hadamard, PauliY, PauliZ
from ._measurements import ExpectationMP, MeasurementProcess, ProbabilityMP
from ._observables import Tensor
from ._operation import Operation
from ._pauli import word_matrix
from ._tape import Tape
from ._transforms import GradientTransform, PostProcess, _flat, _reshape, _trainable

_CONTROLLED_LETTER = {"X": CNOT, "Y": CY, "Z": CZ}  # the aux-controlled gate of each Pauli letter
_TOL = 1e-12


def pauli_terms(matrix: Any) -> list[tuple[float, str]]:
    """The real coefficients ``c`` of a Hermitian ``2^k x 2^k`` matrix ``sum c_w P_w`` over Pauli words.

    Computed with one contraction per wire, ``c_w = tr(P_w A) / 2^k``; zero terms are left out.

    Example:
        >>> pauli_terms(np.diag([0.0, -1.0]))
        [(-0.5, 'I'), (0.5, 'Z')]
    """
    a = np.asarray(matrix, dtype=complex)
    k = a.shape[0].bit_length() - 1
    paulis = np.stack([word_matrix(letter) for letter in "IXYZ"])  # [letter, row, column]
    t = a.reshape((2,) * (2 * k))
    for i in range(k):  # contract wire i's row (axis 0) and column (axis k - i) with P[column, row]
        t = np.tensordot(t, paulis, axes=([0, k - i], [2, 1]))
    coeffs = t.reshape(-1).real / 2**k if k else a.reshape(-1).real
    words = ["".join(w) for w in itertools.product("IXYZ", repeat=k)]
    return [(float(c), w) for c, w in zip(coeffs, words, strict=True) if abs(c) > _TOL]


def generator_terms(op: Operation) -> list[tuple[float, str]]:
    """The Pauli expansion of ``G`` for a gate ``U(x) = exp(-i x G)``, on the gate's wires in order.

    Raises:
        ValueError: for a gate not declared ``scalable`` or with more than one parameter.

    Example:
        >>> import quantum_jax as qml
        >>> with _recording.paused():
        ...     generator_terms(qml.CRX(0.3, wires=[0, 1]))
        [(0.25, 'IX'), (-0.25, 'ZX')]
    """
    leaves, treedef = jax.tree_util.tree_flatten(op)
    if not op.scalable or len(leaves) != 1:
        raise ValueError(
            f"hadamard_grad: {op.name} on wires {list(op.wires)} is not of the form exp(-i x G) with a fixed "
            "generator G (it is not declared scalable, or has several parameters); decompose it into such "
            "gates (RX, RY, RZ, ...) or use qml.gradients.param_shift."
        )

    def matrix(x: Any) -> jax.Array:
        with _recording.paused():
            return jnp.asarray(jax.tree_util.tree_unflatten(treedef, [x]).matrix(), complex)

    dtype = jnp.result_type(float)
    derivative = jax.jacfwd(matrix)(jnp.zeros(jnp.shape(leaves[0]), dtype))
    return pauli_terms(1j * np.asarray(derivative))


def _aux_wire(aux_wire: Any, tape: Tape, device_wires: Sequence[Hashable] | None) -> Hashable:
    """The auxiliary wire: ``aux_wire`` if free, else the first free device wire, else a new label."""
    used = set(tape.wires)
    if aux_wire is not None:
        wire = aux_wire[0] if isinstance(aux_wire, (list, tuple)) and len(aux_wire) == 1 else aux_wire
        if wire in used:
            raise ValueError(
                f"hadamard_grad: 'aux_wire' {wire!r} is already used by the circuit; pick a free wire."
            )
        if device_wires is not None and wire not in device_wires:
            raise ValueError(
                f"hadamard_grad: 'aux_wire' {wire!r} is not a wire of the device {list(device_wires)}."
            )
        return wire
    if device_wires is not None:
        free = [w for w in device_wires if w not in used]
        if not free:
            raise ValueError(
                f"hadamard_grad: every device wire {list(device_wires)} is used by the circuit; the Hadamard "
                "test needs one more (a device with another wire, or aux_wire= on a device without "
                "fixed wires)."
            )
        return free[0]
    return next(i for i in range(len(used) + 1) if i not in used)


def _test_measurement(m: MeasurementProcess, aux: Hashable, wires: Sequence[Hashable]) -> MeasurementProcess:
    """The measurement of the Hadamard test: ``Y_aux (x) O`` for ``expval(O)``; probabilities with aux."""
    with _recording.paused():
        y = PauliY(aux)
        if isinstance(m, ExpectationMP):
            return ExpectationMP(y @ m.obs)
        factors = [m.obs] if m.obs is not None else [PauliZ(w) for w in (m.wires or wires)]
        return ProbabilityMP(Tensor(y, *factors))


def _check(tape: Tape, mode: str) -> None:
    if mode != "standard":
        raise ValueError(
            f"hadamard_grad: mode={mode!r} is not supported; only mode='standard' (an auxiliary wire) is."
        )
    if tape.batch_size is not None:
        raise ValueError(
            "hadamard_grad: the tape is broadcast; expand it first with qml.transforms.broadcast_expand."
        )
    for m in tape.measurements:
        if not isinstance(m, (ExpectationMP, ProbabilityMP)):
            raise ValueError(
                f"hadamard_grad supports expval and probs measurements, got {type(m).__name__}; use "
                "qml.gradients.param_shift for variances."
            )


def _locate(tape: Tape) -> list[tuple[int, Operation]]:
    """For every tape parameter, the index of its operation and the operation."""
    return [(o, op) for o, op in enumerate(tape.operations) for _ in op.params]


def _hadamard_grad(
    tape: Tape,
    argnum: int | Sequence[int] | None = None,
    aux_wire: Any = None,
    device_wires: Sequence[Hashable] | None = None,
    mode: str = "standard",
) -> tuple[list[Tape], PostProcess]:
    """Hadamard-test gradient tapes of ``tape``.

    For each differentiated parameter of a gate ``exp(-i x G)`` and each Pauli word ``P_k`` of
    ``G = sum_k c_k P_k``, one circuit: the gates up to the parametrized one, a Hadamard on the
    auxiliary wire, ``P_k`` controlled by it, the remaining gates, and ``Y_aux (x) O`` measured
    (probabilities: those of the auxiliary wire and the measured wires). ``fn`` forms
    ``2 sum_k c_k <Y_aux (x) O>_k``; identity words give zero and need no circuit.

    Args:
        tape: a tape of expval and probs measurements.
        argnum: indices of the tape parameters to differentiate (default: every real scalar).
        aux_wire: the auxiliary wire (default: the first device wire the circuit leaves free, or a new
            integer label on a device without fixed wires); it must not be used by the circuit.
        device_wires: the wires of the device the tapes will run on, if fixed.
        mode: only ``"standard"`` (PennyLane's default) is supported.

    Returns:
        ``(tapes, fn)``: ``fn(execute(tapes, dev, None))`` has shape ``(*result shape, len(argnum))``.

    Raises:
        ValueError: for a gate with no fixed Pauli generator, an unusable ``aux_wire``, another
            ``mode``, or a measurement other than expval and probs.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=2)
        >>> tape = qml.tape.Tape([qml.RX(0.5, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> tapes, fn = hadamard_grad(tape)
        >>> len(tapes), round(float(fn(qml.execute(tapes, dev, None))[0, 0]), 6)
        (1, -0.479426)
    """
    _check(tape, mode)
    tape = tape.canonical()
    trainable = _trainable(tape, argnum)
    aux = _aux_wire(aux_wire, tape, device_wires)
    wires = [w for w in device_wires if w != aux] if device_wires is not None else list(tape.wires)
    with _recording.paused():
        measurements = [_test_measurement(m, aux, wires) for m in tape.measurements]
    tapes, plan = _test_tapes(tape, trainable, aux, measurements)
    sizes = [int(np.prod(m.shape(len(wires) + 1))) for m in measurements]
    return tapes, _derivatives(tape, len(trainable), plan, sizes)


def _test_tapes(
    tape: Tape, trainable: list[int], aux: Hashable, measurements: Sequence[MeasurementProcess]
) -> tuple[list[Tape], list[tuple[int, float]]]:
    """One Hadamard test per differentiated parameter and non-identity word of its generator.

    Returns the tapes and, per tape, ``(position in trainable, the word's coefficient)``.
    """
    located = _locate(tape)
    tapes: list[Tape] = []
    plan: list[tuple[int, float]] = []
    for a, p in enumerate(trainable):
        o, op = located[p]
        for c, word in generator_terms(op):
            if not set(word) - {"I"}:
                continue
            with _recording.paused():
                test = [Hadamard(aux)] + [
                    _CONTROLLED_LETTER[letter](wires=[aux, w])
                    for letter, w in zip(word, op.wires, strict=True)
                    if letter != "I"
                ]
            ops = (*tape.operations[: o + 1], *test, *tape.operations[o + 1 :])
            tapes.append(Tape(ops, tuple(measurements)))
            plan.append((a, c))
    return tapes, plan


def _derivatives(tape: Tape, n: int, plan: list[tuple[int, float]], sizes: list[int]) -> PostProcess:
    """``fn``: ``2 c <Y_aux (x) O>`` summed per parameter (probabilities: aux 0 minus aux 1)."""
    expvals = [isinstance(m, ExpectationMP) for m in tape.measurements]
    total = sum(s if e else s // 2 for e, s in zip(expvals, sizes, strict=True))

    def fn(results: Sequence[Any]) -> jax.Array:
        if not n:
            return jnp.zeros((0,))
        real = jnp.result_type(*[jnp.real(_flat(r)) for r in results]) if results else float  # keeps float32
        columns: list[Any] = [jnp.zeros((total,), real)] * n
        for (a, c), r in zip(plan, results, strict=True):
            parts = jnp.split(_flat(r), np.cumsum(sizes)[:-1])
            diff = [
                v if e else v[: v.shape[0] // 2] - v[v.shape[0] // 2 :]
                for e, v in zip(expvals, parts, strict=True)
            ]
            columns[a] = columns[a] + 2 * c * jnp.concatenate(diff)
        return _reshape(jnp.stack(columns, axis=-1), tape, n)

    return fn


def _device_options(device: Any) -> dict[str, Any]:
    return {} if device.wires is None else {"device_wires": device.wires}


hadamard_grad = GradientTransform(_hadamard_grad, None, device_options=_device_options)
