"""The pytest plugin (entry point ``pytest11``): hooks and fixtures only.

It turns options into ``Settings``, parametrizes the suite's tests with the cases of their phase (from their
``conformance`` marker), hands each case to ``SuiteSession``, collects the records every test (on any xdist worker)
attaches to its report, and has the reports written when the run ends; the work itself lives in the library.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from ..config import ConfigError, Settings, load_settings
from ..config.options import OPTIONS, dest, flags_from, long_flag
from ..contract.documentation import DOC_CHECKS
from ..contract.soap import soap_version
from ..errors import LoginFailed
from ..generation.cases import auth_cases, coverage_cases, fixture_cases
from ..generation.negative import negative_cases
from ..reporting import allure_report, allure_results, allure_tidy, junit
from ..reporting.exit_codes import EXIT_UNREACHABLE, EXIT_USAGE, plugin_exit_code
from ..reporting.run_info import environment_of, run_meta
from ..reporting.summary import PROPERTY, RunSummary, write_allure_extras
from ..reporting.terminal import check_table, summary_lines, unreported_note
from ..run.journal import SentJournal, describe, read_journals
from ..run.login import log_in
from ..run.preflight import preflight
from ..run.session import SuiteSession, id_policy
from ..run.staging import Staging, read_end, survey
from . import ctrl_c
from .progress import WORKER_EXIT_SECONDS, Progress, hurry_xdist_shutdown

SETTINGS = pytest.StashKey[Settings]()
SUMMARY = pytest.StashKey[RunSummary]()
PROGRESS = pytest.StashKey[Progress]()
LOGIN_KEY = "conformance_login"  # the controller's login, handed to each xdist worker
UNFIT_KEY = "conformance_unfit"  # allow-listed ids the controller found unfit, and why
SERIES_KEY = "conformance_series"  # allow-listed id → its series, as the controller's survey read it
SURVEYED_KEY = "conformance_surveyed"  # the controller surveyed the allow-listed appointments
STAGING = pytest.StashKey[Staging]()
SESSION = pytest.StashKey[SuiteSession]()
JOURNAL_KEY = "conformance_journal"  # the directory where each worker writes what it sends ahead (run/journal.py)
JOURNALS = pytest.StashKey[Path]()
TAKEN_NAMES = pytest.StashKey[tuple[str, ...]]()  # short option names another plugin or a conftest owns
GROUP = "conformance"
GROUP_HELP = (
    "SuperOffice Services82 Reject conformance; each option also as --NAME without 'conformance-', where no other "
    "plugin or conftest has that name (pytest's own --strict, pytest-timeout's --timeout)"
)
SUITE = Path(__file__).parent.parent / "suite"  # the suite's test modules
SUITE_KEYWORD = "conformance.suite"  # on the suite's own tests (no folder or marker of another project has it)
MARKER = "conformance"  # @pytest.mark.conformance(phase=…) on the suite's tests
_CONFIG: dict[str, pytest.Config] = {}  # for hooks that get no config (report and xdist hooks)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Every option as ``--conformance-NAME``, a name no other plugin has; the short ``--NAME`` follows once every
    plugin and conftest has added its own (``pytest_load_initial_conftests``)."""
    group = parser.getgroup(GROUP, GROUP_HELP)
    for flag, field, kwargs in OPTIONS:
        group.addoption(long_flag(flag), dest=dest(field), **kwargs)


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> object:
    """Add each short ``--NAME`` that is still free after the installed plugins and the initial conftests.

    A plugin is loaded in the order the installed packages happen to be listed, so the suite claiming
    ``--timeout`` first made pytest-timeout's own ``--timeout`` crash every pytest session in the environment
    (the user's other test suites too); a conftest declaring ``--env`` crashed the same way. A taken name stays
    its owner's, and the suite's option is ``--conformance-NAME`` there (``_taken_names_used``)."""
    result = yield
    group = parser.getgroup(GROUP)
    taken = []
    for flag, field, kwargs in OPTIONS:
        try:
            group.addoption(flag, dest=dest(field), **{**kwargs, "help": argparse.SUPPRESS})
        except (ValueError, argparse.ArgumentError):
            taken.append(flag)
    early_config.stash[TAKEN_NAMES] = tuple(taken)
    return result


