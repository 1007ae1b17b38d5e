"""Tape transforms in PennyLane's form, ``transform(tape) -> (tapes, fn)``, and their QNode form.

A tape transform maps one tape to the tapes to run and a function ``fn`` that turns their results into
the original tape's result. ``fn`` accepts what :func:`~quantum_jax.execute` returns (one array per
tape) or PennyLane-style results (per tape, a measurement's value or a tuple of them), and returns the
PennyLane form: the value of a single measurement, or a tuple of values.

Applied to a QNode, a transform gives a :class:`TransformedQNode`: called, it records the QNode's
tape, transforms it, runs the tapes with the QNode's device and differentiation method (one batched
execution per tape structure), and returns ``fn`` of the results. Transforms stack like decorators.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _recording
from ._deferred import defer
from ._execute import resolve_method, run_tapes, sampling_key
from ._measurements import ExpectationMP, MeasurementProcess
from ._methods import Backprop, describe_leaf
from ._precision import match_call
from ._sampling import basis_labels
from ._shots import as_shots
from ._tape import Tape, batch_axes

PostProcess = Callable[[Sequence[Any]], Any]
TapeFn = Callable[..., tuple[list[Tape], PostProcess]]


# ---------------------------------------------------------------------------------------------------
# Results: from either format to one value per measurement, and back to PennyLane's form


def _expected_shape(m: MeasurementProcess, num_wires: int | None) -> tuple[int, ...]:
    """``m``'s result shape; ``-1`` where it depends on a device size that is not known."""
    if num_wires is not None:
        return m.shape(num_wires)
    one, two = m.shape(1), m.shape(2)
    return tuple(a if a == b else -1 for a, b in zip(one, two, strict=True))


def _fits(shape: tuple[int, ...], expected: tuple[int, ...]) -> bool:
    return len(shape) == len(expected) and all(e in (-1, s) for s, e in zip(shape, expected, strict=True))


def _split_flat(flat: jax.Array, shapes: list[tuple[int, ...]]) -> list[jax.Array] | None:
    """``flat`` cut into arrays of ``shapes`` (at most one shape with unknown ``-1`` entries)."""
    sizes = [None if -1 in s else int(np.prod(s)) for s in shapes]
    if sizes.count(None) > 1:
        return None
    rest = flat.shape[0] - sum(s for s in sizes if s is not None)
    sizes = [rest if s is None else s for s in sizes]
    if rest < 0 or sum(sizes) != flat.shape[0]:  # type: ignore[arg-type]
        return None
    starts = np.cumsum([0, *sizes])
    return [
        jnp.reshape(flat[starts[k] : starts[k + 1]], s if -1 not in s else (-1, *s[1:]))
        for k, s in enumerate(shapes)
    ]


def measurement_values(tape: Tape, result: Any, num_wires: int | None = None) -> list[Any]:
    """One value per measurement of ``tape`` from its result in either format.

    Args:
        tape: the tape the result belongs to.
        result: a tuple of the measurements' values, one value (a single measurement), or what
            ``execute`` returns for the tape (stacked on a leading axis, or concatenated flat).
        num_wires: the device's number of wires, if known (``probs()`` of all wires depends on it).

    Raises:
        ValueError: when ``result`` does not match the tape's measurements.

    Example:
        >>> import quantum_jax as qml
        >>> tape = qml.tape.Tape([], [qml.expval(qml.PauliZ(0)), qml.probs(wires=[0])])
        >>> [v.shape for v in measurement_values(tape, jnp.array([1.0, 1.0, 0.0]))]
        [(), (2,)]
    """
    ms = tape.measurements
    if isinstance(result, (tuple, list)):
        if len(result) != len(ms):
            raise ValueError(
                f"results: a tape with {len(ms)} measurements got a result of {len(result)} entries."
            )
        return list(result)
    arr = jnp.asarray(result)
    batch = () if tape.batch_size is None else (tape.batch_size,)
    shapes = [batch + _expected_shape(m, num_wires) for m in ms]
    if len(ms) == 1 and _fits(arr.shape, shapes[0]):
        return [arr]
    if arr.ndim >= 1 and arr.shape[0] == len(ms) and all(_fits(arr.shape[1:], s) for s in shapes):
        return list(arr)
    if arr.ndim == 1 and (parts := _split_flat(arr, shapes)) is not None:
        return parts
    raise ValueError(
        f"results: an array of shape {arr.shape} does not match the measurements {list(ms)} of the tape "
        "(expected their values stacked on a leading axis, or concatenated flat)."
    )


