"""Finishing touches on the Allure result files of a run, once every test (on any xdist worker) has written its
own: the documented result format is plain JSON, one ``*-result.json`` per test.

A test marks itself with a label while it runs; here the label becomes what Allure's categories and statuses can
see: a passing test with advisories gets a status message (the *Advisories* category matches on messages), so does
one that could not restore an appointment (*Setup problems*), and a test that was running when the run was
interrupted becomes *broken*, with a message saying so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

EPIC = "Services82 Appointment.Reject"  # every result's epic and parent suite (the drift report's too)
FEATURES = {
    "fixture": "Fixtures",
    "coverage": "Coverage",
    "negative": "Negative input",
    "auth": "Authentication",
    "generated": "Generated (hypothesis)",
    "documentation": "Documentation findings",
}
ADVISORY_LABEL = "conformance_advisory"  # a passing test's advisories (already redacted)
INTERRUPTED_LABEL = "conformance_interrupted"  # the test that was running when Ctrl-C came
NODE_LABEL = "conformance_node"  # the test's pytest node id
SETUP_LABEL = "conformance_setup_problem"  # a passing test that could not leave staging as it found it
SETUP_PREFIX = "setup problem: "
ADVISORY_PREFIX = "advisory: "
INTERRUPTED_MESSAGE = (
    "interrupted: the run was stopped (Ctrl-C / SIGINT) while this case was running; its outcome is unknown"
)


def rewrite_results(alluredir: Path, change: Callable[[dict[str, Any]], bool]) -> int:
    """Apply ``change(result)`` to every result file (it says whether it changed it); how many were changed."""
    changed = 0
    for path in alluredir.glob("*-result.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if change(data):
            path.write_text(json.dumps(data), encoding="utf-8")
            changed += 1
    return changed


def _rewrite(alluredir: Path, change: Callable[[dict[str, Any], list[str]], bool], label: str) -> int:
    """Apply ``change(result, values of label)`` to every result carrying ``label``; how many were changed."""

    def labelled(data: dict[str, Any]) -> bool:
        values = [lab["value"] for lab in data.get("labels", []) if lab.get("name") == label]
        return bool(values) and change(data, values)

    return rewrite_results(alluredir, labelled)


def mark_advisories(alluredir: Path) -> int:
    """Give each passing result that carries advisories a status message, so the *Advisories* category holds it."""

    def change(data: dict[str, Any], advisories: list[str]) -> bool:
        if data.get("status") != "passed" or data.get("statusDetails", {}).get("message"):
            return False
        data["statusDetails"] = {"message": ADVISORY_PREFIX + "\n".join(advisories)}
        return True

    return _rewrite(alluredir, change, ADVISORY_LABEL)


def mark_setup_problems(alluredir: Path) -> int:
    """Give each passing result that could not restore an appointment a status message, so the *Setup problems*
    category holds it (the endpoint's contract is not in question: the run's cleanup is)."""

    def change(data: dict[str, Any], problems: list[str]) -> bool:
        if data.get("status") != "passed":
            return False
        data["statusDetails"] = {"message": SETUP_PREFIX + "\n".join(problems)}
        return True

    return _rewrite(alluredir, change, SETUP_LABEL)


def mark_interrupted(alluredir: Path, running: Iterable[str] = ()) -> int:
    """Turn the result of each test that was running when the run was interrupted into *broken*: those that
    labelled themselves, and those the controller saw running (``running``: node ids), whose label Ctrl-C may
    have beaten (it can land between a test's phases); a running test without any result gets one."""

    def change(data: dict[str, Any], _values: list[str]) -> bool:
        data["status"] = "broken"
        data["statusDetails"] = {"message": INTERRUPTED_MESSAGE}
        _file_under_phase(data)
        return True

    changed = _rewrite(alluredir, change, INTERRUPTED_LABEL)
    waiting = set(running)
    names = {nodeid.rsplit("::", 1)[-1]: nodeid for nodeid in running}
    for path in alluredir.glob("*-result.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        # the test's node id label, or (cut short before it labelled itself) allure-pytest's name for it
        node = next((lab.get("value") for lab in data.get("labels", []) if lab.get("name") == NODE_LABEL), None)
        nodeid = node if node in waiting else names.get(data.get("name"))
        if nodeid is None or nodeid not in waiting:
            continue
        waiting.discard(nodeid)
        if data.get("status") not in ("broken", "failed"):
            change(data, [])
            data.setdefault("fullName", nodeid)  # cut short before allure-pytest named it
            path.write_text(json.dumps(data), encoding="utf-8")
            changed += 1
    for nodeid in sorted(waiting):  # running, and no result at all
        _write_broken(alluredir, nodeid.rsplit("::", 1)[-1], nodeid)
        changed += 1
    return changed


def phase_labels(phase: str, version: str) -> dict[str, str]:
    """The labels that file a result under its phase: Behaviors (epic, feature) and Suites (parent suite, suite,
    and a sub-suite per SOAP version; ``-``: the documents)."""
    feature = FEATURES.get(phase, phase)
    sub_suite = f"SOAP {version}" if version != "-" else "documents"
    return {"epic": EPIC, "feature": feature, "parentSuite": EPIC, "suite": feature, "subSuite": sub_suite}


def _file_under_phase(data: dict[str, Any]) -> None:
    """A case Ctrl-C cut short while it was being labelled: its phase, suite and name from its parameters (the
    case id, the SOAP version), so it sits in its phase like every other result."""
    params = {p.get("name"): p.get("value") for p in data.get("parameters", [])}
    case = params.get("conformance_case")
    labels = data.get("labels", [])
    if not case or any(label.get("name") == "suite" for label in labels):
        return
    wanted = phase_labels(case.split("/", 1)[0], params.get("SOAP version", "-"))
    kept = [label for label in labels if label.get("name") not in wanted]
    data["labels"] = kept + [{"name": name, "value": value} for name, value in wanted.items()]
    data["name"] = case


def _write_broken(alluredir: Path, name: str, nodeid: str) -> None:
    import hashlib
    import time
    import uuid

    now = int(time.time() * 1000)
    record = {
        "uuid": str(uuid.uuid4()),
        "historyId": hashlib.md5(nodeid.encode()).hexdigest(),
        "name": name,
        "fullName": nodeid,
        "status": "broken",
        "statusDetails": {"message": INTERRUPTED_MESSAGE},
        "stage": "finished",
        "start": now,
        "stop": now,
        "labels": [{"name": "framework", "value": "conformance"}],
    }
    (alluredir / f"{record['uuid']}-result.json").write_text(json.dumps(record), encoding="utf-8")


def write_login(results_dir: Path, how: str, exchange_text: str) -> Path:
    """One Allure result for the run's login (the documented result format), the exchange attached, redacted
    by the caller: QA sees how the run authenticated and what SoPrincipal.svc answered, never a secret."""
    return _write_result(
        results_dir,
        "login",
        f"The run authenticated by {how}.",
        ("Authentication", "login through SoPrincipal.svc"),
        {"login exchange (redacted)": exchange_text},
    )


def write_overview(results_dir: Path, title: str, description: str, attachments: dict[str, str]) -> Path:
    """The run at a glance, as one result of its own (Allure has no run-level attachments): the check × outcome
    table and the run's settings (never a secret)."""
    return _write_result(results_dir, title, description, ("Run", "overview"), attachments, "conformance.overview")


def _write_result(
    results_dir: Path,
    name: str,
    description: str,
    where: tuple[str, str],
    attachments: dict[str, str],
    full_name: str = "",
) -> Path:
    import hashlib
    import time
    import uuid

    results_dir.mkdir(parents=True, exist_ok=True)
    full_name = full_name or f"conformance.{name}"
    files = []
    for title, text in attachments.items():
        source = f"{uuid.uuid4()}-attachment.txt"
        (results_dir / source).write_text(text, encoding="utf-8")
        files.append({"name": title, "source": source, "type": "text/plain"})
    now = int(time.time() * 1000)
    history = hashlib.md5(full_name.encode()).hexdigest()
    feature, story = where
    record = {
        "uuid": str(uuid.uuid4()),
        "historyId": history,
        "testCaseId": history,
        "name": name,
        "fullName": full_name,
        "status": "passed",
        "stage": "finished",
        "start": now,
        "stop": now,
        "description": description,
        "labels": [
            {"name": "epic", "value": "Services82 Appointment.Reject"},
            {"name": "feature", "value": feature},
            {"name": "story", "value": story},
            {"name": "suite", "value": feature},
            {"name": "framework", "value": "conformance"},
        ],
        "attachments": files,
    }
    path = results_dir / f"{record['uuid']}-result.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path
