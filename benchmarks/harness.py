"""The worker side of the benchmark: timing one cell at a time, in a process of its own per column.

``run.py`` starts ``python benchmarks/harness.py COLUMN`` and talks to it in JSON lines: a request per
cell on stdin, a ``start`` and a ``result`` line per cell on stdout. Running each column in its own
process keeps the libraries' caches and thread pools apart, and lets ``run.py`` enforce a wall-clock cap
per cell (compilation included) by killing the worker; it starts a fresh one for the next cell.

Timing method (:func:`time_call`): jitted functions are first compiled ahead of time
(``jax.jit(f).lower(x).compile()``: trace + lower, then XLA compile, both timed: the compile-time row);
then comes a warm-up call, then steady-state calls, each ended by ``block_until_ready``, are repeated
and the median is reported. Slow calls get fewer repeats: it stops after ``min_reps`` calls once
``target_s`` seconds are spent, after ``max_reps`` calls once ``fast_total_s`` seconds are spent (so
fast calls are repeated for at least that long, up to ``fast_max_reps`` calls), after
``slow_total_s`` seconds whatever the count, at once after a call
longer than ``slow_call_s`` (recorded once and marked), and before a call that would run past the
cell's deadline.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
import traceback
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _p in (HERE, ROOT):  # the working tree's quantum_jax and the sibling modules
    if _p not in sys.path:
        sys.path.insert(0, _p)

import numpy as np  # noqa: E402
import workloads  # noqa: E402


def _leaves(out: Any) -> list[Any]:
    if isinstance(out, (list, tuple)):
        return [leaf for o in out for leaf in _leaves(o)]
    if isinstance(out, dict):
        return [leaf for o in out.values() for leaf in _leaves(o)]
    return [out]


def block(out: Any) -> Any:
    """Wait for every (JAX) array in ``out``; NumPy results are already there."""
    for leaf in _leaves(out):
        wait = getattr(leaf, "block_until_ready", None)
        if wait is not None:
            wait()
    return out


def time_call(
    fn: Any,
    arg: Any,
    deadline: float,
    *,
    on_compiled: Any = None,
    compile_only: bool = False,
    min_reps: int = 3,
    max_reps: int = 15,
    target_s: float = 2.0,
    fast_total_s: float = 0.25,
    fast_max_reps: int = 2000,
    slow_total_s: float = 10.0,
    slow_call_s: float = 20.0,
) -> dict[str, Any]:
    """Warm up, then time steady-state calls; see the module docstring for the repeat rule.

    A jitted ``fn`` is compiled ahead of time first (``fn.lower(arg).compile()``, timed as ``lower_s``
    and ``compile_s``; the jitted function then reuses that executable). Its first call is a warm-up
    when it is cheap (under 1 s); a call of a second or more is dominated by the computation, so it is
    kept as the first timed sample. A plain Python ``fn`` (PennyLane's autograd interface) gets one
    warm-up call, likewise kept as a sample when it takes 5 s or more.
    """
    res: dict[str, Any] = {}
    gc.collect()
    first_is_sample = False
    if hasattr(fn, "lower"):
        t0 = time.perf_counter()
        lowered = fn.lower(arg)
        t1 = time.perf_counter()
        lowered.compile()
        t2 = time.perf_counter()
        res.update(lower_s=t1 - t0, compile_s=t2 - t1)
        del lowered
        if on_compiled is not None:
            on_compiled(res)
        if compile_only:
            return res
        first_is_sample = True
    t0 = time.perf_counter()
    out = block(fn(arg))
    first = time.perf_counter() - t0
    res["first_call_s"] = first
    # A long first call is dominated by the computation itself (compilation, if any, is already done
    # for jitted functions), so it counts as a sample rather than being thrown away.
    times: list[float] = [first] if first >= (1.0 if first_is_sample else 5.0) else []
    slow = bool(times) and first > slow_call_s
    while not slow:
        if times and time.perf_counter() + 1.2 * times[-1] > deadline:
            break
        total = sum(times)
        if total >= slow_total_s or len(times) >= fast_max_reps:
            break
        # fast calls (many of them cost under fast_total_s) keep going past max_reps: a median of
        # microsecond calls over a few milliseconds is mostly noise
        if len(times) >= max_reps and total >= fast_total_s:
            break
        if len(times) >= min_reps and total >= target_s:
            break
        t0 = time.perf_counter()
        block(fn(arg))
        dt = time.perf_counter() - t0
        times.append(dt)
        slow = dt > slow_call_s
    res.update(
        # every sample up to 100; above, 101 evenly spaced order statistics (min ... max)
        times_s=times
        if len(times) <= 100
        else [sorted(times)[round(q * (len(times) - 1) / 100)] for q in range(101)],
        median_s=statistics.median(times),
        min_s=min(times),
        reps=len(times),
        slow_call=slow,
        out=out,
    )
    return res


def measure_bandwidth(sizes: list[int]) -> dict[str, Any]:
    """Copy bandwidth (bytes read + bytes written per second) of a large array, NumPy and JAX.

    NumPy: ``copyto`` into a preallocated array. JAX: a jitted negation with its input donated. Also the
    same at the size of an ``n``-wire complex128 state, for each ``n`` in ``sizes`` (a small state may
    stay in cache, where copies are faster than the large-array figure).
    """
    import jax
    import jax.numpy as jnp

    def numpy_copy(nbytes: int, reps: int) -> float:
        a = np.ones(nbytes // 16, dtype=np.complex128)
        b = np.empty_like(a)
        inner = max(1, (64 << 20) // nbytes)  # at least ~64 MiB per timed sample
        ts = []
        np.copyto(b, a)
        for _ in range(reps):
            t0 = time.perf_counter()
            for _ in range(inner):
                np.copyto(b, a)
            ts.append((time.perf_counter() - t0) / inner)
        return 2 * nbytes / statistics.median(ts)

    def jax_copy(nbytes: int, reps: int) -> float:
        # One read and one write of every element. The input is donated so the output reuses its
        # buffer: a fresh 256 MiB output per call would time the page faults, not the copy.
        neg = jax.jit(lambda x: -x, donate_argnums=0)
        x = neg(jnp.ones(nbytes // 16, dtype=jnp.complex128))
        x.block_until_ready()
        inner = max(1, (64 << 20) // nbytes)
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            for _ in range(inner):
                x = neg(x)
            x.block_until_ready()
            ts.append((time.perf_counter() - t0) / inner)
        return 2 * nbytes / statistics.median(ts)

    large = 256 << 20
    res: dict[str, Any] = {
        "large_bytes": large,
        "large_numpy_Bps": numpy_copy(large, 9),
        "large_jax_Bps": jax_copy(large, 9),
        "at_size": {},
    }
    for n in sizes:
        nb = workloads.state_buffer_bytes(n)
        res["at_size"][str(n)] = {"numpy_Bps": numpy_copy(nb, 15), "jax_Bps": jax_copy(nb, 15)}
    return res


def _import_column(column: str) -> None:
    workloads.setup_jax()
    for mod in workloads.COLUMNS[column].requires:  # import time is not part of any cell
        __import__(mod)


def serve(column: str) -> None:
    """Serve ``column``'s cells: one JSON request per line on stdin, JSON replies on stdout.

    Replies: a ``ready`` line once the column's libraries are imported, then per request a ``start``
    line, for a jitted function a ``compiled`` line, and a ``result`` line (``ok``, ``n/a`` or
    ``error``).
    """
    # The protocol owns the real stdout; anything the libraries print goes to stderr.
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(**msg: Any) -> None:
        proto.write(json.dumps(msg) + "\n")
        proto.flush()

    t0 = time.perf_counter()
    try:
        _import_column(column)
    except Exception as exc:  # any import failure is reported, not raised
        send(event="ready", ok=False, error=f"{type(exc).__name__}: {exc}")
        return
    send(event="ready", ok=True, import_s=time.perf_counter() - t0)

    for line in sys.stdin:
        req = json.loads(line)
        rid = req["id"]
        send(event="start", id=rid)
        start = time.perf_counter()
        deadline = start + req.get("cap_s", 1e9) - 2.0
        try:
            if req["kind"] == "bandwidth":
                send(
                    event="result",
                    id=rid,
                    status="ok",
                    bandwidth=measure_bandwidth(req["sizes"]),
                    wall_s=time.perf_counter() - start,
                )
                continue
            row, n, L = req["row"], req["n"], req["L"]
            built = workloads.build_cell(column, row, n, L)
            if built is None:
                send(event="result", id=rid, status="n/a", wall_s=0.0)
                continue
            fn, arg = built

            def compiled(info: dict[str, Any], rid: Any = rid) -> None:
                send(event="compiled", id=rid, **info)

            res = time_call(
                fn,
                arg,
                deadline,
                on_compiled=compiled,
                compile_only=row == "compile",
                **req.get("timing", {}),
            )
            out = res.pop("out", None)
            if out is not None:
                res["digest"] = workloads.digest(row, out)
            del out, fn, arg, built
            send(event="result", id=rid, status="ok", wall_s=time.perf_counter() - start, **res)
        except Exception as exc:  # a failing cell is reported; the worker serves the next one
            tb = traceback.format_exc(limit=3)
            print(tb, file=sys.stderr)
            msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            send(event="result", id=rid, status="error", error=msg, wall_s=time.perf_counter() - start)
        gc.collect()


if __name__ == "__main__":
    serve(sys.argv[1])
