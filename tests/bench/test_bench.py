"""The benchmark script runs end to end and records what it measured. Only its shape is checked here:
performance is measured by ``benchmarks/bench.py`` itself, never asserted by a timed test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench.py"


def test_a_tiny_round_trip_bench_writes_every_row_with_its_ratio_and_target(tmp_path):
    args = ["--quick", "--only", "roundtrip", "--calls", "40", "--reps", "1", "--out-dir", str(tmp_path)]
    done = subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    rows = {row["name"]: row for row in results["rows"]}
    assert "ERRORS" not in json.dumps(results["rows"]), "a bench variant got a failed exchange"
    targeted = [row for row in rows.values() if row["target"]]
    assert [row["target"] for row in targeted] == [">= 0.7x"]
    assert targeted[0]["name"].startswith("suite round trip per generated example")
    assert isinstance(targeted[0]["met"], bool) and targeted[0]["ratio"] > 0
    for label in ("one test per case", "hypothesis drawing each call", "raw loop with prepared requests"):
        assert any(label in name and row["ratio"] for name, row in rows.items()), label
    assert any(row["section"] == "1b generation" and row["value"] > 0 for row in rows.values())
    assert "| measure | median |" in (tmp_path / "RESULTS.md").read_text()
