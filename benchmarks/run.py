"""Benchmark quantum_jax against its peers on HEA(n, L), in one run, float64.

    python benchmarks/run.py            # full run (~15 min on 2 cores)
    python benchmarks/run.py --quick    # smoke test: HEA(4,2) and HEA(10,4), fewer repeats

Prints one table (medians; a peer's cell also shows ``(peer time / quantum_jax time)``), the derived
rows and the targets (MET / NOT MET), and writes everything to ``benchmarks/results.json``
(``python benchmarks/report.py`` renders it as ``docs/benchmarks.md`` with a chart).

Each column (a library in one configuration, see ``workloads.COLUMNS``) runs in a worker process of
its own (``harness.py``); columns whose library is not importable are left out. A cell whose wall time
(compilation included) passes ``--cell-timeout`` is killed and marked ``timeout``; the same cell at
larger sizes (more wires and more gates) is then skipped. Peer cells that run circuits one by one
(PennyLane parameter-shift gradients: 2P circuits; lightning's broadcast batch: 256) are skipped when
that count x the peer's own forward time passes the cap, as are cells whose state vectors would not
fit ``--max-state-gb``. Cells needed by the targets run first, always (each under the cap); the others
run after them while the run is within ``--budget`` seconds, and are marked skipped after that.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import os
import platform
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _p in (HERE, ROOT):  # the sibling modules, and the working tree's quantum_jax
    if _p not in sys.path:
        sys.path.insert(0, _p)

import workloads  # noqa: E402

SIZES = [(4, 2), (10, 4), (16, 2), (20, 1)]
QUICK_SIZES = [(4, 2), (10, 4)]
COMPILE_EXTRA = (10, 16)  # compile time of the param-shift gradient at 4x the depth of HEA(10,4)
HESS_SIZES = [(4, 2)]
FLOOR_SIZES = [(16, 2), (20, 1)]  # sizes of the memory-bandwidth-floor rows
ROW_ORDER = ["fwd", "ps_grad", "ps_hess", "bp_grad", "adj_grad", "batch", "compile"]
DEFAULT_JSON = os.path.join(HERE, "results.json")

# Cells the targets need; they run first (over all sizes), everything else afterwards.
CRITICAL: dict[tuple[int, int], dict[str, set[str]]] = {
    (4, 2): {
        "qj": {"ps_grad", "ps_hess", "batch2p", "fwd"},
        "pl_jax_ps": {"fwd", "ps_grad", "ps_hess"},
        "pl_ag": {"ps_hess"},
    },
    (10, 4): {
        "qj": {"ps_grad", "bp_grad", "batch2p", "fwd"},
        "pl_jax_ps": {"fwd", "ps_grad"},
        "pl_jax_bp": {"bp_grad"},
        "qujax": {"bp_grad"},
    },
    COMPILE_EXTRA: {"qj": {"compile"}},
    (16, 2): {
        "qj": {"fwd", "ps_grad", "bp_grad", "adj_grad", "batch2p"},
        "pl_jax_bp": {"bp_grad"},
        "qujax": {"bp_grad"},
        "lightning": {"fwd", "adj_grad"},
    },
    (20, 1): {"qj": {"fwd", "ps_grad", "batch2p"}, "lightning": {"fwd"}},
}


# ------------------------------------------------------------------------------------------ plan


@dataclass
class Cell:
    """One (column, row, size) cell of the table: what to run, and its status and result once run."""

    column: str
    row: str
    n: int
    L: int
    critical: bool = False
    status: str = "pending"  # ok | n/a | skipped | timeout | error | crashed | pending
    note: str = ""
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> tuple[int, int]:
        """The cell's size ``(n, L)``."""
        return (self.n, self.L)

    @property
    def median(self) -> float | None:
        """The median time in seconds, or None when the cell has no result."""
        return self.result.get("median_s") if self.status == "ok" else None

    def to_json(self) -> dict[str, Any]:
        """The cell as a JSON object (its result's fields merged in)."""
        return {
            "column": self.column,
            "row": self.row,
            "n": self.n,
            "L": self.L,
            "critical": self.critical,
            "status": self.status,
            "note": self.note,
            **self.result,
        }


def plan(columns: list[str], sizes: list[tuple[int, int]], extra_compile: bool) -> list[Cell]:
    """The cells to run, in order: those the targets need first, then the others."""
    cells: list[Cell] = []
    order = list(sizes)
    if extra_compile and (10, 4) in order:
        order.insert(order.index((10, 4)) + 1, COMPILE_EXTRA)
    for size in order:
        n, L = size
        if size == COMPILE_EXTRA and size not in sizes:
            if "qj" in columns:
                cells.append(Cell("qj", "compile", n, L))
            continue
        rows = [r for r in ROW_ORDER if r != "compile"] + ["batch2p"]
        # quantum_jax's param-shift gradient first: its (ahead-of-time) compile is the compile-time sample,
        # so nothing else of this size has been traced or compiled in that worker yet
        if "qj" in columns:
            cells.append(Cell("qj", "ps_grad", n, L))
        for row in rows:
            if row == "ps_hess" and size not in HESS_SIZES:
                continue
            for col in columns:
                if col == "qj" and row == "ps_grad":
                    continue
                if row == "batch2p":
                    if col == "qj":
                        cells.append(Cell(col, row, n, L))
                    continue
                if row in workloads.COLUMNS[col].rows:
                    cells.append(Cell(col, row, n, L))
    for c in cells:
        c.critical = c.row in CRITICAL.get(c.size, {}).get(c.column, set())
    return [c for c in cells if c.critical] + [c for c in cells if not c.critical]


