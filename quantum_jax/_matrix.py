"""Dense matrices of operators, quantum functions and QNodes (``qml.matrix``), and their eigenvalues.

An operator's own matrix lives on its own wires, in their order; :func:`embed` re-expresses it on a
larger wire order (identity on the other wires, wire 0 of the order the most significant bit). The
unitary of a circuit is built by applying its gates to the identity with the simulator's kernels, so
every gate is read through the data it declares (permutation, diagonal or matrix). Everything is
``jax.numpy``: parameters stay differentiable.

QNodes are recognized by what they offer (``construct(args, kwargs)`` and ``device.wires``), so this
module needs nothing from the layers above.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from . import _kernels, _recording
from ._operation import Operation, is_concrete
from ._pauli import PauliSentence, PauliWord
from ._wires import Wires, as_wires

__all__ = ["eigvals", "matrix"]


def _complex_dtype(*arrays: Any) -> Any:
    return jnp.result_type(*arrays, complex)


def _check_order(wires: Sequence[Hashable], order: Wires, owner: str, what: Any) -> None:
    missing = [w for w in wires if w not in order]
    if missing:
        raise ValueError(
            f"{owner}: 'wire_order' {list(order)} lacks the wires {missing} of {what!r}; include every wire "
            "the operator acts on."
        )


def embed(mat: Any, wires: Sequence[Hashable], wire_order: Sequence[Hashable]) -> jax.Array:
    """The matrix ``mat`` of an operator on ``wires``, as an operator on ``wire_order`` (a superset).

    Args:
        mat: a ``(2^k, 2^k)`` matrix, its rows indexed by the bits of ``wires`` (the first most significant).
        wires: the ``k`` wires it acts on.
        wire_order: the wires of the result, in order.

    Returns:
        The ``(2^n, 2^n)`` matrix acting as ``mat`` on ``wires`` and as the identity elsewhere.

    Example:
        >>> import numpy as onp
        >>> z = onp.diag([1.0, -1.0])
        >>> embed(z, [1], [0, 1]).real.diagonal().tolist()
        [1.0, -1.0, 1.0, -1.0]
    """
    wires, order = tuple(wires), tuple(wire_order)
    mat = jnp.asarray(mat)
    if wires == order:
        return mat
    _check_order(wires, order, "embed", f"a matrix on wires {list(wires)}")
    n = len(order)
    eye = jnp.eye(2**n, dtype=jnp.result_type(mat.dtype, float)).reshape((2,) * (2 * n))
    out = _kernels.apply_matrix(eye, mat, [order.index(w) for w in wires])
    return jnp.reshape(out, (2**n, 2**n))


def circuit_unitary(ops: Sequence[Operation], wire_order: Sequence[Hashable]) -> jax.Array:
    """The unitary of the gates ``ops`` (applied in order) on ``wire_order``.

    Each gate is applied to the identity with the simulator's kernels (by its permutation, diagonal or
    matrix), so the cost is ``O(4^n 2^k)`` per ``k``-wire gate.

    Raises:
        ValueError: for a state preparation (it prepares a state and has no matrix).

    Example:
        >>> import quantum_jax as qml
        >>> u = circuit_unitary([qml.Hadamard(0), qml.CNOT([0, 1])], [0, 1])
        >>> (u[:, 0] * 2**0.5).real.round(6).tolist()
        [1.0, 0.0, 0.0, 1.0]
    """
    order = tuple(wire_order)
    for op in ops:
        if op.is_state_preparation:
            raise ValueError(
                f"matrix: {op!r} prepares a state and has no matrix; remove it from the circuit."
            )
        _check_order(op.wires, order, "matrix", op)
    n = len(order)
    axes = {w: i for i, w in enumerate(order)}
    dtype = _complex_dtype(*jax.tree_util.tree_leaves(list(ops)))
    u = jnp.eye(2**n, dtype=dtype).reshape((2,) * (2 * n))
    for op in ops:
        u = _kernels.apply_operation(u, op, [axes[w] for w in op.wires])
    return jnp.reshape(u, (2**n, 2**n))


def _is_qnode(obj: Any) -> bool:
    return callable(getattr(obj, "construct", None)) and hasattr(getattr(obj, "device", None), "wires")


def _recorded(fn: Callable[..., Any], args: Any, kwargs: Any) -> tuple[list[Operation], Wires]:
    """The operations a quantum function records, and its wires in order of first appearance."""
    with _recording.recording() as items:
        fn(*args, **kwargs)
    ops = [i for i in items if isinstance(i, Operation)]
    wires = [w for op in ops for w in op.wires]
    wires += [w for i in items if not isinstance(i, Operation) for w in getattr(i, "measured_wires", ())]
    return ops, tuple(dict.fromkeys(wires))


def _circuit_matrix(op: Any, wire_order: Wires | None) -> Callable[..., jax.Array]:
    """``qml.matrix`` of a QNode or a quantum function: a function of the circuit's arguments."""

    def unitary(*args: Any, **kwargs: Any) -> jax.Array:
        if _is_qnode(op):
            ops = list(op.construct(args, kwargs).operations)
            order = wire_order if wire_order is not None else tuple(op.device.wires)
        else:
            ops, wires = _recorded(op, args, kwargs)
            order = wire_order if wire_order is not None else wires
        return circuit_unitary(ops, order)

    return unitary


