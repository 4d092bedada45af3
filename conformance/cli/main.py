"""``conformance``: run the suite, compare contracts, serve the reference endpoint, build the HTML report.

Exit codes of ``conformance run``: 0 every check passed; 1 contract violations found (with ``--fail-on new``:
only findings that are not in the ``--baseline``); 2 usage or configuration error; 3 endpoint unreachable
(no exchange possible). ``conformance drift``: 0 no breaking change; 1 a breaking contract change; 2 usage
error; 3 the live WSDL could not be read (unreachable, not published, not a WSDL).

Before a run against a configured endpoint, ``preflight`` makes sure something answers, that credentials are
configured (or ``--no-credentials`` says none are needed) and that the URL is a SOAP service at all."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .. import __version__
from ..config import ConfigError, Settings, check_report_dir, load_settings
from ..config.options import OPTIONS, dest, flags_from, long_flag
from ..errors import LoginFailed
from ..reporting.exit_codes import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    run_exit_code,
)
from ..run.preflight import preflight

if TYPE_CHECKING:
    pass


DRIFT_OPTIONS = (
    "endpoint",
    "env",
    "config",
    "timeout",
    "report_dir",
    "ca_bundle",
    "insecure",
    "username",  # login configured: drift covers SoPrincipal too
    "principal_endpoint",
    "proxy",
    "no_proxy",
    "proxy_from_env",
    "client_cert",
    "client_key",
    "headers",
)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line on stderr (the usage itself is in ``--help``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: usage error: {message} (see: {self.prog} --help)\n")


def _port(text: str) -> int:
    """A TCP port for ``serve --port``: 0 (any free port) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port: expected 0 (any free port) to 65535")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="conformance", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"conformance {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the conformance suite (embedded endpoint unless --endpoint)")
    for flag, field, kwargs in OPTIONS:
        run.add_argument(flag, dest=dest(field), **kwargs)
    run.add_argument("--workers", metavar="N", help="parallel workers (pytest-xdist); 0 = serial")
    run.add_argument("-q", "--quiet", action="store_true", help="less pytest output")
    run.add_argument("--save-baseline", metavar="FILE", help="record each case's outcome in FILE (JSON)")
    run.add_argument("--baseline", metavar="FILE", help="report what is new, fixed or changed since FILE")
    run.add_argument(
        "--fail-on",
        choices=["new", "any"],
        default="any",
        help="exit 1 on any finding (default) or only on findings not in --baseline",
    )
    run.add_argument("pytest_args", nargs="*", help="extra pytest arguments after --")

    drift = commands.add_parser(
        "drift", help="compare the endpoint's live WSDL with the shipped contract (embedded endpoint unless --endpoint)"
    )
    for flag, field, kwargs in OPTIONS:
        if field in DRIFT_OPTIONS:
            drift.add_argument(flag, dest=dest(field), **kwargs)

    serve = commands.add_parser("serve", help="serve the reference endpoint in the foreground")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8082, help="TCP port (default 8082; 0: any free port)")
    serve.add_argument("--online", action="store_true", help="require an application token")
    serve.add_argument(
        "--soap12",
        action="store_true",
        help="also answer SOAP 1.2 (application/soap+xml), as the documentation's examples use; default: SOAP 1.1 only",
    )
    serve.add_argument(
        "--faults-for-app-errors",
        action="store_true",
        help="report application errors as SOAP faults instead of Succeeded=false",
    )

    report = commands.add_parser("report", help="build the Allure HTML report from the last run's results")
    report.add_argument("--report-dir", default=None, metavar="DIR", help="where the run wrote (default: reports)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return run(args)
        if args.command == "serve":
            return serve(args)
        if args.command == "drift":
            return drift(args)
        if args.command == "report":
            from ..reporting.html import build_report

            return build_report(Path(args.report_dir or os.environ.get("CONFORMANCE_REPORT_DIR") or "reports"))
    except ConfigError as exc:
        print(f"conformance: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    flags = flags_from(args)
    if args.workers is not None:
        flags["workers"] = args.workers
    settings = load_settings(flags, require_credentials=False)  # checked by preflight, once something answers
    report_dir = Path(settings.report_dir)
    from ..errors import BaselineError
    from ..run.baseline import load

    if args.fail_on == "new" and not args.baseline:
        raise ConfigError("--fail-on new needs --baseline FILE (the findings that already existed)")
    try:
        baseline = load(Path(args.baseline)) if args.baseline else None
    except BaselineError as exc:
        raise ConfigError(str(exc)) from None
    check_report_dir(settings)
    if not settings.embedded:
        problem = preflight(settings)
        if problem:
            print(f"conformance: {problem}", file=sys.stderr)
            return EXIT_UNREACHABLE
    results_dir = report_dir / "allure-results"
    _clean(results_dir, report_dir / "summary.json", report_dir / "reproductions", report_dir / "baseline-diff.json")
    if not settings.embedded:
        print(
            "conformance: restore "
            + (
                "on: each invitation a Reject declined is put back with Accept (--no-restore leaves it declined)"
                if settings.restore
                else "off (--no-restore): invitations the run declines stay declined"
            )
        )
    if settings.logs_in and not settings.embedded:
        problem = log_in_once(settings, results_dir)
        if problem is not None:
            print(f"conformance: login failed: {problem}", file=sys.stderr)
            return problem.exit_code
    pytest_args = [
        "--pyargs",
        "conformance.suite",
        # its own configuration, not the one of the directory it is started from (addopts = -x there stopped the
        # run after one failure); node ids relative to the suite (test_reject.py::…), wherever it is started
        "-c",
        str(Path(__file__).with_name("pytest.ini")),
        f"--rootdir={Path(__file__).resolve().parent.parent / 'suite'}",
        "--assert=plain",  # the suite reports through pytest.fail; rewriting every module of hypothesis (a pytest
        # plugin's distribution) on import costs ~0.5 s per process wherever pytest cannot cache bytecode
        "-p",
        "no:cacheprovider",
        "-p",
        "no:benchmark",  # pytest-benchmark, when installed, would write .benchmarks/ into the user's directory
        "-rN",
        "--color=yes",
        f"--alluredir={results_dir}",
        f"--junitxml={report_dir / 'junit.xml'}",
        "-o",
        "junit_suite_name=reject-conformance",
        "-o",
        "junit_family=xunit2",
    ]
    pytest_args += _passthrough(args)
    workers = settings.workers  # the flag's value, checked with the other settings
    if workers:
        pytest_args += ["-n", str(workers)]
    pytest_args += ["-q"] if args.quiet else []
    pytest_args += args.pytest_args
    import pytest

    from ..plugin.hooks import STARTED_BY_CLI  # the plugin then skips the preflight made above

    code = exit_code(int(pytest.main(pytest_args, plugins=[STARTED_BY_CLI])), report_dir / "summary.json")
    if code == EXIT_USAGE and (report_dir / "summary.json").is_file():
        problems = json.loads((report_dir / "summary.json").read_text(encoding="utf-8")).get("setup_problems")
        if problems:
            print(f"conformance: {problems[0]}", file=sys.stderr)
    if baseline is not None or args.save_baseline:
        if code in (EXIT_OK, EXIT_VIOLATIONS):
            code = apply_baseline(args, baseline, report_dir, code)
        else:
            print(
                f"conformance: the run did not complete (exit {code}): no baseline compared or saved", file=sys.stderr
            )
    if code == EXIT_INTERRUPTED:  # the reports are written and closed: skip the interpreter's slow teardown
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def log_in_once(settings: Settings, results_dir: Path) -> LoginFailed | None:
    """One login for the whole run, before pytest starts: every worker inherits the ticket through the
    environment (``CONFORMANCE_TICKET``, with ``CONFORMANCE_AUTHENTICATED_BY`` saying how it was obtained); the
    login exchange goes into the report, redacted. The failure, if any, to print as one line."""
    from ..contract.redaction import Redactor
    from ..reporting.allure_report import describe_exchange
    from ..reporting.allure_results import write_login
    from ..run.login import log_in

    try:
        login = log_in(settings, str(settings.endpoint))
    except LoginFailed as exc:
        return exc
    os.environ["CONFORMANCE_TICKET"] = login.ticket
    os.environ["CONFORMANCE_AUTHENTICATED_BY"] = login.how
    redactor = Redactor([login.ticket, *settings.secrets()])
    write_login(results_dir, login.how, describe_exchange(login.exchange, redactor))
    print(f"conformance: {login.how}", flush=True)
    return None


def apply_baseline(args: argparse.Namespace, baseline: dict[str, Any] | None, report_dir: Path, code: int) -> int:
    """Compare with ``--baseline`` (printed, and written to baseline-diff.json), save ``--save-baseline``;
    with ``--fail-on new`` the exit code is 1 only for new findings (or errors of the suite itself)."""
    from ..run import baseline as baselines

    summary_path = report_dir / "summary.json"
    if not summary_path.is_file():
        print(f"conformance: no {summary_path}: nothing to compare or save", file=sys.stderr)
        return code
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    current = baselines.from_summary(summary)
    if baseline is not None:
        diff = baselines.compare(baseline, current)
        print(baselines.render(diff, args.baseline), end="")
        baselines.write_diff(diff, report_dir / "baseline-diff.json")
        if args.fail_on == "new":
            code = EXIT_VIOLATIONS if diff.new or summary.get("errors") else EXIT_OK
    if args.save_baseline:
        baselines.save(summary, Path(args.save_baseline))
        print(f"baseline saved: {args.save_baseline} ({len(current['cases'])} cases)")
    return code


def _passthrough(args: argparse.Namespace) -> list[str]:
    """The run's options as pytest options for the plugin (which loads the same settings)."""
    out: list[str] = []
    for flag, field, kwargs in OPTIONS:
        value = getattr(args, dest(field), None)
        if value is None:
            continue
        flag = long_flag(flag)  # the plugin always has this name; pytest itself owns e.g. --strict
        action = kwargs.get("action")
        if action in ("store_true", "store_false"):  # a flag pair (--restore / --no-restore) shares one field
            if value is (action == "store_true"):
                out.append(flag)
        elif isinstance(value, list):
            out += [f"{flag}={v}" for v in value]
        else:
            out.append(f"{flag}={value}")
    return out


def exit_code(pytest_code: int, summary_path: Path) -> int:
    """The run's exit code from pytest's and from ``summary.json`` (``reporting/exit_codes.py``)."""
    summary: dict[str, Any] = {}
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    return run_exit_code(pytest_code, summary)


def _clean(*paths: Path) -> None:
    import shutil

    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def drift(args: argparse.Namespace) -> int:
    """``conformance drift``: the live contract against the shipped one (rules: ``conformance/drift/rules.py``)."""
    import time

    from ..drift.command import run_drift, write_reports

    settings = load_settings(flags_from(args), require_credentials=False)  # the WSDL needs no ticket
    check_report_dir(settings)
    started = time.time()
    result = run_drift(settings)
    report_dir = Path(settings.report_dir)
    text = write_reports(result, report_dir, started)
    print(text, end="")
    if result.error:
        print(f"conformance drift: live contract unavailable: {result.error}", file=sys.stderr)
        return EXIT_UNREACHABLE
    print(f"drift report: {report_dir / 'drift.json'}")
    return EXIT_VIOLATIONS if result.breaking else EXIT_OK


def serve(args: argparse.Namespace) -> int:
    from ..reference import (
        REFERENCE_PASSWORD,
        REFERENCE_TICKET,
        REFERENCE_USER,
        ReferenceServer,
        ReferenceService,
        ServiceOptions,
    )
    from ..run.session import REFERENCE_TOKEN

    options = ServiceOptions(
        application_token=REFERENCE_TOKEN if args.online else None,
        faults_for_app_errors=args.faults_for_app_errors,
        soap12=args.soap12,
    )
    try:
        server = ReferenceServer(ReferenceService(options=options), host=args.host, port=args.port, verbose=True)
    except OSError as exc:
        raise ConfigError(_cannot_serve(args.host, args.port, exc)) from None
    speaks = "SOAP 1.1 and 1.2" if args.soap12 else "SOAP 1.1 (text/xml), as WCF basicHttpBinding"
    print(f"reference endpoint: {server.url}  (WSDL: {server.url}?wsdl)  {speaks}", flush=True)
    print(f"ticket: {REFERENCE_TICKET}" + (f"   application token: {REFERENCE_TOKEN}" if args.online else ""))
    print(
        f"login (SoPrincipal.svc beside it): --username {REFERENCE_USER} --password {REFERENCE_PASSWORD} "
        "(a test user of this endpoint only)"
    )
    print(
        "appointments: 101, 102, 103 (already rejected), 104 (not yours), 200 (recurring master) + 201-204; "
        "Ctrl-C stops",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _cannot_serve(host: str, port: int, exc: OSError) -> str:
    """One line for a failed bind: the port taken, the address not this machine's, a privileged port…"""
    import errno

    where = f"{host}:{port} (flags --host/--port)"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use (flag --port): choose another with --port N (0: any free one)"
    if exc.errno == errno.EACCES:
        return f"cannot serve on {where}: permission denied (ports below 1024 need privileges): choose --port 1024+"
    return f"cannot serve on {where}: {exc.strerror or exc}: expected an address of this machine and a free port"