def dominates(big: tuple[int, int], small: tuple[int, int]) -> bool:
    """``big`` has at least the wires and at least the gates of ``small`` (and is not the same size).

    Used to skip a cell that timed out at a smaller size: run time grows with the state (2^n) and
    compile time with the number of gates (4nL), so only a size larger in both is surely slower.
    """
    return big != small and big[0] >= small[0] and big[0] * big[1] >= small[0] * small[1]


def memory_estimate(cell: Cell) -> int:
    """Bytes of state vectors a cell holds at once (3 buffers of the batch: in, out, a temporary)."""
    P = workloads.num_params(cell.n, cell.L)
    batch = {"batch": workloads.BATCH, "batch2p": 2 * P}.get(cell.row, 1)
    if cell.column == "lightning":
        batch = 1  # lightning.qubit runs a broadcast batch one circuit at a time
    if cell.column == "qj" and cell.row in ("ps_grad", "compile"):
        batch = 2 * P  # quantum_jax evaluates the shifted circuits as one vmapped batch
    return 3 * workloads.state_buffer_bytes(cell.n, batch)


# --------------------------------------------------------------------------------------- workers


class Worker:
    """One ``harness.py`` process serving one column."""

    def __init__(self, column: str, logdir: str) -> None:
        """Start the worker for ``column``; its stderr goes to a log file in ``logdir``."""
        self.column = column
        self.log_path = os.path.join(logdir, f"worker-{column}.log")
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - open for the worker's life; kill() closes it
        self.proc = subprocess.Popen(
            [sys.executable, "-u", os.path.join(HERE, "harness.py"), column],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=ROOT,
            start_new_session=True,
        )
        self.buf = b""
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        self.import_s: float | None = None

    def readline(self, deadline: float) -> dict[str, Any] | None:
        """The next protocol message, or None at the deadline or when the worker died."""
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sel.select(timeout=left):
                return None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def send(self, msg: dict[str, Any]) -> None:
        """Send one request (a JSON line) to the worker."""
        self.proc.stdin.write((json.dumps(msg) + "\n").encode())
        self.proc.stdin.flush()

    def alive(self) -> bool:
        """Whether the worker process is still running."""
        return self.proc.poll() is None

    def kill(self) -> None:
        """Kill the worker (its whole process group) and release its pipes and log."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: only this worker
        self.proc.wait()
        self.sel.close()
        self.log.close()

    def close(self) -> None:
        """Let the worker exit by closing its stdin (20 s at most), then kill what is left."""
        if self.proc.poll() is None:
            self.proc.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=20)
        self.kill()

    def log_tail(self, lines: int = 3) -> str:
        """The last ``lines`` lines of the worker's log, joined by ``|``."""
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(t.strip() for t in text[-lines:])


class Pool:
    """The workers of a run, one per column, started on demand and restarted after a kill."""

    def __init__(self, logdir: str) -> None:
        """An empty pool whose workers will log to ``logdir``."""
        self.logdir = logdir
        self.workers: dict[str, Worker] = {}
        self.import_s: dict[str, list[float]] = {}

    def get(self, column: str) -> Worker | str:
        """The running worker for ``column`` (started if needed), or why it could not start."""
        w = self.workers.get(column)
        if w is not None and w.alive():
            return w
        w = Worker(column, self.logdir)
        msg = w.readline(time.monotonic() + 300)
        if msg is None or not msg.get("ok"):
            err = (msg or {}).get("error") or f"worker did not start ({w.log_tail()})"
            w.kill()
            return err
        self.import_s.setdefault(column, []).append(msg["import_s"])
        self.workers[column] = w
        return w

    def request(self, column: str, req: dict[str, Any], cap_s: float) -> dict[str, Any]:
        """Run one request; kills the worker on timeout (the next request starts a fresh one)."""
        w = self.get(column)
        if isinstance(w, str):
            return {"status": "error", "error": w, "import_error": True}
        req = dict(req, cap_s=cap_s)
        t0 = time.monotonic()
        w.send(req)
        deadline = t0 + cap_s + 5.0
        partial: dict[str, Any] = {}
        while True:
            msg = w.readline(deadline)
            if msg is not None and msg.get("event") == "compiled":
                partial = {k: v for k, v in msg.items() if k not in ("event", "id")}
                continue
            if msg is None:
                dead = not w.alive()
                rc = w.proc.poll()
                tail = w.log_tail()
                w.kill()
                del self.workers[column]
                if dead or rc is not None:
                    why = f"worker died (exit code {rc}" + (
                        ", killed: out of memory?" if rc in (-9, 137) else ""
                    )
                    return {"status": "crashed", "error": f"{why}) {tail}"[:400], **partial}
                return {"status": "timeout", "wall_s": time.monotonic() - t0, **partial}
            if msg.get("event") == "result":
                return msg

    def close(self) -> None:
        """Close every worker."""
        for w in self.workers.values():
            w.close()
        self.workers.clear()


