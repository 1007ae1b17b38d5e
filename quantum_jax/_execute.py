"""Batched execution: tapes that share a structure run as one jit-compiled, vmapped call."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _tracker
from ._core import Spec, circuit_function
from ._deferred import defer, simulation_wires
from ._device import Device
from ._measurements import postprocess
from ._methods import Adjoint, Backprop, FiniteDiff, Method, ParamShift, method_from_kwargs
from ._operation import is_concrete
from ._precision import match_pennylane, warn_if_downcast
from ._shots import Shots, as_shots, check_key
from ._tape import Tape, batch_axes

_INTERFACES = ("autograd", "jax", "jax-jit", "jax-python", "numpy", "auto")
_FOREIGN = ("torch", "pytorch", "tf", "tensorflow", "tf-autograph")
_METHOD_NAMES = {
    "backprop": "backprop",
    "best": "backprop",
    "device": "adjoint",
    "adjoint": "adjoint",
    "parameter-shift": "param_shift",
    "param_shift": "param_shift",
    "finite-diff": "finite_diff",
    "finite_diff": "finite_diff",
}


def resolve_method(
    gradient_fn: Any, gradient_kwargs: dict[str, Any] | None, mode: str, shots: Shots | None = None
) -> Method | None:
    """Turn ``gradient_fn`` (a transform, a name, or None) and its kwargs into a method config.

    ``"best"`` is backprop for exact simulation and parameter-shift with shots.
    """
    kwargs = dict(gradient_kwargs or {})
    if mode not in ("best", "forward", "backward"):
        raise ValueError(f"execute: 'mode' must be 'best', 'forward' or 'backward', got {mode!r}.")
    if gradient_fn is None:
        return None
    kind = getattr(gradient_fn, "method_kind", None)
    if kind is not None:
        if mode == "forward":
            raise ValueError(
                f"execute: mode='forward' computes device Jacobians during the forward pass, but "
                f"gradient_fn={getattr(gradient_fn, '__name__', gradient_fn)} is a gradient transform, which "
                "runs in the backward pass; use mode='backward' or gradient_fn='device'."
            )
        return method_from_kwargs(kind, kwargs)
    if isinstance(gradient_fn, str) and gradient_fn in _METHOD_NAMES:
        name = _METHOD_NAMES[gradient_fn]
        if gradient_fn == "best" and shots is not None:
            name = "param_shift"
        if name in ("param_shift", "finite_diff"):
            return method_from_kwargs(name, kwargs)
        return Adjoint() if name == "adjoint" else Backprop()
    raise ValueError(
        f"execute: unknown gradient_fn {gradient_fn!r}; use qml.gradients.param_shift, "
        "qml.gradients.finite_diff, 'device' (adjoint), 'backprop' or None."
    )


def check_interface(interface: Any) -> None:
    if interface is None or interface in _INTERFACES:
        return
    if interface in _FOREIGN:
        raise ValueError(
            f"interface={interface!r} is not supported: quantum_jax computes with JAX. Use interface='jax' "
            "(or 'autograd' for PennyLane-style code with quantum_jax.numpy)."
        )
    raise ValueError(f"unknown interface {interface!r}; use one of {', '.join(_INTERFACES)}.")


@functools.lru_cache(maxsize=1024)
def _batched(spec: Spec) -> Callable[[tuple[Any, ...]], Any]:
    core = circuit_function(spec)

    def run(stacked: tuple[Any, ...]) -> Any:
        _tracker.count_batch(jnp.shape(stacked[0])[0])
        return jax.vmap(core)(stacked)

    return jax.jit(run)


@functools.lru_cache(maxsize=1024)
def _single(spec: Spec) -> Callable[[tuple[Any, ...]], Any]:
    core = circuit_function(spec)

    def run(leaves: tuple[Any, ...]) -> Any:
        _tracker.count_batch(1)
        return core(leaves)

    return jax.jit(run)


def _key(leaves: Sequence[Any]) -> tuple[Any, ...]:
    return tuple((jnp.shape(x), jnp.result_type(x)) for x in leaves)


def _fingerprint(leaves: Sequence[Any]) -> bytes:
    return b"|".join(np.ascontiguousarray(np.asarray(x)).tobytes() for x in leaves)


def assemble(results: Sequence[Any]) -> Any:
    """One array per tape: measurements stacked when their shapes agree, else concatenated flat."""
    if not results:
        return jnp.zeros((0,))
    if any(isinstance(r, (dict, tuple)) for r in results):
        return tuple(results)  # counts dicts and ragged shot-vector bins cannot be stacked
    shapes = {jnp.shape(r) for r in results}
    if len(shapes) == 1:
        return jnp.stack(results)
    return jnp.concatenate([jnp.ravel(r) for r in results])


def split_for(tape: Tape, method: Method | None, shots: Shots | None) -> tuple[Tape, tuple[Any, ...]]:
    """Take Hamiltonian coefficients out of the circuit function where its rule needs them out.

    That is where the rule needs raw quantities that are linear in the state (shift rules, sampling
    term by term); JAX's chain rule then differentiates the coefficients exactly. Backprop and adjoint
    keep them inside: adjoint then sweeps one ``lambda = H psi`` instead of one per term.
    """
    tape = tape.canonical()
    if shots is not None or isinstance(method, (ParamShift, FiniteDiff)):
        return tape.split()
    return tape, (None,) * len(tape.measurements)


def sampling_key(device: Device, shots: Shots | None, key: Any, owner: str) -> Any:
    """The key to sample with: ``key`` if given, else one from the device's seed; None without shots."""
    if shots is None:
        if key is not None:
            check_key(key, owner)
        return None
    if key is None:
        return jax.random.key(device.seed if device.seed is not None else 0)
    return check_key(key, owner)


