"""Optional profiles (``--profile``, needs ``pip install pyinstrument``): the round-trip path in this process, and a
whole ``conformance run`` in a child process. Writes the full trees to ``benchmarks/profiles/`` and returns the time
spent in the functions that matter, so the table can say what dominates."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from roundtrip import StubItem, allure_results, generate_calls, reference_endpoint, suite_session
from timing import Row
from wholerun import FirstRequestProbe, child_env

from conformance.checks import REGISTRY, Expect
from conformance.contract.messages import RejectCall

SECTION = "5 profile"

ROUNDTRIP_WATCH = (
    ("send (requests + server turn)", "Transport.send"),
    ("prepare: build envelope, guard, XSD-validate request, serialize", "Runner.prepare"),
    (f"run_checks: parse, schema gate, {len(REGISTRY)} checks", "run_checks"),
    ("SuiteSession.record (summary record)", "SuiteSession.record"),
    ("allure_report.record_case (labels, steps, attachments)", "record_case"),
    ("  of which one Allure step per check", "_check_step"),
    ("  of which request and response attachments (pretty-print, redaction, files)", "attach_exchange"),
    ("allure-commons writing the test result JSON", "close_test"),
)
RUN_WATCH = (
    ("pytest plugin import via entry points (conformance.plugin, xmlschema...)", "load_setuptools_entrypoints"),
    ("collection (imports the suite module: hypothesis)", "pytest_collection"),
    ("pytest assertion rewriting (AST + compile; plugin distributions incl. hypothesis)", "_rewrite_test"),
    ("xmlschema builds (Schema.detailed)", "detailed"),
    ("test loop", "pytest_runtestloop"),
    ("  hypothesis charmap build (no .hypothesis/unicode_data cache)", "charmap"),
    ("  transport (send)", "Transport.send"),
)


def _name(frame: Any) -> str:
    return f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function


def time_in(root: Any, identifier: str) -> float:
    """Inclusive seconds in frames named ``identifier`` (``Class.method`` or ``function``), nested calls once."""
    total, stack = 0.0, [root]
    while stack:
        frame = stack.pop()
        name = _name(frame)
        if name == identifier or frame.function == identifier:
            total += frame.time
            continue
        stack.extend(frame.children)
    return total


def _rows(root: Any, watch: tuple[tuple[str, str], ...], label: str, path: Path) -> list[Row]:
    whole = root.time
    note = f"tree: benchmarks/profiles/{path.name}; the profiler inflates Python-heavy code (AST rewriting, charmap)"
    rows = [Row(SECTION, f"{label}: profiled total", whole, "s", note=note)]
    for text, identifier in watch:
        spent = time_in(root, identifier)
        rows.append(Row(SECTION, f"{label}: {text}", spent, "s", ratio=spent / whole if whole else None))
    return rows


def profile_roundtrip(out_dir: Path, count: int) -> list[Row]:
    from pyinstrument import Profiler

    calls = generate_calls(count)
    with reference_endpoint("in-process") as url, suite_session(url) as session, allure_results() as as_test:
        node = StubItem()

        def run(call: RejectCall) -> None:
            with as_test("case"):
                session.run_case(session.generated_case(call, Expect.ACCEPT, "bench"), node)

        for call in calls[:50]:
            run(call)
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for call in calls:
            run(call)
        profiler.stop()
    path = out_dir / "roundtrip.txt"
    path.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    return _rows(profiler.last_session.root_frame(), ROUNDTRIP_WATCH, f"run_case x {count}", path)


def profile_run(out_dir: Path) -> list[Row]:
    from pyinstrument.session import Session

    from conformance.contract.soap import INT32_MAX
    from conformance.reference import REFERENCE_ALLOW_LIST, ReferenceServer

    probe = FirstRequestProbe()
    server = ReferenceServer(probe).start()
    try:
        with tempfile.TemporaryDirectory(prefix="conformance-prof-") as tmp:
            session_file = os.path.join(tmp, "run.pyisession")
            args = [sys.executable, "-m", "pyinstrument", "-r", "session", "-o", session_file, "-m", "conformance"]
            args += ["run", "-q", "--endpoint", server.url, "--unused-ids", f"1000-{INT32_MAX}"]
            args += ["--appointment-id", ",".join(map(str, REFERENCE_ALLOW_LIST))]
            subprocess.run(args, cwd=tmp, env=child_env(True), capture_output=True, timeout=300, check=False)
            session = Session.load(session_file)
    finally:
        server.stop()
    path = out_dir / "run.txt"
    from pyinstrument.renderers import ConsoleRenderer

    path.write_text(ConsoleRenderer(unicode=True, color=False, show_all=False).render(session), encoding="utf-8")
    return _rows(session.root_frame(), RUN_WATCH, "conformance run (external endpoint)", path)


def profile(out_dir: Path, count: int) -> list[Row]:
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        return [Row(SECTION, "profiles skipped: pip install pyinstrument", None, "")]
    out_dir.mkdir(parents=True, exist_ok=True)
    return profile_roundtrip(out_dir, count) + profile_run(out_dir)
