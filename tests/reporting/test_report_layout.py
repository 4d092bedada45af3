"""The Allure report as a QA engineer acts on it: failures grouped by the check that broke, setup problems apart from
contract violations, a reproduction that works from any copy of the report, identities stable across runs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from strength.matrix import command, environment
from strength.variants import VARIANTS

from conformance.checks import REGISTRY
from conformance.reference import REFERENCE_TICKET, ReferenceServer, ReferenceService
from conformance.reporting.allure_tidy import check_of, plain, root_cause_first, tidy_result

RENAMED = {v.name: v for v in VARIANTS}["response-element-renamed"]


def run(url: str, out: Path, *extra: str, ticket: str = REFERENCE_TICKET) -> subprocess.CompletedProcess[str]:
    env = {**environment(), "CONFORMANCE_TICKET": ticket}
    return subprocess.run(
        command(url, "1.1", out, extra), env=env, cwd=out.parent, capture_output=True, text=True, timeout=300
    )


def results(out: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in (out / "allure-results").glob("*-result.json")]


def suite_tests(out: Path) -> list[dict[str, Any]]:
    return [r for r in results(out) if r["fullName"].startswith("conformance.suite.")]


@pytest.fixture(scope="module")
def defective(tmp_path_factory: pytest.TempPathFactory):
    """One run against an endpoint that answers every Reject with RejectResult instead of RejectResponse."""
    server = RENAMED.start("1.1")
    out = tmp_path_factory.mktemp("defective") / "out"
    done = run(server.url, out)
    yield server, out, done
    server.stop()


def test_failures_group_by_the_check_that_broke(defective):
    _server, out, done = defective
    assert done.returncode == 1, done.stdout[-2000:]
    failed = [r for r in suite_tests(out) if r["status"] == "failed"]
    assert len(failed) > 10
    messages = {r["statusDetails"]["message"] for r in failed}
    assert len(messages) == 1, messages  # one defect, one group: no case id, no command in the message
    (message,) = messages
    assert message.startswith("[response-element] ") and "curl" not in message and "coverage/" not in message
    for result in failed:  # the case and its reproduction are in the trace, once
        trace = result["statusDetails"]["trace"]
        assert "reproduce: " in trace and message not in trace
        labels = {(lab["name"], lab["value"]) for lab in result["labels"]}
        assert ("story", "response-element") in labels and ("severity", "critical") in labels
    categories = json.loads((out / "allure-results" / "categories.json").read_text())
    names = [c["name"] for c in categories]
    assert all(name in names for name in REGISTRY)
    by_check = next(c for c in categories if c["name"] == "response-element")
    import re

    assert all(re.fullmatch(by_check["messageRegex"].removeprefix("(?s)"), m, re.DOTALL) for m in messages)
    other = next(c for c in categories if c["name"] == "positive-acceptance")
    assert not any(re.fullmatch(other["messageRegex"].removeprefix("(?s)"), m, re.DOTALL) for m in messages)


def test_parameters_are_plain_text_and_xml_is_xml(defective):
    _server, out, _done = defective
    for result in suite_tests(out):
        assert result["fullName"].startswith("conformance.suite.test_reject#")
        assert ("package", "conformance.suite.test_reject") in {(lab["name"], lab["value"]) for lab in result["labels"]}
        for parameter in result.get("parameters", []):
            value = parameter["value"]
            assert " at 0x" not in value and not value.startswith(("'", "Case(", "DocCheck(")), parameter
    attachments = [a for r in suite_tests(out) for a in r.get("attachments", [])]
    assert {a["type"] for a in attachments if a["name"] == "request"} == {"application/xml"}
    assert "application/xml" in {a["type"] for a in attachments if a["name"] == "response"}  # (empty 4xx: text)
    containers = [json.loads(p.read_text()) for p in (out / "allure-results").glob("*-container.json")]
    assert not [a for c in containers for a in c.get("afters", []) if a["name"].endswith("::<lambda>")]


def test_the_reproduction_works_from_a_copy_of_the_report(defective, tmp_path):
    server, out, _done = defective
    copy = tmp_path / "elsewhere"
    shutil.copytree(out / "allure-results", copy)  # the report travels; the run's own folder is gone
    copied = [json.loads(p.read_text()) for p in copy.glob("*-result.json")]
    result = next(r for r in copied if r["status"] == "failed" and "negative" not in r["fullName"])
    source = next(a["source"] for a in result["attachments"] if a["name"].startswith("reproduce"))
    script = (copy / source).read_text()
    assert str(out) not in script and REFERENCE_TICKET not in script
    done = subprocess.run(
        ["bash", "-c", script],
        env={"PATH": "/usr/bin:/bin", "CONFORMANCE_TICKET": REFERENCE_TICKET},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("HTTP/1.") and "RejectResult" in done.stdout  # the defect, reproduced
    assert server.url.startswith("http://127.0.0.1:")


def test_environment_says_how_the_run_was_configured_and_an_overview_has_the_check_table(defective):
    _server, out, _done = defective
    environment_text = (out / "allure-results" / "environment.properties").read_text()
    for key in ("Authentication=", "Appointment.ids=101, 102", "Unused.ids=", "Seed=20240611", "Max.examples=15"):
        assert key in environment_text, key
    assert REFERENCE_TICKET not in environment_text
    (overview,) = [r for r in results(out) if r["fullName"] == "conformance.overview"]
    assert overview["name"].startswith("run overview: ") and "failed" in overview["name"]
    table = next(a for a in overview["attachments"] if a["name"] == "checks × outcomes")
    text = (out / "allure-results" / table["source"]).read_text()
    assert "response-element" in text and "<--" in text


def test_every_test_keeps_its_history_whether_it_passes_or_fails(defective, tmp_path):
    """The same tests against a healthy endpoint and a broken one: the same historyIds (parameters do not change
    when a test fails), and each unique."""
    _server, out, _done = defective
    healthy = ReferenceServer(ReferenceService()).start()
    try:
        done = run(healthy.url, tmp_path / "out")
    finally:
        healthy.stop()
    assert done.returncode == 0, done.stdout[-2000:]
    broken = {r["historyId"]: r["status"] for r in suite_tests(out)}
    fine = {r["historyId"]: r["status"] for r in suite_tests(tmp_path / "out")}
    assert len(broken) == len(suite_tests(out)) and set(broken) == set(fine)
    assert "failed" in broken.values() and "failed" not in fine.values()


def test_a_ticket_the_endpoint_refuses_is_one_setup_problem_not_dozens_of_violations(tmp_path):
    server = ReferenceServer(ReferenceService()).start()
    try:
        done = run(server.url, tmp_path / "out", ticket="7T:not-a-ticket-the-server-issued")
    finally:
        server.stop()
    assert done.returncode == 2, done.stdout[-2000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["findings"] == [] and summary["setup_problems"]
    assert "not used: appointment 101: setup problem: the run's credentials (ticket) were refused" in done.stdout
    skipped = [r for r in suite_tests(tmp_path / "out") if r["status"] == "skipped"]
    setup = [r for r in skipped if r["statusDetails"]["message"].startswith("Skipped: setup problem: ")]
    assert len(setup) >= 20
    assert not [r for r in skipped if "skipped for safety: appointment" in r["statusDetails"]["message"]]


def test_tidy_puts_the_root_cause_first_and_reads_values_as_text():
    findings = ["[content-type] expected text/xml", "[well-formed] expected XML; got an HTML page"]
    assert [check_of(f) for f in root_cause_first(findings)] == ["well-formed", "content-type"]
    assert plain("'1.1'") == "1.1" and plain("42") == "42"
    data = {
        "status": "failed",
        "statusDetails": {"message": "Failed: case/x (t): 1 violation(s)\n  [http-status] expected 500 (MUST)"},
        "parameters": [{"name": "conformance_doc", "value": "DocCheck(id='a', run=<function f at 0x7f00>)"}],
        "labels": [
            {"name": "conformance_node", "value": "suite/test_reject.py::test_negative[x]"},
            {"name": "conformance_finding", "value": "[http-status] expected 500 (MUST)"},
        ],
    }
    assert tidy_result(data, "1.1")
    assert data["statusDetails"]["message"] == "[http-status] expected 500 (MUST)"
    assert data["statusDetails"]["trace"] == "case/x (t): 1 violation(s)"
    assert data["parameters"] == [] and data["fullName"] == "conformance.suite.test_reject#test_negative"
    assert not tidy_result({"labels": []}, "1.1")  # not a test of the suite: left alone
