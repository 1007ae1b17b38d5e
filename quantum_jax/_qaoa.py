"""QAOA building blocks: MaxCut cost and mixer Hamiltonians and their layers (``qml.qaoa``).

The quantum approximate optimization algorithm (Farhi, Goldstone, Gutmann, arXiv:1411.4028) alternates
the cost layer ``exp(-i gamma H_C)`` and the mixer layer ``exp(-i alpha H_M)``. The Hamiltonians here
carry PennyLane's terms, coefficients and order; the layers are one step of
:class:`~quantum_jax.ApproxTimeEvolution`.

Graphs are plain edge lists ``[(0, 1), (1, 2)]`` or graph objects with ``edges`` and ``nodes``
(attributes or methods, as networkx has); objects with ``edge_list()`` (rustworkx) are read by node
index. networkx is not a dependency.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from . import _recording
from ._gates import Identity, PauliX, PauliZ
from ._observables import Hamiltonian, Observable, Tensor
from ._templates import ApproxTimeEvolution
from ._wires import as_wires

__all__ = ["cost_layer", "maxcut", "mixer_layer", "x_mixer"]


def _listed(attr: Any) -> list[Any]:
    return list(attr() if callable(attr) else attr)


def _graph(graph: Any) -> tuple[list[tuple[Hashable, Hashable]], list[Hashable]]:
    """The edges and the nodes (in the graph's order) of an edge list or a graph object."""
    if hasattr(graph, "edge_list"):  # rustworkx: edges between node indices, node payloads as labels
        labels = _listed(graph.nodes)
        edges = [(labels[a], labels[b]) for a, b in sorted(graph.edge_list())]
        return edges, labels
    if hasattr(graph, "edges") and hasattr(graph, "nodes"):
        edges, nodes = _listed(graph.edges), _listed(graph.nodes)
    elif isinstance(graph, (list, tuple)):
        edges = list(graph)
        nodes = list(dict.fromkeys(w for e in edges if isinstance(e, (list, tuple)) for w in e))
    else:
        raise ValueError(
            f"maxcut: 'graph' must be an edge list such as [(0, 1), (1, 2)] or a graph with edges and "
            f"nodes (networkx); got {type(graph).__name__}."
        )
    out = []
    for e in edges:
        if not isinstance(e, (list, tuple)) or len(e) != 2 or e[0] == e[1]:
            raise ValueError(f"maxcut: every edge must join two distinct nodes; got {e!r}.")
        out.append((e[0], e[1]))
    return out, nodes


def maxcut(graph: Any) -> tuple[Hamiltonian, Hamiltonian]:
    """The MaxCut cost Hamiltonian and the recommended mixer for a graph.

    The cost is ``H_C = sum_((i, j) in E) (Z_i Z_j - I) / 2``, written as PennyLane writes it: first the
    terms ``0.5 Z_i @ Z_j`` for every edge, then ``-0.5 I_i @ I_j`` for every edge. A cut of ``k`` edges
    has energy ``-k``. The mixer is :func:`x_mixer` on the graph's nodes.

    Args:
        graph: an edge list or a graph object with ``edges`` and ``nodes``.

    Returns:
        ``(cost_h, mixer_h)``.

    Example:
        >>> import quantum_jax as qml
        >>> cost_h, mixer_h = qml.qaoa.maxcut([(0, 1), (1, 2)])
        >>> [float(c) for c in cost_h.coeffs]
        [0.5, 0.5, -0.5, -0.5]
        >>> mixer_h.wires
        (0, 1, 2)
    """
    edges, nodes = _graph(graph)
    with _recording.paused():
        zz = [Tensor(PauliZ(a), PauliZ(b)) for a, b in edges]
        ii = [Tensor(Identity(a), Identity(b)) for a, b in edges]
        cost = Hamiltonian([0.5] * len(edges) + [-0.5] * len(edges), zz + ii)
    return cost, x_mixer(nodes)


def x_mixer(wires: Any) -> Hamiltonian:
    """The mixer ``H_M = sum_i X_i`` (coefficient 1 per wire).

    Args:
        wires: the wires, in the order of the terms.

    Returns:
        The Hamiltonian.

    Example:
        >>> import quantum_jax as qml
        >>> h = qml.qaoa.x_mixer(["a", "b"])
        >>> [float(c) for c in h.coeffs], h.wires
        ([1.0, 1.0], ('a', 'b'))
    """
    wires = as_wires(wires, "x_mixer")
    with _recording.paused():
        return Hamiltonian([1.0] * len(wires), [PauliX(w) for w in wires])


def _check_hamiltonian(owner: str, hamiltonian: Any) -> tuple[Observable, ...]:
    """The terms of a ``Hamiltonian`` (or of any observable declaring its ``terms``)."""
    coeffs, ops = hamiltonian.terms() if isinstance(hamiltonian, Observable) else (None, ())
    if coeffs is None:
        raise TypeError(f"{owner}: 'hamiltonian' must be a qml.Hamiltonian; got {hamiltonian!r}.")
    return tuple(ops)


def _factors(op: Observable) -> tuple[Any, ...]:
    try:
        return tuple(op.factors())
    except TypeError:  # not a product
        return (op,)


def cost_layer(gamma: Any, hamiltonian: Hamiltonian) -> ApproxTimeEvolution:
    """Applies the cost layer ``exp(-i gamma H_C)`` of a diagonal cost Hamiltonian.

    Recorded as one step of :class:`~quantum_jax.ApproxTimeEvolution`: ``PauliRot(2 gamma c_j, P_j)``
    (a ``Z`` word) per term, identity terms dropped as global phases.

    Args:
        gamma: the layer's angle.
        hamiltonian: a Hamiltonian of products of ``PauliZ`` and ``Identity``.

    Returns:
        The recorded template.

    Example:
        >>> import quantum_jax as qml
        >>> cost_h, _ = qml.qaoa.maxcut([(0, 1)])
        >>> [op.pauli_word for op in qml.qaoa.cost_layer(0.5, cost_h).operations]
        ['ZZ']
    """
    for op in _check_hamiltonian("cost_layer", hamiltonian):
        if any(getattr(f, "basis", None) not in ("Z", "I") for f in _factors(op)):
            raise ValueError(
                f"cost_layer: 'hamiltonian' must be written only in PauliZ and Identity; the term {op!r} "
                "is not diagonal."
            )
    return ApproxTimeEvolution(hamiltonian, gamma, 1)


def mixer_layer(alpha: Any, hamiltonian: Hamiltonian) -> ApproxTimeEvolution:
    """Applies the mixer layer ``exp(-i alpha H_M)``.

    Recorded as one step of :class:`~quantum_jax.ApproxTimeEvolution`: ``PauliRot(2 alpha c_j, P_j)``
    per term.

    Args:
        alpha: the layer's angle.
        hamiltonian: a Hamiltonian of Pauli words (``x_mixer(wires)``, say).

    Returns:
        The recorded template.

    Example:
        >>> import quantum_jax as qml
        >>> t = qml.qaoa.mixer_layer(0.5, qml.qaoa.x_mixer([0, 1]))
        >>> [(op.pauli_word, float(op.params[0])) for op in t.operations]
        [('X', 1.0), ('X', 1.0)]
    """
    _check_hamiltonian("mixer_layer", hamiltonian)
    return ApproxTimeEvolution(hamiltonian, alpha, 1)
