"""Soak test (a benchmark, not a test): long loops must keep memory flat and compile once.

Two loops on a 4-wire, 2-layer hardware-efficient circuit measuring a ZZ-ring Hamiltonian, float64:

* ``train``: a 5,000-step optax (Adam) training loop whose step (value, parameter-shift gradient and
  update) is one ``jax.jit`` function;
* ``qnode``: 5,000 calls of the un-jitted QNode with new parameter values each time.

For each loop it records the resident set size (``VmRSS`` of ``/proc/self/status``) after the first
(compiling) iteration and at every 1,000th, the number of XLA compilations after the first iteration
(JAX's ``/jax/core/compile/backend_compile_duration`` monitoring events) and, for ``train``, the
number of traces of the step (a Python counter inside the traced function). Writes
``benchmarks/soak_results.json`` and prints a Markdown table (``docs/benchmarks.md``, "Soak and leaks").

python benchmarks/soak.py [--steps 5000] [--out benchmarks/soak_results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

jax.config.update("jax_enable_x64", True)

import quantum_jax as qml  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_JSON = os.path.join(HERE, "soak_results.json")
N_WIRES, N_LAYERS = 4, 2
# Growth of the resident set between the first and the last iteration below which memory is "flat".
FLAT_MIB = 16.0

_COMPILES: list[str] = []
jax.monitoring.register_event_duration_secs_listener(
    lambda event, duration, **kw: (
        _COMPILES.append(event) if event == "/jax/core/compile/backend_compile_duration" else None
    )
)


def rss_mib() -> float:
    """The resident set size of this process in MiB (``VmRSS``; ``ru_maxrss`` where /proc is missing)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_qnode(diff_method: str) -> qml.QNode:
    """The soak circuit: RY/RZ layers with a CNOT ring, measuring sum_i Z_i Z_{i+1}."""
    dev = qml.device("default.qubit", wires=N_WIRES)
    ham = qml.Hamiltonian(
        [1.0] * N_WIRES, [qml.PauliZ(i) @ qml.PauliZ((i + 1) % N_WIRES) for i in range(N_WIRES)]
    )

    @qml.qnode(dev, diff_method=diff_method, interface="jax")
    def circuit(params: jax.Array) -> Any:
        for layer in range(N_LAYERS):
            for w in range(N_WIRES):
                qml.RY(params[layer, w, 0], wires=w)
                qml.RZ(params[layer, w, 1], wires=w)
            for w in range(N_WIRES):
                qml.CNOT(wires=[w, (w + 1) % N_WIRES])
        return qml.expval(ham)

    return circuit


def measure(steps: int, body: Callable[[int], Any]) -> dict[str, Any]:
    """Run ``body(i)`` for ``i < steps``; RSS and compilations are counted from after the first call."""
    jax.block_until_ready(body(0))
    start_rss, start_compiles, t0 = rss_mib(), len(_COMPILES), time.perf_counter()
    trail = [round(start_rss, 1)]
    for i in range(1, steps):
        out = body(i)
        if i % 1000 == 0 or i == steps - 1:
            jax.block_until_ready(out)
            trail.append(round(rss_mib(), 1))
    seconds = time.perf_counter() - t0
    end_rss = rss_mib()
    return {
        "steps": steps,
        "rss_start_mib": round(start_rss, 1),
        "rss_end_mib": round(end_rss, 1),
        "rss_growth_mib": round(end_rss - start_rss, 1),
        "rss_trail_mib": trail,
        "compilations_after_first": len(_COMPILES) - start_compiles,
        "seconds": round(seconds, 2),
        "ms_per_step": round(1e3 * seconds / max(1, steps - 1), 3),
    }


def soak_train(steps: int) -> dict[str, Any]:
    """The jitted optax training loop; also counts the traces of the step function."""
    circuit = make_qnode("parameter-shift")
    opt = optax.adam(0.01)
    traces: list[int] = []

    def step(params: jax.Array, state: Any) -> tuple[jax.Array, Any, jax.Array]:
        traces.append(1)  # Python runs this once per trace
        loss, grad = jax.value_and_grad(circuit)(params)
        updates, state = opt.update(grad, state)
        return optax.apply_updates(params, updates), state, loss

    jitted = jax.jit(step)
    params = jnp.asarray(np.random.default_rng(0).uniform(-np.pi, np.pi, (N_LAYERS, N_WIRES, 2)))
    carry = [params, opt.init(params), None]

    def body(i: int) -> Any:
        carry[0], carry[1], carry[2] = jitted(carry[0], carry[1])
        return carry[2]

    out = measure(steps, body)
    out.update(traces=len(traces), final_loss=round(float(carry[2]), 6))
    return out


def soak_qnode(steps: int) -> dict[str, Any]:
    """5,000 un-jitted QNode calls, each with new values."""
    circuit = make_qnode("best")
    base = jnp.asarray(np.random.default_rng(1).uniform(-np.pi, np.pi, (N_LAYERS, N_WIRES, 2)))
    return measure(steps, lambda i: circuit(base + 1e-4 * i))


def table(results: dict[str, Any]) -> str:
    """The Markdown table of a soak run."""
    rows = [
        "| loop | steps | RSS start (MiB) | RSS end (MiB) | growth (MiB) | compilations after the first step "
        "| traces | ms/step |",
        "|---|---|---|---|---|---|---|---|",
    ]
    names = {"train": "optax training step under jit", "qnode": "un-jitted QNode call"}
    for key, label in names.items():
        r = results[key]
        rows.append(
            f"| {label} | {r['steps']} | {r['rss_start_mib']} | {r['rss_end_mib']} | {r['rss_growth_mib']} "
            f"| {r['compilations_after_first']} | {r.get('traces', '-')} | {r['ms_per_step']} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Run both loops, write the JSON and print the table; exit code 1 if memory grew or it recompiled."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--out", default=DEFAULT_JSON)
    args = ap.parse_args(argv)
    results: dict[str, Any] = {
        "meta": {
            "python": platform.python_version(),
            "jax": jax.__version__,
            "backend": jax.default_backend(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "flat_threshold_mib": FLAT_MIB,
        },
        "train": soak_train(args.steps),
        "qnode": soak_qnode(args.steps),
    }
    ok = (
        all(
            results[k]["rss_growth_mib"] < FLAT_MIB and results[k]["compilations_after_first"] == 0
            for k in ("train", "qnode")
        )
        and results["train"]["traces"] == 1
    )
    results["flat_and_compiled_once"] = ok
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
    print(table(results))
    print(f"\nflat memory (< {FLAT_MIB} MiB growth) and no recompilation: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