def pack(values: Sequence[Any]) -> Any:
    """PennyLane's form of a tape's result: one measurement's value, or a tuple of them.

    Example:
        >>> pack([1.0]), pack([1.0, 2.0])
        (1.0, (1.0, 2.0))
    """
    return values[0] if len(values) == 1 else tuple(values)


def _unchanged(tape: Tape) -> tuple[list[Tape], PostProcess]:
    return [tape], lambda results: pack(measurement_values(tape, results[0]))


# ---------------------------------------------------------------------------------------------------
# Running tapes like a QNode, and transformed QNodes


def is_qnode_like(obj: Any) -> bool:
    """Whether ``obj`` records tapes as a QNode does (``construct``, ``func`` and ``device``).

    Example:
        >>> import quantum_jax as qml
        >>> circuit = qml.qnode(qml.device("default.qubit", wires=1))(lambda: qml.expval(qml.PauliZ(0)))
        >>> is_qnode_like(circuit), is_qnode_like(circuit.func)
        (True, False)
    """
    return all(hasattr(obj, name) for name in ("construct", "func", "device"))


def run_like_qnode(qnode: Any, tapes: Sequence[Tape], shots: Any = False, key: Any = None) -> list[Any]:
    """Run ``tapes`` on ``qnode``'s device with its differentiation method, as its call would.

    ``shots`` overrides the device's shots (``False``: keep them), ``key`` is the sampling key.
    Returns PennyLane-style results: per tape, a measurement's value or a tuple of them.

    Example:
        >>> import quantum_jax as qml
        >>> circuit = qml.qnode(qml.device("default.qubit", wires=1))(lambda: qml.expval(qml.PauliZ(0)))
        >>> tape = qml.tape.Tape([qml.PauliX(0)], [qml.expval(qml.PauliZ(0)), qml.probs(wires=[0])])
        >>> [float(v) for v in run_like_qnode(circuit, [tape])[0][1]]
        [0.0, 1.0]
    """
    device = qnode.device
    shot_spec = device.shots if shots is False else as_shots(shots, "QNode")
    method = qnode.method
    if shot_spec is not None and qnode.diff_method == "best":
        method = resolve_method("best", qnode.gradient_kwargs, "best", shot_spec)
    max_diff = None if isinstance(method, Backprop) or method is None else qnode.max_diff
    key = sampling_key(device, shot_spec, key, "QNode")
    per_tape = run_tapes(list(tapes), device, method, max_diff, shot_spec, key, qnode.cache)
    return [pack(values) for values in per_tape]


def wants_numpy(interface: Any, args: Any) -> bool:
    """PennyLane-style calls (autograd interface, or ``quantum_jax.numpy`` tensors) get NumPy results.

    Example:
        >>> wants_numpy("auto", (jnp.ones(2),)), wants_numpy("autograd", ())
        (False, True)
    """
    if interface == "autograd":
        return True
    leaves = jax.tree_util.tree_leaves(args)
    return interface in ("auto", None) and any(
        isinstance(x, np.ndarray) and hasattr(x, "requires_grad") for x in leaves
    )


def to_numpy(result: Any) -> Any:
    """NumPy copies of concrete JAX arrays; a traced result is returned unchanged.

    Example:
        >>> type(to_numpy((jnp.ones(2),))[0]).__name__
        'ndarray'
    """
    leaves = jax.tree_util.tree_leaves(result)
    if any(isinstance(x, jax.core.Tracer) for x in leaves):
        return result
    return jax.tree_util.tree_map(np.asarray, result)


