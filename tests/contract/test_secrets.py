"""Secrets (ticket, application token, password) never reach anything the suite writes: Allure results and
attachments, curl reproductions, JUnit, summary.json, the hypothesis database, logs, or the terminal, even when
the endpoint echoes them back in fault texts, exception messages and response headers."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import hostile

from conformance.config import load_settings
from conformance.contract.messages import Credentials
from conformance.contract.redaction import MASK, Redactor, display_url, url_secrets
from conformance.reference import ReferenceServer, ReferenceService, ServiceOptions
from conformance.reference.service import Reply
from conformance.reference.store import AppError
from conformance.reference.wcf import SoapFault

TICKET = "7T:SECRET-TICKET-zq81"
TOKEN = "SECRET-APPTOKEN-k2v9"
PASSWORD = "SECRET-PASSWORD-w7m3"
# what is searched for: the distinctive part of each secret, so that a secret with its prefix cut off still counts
MARKERS = ("SECRET-TICKET-zq81", "SECRET-APPTOKEN-k2v9", "SECRET-PASSWORD-w7m3")


class EchoService(ReferenceService):
    """Accepts the configured credentials, then hands everything back: the whole request (HTTP headers and body)
    in every fault text and in an ExceptionInfo on success, the password in a response header, the ticket in the
    Server header. ``echoed`` counts the replies that carried a secret."""

    def __init__(self, options: ServiceOptions) -> None:
        super().__init__(options=options)
        self.echoed = 0
        self._request = threading.local()

    def handle(self, method, path, query, headers, body, base_url) -> Reply:
        self._request.text = "".join(f"{k}: {v}\n" for k, v in headers.items()) + body.decode("utf-8", "replace")
        reply = super().handle(method, path, query, headers, body, base_url)
        reply.headers["Server"] = f"EchoReference/1 (ticket {self.options.ticket})"
        reply.headers["X-Echo-Password"] = PASSWORD
        if any(marker.encode() in reply.body for marker in MARKERS):
            self.echoed += 1
        return reply

    def fault(self, version, fault: SoapFault) -> Reply:
        echo = SoapFault(fault.code, f"{fault.reason}; you sent: {self._request.text}", fault.subcode)
        return super().fault(version, echo)

    def success(self, version, call) -> Reply:
        return self.app_error(
            version, AppError("EchoException", f"password {PASSWORD}; you sent: {self._request.text}")
        )


def run_suite(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--report-dir", "out", "--max-examples", "5", *args],
        cwd=cwd,
        capture_output=True,
        timeout=180,
        env=hostile.suite_env(**env),
    )


def leaks(root: Path, *streams: bytes) -> list[str]:
    """Every file under ``root`` (recursively, as bytes) and every stream that holds a secret marker, in UTF-8
    or UTF-16."""
    found = []
    blobs = [(f"stream {i}", s) for i, s in enumerate(streams)]
    blobs += [(str(p.relative_to(root)), p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()]
    for name, data in blobs:
        for marker in MARKERS:
            if any(form in data for form in (marker.encode(), marker.encode("utf-16-le"))):
                found.append(f"{marker} in {name}")
    return found


def files_written(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_secrets_given_in_the_environment_appear_nowhere_after_a_run_on_the_embedded_endpoint(tmp_path):
    env = {
        "CONFORMANCE_TICKET": TICKET,
        "CONFORMANCE_APPLICATION_TOKEN": TOKEN,
        "CONFORMANCE_PASSWORD": PASSWORD,
        "CONFORMANCE_USERNAME": "qa-user",
    }
    done = run_suite(tmp_path, "--online", env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]  # the embedded endpoint took the ticket
    assert len(files_written(tmp_path / "out" / "allure-results")) > 100
    assert leaks(tmp_path, done.stdout, done.stderr) == []


def test_secrets_echoed_back_by_the_endpoint_appear_nowhere(tmp_path):
    service = EchoService(ServiceOptions(ticket=TICKET, application_token=TOKEN))
    server = ReferenceServer(service).start()
    try:
        done = run_suite(
            tmp_path,
            "--endpoint",
            server.url,
            "--appointment-id",
            "101",
            "--online",
            "--ticket",
            TICKET,
            "--application-token",
            TOKEN,
            "--username",
            "qa-user",
            "--password",
            PASSWORD,
            "--hypothesis-database",
            "db",
            env={},
        )
    finally:
        server.stop()
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]  # every accepted call came back as Succeeded=false
    assert service.echoed >= 20, "the endpoint was meant to echo the secrets back"
    reproductions = list((tmp_path / "out" / "reproductions").glob("*.xml"))
    assert reproductions and all(b"${CONFORMANCE_TICKET}" in p.read_bytes() for p in reproductions)
    assert b"you sent" in (tmp_path / "out" / "summary.json").read_bytes()  # the echo reached the findings…
    assert (tmp_path / "db").is_dir()  # hypothesis stored the failing examples: searched too
    assert leaks(tmp_path, done.stdout, done.stderr) == []  # …without the secrets


# --- the redactor itself ------------------------------------------------------------------------------------


def test_every_form_of_a_secret_is_masked():
    redactor = Redactor(["s3cr&t'<x>", PASSWORD])
    text = (
        "raw s3cr&t'<x> | xml s3cr&amp;t&apos;&lt;x&gt; | attr s3cr&amp;t&#39;&lt;x&gt; | url s3cr%26t%27%3Cx%3E "
        f"| password {PASSWORD}"
    )
    masked = redactor.text(text)
    assert "s3cr" not in masked and PASSWORD not in masked and masked.count(MASK) == 5


def test_secret_elements_are_masked_even_when_the_value_is_unknown_and_placeholders_survive():
    redactor = Redactor([TICKET], placeholders={TICKET: "CONFORMANCE_TICKET"})
    xml = (
        f"<so:Ticket>{TICKET}</so:Ticket><Password>other-password</Password>"
        "<so:ApplicationToken>${CONFORMANCE_APPLICATION_TOKEN}</so:ApplicationToken>"
    )
    assert redactor.text(xml) == (
        "<so:Ticket>${CONFORMANCE_TICKET}</so:Ticket><Password>" + MASK + "</Password>"
        "<so:ApplicationToken>${CONFORMANCE_APPLICATION_TOKEN}</so:ApplicationToken>"
    )


def test_credential_headers_are_masked_whole():
    headers = Redactor([TICKET]).headers(
        {"Authorization": "Basic cWE6cA==", "Cookie": "s=1", "X-Ticket": f"t={TICKET}", "Accept": "text/xml"}
    )
    assert headers == {"Authorization": MASK, "Cookie": MASK, "X-Ticket": f"t={MASK}", "Accept": "text/xml"}


def test_a_very_short_secret_does_not_mask_everything():
    assert Redactor(["a", ""]).text("a normal sentence") == "a normal sentence"


@pytest.mark.parametrize(
    ("url", "shown", "secrets"),
    [
        (
            "https://qa:pa55word@staging.example.com:8443/Remote/A.svc",
            "https://staging.example.com:8443/Remote/A.svc",
            ["qa", "pa55word"],
        ),
        ("https://staging.example.com/A.svc?ticket=7T%3Aabc&x=1", "https://staging.example.com/A.svc?…", ["7T:abc"]),
        (
            "http://127.0.0.1:8082/Remote/Services82/Appointment.svc",
            "http://127.0.0.1:8082/Remote/Services82/Appointment.svc",
            [],
        ),
    ],
)
def test_urls_are_shown_without_user_info_or_query(url, shown, secrets):
    assert display_url(url) == shown
    assert [s for s in url_secrets(url) if len(s) >= 3] == [s for s in secrets if len(s) >= 3]


def test_settings_and_credentials_never_show_secrets_in_their_repr():
    settings = load_settings(
        {"ticket": TICKET, "application_token": TOKEN, "password": PASSWORD, "username": "qa-user"}, environ={}
    )
    shown = repr(settings) + repr(Credentials(TICKET, TOKEN))
    assert not any(marker in shown for marker in MARKERS)