def _taken_names_used(config: pytest.Config) -> list[str]:
    """One note per short name the command line used that another plugin or a conftest owns here."""
    taken = config.stash.get(TAKEN_NAMES, ())
    given = {arg.split("=", 1)[0] for arg in config.invocation_params.args if isinstance(arg, str)}
    return [
        f"conformance: {flag} here is another plugin's or a conftest's option, not the suite's; the suite's is "
        f"{long_flag(flag)}"
        for flag in taken
        if flag in given
    ]


NOT_SURVEYED = (
    "conformance: this pytest session collected the suite without being recognised as a conformance run, so the "
    "allow-listed appointments were not surveyed (the survey skips unfit ones for safety); nothing was sent. "
    "Start it as `pytest --pyargs conformance …` or `conformance run …`"
)


def _unsurveyed(settings: Settings) -> bool:
    """Allow-listed appointments of a configured endpoint that no survey has read: nothing may be sent."""
    return not settings.embedded and bool(settings.appointment_ids) and not settings.surveyed


def _lists_only(config: pytest.Config) -> bool:
    """pytest only lists (tests, fixtures, the setup plan): no test runs, so nothing is surveyed either."""
    option = config.option
    listing = ("collectonly", "showfixtures", "show_fixtures_per_test", "setupplan")
    return any(getattr(option, name, False) for name in listing)


class _StartedByCli:
    """Registered by ``conformance run`` (``pytest.main(plugins=…)``): it has probed the endpoint already."""


STARTED_BY_CLI = _StartedByCli()


def _started_by_cli(config: pytest.Config) -> bool:
    return config.pluginmanager.is_registered(STARTED_BY_CLI)


def _preflight(settings: Settings) -> None:
    """As ``conformance run`` does before pytest: one line and exit code 3 when nothing answers, or no SOAP service
    (README: exit codes), instead of a contract violation per case."""
    try:
        problem = preflight(settings)
    except ConfigError as exc:
        raise pytest.UsageError(f"conformance: {exc}") from None
    if problem:
        pytest.exit(f"conformance: {problem}", returncode=EXIT_UNREACHABLE)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _controller(key: pytest.StashKey) -> object | None:
    """What the controller process keeps under ``key`` (``None`` on a worker, or before the session starts)."""
    config = _CONFIG.get("config")
    return config.stash.get(key, None) if config is not None else None


def settings_of(config: pytest.Config) -> Settings:
    if SETTINGS not in config.stash:
        try:
            settings = load_settings(flags_from(config.option))
        except ConfigError as exc:
            raise pytest.UsageError(f"conformance: {exc}") from None
        # the workers are what xdist's -n starts (the CLI's --workers reaches pytest as -n), whatever
        # CONFORMANCE_WORKERS or the config file say: no -n, no workers
        numprocesses = getattr(config.option, "numprocesses", None)
        settings = replace(settings, workers=max(numprocesses, 0) if isinstance(numprocesses, int) else 0)
        handed = getattr(config, "workerinput", {})
        login = handed.get(LOGIN_KEY)
        if login:  # the controller logged in once for every worker
            settings = replace(settings, ticket=login["ticket"], authenticated_by=login["how"])
        if handed.get(UNFIT_KEY):  # the controller's survey of the allow-listed appointments
            settings = replace(settings, unfit=tuple((int(i), str(why)) for i, why in handed[UNFIT_KEY]))
        if handed.get(SERIES_KEY):
            series = tuple((int(i), None if s is None else int(s)) for i, s in handed[SERIES_KEY])
            settings = replace(settings, series=series)
        if handed.get(SURVEYED_KEY):
            settings = replace(settings, surveyed=True)
        config.stash[SETTINGS] = settings
    return config.stash[SETTINGS]