def _distinct(
    members: Sequence[int], flat: Sequence[list[Any]], cache: bool, cachesize: int
) -> tuple[list[int], dict[int, int]]:
    """The tapes of a group to run (identical concrete tapes once) and each member's row among them."""
    rows: list[int] = []
    row_of: dict[int, int] = {}
    seen: dict[bytes, int] = {}
    for i in members:
        if cache and len(seen) < cachesize and is_concrete(flat[i]):
            fp = _fingerprint(flat[i])
            if fp in seen:
                row_of[i] = seen[fp]
                continue
            seen[fp] = len(rows)
        row_of[i] = len(rows)
        rows.append(i)
    return rows, row_of


def _run_group(spec: Spec, rows: Sequence[list[Any]], keys: list[Any]) -> tuple[Any, bool]:
    """Run the rows of one structure: ``(results, batched)``; batched results have a leading row axis."""
    columns = [list(col) for col in zip(*rows, strict=True)] + ([keys] if keys else [])
    if len(rows) == 1 or not columns:  # one tape, or no parameters: every row is the same circuit
        return _single(spec)(tuple(c[0] for c in columns)), False
    return _batched(spec)(tuple(jnp.stack(col) for col in columns)), True


def _broadcast_columns(tape: Tape, leaves: Sequence[Any], size: int) -> list[jax.Array]:
    """A broadcast tape's leaves as the columns of a batch of ``size`` rows (unbatched ones repeated)."""
    batched = [b for op in tape.operations for b in batch_axes(op)]
    batched += [False] * (len(leaves) - len(batched))
    return [
        jnp.asarray(x) if b else jnp.broadcast_to(jnp.asarray(x), (size, *jnp.shape(x)))
        for x, b in zip(leaves, batched, strict=True)
    ]