class TransformedQNode:
    """A QNode with a tape transform applied: calling it returns the transform's processed result.

    Args:
        qnode: the QNode (or another transformed QNode) to transform.
        transform: the tape transform.
        targs: positional options of the transform.
        tkwargs: keyword options of the transform.

    Example:
        >>> import quantum_jax as qml
        >>> dev = qml.device("default.qubit", wires=1)
        >>> @split_non_commuting
        ... @qml.qnode(dev)
        ... def circuit():
        ...     return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliX(0))
        >>> tuple(round(float(v), 6) for v in circuit())
        (1.0, 0.0)
    """

    def __init__(self, qnode: Any, transform: Any, targs: tuple[Any, ...], tkwargs: dict[str, Any]) -> None:
        """Wrap ``qnode``; nothing runs until the transformed QNode is called."""
        self.qnode = qnode
        self.transform = transform
        self.targs = targs
        self.tkwargs = tkwargs
        functools.update_wrapper(self, qnode.func)

    @property
    def base(self) -> Any:
        """The innermost, untransformed QNode."""
        return self.qnode.base if isinstance(self.qnode, TransformedQNode) else self.qnode

    @property
    def device(self) -> Any:
        """The device of the underlying QNode."""
        return self.base.device

    @property
    def func(self) -> Callable[..., Any]:
        """The quantum function of the underlying QNode."""
        return self.base.func

    @property
    def diff_method(self) -> Any:
        """The differentiation method of the underlying QNode."""
        return self.base.diff_method

    @property
    def interface(self) -> Any:
        """The interface of the underlying QNode."""
        return self.base.interface

    def construct(self, args: Sequence[Any], kwargs: dict[str, Any]) -> Tape:
        """The underlying QNode's tape for these arguments, before any transform."""
        return self.base.construct(args, kwargs)

    def map_base(self, change: Callable[[Any], Any]) -> TransformedQNode:
        """A copy whose underlying QNode is ``change(base)``; this one is left as it is."""
        new = copy.copy(self)
        new.qnode = (
            self.qnode.map_base(change) if isinstance(self.qnode, TransformedQNode) else change(self.qnode)
        )
        return new

    def expand(self, args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[list[Tape], PostProcess]:
        """The tapes this call runs and the function of their results it returns."""
        if isinstance(self.qnode, TransformedQNode):
            inner_tapes, inner_fn = self.qnode.expand(args, kwargs)
        else:
            inner_tapes, inner_fn = [self.qnode.construct(args, kwargs)], (lambda r: r[0])
        tapes: list[Tape] = []
        parts: list[tuple[PostProcess, int]] = []
        for t in inner_tapes:
            ts, f = self.transform(t, *self.targs, **self.tkwargs)
            tapes += ts
            parts.append((f, len(ts)))

        def fn(results: Sequence[Any]) -> Any:
            out, start = [], 0
            for f, count in parts:
                out.append(f(results[start : start + count]))
                start += count
            return inner_fn(out)

        return tapes, fn

    def __call__(self, *args: Any, shots: Any = False, key: Any = None, **kwargs: Any) -> Any:
        """Record, transform, run and post-process; ``shots=`` and ``key=`` as for a QNode call."""
        base = self.base
        match_call(getattr(base, "interface", "auto"), (args, kwargs), repr(self))
        tapes, fn = self.expand(args, kwargs)
        out = fn(run_like_qnode(base, tapes, shots, key))
        if not getattr(base, "_single", True) and not isinstance(out, tuple):
            out = (out,)
        return to_numpy(out) if wants_numpy(base.interface, (args, kwargs)) else out

    def __repr__(self) -> str:
        return f"<TransformedQNode: {getattr(self.transform, '__name__', self.transform)} of {self.qnode!r}>"


class TapeTransform:
    """A tape transform usable on tapes, on QNodes and as a decorator.

    ``transform(tape, ...)`` gives ``(tapes, fn)``; ``transform(qnode, ...)`` a :class:`TransformedQNode`;
    ``transform(**options)`` a decorator applying the transform with those options.

    Args:
        fn: the tape-level function ``fn(tape, *options) -> (tapes, fn)``.

    Example:
        >>> import quantum_jax as qml
        >>> def twice(tape):
        ...     return [tape, tape], lambda results: sum(pack(measurement_values(tape, r)) for r in results)
        >>> doubled = TapeTransform(twice)
        >>> dev = qml.device("default.qubit", wires=1)
        >>> circuit = doubled(qml.qnode(dev)(lambda: qml.expval(qml.PauliZ(0))))
        >>> float(circuit())
        2.0
    """

    # What a QNode is given to it for (in error messages) and what kind of transform it is (in its repr).
    _purpose = "transform"
    _kind = "transform"

    def __init__(self, fn: TapeFn) -> None:
        """Wrap the tape-level function ``fn(tape, *options) -> (tapes, fn)``."""
        self._fn = fn
        self.__name__ = fn.__name__.lstrip("_")
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    def __call__(self, tape: Any = None, *args: Any, **kwargs: Any) -> Any:
        if tape is None:
            return functools.partial(self, **kwargs)
        if isinstance(tape, Tape):
            return self._fn(tape, *args, **kwargs)
        if is_qnode_like(tape):
            return self._on_qnode(tape, args, kwargs)
        raise TypeError(
            f"{self.__name__}: expected a tape or a QNode to {self._purpose}, "
            f"got {tape!r} ({type(tape).__name__})."
        )

    def _on_qnode(self, qnode: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The transform applied to a QNode (or a transformed one): a :class:`TransformedQNode`."""
        return TransformedQNode(qnode, self, args, kwargs)

    def __repr__(self) -> str:
        return f"<{self._kind} {self.__name__}>"


# ---------------------------------------------------------------------------------------------------
# broadcast_expand


def _broadcast_expand(tape: Tape) -> tuple[list[Tape], PostProcess]:
    """Expand a broadcast tape into one tape per batch row.

    A tape with broadcast parameters (``tape.batch_size`` is not ``None``) stands for a batch of
    circuits; this transform writes them out, row ``i`` taking the ``i``-th slice of every broadcast
    parameter (the others unchanged), and ``fn`` stacks the rows' results on a leading axis, as
    executing the broadcast tape directly does. A tape without broadcasting comes back unchanged.

    Args:
        tape: the tape to expand.

    Returns:
        ``(tapes, fn)``: one tape per batch row, and ``fn`` giving, per measurement, the stacked rows.

    Example:
        >>> import quantum_jax as qml
        >>> import jax.numpy as jnp
        >>> tape = qml.tape.Tape([qml.RX(jnp.array([0.0, jnp.pi]), wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> tapes, fn = broadcast_expand(tape)
        >>> dev = qml.device("default.qubit", wires=1)
        >>> len(tapes), [round(float(v), 6) for v in fn(qml.execute(tapes, dev))]
        (2, [1.0, -1.0])
    """
    size = tape.batch_size
    if size is None:
        return _unchanged(tape)
    base = tape.canonical()
    flags = [b for op in base.operations for b in batch_axes(op)]
    params = base.get_parameters()
    tapes = [
        base.with_parameters([p[i] if b else p for p, b in zip(params, flags, strict=True)])
        for i in range(size)
    ]

    def fn(results: Sequence[Any]) -> Any:
        rows = [measurement_values(t, r) for t, r in zip(tapes, results, strict=True)]
        return pack([jnp.stack([jnp.asarray(row[k]) for row in rows]) for k in range(len(tape.measurements))])

    return tapes, fn


# ---------------------------------------------------------------------------------------------------
# split_non_commuting

_STRATEGIES = ("default", "qwc", "wires", None)


def _units(tape: Tape) -> tuple[list[tuple[int, MeasurementProcess]], dict[int, Any]]:
    """The measurements to take, each with the index of the original one, and the sums' coefficients.

    An expectation value of a sum is taken term by term (its coefficients kept for ``fn``); any other
    measurement is taken whole.
    """
    units: list[tuple[int, MeasurementProcess]] = []
    coeffs: dict[int, Any] = {}
    with _recording.paused():
        for i, m in enumerate(tape.measurements):
            terms = m.obs.terms() if isinstance(m, ExpectationMP) and m.obs is not None else (None, ())
            if terms[0] is None:
                units.append((i, m))
                continue
            coeffs[i] = terms[0]
            units += [(i, ExpectationMP(o)) for o in terms[1]]
    return units, coeffs


def _unit_wires(m: MeasurementProcess, tape: Tape) -> tuple[Hashable, ...]:
    return tuple(m.measured_wires) or tuple(tape.wires)


def _unit_labels(m: MeasurementProcess, tape: Tape) -> dict[Hashable, Hashable]:
    """The basis each wire is measured in (wires where a sum's terms disagree: a label of their own)."""
    if m.obs is None:
        return basis_labels(None, _unit_wires(m, tape))
    coeffs, ops = m.obs.terms()
    if coeffs is None:
        return basis_labels(m.obs, m.obs.wires)
    merged: dict[Hashable, Hashable] = {}
    for o in ops:
        for w, label in basis_labels(o, o.wires).items():
            merged[w] = label if merged.get(w, label) == label else ("mixed", id(m), w)
    return merged


def _groups(units: list[tuple[int, MeasurementProcess]], tape: Tape, strategy: Any) -> list[list[int]]:
    """Greedy grouping of the units: the first group each fits into, else a new one."""
    if strategy is None:
        return [[u] for u in range(len(units))]
    groups: list[list[int]] = []
    merged: list[dict[Hashable, Hashable]] = []
    for u, (_, m) in enumerate(units):
        if strategy == "wires":
            labels: dict[Hashable, Hashable] = {w: ("wire", u) for w in _unit_wires(m, tape)}
        else:
            labels = _unit_labels(m, tape)
        g = next(
            (k for k, seen in enumerate(merged) if all(seen.get(w, lab) == lab for w, lab in labels.items())),
            None,
        )
        if g is None:
            groups.append([u])
            merged.append(dict(labels))
        else:
            groups[g].append(u)
            merged[g].update(labels)
    return groups


def _split_non_commuting(
    tape: Tape, grouping_strategy: str | None = "default", shot_dist: Any = None, seed: Any = None
) -> tuple[list[Tape], PostProcess]:
    """Split a tape into tapes that each measure a group of qubit-wise commuting observables.

    Expectation values of sums (``qml.Hamiltonian``, ``A + B``) are split into their terms; the terms and
    the other measurements are grouped greedily, and ``fn`` recombines them (a sum's value is the
    weighted sum of its terms' values) into the original measurements' values.

    Grouping strategies: ``"qwc"`` (and ``"default"``): measurements that need the same basis on every
    wire they share, read from the basis each observable declares; ``"wires"``: measurements on
    disjoint wires; ``None``: one tape per measurement (per term of a sum).

    Args:
        tape: the tape to split.
        grouping_strategy: ``"default"``, ``"qwc"``, ``"wires"`` or ``None``.
        shot_dist: PennyLane's distribution of shots over the groups; only ``None`` (every group runs
            with the device's shots) is supported.
        seed: used by ``shot_dist`` only.

    Returns:
        ``(tapes, fn)``: one tape per group, and ``fn`` giving the original measurements' values.

    Raises:
        ValueError: for an unknown ``grouping_strategy``.
        NotImplementedError: for a ``shot_dist``.

    Example:
        >>> import quantum_jax as qml
        >>> H = qml.PauliZ(0) + 0.5 * qml.PauliX(0)
        >>> tape = qml.tape.Tape([qml.Hadamard(0)], [qml.expval(H), qml.expval(qml.PauliX(0))])
        >>> tapes, fn = split_non_commuting(tape)
        >>> dev = qml.device("default.qubit", wires=1)
        >>> len(tapes), [round(float(v), 6) for v in fn(qml.execute(tapes, dev))]
        (2, [0.5, 1.0])
    """
    if grouping_strategy not in _STRATEGIES:
        raise ValueError(
            f"split_non_commuting: 'grouping_strategy' must be one of {_STRATEGIES}, "
            f"got {grouping_strategy!r}."
        )
    if shot_dist is not None:
        raise NotImplementedError(
            f"split_non_commuting: shot_dist={shot_dist!r} is not supported; every group runs with the "
            "device's shots (pass shot_dist=None)."
        )
    units, coeffs = _units(tape)
    groups = _groups(units, tape, grouping_strategy)
    if len(groups) <= 1 and not coeffs:
        return _unchanged(tape)
    base = tape.canonical()
    tapes = [Tape(base.operations, tuple(units[u][1] for u in g)) for g in groups]
    return tapes, _recombine(tape, tapes, groups, units, coeffs)


def _recombine(
    tape: Tape,
    tapes: list[Tape],
    groups: list[list[int]],
    units: list[tuple[int, MeasurementProcess]],
    coeffs: dict[int, Any],
) -> PostProcess:
    """``fn`` of ``split_non_commuting``: each unit's value, and a sum's value from its terms'."""

    def fn(results: Sequence[Any]) -> Any:
        value: dict[int, Any] = {}
        for t, g, r in zip(tapes, groups, results, strict=True):
            value.update(zip(g, measurement_values(t, r), strict=True))
        out: list[list[Any]] = [[] for _ in tape.measurements]
        for u, (i, _) in enumerate(units):
            out[i].append(value[u])
        return pack(
            [
                jnp.tensordot(jnp.asarray(coeffs[i]), jnp.stack([jnp.asarray(v) for v in vs]), axes=1)
                if i in coeffs
                else vs[0]
                for i, vs in enumerate(out)
            ]
        )

    return fn


# ---------------------------------------------------------------------------------------------------
# batch_input


def _batch_input(tape: Tape, argnum: int | Sequence[int]) -> tuple[list[Tape], PostProcess]:
    """Run a circuit on a batch of inputs: the tape parameters ``argnum`` carry a leading batch axis.

    PennyLane's ``batch_input`` splits the tape into one tape per input. Here parameter broadcasting is
    native: a parameter with one axis more than its gate takes already makes the tape a batch of
    circuits, run as one vmapped call (see ``Tape.batch_size``). This transform checks that the
    parameters named by ``argnum`` carry that batch axis and returns the broadcast tape itself; ``fn``
    gives, per measurement, the results with a leading batch axis, as PennyLane's stacked rows.
    Unlike PennyLane, the batched inputs may be trainable: broadcasting is differentiable.

    Args:
        tape: the tape.
        argnum: the index (or indices) of the batched parameters, in ``tape.get_parameters()`` order.

    Returns:
        ``([tape], fn)``.

    Raises:
        ValueError: when an index is out of range or names a parameter without a batch axis.

    Example:
        >>> import quantum_jax as qml
        >>> import jax.numpy as jnp
        >>> x = jnp.array([0.0, jnp.pi / 2, jnp.pi])
        >>> tape = qml.tape.Tape([qml.RY(0.0, wires=0), qml.RX(x, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> tapes, fn = batch_input(tape, argnum=1)
        >>> [round(float(v), 6) for v in fn(qml.execute(tapes, qml.device("default.qubit", wires=1)))]
        [1.0, 0.0, -1.0]
    """
    indices = [argnum] if isinstance(argnum, (int, np.integer)) else list(argnum)
    params = tape.get_parameters()
    flags = [b for op in tape.operations for b in batch_axes(op)]
    for i in indices:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < len(params):
            raise ValueError(
                f"batch_input: 'argnum' entry {i!r} is not the index of a tape parameter "
                f"(the tape has {len(params)} parameters, indexed 0..{len(params) - 1})."
            )
        if not flags[i]:
            raise ValueError(
                f"batch_input: 'argnum' names tape parameter {i} ({describe_leaf(tape, int(i))}), of shape "
                f"{jnp.shape(params[i])}, which has no batch axis; give it one leading axis more than the "
                "gate takes (one row per input)."
            )
    return _unchanged(tape)


def _defer_measurements(tape: Tape) -> tuple[list[Tape], PostProcess]:
    """The tape with its mid-circuit measurements deferred onto auxiliary wires (Nielsen & Chuang).

    Each ``qml.measure`` becomes a CNOT onto a fresh auxiliary wire (and a reset a CNOT back), each
    ``qml.cond`` the controlled copies of its operations, and statistics of measurement values read the
    auxiliary wires. QNodes and ``qml.execute`` defer by themselves; this transform shows the circuit
    that runs. A tape without mid-circuit measurements comes back unchanged.

    Args:
        tape: the tape.

    Returns:
        ``([deferred tape], fn)``; ``fn`` returns the deferred tape's result.

    Raises:
        ValueError: for a tape that post-selects (its results need renormalising by the post-selection
            probability, which a QNode or ``qml.execute`` does: run it through those).

    Example:
        >>> import quantum_jax as qml
        >>> with qml.tape.QuantumTape() as tape:
        ...     _ = qml.Hadamard(wires=0)
        ...     m = qml.measure(0)
        ...     _ = qml.cond(m, qml.PauliX)(wires=1)
        ...     _ = qml.expval(qml.PauliZ(1))
        >>> (deferred,), fn = defer_measurements(tape)
        >>> [op.name for op in deferred.operations]
        ['Hadamard', 'CNOT', 'C(PauliX)']
    """
    deferral = defer(tape)
    if deferral.normalize:
        raise ValueError(
            "defer_measurements: this tape post-selects a mid-circuit measurement, so its results must be "
            "renormalised by the post-selection probability; run it with qml.execute or a QNode instead."
        )
    return [deferral.tape], lambda results: results[0]


broadcast_expand = TapeTransform(_broadcast_expand)
defer_measurements = TapeTransform(_defer_measurements)
split_non_commuting = TapeTransform(_split_non_commuting)
batch_input = TapeTransform(_batch_input)
