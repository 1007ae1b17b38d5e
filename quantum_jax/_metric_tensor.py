"""The metric tensor of a QNode: the Fubini-Study metric, one quarter of the quantum Fisher information.

For the state ``|psi(theta)>`` a circuit prepares, the metric tensor is

``g_ij = Re(<d_i psi|d_j psi>) - <d_i psi|psi><psi|d_j psi>``

(Stokes, Izaac, Killoran, Carleo, "Quantum Natural Gradient", Quantum 4, 269 (2020); the quantum Fisher
information is ``4 g``, Meyer, Quantum 5, 539 (2021), Eq. (27)). It is computed on the gate parameters
of the QNode's tape, then carried to the QNode's trainable arguments by the classical Jacobian ``c`` of
the gate parameters (``c^T g c``).

* ``approx=None``: exactly, from the Jacobian of the simulated final state (``jax.jacfwd``).
* ``approx="block-diag"``: the layer-wise approximation of Stokes et al. (Sec. 3). Walking the trainable
  gate parameters in circuit order, a parameter opens a new layer when a gate of the current layer
  precedes its own gate on some wire path (or is its own gate); gates in one layer then act on disjoint
  wires. Each layer's block is the covariance matrix ``<K_a K_b> - <K_a><K_b>`` of its generators in the
  state its preceding gates prepare; entries between layers are zero.
* ``approx="diag"``: only the variances, which equal the exact diagonal.

A parameter's generator is read off the gate's matrix, ``K = i U^dagger dU/dx`` at the parameter's
value (``jax.jacfwd`` of :meth:`Operation.matrix`): for ``U = exp(-i x G)`` it is ``G``. For a gate with
several parameters it is that parameter's generator moved to the gate's input, and the parameters are
taken to act one after the other in their order, each in a layer of its own: ``Rot(phi, theta, omega) =
RZ(omega) RY(theta) RZ(phi)`` gives the same blocks as those three rotations.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._kernels import apply_matrix
from ._operation import Operation, is_concrete
from ._qnode import QNode
from ._simulator import final_state
from ._tape import Tape

__all__ = ["metric_tensor"]

_APPROXIMATIONS = ("block-diag", "diag", None)

Argnum = int | Sequence[int] | None


def metric_tensor(tape: QNode, argnum: Argnum = None, approx: str | None = None) -> Callable[..., Any]:
    """Return a function computing the metric tensor of a QNode with respect to its trainable arguments.

    The trainable arguments are chosen as :func:`quantum_jax.grad` chooses them: ``quantum_jax.numpy``
    tensors with ``requires_grad=True`` and JAX arrays. For one trainable argument of shape ``A`` the
    metric has shape ``(*A, *A)``; for several it is a tuple with one such tensor per argument (the
    blocks between different arguments are not returned).

    Args:
        tape: the QNode.
        argnum: trainable gate-parameter indices of the QNode's tape (counted over all its gates'
            parameters, in circuit order) to include; the rows and columns of the others are zero.
            ``None`` includes all.
        approx: ``None`` (default) for the exact tensor, ``"block-diag"`` for the layer-wise block
            diagonal, ``"diag"`` for the diagonal.

    Returns:
        A function with the QNode's arguments returning the metric tensor: a ``quantum_jax.numpy``
        tensor for NumPy-style calls, a JAX array when called with JAX arrays or traced.

    Raises:
        TypeError: if ``tape`` is not a QNode or ``argnum`` is not an int or a sequence of ints.
        ValueError: if ``approx`` is unknown, ``argnum`` names an untrainable parameter, or a trainable
            argument feeds a gate parameter that is not a scalar (a matrix, a state vector).

    Example:
        >>> import quantum_jax as qml
        >>> from quantum_jax import numpy as np
        >>> dev = qml.device("default.qubit", wires=2)
        >>> @qml.qnode(dev)
        ... def circuit(weights):
        ...     qml.RX(weights[0], wires=0)
        ...     qml.RY(weights[1], wires=0)
        ...     qml.CNOT(wires=[0, 1])
        ...     qml.RZ(weights[2], wires=1)
        ...     qml.RZ(weights[3], wires=0)
        ...     return qml.expval(qml.PauliZ(1))
        >>> weights = np.array([0.1, 0.2, 0.4, 0.5])
        >>> np.round(qml.metric_tensor(circuit)(weights), 4) + 0.0
        tensor([[ 0.25  ,  0.    , -0.0497, -0.0497],
                [ 0.    ,  0.2475,  0.0243,  0.0243],
                [-0.0497,  0.0243,  0.0123,  0.0123],
                [-0.0497,  0.0243,  0.0123,  0.0123]], requires_grad=True)
        >>> np.round(qml.metric_tensor(circuit, approx="block-diag")(weights), 4) + 0.0
        tensor([[0.25  , 0.    , 0.    , 0.    ],
                [0.    , 0.2475, 0.    , 0.    ],
                [0.    , 0.    , 0.0123, 0.0123],
                [0.    , 0.    , 0.0123, 0.0123]], requires_grad=True)
    """
    selected = _check_arguments(tape, argnum, approx)

    def metric_function(*args: Any, **kwargs: Any) -> Any:
        return _evaluate(tape, selected, approx, args, kwargs)

    functools.update_wrapper(metric_function, tape.func)
    return metric_function


def _check_arguments(tape: Any, argnum: Argnum, approx: Any) -> tuple[int, ...] | None:
    """Check :func:`metric_tensor`'s arguments; return ``argnum`` as a tuple (or ``None``)."""
    if not isinstance(tape, QNode):
        raise TypeError(
            f"metric_tensor: 'tape' must be a QNode (made with qml.qnode), got {type(tape).__name__}."
        )
    if not (approx is None or (isinstance(approx, str) and approx in _APPROXIMATIONS)):
        raise ValueError(
            f"metric_tensor: unknown approx={approx!r}; use None (exact), 'block-diag' or 'diag'."
        )
    if argnum is None:
        return None
    values: list[Any] = list(argnum) if isinstance(argnum, (list, tuple)) else [argnum]
    for a in values:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(
                f"metric_tensor: 'argnum' must be None, an int or a sequence of ints (gate-parameter "
                f"indices), got {argnum!r}."
            )
    return tuple(int(a) for a in values)


