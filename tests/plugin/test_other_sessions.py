"""The plugin is loaded into every pytest session of the environment it is installed in: another project's
session must run exactly as it would without it. It sends nothing (no login, even with ``CONFORMANCE_*`` set),
reports nothing, keeps pytest's exit codes, and leaves xdist's patience with its workers alone. Found by a try-out
beside popular pytest plugins."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.processes import Counting, start_interruptible
from strength.matrix import environment

from conformance.reference import ReferenceServer

THEIRS = (
    "import pytest\n\n\n"
    "def test_ok():\n    pass\n\n\n"
    "def test_bad():\n    assert 0\n\n\n"
    "@pytest.mark.conformance\n"
    "def test_marked():\n    pytest.skip('theirs')\n"
)


def _pytest(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-P", "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env={**environment(), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_another_projects_session_sends_nothing_even_with_the_suites_settings_in_the_environment(
    tmp_path, workers
) -> None:
    """Under xdist the plugin logged in with the configured user and password before any of their tests ran."""
    (tmp_path / "test_theirs.py").write_text("def test_ok():\n    pass\n", encoding="utf-8")
    service = Counting()
    server = ReferenceServer(service).start()
    try:
        env = {"CONFORMANCE_ENDPOINT": server.url, "CONFORMANCE_USERNAME": "qa", "CONFORMANCE_PASSWORD": "hunter2"}
        done = _pytest(["-q", *workers], tmp_path, **env)
    finally:
        server.stop()
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    assert service.requests == 0, "nothing reached the endpoint: no login, no survey"


def test_their_conformance_folder_and_marker_are_not_the_suite(tmp_path) -> None:
    """A folder named ``conformance`` and a ``conformance`` marker are keywords of their tests: they were counted
    as suite results, a summary was written into their project, and a mistake in a conformance.toml there turned
    their run into a usage error."""
    (tmp_path / "tests" / "conformance").mkdir(parents=True)
    (tmp_path / "tests" / "conformance" / "test_api.py").write_text(THEIRS, encoding="utf-8")
    (tmp_path / "conformance.toml").write_text("endpoint = 5\n", encoding="utf-8")
    for workers in ([], ["-n", "2"]):
        done = _pytest(["-q", "tests", *workers], tmp_path)
        assert done.returncode == 1, (done.stdout + done.stderr)[-2000:]
        assert "1 failed, 1 passed, 1 skipped" in done.stdout
        assert "Reject conformance" not in done.stdout and "conformance:" not in done.stdout + done.stderr
        assert not (tmp_path / "reports").exists()


def test_ctrl_c_in_their_xdist_session_leaves_xdist_its_patience(tmp_path) -> None:
    """After Ctrl-C a conformance run gives xdist 1.5 s, not its 10, to close the workers (``plugin/progress.py``):
    in another project's session that cut their workers' teardown short. Their conftest reads what xdist has."""
    (tmp_path / "conftest.py").write_text(
        "def pytest_unconfigure(config):\n"
        "    manager = getattr(config.pluginmanager.getplugin('dsession'), 'nodemanager', None)\n"
        "    if manager is not None:\n"
        "        open('exit_timeout', 'w').write(str(manager.EXIT_TIMEOUT))\n",
        encoding="utf-8",
    )
    (tmp_path / "test_slow.py").write_text(
        "import os, time\n\n\ndef test_slow():\n    open('started', 'w').write('ok')\n    time.sleep(30)\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "1", "test_slow.py"]
    proc = start_interruptible(command, tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert (tmp_path / "exit_timeout").read_text() == "10", out.decode("utf-8", "replace")[-2000:]
    assert not (tmp_path / "reports").exists()


def test_a_test_run_again_by_rerunfailures_is_reported_once(tmp_path) -> None:
    """pytest-rerunfailures runs a failed test again as the same item: its records piled up (66 failed tests were
    396 failed cases with --reruns 2), and the failed runs before the last were counted too."""
    pytest.importorskip("pytest_rerunfailures", reason="pytest-rerunfailures (a test extra) is not installed")
    report = tmp_path / "report"
    args = ["-q", "--pyargs", "conformance", "--max-examples", "5", "--report-dir", str(report), "--reruns", "2"]
    done = _pytest([*args, "-k", "test_coverage", "--sla-ms", "0.001"], tmp_path)
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    last = done.stdout.strip().splitlines()[-1]  # pytest's own count: "35 failed, 36 deselected, 70 rerun in …"
    failed = int(re.search(r"(\d+) failed", last).group(1))
    assert done.returncode == 1 and failed > 0, done.stdout[-2000:]
    cases = [case["case"] for case in summary["cases"]]
    assert summary["failed"] == failed and len(cases) == len(set(cases)), (summary["failed"], failed, len(cases))


def test_conformance_run_keeps_its_own_pytest_configuration(tmp_path) -> None:
    """Started in a project whose pytest.ini says ``addopts = -x``, the run stopped after its first failure."""
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = -x\n", encoding="utf-8")
    report = tmp_path / "report"
    args = ["run", "-q", "--max-examples", "5", "--sla-ms", "0.001", "--report-dir", str(report)]
    done = subprocess.run(
        [sys.executable, "-P", "-m", "conformance", *args],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert done.returncode == 1 and summary["failed"] > 10, (done.stdout + done.stderr)[-2000:]
