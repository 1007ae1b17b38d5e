"""Compile time of circuits that do not repeat: a probe for the general-circuit performance work.

    python benchmarks/rqc_compile_probe.py 12 111          # 1,943 gates on 12 wires
    python benchmarks/rqc_compile_probe.py 12 111 --grad   # and the jitted backprop gradient

RQC(n, d): d layers of a random single-qubit rotation per wire (RX, RY, RZ or Rot) and a brickwork of
random CZ/CNOT/ISWAP on alternating pairs, seeded. Prints the trace+lower and XLA compile times of the
jitted forward value (and gradient) and the steady-state forward time.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

import quantum_jax as qml  # noqa: E402


def rqc_spec(n: int, d: int, seed: int = 0) -> list[tuple[str, tuple[int, ...], int]]:
    """``(gate name, wires, number of parameters)`` for every gate of RQC(n, d)."""
    rng = np.random.default_rng(seed)
    spec: list[tuple[str, tuple[int, ...], int]] = []
    for layer in range(d):
        for w in range(n):
            g = str(rng.choice(["RX", "RY", "RZ", "Rot"]))
            spec.append((g, (w,), 3 if g == "Rot" else 1))
        for w in range(layer % 2, n - 1, 2):
            spec.append((str(rng.choice(["CZ", "CNOT", "ISWAP"])), (w, w + 1), 0))
    return spec


def tape_of(spec: list[tuple[str, tuple[int, ...], int]], params: jax.Array) -> qml.tape.Tape:
    """The tape of ``spec`` with the given parameters, measuring ``<Z_0>``."""
    ops, k = [], 0
    for name, wires, count in spec:
        ops.append(getattr(qml, name)(*[params[k + i] for i in range(count)], wires=list(wires)))
        k += count
    return qml.tape.Tape(ops, [qml.expval(qml.PauliZ(0))])


def timed_compile(f: object, x: jax.Array) -> tuple[object, float, float]:
    """The compiled function, and the seconds spent tracing+lowering and compiling it."""
    t0 = time.perf_counter()
    lowered = jax.jit(f).lower(x)
    t1 = time.perf_counter()
    compiled = lowered.compile()
    return compiled, t1 - t0, time.perf_counter() - t1


def main() -> None:
    """Print the probe's times."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("wires", type=int)
    ap.add_argument("layers", type=int)
    ap.add_argument("--grad", action="store_true", help="also compile the backprop gradient")
    args = ap.parse_args()
    spec = rqc_spec(args.wires, args.layers)
    n_params = sum(s[2] for s in spec)
    x = jnp.asarray(np.random.default_rng(1).uniform(0, 2 * np.pi, n_params))
    print(f"RQC({args.wires}, {args.layers}): {len(spec)} gates, {n_params} parameters")

    def forward(p: jax.Array) -> jax.Array:
        return qml.simulator.simulate(tape_of(spec, p))[0]

    compiled, lower_s, compile_s = timed_compile(forward, x)
    compiled(x).block_until_ready()
    t0 = time.perf_counter()
    for _ in range(3):
        compiled(x).block_until_ready()
    run_ms = (time.perf_counter() - t0) / 3 * 1e3
    print(f"forward: trace+lower {lower_s:.2f} s, compile {compile_s:.2f} s, run {run_ms:.2f} ms")
    if args.grad:
        _, lower_s, compile_s = timed_compile(jax.grad(forward), x)
        print(f"backprop gradient: trace+lower {lower_s:.2f} s, compile {compile_s:.2f} s")


if __name__ == "__main__":
    main()
