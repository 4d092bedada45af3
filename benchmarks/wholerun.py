"""Whole runs of ``python -m conformance run`` in a fresh temporary directory each (as a CI checkout would be):
wall time, and time to first request against a probe endpoint served by this process. Plus the start-up pieces,
timed in a fresh interpreter."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from timing import Row, plain_row

from conformance.contract.soap import INT32_MAX
from conformance.reference import REFERENCE_ALLOW_LIST, REFERENCE_TICKET, ReferenceServer, ReferenceService

SECTION = "3 whole run"
SECTION_STARTUP = "3 start-up pieces"
RUN_TIMEOUT_S = 300


class FirstRequestProbe(ReferenceService):
    """The reference service, noting the monotonic time of the first request of each HTTP method it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.first: dict[str, float] = {}
        self._lock = threading.Lock()

    def handle(self, method: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.first.setdefault(method, time.monotonic())
        return super().handle(method, *args, **kwargs)

    def reset(self) -> None:
        with self._lock:
            self.first.clear()
        self.store.seed()


@dataclass
class Variant:
    label: str
    args: list[str]
    external: bool
    reps: int
    walls: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + sys of the run and its children (xdist workers)
    first_get: list[float] = field(default_factory=list)
    first_post: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def child_env(ticket: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    if ticket:
        env["CONFORMANCE_TICKET"] = REFERENCE_TICKET
    return env


def run_once(variant: Variant, url: str, probe: FirstRequestProbe) -> None:
    """One ``conformance run`` in a new temporary directory; appends its figures to ``variant``."""
    args = [sys.executable, "-m", "conformance", "run", "-q"]
    if variant.external:
        args += ["--endpoint", url, "--appointment-id", ",".join(map(str, REFERENCE_ALLOW_LIST))]
        args += ["--unused-ids", f"1000-{INT32_MAX}"]
        probe.reset()
    with tempfile.TemporaryDirectory(prefix="conformance-run-") as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.monotonic()
        try:
            done = subprocess.run(
                args + variant.args,
                cwd=tmp,
                env=child_env(variant.external),
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            variant.failures.append(f"timed out after {RUN_TIMEOUT_S} s")
            return
        wall = time.monotonic() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
        variant.failures.append(f"exit {done.returncode}: {tail[0][:200]}")
    variant.walls.append(wall)
    variant.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if variant.external:
        if "GET" in probe.first:
            variant.first_get.append(probe.first["GET"] - began)
        if "POST" in probe.first:
            variant.first_post.append(probe.first["POST"] - began)


def variants(quick: bool) -> list[Variant]:
    if quick:
        return [Variant("external endpoint, serial", [], True, 1)]
    return [
        Variant("embedded endpoint, serial (the default)", [], False, 3),
        Variant("external endpoint, serial", [], True, 3),
        Variant("embedded endpoint, --workers 2", ["--workers", "2"], False, 2),
        Variant("external endpoint, --workers 2", ["--workers", "2"], True, 2),
        Variant("external endpoint, serial, -- --assert=plain", ["--", "--assert=plain"], True, 3),
    ]


def measure(quick: bool) -> list[Row]:
    """Wall time and time to first request of whole CLI runs, the variants interleaved repetition by repetition."""
    plan = variants(quick)
    probe = FirstRequestProbe()
    server = ReferenceServer(probe).start()
    try:
        for rep in range(max(v.reps for v in plan)):
            for variant in plan:
                if rep < variant.reps:
                    run_once(variant, server.url, probe)
    finally:
        server.stop()
    rows: list[Row] = []
    for v in plan:
        note = f"{len(v.walls)} run(s)"
        if v.cpu:
            note += f"; CPU user+sys {min(v.cpu):.2f}-{max(v.cpu):.2f} s (hardly moved by a busy machine)"
        note += f"; FAILED: {'; '.join(v.failures)}" if v.failures else ""
        if v.walls:
            rows.append(_target(plain_row(SECTION, f"{v.label}: wall time", "s", v.walls, note), 15.0))
        if v.first_get:
            rows.append(plain_row(SECTION, f"{v.label}: first request (CLI preflight GET)", "s", v.first_get))
        if v.first_post:
            rows.append(_target(plain_row(SECTION, f"{v.label}: first Reject (POST)", "s", v.first_post), 1.5))
        if not v.walls:
            rows.append(Row(SECTION, f"{v.label}: wall time", None, "s", note=note))
    return rows


def _target(row: Row, at_most: float) -> Row:
    row.target, row.met = f"<= {at_most:g} s", row.value is not None and row.value <= at_most
    return row


_PIECES = """
import json, os, tempfile, time
os.chdir(tempfile.mkdtemp(prefix="conformance-startup-"))  # a fresh checkout: no .hypothesis cache yet
t = [time.perf_counter()]
import conformance.plugin.hooks  # what pytest imports through the entry point
t.append(time.perf_counter())
import hypothesis.strategies  # imported by the suite module at collection
t.append(time.perf_counter())
from conformance.contract.soap import SOAP11, SOAP12
from conformance.contract.schemas import envelope_schema
s11, s12 = envelope_schema(SOAP11), envelope_schema(SOAP12)
t.append(time.perf_counter())
detailed = getattr(type(s12), "detailed", None)
if detailed is not None:
    s12.detailed
t.append(time.perf_counter())
from conformance.generation.strategies import appointment_ids, reject_calls
reject_calls(appointment_ids([101])).validate()
t.append(time.perf_counter())
print(json.dumps({"steps": [b - a for a, b in zip(t, t[1:])], "lazy": detailed is not None}))
"""


def measure_startup(reps: int) -> list[Row]:
    """Start-up pieces in a fresh interpreter each time (no assertion rewriting: plain imports)."""
    bare, steps = [], []
    for _ in range(reps):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, timeout=60)
        bare.append(time.perf_counter() - began)
        done = subprocess.run([sys.executable, "-c", _PIECES], capture_output=True, text=True, check=True, timeout=120)
        steps.append(json.loads(done.stdout))
    names = [
        "import conformance.plugin.hooks (cases, checks, schemas incl. xmlschema, transport)",
        "import hypothesis.strategies",
        "compile both envelope schemas with lxml",
        "first schema failure: Schema.detailed builds xmlschema (SOAP 1.2)",
        "first use of the suite's strategies in a fresh directory (hypothesis builds its charmap)",
    ]
    rows = [plain_row(SECTION_STARTUP, "python -c pass (interpreter start)", "s", bare)]
    for i, name in enumerate(names):
        values = [s["steps"][i] for s in steps]
        rows.append(plain_row(SECTION_STARTUP, name, "s", values))
    return rows
