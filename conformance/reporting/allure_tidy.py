"""The last pass over a run's Allure results: stable identities, and a layout a QA engineer can act on.

Allure groups a category's results by their message, and keeps a test's history by its ``historyId``. So, for each
test of the suite (it labelled itself with its pytest node id while it ran):

- the message is the findings only, one ``[check] expected …; got …; at …; rule …`` line each, the root cause
  first; the case, the notes and the reproduction move to the trace (shown once, under the message);
- Behaviors: feature = phase, story = each check the test broke (or ``conforms``), severity decided by the check;
- ``historyId`` from the node id and the SOAP version alone, the same whether the test passes or fails;
  parameters as plain text (no Python reprs, no memory addresses); a clean package name.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from ..checks import REGISTRY, TRANSPORT
from .allure_results import ADVISORY_LABEL, NODE_LABEL, rewrite_results

FINDING_LABEL = "conformance_finding"  # one per finding of a failing test, ``[check] …`` (redacted)
PACKAGE = "conformance.suite.test_reject"
PASSED_STORY = "conforms"
ROOT_FIRST = (TRANSPORT, "well-formed", "envelope-version")  # what makes the other findings mere symptoms
BLOCKER = ("auth-enforced", "effect-unchanged", "effect-declined")  # a run that must not be certified
_CHECK = re.compile(r"^\[([a-z0-9-]+)\]")
_REPR = re.compile(r" at 0x[0-9a-f]+|^[A-Z][A-Za-z]+\(")


def check_of(line: str) -> str | None:
    match = _CHECK.match(line.strip())
    return match.group(1) if match else None


def root_cause_first(findings: list[str]) -> list[str]:
    """Findings ordered as a QA engineer should read them: transport and well-formedness (the cause) before the
    checks they make fail (symptoms), then the blockers, then in report order. Allure files a result under the
    first category that matches, i.e. under its first finding's check."""
    order: dict[str, int] = {}
    for name in [*ROOT_FIRST, *BLOCKER, *REGISTRY]:
        order.setdefault(name, len(order))
    return sorted(findings, key=lambda line: order.get(check_of(line) or "", len(order)))


def severity(checks: list[str], levels: list[str]) -> str:
    """Decided by the checks that failed, the same in every phase: blocker, critical (a MUST), minor (a SHOULD
    failed under ``--strict``)."""
    if any(check in BLOCKER for check in checks):
        return "blocker"
    return "critical" if "MUST" in levels or not levels else "minor"


def history_id(node: str, version: str) -> str:
    return hashlib.md5(f"{node}|SOAP {version}".encode()).hexdigest()


def plain(value: str) -> str:
    """A parameter value as text: allure-pytest shows strings as Python reprs (``'1.1'``)."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def tidy(alluredir: Path, version: str) -> int:
    """Rewrite every result of the suite in ``alluredir``; how many were rewritten."""
    _drop_anonymous_teardowns(alluredir)
    return rewrite_results(alluredir, lambda data: tidy_result(data, version))


def tidy_result(data: dict[str, Any], version: str) -> bool:
    labels: list[dict[str, str]] = data.get("labels", [])
    node = next((lab["value"] for lab in labels if lab.get("name") == NODE_LABEL), None)
    if node is None:
        return False
    findings = root_cause_first([lab["value"] for lab in labels if lab.get("name") == FINDING_LABEL])
    data["historyId"] = history_id(node, version)
    data["parameters"] = [
        {**p, "value": plain(str(p.get("value", "")))}
        for p in data.get("parameters", [])
        if not _REPR.search(plain(str(p.get("value", ""))))
    ]
    function = node.split("::")[-1].split("[", 1)[0]
    data["fullName"] = f"{PACKAGE}#{function}"
    kept = [lab for lab in labels if lab.get("name") not in ("package", "story", "severity", NODE_LABEL, FINDING_LABEL)]
    kept.append({"name": "package", "value": PACKAGE})
    status = data.get("status")
    if status == "failed" and findings:
        checks = [c for c in map(check_of, findings) if c]
        levels = re.findall(r"\((MUST|SHOULD)\)\s*$", "\n".join(findings), re.MULTILINE)
        kept += [{"name": "story", "value": check} for check in dict.fromkeys(checks)]
        kept.append({"name": "severity", "value": severity(checks, levels)})
        details = data.setdefault("statusDetails", {})
        context = [_portable(line) for line in _text(details) if line.strip() not in findings and line.strip()]
        details["message"] = "\n".join(findings)
        details["trace"] = "\n".join(context)
    elif status == "passed":
        advised = [check_of(lab["value"]) for lab in labels if lab.get("name") == ADVISORY_LABEL]
        stories = [f"{check} (advisory)" for check in dict.fromkeys(advised) if check] or [PASSED_STORY]
        kept += [{"name": "story", "value": story} for story in stories]
        kept.append({"name": "severity", "value": "normal"})
    else:
        story = next((lab["value"] for lab in labels if lab.get("name") == "story"), str(status))
        kept.append({"name": "story", "value": story})
        kept.append({"name": "severity", "value": "normal"})
    data["labels"] = kept
    return True


def _portable(line: str) -> str:
    """The run-local reproduction command (a file under this machine's report dir) → the attachment that travels."""
    if line.lstrip().startswith("reproduce: "):
        return "reproduce: see the attachment 'reproduce (curl; secrets from the environment)'"
    return line


def _text(details: dict[str, str]) -> list[str]:
    """The lines of a failure's text, once: allure-pytest writes it as message and again as trace."""
    message = details.get("message", "").removeprefix("Failed: ")
    trace = details.get("trace", "")
    lines = message.splitlines() or trace.splitlines()
    return [line.removeprefix("  ") for line in lines]


def _drop_anonymous_teardowns(alluredir: Path) -> None:
    """pytest's own finalizers of parametrized fixtures show up as ``fixture::<lambda>`` teardown steps with no
    status (a purple *unknown* in the report): they are not the suite's, and say nothing."""
    for path in alluredir.glob("*-container.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        afters = data.get("afters", [])
        kept = [a for a in afters if not (str(a.get("name", "")).endswith("::<lambda>") and not a.get("status"))]
        if len(kept) != len(afters):
            data["afters"] = kept
            path.write_text(json.dumps(data), encoding="utf-8")
