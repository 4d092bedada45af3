"""The run's closing section in the terminal: the per-check table (passed / failed / advisory / n/a), findings
grouped by check, advisories, skips, documentation findings and the totals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..checks import REGISTRY, TRANSPORT
from .exit_codes import EXIT_USAGE


def summary_lines(
    data: dict[str, Any], summary_path: Path, interrupted_note: str | None = None, *, setup_line: bool = True
) -> list[str]:
    """The lines of the terminal summary, from the data written to ``summary.json``; ``setup_line`` false: the
    caller prints the setup problem itself (``conformance run``: one line on stderr)."""
    head = f"endpoint: {data['endpoint']}   SOAP {data['soap_version']}   exchanges: {data['exchanges']}"
    if data.get("in_flight", 1) > 1:  # --concurrency (and --workers): say so, it changes the endpoint's load
        head += f"   in flight: up to {data['in_flight']}"
    lines = [head]
    lines += check_table(data)
    lines += [f"{finding['finding'][:170]}…" for finding in data["documentation_findings"]]
    lines += [f"skipped: {s['test'].split('::')[-1]}: {s['reason'][:140]}" for s in data["skipped_cases"]]
    lines += grouped_findings(data["findings"])
    strict = data.get("strict")
    lines += grouped_findings(data["advisories"], label="FAILED (--strict) advisory" if strict else "ADVISORY")
    if data["findings"] or data["advisories"]:
        lines.append(f"every finding, with its reproduction: {summary_path}")
    lines += [f"note: {note}" for note in data.get("notes", [])]
    if data.get("sent_not_reported"):
        lines.append(f"note: {unreported_note(data['sent_not_reported'])}")
    lines += appointment_lines(data)
    problems = data.get("setup_problems") or []
    if problems and setup_line:  # the exit code is 2 (README): say why next to the totals
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        code = "" if data.get("interrupted") else f"; exit code {EXIT_USAGE}"  # interrupted: 130 whatever else
        lines.append(f"SETUP PROBLEM: {problems[0].removeprefix('setup problem: ')}{more}{code}")
    if data.get("interrupted") and interrupted_note:
        lines.append(f"INTERRUPTED: {interrupted_note}; the reports hold what finished before")
    advisories = len(data["advisories"])
    lines.append(
        f"passed {data['passed']}, failed {data['failed']}, skipped {data['skipped']}, advisories {advisories}"
        + ("" if strict or not advisories else " (SHOULD rules: not failed; --strict fails them)")
        + f", documentation findings {len(data['documentation_findings'])}"
    )
    return lines


def unreported_note(cases: list[str], shown: int = 5) -> str:
    """Cases sent ahead (``--concurrency``) whose tests never ran: they reached the endpoint, and no report has
    them otherwise."""
    more = f" (+{len(cases) - shown} more)" if len(cases) > shown else ""
    return (
        f"{len(cases)} case(s) were sent ahead (--concurrency) and not reported, because the run stopped before "
        f"their tests: {', '.join(cases[:shown])}{more}; what they did to the allow-listed appointments was "
        "observed and, with restore on, put back as for any case"
    )


def check_table(data: dict[str, Any]) -> list[str]:
    """Each check × passed / failed / advisory / n/a, over every exchange of the run."""
    lines = [f"{'check':<22}{'passed':>8}{'failed':>8}{'advisory':>10}{'n/a':>8}"]
    for name in [TRANSPORT, *REGISTRY]:
        counts = data["checks"].get(name, {})
        if name == TRANSPORT and not counts.get("failed"):
            continue
        mark = "  <-- " if counts.get("failed") else ("  <-- advisory" if counts.get("advisory") else "")
        lines.append(
            f"{name:<22}{counts.get('passed', 0):>8}{counts.get('failed', 0):>8}{counts.get('advisory', 0):>10}"
            f"{counts.get('not-applicable', 0):>8}{mark}"
        )
    return lines


def grouped_findings(findings: list[dict[str, object]], examples: int = 3, label: str = "FAILED") -> list[str]:
    """One block per check: how many cases, one full message, and a few case ids."""
    by_check: dict[str, list[dict[str, object]]] = {}
    for finding in findings:
        by_check.setdefault(str(finding["check"]), []).append(finding)
    lines = []
    for check, items in by_check.items():
        cases = [str(i["case"]) for i in items]
        more = f" (+{len(cases) - examples} more)" if len(cases) > examples else ""
        lines.append(f"{label} {check} in {len(cases)} case(s): {', '.join(cases[:examples])}{more}")
        lines.append(f"    {items[0]['message']}")
    return lines


def appointment_lines(data: dict[str, Any]) -> list[str]:
    """The allow-listed appointments as found and as left (a configured endpoint), and what could not be restored."""
    lines = []
    states = data.get("appointments") or []
    if states:
        shown = ", ".join(
            f"{a['id']} {a['start']} → {a.get('end') or 'not read'}" for a in states if not a.get("unfit")
        )
        lines.append(f"appointments (found → left): {shown or 'none usable'}")
        if any(a.get("end") is None for a in states if not a.get("unfit")):  # Ctrl-C: no end-of-run reads
            lines.append("  (not read: the run was interrupted before the end-of-run reads; read them yourself)")
        if any(a.get("end") == "Accepted" and a.get("start") != "Accepted" for a in states):
            lines.append(f"  ({data.get('appointments_note', '')})")
    lines += [f"not used: appointment {a['id']}: {a['unfit']}" for a in states if a.get("unfit")]
    if data.get("series_note"):
        lines.append(f"note: {data['series_note']}")
    lines += [f"SETUP PROBLEM: {problem}" for problem in data.get("restore_problems", [])]
    return lines
