"""Ctrl-C: the run stops at once and every report says it was interrupted and how far it got (exit 130, summary.json
``interrupted``, the running case *broken* in Allure, a JUnit file with only real test cases)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers.processes import start_interruptible
from strength.matrix import command, environment

from conformance.reference import ReferenceServer, ReferenceService


class Slow(ReferenceService):
    """Every answer takes 0.2 s: Ctrl-C always lands in the middle of a case."""

    def handle(self, *args: object, **kwargs: object):
        time.sleep(0.2)
        return super().handle(*args, **kwargs)


@pytest.fixture
def slow():
    server = ReferenceServer(Slow()).start()
    yield server
    server.stop()


def interrupt_after(
    args: list[str], cwd: Path, results: Path, finished: int, then: float = 0.0
) -> tuple[int, float, str]:
    """Start ``conformance run`` in its own process group, press Ctrl-C (SIGINT to the group, as a terminal does)
    once ``finished`` Allure results exist (and ``then`` seconds more); the exit code, the seconds it took to stop,
    and stdout."""
    proc = start_interruptible(args, cwd)
    try:
        deadline = time.monotonic() + 60
        while len(list(results.glob("*-result.json"))) < finished and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(then)
        pressed = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        return proc.returncode, time.monotonic() - pressed, out.decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.parametrize(
    "workers",
    [[], ["--workers", "2"], ["--concurrency", "4"]],
    ids=["serial", "xdist", "concurrency"],
)
def test_an_interrupted_run_says_so_everywhere(slow, tmp_path, workers):
    """Under --concurrency, the cases already on the wire finish (an observation puts its appointment back) and
    those waiting to go out are dropped."""
    out = tmp_path / "out"
    args = command(slow.url, "1.1", out, workers)
    code, seconds, stdout = interrupt_after(args, tmp_path, out / "allure-results", 4)
    assert code == 130, stdout[-3000:]
    # measured on an idle machine: about 1 s serial, 1.4 s with two workers (README); the margin is for a CI
    # machine running other tests beside this one
    assert seconds < (15.0 if "--workers" in workers else 5.0), f"took {seconds:.1f} s to stop"
    assert "INTERRUPTED: stopped by Ctrl-C / SIGINT after" in stdout and "Traceback" not in stdout

    summary = json.loads((out / "summary.json").read_text())
    # 4 result files were written; a worker's last one may not have reached the controller when Ctrl-C lands
    assert summary["interrupted"] is True and summary["tests_planned"] > summary["tests_finished"] >= 3
    # the case that was running is named; Ctrl-C can also land between two tests (seen once in about 30 runs), and
    # then the reports name none and claim none
    assert ("; running: " in stdout) == bool(summary["interrupted_while"]), stdout[-1500:]

    results = [json.loads(p.read_text()) for p in (out / "allure-results").glob("*-result.json")]
    broken = [r for r in results if r["status"] == "broken"]
    assert broken and all(r["statusDetails"]["message"].startswith("interrupted: ") for r in broken)
    for result in broken:  # a case cut short sits in its phase under its own name, like every other result
        case = next((p["value"] for p in result.get("parameters", []) if p["name"] == "conformance_case"), None)
        if case is not None:  # it had started (no result at all, or cut short in its setup: named by pytest)
            labels = {label["name"] for label in result["labels"]}
            assert result["name"].startswith(case) and {"suite", "feature"} <= labels, (result["name"], labels)
    tests = [r for r in results if r.get("fullName") != "conformance.overview"]  # the run overview has no steps
    assert not [r for r in tests if r["status"] == "passed" and not r.get("steps")], "a passed result without steps"

    junit = ET.parse(out / "junit.xml").getroot()
    suite = junit.find("testsuite")
    cases = suite.findall("testcase")
    assert cases and all(case.get("name") for case in cases) and int(suite.get("tests")) == len(cases)
    notes = [p.get("value") for p in suite.iter("property") if p.get("name") == "interrupted"]
    assert notes and "stopped by Ctrl-C" in notes[0]


def test_ctrl_c_in_a_property_lists_the_calls_it_had_sent_ahead(slow, tmp_path):
    """Ctrl-C while a property runs under --concurrency: the property writes no record, so the calls it had sent
    ahead and not used are in ``sent_not_reported`` (they reached the endpoint; no case record has them)."""
    out = tmp_path / "out"
    args = command(slow.url, "1.1", out, ["--concurrency", "4"])
    deterministic = 66  # fixture, coverage, negative and auth results: the generated phase comes next
    # then a few of the property's examples (five round trips of 0.2 s each)
    code, _seconds, stdout = interrupt_after(args, tmp_path, out / "allure-results", deterministic, then=2.5)
    assert code == 130, stdout[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted_while"] == ["test_reject.py::test_generated_valid_calls_accepted"], stdout[-2000:]
    listed = summary["sent_not_reported"]
    assert any(entry.startswith("generated/valid-calls-accepted (") for entry in listed), listed


def test_ctrl_c_under_workers_lists_what_each_worker_had_sent_ahead(slow, tmp_path):
    """Ctrl-C closes the xdist workers before their end-of-session message gets through, so each worker writes
    what it sends ahead down as it goes (``run/journal.py``): the list is not lost (it was empty before), and a
    reported case is not in it."""
    out = tmp_path / "out"
    args = command(slow.url, "1.1", out, ["--workers", "2", "--concurrency", "8"])
    code, _seconds, stdout = interrupt_after(args, tmp_path, out / "allure-results", 6)
    assert code == 130, stdout[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    listed = summary["sent_not_reported"]
    assert listed, stdout[-2000:]
    # a case is either reported or listed, never both (a test that had started and not yet asked for its case when
    # Ctrl-C came is both running and listed: its case went out, and no record has it)
    assert not {case["case"] for case in summary["cases"]} & set(listed), listed
    assert f"note: {len(listed)} case(s) were sent ahead" in stdout


def test_ctrl_c_in_another_test_session_writes_no_conformance_report(tmp_path):
    """The plugin is loaded into every pytest session (an entry point): Ctrl-C in a project's own tests must not
    leave a ``summary.json`` claiming an interrupted conformance run."""
    (tmp_path / "test_other.py").write_text("def test_stops():\n    raise KeyboardInterrupt\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_other.py"],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout[-2000:]
    assert "Reject conformance" not in done.stdout
    assert not (tmp_path / "reports").exists()
