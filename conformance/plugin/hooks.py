"""The pytest plugin (entry point ``pytest11``): options, fixtures, case parametrization, run-level reports.

Thin on purpose: it turns options into ``Settings``, hands cases to ``SuiteSession``, and collects the
records every test (on any xdist worker) attaches to its report.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .. import __version__
from ..checks import REGISTRY, TRANSPORT
from ..config import ConfigError, Settings, load_settings
from ..config.options import OPTIONS, dest, flags_from, long_flag
from ..contract.documentation import DOC_CHECKS
from ..contract.soap import soap_version
from ..generation.cases import auth_cases, coverage_cases, fixture_cases
from ..generation.negative import negative_cases
from ..reporting import allure_report, allure_results, junit
from ..reporting.summary import PROPERTY, RunSummary, write_allure_extras
from ..run.session import SuiteSession, id_policy

SETTINGS = pytest.StashKey[Settings]()
SUMMARY = pytest.StashKey[RunSummary]()
PROGRESS = pytest.StashKey["Progress"]()


class Progress:
    """How far the run got: tests planned, tests finished, tests running, and whether Ctrl-C stopped it."""

    def __init__(self) -> None:
        self.planned: int | None = None
        self.finished = 0
        self.running: set[str] = set()
        self.interrupted = False

    def as_meta(self) -> dict[str, object]:
        if not self.interrupted:
            return {"interrupted": False}
        return {
            "interrupted": True,
            "interrupted_while": sorted(self.running),
            "tests_finished": self.finished,
            "tests_planned": self.planned,
        }

    def note(self) -> str:
        planned = f" of {self.planned}" if self.planned is not None else ""
        running = f"; running: {', '.join(sorted(self.running))}" if self.running else ""
        return f"stopped by Ctrl-C / SIGINT after {self.finished}{planned} tests{running}"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Every option as ``--name`` and as ``--conformance-name``; only the latter where another plugin or pytest
    itself owns the name (pytest's ``--strict``, pytest-timeout's ``--timeout``)."""
    group = parser.getgroup("conformance", "SuperOffice Services82 Reject conformance")
    for flag, field, kwargs in OPTIONS:
        try:
            group.addoption(flag, long_flag(flag), dest=dest(field), **kwargs)
        except (ValueError, argparse.ArgumentError):
            group.addoption(long_flag(flag), dest=dest(field), **kwargs)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def settings_of(config: pytest.Config) -> Settings:
    if SETTINGS not in config.stash:
        try:
            config.stash[SETTINGS] = load_settings(flags_from(config.option))
        except ConfigError as exc:
            raise pytest.UsageError(f"conformance: {exc}") from None
    return config.stash[SETTINGS]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: a Reject conformance test")
    max_failures = getattr(config.option, dest("max_failures"), None)
    if max_failures:
        config.option.maxfail = max_failures
    if not _is_worker(config):
        config.stash[SUMMARY] = RunSummary()
        config.stash[PROGRESS] = Progress()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conformance_doc" in metafunc.fixturenames:
        metafunc.parametrize("conformance_doc", DOC_CHECKS, ids=[d.id for d in DOC_CHECKS])
    if "conformance_case" not in metafunc.fixturenames:
        return
    settings = settings_of(metafunc.config)
    policy = id_policy(settings)
    phase = metafunc.function.__name__.removeprefix("test_")
    cases = {
        "fixture": lambda: fixture_cases(policy),
        "coverage": lambda: coverage_cases(policy),
        "negative": lambda: negative_cases(policy, soap_version(settings.soap_version)),
        "auth": lambda: auth_cases(policy, settings.online),
    }[phase]()
    metafunc.parametrize("conformance_case", cases, ids=[c.id.split("/", 1)[1] for c in cases])


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest):  # noqa: ANN201 - a generator fixture
    """The run's ``SuiteSession``: target (embedded endpoint started if none is configured), transport, runner."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    session = SuiteSession(settings_of(request.config), workers=workers)
    yield session
    session.close()


@pytest.fixture(scope="session")
def conformance_seed(request: pytest.FixtureRequest) -> int:
    """The hypothesis seed: ``--seed``, or a fresh one that failure messages print so the run can be repeated."""
    seed = settings_of(request.config).seed
    return seed if seed is not None else random.SystemRandom().randrange(2**32)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    config = _CONFIG.get("config")
    if config is None or SUMMARY not in config.stash:
        return
    summary = config.stash[SUMMARY]
    records = [v for k, v in report.user_properties if k == PROPERTY] if report.when == "call" else []
    for record in records:
        summary.add(record)
    if report.skipped and report.when in ("setup", "call"):
        reason = _skip_reason(report)
        if hasattr(report, "wasxfail") and "documentation finding" in reason:
            summary.documentation.append({"test": report.nodeid, "finding": reason})
        elif report.nodeid.startswith(_suite_prefix(report)):
            summary.skipped.append({"test": report.nodeid, "reason": reason})
    elif report.failed and not records and "test_reject" in report.nodeid:
        summary.errors.append(
            {"test": report.nodeid, "when": report.when, "message": str(report.longrepr).strip().splitlines()[-1][:500]}
        )


_CONFIG: dict[str, pytest.Config] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _CONFIG["config"] = session.config


def _suite_prefix(report: pytest.TestReport) -> str:
    return report.nodeid.split("::", 1)[0] if "test_reject" in report.nodeid else "\0"


def _skip_reason(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return str(report.wasxfail).removeprefix("reason: ")
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


# --- how far the run got, and an honest report when Ctrl-C stops it ----------------------------------


def pytest_collection_finish(session: pytest.Session) -> None:
    if PROGRESS in session.config.stash:
        session.config.stash[PROGRESS].planned = len(session.items)


def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    config = _CONFIG.get("config")
    if config is not None and PROGRESS in config.stash:
        config.stash[PROGRESS].planned = len(ids)


def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    config = _CONFIG.get("config")
    if config is not None and PROGRESS in config.stash:
        config.stash[PROGRESS].running.add(nodeid)


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    config = _CONFIG.get("config")
    if config is not None and PROGRESS in config.stash:
        progress = config.stash[PROGRESS]
        progress.running.discard(nodeid)
        progress.finished += 1


WORKER_EXIT_SECONDS = 1.5  # after Ctrl-C, how long pytest-xdist waits for its workers before it kills them


def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo) -> None:
    config = _CONFIG.get("config")
    if config is not None and PROGRESS in config.stash:
        config.stash[PROGRESS].interrupted = True
        # Workers get the SIGINT too and stop within a second (each test writes its results as it ends); xdist
        # would wait up to 10 s for their gateways to close, which is what made Ctrl-C slow with --workers.
        nodemanager = getattr(config.pluginmanager.getplugin("dsession"), "nodemanager", None)
        if nodemanager is not None and hasattr(nodemanager, "EXIT_TIMEOUT"):
            nodemanager.EXIT_TIMEOUT = WORKER_EXIT_SECONDS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):  # noqa: ANN201 - a hook wrapper
    """The test running when Ctrl-C comes is marked, so its Allure result says *broken*, not *passed*."""
    outcome = yield
    if outcome.excinfo is not None and issubclass(outcome.excinfo[0], KeyboardInterrupt):
        allure_report.mark_interrupted()


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if _is_worker(config) or SUMMARY not in config.stash:
        return
    summary, progress = config.stash[SUMMARY], config.stash[PROGRESS]
    if not (summary.records or summary.skipped or summary.documentation or summary.errors or progress.interrupted):
        return
    settings = settings_of(config)
    summary.meta = {**run_meta(settings, summary), **progress.as_meta()}
    data = summary.write(Path(settings.report_dir) / "summary.json")
    config.stash[SUMMARY].meta["written"] = data
    alluredir = getattr(config.option, "allure_report_dir", None)
    if alluredir:
        write_allure_extras(Path(alluredir), environment_of(settings, summary))
        allure_results.mark_advisories(Path(alluredir))
        allure_results.mark_interrupted(Path(alluredir))


def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest's JUnit writer: an interrupted run's junit.xml keeps only real test cases and says so."""
    progress = config.stash.get(PROGRESS, None)
    xmlpath = getattr(config.option, "xmlpath", None)
    if progress is not None and progress.interrupted and xmlpath:
        junit.mark_interrupted(Path(xmlpath), progress.note())


