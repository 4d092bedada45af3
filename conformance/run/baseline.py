"""Baselines: each case's outcome saved in a reviewable file, and what is new, fixed or changed since then.

The baseline is JSON with sorted keys, two-space indentation, no timestamps and one entry per case, so that it
can live in version control and a diff of two baselines reads as a diff of behaviour::

    {"format": 1,
     "run": {"endpoint": "…", "soap_version": "1.1", "suite_version": "…"},
     "cases": {"coverage/id-101-OnlyThis": {"fault_code": null, "findings": [], "generated": false,
                                            "outcome_class": "accepted", "request_digest": "8eee7b12ab6a1c41"}}}

A finding is identified by its case and check (a check reports at most once per case). Comparing a run with a
baseline gives, per case: **new** findings (not in the baseline), **fixed** findings (in the baseline, gone),
and **changed** outcome class, fault code or (deterministic cases only) finding message. Generated (hypothesis)
cases are one entry per property; their request digest and example-dependent messages differ from run to run
and are not compared. A deterministic case whose request digest differs is listed as not like-for-like (the
suite, its fixtures or its settings changed) but its outcomes are still compared (its effect is not).

A deterministic case whose Reject was observed also keeps its **effect**: per observed appointment (the addressed
one, the earlier and later occurrences of its series) how ``InvitationStatus``, ``RejectReason`` and
``RejectCounter`` changed, with what depends on the run normalised (``reporting/effects.py``). A different effect
is a *changed* case even where no rule is broken: same call, same starting state, different effect.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BaselineError

FORMAT = 1
_PORT = re.compile(r"\b(127\.0\.0\.1|localhost|\[::1\]):\d+")
_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s?(ms|s)\b")


def from_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The baseline document of a run, from its ``summary.json`` data."""
    cases = {}
    for record in summary.get("cases", []):
        generated = record.get("phase") == "generated"
        findings = [{"check": f.get("check"), "message": f.get("message")} for f in record.get("findings", [])]
        cases[record["case"]] = {
            "request_digest": None if generated else record.get("request_digest"),
            "outcome_class": record.get("outcome_class"),
            "fault_code": record.get("fault_code"),
            "findings": sorted(findings, key=lambda f: (str(f["check"]), str(f["message"]))),
            "generated": generated,
        }
        if not generated and record.get("effect") is not None:
            cases[record["case"]]["effect"] = record["effect"]
    run = {k: summary.get(k) for k in ("endpoint", "soap_version", "suite_version")}
    return {"format": FORMAT, "run": run, "cases": cases}


def dumps(baseline: dict[str, Any]) -> str:
    return json.dumps(baseline, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def save(summary: dict[str, Any], path: Path) -> dict[str, Any]:
    baseline = from_summary(summary)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(baseline), encoding="utf-8")
    return baseline


