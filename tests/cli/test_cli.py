"""The real command line: exit codes, reports written, configuration errors explained."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from helpers.cli import conformance


@pytest.mark.parametrize("soap", ["1.1", "1.2"])
def test_run_on_the_embedded_endpoint_is_green_and_writes_every_report(tmp_path, soap):
    done = conformance("run", "--soap-version", soap, "--max-examples", "20", "--report-dir", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["failed"] == 0 and summary["passed"] >= 60 and summary["soap_version"] == soap
    assert len(summary["documentation_findings"]) == 3
    assert set(summary["checks"]) >= {"http-status", "envelope-schema", "negative-rejection", "auth-enforced"}
    junit = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert int(junit.find("testsuite").get("tests")) >= 60
    results = list((tmp_path / "out" / "allure-results").glob("*-result.json"))
    assert len(results) >= 60
    assert (tmp_path / "out" / "allure-results" / "categories.json").is_file()
    assert "Reject conformance" in done.stdout


def test_the_embedded_endpoint_draws_no_violation_and_no_advisory_with_500_examples(tmp_path):
    """The reference endpoint is the suite's model of SuperOffice: spotless under a long generated phase too."""
    done = conformance("run", "--max-examples", "500", "--report-dir", "out", "--seed", "7", cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["findings"] == [] and summary["advisories"] == [] and summary["exchanges"] > 1000


def test_unreachable_endpoint_is_exit_3_in_one_line(tmp_path):
    done = conformance(
        "run",
        "--endpoint",
        "http://127.0.0.1:9/Remote/Services82/Appointment.svc",
        "--appointment-id",
        "5",
        cwd=tmp_path,
    )
    assert done.returncode == 3
    assert done.stderr.strip().count("\n") == 0 and "connection refused" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--soap-version", "1.3"], "invalid choice"),
        (["--env", "staging"], "needs a config file"),
        (["--appointment-id", "x1"], "not a positive integer"),
    ],
)
def test_usage_errors_are_exit_2(tmp_path, args, words):
    done = conformance("run", *args, cwd=tmp_path)
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr


def test_python_dash_m_and_version(tmp_path):
    done = conformance("--version", cwd=tmp_path)
    assert done.returncode == 0 and "conformance" in done.stdout


def test_serve_runs_the_reference_endpoint_in_the_foreground(tmp_path):
    import requests

    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    import threading

    watchdog = threading.Timer(20, proc.kill)  # a banner that never arrives must fail the test, not hang it
    watchdog.start()
    try:
        first = proc.stdout.readline()  # the banner is flushed at once (stdout is a pipe here, not a terminal)
        url = first.split()[2]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/Remote/Services82/Appointment.svc")
        wsdl = requests.get(url + "?wsdl", timeout=5)
        assert wsdl.status_code == 200 and b"WcfAppointmentService" in wsdl.content
    finally:
        watchdog.cancel()
        proc.terminate()
        proc.wait(timeout=10)