def run_meta(settings: Settings, summary: RunSummary) -> dict[str, object]:
    return {
        "suite_version": __version__,
        "endpoint": "embedded reference endpoint" if settings.embedded else _safe_url(settings.endpoint),
        "environment": settings.env,
        "soap_version": settings.soap_version,
        "strict": settings.strict,
        "server": next((r["server"] for r in summary.records if r.get("server")), None),
    }


def environment_of(settings: Settings, summary: RunSummary) -> dict[str, str]:
    meta = run_meta(settings, summary)
    return {
        "Endpoint": str(meta["endpoint"]),
        "Environment": settings.env or "",
        "SOAP.version": settings.soap_version,
        "Suite.version": __version__,
        "Strict": "yes: advisories fail" if settings.strict else "no: advisories are reported, not failed",
        "Server": str(meta["server"] or ""),
        "Python": platform.python_version(),
    }


def _safe_url(url: str | None) -> str:
    """Host and path only: no userinfo, no query (either could carry a secret)."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}{parts.path}"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    if _is_worker(config) or SUMMARY not in config.stash:
        return
    data = config.stash[SUMMARY].meta.get("written")
    if not data:
        return
    tr = terminalreporter
    tr.section("Reject conformance")
    tr.write_line(f"endpoint: {data['endpoint']}   SOAP {data['soap_version']}   exchanges: {data['exchanges']}")
    tr.write_line(f"{'check':<22}{'passed':>8}{'failed':>8}{'advisory':>10}{'n/a':>8}")
    for name in [TRANSPORT, *REGISTRY]:
        counts = data["checks"].get(name, {})
        if name == TRANSPORT and not counts.get("failed"):
            continue
        mark = "  <-- " if counts.get("failed") else ("  <-- advisory" if counts.get("advisory") else "")
        tr.write_line(
            f"{name:<22}{counts.get('passed', 0):>8}{counts.get('failed', 0):>8}{counts.get('advisory', 0):>10}"
            f"{counts.get('not-applicable', 0):>8}{mark}"
        )
    for finding in data["documentation_findings"]:
        tr.write_line(f"{finding['finding'][:170]}…")
    for skipped in data["skipped_cases"]:
        tr.write_line(f"skipped: {skipped['test'].split('::')[-1]}: {skipped['reason'][:140]}")
    for line in grouped_findings(data["findings"]):
        tr.write_line(line)
    strict = data.get("strict")
    for line in grouped_findings(data["advisories"], label="FAILED (--strict) advisory" if strict else "ADVISORY"):
        tr.write_line(line)
    if data["findings"] or data["advisories"]:
        tr.write_line(f"every finding, with its reproduction: {Path(settings_of(config).report_dir) / 'summary.json'}")
    advisories = len(data["advisories"])
    if data.get("interrupted"):
        tr.write_line(f"INTERRUPTED: {config.stash[PROGRESS].note()}; the reports hold what finished before")
    tr.write_line(
        f"passed {data['passed']}, failed {data['failed']}, skipped {data['skipped']}, advisories {advisories}"
        + ("" if strict or not advisories else " (SHOULD rules: not failed; --strict fails them)")
        + f", documentation findings {len(data['documentation_findings'])}"
    )


def grouped_findings(findings: list[dict[str, object]], examples: int = 3, label: str = "FAILED") -> list[str]:
    """One block per check: how many cases, one full message, and a few case ids."""
    by_check: dict[str, list[dict[str, object]]] = {}
    for finding in findings:
        by_check.setdefault(str(finding["check"]), []).append(finding)
    lines = []
    for check, items in by_check.items():
        cases = [str(i["case"]) for i in items]
        more = f" (+{len(cases) - examples} more)" if len(cases) > examples else ""
        lines.append(f"{label} {check} in {len(cases)} case(s): {', '.join(cases[:examples])}{more}")
        lines.append(f"    {items[0]['message']}")
    return lines