def load(path: Path) -> dict[str, Any]:
    """A baseline file, checked for the expected shape."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline {path} does not exist (write one with --save-baseline {path})") from None
    except (OSError, ValueError) as exc:
        raise BaselineError(f"baseline {path} is not readable JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("cases"), dict):
        raise BaselineError(f"baseline {path} is not a format-{FORMAT} baseline written by --save-baseline")
    return data


@dataclass
class CaseDiff:
    case: str
    new: list[dict[str, str]] = field(default_factory=list)
    fixed: list[dict[str, str]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.new or self.fixed or self.changed)


@dataclass
class BaselineDiff:
    cases: list[CaseDiff] = field(default_factory=list)
    added_cases: list[str] = field(default_factory=list)  # run now, not in the baseline
    missing_cases: list[str] = field(default_factory=list)  # in the baseline, not run now (skipped, removed)
    request_changed: list[str] = field(default_factory=list)  # deterministic cases that sent different bytes
    notes: list[str] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(len(c.new) for c in self.cases)

    @property
    def fixed(self) -> int:
        return sum(len(c.fixed) for c in self.cases)

    @property
    def changed(self) -> int:
        return sum(len(c.changed) for c in self.cases)

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "fixed": self.fixed,
            "changed": self.changed,
            "cases": {c.case: {k: v for k, v in asdict(c).items() if k != "case"} for c in self.cases},
            "added_cases": self.added_cases,
            "missing_cases": self.missing_cases,
            "request_changed": self.request_changed,
            "notes": self.notes,
        }


def compare(baseline: dict[str, Any], current: dict[str, Any]) -> BaselineDiff:
    """What ``current`` (a baseline document of this run) changes relative to ``baseline``."""
    diff = BaselineDiff()
    for key in ("endpoint", "soap_version"):
        before, after = baseline.get("run", {}).get(key), current.get("run", {}).get(key)
        if _normalise(str(before)) != _normalise(str(after)):
            diff.notes.append(f"the baseline was recorded with {key} {before!r}; this run used {after!r}")
    old, now = baseline["cases"], current["cases"]
    diff.added_cases = sorted(set(now) - set(old))
    diff.missing_cases = sorted(set(old) - set(now))
    for case in sorted(set(old) | set(now)):
        if case in diff.missing_cases:
            continue
        case_diff = _compare_case(case, old.get(case), now[case])
        if case_diff:
            diff.cases.append(case_diff)
        if case in old and not now[case].get("generated"):
            if old[case].get("request_digest") != now[case].get("request_digest"):
                diff.request_changed.append(case)
    return diff


def _compare_case(case: str, before: dict[str, Any] | None, after: dict[str, Any]) -> CaseDiff:
    result = CaseDiff(case)
    old_findings = {f["check"]: f["message"] for f in (before or {}).get("findings", [])}
    new_findings = {f["check"]: f["message"] for f in after.get("findings", [])}
    result.new = [{"check": k, "message": v} for k, v in sorted(new_findings.items()) if k not in old_findings]
    result.fixed = [{"check": k, "message": v} for k, v in sorted(old_findings.items()) if k not in new_findings]
    if before is None:
        return result
    for key, label in (("outcome_class", "outcome class"), ("fault_code", "fault code")):
        if before.get(key) != after.get(key):
            result.changed.append({"field": label, "baseline": before.get(key), "current": after.get(key)})
    # a baseline without effects has no opinion; nor has one whose case sent another request (another id, after a
    # suite upgrade): a different call's different effect says nothing about the endpoint
    same_call = before.get("request_digest") == after.get("request_digest")
    if "effect" in before and same_call and before.get("effect") != after.get("effect"):
        result.changed.append({"field": "effect", "baseline": before.get("effect"), "current": after.get("effect")})
    if not after.get("generated"):
        for check in sorted(set(old_findings) & set(new_findings)):
            if _normalise(old_findings[check]) != _normalise(new_findings[check]):
                result.changed.append(
                    {"field": f"finding [{check}]", "baseline": old_findings[check], "current": new_findings[check]}
                )
    return result


def _normalise(message: str | None) -> str:
    """A finding message without what varies between identical runs: loopback ports, durations."""
    return _DURATION.sub("N \\1", _PORT.sub("\\1:PORT", message or ""))


def render(diff: BaselineDiff, baseline_path: Path | str) -> str:
    """The comparison for the terminal, grouped per case."""
    lines = [f"baseline comparison with {baseline_path}"]
    lines += [f"  note: {note}" for note in diff.notes]
    for case in diff.cases:
        lines.append(f"  {case.case}")
        for change in case.changed:
            if change["field"] == "effect":
                lines += [
                    f"    changed  effect: {line}" for line in _effect_changes(change["baseline"], change["current"])
                ]
            else:
                lines.append(f"    changed  {change['field']}: {change['baseline']} → {change['current']}")
        lines += [f"    new      {f['message']}" for f in case.new]
        lines += [f"    fixed    {f['message']}" for f in case.fixed]
    if diff.added_cases:
        lines.append(f"  cases not in the baseline ({len(diff.added_cases)}): {', '.join(diff.added_cases)}")
    if diff.missing_cases:
        lines.append(f"  baseline cases not run now ({len(diff.missing_cases)}): {', '.join(diff.missing_cases)}")
    if diff.request_changed:
        lines.append(
            f"  {len(diff.request_changed)} case(s) sent a different request than in the baseline (suite, fixtures "
            f"or settings changed), outcomes compared anyway, effects not: {', '.join(diff.request_changed[:10])}"
            + (" …" if len(diff.request_changed) > 10 else "")
        )
    lines.append(f"{diff.new} new, {diff.fixed} fixed, {diff.changed} changed")
    return "\n".join(lines) + "\n"


def _effect_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """Per observed appointment and field, how the effect differs: ``later occurrence 202 InvitationStatus:
    unchanged, now → Declined``."""
    before, after = before or {}, after or {}
    lines = []
    for role in sorted(set(before) | set(after)):
        old, new = before.get(role) or {}, after.get(role) or {}
        if not old or not new:
            lines.append(
                f"{role}: {'not observed' if not old else old} before, {'not observed' if not new else new} now"
            )
            continue
        lines += [
            f"{role} {k}: {old.get(k)}, now {new.get(k)}"
            for k in sorted(set(old) | set(new))
            if old.get(k) != new.get(k)
        ]
    return lines


def write_diff(diff: BaselineDiff, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(diff.as_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