def _log_in_here(config: pytest.Config) -> Settings:
    """The controller's settings with a ticket: a login (once per run) when the run logs in and has none yet."""
    settings = settings_of(config)
    if not settings.logs_in or settings.embedded:
        return settings
    try:
        login = log_in(settings, str(settings.endpoint))
    except LoginFailed as exc:
        pytest.exit(f"conformance: login failed: {exc}", returncode=exc.exit_code)
    settings = replace(settings, ticket=login.ticket, authenticated_by=login.how)
    config.stash[SETTINGS] = settings
    return settings


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """pytest-xdist, on the controller: hand every worker the run's one login and the survey of the allow-listed
    appointments (``conformance run`` logs in before pytest; the survey is made at session start)."""
    config = node.config  # type: ignore[attr-defined]
    if not _runs_the_suite(config):
        return  # another project's xdist session: nothing to log in to, nothing sent
    try:
        settings = _log_in_here(config)
    except pytest.UsageError:
        return  # not a conformance run, or a mistake each worker reports itself
    if settings.ticket and settings.authenticated_by and not settings.embedded:
        node.workerinput[LOGIN_KEY] = {"ticket": settings.ticket, "how": settings.authenticated_by}  # type: ignore[attr-defined]
    if settings.unfit:
        node.workerinput[UNFIT_KEY] = [list(pair) for pair in settings.unfit]  # type: ignore[attr-defined]
    if settings.series:
        node.workerinput[SERIES_KEY] = [list(pair) for pair in settings.series]  # type: ignore[attr-defined]
    if settings.surveyed:
        node.workerinput[SURVEYED_KEY] = True  # type: ignore[attr-defined]
    if settings.concurrency > 1:
        if JOURNALS not in config.stash:
            config.stash[JOURNALS] = Path(tempfile.mkdtemp(prefix="conformance-sent-ahead-"))
        node.workerinput[JOURNAL_KEY] = str(config.stash[JOURNALS])  # type: ignore[attr-defined]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(phase): a Reject conformance test of that phase")
    max_failures = getattr(config.option, dest("max_failures"), None)
    if max_failures is not None:
        try:
            config.option.maxfail = int(str(max_failures).strip())  # as the settings read it ("+3" too)
        except ValueError:
            pass  # not a number: the settings' check reports it (exit 2)
    if not _is_worker(config):
        config.stash[SUMMARY] = RunSummary()
        config.stash[PROGRESS] = Progress()
    if _runs_the_suite(config):
        ctrl_c.install()


