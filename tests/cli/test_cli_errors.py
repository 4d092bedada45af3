"""Mistakes stop at start with one line: exit 2 for a usage or configuration error (naming the setting, its value,
where it came from and what is accepted), exit 3 when no SOAP service answers; never a traceback."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conformance.reference import REFERENCE_TICKET, ReferenceServer, ReferenceService
from conformance.reference.service import Reply
from conformance.run.preflight import foreign_answer
from conformance.transport.http import HttpResponse

SERVICE_PATH = "/Remote/Services82/Appointment.svc"
MAIN = "import sys\nfrom conformance.cli import main\nsys.exit(main(sys.argv[1:]))\n"
NO_REDIS = "import sys\nsys.modules['redis'] = None  # as if the redis package were not installed\n"


def conformance(*args: str, cwd: Path, env: dict[str, str] | None = None, prelude: str = "", timeout: float = 120):
    """``python -m conformance ARGS`` with no CONFORMANCE_* from the caller's environment; ``prelude`` runs first."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    full_env.update(env or {})
    command = [sys.executable, "-c", prelude + MAIN] if prelude else [sys.executable, "-m", "conformance"]
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=full_env, check=False
    )


def assert_one_line(done: subprocess.CompletedProcess, code: int, *words: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode == code, output[-3000:]
    assert "Traceback" not in output and "INTERNALERROR" not in output, output[-3000:]
    assert done.stderr.strip() and "\n" not in done.stderr.strip(), done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)


# --- 1. values accepted although meaningless, with where they came from --------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["--timeout", "nan"], {}, ["timeout nan", "(flag --timeout)", "at most 3600"]),
        (["--timeout", "1e12"], {}, ["timeout 1e+12", "(flag --timeout)"]),
        ([], {"CONFORMANCE_SLA_MS": "-5"}, ["sla_ms -5", "(environment CONFORMANCE_SLA_MS)", "more than 0"]),
        (["--workers", "-1"], {}, ["workers -1", "(flag --workers)", "0 (no parallel workers) or more"]),
        (["--max-failures", "0"], {}, ["max_failures 0", "(flag --max-failures)", "1 or more"]),
        (["--rate-limit", "inf"], {}, ["rate_limit inf", "(flag --rate-limit)"]),
        (["--max-examples", "nan"], {}, ["max_examples 'nan'", "(flag --max-examples)", "a whole number, 1 or more"]),
        (["--concurrency", "abc"], {}, ["concurrency 'abc'", "(flag --concurrency)", "a whole number from 1 to 64"]),
        (["--workers", "two"], {}, ["workers 'two'", "(flag --workers)", "0 (no parallel workers) or more"]),
        (["--endpoint", "http://"], {}, ["endpoint 'http://' (flag --endpoint)", "it names no host"]),
        (["--endpoint", "http://:80/x"], {}, ["(flag --endpoint)", "it names no host"]),
        (["--endpoint", "http://exa mple/"], {}, ["'http://exa mple/'", "white space"]),
        ([], {"CONFORMANCE_ENDPOINT": "http://host:99999/x"}, ["(environment CONFORMANCE_ENDPOINT)", "Port out of"]),
    ],
)
def test_a_meaningless_value_is_exit_2_naming_setting_value_and_source(tmp_path, args, env, words):
    done = conformance("run", *args, "--report-dir", "out", cwd=tmp_path, env=env)
    assert_one_line(done, 2, *words)
    assert not (tmp_path / "out").exists()  # stopped at start


def test_a_meaningless_value_in_the_config_file_names_file_and_key(tmp_path):
    (tmp_path / "conformance.toml").write_text('[env.staging]\nendpoint = "http://x.test/"\nmax_failures = -1\n')
    done = conformance("run", "--env", "staging", cwd=tmp_path)
    assert_one_line(done, 2, "max_failures -1", f"({tmp_path / 'conformance.toml'}: [env.staging] max_failures)")


# --- 2. a Redis example database without the redis package ------------------------------------------------------


def test_a_redis_database_without_the_redis_package_is_exit_2_with_the_install_hint(tmp_path):
    url = "redis://:s3cret-pass@127.0.0.1:6379/0"
    done = conformance("run", "--hypothesis-database", url, "--report-dir", "out", cwd=tmp_path, prelude=NO_REDIS)
    assert_one_line(done, 2, "pip install 'conformance[redis]'", "(flag --hypothesis-database)", "127.0.0.1:6379")
    assert "s3cret-pass" not in done.stderr
    assert not (tmp_path / "out").exists()


