"""Render ``benchmarks/results.json`` (from ``run.py``) as ``docs/benchmarks.md`` and ``docs/benchmarks.png``.

python benchmarks/report.py [--results benchmarks/results.json] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import run  # noqa: E402
import workloads  # noqa: E402

CHART_ROWS = ["fwd", "ps_grad", "ps_hess", "bp_grad", "adj_grad", "batch", "compile"]


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (``|`` in the cells escaped)."""
    esc = [[v.replace("|", "\\|") for v in r] for r in [header, *rows]]
    out = ["| " + " | ".join(esc[0]) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in esc[1:]]
    return "\n".join(out)


def chart(data: dict[str, Any], res: run.Results, path: str) -> bool:
    """Draw one log-scale panel per row into ``path``; False (no chart) without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart", file=sys.stderr)
        return False
    columns = res.columns
    rows = [r for r in CHART_ROWS if any(res.median(c, r, s) for c in columns for s in res.row_sizes(r))]
    ncols = 4
    nrows = math.ceil(len(rows) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.6 * nrows), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    markers = "osD^vP*X"
    for ax, row in zip(axes.flat, rows, strict=False):  # the grid may have spare panels
        sizes = res.row_sizes(row)
        offset = 0.06  # a small horizontal offset per column keeps equal values apart
        for j, col in enumerate(columns):
            k = list(workloads.COLUMNS).index(col)
            style = {"color": colors[k % len(colors)], "marker": markers[k % len(markers)]}
            xs, ys, missing = [], [], []
            for i, s in enumerate(sizes):
                t = res.median(col, row, s)
                x = i + offset * (j - (len(columns) - 1) / 2)
                if t:
                    xs.append(x)
                    ys.append(t)
                elif row in workloads.COLUMNS[col].rows and (
                    res.compile_cell(col, s) if row == "compile" else res.cell(col, row, s)
                ):
                    missing.append(x)  # run but no number: timeout / skipped / error
            ax.plot(
                xs, ys, linestyle="-", linewidth=1, markersize=6, label=workloads.COLUMNS[col].label, **style
            )
            if missing:
                ax.plot(
                    missing,
                    [0.02] * len(missing),
                    "x",
                    color=style["color"],
                    markersize=7,
                    transform=ax.get_xaxis_transform(),
                )
        ax.set_yscale("log")
        vals = [t for c in columns for s in sizes if (t := res.median(c, row, s))]
        if vals:
            lo, hi = min(vals) / 2.5, max(vals) * 2.5
            if hi / lo < 30:  # at least a decade and a half, so the log ticks stay readable
                mid = math.sqrt(lo * hi)
                lo, hi = mid / math.sqrt(30), mid * math.sqrt(30)
            ax.set_ylim(lo, hi)
        ax.set_xlim(-0.5, len(sizes) - 0.5)
        ax.set_xticks(range(len(sizes)))
        ax.set_xticklabels([workloads.fmt_size(*s) for s in sizes], fontsize=8)
        ax.set_title(run.row_label(row), fontsize=10)
        ax.set_ylabel("seconds (median)", fontsize=8)
        ax.grid(axis="y", which="major", alpha=0.3)
    for ax in list(axes.flat)[len(rows) :]:
        ax.axis("off")
    seen: dict[str, Any] = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(lab, h)
    handles, labels = list(seen.values()), list(seen)
    fig.legend(handles, labels, loc="lower center", ncol=len(columns), fontsize=9, frameon=False)
    meta = data["meta"]
    fig.suptitle(
        f"HEA(n, L), float64, {meta['machine']['cpu_model']}, {meta['machine']['usable_cpus']} cores "
        "(log scale; x at the bottom = no number: timeout/skipped/error)",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def markdown(data: dict[str, Any], res: run.Results, printed: str, png_rel: str | None) -> str:
    """The text of ``docs/benchmarks.md`` for a run (``png_rel``: the chart's path relative to it)."""
    meta = data["meta"]
    m = meta["machine"]
    header, rows = res.table_rows()
    lines: list[str] = []
    lines.append("# Benchmarks\n")
    lines.append(
        "quantum_jax against its peers on the hardware-efficient ansatz HEA(n, L), all in one run, float64 "
        "(`jax_enable_x64`). Generated by `python benchmarks/run.py && python benchmarks/report.py`; the "
        "raw numbers are in `benchmarks/results.json`.\n"
    )
    lines.append("## Workload\n")
    lines.append(
        "HEA(n, L): per layer RX, RY, RZ on every wire (parameters of shape (L, n, 3)), then a CNOT ring "
        "i -> (i+1) % n. Cost: the expectation of the Hamiltonian sum_i Z_i Z_{i+1} around the ring. "
        f"Sizes (n, L): {', '.join(workloads.fmt_size(*s) for s in meta['sizes'])}"
        + (
            f"; the compile-time row also at {workloads.fmt_size(*run.COMPILE_EXTRA)} "
            "(4x the depth of HEA(10,4))."
            if meta.get("extra_compile")
            else "."
        )
        + f" The batch row evaluates {meta['batch']} parameter sets at once.\n"
    )
    lines.append("Columns:\n")
    for c in res.columns:
        lines.append(f"- **{workloads.COLUMNS[c].label}**: {meta['column_descriptions'][c]}")
    if meta.get("missing_columns"):
        lines.append(f"- not installed in this run (left out): {', '.join(meta['missing_columns'])}")
    lines.append("")
    lines.append("## How quantum_jax gets there\n")
    lines.append(
        "- Gates are compiled at trace time, once per circuit structure, into a short program of passes "
        "over the state (`quantum_jax/_program.py`): each wire's run of one-wire gates becomes one 2x2 "
        "product, two such runs on neighbouring axes one 4x4 block applied as small elementwise products "
        "(the axis order is tracked, so no transposes), diagonal gates multiply in place, and consecutive "
        "permutation gates (a whole CNOT ring) become one gather.\n"
        "- Repeated layers become one body run under `lax.scan` (its gate data computed for all layers "
        "before the loop), so compile time grows with the distinct layers, not the depth.\n"
        "- The parameter-shift rule is a `jax.custom_jvp` that evaluates all 2P shifted circuits as one "
        "vmapped batch, built and combined with a constant number of operations per dtype (not per "
        "parameter); the Hessian applies the same rule to the batch.\n"
        "- Gates ahead of any entangling gate act on |0...0>: they build the product state in one pass.\n"
        "- A Hamiltonian's diagonal terms are reduced together from one |psi|^2.\n"
    )
    lines.append("## Method\n")
    t = meta["timing"]
    lines.append(
        "- Each column runs in a worker process of its own; every timed call ends with `block_until_ready`.\n"
        "- Jitted functions are compiled ahead of time first (`jax.jit(f).lower(x).compile()`, excluded from "
        "the timings); the jitted function then reuses that executable. Then a warm-up call (kept as the "
        "first sample when it takes a second or more; five seconds or more for PennyLane's un-jitted "
        "autograd "
        "calls), then steady-state calls are repeated and the "
        f"**median** is reported: at least {t['min_reps']} calls and until {t['target_s']} s are spent (at "
        f"most {t['max_reps']}, unless {t['max_reps']} calls take under {t.get('fast_total_s', 0)} s: fast "
        f"calls are repeated for at least that long, up to {t.get('fast_max_reps', t['max_reps'])} calls), "
        f"at most {t['slow_total_s']} s in all, and a single call longer than "
        f"{t['slow_call_s']} s is recorded once (cells with fewer than 3 calls are marked `*`).\n"
        "- Compile time of the parameter-shift gradient = the ahead-of-time trace + lower + XLA compile "
        "of a freshly built `jax.jit(jax.grad(qnode))` (for quantum_jax the first quantum_jax cell of "
        "its size in its worker process).\n"
        f"- A cell that yields nothing within {meta['cell_timeout_s']:.0f} s (compilation included) is "
        "killed and "
        "marked `timeout`; the same cell is then skipped at larger sizes (more wires and more gates). Peer "
        "cells that run circuits one by one (PennyLane parameter-shift gradients: 2P circuits; lightning's "
        "broadcast batch: 256) are skipped when that count x the peer's own forward time exceeds the cap, as "
        f"are cells whose state vectors would need more than {meta['max_state_gb']:g} GB. Cells needed by "
        "the "
        "targets run first, always (each under the cap); the others run while the run is within its budget "
        f"of {meta['budget_s']:.0f} s and are marked skipped after that.\n"
        "- Every result is checked against quantum_jax's (forward values, gradients of all methods, "
        "Hessians, "
        "batch values); a disagreement above 1e-6 (relative) would be footnoted in the table.\n"
        "- Peer cells show `(peer time / quantum_jax time)`: above 1 means quantum_jax is faster.\n"
    )
    lines.append("## Machine\n")
    lines.append(
        f"- CPU: {m.get('cpu_model')}; {m.get('usable_cpus')} usable cores ({m.get('logical_cpus')} logical)"
    )
    lines.append(
        f"- Memory: {m.get('mem_total_gib')} GiB ({m.get('mem_available_gib_at_start')} GiB available at "
        "start)"
    )
    lines.append(f"- Platform: {m.get('platform')}")
    la0, la1 = meta["loadavg_start"], meta.get("loadavg_end")
    lines.append(
        f"- Load average (1/5/15 min): {' / '.join(f'{x:.2f}' for x in la0)} at start, "
        + (f"{' / '.join(f'{x:.2f}' for x in la1)} at end" if la1 else "")
        + " (the machine is shared; a load above the core count inflates every timing)"
    )
    if m.get("env"):
        lines.append(f"- Environment: {m['env']}")
    lines.append(
        f"- Run: {meta['started']}, {meta.get('wall_s', 0):.0f} s wall"
        + (" (--quick)" if meta.get("quick") else "")
    )
    lines.append("")
    lines.append("Versions:\n")
    lines.append(
        md_table(
            ["package", "version"],
            [[k, str(v) if v else "not installed"] for k, v in meta["versions"].items()],
        )
    )
    lines.append("")
    lines.append("## Results\n")
    lines.append(md_table(header, rows))
    lines.append("")
    if res.footnotes:
        lines += [f"{i + 1}. {txt}" for i, txt in enumerate(res.footnotes)]
        lines.append("")
    if png_rel:
        lines.append(f"![times per row and size, log scale]({png_rel})\n")
    lines.append("### Derived rows\n")
    d = res.derived()
    rows_a = []
    for key, e in d["ps_over_batch2p"].items():
        rows_a.append(
            [
                key,
                str(e["P"]),
                run.fmt_time(e["ps_grad_s"]),
                run.fmt_time(e["batch2p_s"]),
                f"{e['ratio']:.2f}x" if e["ratio"] is not None else f"n/a ({e.get('why', '')})",
            ]
        )
    lines.append(
        "quantum_jax's parameter-shift gradient against one vmapped batch of 2P forward evaluations of "
        "the same circuit (the work the gradient cannot avoid):\n"
    )
    lines.append(md_table(["size", "P", "PS gradient", "batch of 2P forwards", "gradient / batch"], rows_a))
    lines.append("")
    bw = data.get("bandwidth")
    if d["bandwidth_floor"]:
        rows_b = []
        for key, e in d["bandwidth_floor"].items():
            p = e["passes"]
            if "floor_unfused_s" not in e:
                rows_b.append([key, run.fmt_time(e["fwd_s"]), f"{p['unfused']} / {p['fused']}"] + ["n/a"] * 5)
                continue

            def ratio(k: str, e: dict[str, Any] = e) -> str:
                return f"{e[k]:.2f}x" if e.get(k) is not None else "n/a"

            at = "n/a"
            if e.get("bandwidth_at_size_Bps"):
                at = (
                    f"{ratio('ratio_unfused_at_size')} / {ratio('ratio_fused_at_size')} "
                    f"({e['bandwidth_at_size_Bps'] / 1e9:.1f} GB/s)"
                )
            rows_b.append(
                [
                    key,
                    run.fmt_time(e["fwd_s"]),
                    f"{p['unfused']} / {p['fused']}",
                    run.fmt_time(e["floor_unfused_s"]),
                    ratio("ratio_unfused"),
                    run.fmt_time(e["floor_fused_s"]),
                    ratio("ratio_fused"),
                    at,
                ]
            )
        lines.append("quantum_jax's forward value against the memory-bandwidth floor:\n")
        lines.append(
            md_table(
                [
                    "size",
                    "forward",
                    "passes unfused / fused",
                    "floor (unfused)",
                    "forward / floor",
                    "floor (fused)",
                    "forward / floor (fused)",
                    "forward / floor, bandwidth at the state's size (unfused / fused)",
                ],
                rows_b,
            )
        )
        lines.append("")
    if bw:
        lines.append(
            f"Copy bandwidth (bytes read + bytes written per second) of a {bw['large_bytes'] >> 20} MiB "
            "complex128 "
            "array, measured in this run: NumPy `copyto` into a preallocated array "
            f"{bw['large_numpy_Bps'] / 1e9:.1f} GB/s, jitted JAX negation with a donated input "
            f"{bw['large_jax_Bps'] / 1e9:.1f} GB/s; the floor uses the larger. Floor = passes x 2 x 2^n x 16 "
            "bytes / bandwidth, with the passes counted from the circuit: unfused = 3nL rotations + nL "
            "CNOTs, "
            "fused = nL single-qubit blocks (each wire's RX.RY.RZ of a layer) + nL CNOTs. The target is "
            "judged "
            "against the unfused count (the circuit as written); the fused count is the stricter figure a "
            "gate-fusing simulator would face. The last column uses the copy bandwidth measured at the "
            "state's own size (2^n x 16 bytes), which may stay in cache: information only."
        )
        executed = [
            f"{key}: {e['passes']['executed']} passes, floor "
            f"{run.fmt_time(e['floor_unfused_s'] * e['passes']['executed'] / e['passes']['unfused'])}, "
            f"forward / floor {e['ratio_unfused'] * e['passes']['unfused'] / e['passes']['executed']:.2f}x"
            for key, e in d["bandwidth_floor"].items()
            if "executed" in e["passes"] and e.get("ratio_unfused") is not None
        ]
        if executed:
            lines.append("")
            lines.append(
                "quantum_jax itself runs fewer passes than either count: one pass building the product "
                "state of the first layer's rotations (they act on |0...0>), then per later layer ceil(n/2) "
                "two-wire blocks (each wire's RX.RY.RZ, two wires per pass), and per layer one gather for "
                "the whole CNOT ring. "
                "Against that executed count (how close each pass runs to the copy bandwidth): "
                + "; ".join(executed)
                + "."
            )
    lines.append("")
    lines.append("## GPU\n")
    backend = m.get("jax_backend")
    if backend in ("gpu", "cuda", "rocm"):
        lines.append(
            f"This run used JAX's {backend} backend ({m.get('jax_devices')}): "
            "the table above is the GPU table."
        )
    else:
        lines.append(
            f"This run used JAX's {backend or 'CPU'} backend ({m.get('jax_devices') or 'no accelerator'}). "
            "The same code runs on GPU unchanged (JAX places the arrays), but no GPU was available to this "
            "run: **GPU rows (the same script on a GPU, n up to 26) are pending**."
        )
    lines.append("")
    lines.append("## Targets\n")
    for tg in res.targets():
        mark = {"MET": "**MET**", "NOT MET": "**NOT MET**"}.get(tg["status"], f"**{tg['status']}**")
        lines.append(f"- {mark} {tg['name']}  \n  {tg['text']}")
    lines.append("")
    lines += soak_section(os.path.join(HERE, "soak_results.json"))
    lines += mixed_section(os.path.join(HERE, "mixed_results.json"))
    lines.append("## Printed output of the run\n")
    lines.append("```text\n" + printed + "\n```\n")
    return "\n".join(lines)


def soak_section(path: str) -> list[str]:
    """The "Soak and leaks" section from ``benchmarks/soak.py``'s results (nothing if it has not run)."""
    if not os.path.exists(path):
        return []
    import soak

    with open(path) as f:
        data = json.load(f)
    meta = data["meta"]
    verdict = "flat memory and one compilation" if data.get("flat_and_compiled_once") else "**NOT flat**"
    return [
        "## Soak and leaks\n",
        "`python benchmarks/soak.py` (a benchmark, not a test): a 5,000-step optax (Adam) training loop "
        "whose step (value, parameter-shift gradient, update) is one `jax.jit` function, and 5,000 calls "
        "of an un-jitted QNode with new values each time; 4 wires, 2 layers, a ZZ-ring Hamiltonian, float64. "
        "RSS is `VmRSS` after the first (compiling) step and at the end; compilations are XLA backend "
        "compilations after the first step; traces count runs of the Python step function. "
        f"JAX {meta['jax']} on {meta['backend']}, {meta['cpus']} CPUs. Result: {verdict} "
        f"(growth below {meta['flat_threshold_mib']} MiB, no compilation after the first step).\n",
        soak.table(data),
        "",
    ]


def mixed_section(path: str) -> list[str]:
    """The "Mixed states" section from ``benchmarks/mixed.py``'s results (nothing if it has not run)."""
    if not os.path.exists(path):
        return []
    import mixed

    with open(path) as f:
        return [mixed.markdown(json.load(f))]


def main(argv: list[str] | None = None) -> int:
    """Render the results JSON as Markdown and a chart; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default=run.DEFAULT_JSON)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--png", default=None, help="chart path (default: next to --out, .png)")
    args = ap.parse_args(argv)
    with open(args.results) as f:
        data = json.load(f)
    printed, res = run.render(data)
    png = args.png or os.path.splitext(args.out)[0] + ".png"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    has_png = chart(data, res, png)
    rel = os.path.relpath(png, os.path.dirname(os.path.abspath(args.out))) if has_png else None
    with open(args.out, "w") as f:
        f.write(markdown(data, res, printed, rel))
    print(f"wrote {os.path.relpath(args.out)}" + (f" and {os.path.relpath(png)}" if has_png else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