def pytest_report_header(config: pytest.Config) -> list[str]:
    return _taken_names_used(config) if _runs_the_suite(config) else []


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A Ctrl-C that Python swallowed (``plugin/ctrl_c.py``) stops the run before the next test. A test run again
    (pytest-rerunfailures) reports only what this run of it records."""
    ctrl_c.raise_if_swallowed()
    if any(key == PROPERTY for key, _value in item.user_properties):
        item.user_properties[:] = [(key, value) for key, value in item.user_properties if key != PROPERTY]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Before collection and before any xdist worker starts, on a configured endpoint, the controller makes sure a
    SOAP service answers (``run/preflight.py``; ``conformance run`` has done so already), then surveys the
    allow-listed appointments once (``run/staging.py``): unfit ones are skipped for safety, declined ones put
    back. Listing the tests or fixtures (``--collect-only``, ``--fixtures``, ``--setup-plan``) sends nothing."""
    config = session.config
    _CONFIG["config"] = config
    if _is_worker(config) or not _runs_the_suite(config) or _lists_only(config):
        return
    settings = settings_of(config)
    if settings.embedded:
        return
    if not _started_by_cli(config):
        _preflight(settings)
    if not settings.appointment_ids:
        return
    settings = _log_in_here(config)
    staging = survey(settings)
    config.stash[STAGING] = staging
    config.stash[SETTINGS] = replace(settings, unfit=staging.unfit, series=staging.series, surveyed=True)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conformance_doc" in metafunc.fixturenames:
        metafunc.parametrize("conformance_doc", DOC_CHECKS, ids=[d.id for d in DOC_CHECKS])
    if "conformance_case" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None or "phase" not in marker.kwargs:
        raise pytest.UsageError(f"{metafunc.function.__name__}: a conformance_case test needs @pytest.mark.{MARKER}")
    settings = settings_of(metafunc.config)
    policy = id_policy(settings)
    cases = {
        "fixture": lambda: fixture_cases(policy),
        "coverage": lambda: coverage_cases(policy),
        "negative": lambda: negative_cases(policy, soap_version(settings.soap_version)),
        "auth": lambda: auth_cases(policy, settings.online, settings.embedded, not settings.no_credentials),
    }[marker.kwargs["phase"]]()
    metafunc.parametrize("conformance_case", cases, ids=[c.id.split("/", 1)[1] for c in cases])


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest):  # noqa: ANN201 - a generator fixture
    """The run's ``SuiteSession``: target (embedded endpoint started if none is configured), transport, runner."""
    handed = getattr(request.config, "workerinput", {})  # what xdist's controller gave this worker
    # this run's own workers, not a PYTEST_XDIST_WORKER_COUNT inherited from a parent run
    workers = int(handed.get("workercount", 1))
    settings = settings_of(request.config)
    if _unsurveyed(settings):
        pytest.exit(NOT_SURVEYED, returncode=EXIT_USAGE)  # a usage mistake (README: exit codes)
    journals = handed.get(JOURNAL_KEY)
    journal = SentJournal(Path(journals) / f"{handed['workerid']}-{os.getpid()}.log") if journals else None
    try:
        session = SuiteSession(settings, workers=workers, journal=journal)
    except LoginFailed as exc:
        pytest.exit(f"conformance: login failed: {exc}", returncode=exc.exit_code)
    request.config.stash[SESSION] = session
    yield session
    session.close()


@pytest.fixture(scope="session")
def conformance_seed(conformance: SuiteSession) -> int:
    """The hypothesis seed: ``--seed``, or a fresh one that failure messages print so the run can be repeated."""
    return conformance.seed


# --- collecting what every test reports --------------------------------------------------------------


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """What each of the suite's tests reports; only its last run when a plugin runs a test again (a ``rerun``)."""
    summary = _controller(SUMMARY)
    if summary is None or report.outcome == "rerun" or SUITE_KEYWORD not in report.keywords:
        return
    records = [v for k, v in report.user_properties if k == PROPERTY] if report.when == "call" else []
    for record in records:
        summary.add(record)
    if report.skipped and report.when in ("setup", "call"):
        reason = _skip_reason(report)
        if hasattr(report, "wasxfail") and "documentation finding" in reason:
            summary.documentation.append({"test": report.nodeid, "finding": reason})
        else:
            summary.skipped.append({"test": report.nodeid, "reason": reason})
    elif report.failed and not records:
        summary.errors.append({"test": report.nodeid, "when": report.when, "message": _error_message(report)})


def _error_message(report: pytest.TestReport) -> str:
    """The error itself (``Failed: Timeout …``), not the last line of its traceback (a box of an exception group)."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = getattr(crash, "message", None) or (str(report.longrepr).strip().splitlines() or [""])[-1]
    return message.strip()[:500]


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


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """On the controller, before any test is handed to a worker: a session that collected the suite without
    surveying stops here with ``NOT_SURVEYED`` (the workers' own stop showed only as crashed workers)."""
    config = _CONFIG.get("config")
    if config is not None and not _lists_only(config) and any(_in_suite(config, i) for i in ids):
        try:
            settings = settings_of(config)
        except pytest.UsageError:
            settings = None  # a configuration mistake: each worker's collection says it
        if settings is not None and _unsurveyed(settings):
            pytest.exit(NOT_SURVEYED, returncode=EXIT_USAGE)
    progress = _controller(PROGRESS)
    if progress is not None:
        progress.planned = len(ids)


def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    progress = _controller(PROGRESS)
    if progress is not None:
        progress.running.add(nodeid)


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    progress = _controller(PROGRESS)
    if progress is not None:
        progress.running.discard(nodeid)
        progress.finished += 1


def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo) -> None:
    ctrl_c.seen()
    progress = _controller(PROGRESS)
    if progress is None or not isinstance(excinfo.value, KeyboardInterrupt):  # not pytest.exit()
        return
    if not _runs_the_suite(_CONFIG["config"]):
        return  # another project's session: its reports and xdist's patience with its workers stay its own
    if _stopped_by_max_failures(excinfo.value):  # xdist's way to end a run at --max-failures: no interruption
        return
    progress.interrupted = True
    hurry_xdist_shutdown(_CONFIG["config"])