# ------------------------------------------------------------------------------------- machine info


def machine_info() -> dict[str, Any]:
    """CPU, memory, environment and JAX backend of this machine, for the report."""
    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            models = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        info["cpu_model"] = models[0] if models else platform.processor()
    except OSError:
        info["cpu_model"] = platform.processor()
    info["logical_cpus"] = os.cpu_count()
    try:
        info["usable_cpus"] = len(os.sched_getaffinity(0))
    except AttributeError:
        info["usable_cpus"] = os.cpu_count()
    try:
        with open("/proc/meminfo") as f:
            mem = {line.split(":")[0]: line.split(":")[1].strip() for line in f}
        info["mem_total_gib"] = round(int(mem["MemTotal"].split()[0]) / 2**20, 1)
        info["mem_available_gib_at_start"] = round(int(mem["MemAvailable"].split()[0]) / 2**20, 1)
    except (OSError, KeyError, ValueError):
        pass
    info["env"] = {
        k: os.environ[k] for k in ("XLA_FLAGS", "OMP_NUM_THREADS", "JAX_PLATFORMS") if k in os.environ
    }
    # JAX's backend and devices, asked in a process of its own (this one imports no JAX)
    probe = "import jax; print(jax.default_backend()); print(', '.join(d.device_kind for d in jax.devices()))"
    try:
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
        backend, devices = [*out.stdout.strip().splitlines(), "", ""][:2]
        info["jax_backend"], info["jax_devices"] = backend or None, devices or None
    except (OSError, subprocess.SubprocessError):
        info["jax_backend"] = info["jax_devices"] = None
    return info