def matrix(op: Any, wire_order: Sequence[Hashable] | None = None) -> Any:
    """The dense matrix of an operator, or a function computing the unitary of a circuit.

    Args:
        op: an operation, an observable or an arithmetic expression (``qml.prod``, ``A + B``, ...), a
            ``PauliWord`` or ``PauliSentence``, a tape, or a quantum function or QNode.
        wire_order: the wires of the matrix, in order (wire ``wire_order[0]`` the most significant
            bit); it may hold wires the operator does not act on. The default is the operator's wires;
            for a QNode the device's wires; for a quantum function or tape the order in which wires
            first appear in it.

    Returns:
        For an operator, its ``(2^n, 2^n)`` matrix. For a quantum function or QNode, a function of the
        same arguments returning the unitary of the operations it applies (its measurements are
        ignored). For a tape, the unitary of its operations.

    Raises:
        TypeError: if ``op`` is none of the above.
        ValueError: if ``wire_order`` lacks a wire of the operator, or for a state preparation.

    Example:
        >>> import quantum_jax as qml
        >>> qml.matrix(qml.PauliX(0), wire_order=[1, 0]).real.astype(int).tolist()
        [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]
        >>> def circuit():
        ...     qml.Hadamard(wires=0)
        ...     qml.CNOT(wires=[0, 1])
        ...     return qml.state()
        >>> qml.matrix(circuit)().shape
        (4, 4)
    """
    order = None if wire_order is None else as_wires(wire_order, "matrix")
    if isinstance(op, (PauliWord, PauliSentence)):
        return jnp.asarray(op.to_mat(order))
    if hasattr(op, "matrix") and hasattr(op, "wires"):
        if getattr(op, "is_state_preparation", False):
            raise ValueError(f"matrix: {op!r} prepares a state and has no matrix.")
        _recording.forget(op)  # an operator built to be inspected is not part of the circuit being recorded
        wires = tuple(op.wires)
        if order is not None:
            _check_order(wires, order, "matrix", op)
        return embed(op.matrix(), wires, wires if order is None else order)
    if hasattr(op, "operations") and hasattr(op, "wires"):  # a tape
        return circuit_unitary(list(op.operations), tuple(op.wires) if order is None else order)
    if callable(op):
        return _circuit_matrix(op, order)
    raise TypeError(
        "matrix: 'op' must be an operator, a PauliWord/PauliSentence, a tape, a quantum function or a "
        f"QNode; got {op!r}."
    )


def _declared_eigvals(op: Any) -> bool:
    """Whether ``op`` is an observable measured as one operator, with eigenvalues of its own."""
    terms = getattr(op, "terms", None)
    return terms is not None and terms()[0] is None and bool(getattr(op, "is_hermitian", False))


def eigvals(op: Any) -> Any:
    """The eigenvalues of an operator, or a function computing those of a circuit's unitary.

    Observables return their declared eigenvalues (in the order their diagonalizing gates leave them,
    e.g. ``(1, -1)`` for ``PauliZ``); other Hermitian operators (sums, ...) the ascending eigenvalues of
    their matrix; anything else the eigenvalues of its matrix (complex, in no particular order).

    Args:
        op: an operator, a ``PauliWord``/``PauliSentence``, or a quantum function or QNode.

    Returns:
        The eigenvalues, or for a quantum function or QNode a function of its arguments returning them.

    Example:
        >>> import quantum_jax as qml
        >>> qml.eigvals(qml.PauliZ(0) @ qml.PauliZ(1)).tolist()
        [1.0, -1.0, -1.0, 1.0]
        >>> H = qml.Hamiltonian([1.0, 1.0], [qml.PauliX(0), qml.PauliZ(0)])
        >>> [round(float(e), 4) for e in qml.eigvals(H)]
        [-1.4142, 1.4142]
    """
    if isinstance(op, (PauliWord, PauliSentence)):
        mat = jnp.asarray(op.to_mat())
        hermitian = not is_concrete(mat) or bool(jnp.allclose(mat, jnp.conj(mat).T))
        return jnp.linalg.eigvalsh(mat) if hermitian else jnp.linalg.eigvals(mat)
    if not hasattr(op, "wires") and callable(op):
        unitary = matrix(op)
        return lambda *args, **kwargs: jnp.linalg.eigvals(unitary(*args, **kwargs))
    if _declared_eigvals(op):
        _recording.forget(op)
        return op.eigvals()
    mat = matrix(op)
    if getattr(op, "is_hermitian", False):
        return jnp.linalg.eigvalsh(mat)
    if getattr(op, "is_diagonal", False):
        return op.diagonal()
    return jnp.linalg.eigvals(mat)