def run_raw(
    bare_tapes: Sequence[Tape],
    wires: tuple[Any, ...] | None,
    method: Method | None,
    max_diff: int | None,
    cache: bool = True,
    cachesize: int = 10000,
    shots: Shots | None = None,
    key: Any = None,
    mixed: bool = False,
) -> list[tuple[Any, ...]]:
    """Raw quantities of coefficient-free tapes, grouped by structure into batched calls.

    Identical concrete tapes run once, unless there are shots: then every tape draws its own samples,
    as separate executions on hardware would; the ``r``-th distinct tape of structure group ``g``
    samples with ``fold_in(fold_in(key, g), r)``. A broadcast tape (see ``Tape.batch_size``) is a
    group of its own whose rows are its batch; its raw quantities keep the leading batch axis.
    ``wires=None`` runs each tape on its own wires; ``mixed`` simulates density matrices.
    """
    tracking = _tracker.tracking()
    groups: dict[Any, list[int]] = {}
    flat: list[list[Any]] = []
    for i, tape in enumerate(bare_tapes):
        leaves, treedef = jax.tree_util.tree_flatten(tape)
        flat.append(leaves)
        broadcast = None if tape.batch_size is None else i
        own = simulation_wires(tape, wires)  # with the auxiliary wires of mid-circuit measurements
        groups.setdefault((treedef, _key(leaves), broadcast, own), []).append(i)
    out: list[Any] = [None] * len(bare_tapes)
    for g, ((treedef, _, broadcast, own), members) in enumerate(groups.items()):
        spec = Spec(treedef, own, method, max_diff, max_diff, tracking, shots, mixed)
        group_key = None if shots is None else jax.random.fold_in(key, g)
        if broadcast is not None:
            size = bare_tapes[broadcast].batch_size or 0
            columns = _broadcast_columns(bare_tapes[broadcast], flat[broadcast], size)
            if group_key is not None:
                columns.append(jax.vmap(lambda r, k=group_key: jax.random.fold_in(k, r))(jnp.arange(size)))
            out[broadcast] = _batched(spec)(tuple(columns))
            continue
        rows, row_of = _distinct(members, flat, cache and shots is None, cachesize)
        keys = [] if group_key is None else [jax.random.fold_in(group_key, r) for r in range(len(rows))]
        res, batched = _run_group(spec, [flat[i] for i in rows], keys)
        for i in members:
            out[i] = jax.tree_util.tree_map(lambda x, r=row_of[i]: x[r], res) if batched else res
    return out


def run_tapes(
    tapes: Sequence[Tape],
    device: Device,
    method: Method | None,
    max_diff: int | None,
    shots: Shots | None,
    key: Any,
    cache: bool = True,
    cachesize: int = 10000,
) -> list[list[Any]]:
    """The one execution path of ``execute`` and QNodes: per tape, its measurements' values.

    Mid-circuit measurements are deferred first (``_deferred``), so everything after sees plain tapes.
    """
    runs = [defer(t, shots is not None, isinstance(method, Adjoint)) for t in tapes]
    splits = [split_for(r.tape, method, shots) for r in runs]
    bare = [s[0] for s in splits]
    raws = run_raw(bare, device.wires, method, max_diff, cache, cachesize, shots, key, device.mixed)
    return [
        _values(r.measured, *r.finish(raw, coeffs), shots)
        for r, (_, coeffs), raw in zip(runs, splits, raws, strict=True)
    ]


def _values(tape: Tape, raw: Any, coeffs: Any, shots: Shots | None) -> list[Any]:
    """A tape's measurement values; a broadcast tape's each get a leading batch axis.

    With a shot vector the batch axis comes after the bins, as PennyLane orders them.
    """
    if tape.batch_size is None:
        return postprocess(tape.measurements, raw, coeffs, shots)
    values = jax.vmap(functools.partial(postprocess, tape.measurements, coeffs=coeffs, shots=shots))(raw)
    if shots is not None and shots.vector:
        values = [jnp.moveaxis(v, 0, 1) if isinstance(v, jax.Array) else v for v in values]
    return list(values)


def _assembled(values: list[Any], shots: Shots | None) -> Any:
    """One tape's result: its measurements assembled; with a shot vector, one assembly per bin."""
    if shots is not None and shots.vector and not any(isinstance(v, (tuple, dict)) for v in values):
        return jnp.stack([assemble([v[b] for v in values]) for b in range(len(shots.bins))])
    return assemble(values)


def _match_precision(tapes: list[Tape], interface: str | None) -> None:
    """PennyLane-style calls compute float64 data in float64; JAX-style ones warn before downcasting."""
    if interface in ("jax", "jax-jit", "jax-python"):
        warn_if_downcast(tapes, "execute")
    else:
        match_pennylane(tapes)


