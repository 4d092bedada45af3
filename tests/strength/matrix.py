"""Running the real command line against one endpoint variant, served from this process on a free port."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from conformance.reference import REFERENCE_ALLOW_LIST, REFERENCE_TICKET

from .variants import VIOLATION, Variant, run_id

SEED = 20240611
UNUSED_IDS = "1000-2147483647"  # above every id the reference store holds, up to the int32 edge
PYCACHE = Path(tempfile.gettempdir()) / "conformance-strength-pycache"
T = TypeVar("T")


@dataclass
class SuiteRun:
    """What one ``conformance run`` said: its exit code and, from summary.json, which checks reported findings."""

    exit_code: int
    fired: dict[str, str] = field(default_factory=dict)  # check -> its first violation
    advised: dict[str, str] = field(default_factory=dict)  # check -> its first advisory
    errors: list[str] = field(default_factory=list)  # suite bugs reported in summary.json
    seconds: float = 0.0
    output: str = ""  # the tail of stdout/stderr, for failure messages


@dataclass
class VariantRun:
    variant: Variant
    version: str
    run: SuiteRun

    @property
    def id(self) -> str:
        return run_id(self.variant, self.version)

    @property
    def caught(self) -> bool:
        """As the catalogue says: a violation-level defect exits 1 with a violation from every intended check; an
        advisory-level defect exits 0 with an advisory from every intended check (it breaks only a SHOULD); a
        conformant variant exits 0 with no violation."""
        variant, run = self.variant, self.run
        if variant.conformant:
            return run.exit_code == 0 and not run.fired
        if variant.level == VIOLATION:
            return run.exit_code == 1 and all(check in run.fired for check in variant.checks)
        return run.exit_code == 0 and all(check in run.advised for check in variant.checks)

    def explain(self) -> str:
        wanted = ", ".join(self.variant.checks) or "no finding (exit 0)"
        fired = sorted(self.run.fired) or "nothing"
        advised = sorted(self.run.advised) or "nothing"
        lines = [
            f"{self.id}: exit {self.run.exit_code}; wanted {wanted} ({self.variant.level}); "
            f"violations {fired}; advisories {advised}"
        ]
        lines += [f"  {message}" for message in list(self.run.fired.values())[:8]]
        lines += [f"  advisory: {message}" for message in list(self.run.advised.values())[:4]]
        lines += [f"  suite error: {e}" for e in self.run.errors[:3]]
        if not self.run.fired:
            lines.append(self.run.output)
        return "\n".join(lines)


def command(url: str, version: str, report_dir: Path, extra: Iterable[str] = ()) -> list[str]:
    """``conformance run`` as a user would type it for this configured endpoint."""
    return [
        sys.executable,
        "-m",
        "conformance",
        "run",
        "--endpoint",
        url,
        "--appointment-id",
        ",".join(map(str, REFERENCE_ALLOW_LIST)),
        "--unused-ids",
        UNUSED_IDS,
        "--soap-version",
        version,
        "--report-dir",
        str(report_dir),
        "--max-examples",
        "15",
        "--timeout",
        "3",
        "--seed",
        str(SEED),
        "--hypothesis-database",
        "none",
        *extra,
        "-q",
    ]


def environment() -> dict[str, str]:
    """The caller's environment without CONFORMANCE_* settings, plus the reference ticket (as a user would pass it).

    Bytecode goes to a cache outside the tree: under PYTHONDONTWRITEBYTECODE every run would recompile and
    assertion-rewrite the pytest plugins' modules again, about 1.5 s of a 2 s run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["CONFORMANCE_TICKET"] = REFERENCE_TICKET
    return env


def run_suite(url: str, version: str, workdir: Path, extra: Iterable[str] = ()) -> SuiteRun:
    """``conformance run`` against ``url`` in ``workdir``; its exit code and the checks that reported findings."""
    report_dir = workdir / "report"
    start = time.perf_counter()
    done = subprocess.run(
        command(url, version, report_dir, extra),
        cwd=workdir,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    run = SuiteRun(done.returncode, seconds=time.perf_counter() - start)
    run.output = (done.stdout[-2500:] + "\n" + done.stderr[-1500:]).strip()
    summary_path = report_dir / "summary.json"
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        for finding in summary.get("findings", []):
            run.fired.setdefault(finding["check"], finding["message"])
        for advisory in summary.get("advisories", []):
            run.advised.setdefault(advisory["check"], advisory["message"])
        run.errors = [e.get("message", "") for e in summary.get("errors", [])]
    return run


def run_variant(variant: Variant, version: str, workdir: Path, extra: Iterable[str] = ()) -> VariantRun:
    """Serve ``variant`` (a fresh store) on a free port and run the suite against it."""
    server = variant.start(version)
    try:
        return VariantRun(variant, version, run_suite(server.url, version, workdir, (*variant.args, *extra)))
    finally:
        server.stop()


def in_parallel(tasks: list[Callable[[], T]], workers: int) -> list[T]:
    """Results of ``tasks`` (in order), ``workers`` at a time."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda task: task(), tasks))


def run_all(runs: list[tuple[Variant, str]], workers: int = 2, extra: Iterable[str] = ()) -> list[VariantRun]:
    """Every (variant, version) run, ``workers`` at a time, in the order given."""
    with tempfile.TemporaryDirectory(prefix="strength-") as tmp:

        def task(index: int) -> Callable[[], VariantRun]:
            variant, version = runs[index]
            workdir = Path(tmp) / f"{index:03d}"
            workdir.mkdir()
            return lambda: run_variant(variant, version, workdir, extra)

        return in_parallel([task(i) for i in range(len(runs))], workers)