def _stopped_by_max_failures(exc: BaseException) -> bool:
    """pytest-xdist ends a run that reached ``--maxfail`` with its own ``KeyboardInterrupt`` subclass."""
    return type(exc).__module__.startswith("xdist") and str(exc).startswith("stopping after")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):  # noqa: ANN201 - a hook wrapper
    """The test running when Ctrl-C comes is marked, so its Allure result says *broken*, not *passed*; every test of
    the suite carries its node id, for a history that survives passing and failing."""
    if SUITE_KEYWORD in item.keywords:
        allure_report.mark_node(item.nodeid)
    outcome = yield
    if outcome.excinfo is not None and issubclass(outcome.excinfo[0], KeyboardInterrupt):
        allure_report.mark_interrupted()


# --- the run-level reports ----------------------------------------------------------------------------


def _stop_sending_ahead(config: pytest.Config) -> list[str]:
    """Before the end-of-run reads and the reports: nothing more goes out ahead, what is on the wire finishes."""
    session = config.stash.get(SESSION, None)
    return session.stop_ahead() if session is not None else []


def _read_journals(config: pytest.Config, summary: RunSummary, interrupted: bool) -> None:
    """What the xdist workers sent ahead and never reported, and what was cut short on the wire (a worker closed
    after Ctrl-C has up to ``WORKER_EXIT_SECONDS`` to finish; its end-of-session message does not get through)."""
    directory = config.stash.get(JOURNALS, None)
    if directory is None:
        return
    found = read_journals(directory, wait_s=WORKER_EXIT_SECONDS + 0.5 if interrupted else 0.5)
    summary.unreported.extend(describe(found.sent))
    summary.cut_short.extend(describe(found.cut_short))
    shutil.rmtree(directory, ignore_errors=True)
    del config.stash[JOURNALS]


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    unreported = _stop_sending_ahead(config)
    if _is_worker(config) or SUMMARY not in config.stash:
        return  # a worker's unreported cases are in its journal
    summary, progress = config.stash[SUMMARY], config.stash[PROGRESS]
    summary.unreported.extend(unreported)
    _read_journals(config, summary, progress.interrupted)
    if not (summary.records or summary.skipped or summary.documentation or summary.errors):
        if not (progress.interrupted and _runs_the_suite(config)):  # e.g. Ctrl-C in some other test session
            return
    settings = settings_of(config)
    summary.meta = {**run_meta(settings, summary.records), **progress.as_meta()}
    staging = config.stash.get(STAGING, None)
    if staging is not None and not progress.interrupted:
        read_end(settings, staging)
    if staging is not None:
        summary.meta.update(staging.as_summary())
    summary.meta["written"] = summary.write(Path(settings.report_dir) / "summary.json")
    alluredir = getattr(config.option, "allure_report_dir", None)
    if alluredir:
        write_allure_extras(Path(alluredir), environment_of(settings, summary.records))
        allure_results.mark_setup_problems(Path(alluredir))
        allure_results.mark_advisories(Path(alluredir))
        allure_results.mark_interrupted(Path(alluredir), progress.running if progress.interrupted else ())
        allure_tidy.tidy(Path(alluredir), settings.soap_version)
        _write_overview(Path(alluredir), summary.meta["written"], environment_of(settings, summary.records))
    # the README's exit codes in the plugin form too: a run that could not test (a refused ticket) is not green
    session.exitstatus = plugin_exit_code(int(session.exitstatus), summary.meta["written"])