def _evaluate(
    qnode: QNode, argnum: tuple[int, ...] | None, approx: str | None, args: tuple[Any, ...], kwargs: Any
) -> Any:
    from ._autograd import _Prepared

    def gate_parameters(*a: Any, **k: Any) -> list[Any]:
        return qnode.construct(a, k).get_parameters()

    gate_parameters.__name__ = getattr(qnode.func, "__name__", "the QNode")
    call = _Prepared(gate_parameters, None, args, kwargs)
    if not call.positions:
        return _nothing(f"none of the positional arguments of {call.name} is trainable")
    with call.context():
        tape = qnode.construct(call.args, call.kwargs)
        positions = _trainable_parameters(tape, call)
        if not positions:
            return _nothing(f"no gate parameter of {call.name} depends on its trainable arguments")
        wires = tape.wires if qnode.device.wires is None else tuple(qnode.device.wires)
        g = _tape_metric(tape.operations, positions, wires, approx)
        g = _restrict(g, positions, argnum)

        def trainable_values(*chosen: Any) -> jax.Array:
            params = call.of_chosen(*chosen)
            return jnp.stack([jnp.asarray(params[i], dtype=float) for i in positions])

        cjac = jax.jacfwd(trainable_values, argnums=tuple(range(len(call.positions))))(*call.values)
    blocks = tuple(jnp.tensordot(c, jnp.tensordot(g, c, axes=1), axes=(0, 0)) for c in cjac)
    result = blocks[0] if call.single else blocks
    return _as_output(result, qnode, args, kwargs)


def _nothing(reason: str) -> tuple[()]:
    warnings.warn(
        f"metric_tensor: {reason}, so the metric tensor is empty and () is returned. Pass tensors with "
        "requires_grad=True (or JAX arrays) that the circuit's gates depend on.",
        UserWarning,
        stacklevel=4,
    )
    return ()


def _depends_on_inputs(fn: Callable[..., Any], values: Sequence[Any]) -> list[bool]:
    """For each output leaf of ``fn(*values)``: whether it is computed from the inputs (a data-flow pass)."""
    jaxpr = jax.make_jaxpr(fn)(*values).jaxpr
    dependent = {id(v) for v in jaxpr.invars}
    for eqn in jaxpr.eqns:
        if any(id(v) in dependent for v in eqn.invars):
            dependent.update(id(v) for v in eqn.outvars)
    return [id(v) in dependent for v in jaxpr.outvars]


def _trainable_parameters(tape: Tape, call: Any) -> tuple[int, ...]:
    """The indices of the tape's gate parameters that depend on the trainable arguments."""
    params = tape.get_parameters()
    flags = _depends_on_inputs(call.of_chosen, call.values)
    owners = [op for op in tape.operations for _ in op.params]
    for flag, param, op in zip(flags, params, owners, strict=True):
        if flag and (op.is_state_preparation or jnp.ndim(param) != 0):
            raise ValueError(
                f"metric_tensor: a trainable argument feeds {op.name}'s parameter of shape "
                f"{tuple(jnp.shape(param))}; the metric tensor needs gates with scalar parameters "
                "(rotations), so pass that parameter as untrainable data."
            )
    return tuple(i for i, flag in enumerate(flags) if flag)


def _restrict(g: jax.Array, positions: tuple[int, ...], argnum: tuple[int, ...] | None) -> jax.Array:
    """Zero the rows and columns of the trainable gate parameters ``argnum`` leaves out."""
    if argnum is None:
        return g
    unknown = [a for a in argnum if a not in positions]
    if unknown:
        raise ValueError(
            f"metric_tensor: argnum={list(argnum)} names gate parameter(s) {unknown}, which are not "
            f"trainable; the trainable gate parameters of this circuit are {list(positions)}."
        )
    keep = jnp.asarray([float(p in argnum) for p in positions])
    return g * jnp.outer(keep, keep)


