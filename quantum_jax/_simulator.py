"""The statevector simulator: a pure, jittable function of a tape.

The state is a ``(2,) * n`` array, one axis per wire. Every gate acts on its own axes only, by
the data it declares (:func:`quantum_jax._kernels.apply_operation`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from . import _kernels
from ._device import check_memory
from ._measurements import Sampler, sampling_units
from ._shots import Shots
from ._tape import Tape
from ._wires import Wires


def real_dtype(tape: Tape) -> Any:
    """The float dtype of the simulation: float64 if any parameter is 64-bit, float32 if all are 32-bit.

    Python scalars are weakly typed and follow JAX's default (float64 under ``jax_enable_x64``).
    """
    leaves = [
        leaf
        for leaf in jax.tree_util.tree_leaves(tape.operations)
        if jnp.issubdtype(jnp.result_type(leaf), jnp.inexact)
    ]
    dtype = jnp.result_type(*leaves, float) if leaves else jnp.result_type(float)
    return jnp.finfo(dtype).dtype


def resolve_wires(tape: Tape, wires: Sequence[Hashable] | None) -> Wires:
    """The wire order of the simulation, checking the tape uses only those wires."""
    if wires is None:
        return tape.wires
    wires = tuple(wires)
    missing = [w for w in tape.wires if w not in wires]
    if missing:
        users = [repr(x) for x in tape if set(getattr(x, "wires", ())) & set(missing)]
        users += [repr(m) for m in tape.measurements if set(m.measured_wires) & set(missing)]
        raise ValueError(
            f"wires {missing} are not on the device (its wires are {list(wires)}); used by "
            f"{', '.join(dict.fromkeys(users))}. Create the device with these wires or change the circuit."
        )
    return wires


def initial_state(tape: Tape, wires: Wires, dtype: Any) -> jax.Array:
    """``|0...0>``, or the product of the tape's leading state preparations and ``|0>``."""
    n = len(wires)
    axes = {w: i for i, w in enumerate(wires)}
    factors: list[tuple[list[int], jax.Array]] = []
    covered: set[int] = set()
    for op in tape.operations:
        if not op.is_state_preparation:
            break
        ax = [axes[w] for w in op.wires]
        factors.append((ax, jnp.asarray(op.state_vector(), dtype)))
        covered.update(ax)
    if not factors:
        return jnp.zeros((2,) * n, dtype).reshape(-1).at[0].set(1).reshape((2,) * n)
    zero = jnp.array([1, 0], dtype)
    factors += [([a], zero) for a in range(n) if a not in covered]
    state = jnp.ones((), dtype)
    order: list[int] = []
    for ax, vec in factors:
        state = jnp.tensordot(state, jnp.reshape(vec, (2,) * len(ax)), axes=0)
        order += ax
    return jnp.transpose(state, [order.index(a) for a in range(n)])


def final_state(tape: Tape, wires: Sequence[Hashable] | None = None) -> jax.Array:
    """The ``(2,) * n`` statevector after the tape's operations."""
    wires = resolve_wires(tape, wires)
    dtype = jnp.result_type(real_dtype(tape), jnp.complex64)
    check_memory(len(wires), jnp.dtype(dtype).itemsize)
    axes = {w: i for i, w in enumerate(wires)}
    state = initial_state(tape, wires, dtype)
    for op in tape.operations:
        if not op.is_state_preparation:
            state = _kernels.apply_operation(state, op, [axes[w] for w in op.wires])
    return state


def simulate_raw(
    tape: Tape, wires: Sequence[Hashable] | None = None, shots: Shots | None = None, key: Any = None
) -> tuple[Any, ...]:
    """Each measurement's raw quantities (see ``_measurements``), for the gradient rules.

    With ``shots`` they are estimated from samples (see :class:`~quantum_jax._measurements.Sampler`);
    bin ``b`` of a shot vector samples with ``fold_in(key, b)`` and gives, per measurement, a tuple
    over bins.
    """
    wires = resolve_wires(tape, wires)
    state = final_state(tape, wires)
    axes = {w: i for i, w in enumerate(wires)}
    if shots is None:
        return tuple(m.raw(state, axes) for m in tape.measurements)
    units = sampling_units(tape.measurements, wires)
    per_bin = []
    for b, count in enumerate(shots.bins):
        sampler = Sampler(state, axes, jax.random.fold_in(key, b), count, units)
        per_bin.append([m.sampled(sampler, i) for i, m in enumerate(tape.measurements)])
    if not shots.vector:
        return tuple(per_bin[0])
    return tuple(tuple(b[i] for b in per_bin) for i in range(len(tape.measurements)))


def postprocess(tape: Tape, raws: Sequence[Any], coeffs: Sequence[Any], shots: Shots | None = None) -> list[Any]:
    """Measurement values from raw quantities; a shot vector stacks bins when their shapes agree."""
    out = []
    for m, r, c in zip(tape.measurements, raws, coeffs):
        if shots is not None and shots.vector:
            values = [m.postprocess(rb, c) for rb in r]
            shapes = {jnp.shape(v) for v in values if not isinstance(v, dict)}
            if len(shapes) == 1 and not isinstance(values[0], dict):
                out.append(jnp.stack(values))
            else:
                out.append(tuple(values))
        else:
            out.append(m.postprocess(r, c))
    return out


def simulate(tape: Tape, wires: Sequence[Hashable] | None = None) -> tuple[jax.Array, ...]:
    """Run ``tape`` and return one array per measurement.

    Args:
        tape: the circuit.
        wires: the device's wire order (defaults to the tape's wires in order of appearance).

    Returns:
        A tuple with one result per measurement.

    Example:
        >>> import quantum_jax as qml
        >>> from quantum_jax.simulator import simulate
        >>> tape = qml.tape.Tape([qml.RX(0.0, wires=0)], [qml.expval(qml.PauliZ(0))])
        >>> float(simulate(tape)[0])
        1.0
    """
    bare, coeffs = tape.split()
    return tuple(postprocess(tape, simulate_raw(bare, wires), coeffs))