def _write_overview(alluredir: Path, data: dict, environment: dict[str, str]) -> None:
    counts = f"{data['passed']} passed, {data['failed']} failed, {data['skipped']} skipped"
    counts += f", {len(data['advisories'])} advisories"
    problems = [*data.get("setup_problems", []), *data.get("restore_problems", [])]
    description = f"Reject conformance against {data['endpoint']}: {counts}."
    if problems:
        description += f" SETUP PROBLEM: {problems[0]}" + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else "")
    if data.get("interrupted"):
        description += " INTERRUPTED: the reports hold what finished before."
    if data.get("sent_not_reported"):
        description += f" {unreported_note(data['sent_not_reported'], shown=len(data['sent_not_reported']))}."
    settings_text = "\n".join(f"{name.replace('.', ' ')}: {value}" for name, value in environment.items())
    allure_results.write_overview(
        alluredir,
        f"run overview: {counts}",
        description,
        {"checks × outcomes": "\n".join(check_table(data)), "run settings": settings_text},
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The suite's own tests, by their file, carry ``SUITE_KEYWORD`` to their reports (across xdist too): a folder
    named ``conformance`` or a marker of that name in another project is a keyword of its tests as well."""
    suite = SUITE.resolve()
    for item in items:
        if suite in Path(item.path).resolve().parents:
            item.keywords[SUITE_KEYWORD] = True


def _in_suite(config: pytest.Config, nodeid: str) -> bool:
    """Whether the node id names a test of the suite, on the xdist controller, which has ids only: relative to the
    rootdir, or to the package when it lies outside (``suite/test_reject.py``)."""
    relative = nodeid.split("::")[0]
    return relative in _suite_names() or SUITE.resolve() in Path(config.rootpath, relative).resolve().parents


@functools.cache
def _suite_names() -> frozenset[str]:
    """The suite's test files as node ids name them when the package lies outside the rootdir."""
    files = [f.name for f in SUITE.glob("test_*.py")]
    return frozenset([*(f"suite/{name}" for name in files), *(f"conformance/suite/{name}" for name in files)])


def _runs_the_suite(config: pytest.Config) -> bool:
    """Whether this session collects the conformance suite: ``--pyargs conformance`` (the README's form) or
    ``conformance.suite[.…]``, or the path of the package, of the suite or of a file in it. Such a session surveys
    the allow-listed appointments first, which skips the unfit ones for safety; any other session that collects
    the suite (``pytest .`` in a checkout) stops before sending anything (``NOT_SURVEYED``)."""
    suite = SUITE.resolve()
    pyargs = config.option.pyargs  # without it, `conformance` is a path (perhaps another project's tests)
    for arg in config.args:
        name = arg.split("::")[0]
        if pyargs and (name in ("conformance", "conformance.suite") or name.startswith("conformance.suite.")):
            return True
        path = Path(config.invocation_params.dir, name).resolve()
        if path in (suite, suite.parent) or suite in path.parents:
            return True
    return False


def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest's JUnit writer: an interrupted run's junit.xml keeps only real test cases and says so."""
    progress = config.stash.get(PROGRESS, None)
    xmlpath = getattr(config.option, "xmlpath", None)
    if progress is not None and progress.interrupted and xmlpath:
        junit.mark_interrupted(Path(xmlpath), progress.note())


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    if _is_worker(config) or SUMMARY not in config.stash:
        return
    data = config.stash[SUMMARY].meta.get("written")
    if not data:
        return
    terminalreporter.section("Reject conformance")
    summary_path = Path(settings_of(config).report_dir) / "summary.json"
    setup_line = not _started_by_cli(config)  # the CLI prints the setup problem on stderr
    for line in summary_lines(data, summary_path, config.stash[PROGRESS].note(), setup_line=setup_line):
        terminalreporter.write_line(line)
