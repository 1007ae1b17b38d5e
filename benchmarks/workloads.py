"""The benchmark workload, HEA(n, L), written once per library, and the benchmark cells built from it.

HEA(n, L): ``L`` layers; each layer applies RX, RY, RZ to every wire (parameters of shape
``(L, n, 3)``), then a ring of CNOTs ``i -> (i + 1) % n``. The cost is
``sum_i <Z_i Z_{i+1}>`` around the same ring (a Hamiltonian with unit coefficients).

Every builder indexes parameters as ``p[..., layer, i, k]``, so the same circuit takes a single parameter
set ``(L, n, 3)`` or a broadcast batch ``(B, L, n, 3)`` (PennyLane's parameter broadcasting).

A *column* is one library in one configuration (device, interface, differentiation method); a *row* is
one quantity (forward value, a gradient, ...). :func:`build_cell` returns the function to time and its
argument for a (column, row, n, L); it returns ``None`` where the combination is not meaningful.
This module imports no quantum library at import time: each column imports its own, in the worker
process that runs it, so the script runs with whichever peers are installed.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

BATCH = 256
SEED = 1234

# ----------------------------------------------------------------------------------------------- sizes


def num_params(n: int, L: int) -> int:
    """The number of parameters P of HEA(n, L): three rotation angles per wire and layer."""
    return 3 * n * L


def gate_passes(n: int, L: int) -> dict[str, int]:
    """Gate applications over the state vector, counted from the circuit.

    ``unfused``: every gate is one pass (3nL single-qubit rotations + nL CNOTs).
    ``fused``: each wire's RX.RY.RZ of a layer merged into one single-qubit block (nL blocks + nL CNOTs).
    ``executed``: what quantum_jax runs: the first layer's rotations act on |0...0>, so they build the
    product state in one pass; every later layer runs ceil(n/2) two-wire blocks; each layer one gather
    for the CNOT ring. The measurement is not counted.
    """
    executed = 1 + L + (n + 1) // 2 * (L - 1)
    return {"unfused": 3 * n * L + n * L, "fused": n * L + n * L, "executed": executed}


def hea_params(n: int, L: int, seed: int = SEED) -> np.ndarray:
    """Deterministic float64 parameters, uniform in [0, 2 pi), shape ``(L, n, 3)``."""
    return np.random.default_rng([seed, n, L]).uniform(0.0, 2.0 * np.pi, size=(L, n, 3))


def hea_batch(n: int, L: int, batch: int, seed: int = SEED) -> np.ndarray:
    """``batch`` parameter sets, shape ``(batch, L, n, 3)``."""
    return np.random.default_rng([seed, n, L, batch]).uniform(0.0, 2.0 * np.pi, size=(batch, L, n, 3))


def ring(n: int) -> list[tuple[int, int]]:
    """The CNOT ring ``i -> (i + 1) % n`` as (control, target) pairs."""
    return [(i, (i + 1) % n) for i in range(n)]


# ------------------------------------------------------------------------------------- the circuits


def _hea_gates(ops: Any, p: Any, n: int, L: int) -> None:
    """Apply HEA(n, L) with a PennyLane-style gate namespace (quantum_jax or PennyLane)."""
    for layer in range(L):
        for i in range(n):
            ops.RX(p[..., layer, i, 0], wires=i)
            ops.RY(p[..., layer, i, 1], wires=i)
            ops.RZ(p[..., layer, i, 2], wires=i)
        for a, b in ring(n):
            ops.CNOT(wires=[a, b])


def quantum_jax_qnode(n: int, L: int, diff_method: str, max_diff: int | None = None) -> Callable:
    """HEA(n, L) as a quantum_jax QNode (interface='jax') returning the ring ZZ Hamiltonian's expval."""
    import quantum_jax as qj

    dev = qj.device("default.qubit", wires=n)
    ham = qj.Hamiltonian([1.0] * n, [qj.PauliZ(a) @ qj.PauliZ(b) for a, b in ring(n)])
    kwargs = {} if max_diff is None else {"max_diff": max_diff}

    @qj.qnode(dev, diff_method=diff_method, interface="jax", **kwargs)
    def circuit(p):
        _hea_gates(qj, p, n, L)
        return qj.expval(ham)

    return circuit


def pennylane_qnode(
    n: int, L: int, device: str, diff_method: str, interface: str, max_diff: int = 1
) -> Callable:
    """HEA(n, L) as a PennyLane QNode on ``device`` returning the ring ZZ Hamiltonian's expval."""
    import pennylane as qml

    dev = qml.device(device, wires=n)
    ham = qml.Hamiltonian([1.0] * n, [qml.PauliZ(a) @ qml.PauliZ(b) for a, b in ring(n)])

    @qml.qnode(dev, diff_method=diff_method, interface=interface, max_diff=max_diff)
    def circuit(p):
        _hea_gates(qml, p, n, L)
        return qml.expval(ham)

    return circuit


