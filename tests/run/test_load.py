"""Load and the example database.

``--workers 4`` gives the verdicts of a serial run, with no result lost or duplicated in Allure, JUnit or
summary.json. By default each property generates ``LOAD_TEST_EXAMPLES`` (30) examples to keep CI fast; the
1,000+ figure (``LOAD_TEST_EXAMPLES=500``: 2 properties × 500 plus the deterministic cases) is the same test run
by hand. The hypothesis example database (``--hypothesis-database``): a directory replays a stored failure in
the next run, ``none`` stores nothing, and Redis shares failures between runs (skipped without redis-server)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from helpers import hostile

from conformance.reference import REFERENCE_TICKET, ReferenceServer, ReferenceService
from conformance.reference.store import AppError

EXAMPLES = int(os.environ.get("LOAD_TEST_EXAMPLES", "30"))


def conformance_run(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = hostile.suite_env(CONFORMANCE_TICKET=REFERENCE_TICKET)
    return subprocess.run(
        [sys.executable, "-m", "conformance", "run", "-q", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def results_of(report_dir: Path) -> dict[str, object]:
    """What a run reported, in forms two runs can be compared by."""
    summary = json.loads((report_dir / "summary.json").read_text())
    results = [json.loads(p.read_text()) for p in (report_dir / "allure-results").glob("*-result.json")]
    allure = [r for r in results if r.get("fullName") != "conformance.overview"]  # the run's overview is no test
    suite = ET.parse(report_dir / "junit.xml").getroot().find("testsuite")
    testcases = [(c.get("classname"), c.get("name")) for c in suite.iter("testcase")]
    return {
        "totals": {k: summary[k] for k in ("passed", "failed", "skipped", "exchanges")},
        "checks": summary["checks"],
        "cases": {c["case"]: (c["outcome"], c["exchanges"], c["outcome_class"]) for c in summary["cases"]},
        "allure": Counter((r["name"], r["status"]) for r in allure),
        "allure_unique": len({r["historyId"] for r in allure}) == len(allure),
        "junit": Counter(testcases),
        "junit_declared": int(suite.get("tests")),
    }


def test_parallel_run_gives_the_serial_verdicts_with_no_result_lost_or_duplicated(tmp_path):
    common = ["--max-examples", str(EXAMPLES), "--seed", "7", "--hypothesis-database", "none"]
    serial = conformance_run(tmp_path, *common, "--workers", "0", "--report-dir", "serial")
    parallel = conformance_run(tmp_path, *common, "--workers", "4", "--report-dir", "parallel")
    assert serial.returncode == parallel.returncode == 0, parallel.stdout[-3000:] + parallel.stderr[-2000:]
    one, four = results_of(tmp_path / "serial"), results_of(tmp_path / "parallel")
    assert one == four
    deterministic = sum(1 for outcome, _n, cls in one["cases"].values() if cls != "all-examples-passed")
    assert one["totals"]["exchanges"] == deterministic + 2 * EXAMPLES  # every generated example counted once
    assert one["allure_unique"] and max(one["junit"].values()) == 1  # nothing duplicated
    assert sum(one["junit"].values()) == one["junit_declared"] == sum(one["allure"].values())  # nothing lost


# --- the example database -------------------------------------------------------------------------------------


class PickyService(ReferenceService):
    """Refuses (Succeeded=false) any Reject whose reason is 12 characters or longer: a bug hypothesis finds and
    shrinks to a reason of exactly 12 characters. ``reasons`` lists what arrived, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.reasons: list[str] = []

    def success(self, version, call):
        self.reasons.append(call.reason)
        if len(call.reason) >= 12:
            return self.app_error(version, AppError("SoException", "reason too long for this installation"))
        return super().success(version, call)


def property_run(cwd: Path, database: str, seed: int, examples: int) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Only the positive property, against a fresh PickyService: the run and the reasons it sent."""
    service = PickyService()
    server = ReferenceServer(service).start()
    try:
        done = conformance_run(
            cwd,
            "--endpoint",
            server.url,
            "--appointment-id",
            "101",
            "--max-examples",
            str(examples),
            "--seed",
            str(seed),
            "--hypothesis-database",
            database,
            "--report-dir",
            f"out-{seed}",
            "--",
            "-k",
            "generated_valid",
        )
    finally:
        server.stop()
    return done, service.reasons


def falsifying(cwd: Path, seed: int) -> str | None:
    cases = json.loads((cwd / f"out-{seed}" / "summary.json").read_text())["cases"]
    return next((c.get("falsifying_example") for c in cases if c["outcome"] == "failed"), None)


def test_a_directory_database_replays_a_stored_failure_in_the_next_run(tmp_path):
    first, reasons = property_run(tmp_path, "db", seed=1, examples=50)
    assert first.returncode == 1 and len(reasons) > 10, first.stdout[-2000:]
    minimal = falsifying(tmp_path, 1)
    assert minimal and any(tmp_path.joinpath("db").rglob("*"))
    again, replayed = property_run(tmp_path, "db", seed=2, examples=1)  # one example of its own, another seed
    assert again.returncode == 1, again.stdout[-2000:]
    assert falsifying(tmp_path, 2) == minimal and len(replayed[0]) == 12  # the stored failure came first


def test_database_none_stores_nothing(tmp_path):
    failed, _ = property_run(tmp_path, "none", seed=1, examples=50)
    assert failed.returncode == 1  # there was a failure to store…
    assert not (tmp_path / "none").exists()  # …not in a directory called "none",
    assert not (tmp_path / ".hypothesis" / "conformance").exists()  # nor in the suite's default directory,
    assert not (tmp_path / ".hypothesis" / "examples").exists()  # nor in hypothesis' own


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway redis-server on loopback (no persistence), stopped after the test."""
    server = shutil.which("redis-server")
    try:
        import redis
    except ImportError:
        redis = None
    if server is None or redis is None:
        pytest.skip("Redis example database: needs redis-server (apt-get install redis-server) and pip install redis")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp_path],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(100):
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def test_a_failure_found_by_one_run_replays_in_another_through_redis(tmp_path, redis_url):
    first_runner, second_runner = tmp_path / "runner-a", tmp_path / "runner-b"  # two CI machines, one database
    first_runner.mkdir()
    second_runner.mkdir()
    first, _ = property_run(first_runner, redis_url, seed=1, examples=50)
    assert first.returncode == 1, first.stdout[-2000:]
    again, replayed = property_run(second_runner, redis_url, seed=2, examples=1)
    assert again.returncode == 1, again.stdout[-2000:]
    assert falsifying(second_runner, 2) == falsifying(first_runner, 1) and len(replayed[0]) == 12
