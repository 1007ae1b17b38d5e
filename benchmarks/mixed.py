"""Mixed states benchmark: the gradient of a noisy HEA(8, 4) against PennyLane's ``default.mixed``.

    python benchmarks/mixed.py                # both sides, each in a worker process; writes the JSON
    python benchmarks/mixed.py worker quantum_jax | pennylane   # one side, one JSON line on stdout

The workload is ``benchmarks/workloads.py``'s HEA(n, L) (RX, RY, RZ on every wire, then a CNOT ring;
cost: the ring ZZ Hamiltonian) with depolarising noise ``DepolarizingChannel(P_NOISE)`` on both wires
after every CNOT: 2 n L channels. Both sides take the gradient by backprop, jitted (``jax.jit(jax.grad)``,
PennyLane with ``interface="jax"``), in float64, on the same parameters; the gradients are compared
(they must agree to 1e-10). Timing is ``harness.time_call``'s: the compile (lower + XLA compile) ahead
of time, then the median of steady-state calls.

PennyLane is an optional peer, never a dependency: its side runs in the interpreter named by the
``PENNYLANE_PYTHON`` environment variable (default ``/tmp/plvenv/bin/python``, a venv with
``pennylane`` and ``jax``); without it only quantum_jax's row is written.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _p in (HERE, ROOT):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import numpy as np  # noqa: E402
import workloads  # noqa: E402

N, LAYERS = 8, 4
P_NOISE = 0.01
RESULTS = os.path.join(HERE, "mixed_results.json")
DEFAULT_PENNYLANE_PYTHON = "/tmp/plvenv/bin/python"
AGREEMENT = 1e-10


def noisy_hea(ops: Any, p: Any, n: int, layers: int) -> None:
    """HEA(n, L) with ``DepolarizingChannel(P_NOISE)`` on both wires after each CNOT (either library)."""
    for layer in range(layers):
        for i in range(n):
            ops.RX(p[..., layer, i, 0], wires=i)
            ops.RY(p[..., layer, i, 1], wires=i)
            ops.RZ(p[..., layer, i, 2], wires=i)
        for a, b in workloads.ring(n):
            ops.CNOT(wires=[a, b])
            ops.DepolarizingChannel(P_NOISE, wires=a)
            ops.DepolarizingChannel(P_NOISE, wires=b)


def cost_function(library: str) -> Any:
    """The jitted backprop gradient of the noisy HEA's cost on ``default.mixed`` of ``library``."""
    import jax

    qml: Any = __import__("quantum_jax" if library == "quantum_jax" else "pennylane")
    dev = qml.device("default.mixed", wires=N)
    ham = qml.Hamiltonian([1.0] * N, [qml.PauliZ(a) @ qml.PauliZ(b) for a, b in workloads.ring(N)])

    @qml.qnode(dev, diff_method="backprop", interface="jax")
    def circuit(p: Any) -> Any:
        noisy_hea(qml, p, N, LAYERS)
        return qml.expval(ham)

    return jax.jit(jax.grad(circuit)), jax.jit(circuit)


def worker(library: str) -> dict[str, Any]:
    """Time one side; returns its row (and its value and gradient, for the agreement check)."""
    import harness
    import jax
    import jax.numpy as jnp

    workloads.setup_jax()
    grad, value = cost_function(library)
    p = jnp.asarray(workloads.hea_params(N, LAYERS))
    res = harness.time_call(grad, p, time.perf_counter() + 300.0)
    version = __import__("quantum_jax" if library == "quantum_jax" else "pennylane").__version__
    return {
        "library": library,
        "version": version,
        "jax": jax.__version__,
        "compile_s": res.get("lower_s", 0.0) + res.get("compile_s", 0.0),
        "median_s": res["median_s"],
        "reps": res["reps"],
        "value": float(value(p)),
        "grad": np.asarray(res["out"]).ravel().tolist(),
    }


def _run_worker(python: str, library: str) -> dict[str, Any]:
    out = subprocess.run(
        [python, os.path.abspath(__file__), "worker", library],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, "PYTHONPATH": ""},
    )
    if out.returncode != 0:
        raise RuntimeError(f"{library} worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(data: dict[str, Any]) -> str:
    """The Markdown table of a results JSON."""
    rows = [
        "| library | device | compile (s) | gradient, median (ms) | reps |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for r in data["rows"]:
        rows.append(
            f"| {r['library']} {r['version']} | default.mixed | {r['compile_s']:.2f} | "
            f"{1e3 * r['median_s']:.1f} | {r['reps']} |"
        )
    return "\n".join(rows)


def markdown(data: dict[str, Any]) -> str:
    """The "Mixed states" section of ``docs/benchmarks.md`` from a results JSON."""
    meta = data["meta"]
    lines = [
        "## Mixed states\n",
        f"`python benchmarks/mixed.py`: the jitted backprop gradient (`jax.jit(jax.grad(circuit))`, float64) "
        f"of a noisy HEA({meta['n']}, {meta['layers']}) on `default.mixed`: HEA as above with "
        f"`DepolarizingChannel({meta['p_noise']})` on both wires after every CNOT "
        f"({2 * meta['n'] * meta['layers']} channels), cost the ring ZZ Hamiltonian. Both libraries in the "
        f"same run, each in its own worker process; JAX {meta['jax']}, {meta['cpus']} CPUs "
        f"({meta['machine']}). "
        "Compile is lower + XLA compile; the gradient time is the median of steady-state calls.\n",
        table(data),
        "",
    ]
    if "ratio" in meta:
        lines.append(
            f"PennyLane's time over quantum_jax's: **{meta['ratio']:.1f}x**; the two gradients agree to "
            f"{meta['max_grad_diff']:.1e} (values {meta['max_value_diff']:.1e}).\n"
        )
    return "\n".join(lines)


def main() -> int:
    """Run both sides, write ``mixed_results.json``, print the Markdown section."""
    rows = [_run_worker(sys.executable, "quantum_jax")]
    python = os.environ.get("PENNYLANE_PYTHON", DEFAULT_PENNYLANE_PYTHON)
    if os.path.exists(python):
        rows.append(_run_worker(python, "pennylane"))
    import jax

    meta: dict[str, Any] = {
        "n": N,
        "layers": LAYERS,
        "p_noise": P_NOISE,
        "jax": jax.__version__,
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
    }
    if len(rows) == 2:
        ours, theirs = rows
        meta["ratio"] = theirs["median_s"] / ours["median_s"]
        meta["max_grad_diff"] = float(np.max(np.abs(np.subtract(ours["grad"], theirs["grad"]))))
        meta["max_value_diff"] = abs(ours["value"] - theirs["value"])
    data = {"meta": meta, "rows": [{k: v for k, v in r.items() if k != "grad"} for r in rows]}
    with open(RESULTS, "w") as f:
        json.dump(data, f, indent=1)
    print(markdown(data))
    if "max_grad_diff" in meta and meta["max_grad_diff"] > AGREEMENT:
        print(f"the gradients disagree by {meta['max_grad_diff']:.3g} > {AGREEMENT}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "worker":
        print(json.dumps(worker(sys.argv[2])))
        sys.exit(0)
    sys.exit(main())