def qujax_cost(n: int, L: int) -> Callable:
    """HEA(n, L) with qujax: a pure JAX function of ``p`` (radians, shape ``(L, n, 3)``).

    qujax's rotation gates take angles in units of pi (``Rx(t) = exp(-i pi t X / 2)``), so the
    function divides by pi; its value and gradient are those of the same circuit in radians.
    """
    import jax.numpy as jnp
    import qujax

    gates, qubits, param_inds = [], [], []
    for layer in range(L):
        for i in range(n):
            for k, g in enumerate(("Rx", "Ry", "Rz")):
                gates.append(g)
                qubits.append([i])
                param_inds.append([(layer * n + i) * 3 + k])
        for a, b in ring(n):
            gates.append("CX")
            qubits.append([a, b])
            param_inds.append([])
    to_state = qujax.get_params_to_statetensor_func(gates, qubits, param_inds, n)
    to_expval = qujax.get_statetensor_to_expectation_func(
        [["Z", "Z"]] * n, [[a, b] for a, b in ring(n)], [1.0] * n
    )

    def cost(p):
        return to_expval(to_state(jnp.reshape(p, (-1,)) / jnp.pi))

    return cost


# -------------------------------------------------------------------------------------- the columns


@dataclass(frozen=True)
class Column:
    """One column of the table: a library in one configuration, and the rows it has cells for."""

    key: str
    label: str  # short header for the table
    description: str
    requires: tuple[str, ...]  # importable modules it needs
    rows: tuple[str, ...]  # rows it has a meaningful cell for

    def available(self) -> bool:
        """Whether every module the column needs is importable here."""
        return all(importlib.util.find_spec(m) is not None for m in self.requires)


ROWS: dict[str, str] = {
    "fwd": "forward value",
    "ps_grad": "param-shift gradient",
    "ps_hess": "param-shift Hessian",
    "bp_grad": "backprop gradient",
    "adj_grad": "adjoint gradient",
    "batch": f"batch of {BATCH} forward values",
    "compile": "jit compile, param-shift gradient",
}

# Auxiliary measurements (quantum_jax only) behind the derived rows.
AUX_ROWS: dict[str, str] = {
    "batch2p": "one vmapped batch of 2P forward values",
}

COLUMNS: dict[str, Column] = {
    c.key: c
    for c in [
        Column(
            "qj",
            "quantum_jax",
            "quantum_jax default.qubit, interface='jax', everything under jax.jit "
            "(fwd/batch: backprop QNode; gradients: the named diff_method)",
            ("quantum_jax", "jax"),
            ("fwd", "ps_grad", "ps_hess", "bp_grad", "adj_grad", "batch", "compile"),
        ),
        Column(
            "pl_ag",
            "PL dq autograd PS",
            "PennyLane default.qubit, interface='autograd', "
            "diff_method='parameter-shift' (qml.grad; Hessian: qml.gradients.param_shift_hessian; "
            "batch: parameter broadcasting)",
            ("pennylane",),
            ("fwd", "ps_grad", "ps_hess", "batch"),
        ),
        Column(
            "pl_jax_ps",
            "PL dq jax-jit PS",
            "PennyLane default.qubit, interface='jax', "
            "diff_method='parameter-shift', jax.jit (Hessian: jax.jit(jax.hessian(qnode)) with max_diff=2)",
            ("pennylane", "jax"),
            ("fwd", "ps_grad", "ps_hess", "compile"),
        ),
        Column(
            "pl_jax_bp",
            "PL dq jax-jit BP",
            "PennyLane default.qubit, interface='jax', "
            "diff_method='backprop', jax.jit (batch: jax.jit(jax.vmap(qnode)))",
            ("pennylane", "jax"),
            ("fwd", "bp_grad", "batch"),
        ),
        Column(
            "lightning",
            "PL lightning adj",
            "PennyLane lightning.qubit, interface='autograd', "
            "diff_method='adjoint' (qml.grad; batch: parameter broadcasting)",
            ("pennylane", "pennylane_lightning"),
            ("fwd", "adj_grad", "batch"),
        ),
        Column(
            "qujax",
            "qujax BP",
            "qujax statetensor functions under jax.jit, jax.grad (backprop), jax.vmap for the batch",
            ("qujax", "jax"),
            ("fwd", "bp_grad", "batch"),
        ),
    ]
}


