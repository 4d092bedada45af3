"""Write docs/suite-strength.md from a real run: every variant through the command line, and through zeep.

    python -m tests.strength.table [--out docs/suite-strength.md] [--workers 2] [--concurrency N]

Exit code 0 when every defective variant is caught by its intended check (known gaps aside) and no conformant
variant is flagged; 1 otherwise (the document is written either way).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from importlib.metadata import version as dist_version
from pathlib import Path

from .matrix import SEED, VariantRun, command, in_parallel, run_all
from .variants import ADVISORY, DEFECTIVE, VARIANTS, Variant, runs
from .zeep_check import CALLS, ZeepVerdict, zeep_verdict

ROOT = Path(__file__).resolve().parents[2]


def zeep_all(variants: tuple[Variant, ...], workers: int = 8) -> dict[str, ZeepVerdict]:
    """zeep's verdict on a fresh server of every variant."""

    def task(variant: Variant) -> Callable[[], ZeepVerdict]:
        def one() -> ZeepVerdict:
            server = variant.start("1.1")
            try:
                return zeep_verdict(server.url, online="--online" in variant.args)
            finally:
                server.stop()

        return one

    return dict(zip((v.name for v in variants), in_parallel([task(v) for v in variants], workers), strict=True))


def verdict(result: VariantRun) -> str:
    if result.variant.conformant:
        if not result.caught:
            return "**FALSE ALARM**"
        return (
            f"passed (exit 0), {len(result.run.advised)} advisory check(s)" if result.run.advised else "passed (exit 0)"
        )
    if result.variant.gap:
        return "**known gap** (see below)" if not result.caught else "caught: the gap is closed, drop its marker"
    if not result.caught:
        return "**MISSED**"
    return "caught as an advisory (exit 0)" if result.variant.level == ADVISORY else "caught (exit 1)"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fired(result: VariantRun) -> str:
    """Checks that reported: violations, then advisories marked (advisory); intended ones in bold."""
    run, intended = result.run, result.variant.checks
    names = [(n, "") for n in sorted(run.fired)] + [(n, " (advisory)") for n in sorted(run.advised)]
    return ", ".join(f"**{n}**{tag}" if n in intended else f"{n}{tag}" for n, tag in names) or "—"


