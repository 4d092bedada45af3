"""Baselines: a stable, reviewable record of each case's outcome, and per case what is new, fixed or changed."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys

import pytest

from conformance.checks import Expect
from conformance.cli.main import EXIT_OK, EXIT_VIOLATIONS, apply_baseline, main
from conformance.contract.ids import IdPolicy
from conformance.contract.soap import INT32_MAX
from conformance.generation.cases import FIXTURE_DIR, coverage_cases, fixture_cases
from conformance.reference import REFERENCE_ALLOW_LIST, REFERENCE_TICKET, ReferenceServer, ReferenceService
from conformance.reference.store import AppError, AppointmentStore
from conformance.run import baseline

FINDING = {"check": "positive-acceptance", "message": "[positive-acceptance] expected accepted; got Succeeded=false"}


def record(case: str, *, outcome_class="accepted", fault_code=None, digest="d1", findings=(), phase="coverage"):
    record = {
        "case": case,
        "phase": phase,
        "outcome": "failed" if findings else "passed",
        "outcome_class": outcome_class,
        "fault_code": fault_code,
        "findings": list(findings),
    }
    if phase != "generated":
        record["request_digest"] = digest
    return record


def summary(*records, endpoint="embedded reference endpoint"):
    return {"endpoint": endpoint, "soap_version": "1.1", "suite_version": "0", "cases": list(records)}


def diff_of(before, after) -> baseline.BaselineDiff:
    return baseline.compare(baseline.from_summary(before), baseline.from_summary(after))


# --- the file ---------------------------------------------------------------------------------------------


def test_a_saved_baseline_is_sorted_one_entry_per_case_and_identical_for_identical_outcomes(tmp_path):
    records = [
        record("negative/wrong-order", outcome_class="rejected:fault:Client", fault_code="s:Client"),
        record("coverage/id-101-OnlyThis", findings=[FINDING]),
        record("generated/valid-calls-accepted", outcome_class="all-examples-passed", phase="generated"),
    ]
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    baseline.save(summary(*records), first)
    baseline.save(summary(*reversed(records)), second)
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text())
    assert list(data["cases"]) == sorted(data["cases"])
    assert data["cases"]["coverage/id-101-OnlyThis"] == {
        "fault_code": None,
        "findings": [FINDING],
        "generated": False,
        "outcome_class": "accepted",
        "request_digest": "d1",
    }
    assert data["cases"]["generated/valid-calls-accepted"]["request_digest"] is None


@pytest.mark.parametrize(
    ("content", "words"),
    [(None, "does not exist"), ("{not json", "not readable JSON"), ('{"cases": []}', "not a format-1 baseline")],
    ids=["missing", "not-json", "wrong-shape"],
)
def test_an_unusable_baseline_file_is_refused_with_the_reason(tmp_path, content, words):
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(baseline.BaselineError, match=words):
        baseline.load(path)


# --- the comparison ---------------------------------------------------------------------------------------


def test_new_fixed_and_changed_are_reported_per_case():
    before = summary(
        record("a", findings=[FINDING]),
        record("b"),
        record("c", outcome_class="rejected:fault:Client", fault_code="s:Client"),
    )
    after = summary(
        record("a"),
        record("b", outcome_class="rejected:succeeded-false", findings=[FINDING]),
        record("c", outcome_class="rejected:fault:Client", fault_code="a:DeserializationFailed"),
    )
    diff = diff_of(before, after)
    cases = {c.case: c for c in diff.cases}
    assert cases["a"].fixed == [FINDING] and not cases["a"].new and not cases["a"].changed
    assert cases["b"].new == [FINDING]
    assert cases["b"].changed == [
        {"field": "outcome class", "baseline": "accepted", "current": "rejected:succeeded-false"}
    ]
    assert cases["c"].changed == [{"field": "fault code", "baseline": "s:Client", "current": "a:DeserializationFailed"}]
    assert (diff.new, diff.fixed, diff.changed) == (1, 1, 2)


def test_a_generated_cases_request_digest_and_example_are_not_a_change():
    def generated(message: str):
        finding = {"check": "positive-acceptance", "message": message}
        return record(
            "generated/valid", outcome_class="rejected:succeeded-false", phase="generated", findings=[finding]
        )

    diff = diff_of(summary(generated("example id 101")), summary(generated("example id 202")))
    assert diff.cases == [] and diff.request_changed == []


def test_a_deterministic_case_sending_other_bytes_is_listed_but_not_counted_as_a_change():
    diff = diff_of(summary(record("a", digest="d1")), summary(record("a", digest="d2")))
    assert diff.request_changed == ["a"] and diff.cases == []


def test_an_effect_is_compared_for_the_same_request_only():
    """An upgraded suite may send a case to another allow-listed id: that id's effect differs, the endpoint did
    not change. The same request with a different effect is a change."""
    declined = {"addressed": {"InvitationStatus": "Invitation → Declined"}}
    series = {**declined, "later occurrence 202": {"InvitationStatus": "Invitation → Declined"}}

    def observed(digest: str, effect: dict) -> dict:
        return {**record("fixture/mode-ThisAndForward", digest=digest, phase="fixture"), "effect": effect}

    moved = diff_of(summary(observed("d1", declined)), summary(observed("d2", series)))
    assert moved.request_changed == ["fixture/mode-ThisAndForward"] and moved.cases == []
    same = diff_of(summary(observed("d1", declined)), summary(observed("d1", series)))
    assert [change["field"] for case in same.cases for change in case.changed] == ["effect"]


def test_a_reworded_finding_is_a_change_but_a_different_loopback_port_or_duration_is_not():
    def finding(text: str):
        return record("a", findings=[{"check": "transport", "message": text}])

    same = diff_of(
        summary(finding("no response from http://127.0.0.1:4100/x within 2 s after 12.5 ms")),
        summary(finding("no response from http://127.0.0.1:5200/x within 2 s after 9 ms")),
    )
    reworded = diff_of(summary(finding("refused")), summary(finding("reset")))
    assert same.cases == []
    assert reworded.cases[0].changed == [{"field": "finding [transport]", "baseline": "refused", "current": "reset"}]


def test_cases_only_in_one_run_are_listed_apart_and_their_findings_are_new():
    diff = diff_of(summary(record("gone", findings=[FINDING])), summary(record("added", findings=[FINDING])))
    assert (diff.added_cases, diff.missing_cases) == (["added"], ["gone"])
    assert [(c.case, c.new, c.fixed) for c in diff.cases] == [("added", [FINDING], [])]


# --- the command line -------------------------------------------------------------------------------------


def test_fail_on_new_needs_a_baseline_and_a_missing_baseline_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("CONFORMANCE_")]:
        monkeypatch.delenv(name)
    assert main(["run", "--fail-on", "new"]) == 2
    assert main(["run", "--baseline", "missing.json"]) == 2
    err = capsys.readouterr().err
    assert "--fail-on new needs --baseline" in err and "missing.json does not exist" in err


def test_fail_on_new_is_exit_0_when_every_finding_was_already_in_the_baseline(tmp_path, capsys):
    report_dir = tmp_path / "reports"
    report_dir.mkdir()
    run = summary(record("a", outcome_class="rejected:succeeded-false", findings=[FINDING]))
    (report_dir / "summary.json").write_text(json.dumps(run))
    known = baseline.from_summary(run)
    unknown = baseline.from_summary(summary(record("a")))
    args = argparse.Namespace(baseline="b.json", save_baseline=None, fail_on="new")
    assert apply_baseline(args, known, report_dir, EXIT_VIOLATIONS) == EXIT_OK
    assert apply_baseline(args, unknown, report_dir, EXIT_VIOLATIONS) == EXIT_VIOLATIONS
    args.fail_on = "any"
    assert apply_baseline(args, known, report_dir, EXIT_VIOLATIONS) == EXIT_VIOLATIONS
    assert json.loads((report_dir / "baseline-diff.json").read_text())["new"] == 0


# --- two real runs ----------------------------------------------------------------------------------------


class StopRecurrenceRefused(AppointmentStore):
    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        if mode == "StopRecurrence":
            raise AppError("SoException", "StopRecurrence is not supported")
        return super().reject(associate, appointment_id, reason, mode)


class StopRecurrenceFails(ReferenceService):
    """The reference endpoint, except that UpdateMode=StopRecurrence is refused (Succeeded=false), doing nothing."""

    def __init__(self) -> None:
        super().__init__(store=StopRecurrenceRefused())


def run_suite(service: ReferenceService, cwd, *args: str) -> subprocess.CompletedProcess:
    server = ReferenceServer(service).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["CONFORMANCE_TICKET"] = REFERENCE_TICKET
    ids = ",".join(map(str, REFERENCE_ALLOW_LIST))
    options = f"--appointment-id {ids} --unused-ids 1000-{INT32_MAX} --max-examples 10 --seed 7"
    command = [sys.executable, "-m", "conformance", "run", "--endpoint", server.url, *options.split()]
    try:
        return subprocess.run(
            [*command, "--hypothesis-database", "none", "-q", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    finally:
        server.stop()


def sends_stop_recurrence() -> set[str]:
    """The deterministic cases that send a valid Reject with UpdateMode=StopRecurrence."""
    policy = IdPolicy(REFERENCE_ALLOW_LIST, (1000, INT32_MAX))
    found = set()
    for case in coverage_cases(policy) + fixture_cases(policy):
        mode = case.call.update_mode if case.call else None
        if case.fixture:
            mode = "StopRecurrence" if ">StopRecurrence<" in (FIXTURE_DIR / case.fixture).read_text() else None
        if case.expect is Expect.ACCEPT and mode == "StopRecurrence":
            found.add(case.id)
    return found


def test_two_runs_with_one_behaviour_changed_show_exactly_that_change(tmp_path):
    first = run_suite(ReferenceService(), tmp_path, "--report-dir", "r1", "--save-baseline", "before.json")
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    second = run_suite(
        StopRecurrenceFails(),
        tmp_path,
        "--report-dir",
        "r2",
        "--baseline",
        "before.json",
        "--save-baseline",
        "after.json",
    )
    assert second.returncode == 1, second.stdout[-2000:] + second.stderr[-2000:]

    diff = json.loads((tmp_path / "r2" / "baseline-diff.json").read_text())
    expected = sends_stop_recurrence()
    assert len(expected) == len(REFERENCE_ALLOW_LIST) + 1  # one per allow-listed id, and the mode fixture
    assert set(diff["cases"]) - {"generated/valid-calls-accepted"} == expected
    for name, case in diff["cases"].items():
        changed = [(c["field"], c["current"]) for c in case["changed"]]
        assert changed[0] == ("outcome class", "rejected:succeeded-false")
        if name != "generated/valid-calls-accepted":  # the effect: the invitation is no longer declined
            assert [field for field, _ in changed] == ["outcome class", "effect"]
            assert case["changed"][1]["baseline"]["addressed"]["InvitationStatus"] == "→ Declined"
            assert case["changed"][1]["current"]["addressed"]["InvitationStatus"] == "unchanged"
        assert [f["check"] for f in case["new"]] == ["positive-acceptance"] and case["fixed"] == []
        assert "StopRecurrence is not supported" in case["new"][0]["message"]
    assert (diff["added_cases"], diff["missing_cases"], diff["request_changed"]) == ([], [], [])
    assert "coverage/id-101-StopRecurrence\n    changed  outcome class: accepted → rejected:succeeded-false" in (
        second.stdout
    )

    # --fail-on new: the same findings again are not new
    args = argparse.Namespace(baseline="after.json", save_baseline=None, fail_on="new")
    after = baseline.load(tmp_path / "after.json")
    assert apply_baseline(args, after, tmp_path / "r2", EXIT_VIOLATIONS) == EXIT_OK


# --- trends: Allure history carried from one report to the next ---------------------------------------


def conformance_cli(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    if "CONFORMANCE_CACHE" in os.environ:  # where allure-commandline is installed
        env["CONFORMANCE_CACHE"] = os.environ["CONFORMANCE_CACHE"]
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


@pytest.mark.skipif(
    shutil.which("npm") is None or shutil.which("java") is None,
    reason="the Allure HTML report (and so its history) needs npm to install allure-commandline and a Java runtime; "
    f"not found on PATH: {', '.join(t for t in ('npm', 'java') if shutil.which(t) is None)}",
)
def test_history_is_carried_across_two_runs_so_trends_have_two_points(tmp_path):
    for _ in range(2):
        run = conformance_cli("run", "--max-examples", "1", "-q", "--", "-k", "test_fixture", cwd=tmp_path)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        assert conformance_cli("drift", cwd=tmp_path).returncode == 0
        report = conformance_cli("report", cwd=tmp_path)
        assert report.returncode == 0, report.stderr[-2000:]
    history = tmp_path / "reports" / "allure-report" / "history"
    trend = json.loads((history / "history-trend.json").read_text())
    assert len(trend) == 2 and all(point["data"]["total"] >= 8 for point in trend)
    cases = [json.loads(p.read_text()) for p in (history.parent / "data" / "test-cases").glob("*.json")]
    (drift,) = [case for case in cases if case["name"] == "drift"]  # the drift result has a stable history key
    assert drift["extra"]["history"]["statistic"]["total"] == 2
