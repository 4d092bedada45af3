"""What the Reject conformance suite costs over the wire, measured on this machine in one run, side by side.

    python benchmarks/bench.py            # full run (a few minutes)
    python benchmarks/bench.py --quick    # smoke run (< 20 s), indicative only; writes reports/bench-quick/
    python benchmarks/bench.py --profile  # also write pyinstrument profiles to benchmarks/profiles/

Prints a table and writes ``benchmarks/results.json`` (every figure, every sample) and ``benchmarks/RESULTS.md``
(a snippet for the README). See ``benchmarks/README.md`` for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SECTIONS = ("roundtrip", "validation", "wholerun", "startup", "zeep", "latency")
DEFAULT_SECTIONS = SECTIONS[:-1]  # latency runs whole suites against a slow endpoint: 15 minutes, asked for by name


@dataclass(frozen=True)
class Plan:
    """How much to measure: counts, repetitions, and which server placements."""

    calls: int
    reps: int
    block: int
    placements: tuple[str, ...]
    validation_count: int
    zeep_calls: int
    startup_reps: int


FULL = Plan(2000, 5, 250, ("in-process", "child process"), 3000, 500, 3)
QUICK = Plan(200, 2, 100, ("in-process",), 300, 60, 1)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short smoke run (< 20 s); figures are indicative only")
    parser.add_argument("--profile", action="store_true", help="also profile with pyinstrument (benchmarks/profiles/)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--calls", type=int, help="round trips per variant and repetition (default 2000; quick 200)")
    parser.add_argument("--reps", type=int, help="repetitions (default 5; quick 2)")
    parser.add_argument(
        "--out-dir",
        type=Path,
        help="where results.json and RESULTS.md go (default: benchmarks/; with --quick: reports/bench-quick/, so a "
        "smoke run never replaces the recorded figures)",
    )
    return parser.parse_args(argv)


def run_sections(args: argparse.Namespace, plan: Plan) -> tuple[list[Any], dict[str, Any]]:
    import roundtrip
    import validation
    import wholerun

    wanted = set(args.only or DEFAULT_SECTIONS)
    rows: list[Any] = []
    extra: dict[str, Any] = {}
    if "roundtrip" in wanted:
        calls = roundtrip.generate_calls(plan.calls)
        for placement in plan.placements:
            _progress(f"round trips, server {placement}: {plan.calls} x {plan.reps}")
            rows += roundtrip.measure_roundtrip(placement, calls, reps=plan.reps, block=plan.block, warmup=100)
        _progress("generation: hypothesis per example")
        rows += roundtrip.measure_generation(plan.calls // 2, plan.reps)
    if "validation" in wanted:
        _progress("validation cost")
        with roundtrip.reference_endpoint("in-process") as url, roundtrip.suite_session(url) as session:
            samples = validation.responses(session)
            invalid = validation.invalid_sample(samples[0])
            extra["invalid_response_messages"] = validation.invalid_messages(invalid)
            count, block = plan.validation_count, max(plan.validation_count // 10, 1)
            rows += validation.measure([*samples, invalid], count=count, reps=plan.reps, block=block)
    if "zeep" in wanted:
        _progress("suite client vs zeep")
        rows += roundtrip.measure_zeep("in-process", count=plan.zeep_calls, reps=plan.reps, block=plan.zeep_calls // 5)
    if "startup" in wanted:
        _progress("start-up pieces")
        rows += wholerun.measure_startup(plan.startup_reps)
    if "wholerun" in wanted:
        _progress("whole runs of `python -m conformance run` (subprocesses)")
        rows += wholerun.measure(args.quick)
    if "latency" in wanted:
        import latency

        _progress("whole runs against a slow endpoint: serial and --concurrency N")
        if args.quick:
            rows += latency.measure(delays=(0.05,), levels=(1, 8), max_examples=(50,))
        else:
            rows += latency.measure(delays=(0.05, 0.15), levels=(1, 2, 4, 8, 16), max_examples=(50,))
            rows += latency.measure(delays=(0.05,), levels=(1, 8), max_examples=(500,))
            rows += latency.measure(delays=(0.05,), levels=(1, 8), allow_list=latency.WIDER_ALLOW_LIST)
    if args.profile:
        import profiling

        _progress("profiles (pyinstrument)")
        rows += profiling.profile(HERE / "profiles", 300 if args.quick else 1000)
    return rows, extra


def _busy(info: dict[str, Any]) -> str:
    """A warning when other work competes for the CPUs (wall-clock figures are then pessimistic)."""
    load = info["load_average_at_start"]
    if load and load[0] > (info["usable_cores"] or 1):
        return (
            f"note: the machine is busy (load {load[0]} on {info['usable_cores']} cores): wall-clock figures are "
            "pessimistic; ratios within a run and the CPU-time rows are the steadier figures"
        )
    return ""


def _progress(text: str) -> None:
    print(f"… {text}", file=sys.stderr, flush=True)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def _verdict(row: Any) -> str:
    if row.met is None:
        return ""
    return "met" if row.met else "MISSED"


def table(rows: list[Any]) -> str:
    lines, section = [], None
    header = f"{'measure':<92} {'median':>10} {'unit':<12} {'baseline':>10} {'ratio':>7} {'target':>9} {'':<6}"
    lines.append(header)
    lines.append("-" * len(header))
    for row in rows:
        if row.section != section:
            section = row.section
            lines.append(f"[{section}]")
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None and row.unit else ""
        if row.section.endswith("profile") and row.ratio is not None:
            ratio = f"{row.ratio:.0%}"
        lines.append(
            f"  {row.name[:90]:<90} {_fmt(row.value):>10} {row.unit:<12} {_fmt(row.baseline):>10} {ratio:>7} "
            f"{row.target:>9} {_verdict(row):<6}"
        )
        if row.spread or row.note:
            span = f"min-max {_fmt(row.spread[0])}-{_fmt(row.spread[1])}" if row.spread else ""
            lines.append(f"      {'; '.join(x for x in (span, row.note) if x)}")
    return "\n".join(lines)


def markdown(rows: list[Any], meta: dict[str, Any], extra: dict[str, Any]) -> str:
    import machine

    out = [
        "## Benchmark: what the suite costs over the wire",
        "",
        f"Measured {meta['finished']} with `{meta['command']}` ({meta['mode']} mode, {meta['seconds']:.0f} s) on: "
        f"{machine.one_line(meta['machine'])}. Medians over repetitions; variants alternate block by block on one "
        "server. Ratio = measure / baseline (median of the per-repetition ratios).",
        "",
        *([f"_{_busy(meta['machine'])}_", ""] if _busy(meta["machine"]) else []),
        "| measure | median | baseline | ratio | target | |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else ""
        if row.section.endswith("profile") and row.ratio is not None:
            ratio = f"{row.ratio:.0%}"
        value = f"{_fmt(row.value)} {row.unit}".strip() if row.value is not None else "—"
        base = f"{_fmt(row.baseline)} {row.unit}" if row.baseline is not None else ""
        name = f"{row.section}: {row.name}".replace("|", "\\|")
        out.append(f"| {name} | {value} | {base} | {ratio} | {row.target} | {_verdict(row)} |")
    noted = [row for row in rows if row.section.endswith("latency") and row.note]
    if noted:  # the latency rows' notes carry the ideal, the floor and the busiest group: the table's reading
        out += [
            "",
            "Notes (exchanges counted at the server; ideal and floor as `benchmarks/README.md` defines them):",
            "",
        ]
        out += [f"- {row.name}: {row.note}" for row in noted]
    messages = extra.get("invalid_response_messages")
    if messages:
        out += ["", "Failure message for an invalid response (`Succeeded` = `maybe`), from the suite's path:", ""]
        out += [f"    {m}" for m in messages]
    return "\n".join(out) + "\n"


def rerender(out_dir: Path) -> None:
    """``RESULTS.md`` again from ``results.json`` (after a change to the Markdown only; no figure is re-measured)."""
    from timing import Row

    results = json.loads((out_dir / "results.json").read_text())
    rows = [Row(**{**r, "spread": tuple(r["spread"]) if r["spread"] else None}) for r in results["rows"]]
    extra = {k: v for k, v in results.items() if k not in ("meta", "rows")}
    (out_dir / "RESULTS.md").write_text(markdown(rows, results["meta"], extra), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(HERE))
    import machine

    plan = QUICK if args.quick else FULL
    if args.out_dir is None:
        args.out_dir = HERE.parent / "reports" / "bench-quick" if args.quick else HERE
    plan = replace(plan, calls=args.calls or plan.calls, reps=args.reps or plan.reps)
    info = machine.describe()
    began = time.monotonic()
    print(f"machine: {machine.one_line(info)}", flush=True)
    busy = _busy(info)
    if busy:
        print(busy, flush=True)
    rows, extra = run_sections(args, plan)
    rows.sort(key=lambda row: row.section.split()[0])  # by section number; measuring order within a section
    meta = {
        "command": "python benchmarks/bench.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])),
        "mode": "quick" if args.quick else "full",
        "plan": plan.__dict__,
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": time.monotonic() - began,
        "machine": info,
        "load_average_at_end": machine.load_average(),
    }
    print(table(rows))
    for message in extra.get("invalid_response_messages", []):
        print(f"invalid response → {message}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    results = {"meta": meta, "rows": [r.as_dict() for r in rows], **extra}
    (args.out_dir / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (args.out_dir / "RESULTS.md").write_text(markdown(rows, meta, extra), encoding="utf-8")
    print(f"wrote {args.out_dir / 'results.json'} and {args.out_dir / 'RESULTS.md'} in {meta['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
