"""The hypothesis phase through the real CLI: a defect only some reasons trigger is found, shrunk to a minimal
call, reported with a reproduction, and the same --seed finds the same minimal call again."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conformance.reference import REFERENCE_TICKET, ReferenceServer, ReferenceService
from conformance.reference.store import AppError


class RefusesAmpersands(ReferenceService):
    """Accepts every Reject except those whose reason contains '&' (a serializer bug on the server)."""

    def authenticate(self, call) -> None:
        super().authenticate(call)
        if call.reason and "&" in call.reason:
            raise AppError("SoException", "Object reference not set to an instance of an object")


@pytest.fixture
def defective():
    server = ReferenceServer(RefusesAmpersands()).start()
    yield server
    server.stop()


def run(url: str, out, seed: int):
    args = [
        "run",
        "--endpoint",
        url,
        "--appointment-id",
        "101,102",
        "--unused-ids",
        "1000-2147483647",
        "--max-examples",
        "60",
        "--seed",
        str(seed),
        "--report-dir",
        str(out),
        "--hypothesis-database",
        "none",
    ]
    env = {**os.environ, "CONFORMANCE_TICKET": REFERENCE_TICKET}
    done = subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=out.parent,
        timeout=120,
    )
    return done, json.loads((out / "summary.json").read_text())


def test_a_defect_only_some_reasons_trigger_is_shrunk_and_reproducible(defective, tmp_path):
    done, summary = run(defective.url, tmp_path / "a", seed=1234)
    assert done.returncode == 1, done.stdout[-2000:]
    generated = next(c for c in summary["cases"] if c["case"] == "generated/valid-calls-accepted")
    assert generated["outcome"] == "failed" and generated["seed"] == 1234
    assert "reject_reason='&'" in generated["falsifying_example"]
    assert generated["findings"][0]["check"] == "positive-acceptance"
    assert generated["reproduction"].startswith("envsubst < ")
    assert "rerun exactly with --seed 1234" in done.stdout
    _, summary_again = run(defective.url, tmp_path / "b", seed=1234)
    generated_again = next(c for c in summary_again["cases"] if c["case"] == "generated/valid-calls-accepted")
    assert generated_again["falsifying_example"] == generated["falsifying_example"]
