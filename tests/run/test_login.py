"""Logging in as QA does: ``--username/--password`` through SoPrincipal.svc, one login per run shared by every
worker, one clear line (exit 2 or 3) for every way a login fails, tickets that expire mid-run recognised and
renewed, and the password (and the ticket) found nowhere in what the run writes."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import requests
import zeep
from helpers.cli import conformance
from lxml import etree
from strength.matrix import UNUSED_IDS

from conformance.contract.parsing import parse_xml
from conformance.contract.principal import LOGIN_ACTION, login_envelope, login_request, principal_url, read_login
from conformance.contract.schemas import principal_schema
from conformance.contract.soap import SOAP11, qname
from conformance.reference import (
    REFERENCE_ALLOW_LIST,
    REFERENCE_PASSWORD,
    REFERENCE_TICKET,
    REFERENCE_USER,
    ReferenceServer,
    ReferenceService,
    ServiceOptions,
)
from conformance.reference.service import Reply

PASSWORD_ENV = {"CONFORMANCE_PASSWORD": REFERENCE_PASSWORD}


class Counting(ReferenceService):
    """The reference endpoint, counting logins and remembering every ticket it issued."""

    def __init__(self, **options: object) -> None:
        super().__init__(options=ServiceOptions(**options))
        self.logins = 0
        self.issued: list[str] = []
        self._lock = threading.Lock()
        issue = self.tickets.issue

        def counted() -> str:
            ticket = issue()
            with self._lock:
                self.logins += 1
                self.issued.append(ticket)
            return ticket

        self.tickets.issue = counted  # type: ignore[method-assign]


@pytest.fixture
def endpoint():
    service = Counting()
    server = ReferenceServer(service).start()
    yield server, service
    server.stop()


def run(url: str, tmp_path: Path, *extra: str, env: dict[str, str] | None = None):
    ids = ",".join(map(str, REFERENCE_ALLOW_LIST))
    args = ["run", "--endpoint", url, "--appointment-id", ids, "--unused-ids", UNUSED_IDS, "--report-dir", "out"]
    args += ["--max-examples", "10", "--seed", "11", "--hypothesis-database", "none", *extra]  # the same calls each run
    return conformance(*args, cwd=tmp_path, env=env)


def everything_written(tmp_path: Path, *streams: str) -> str:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in (tmp_path / "out").rglob("*") if p.is_file()]
    return "\n".join([*texts, *streams])


def test_a_run_logs_in_once_for_all_workers_and_writes_neither_password_nor_ticket(endpoint, tmp_path):
    server, service = endpoint
    done = run(server.url, tmp_path, "--username", REFERENCE_USER, "--workers", "2", env=PASSWORD_ENV)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-1000:]
    assert service.logins == 1, "every worker must use the controller's one login"
    assert f"login as {REFERENCE_USER}" in done.stdout
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["authentication"].startswith(f"login as {REFERENCE_USER} (http://127.0.0.1:")
    written = everything_written(tmp_path, done.stdout, done.stderr)
    assert REFERENCE_PASSWORD not in written and service.issued[0] not in written
    login_results = [json.loads(p.read_text()) for p in (tmp_path / "out" / "allure-results").glob("*-result.json")]
    assert [r for r in login_results if r["name"] == "login"], "the login exchange is in the report"


def test_an_explicit_ticket_wins_over_a_login(endpoint, tmp_path):
    server, service = endpoint
    env = {**PASSWORD_ENV, "CONFORMANCE_TICKET": REFERENCE_TICKET}
    done = run(server.url, tmp_path, "--username", REFERENCE_USER, env=env)
    assert done.returncode == 0 and service.logins == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["authentication"] == "ticket (given explicitly: --username not used)"


def test_the_embedded_endpoint_accepts_its_test_users_login(tmp_path):
    args = ["run", "--username", REFERENCE_USER, "--report-dir", "out", "--max-examples", "5"]
    done = conformance(*args, cwd=tmp_path, env=PASSWORD_ENV)
    assert done.returncode == 0, done.stdout[-2000:]
    assert REFERENCE_PASSWORD not in everything_written(tmp_path, done.stdout, done.stderr)


def one_line(done) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr + done.stdout, done.stderr
    return lines[0]


def test_a_wrong_password_is_exit_2_in_one_line_naming_the_principal_service(endpoint, tmp_path):
    server, _ = endpoint
    done = run(server.url, tmp_path, "--username", REFERENCE_USER, env={"CONFORMANCE_PASSWORD": "not-it-at-all"})
    line = one_line(done)
    assert done.returncode == 2 and "AuthenticationSucceeded=false" in line
    assert principal_url(server.url) in line and "not-it-at-all" not in done.stdout + done.stderr


def test_an_unreachable_principal_service_is_exit_3(endpoint, tmp_path):
    server, _ = endpoint
    extra = ("--username", REFERENCE_USER, "--principal-endpoint", "http://127.0.0.1:9/Remote/SoPrincipal.svc")
    done = run(server.url, tmp_path, *extra, env=PASSWORD_ENV)
    assert done.returncode == 3 and "could not be reached" in one_line(done)


def test_a_url_that_is_no_principal_service_is_exit_3(endpoint, tmp_path):
    server, _ = endpoint
    extra = ("--username", REFERENCE_USER, "--principal-endpoint", f"{server.base_url}/nothing-here")
    done = run(server.url, tmp_path, *extra, env=PASSWORD_ENV)
    assert done.returncode == 3 and "no SoPrincipal service answers" in one_line(done)


class RefusingLogins(ReferenceService):
    """A principal service whose logins are refused with an ExceptionInfo (e.g. a locked user)."""

    def handle(self, method, path, query, headers, body, base_url) -> Reply:
        if path.endswith("SoPrincipal.svc") and method == "POST":
            env, header, body_el = self.envelope(SOAP11)
            info = etree.SubElement(header, qname("ExceptionInfo"))
            etree.SubElement(info, qname("Message")).text = "The user is locked out"
            etree.SubElement(header, qname("Succeeded")).text = "false"
            etree.SubElement(body_el, qname("AuthenticateResponse"))
            return self.soap_reply(200, SOAP11, env)
        return super().handle(method, path, query, headers, body, base_url)


def test_a_login_refused_with_an_exception_is_exit_2_with_the_servers_words(tmp_path):
    server = ReferenceServer(RefusingLogins()).start()
    try:
        done = run(server.url, tmp_path, "--username", REFERENCE_USER, env=PASSWORD_ENV)
    finally:
        server.stop()
    assert done.returncode == 2 and "The user is locked out" in one_line(done)


@pytest.mark.parametrize("concurrency", ["1", "4"], ids=["serial", "concurrency-4"])
@pytest.mark.parametrize(("login", "renewed"), [(True, True), (False, False)], ids=["with-login", "ticket-only"])
def test_a_ticket_that_expires_mid_run_is_recognised_and_renewed_once_when_a_login_is_available(
    tmp_path, login, renewed, concurrency
):
    """Under --concurrency, cases already on their way with the dead ticket are sent again with the new one, and
    the run still logs in again only once."""
    service = Counting(ticket_lifetime=250)  # a run makes about 300 calls (reads and restores around each Reject)
    server = ReferenceServer(service).start()
    more = ("--concurrency", concurrency)
    try:
        if login:
            done = run(server.url, tmp_path, "--username", REFERENCE_USER, *more, env=PASSWORD_ENV)
        else:
            done = run(server.url, tmp_path, *more, env={"CONFORMANCE_TICKET": REFERENCE_TICKET})
    finally:
        server.stop()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["findings"] == [], "an expired ticket is never reported as contract violations"
    if renewed:
        # the login before the run, the one renewal mid-run, and the controller's own to read the appointments
        # as the run leaves them (its ticket, the first, has expired by then)
        assert done.returncode == 0 and service.logins == 3, done.stdout[-2000:]
        assert summary["notes"] and "logged in again" in summary["notes"][0]
        assert all(not a["end"].startswith("unreadable") for a in summary["appointments"])
    else:
        assert done.returncode == 2 and "the ticket expired or was revoked after" in one_line(done)
        assert summary["setup_problems"] and summary["skipped"] >= 1


def test_zeep_logs_in_through_the_served_soprincipal_wsdl(endpoint):
    server, _ = endpoint
    session = requests.Session()
    session.trust_env = False
    client = zeep.Client(
        principal_url(server.url) + "?wsdl", transport=zeep.transports.Transport(session=session, timeout=5)
    )
    result = client.service.AuthenticateUsernamePassword(UserName=REFERENCE_USER, Password=REFERENCE_PASSWORD)
    assert result.body.AuthenticationSucceeded is True and result.body.Credentials.Ticket.startswith("7T:")


def test_the_login_request_and_the_reference_answer_are_valid_against_the_published_schema(endpoint):
    server, _ = endpoint
    envelope = login_envelope(REFERENCE_USER, REFERENCE_PASSWORD, "token")
    assert principal_schema().errors(envelope) == []

    request = login_request(envelope)
    answer = requests.post(principal_url(server.url), data=request.body, headers=request.headers, timeout=5)
    root = parse_xml(answer.content)
    assert principal_schema().errors(root) == []
    read = read_login(root)
    assert (
        read.authenticated is True
        and read.ticket.startswith("7T:")
        and request.headers["SOAPAction"] == (f'"{LOGIN_ACTION}"')
    )