def _checked(
    tapes: Any, device: Any, max_diff: Any, cachesize: Any, override_shots: Any
) -> tuple[list[Tape], Shots | None]:
    """``execute``'s arguments checked: the tapes as a list, and the shots to run with."""
    if not isinstance(device, Device):
        raise TypeError(f"execute: 'device' must be a quantum_jax device, got {device!r}.")
    if isinstance(max_diff, bool) or not isinstance(max_diff, int) or max_diff < 1:
        raise ValueError(f"execute: 'max_diff' must be a positive integer, got {max_diff!r}.")
    if isinstance(cachesize, bool) or not isinstance(cachesize, int) or cachesize < 1:
        raise ValueError(f"execute: 'cachesize' must be a positive integer, got {cachesize!r}.")
    tapes = list(tapes) if not isinstance(tapes, Tape) else [tapes]
    for t in tapes:
        if not isinstance(t, Tape):
            raise TypeError(f"execute: 'tapes' must hold tapes, got {t!r}.")
    if override_shots is None or override_shots is False:
        return tapes, device.shots
    return tapes, as_shots(override_shots, "execute")


def execute(
    tapes: Sequence[Tape],
    device: Device,
    gradient_fn: Any = "best",
    interface: str | None = "autograd",
    mode: str = "best",
    gradient_kwargs: dict[str, Any] | None = None,
    cache: bool = True,
    cachesize: int = 10000,
    max_diff: int = 2,
    override_shots: Any = False,
    key: Any = None,
) -> list[jax.Array]:
    """Execute a batch of tapes on a device, differentiably.

    Tapes with the same structure (gate types, wires, measurements, parameter shapes) run as one jit-compiled
    ``vmap`` call, cached by structure: new parameter values never retrace. Every JAX transformation
    differentiates the result with the chosen method.

    Args:
        tapes: the tapes to run.
        device: the device (its wires fix the statevector's axes).
        gradient_fn: ``qml.gradients.param_shift`` or ``finite_diff`` (gradient transforms), ``"device"``
            (adjoint), ``"backprop"``, ``"best"`` (backprop) or ``None`` (not differentiable).
        interface: ``"autograd"`` (NumPy arrays when the parameters are concrete) or ``"jax"``.
        mode: ``"forward"`` computes device Jacobians with the forward pass, ``"backward"`` in the backward
            pass; gradient transforms only run backward.
        gradient_kwargs: options of the gradient transform (``shifts``, ``gradient_recipes``, ``h``, ...).
        cache: evaluate identical concrete tapes once (not with shots: every tape draws its own samples).
        cachesize: the most distinct tapes the cache holds.
        max_diff: the highest derivative order a gradient transform supports; asking for more raises.
        override_shots: run with these shots (an int or a shot vector) instead of the device's.
        key: the PRNG key to sample with (default: from the device's seed); each tape, and each shifted
            circuit of a gradient, draws from a key folded from it.

    Returns:
        One array per tape: its measurements stacked on a leading axis when they share a shape, else
        concatenated flat; with a shot vector, one such result per bin on a leading axis.

    Raises:
        ValueError: for an unknown or unsupported ``gradient_fn``, ``interface`` or ``mode``.

    Example:
        >>> import quantum_jax as qml
        >>> tape = qml.tape.Tape([qml.RX(0.0, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> qml.execute([tape], qml.device("default.qubit", wires=1), qml.gradients.param_shift)
        [array([1.])]
    """
    check_interface(interface)
    tapes, shots = _checked(tapes, device, max_diff, cachesize, override_shots)
    _match_precision(tapes, interface)
    method = resolve_method(gradient_fn, gradient_kwargs, mode, shots)
    key = sampling_key(device, shots, key, "execute")
    per_tape = run_tapes(tapes, device, method, max_diff, shots, key, cache, cachesize)
    results = [_assembled(values, shots) for values in per_tape]
    if interface == "autograd" and is_concrete(results):
        # PennyLane-style code prints results as NumPy arrays; traced results stay JAX arrays.
        return [np.asarray(r) for r in results]  # type: ignore[misc]
    return results