def setup_jax() -> None:
    """float64 everywhere; no persistent compilation cache (compile times must be real)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    with contextlib.suppress(Exception):  # option renamed/removed in some JAX versions
        jax.config.update("jax_enable_compilation_cache", False)


def state_buffer_bytes(n: int, batch: int = 1) -> int:
    """Bytes of ``batch`` complex128 state vectors on ``n`` wires."""
    return batch * (2**n) * 16


def build_cell(column: str, row: str, n: int, L: int) -> tuple[Callable, Any] | None:
    """The function to time and its argument for one cell; ``None`` where not meaningful.

    Must run in a process where :func:`setup_jax` has been called.
    """
    p = hea_params(n, L)
    P = num_params(n, L)

    if column == "qj":
        import jax
        import jax.numpy as jnp

        x = jnp.asarray(p)
        if row == "fwd":
            return jax.jit(quantum_jax_qnode(n, L, "backprop")), x
        if row in ("ps_grad", "compile"):
            return jax.jit(jax.grad(quantum_jax_qnode(n, L, "parameter-shift"))), x
        if row == "ps_hess":
            return jax.jit(jax.hessian(quantum_jax_qnode(n, L, "parameter-shift"))), x
        if row == "bp_grad":
            return jax.jit(jax.grad(quantum_jax_qnode(n, L, "backprop"))), x
        if row == "adj_grad":
            return jax.jit(jax.grad(quantum_jax_qnode(n, L, "adjoint"))), x
        if row == "batch":
            return jax.jit(jax.vmap(quantum_jax_qnode(n, L, "backprop"))), jnp.asarray(hea_batch(n, L, BATCH))
        if row == "batch2p":
            # the same (parameter-shift) QNode whose gradient is timed, on 2P parameter sets at once
            f = jax.jit(jax.vmap(quantum_jax_qnode(n, L, "parameter-shift")))
            return f, jnp.asarray(hea_batch(n, L, 2 * P))
        return None

    if column == "pl_ag":
        import pennylane as qml
        from pennylane import numpy as pnp

        x = pnp.array(p, requires_grad=True)
        if row == "fwd":
            return pennylane_qnode(n, L, "default.qubit", "parameter-shift", "autograd"), x
        if row == "ps_grad":
            return qml.grad(pennylane_qnode(n, L, "default.qubit", "parameter-shift", "autograd")), x
        if row == "ps_hess":
            c = pennylane_qnode(n, L, "default.qubit", "parameter-shift", "autograd", max_diff=2)
            return qml.gradients.param_shift_hessian(c), x
        if row == "batch":
            xb = pnp.array(hea_batch(n, L, BATCH), requires_grad=False)
            return pennylane_qnode(n, L, "default.qubit", "parameter-shift", "autograd"), xb
        return None

    if column == "pl_jax_ps":
        import jax
        import jax.numpy as jnp

        x = jnp.asarray(p)
        if row == "fwd":
            return jax.jit(pennylane_qnode(n, L, "default.qubit", "parameter-shift", "jax")), x
        if row in ("ps_grad", "compile"):
            return jax.jit(jax.grad(pennylane_qnode(n, L, "default.qubit", "parameter-shift", "jax"))), x
        if row == "ps_hess":
            c = pennylane_qnode(n, L, "default.qubit", "parameter-shift", "jax", max_diff=2)
            return jax.jit(jax.hessian(c)), x
        return None

    if column == "pl_jax_bp":
        import jax
        import jax.numpy as jnp

        x = jnp.asarray(p)
        if row == "fwd":
            return jax.jit(pennylane_qnode(n, L, "default.qubit", "backprop", "jax")), x
        if row == "bp_grad":
            return jax.jit(jax.grad(pennylane_qnode(n, L, "default.qubit", "backprop", "jax"))), x
        if row == "batch":
            c = pennylane_qnode(n, L, "default.qubit", "backprop", "jax")
            return jax.jit(jax.vmap(c)), jnp.asarray(hea_batch(n, L, BATCH))
        return None

    if column == "lightning":
        import pennylane as qml
        from pennylane import numpy as pnp

        x = pnp.array(p, requires_grad=True)
        if row == "fwd":
            return pennylane_qnode(n, L, "lightning.qubit", "adjoint", "autograd"), x
        if row == "adj_grad":
            return qml.grad(pennylane_qnode(n, L, "lightning.qubit", "adjoint", "autograd")), x
        if row == "batch":
            xb = pnp.array(hea_batch(n, L, BATCH), requires_grad=False)
            return pennylane_qnode(n, L, "lightning.qubit", "adjoint", "autograd"), xb
        return None

    if column == "qujax":
        import jax
        import jax.numpy as jnp

        x = jnp.asarray(p)
        cost = qujax_cost(n, L)
        if row == "fwd":
            return jax.jit(cost), x
        if row == "bp_grad":
            return jax.jit(jax.grad(cost)), x
        if row == "batch":
            return jax.jit(jax.vmap(cost)), jnp.asarray(hea_batch(n, L, BATCH))
        return None

    raise KeyError(f"unknown column {column!r}")


def digest(row: str, out: Any) -> list[float]:
    """A small, comparable summary of a cell's result (checked across columns by run.py)."""
    a = np.asarray(out, dtype=float).ravel()
    if row in ("batch", "batch2p"):
        return [float(a.mean()), *map(float, a[:4])]
    return [float(v) for v in a[:600]]


def fmt_size(n: int, L: int) -> str:
    """The size label ``HEA(n,L)`` used in the tables, the JSON keys and the progress lines."""
    return f"HEA({n},{L})"