def matrix_table(results: list[VariantRun]) -> list[str]:
    lines = [
        "| variant | family | SOAP | defect (or allowed difference) | rule level | intended check | checks that "
        "reported | exit | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        v = r.variant
        intended = ", ".join(v.checks) or "none (must pass)"
        args = f" (`{' '.join(v.args)}`)" if v.args else ""
        level = "allowed" if v.conformant else ("SHOULD" if v.level == ADVISORY else "MUST")
        rule = f" — {_cell(v.rule)}" if v.rule else ""
        lines.append(
            f"| `{v.name}` | {v.family} | {r.version} | {_cell(v.defect)}{args}{rule} | {level} | {intended} "
            f"| {_fired(r)} | {r.run.exit_code} | {verdict(r)} |"
        )
    return lines


def zeep_table(results: list[VariantRun], zeep: dict[str, ZeepVerdict]) -> tuple[list[str], int, list[str]]:
    """The cross-check table, the number of agreements, and any zeep expectation the run contradicted."""
    lines = ["| variant | suite | zeep | agree | why they differ |", "|---|---|---|---|---|"]
    agree, stale = 0, []
    for v in VARIANTS:
        ran = [r for r in results if r.variant is v]
        suite_flags = any(r.run.exit_code != 0 or r.run.advised for r in ran)
        z = zeep[v.name]
        same = suite_flags == z.raised
        agree += same
        if z.raised != v.zeep_flags:
            stale.append(f"`{v.name}`: expected zeep to {'raise' if v.zeep_flags else 'pass'}; it did not")
        suite_text = "OK (exit 0)"
        if suite_flags:
            suite_text = "flagged (exit 1)" if any(r.run.exit_code for r in ran) else "advisory (exit 0)"
        zeep_text = f"raised: {_cell(z.detail)}" if z.raised else "OK"
        why = _cell(v.zeep) if not same else ("both miss it: the known gap above" if v.gap else "")
        lines.append(f"| `{v.name}` | {suite_text} | {zeep_text} | {'yes' if same else 'no'} | {why} |")
    return lines, agree, stale


def render(
    results: list[VariantRun],
    zeep: dict[str, ZeepVerdict],
    seconds: float,
    workers: int,
    load: float,
    extra: tuple[str, ...] = (),
) -> str:
    defective = [r for r in results if not r.variant.conformant]
    conformant = [r for r in results if r.variant.conformant]
    caught = [r for r in defective if r.caught]
    gaps = [v for v in DEFECTIVE if v.gap]
    zeep_lines, agree, stale = zeep_table(results, zeep)
    example = " ".join(command("<variant url>", "1.1", Path("<tmp>/report"), extra))
    example = example.replace(sys.executable, "python")
    out = [
        "# Suite strength",
        "",
        f"*Generated by `python -m tests.strength.table{''.join(' ' + a for a in extra)}` from a real run; do not "
        "edit by hand.*",
        "",
        "The conformance suite is only as good as what it catches, and it must never cry wolf. Each defective",
        "variant below is the embedded reference endpoint (the suite's model of SuperOffice: WCF",
        "`basicHttpBinding`'s answers and SuperOffice's `Succeeded`/`ExceptionInfo`) with **exactly one** defect",
        "injected (`tests/strength/mutants.py`, catalogue in `tests/strength/variants.py`); each conformant variant",
        "differs only in a way the rules allow, and one is a real third-party SOAP stack (spyne). Every one is",
        "served on a free loopback port and the real command line runs against it as a configured endpoint:",
        "",
        "```",
        f"CONFORMANCE_TICKET=… {example} [extra args]",
        "```",
        "",
        "Each defect is classified by the level of the rule it breaks. A **MUST** defect counts as *caught* when",
        "the run exits 1 **and** `summary.json` holds a violation from its intended check (other checks may fire",
        "too: one broken thing seldom breaks only one rule). A **SHOULD** defect counts as caught when the run",
        "exits 0 (a SHOULD never fails a run without `--strict`) **and** `summary.json` holds an advisory from its",
        "intended check. A conformant variant must exit 0 with no violation (advisories are listed).",
        "`tests/strength/test_suite_strength.py` asserts exactly this for every row, in CI.",
        "",
        "## Result",
        "",
        f"- Defective variants: **{len(caught)}/{len(defective)}** runs caught by their intended check at their "
        f"level ({sum(r.variant.level != ADVISORY for r in caught)} MUST: exit 1; "
        f"{sum(r.variant.level == ADVISORY for r in caught)} SHOULD: an advisory, exit 0)"
        + (f" ({len(gaps)} known gap{'s' if len(gaps) > 1 else ''}, below)." if gaps else "."),
        f"- Conformant variants: **{sum(r.caught for r in conformant)}/{len(conformant)}** runs pass (exit 0, no "
        "violation): no false alarm.",
        f"- {len(results)} runs in {seconds:.0f} s with {workers} at a time on {os.cpu_count()} cores, load average "
        f"{load:.1f} at the start (Python {platform.python_version()}, hypothesis seed {SEED}).",
        "",
        "## Matrix",
        "",
        "Intended checks that reported are in bold; *(advisory)* marks a SHOULD-level report.",
        "",
        *matrix_table(results),
        "",
    ]
    if gaps:
        out += ["## Known gaps", ""]
        out += [f"- `{v.name}` ({', '.join(v.checks)}): {v.gap}." for v in gaps]
        out += [""]
    out += [
        "## Cross-check: zeep",
        "",
        f"zeep {dist_version('zeep')} loads the WSDL from `<url>?wsdl` and makes {len(CALLS)} valid Reject calls",
        "with the reference ticket in `Credentials` (every `RecurrenceUpdateMode`, master and occurrence ids, an",
        "empty reason, `&`/`<`, Japanese, an emoji, 4,000 characters). Its verdict is whether any call raised.",
        "The WSDL binds SOAP 1.1 only, so zeep always speaks 1.1. zeep is a lenient consumer, as real clients",
        "are: disagreement is expected wherever a defect does not stop a client from getting *an* answer.",
        "",
        f"Agreement: **{agree}/{len(VARIANTS)}** variants. Both accept the reference endpoint.",
        "",
        *zeep_lines,
        "",
    ]
    if stale:
        out += ["Expectations this run contradicted (update `variants.py`):", ""]
        out += [f"- {s}" for s in stale] + [""]
    out += [
        "What the disagreements say: a client library notices a defect only when it cannot turn the answer into",
        "a result — a transport error, a body that is not XML, a fault. Everything that still parses (a wrong",
        "element, a wrong status with a readable envelope, an inconsistent `Succeeded`, a server that accepts",
        "what it should refuse or ignores credentials) passes straight through to application code. That is the",
        "gap the conformance suite exists to close.",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.strength.table", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "suite-strength.md")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="suite runs at a time")
    parser.add_argument("--concurrency", type=int, default=1, help="every run with --concurrency N")
    args = parser.parse_args(argv)
    extra = ("--concurrency", str(args.concurrency)) if args.concurrency > 1 else ()
    load, start = os.getloadavg()[0], time.perf_counter()
    results = run_all(runs(), args.workers, extra)
    seconds = time.perf_counter() - start
    zeep = zeep_all(VARIANTS)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results, zeep, seconds, args.workers, load, extra), encoding="utf-8")
    bad = [r for r in results if not r.caught and not r.variant.gap]
    for r in bad:
        print(r.explain(), file=sys.stderr)
    print(f"wrote {args.out}: {len(results)} runs in {seconds:.0f} s, {len(bad)} unexpected")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