# --- 3. tracebacks turned into one line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "args", "words"),
    [
        (b"env = 3\n", [], ["env = 3: [env] must be a table"]),
        (b"[env]\nstaging = 3\n", ["--env", "staging"], ["[env.staging] is 3: expected a table of settings"]),
        (b'timeout = 5\nticket = "caf\xe9"\n', [], ["not UTF-8 text (byte 0xe9 on line 2)"]),
    ],
    ids=["env-not-a-table", "env-section-not-a-table", "not-utf8"],
)
def test_a_broken_config_file_is_exit_2_in_one_line(tmp_path, content, args, words):
    (tmp_path / "conformance.toml").write_bytes(content)
    done = conformance("run", *args, cwd=tmp_path)
    assert_one_line(done, 2, "conformance.toml", *words)


def test_a_report_dir_that_is_a_file_is_exit_2(tmp_path):
    (tmp_path / "out").write_text("not a directory")
    done = conformance("run", "--report-dir", "out", cwd=tmp_path)
    assert_one_line(done, 2, "report_dir 'out' (flag --report-dir) is a file")


def test_a_report_dir_below_a_file_is_exit_2(tmp_path):
    (tmp_path / "out").write_text("not a directory")
    done = conformance("run", cwd=tmp_path, env={"CONFORMANCE_REPORT_DIR": "out/reports"})
    assert_one_line(done, 2, "(environment CONFORMANCE_REPORT_DIR) cannot be written")


@pytest.mark.skipif(os.geteuid() == 0, reason="running as root: a read-only directory stays writable for root")
def test_a_read_only_report_dir_is_exit_2(tmp_path):
    (tmp_path / "out").mkdir(mode=0o500)
    try:
        done = conformance("run", "--report-dir", "out", cwd=tmp_path)
    finally:
        (tmp_path / "out").chmod(stat.S_IRWXU)
    assert_one_line(done, 2, "report_dir 'out' (flag --report-dir) cannot be written", "Permission denied")


def test_serve_on_a_port_in_use_is_exit_2_in_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = conformance("serve", "--port", str(port), cwd=tmp_path, timeout=30)
    assert_one_line(done, 2, f"port {port} on 127.0.0.1 is already in use", "--port")


def test_serve_on_a_port_out_of_range_is_exit_2_in_one_line(tmp_path):
    done = conformance("serve", "--port", "70000", cwd=tmp_path, timeout=30)
    assert_one_line(done, 2, "'70000' is not a TCP port")


# --- 4. a configured endpoint needs credentials, or --no-credentials -----------------------------------------


def test_a_configured_endpoint_without_credentials_is_exit_2_saying_how_to_pass_a_ticket(tmp_path, reference):
    done = conformance(
        "run", "--endpoint", reference.url, "--appointment-id", "101", "--report-dir", "out", cwd=tmp_path
    )
    assert_one_line(done, 2, "(flag --endpoint) has no credentials", "CONFORMANCE_TICKET", "--no-credentials")
    assert not (tmp_path / "out").exists()


