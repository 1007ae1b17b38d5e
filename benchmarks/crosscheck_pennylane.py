"""Cross-check quantum_jax against PennyLane: the same program, only the imports changed.

    python benchmarks/crosscheck_pennylane.py quantum_jax > ours.json
    /path/to/pennylane-venv/bin/python benchmarks/crosscheck_pennylane.py pennylane > theirs.json
    python benchmarks/crosscheck_pennylane.py compare ours.json theirs.json

The first two runs execute one PennyLane-style program (optimizer trajectories, template and gate
states, operator matrices, broadcasting, mid-circuit measurements, metric tensors) and print every
number it computes as JSON; ``compare`` reports the largest difference per entry and fails when one
exceeds its tolerance (1e-10 for trajectories, 1e-12 otherwise). PennyLane is an optional peer, never a
dependency: install it in a separate environment.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import numpy as onp

TOLERANCES = {"trajectory": 1e-10}
DEFAULT_TOLERANCE = 1e-12


def _flat(value: Any) -> list[float]:
    arr = onp.asarray(value)
    if onp.iscomplexobj(arr):
        return [*arr.real.ravel().tolist(), *arr.imag.ravel().tolist()]
    return arr.astype(float).ravel().tolist()


def trajectories(qml: Any, np: Any) -> dict[str, list[float]]:
    """50 steps of every optimizer on one QNode, from the same start."""
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def circuit(w):
        qml.RX(w[0], wires=0)
        qml.RY(w[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.RX(w[2], wires=1)
        # every parameter matters (a parameter of zero gradient would leave Adam dividing autodiff's
        # rounding noise by its eps, which no two libraries share)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1) + 0.5 * qml.PauliX(1) + 0.3 * qml.PauliY(0))

    optimizers = {
        "gd": qml.GradientDescentOptimizer(0.1),
        "momentum": qml.MomentumOptimizer(0.1),
        "nesterov": qml.NesterovMomentumOptimizer(0.1),
        "adagrad": qml.AdagradOptimizer(0.1),
        "rmsprop": qml.RMSPropOptimizer(0.1),
        "adam": qml.AdamOptimizer(0.1),
        "qng": qml.QNGOptimizer(0.1, approx="block-diag"),
    }
    out = {}
    for name, opt in optimizers.items():
        w = np.array([0.3, -0.5, 0.8], requires_grad=True)
        path: list[float] = []
        for _ in range(50):
            w = opt.step(circuit, w)
            path += _flat(w)
        out[f"trajectory/{name}"] = path
    return out


def states(qml: Any, np: Any) -> dict[str, list[float]]:
    """Final states of circuits made of templates and the newer gates."""
    rng = onp.random.default_rng(3)
    dev = qml.device("default.qubit", wires=4)

    def state_of(body: Callable[[], None]) -> list[float]:
        @qml.qnode(dev)
        def run():
            body()
            return qml.state()

        return _flat(run())

    sel = rng.uniform(0, 2 * onp.pi, size=(2, 4, 3))
    bel = rng.uniform(0, 2 * onp.pi, size=(2, 4))
    qaoa = rng.uniform(0, 2 * onp.pi, size=(2, 8))  # QAOAEmbedding.shape(2, 4)
    two_design = rng.uniform(0, 2 * onp.pi, size=(2, 3, 2))
    feats = rng.uniform(0, onp.pi, size=4)
    h = qml.Hamiltonian([0.4, -0.7, 0.2], [qml.PauliX(0) @ qml.PauliY(1), qml.PauliZ(2), qml.PauliY(3)])
    bodies: dict[str, Callable[[], None]] = {
        "AngleEmbedding": lambda: qml.AngleEmbedding(feats, wires=range(4), rotation="Y"),
        "IQPEmbedding": lambda: qml.IQPEmbedding(feats, wires=range(4), n_repeats=2),
        "QAOAEmbedding": lambda: qml.QAOAEmbedding(feats, qaoa, wires=range(4)),
        "StronglyEntanglingLayers": lambda: qml.StronglyEntanglingLayers(sel, wires=range(4)),
        "BasicEntanglerLayers": lambda: qml.BasicEntanglerLayers(bel, wires=range(4)),
        "SimplifiedTwoDesign": lambda: qml.SimplifiedTwoDesign(feats, two_design, wires=range(4)),
        "ApproxTimeEvolution": lambda: qml.ApproxTimeEvolution(h, 0.7, 3),
        "TrotterProduct": lambda: qml.TrotterProduct(h, 0.7, n=2, order=2),
        "QFT": lambda: (qml.AngleEmbedding(feats, wires=range(4)), qml.QFT(wires=range(4))),
        "GroverOperator": lambda: (
            qml.AngleEmbedding(feats, wires=range(4)), qml.GroverOperator(wires=range(4))
        ),
        "AllSinglesDoubles": lambda: qml.AllSinglesDoubles(
            np.array([0.1, -0.2, 0.3]), wires=range(4), hf_state=np.array([1, 1, 0, 0]),
            singles=[[0, 2], [1, 3]], doubles=[[0, 1, 2, 3]],
        ),
        "UCCSD": lambda: qml.UCCSD(
            np.array([0.1, -0.2, 0.3]), wires=range(4), s_wires=[[0, 1, 2], [1, 2, 3]],
            d_wires=[[[0, 1], [2, 3]]], init_state=np.array([1, 1, 0, 0]),
        ),
        "fermionic gates": lambda: (
            qml.AngleEmbedding(feats, wires=range(4)),
            qml.SingleExcitation(0.3, wires=[0, 1]), qml.SingleExcitationPlus(-0.4, wires=[1, 2]),
            qml.SingleExcitationMinus(0.5, wires=[2, 3]), qml.DoubleExcitation(0.6, wires=[0, 1, 2, 3]),
            qml.DoubleExcitationPlus(-0.7, wires=[3, 2, 1, 0]),
            qml.DoubleExcitationMinus(0.8, wires=[0, 2, 1, 3]),
            qml.OrbitalRotation(0.9, wires=[0, 1, 2, 3]), qml.FermionicSWAP(1.1, wires=[1, 3]),
        ),
        "other gates": lambda: (
            qml.AngleEmbedding(feats, wires=range(4)), qml.IsingXY(0.4, wires=[0, 1]), qml.ECR(wires=[1, 2]),
            qml.MultiControlledX(wires=[0, 1, 3]),
            qml.ctrl(qml.RY(0.7, wires=2), control=[0, 3], control_values=[1, 0]),
            qml.pow(qml.RX(0.3, wires=1), 3),
            qml.ControlledQubitUnitary(qml.matrix(qml.RZ(0.5, wires=0)), wires=[1, 2]),
            qml.DiagonalQubitUnitary(onp.exp(1j * onp.arange(4)), wires=[2, 3]),
        ),
    }  # fmt: skip
    return {f"state/{name}": state_of(body) for name, body in bodies.items()}


def operators(qml: Any, np: Any) -> dict[str, list[float]]:
    """Matrices of operator arithmetic, metric tensors, broadcasting and mid-circuit statistics."""
    x, y, z = qml.PauliX, qml.PauliY, qml.PauliZ
    out = {
        "matrix/sum": _flat(qml.matrix(qml.sum(x(0) @ z(1), 0.5 * y(1)), wire_order=[0, 1])),
        "matrix/prod": _flat(qml.matrix(qml.prod(x(0), z(0), y(1)), wire_order=[0, 1])),
        "matrix/dot": _flat(qml.matrix(qml.dot([0.2, -1.3], [x(0) @ x(1), z(1)]), wire_order=[0, 1])),
        "matrix/simplify": _flat(qml.matrix(qml.simplify(2 * (x(0) + x(0)) - z(1)), wire_order=[0, 1])),
        "eigvals/hamiltonian": _flat(onp.sort(qml.eigvals(qml.Hamiltonian([0.3, 0.8], [x(0) @ x(1), z(0)])))),
    }
    dev = qml.device("default.qubit", wires=4)  # PennyLane's exact metric tensor needs a free wire

    @qml.qnode(dev)
    def layered(p):
        qml.RY(0.4, wires=0)
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.RZ(p[2], wires=2)
        qml.RX(p[3], wires=1)
        return qml.expval(x(0) @ y(1))

    p = np.array([0.3, -0.4, 0.5, 0.9], requires_grad=True)
    out["metric_tensor/full"] = _flat(qml.metric_tensor(layered, approx=None)(p))
    out["metric_tensor/block-diag"] = _flat(qml.metric_tensor(layered, approx="block-diag")(p))

    @qml.qnode(dev)
    def broadcast(x):
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        return qml.expval(z(1)), qml.probs(wires=[0, 1])

    values = broadcast(np.array([0.1, 0.7, 2.2]))
    out["broadcast/expval"] = _flat(values[0])
    out["broadcast/probs"] = _flat(values[1])

    @qml.qnode(dev)
    def teleport(x):
        qml.RY(x, wires=0)
        qml.Hadamard(wires=1)
        qml.CNOT(wires=[1, 2])
        qml.CNOT(wires=[0, 1])
        qml.Hadamard(wires=0)
        m0, m1 = qml.measure(0), qml.measure(1)
        qml.cond(m1, qml.PauliX)(wires=2)
        qml.cond(m0, qml.PauliZ)(wires=2)
        return qml.expval(z(2)), qml.probs(op=m0)

    out["midcircuit/teleport"] = _flat(onp.concatenate([onp.ravel(v) for v in teleport(0.8)]))
    return out


def compare(ours: dict[str, list[float]], theirs: dict[str, list[float]]) -> int:
    """Print the largest difference per entry; return the number of entries out of tolerance."""
    failed = 0
    for key in sorted(set(ours) | set(theirs)):
        if key not in ours or key not in theirs:
            print(f"{key:36s} missing on one side")
            failed += 1
            continue
        a, b = onp.asarray(ours[key]), onp.asarray(theirs[key])
        tol = TOLERANCES.get(key.split("/")[0], DEFAULT_TOLERANCE)
        diff = float(onp.max(onp.abs(a - b))) if a.shape == b.shape else float("inf")
        ok = diff <= tol
        failed += not ok
        print(f"{key:36s} max |diff| {diff:9.2e}  (tolerance {tol:.0e}) {'ok' if ok else 'DIFFERS'}")
    return failed


def main(argv: list[str]) -> int:
    """Run the program with one library, or compare two runs."""
    if argv[0] == "compare":
        with open(argv[1]) as f1, open(argv[2]) as f2:
            return 1 if compare(json.load(f1), json.load(f2)) else 0
    if argv[0] == "pennylane":
        import pennylane as qml
        from pennylane import numpy as np
    else:
        import quantum_jax as qml
        from quantum_jax import numpy as np
    results = {**trajectories(qml, np), **states(qml, np), **operators(qml, np)}
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