def versions() -> dict[str, str | None]:
    """Installed versions of the benchmarked packages, and quantum_jax's git revision."""
    from importlib import metadata

    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in (
        "quantum_jax",
        "jax",
        "jaxlib",
        "numpy",
        "pennylane",
        "pennylane_lightning",
        "qujax",
        "matplotlib",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "quantum_jax"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        out["quantum_jax_git"] = head + (" + uncommitted changes in quantum_jax/" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return out


# ------------------------------------------------------------------------------------- formatting


def fmt_time(s: float | None) -> str:
    """A duration in seconds as text with a unit (``-`` for None)."""
    if s is None:
        return "-"
    if s >= 100:
        return f"{s:.0f} s"
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} us"


def fmt_ratio(r: float) -> str:
    """A time ratio as text (``1.234x``), with more digits close to 1."""
    if 0.95 <= r < 1.05:
        return f"{r:.3f}x"  # close calls get the digits that decide "no slower"
    if r >= 100:
        return f"{r:.0f}x"
    if r >= 10:
        return f"{r:.1f}x"
    return f"{r:.2f}x"


def row_label(row: str) -> str:
    """The label of a row in the printed table."""
    labels = dict(workloads.ROWS, compile="jit compile of PS gradient")
    return labels[row]


class Results:
    """The cells of a run plus everything derived from them (shared by run.py and report.py)."""

    def __init__(self, data: dict[str, Any]) -> None:
        """Index the cells of a run's data (as written to ``results.json``)."""
        self.data = data
        self.cells = {(c["column"], c["row"], c["n"], c["L"]): c for c in data["cells"]}
        self.columns = data["meta"]["columns"]
        self.footnotes: list[str] = []

    def cell(self, column: str, row: str, size: tuple[int, int]) -> dict[str, Any] | None:
        """The cell of ``column``, ``row`` at ``size``, or None when it was not planned."""
        return self.cells.get((column, row, size[0], size[1]))

    def compile_cell(self, column: str, size: tuple[int, int]) -> dict[str, Any] | None:
        """The cell holding the compile time of the PS gradient: its own cell, or the PS-gradient cell."""
        return self.cell(column, "compile", size) or self.cell(column, "ps_grad", size)

    def median(self, column: str, row: str, size: tuple[int, int]) -> float | None:
        """The cell's median time (compile rows: the compile time), or None without a result."""
        if row == "compile":
            c = self.compile_cell(column, size)  # AOT: trace + lower, then XLA compile
            return c["lower_s"] + c["compile_s"] if c and "compile_s" in c else None
        c = self.cell(column, row, size)
        if c is None or c["status"] != "ok":
            return None
        return c["median_s"]

    def footnote(self, text: str) -> str:
        """The marker (``[k]``) of a footnote, added on first use."""
        if text not in self.footnotes:
            self.footnotes.append(text)
        return f"[{self.footnotes.index(text) + 1}]"

    def cell_text(self, column: str, row: str, size: tuple[int, int]) -> str:
        """The text of a table cell: time, markers and footnotes, and a peer's ratio to quantum_jax."""
        if row not in workloads.COLUMNS[column].rows:
            return "n/a"
        if row == "compile" and size == COMPILE_EXTRA and column != "qj":
            return "n/a"
        c = self.compile_cell(column, size) if row == "compile" else self.cell(column, row, size)
        if c is None:
            return "n/a"
        if c["status"] == "n/a":
            return "n/a"
        if c["status"] != "ok" and self.median(column, row, size) is None:
            reason = c.get("note") or c.get("error") or c["status"]
            return f"{c['status']}{self.footnote(reason)}"
        t = self.median(column, row, size)
        text = fmt_time(t)
        if row != "compile" and (c.get("slow_call") or c.get("reps", 99) < 3):
            text += "*"
        if c.get("mismatch"):
            text += self.footnote(c["mismatch"])
        if column != "qj":
            ref = self.median("qj", row, size)
            if ref and t:
                text += f" ({fmt_ratio(t / ref)})"
        return text

    def row_sizes(self, row: str) -> list[tuple[int, int]]:
        """The sizes a row is shown at."""
        sizes = [tuple(s) for s in self.data["meta"]["sizes"]]
        if row == "ps_hess":
            return [s for s in sizes if s in HESS_SIZES]
        if row == "compile" and self.data["meta"].get("extra_compile"):
            return [*sizes, COMPILE_EXTRA]
        return sizes

    def table_rows(self) -> tuple[list[str], list[list[str]]]:
        """The table's header and rows, as text."""
        header = ["row", "size"] + [workloads.COLUMNS[c].label for c in self.columns]
        rows = []
        for row in ROW_ORDER:
            for i, size in enumerate(self.row_sizes(row)):
                rows.append(
                    [row_label(row) if i == 0 else "", workloads.fmt_size(*size)]
                    + [self.cell_text(c, row, size) for c in self.columns]
                )
        return header, rows

    # ------------------------------------------------------------------ derived rows and targets

    def derived(self) -> dict[str, Any]:
        """The derived rows: PS gradient / one batch of 2P forwards, forward / memory-bandwidth floor."""
        out: dict[str, Any] = {"ps_over_batch2p": {}, "bandwidth_floor": {}}
        for size in [tuple(s) for s in self.data["meta"]["sizes"]]:
            g, b = self.median("qj", "ps_grad", size), self.median("qj", "batch2p", size)
            P = workloads.num_params(*size)
            entry: dict[str, Any] = {"P": P, "batch": 2 * P, "ps_grad_s": g, "batch2p_s": b}
            entry["ratio"] = g / b if g and b else None
            if not (g and b):
                entry["why"] = "; ".join(
                    f"{r}: {self.status_text('qj', r, size)}"
                    for r, v in (("ps_grad", g), ("batch2p", b))
                    if not v
                )
            out["ps_over_batch2p"][workloads.fmt_size(*size)] = entry
        bw = self.data.get("bandwidth")
        for size in FLOOR_SIZES:
            if list(size) not in [list(s) for s in self.data["meta"]["sizes"]]:
                continue
            n, L = size
            t = self.median("qj", "fwd", size)
            entry = {"passes": workloads.gate_passes(n, L), "fwd_s": t}
            if bw:
                large = max(bw["large_numpy_Bps"], bw["large_jax_Bps"])
                at = bw["at_size"].get(str(n))
                same = max(at["numpy_Bps"], at["jax_Bps"]) if at else None
                entry["bandwidth_Bps"] = large
                entry["bandwidth_at_size_Bps"] = same
                for kind, passes in entry["passes"].items():
                    floor = passes * 2 * workloads.state_buffer_bytes(n) / large
                    entry[f"floor_{kind}_s"] = floor
                    entry[f"ratio_{kind}"] = t / floor if t else None
                    if same:
                        fs = passes * 2 * workloads.state_buffer_bytes(n) / same
                        entry[f"floor_{kind}_at_size_s"] = fs
                        entry[f"ratio_{kind}_at_size"] = t / fs if t else None
            out["bandwidth_floor"][workloads.fmt_size(*size)] = entry
        return out

    def status_text(self, column: str, row: str, size: tuple[int, int]) -> str:
        """A cell's time, or why it has none (not installed, not run, timeout, ...)."""
        c = self.compile_cell(column, size) if row == "compile" else self.cell(column, row, size)
        if c is None:
            if column in self.data["meta"].get("missing_column_keys", []):
                return "not installed"
            return "not run" if column in self.columns else "column not in this run"
        t = self.median(column, row, size)
        if t is not None:
            return fmt_time(t)
        return c["status"] + (
            f" ({c.get('note') or c.get('error')})" if (c.get("note") or c.get("error")) else ""
        )

    def derived_lines(self) -> list[str]:
        """The derived rows as printed lines."""
        d = self.derived()
        lines = ["Derived rows (quantum_jax):"]
        for key, e in d["ps_over_batch2p"].items():
            if e["ratio"] is None:
                lines.append(f"  PS gradient / one vmapped batch of 2P forwards  {key}: n/a ({e['why']})")
            else:
                lines.append(
                    f"  PS gradient / one vmapped batch of 2P forwards  {key}: {e['ratio']:.2f}x "
                    f"(gradient {fmt_time(e['ps_grad_s'])}; batch of 2P={e['batch']} forwards "
                    f"{fmt_time(e['batch2p_s'])})"
                )
        for key, e in d["bandwidth_floor"].items():
            p = e["passes"]
            if "floor_unfused_s" not in e:
                lines.append(f"  forward / memory-bandwidth floor  {key}: n/a (no bandwidth measurement)")
                continue
            head = f"  forward / memory-bandwidth floor  {key}: "
            if e["fwd_s"] is None:
                lines.append(
                    head
                    + f"n/a (forward: {self.status_text('qj', 'fwd', tuple(map(int, key[4:-1].split(','))))})"
                )
                continue
            lines.append(
                head
                + f"{e['ratio_unfused']:.2f}x unfused ({p['unfused']} passes = 3nL rotations + nL CNOTs, "
                f"floor {fmt_time(e['floor_unfused_s'])}), {e['ratio_fused']:.2f}x fused ({p['fused']} "
                "passes = "
                f"nL single-qubit blocks + nL CNOTs, floor {fmt_time(e['floor_fused_s'])}); "
                f"forward {fmt_time(e['fwd_s'])}"
            )
            if e.get("ratio_unfused_at_size"):
                lines.append(
                    "      (information: with the copy bandwidth measured at the state's own size, "
                    f"{workloads.state_buffer_bytes(int(key[4:-1].split(',')[0])) >> 20} MiB: "
                    f"{e['bandwidth_at_size_Bps'] / 1e9:.1f} GB/s, {e['ratio_unfused_at_size']:.2f}x "
                    "unfused, "
                    f"{e['ratio_fused_at_size']:.2f}x fused)"
                )
        return lines

    def targets(self) -> list[dict[str, Any]]:
        """Each target's name, status (MET / NOT MET / NOT EVALUATED) and the numbers behind it."""
        targets: list[dict[str, Any]] = []

        def add(name: str, ok: bool | None, text: str) -> None:
            targets.append(
                {
                    "name": name,
                    "status": {True: "MET", False: "NOT MET", None: "NOT EVALUATED"}[ok],
                    "text": text,
                }
            )

        def speedup(name: str, row: str, size: tuple[int, int], peers: list[str], need: float) -> None:
            q = self.median("qj", row, size)
            got = [(p, self.median(p, row, size)) for p in peers]
            got_ok = [(p, t) for p, t in got if t]
            missing = [
                f"{workloads.COLUMNS[p].label if p in workloads.COLUMNS else p}: "
                f"{self.status_text(p, row, size)}"
                for p, t in got
                if not t
            ]
            if not q or not got_ok:
                add(
                    name,
                    None,
                    f"quantum_jax {self.status_text('qj', row, size)}; "
                    + "; ".join(
                        missing or [f"{workloads.COLUMNS[p].label}: {fmt_time(t)}" for p, t in got_ok]
                    ),
                )
                return
            p, t = min(got_ok, key=lambda x: x[1])  # the fastest peer measured
            r = t / q
            text = (
                f"{workloads.fmt_size(*size)}: quantum_jax {fmt_time(q)} vs {workloads.COLUMNS[p].label} "
                f"{fmt_time(t)} "
                f"= {fmt_ratio(r)} (need >= {need:g}x" + (", i.e. no slower)" if need == 1 else ")")
            )
            if missing:
                text += "; not measured: " + "; ".join(missing)
            add(name, r >= need, text)

        sizes = [tuple(s) for s in self.data["meta"]["sizes"]]
        for size, need in (((4, 2), 500), ((10, 4), 300)):
            if size in sizes:
                speedup(
                    f"param-shift gradient >= {need}x faster than PennyLane jax-jit param-shift "
                    f"at {workloads.fmt_size(*size)}",
                    "ps_grad",
                    size,
                    ["pl_jax_ps"],
                    need,
                )
        if (4, 2) in sizes:
            speedup(
                "param-shift Hessian >= 1000x faster than PennyLane's fastest param-shift Hessian at "
                "HEA(4,2) (faster of param_shift_hessian [autograd] and jax.jit(jax.hessian) [jax, "
                "max_diff=2])",
                "ps_hess",
                (4, 2),
                ["pl_ag", "pl_jax_ps"],
                1000,
            )
        for size in ((10, 4), (16, 2)):
            if size in sizes:
                speedup(
                    "backprop gradient no slower than qujax or PennyLane jax-jit backprop at "
                    f"{workloads.fmt_size(*size)} (vs the faster one measured)",
                    "bp_grad",
                    size,
                    ["qujax", "pl_jax_bp"],
                    1.0,
                )
        if (16, 2) in sizes:
            speedup(
                "adjoint gradient no slower than lightning.qubit adjoint at HEA(16,2)",
                "adj_grad",
                (16, 2),
                ["lightning"],
                1.0,
            )
        d = self.derived()
        for key, e in d["ps_over_batch2p"].items():
            name = f"param-shift gradient <= 1.3x one vmapped batch of 2P forwards at {key}"
            if e["ratio"] is None:
                add(name, None, e.get("why", ""))
            else:
                add(
                    name,
                    e["ratio"] <= 1.3,
                    f"{key}: {e['ratio']:.2f}x (gradient {fmt_time(e['ps_grad_s'])}, "
                    f"batch of {e['batch']} forwards {fmt_time(e['batch2p_s'])}; need <= 1.3x)",
                )
        for key, e in d["bandwidth_floor"].items():
            size = tuple(int(v) for v in key[4:-1].split(","))
            name = f"forward within 3x of the memory-bandwidth floor and faster than lightning.qubit at {key}"
            light = self.median("lightning", "fwd", size)
            if e["fwd_s"] is None or "floor_unfused_s" not in e:
                add(name, None, f"quantum_jax forward: {self.status_text('qj', 'fwd', size)}")
                continue
            within = e["ratio_unfused"] <= 3.0
            text = (
                f"{key}: forward {fmt_time(e['fwd_s'])} = {e['ratio_unfused']:.2f}x the floor "
                f"{fmt_time(e['floor_unfused_s'])} ({e['passes']['unfused']} unfused passes, "
                f"{e['bandwidth_Bps'] / 1e9:.1f} GB/s copy bandwidth; fused-count floor "
                f"{fmt_time(e['floor_fused_s'])}: {e['ratio_fused']:.2f}x) [need <= 3x]"
            )
            if light:
                text += f"; lightning.qubit {fmt_time(light)} ({fmt_ratio(light / e['fwd_s'])}) [need > 1x]"
                ok: bool | None = within and light > e["fwd_s"]
            else:
                text += f"; lightning.qubit: {self.status_text('lightning', 'fwd', size)}"
                ok = None if within else False
            add(name, ok, text)
        c104 = self.median("qj", "compile", (10, 4))
        if (10, 4) in sizes:
            cc = self.compile_cell("qj", (10, 4)) or {}
            detail = (
                f"{fmt_time(c104)} (AOT: trace + lower {fmt_time(cc['lower_s'])}, XLA compile "
                f"{fmt_time(cc['compile_s'])})"
                if c104 is not None
                else self.status_text("qj", "compile", (10, 4))
            )
            ok104: bool | None = None if c104 is None else c104 < 3
            if c104 is None and cc.get("status") == "timeout" and self.data["meta"]["cell_timeout_s"] >= 3:
                ok104 = False  # compilation alone took longer than the cap
                detail = (
                    f"> {self.data['meta']['cell_timeout_s']:.0f} s (the cell timed out before compiling)"
                )
            add(
                "jit compile of the param-shift gradient at HEA(10,4) under 3 s",
                ok104,
                f"HEA(10,4): {detail} [need < 3 s]",
            )
        if self.data["meta"].get("extra_compile"):
            c1016 = self.median("qj", "compile", COMPILE_EXTRA)
            if c104 is not None and c1016 is not None:
                add(
                    "jit compile at HEA(10,16) <= 4x HEA(10,4)",
                    c1016 <= 4 * c104,
                    f"HEA(10,16) {fmt_time(c1016)} / HEA(10,4) {fmt_time(c104)} = {c1016 / c104:.2f}x "
                    "(4x the layers) [need <= 4x]",
                )
            elif (
                c104 is not None
                and (self.compile_cell("qj", COMPILE_EXTRA) or {}).get("status") == "timeout"
                and self.data["meta"]["cell_timeout_s"] > 4 * c104
            ):
                cap = self.data["meta"]["cell_timeout_s"]
                add(
                    "jit compile at HEA(10,16) <= 4x HEA(10,4)",
                    False,
                    f"HEA(10,16) > {cap:.0f} s (timed out while compiling) / HEA(10,4) {fmt_time(c104)} "
                    f"> {cap / c104:.1f}x [need <= 4x]",
                )
            else:
                add(
                    "jit compile at HEA(10,16) <= 4x HEA(10,4)",
                    None,
                    f"HEA(10,16): {self.status_text('qj', 'compile', COMPILE_EXTRA)}; HEA(10,4): "
                    f"{self.status_text('qj', 'compile', (10, 4))}",
                )
        return targets

    def value_check(self) -> list[str]:
        """Cells whose values disagree with the reference (quantum_jax when it ran); marks them."""
        problems = []
        groups = {
            "fwd": ["fwd"],
            "grad": ["ps_grad", "bp_grad", "adj_grad"],
            "ps_hess": ["ps_hess"],
            "batch": ["batch"],
        }
        sizes = {(c["n"], c["L"]) for c in self.cells.values()}
        for size in sizes:
            for _, rows in groups.items():
                members = [
                    c
                    for (col, row, n, L), c in self.cells.items()
                    if row in rows and (n, L) == size and c["status"] == "ok" and "digest" in c
                ]
                if not members:
                    continue
                members.sort(key=lambda c: (c["column"] != "qj", rows.index(c["row"])))
                ref = members[0]
                for c in members[1:]:
                    a, b = c["digest"], ref["digest"]
                    if len(a) != len(b):
                        err = float("inf")
                    else:
                        diff = max(abs(x - y) for x, y in zip(a, b, strict=True))
                        err = diff / max(1.0, max(abs(y) for y in b))
                    c["max_rel_diff"] = err
                    if err > 1e-6:
                        c["mismatch"] = (
                            f"value differs from {ref['column']} {ref['row']} by {err:.2e} (relative)"
                        )
                        problems.append(
                            f"{c['column']} {c['row']} {workloads.fmt_size(*size)}: {c['mismatch']}"
                        )
        return problems


def render_text_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with left-aligned columns (every row as long as ``header``)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), line]
    for r in rows:
        out.append("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
    return "\n".join(out)


def render(data: dict[str, Any]) -> tuple[str, Results]:
    """The printed report: table, footnotes, derived rows, targets."""
    res = Results(data)
    res.value_check()
    header, rows = res.table_rows()
    meta = data["meta"]
    lines = [
        f"quantum_jax benchmark, HEA(n, L), float64 -- {meta['started']}, {meta['machine']['cpu_model']}, "
        f"{meta['machine']['usable_cpus']} usable cores, load average {meta['loadavg_start'][0]:.1f} at "
        "start / "
        f"{meta.get('loadavg_end', [float('nan')])[0]:.1f} at end"
        + (" (--quick)" if meta.get("quick") else ""),
        "Medians of steady-state calls; peer cells show (peer time / quantum_jax time): > 1 means "
        "quantum_jax "
        "is faster. * = fewer than 3 repeats (a slow call is timed once).",
        "",
        render_text_table(header, rows),
    ]
    if meta.get("missing_columns"):
        lines.append("Columns left out (library not importable): " + ", ".join(meta["missing_columns"]))
    if res.footnotes:
        lines.append("")
        lines += [f"[{i + 1}] {t}" for i, t in enumerate(res.footnotes)]
    lines.append("")
    lines += res.derived_lines()
    lines.append("")
    lines.append("Targets:")
    for t in res.targets():
        lines.append(f"  [{t['status']}] {t['name']}")
        lines.append(f"      {t['text']}")
    return "\n".join(lines), res


# ------------------------------------------------------------------------------------------- main


def progress(msg: str) -> None:
    """Print a progress line to stderr."""
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (command line as in the module docstring); returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only HEA(4,2) and HEA(10,4), fewer repeats")
    ap.add_argument(
        "--cell-timeout",
        type=float,
        default=None,
        help="wall-clock cap per cell in seconds, compilation included (default 120; 60 with --quick)",
    )
    ap.add_argument(
        "--budget",
        type=float,
        default=None,
        help="after this many seconds only the cells the targets need still start "
        "(default 900; 480 with --quick)",
    )
    ap.add_argument(
        "--max-state-gb",
        type=float,
        default=8.0,
        help="skip cells whose state vectors would need more memory than this (default 8)",
    )
    ap.add_argument(
        "--sizes",
        default=None,
        help="comma-separated n:L sizes instead of the standard ones, e.g. 16:2,20:1 (for testing)",
    )
    ap.add_argument(
        "--columns", default=None, help="comma-separated subset of " + ",".join(workloads.COLUMNS)
    )
    ap.add_argument("--out", default=DEFAULT_JSON, help="results JSON (default benchmarks/results.json)")
    args = ap.parse_args(argv)

    budget = args.budget if args.budget is not None else (480.0 if args.quick else 900.0)
    if args.cell_timeout is None:
        args.cell_timeout = 60.0 if args.quick else 120.0
    wanted = args.columns.split(",") if args.columns else list(workloads.COLUMNS)
    if "qj" not in wanted:
        wanted.insert(0, "qj")
    columns = [c for c in wanted if workloads.COLUMNS[c].available()]
    missing = [workloads.COLUMNS[c].label for c in wanted if c not in columns]
    if "qj" not in columns:
        print("quantum_jax (and jax) must be importable", file=sys.stderr)
        return 2
    sizes = QUICK_SIZES if args.quick else SIZES
    if args.sizes:
        sizes = [tuple(int(v) for v in s.split(":")) for s in args.sizes.split(",")]
    if args.quick:
        timing = {"min_reps": 3, "max_reps": 5, "target_s": 0.5, "fast_total_s": 0.05, "fast_max_reps": 500}
        timing.update(slow_total_s=5.0, slow_call_s=20.0)
    else:
        timing = {"min_reps": 3, "max_reps": 15, "target_s": 2.0, "fast_total_s": 0.25, "fast_max_reps": 2000}
        timing.update(slow_total_s=10.0, slow_call_s=20.0)

    extra = not args.quick and (10, 4) in sizes
    cells = plan(columns, sizes, extra_compile=extra)
    logdir = tempfile.mkdtemp(prefix="qj-bench-")
    started = time.monotonic()
    meta: dict[str, Any] = {
        "started": _dt.datetime.now().isoformat(timespec="seconds"),
        "quick": args.quick,
        "sizes": [list(s) for s in sizes],
        "extra_compile": extra,
        "columns": columns,
        "missing_columns": missing,
        "missing_column_keys": [c for c in wanted if c not in columns],
        "column_descriptions": {c: workloads.COLUMNS[c].description for c in columns},
        "cell_timeout_s": args.cell_timeout,
        "budget_s": budget,
        "max_state_gb": args.max_state_gb,
        "timing": timing,
        "batch": workloads.BATCH,
        "machine": machine_info(),
        "versions": versions(),
        "loadavg_start": list(os.getloadavg()),
        "worker_logs": logdir,
    }
    progress(
        f"benchmark: {len(cells)} cells, columns {', '.join(columns)}"
        + (f" (not installed: {', '.join(missing)})" if missing else "")
        + f"; cap {args.cell_timeout:.0f} s per cell, budget {budget:.0f} s; worker logs in {logdir}"
    )

    pool = Pool(logdir)
    bandwidth = None
    timed_out: dict[tuple[str, str], tuple[int, int]] = {}
    broken: dict[str, str] = {}  # columns whose worker could not start
    try:
        floor_sizes = [n for n, L in sizes if (n, L) in FLOOR_SIZES]
        if floor_sizes:
            progress("measuring copy bandwidth ...")
            r = pool.request("qj", {"id": 0, "kind": "bandwidth", "sizes": floor_sizes}, 120)
            if r.get("status") == "ok":
                bandwidth = r["bandwidth"]
                progress(
                    f"  copy bandwidth (read+write), 256 MiB: numpy {bandwidth['large_numpy_Bps'] / 1e9:.1f} "
                    f"GB/s, jax {bandwidth['large_jax_Bps'] / 1e9:.1f} GB/s"
                )
            else:
                progress(f"  bandwidth measurement failed: {r}")
        for i, cell in enumerate(cells, 1):
            key = (cell.column, cell.row)
            tkey = (cell.column, "ps_grad" if cell.row == "compile" else cell.row)
            label = workloads.COLUMNS[cell.column].label
            tag = f"[{i:3d}/{len(cells)}] {label:18s} {cell.row:9s} {workloads.fmt_size(*cell.size):10s}"
            elapsed = time.monotonic() - started
            mem = memory_estimate(cell)
            if elapsed > budget and not cell.critical:
                cell.status, cell.note = "skipped", f"run budget of {budget:.0f} s used up"
            elif mem > args.max_state_gb * 1e9:
                cell.status = "skipped"
                cell.note = (
                    f"needs ~{mem / 1e9:.0f} GB of state vectors (> --max-state-gb {args.max_state_gb:g})"
                )
            elif tkey in timed_out and dominates(cell.size, timed_out[tkey]):
                s = timed_out[tkey]
                cell.status, cell.note = "skipped", f"timed out at the smaller {workloads.fmt_size(*s)}"
            else:
                fwd = next(
                    (c for c in cells if c.column == cell.column and c.row == "fwd" and c.size == cell.size),
                    None,
                )
                # peers that run circuits one after the other: estimate from their own forward time
                count = {
                    ("pl_ag", "ps_grad"): 2 * workloads.num_params(*cell.size),
                    ("pl_jax_ps", "ps_grad"): 2 * workloads.num_params(*cell.size),
                    ("lightning", "batch"): workloads.BATCH,
                }.get(key)
                if count and fwd is not None and fwd.median is not None:
                    est = count * fwd.median
                    if est > args.cell_timeout:
                        cell.status = "skipped"
                        cell.note = (
                            f"estimated {est:.0f} s per call ({count} circuits x forward "
                            f"{fmt_time(fwd.median)}) > the cap"
                        )
            if cell.column in broken:
                cell.status, cell.note = "skipped", f"the worker could not start: {broken[cell.column]}"
            if cell.status == "skipped":
                progress(f"{tag} skipped: {cell.note}")
                continue
            req = {"id": i, "kind": "cell", "row": cell.row, "n": cell.n, "L": cell.L, "timing": timing}
            r = pool.request(cell.column, req, args.cell_timeout)
            status = r.pop("status", "error")
            for k in ("event", "id"):
                r.pop(k, None)
            if r.pop("import_error", False):
                broken[cell.column] = r.get("error", "")
            cell.status = status
            cell.result = r
            comp = f"compile {fmt_time(r['lower_s'] + r['compile_s'])}, " if "compile_s" in r else ""
            if status == "ok" and "median_s" in r:
                progress(
                    f"{tag} {fmt_time(r['median_s']):>9s}  ({r['reps']} reps, {comp}first call "
                    f"{fmt_time(r['first_call_s'])}, cell {r['wall_s']:.1f} s)  "
                    f"t={time.monotonic() - started:.0f}s"
                )
            elif status == "ok":
                progress(f"{tag} {comp}cell {r['wall_s']:.1f} s  t={time.monotonic() - started:.0f}s")
            elif status == "timeout":
                cell.note = (
                    f"no result within the {args.cell_timeout:.0f} s cap per cell (compilation included)"
                )
                if "compile_s" in r:
                    cell.note = (
                        f"no result within the {args.cell_timeout:.0f} s cap per cell (compilation "
                        f"{fmt_time(r['lower_s'] + r['compile_s'])} of it)"
                    )
                if tkey not in timed_out or dominates(timed_out[tkey], cell.size):
                    timed_out[tkey] = cell.size
                progress(
                    f"{tag} TIMEOUT after {args.cell_timeout:.0f} s  t={time.monotonic() - started:.0f}s"
                )
            elif status == "n/a":
                progress(f"{tag} n/a")
            else:
                cell.note = r.get("error", status)
                progress(f"{tag} {status.upper()}: {cell.note}")
    finally:
        pool.close()

    # the order the cells are shown in is the plan's, not the run's
    meta["loadavg_end"] = list(os.getloadavg())
    meta["wall_s"] = time.monotonic() - started
    meta["worker_import_s"] = pool.import_s
    data = {"meta": meta, "bandwidth": bandwidth, "cells": [c.to_json() for c in cells]}
    text, res = render(data)
    data["cells"] = list(res.cells.values())  # with the value-check annotations
    data["derived"] = res.derived()
    data["targets"] = res.targets()
    data["footnotes"] = res.footnotes
    data["printed"] = text
    with open(args.out, "w") as f:
        json.dump(data, f, indent=1)
    print(text)
    progress(
        f"\nwrote {os.path.relpath(args.out)} ({meta['wall_s']:.0f} s); render docs with "
        "python benchmarks/report.py"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
