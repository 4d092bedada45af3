"""The suite started as a pytest plugin, as the README writes it (``pytest --pyargs conformance``): the same
safety as ``conformance run`` (the allow-listed appointments are surveyed first, and an unfit one is never
Rejected), and a configuration mistake is one line. A session that collects the suite in any other way stops
before sending anything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.processes import Counting
from strength.matrix import environment

import conformance
from conformance.reference import ReferenceServer, ReferenceService

NOT_INVITED = 104  # the reference store's appointment the test user is not invited to: unfit, never Rejected


def _pytest(
    args: list[str], cwd: Path, url: str | None = None, ticket: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    endpoint = ["--conformance-endpoint", url, "--conformance-appointment-id", f"101,{NOT_INVITED}"] if url else []
    report = ["--conformance-report-dir", str(cwd / "report"), "--conformance-max-examples", "5"]
    return subprocess.run(
        # -P: the working directory is not put on sys.path (a folder there named conformance would shadow us)
        [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, *endpoint, *report],
        cwd=cwd,
        env={**environment(), **({"CONFORMANCE_TICKET": ticket} if ticket else {}), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("form", [["--pyargs", "conformance"], ["--pyargs", "conformance", "-n", "2"]])
def test_the_readmes_plugin_form_surveys_first_and_never_rejects_an_unfit_appointment(tmp_path, form) -> None:
    service = ReferenceService()
    server = ReferenceServer(service).start()
    try:
        done = _pytest(form, tmp_path, server.url)
    finally:
        server.stop()
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    summary = json.loads((tmp_path / "report" / "summary.json").read_text(encoding="utf-8"))
    unfit = [s for s in summary["skipped_cases"] if f"appointment {NOT_INVITED} is not an invitation" in s["reason"]]
    assert unfit and all("skipped for safety" in s["reason"] for s in unfit)
    assert service.store.snapshot()[NOT_INVITED][1] == 0, "no Reject reached the appointment found unfit"


def test_a_configuration_mistake_under_the_plugin_form_is_one_line(tmp_path) -> None:
    done = _pytest(["--pyargs", "conformance", "--conformance-concurrency", "abc"], tmp_path)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    out = done.stdout + done.stderr
    assert "ERROR: conformance: concurrency 'abc'" in out and "expected a whole number from 1 to 64" in out
    assert "Traceback" not in out and "collection" not in out


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_session_that_collects_the_suite_otherwise_sends_nothing(tmp_path, workers) -> None:
    """``pytest <checkout>``: the suite is collected, but the session was not recognised as a conformance run, so
    nothing surveyed the allow-listed appointments: it stops with one line, and nothing reaches the endpoint.
    Under xdist the controller stops it before handing out a test (the workers' stop read as crashed workers)."""
    checkout = Path(conformance.__file__).resolve().parent.parent
    if not (checkout / "pyproject.toml").is_file():
        pytest.skip("the package is installed, not a checkout: there is no directory above the suite to start in")
    service = ReferenceService()
    server = ReferenceServer(service).start()
    seeded = service.store.snapshot()
    try:
        ignore = [f"--ignore={checkout / d}" for d in ("tests", "benchmarks", "tools")]
        done = _pytest([str(checkout), *ignore, "-k", "test_coverage", *workers], tmp_path, server.url)
    finally:
        server.stop()
    assert done.returncode == 2, (done.stdout + done.stderr)[-3000:]
    assert "allow-listed appointments were not surveyed" in done.stdout + done.stderr
    assert "crashed" not in done.stdout and "node down" not in done.stdout
    assert service.store.snapshot() == seeded, "nothing reached the endpoint's appointments"


@pytest.mark.parametrize("listing", ["--collect-only", "--fixtures", "--setup-plan"])
def test_listing_the_tests_sends_nothing(tmp_path, listing) -> None:
    """A listing neither surveys nor puts back a declined invitation (103 is seeded declined)."""
    service = Counting()
    server = ReferenceServer(service).start()
    seeded = service.store.snapshot()
    try:
        done = _pytest(["--pyargs", "conformance", listing], tmp_path, server.url)
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout[-2000:]
    assert service.requests == 0 and service.store.snapshot() == seeded


def test_a_refused_ticket_is_a_setup_problem_not_a_green_run(tmp_path) -> None:
    """Every valid Reject is skipped for safety when the ticket is refused: exit code 2 and the reason, as the
    CLI gives them (README: exit codes), never 0."""
    server = ReferenceServer(ReferenceService()).start()
    try:
        done = _pytest(["--pyargs", "conformance"], tmp_path, server.url, ticket="7T:refused==")
    finally:
        server.stop()
    assert done.returncode == 2, done.stdout[-2000:]
    assert "SETUP PROBLEM: " in done.stdout and "ticket) were refused" in done.stdout


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/Appointment.svc"], ids=["nothing-listens"])
def test_an_unreachable_endpoint_is_one_line_and_exit_3_not_a_violation_per_case(tmp_path, url) -> None:
    done = _pytest(["--pyargs", "conformance"], tmp_path, url)
    out = done.stdout + done.stderr
    assert done.returncode == 3, out[-2000:]
    assert "conformance: endpoint unreachable: connection-refused" in out and "[transport]" not in out


def test_max_failures_under_workers_exits_1_for_findings_not_2(tmp_path) -> None:
    """xdist stops the run (pytest says 2, *interrupted*); the README's 2 is a usage error: findings are 1."""
    args = ["--pyargs", "conformance", "-n", "2", "--conformance-sla-ms", "0.01", "--conformance-strict"]
    done = _pytest([*args, "--conformance-max-failures", "1"], tmp_path)
    assert done.returncode == 1, done.stdout[-2000:]


def test_another_projects_conformance_folder_is_not_taken_for_the_suite(tmp_path) -> None:
    """``pytest conformance`` without ``--pyargs`` names a path: another project's own tests, never surveyed."""
    (tmp_path / "conformance").mkdir()
    (tmp_path / "conformance" / "test_theirs.py").write_text("def test_theirs():\n    pass\n", encoding="utf-8")
    service = Counting()
    server = ReferenceServer(service).start()
    try:
        done = _pytest(["conformance"], tmp_path, server.url)
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout[-2000:]
    assert service.requests == 0, "nothing read or accepted on the endpoint"


def test_workers_set_in_the_environment_do_not_count_without_n(tmp_path) -> None:
    """``--workers`` is the CLI's; under pytest only ``-n`` starts workers, so a serial run says one in flight."""
    done = _pytest(["--pyargs", "conformance"], tmp_path, CONFORMANCE_WORKERS="4")
    assert done.returncode == 0, done.stdout[-2000:]
    assert json.loads((tmp_path / "report" / "summary.json").read_text(encoding="utf-8"))["in_flight"] == 1
    assert "in flight" not in done.stdout