def _as_output(result: Any, qnode: QNode, args: tuple[Any, ...], kwargs: Any) -> Any:
    """NumPy-style calls get ``quantum_jax.numpy`` tensors, JAX-style (or traced) calls JAX arrays."""
    if not is_concrete(result) or qnode.interface == "jax":
        return result
    if qnode.interface != "autograd" and any(
        isinstance(x, jax.Array) for x in jax.tree_util.tree_leaves((args, kwargs))
    ):
        return result
    from .numpy import tensor

    return jax.tree_util.tree_map(lambda r: tensor(np.asarray(r), requires_grad=True), result)


# --- the metric of the gate parameters ---------------------------------------------------------------
@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _tape_metric(
    ops: tuple[Operation, ...], positions: tuple[int, ...], wires: tuple[Any, ...], approx: str | None
) -> jax.Array:
    """The metric tensor of the gate parameters ``positions`` (indices into all gate parameters)."""
    if approx is None:
        return _exact_metric(ops, positions, wires)
    return _layered_metric(ops, positions, wires, diagonal_only=approx == "diag")


def _exact_metric(
    ops: tuple[Operation, ...], positions: tuple[int, ...], wires: tuple[Any, ...]
) -> jax.Array:
    """``Re(J^dagger J) - Re((J^dagger psi)(psi^dagger J))`` from the state's Jacobian ``J``."""
    tape = Tape(ops)
    params = tape.get_parameters()
    theta = jnp.stack([jnp.asarray(params[i], dtype=float) for i in positions])

    def state(values: jax.Array) -> jax.Array:
        new = list(params)
        for k, i in enumerate(positions):
            new[i] = values[k]
        return final_state(tape.with_parameters(new), wires).reshape(-1)

    psi = state(theta)
    jac = jax.jacfwd(state)(theta)
    overlaps = jac.conj().T @ jac
    berry = jac.conj().T @ psi
    return jnp.real(overlaps - jnp.outer(berry, berry.conj()))


def _ancestors(ops: Sequence[Operation]) -> list[set[int]]:
    """For each gate, the gates before it on some path along the wires (the circuit DAG's ancestors)."""
    last: dict[Any, int] = {}
    out: list[set[int]] = []
    for k, op in enumerate(ops):
        before: set[int] = set()
        for w in op.wires:
            if w in last:
                before |= {last[w]} | out[last[w]]
        out.append(before)
        for w in op.wires:
            last[w] = k
    return out


def _layers(units: Sequence[tuple[int, int]], ancestors: Sequence[set[int]]) -> list[list[int]]:
    """Group the trainable parameters ``units`` (gate index, parameter index) into layers."""
    layers: list[list[int]] = []
    for u, (gate, _) in enumerate(units):
        current = layers[-1] if layers else []
        if not layers or any(units[v][0] == gate or units[v][0] in ancestors[gate] for v in current):
            layers.append([u])
        else:
            current.append(u)
    return layers


def generator(op: Operation, index: int = 0) -> jax.Array:
    """The generator ``K = i U^dagger dU/dx`` of parameter ``index`` of ``op``, at its current value.

    For ``U(x) = exp(-i x G)`` it is ``G``; in general it is Hermitian for a unitary ``U`` and
    ``dU/dx = -i U K``.

    Example:
        >>> import quantum_jax as qml
        >>> from quantum_jax._metric_tensor import generator
        >>> print(generator(qml.RX(0.3, wires=0)).real.round(6))
        [[0.  0.5]
         [0.5 0. ]]
    """
    leaves, treedef = jax.tree_util.tree_flatten(op)

    def matrix_at(x: jax.Array) -> jax.Array:
        new = list(leaves)
        new[index] = x
        return jax.tree_util.tree_unflatten(treedef, new).matrix()

    x = jnp.asarray(leaves[index], dtype=float)
    return 1j * (matrix_at(x).conj().T @ jax.jacfwd(matrix_at)(x))


def _layered_metric(
    ops: tuple[Operation, ...], positions: tuple[int, ...], wires: tuple[Any, ...], diagonal_only: bool
) -> jax.Array:
    """The block-diagonal (or diagonal) metric: per layer, the covariance of its generators."""
    owners = [(k, j) for k, op in enumerate(ops) for j in range(len(op.params))]
    units = [owners[i] for i in positions]
    ancestors = _ancestors(ops)
    axes = {w: a for a, w in enumerate(wires)}
    g = jnp.zeros((len(units), len(units)))
    for layer in _layers(units, ancestors):
        before = sorted(set().union(*(ancestors[units[u][0]] for u in layer)))
        phi = final_state(Tape(tuple(ops[k] for k in before)), wires)
        moved = []
        for u in layer:
            gate, index = units[u]
            moved.append(apply_matrix(phi, generator(ops[gate], index), [axes[w] for w in ops[gate].wires]))
        means = [jnp.real(jnp.vdot(phi, v)) for v in moved]
        for a, u in enumerate(layer):
            for b, v in enumerate(layer):
                if a == b or not diagonal_only:
                    g = g.at[u, v].set(jnp.real(jnp.vdot(moved[a], moved[b])) - means[a] * means[b])
    return g