def test_no_credentials_runs_without_a_ticket_and_the_auth_cases_still_run(tmp_path, reference):
    args = ["run", "--endpoint", reference.url, "--appointment-id", "101", "--report-dir", "out"]
    done = conformance(*args, "-q", "--", "-k", "auth", cwd=tmp_path, env={"CONFORMANCE_NO_CREDENTIALS": "1"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["passed"] == 2 and summary["failed"] == 0, summary  # auth/missing-ticket, auth/wrong-ticket
    assert "Traceback" not in done.stdout + done.stderr


def test_no_credentials_and_a_ticket_contradict_each_other(tmp_path, reference):
    args = ["run", "--endpoint", reference.url, "--no-credentials"]
    done = conformance(*args, cwd=tmp_path, env={"CONFORMANCE_TICKET": REFERENCE_TICKET})
    assert_one_line(done, 2, "(flag --no-credentials)", "(environment CONFORMANCE_TICKET)", "contradict")
    assert REFERENCE_TICKET not in done.stderr


# --- 5. a URL that is not a SOAP endpoint at all ------------------------------------------------------------

Answer = Callable[[str, str, bytes], tuple[int, str, bytes]]


class _Canned(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._reply(b"")

    def do_POST(self) -> None:
        self._reply(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _reply(self, body: bytes) -> None:
        status, content_type, payload = self.server.answer(self.command, self.path, body)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(answer: Answer) -> Iterator[str]:
    """A loopback HTTP server answering every request with ``answer(method, path, body)``; yields the service URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    server.answer = answer
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{SERVICE_PATH}"
    finally:
        server.shutdown()
        server.server_close()


def not_found(method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
    return 404, "text/plain", b"Not Found"


def html_page(method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
    page = b"<!DOCTYPE html><html><head><title>Welcome to the intranet</title></head><body>Hello</body></html>"
    return 200, "text/html; charset=utf-8", page


def json_api(method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
    """A JSON API that echoes what it did not understand, the ticket included."""
    ticket = re.search(rb"<so:Ticket>(.*?)</so:Ticket>", body)
    echoed = ticket.group(1).decode() if ticket else ""
    return 415, "application/json", json.dumps({"error": f"send JSON, not {echoed}"}).encode()


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (not_found, ["HTTP 404 text/plain: plain text 'Not Found'", "GET ?wsdl answered HTTP 404 text/plain"]),
        (html_page, ["HTTP 200 text/html: an HTML page 'Welcome to the intranet'"]),
        (json_api, ["HTTP 415 application/json: JSON", "***redacted***"]),
    ],
    ids=["404-text-plain", "html-page", "json-api"],
)
def test_a_url_that_is_no_soap_endpoint_is_exit_3_saying_what_answered(tmp_path, answer, words):
    with serving(answer) as url:
        done = conformance(
            "run", "--endpoint", url, "--report-dir", "out", cwd=tmp_path, env={"CONFORMANCE_TICKET": "7T:sekrit=="}
        )
    assert_one_line(done, 3, f"no Appointment.svc answers at {url} (flag --endpoint)", *words)
    assert "7T:sekrit==" not in done.stderr
    assert not (tmp_path / "out" / "summary.json").exists()  # no run, no 46 "violations"


class Recording(ReferenceService):
    """The reference endpoint, noting the AppointmentId of every POST."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[bytes] = []

    def handle(self, method, path, query, headers, body, base_url) -> Reply:
        if method == "POST":
            self.posted.append(re.search(rb"Appointment(?:Entity)?Id>([^<]*)<", body).group(1))
        return super().handle(method, path, query, headers, body, base_url)


class MetadataOff(Recording):
    """Metadata publishing switched off: ``?wsdl`` answers 400 with an HTML page."""

    def handle(self, method, path, query, headers, body, base_url) -> Reply:
        if method == "GET" and query:
            return Reply(
                400, {"Content-Type": "text/html"}, b"<html><title>Metadata publishing disabled</title></html>"
            )
        return super().handle(method, path, query, headers, body, base_url)


def run_fixture_cases(service: Recording, tmp_path: Path) -> subprocess.CompletedProcess:
    server = ReferenceServer(service).start()
    try:
        args = ["run", "--endpoint", server.url, "--appointment-id", "101", "--report-dir", "out", "-q"]
        return conformance(*args, "--", "-k", "fixture", cwd=tmp_path, env={"CONFORMANCE_TICKET": REFERENCE_TICKET})
    finally:
        server.stop()


def test_an_endpoint_with_metadata_switched_off_still_runs_after_one_harmless_probe(tmp_path):
    service = MetadataOff()
    done = run_fixture_cases(service, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert service.posted[0] == b"-1"  # the probe: a Reject for an id no appointment can have
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["passed"] >= 5


def test_the_configured_reference_endpoint_runs_with_no_probe_reject(tmp_path):
    service = Recording()
    done = run_fixture_cases(service, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert b"-1" not in service.posted  # ?wsdl answered with the WSDL: no Reject was needed to tell


SOAP11_FAULT = (
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
    b"<faultcode>s:Client</faultcode><faultstring>no</faultstring></s:Fault></s:Body></s:Envelope>"
)


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        (500, "text/xml; charset=utf-8", SOAP11_FAULT),
        (400, "text/html", SOAP11_FAULT),  # a fault with the wrong media type is still a SOAP service
        (415, "", b""),  # WCF's empty-bodied refusal
        (400, "text/plain", b"400 Bad Request"),  # a refusal explained in plain text
        (500, "text/html", b"<html><title>Runtime Error</title></html>"),  # a service that fails: judged per case
        (200, "text/xml", b"<NotAnEnvelope/>"),  # XML: the checks name what is wrong with it
    ],
)
def test_answers_a_soap_service_may_give_are_not_called_foreign(status, content_type, body):
    headers = {"Content-Type": content_type} if content_type else {}
    assert foreign_answer(HttpResponse(status, "", headers, body)) is None


def test_a_json_reply_without_content_type_is_foreign():
    answer = foreign_answer(HttpResponse(404, "Not Found", {}, b'{"message": "no route"}'))
    assert answer == 'HTTP 404 (no Content-Type): JSON \'{"message": "no route"}\''


# --- 6. conformance report when the Allure CLI cannot be installed ----------------------------------------

FAKE_NPM = """#!{python}
import pathlib, sys
count = pathlib.Path({counter!r})
attempt = int(count.read_text()) + 1 if count.exists() else 1
count.write_text(str(attempt))
if attempt <= {failures}:
    sys.stderr.write(
        "npm error code SELF_SIGNED_CERT_IN_CHAIN\\n"
        "npm error errno SELF_SIGNED_CERT_IN_CHAIN\\n"
        "npm error request to https://registry.npmjs.org/allure-commandline failed, reason: self-signed "
        "certificate in certificate chain\\n"
        "npm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log\\n"
    )
    sys.exit(1)
prefix = pathlib.Path(sys.argv[sys.argv.index("--prefix") + 1])
allure = prefix / "node_modules" / ".bin" / "allure"
allure.parent.mkdir(parents=True)
allure.write_text({allure!r})
allure.chmod(0o755)
"""
FAKE_ALLURE = """#!{python}
import pathlib, sys
out = pathlib.Path(sys.argv[sys.argv.index("-o") + 1])
out.mkdir(parents=True, exist_ok=True)
(out / "index.html").write_text("<html></html>")
"""


def fake_tools(tmp_path: Path, failures: int) -> dict[str, str]:
    """A PATH holding a fake ``npm`` that fails ``failures`` times as behind a TLS-inspecting proxy, and ``java``;
    CONFORMANCE_CACHE in ``tmp_path``. Returns the environment for ``conformance report``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    allure = FAKE_ALLURE.format(python=sys.executable)
    npm = FAKE_NPM.format(python=sys.executable, counter=str(tmp_path / "npm-calls"), failures=failures, allure=allure)
    for name, text in (("npm", npm), ("java", "#!/bin/sh\nexit 0\n")):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    results = tmp_path / "out" / "allure-results"
    results.mkdir(parents=True)
    (results / "x-result.json").write_text("{}")
    return {"PATH": str(bin_dir), "CONFORMANCE_CACHE": str(tmp_path / "cache"), "HOME": str(tmp_path)}


def test_report_says_why_npm_failed_tries_twice_and_points_to_the_offline_results(tmp_path):
    done = conformance("report", "--report-dir", "out", cwd=tmp_path, env=fake_tools(tmp_path, failures=2))
    assert done.returncode == 2, done.stdout + done.stderr
    assert (tmp_path / "npm-calls").read_text() == "2"
    last = done.stderr.strip().splitlines()[-1]
    for words in (
        "could not install allure-commandline@",
        "npm error SELF_SIGNED_CERT_IN_CHAIN: request to https://registry.npmjs.org/allure-commandline failed",
        "TLS: npm does not trust the registry's certificate",
        "allure-results/ and out/junit.xml are complete without it",
    ):
        assert words in last, (words, last)
    assert "Traceback" not in done.stderr and "non-zero exit status" not in done.stderr


def test_report_succeeds_when_npm_fails_only_the_first_time(tmp_path):
    done = conformance("report", "--report-dir", "out", cwd=tmp_path, env=fake_tools(tmp_path, failures=1))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "npm-calls").read_text() == "2"
    assert "trying once more" in done.stderr and "HTML report: out/allure-report/index.html" in done.stdout
