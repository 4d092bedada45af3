"""Hostile and broken endpoints: every misbehaviour becomes one categorised, one-line finding; never a traceback,
never a hang, never a fetched entity, never an unbounded read.

The servers are raw sockets on loopback (``tests/hostile.py``). A server that the suite failed to stop would
end by itself after its lifetime, and the test would then see the wrong kind of error: no test here can hang.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tracemalloc
import xml.etree.ElementTree as ET

import hostile
import pytest

from conformance.checks import NOT_APPLICABLE, CheckContext, Expect, Failure, run_checks
from conformance.contract import SOAP11
from conformance.messages import OutgoingRequest
from conformance.reference import REFERENCE_TICKET
from conformance.reporting.allure_report import describe_response
from conformance.transport import Exchange, Transport, TransportOptions
from conformance.xmlparse import DEFAULT_MAX_BYTES, NotXml, parse_xml, pretty

TIMEOUT = 1.0
HUNDRED_MB = 100 * 1024 * 1024


def send(url: str, *, timeout: float = TIMEOUT, **options) -> Exchange:
    transport = Transport(TransportOptions(timeout=timeout, **options))
    try:
        return transport.send(url, OutgoingRequest(b"<x/>", {"Content-Type": hostile.SOAP11_CT}), SOAP11)
    finally:
        transport.close()


def exchange_with(handler, **options) -> Exchange:
    with hostile.serving(handler, lifetime=15) as server:
        return send(server.url, **options)


def assert_one_line(exchange: Exchange, kind: str, *words: str) -> None:
    error = exchange.error
    assert error is not None, f"expected a {kind} error, got a response: {exchange.response}"
    assert error.kind == kind, str(error)
    assert "\n" not in str(error) and "Traceback" not in str(error)
    for word in words:
        assert word in error.message, str(error)


@pytest.fixture
def no_dns(monkeypatch):
    """``*.invalid`` does not resolve, without asking any resolver (the tests stay on loopback)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return hostile.self_signed(tmp_path_factory.mktemp("tls"))


# --- nothing comes back: one transport finding, nothing else judged ---------------------------------------------


@pytest.mark.parametrize(
    ("handler", "kind", "words"),
    [
        (hostile.never_answer, "timeout", ["no complete response head", "1 s"]),
        (hostile.drip(hostile.envelope(), headers_too=True), "timeout", ["no complete response head"]),
        (hostile.reset_at_once, "connection-reset", []),
        (hostile.close_silently, "connection-reset", ["without a response"]),
        (hostile.not_http, "malformed-http", ["not answer with a valid HTTP response"]),
    ],
    ids=["never-answers", "drips-the-head", "reset-before-head", "closes-silently", "not-http"],
)
def test_a_server_that_sends_no_response_is_one_transport_finding(handler, kind, words):
    exchange = exchange_with(handler)
    assert_one_line(exchange, kind, *words)
    assert not exchange.answered
    results = run_checks(CheckContext(exchange, Expect.ACCEPT))
    assert [(r.name, r.status) for r in results] == [("transport", "failed")]
    assert str(exchange.error) in str(results[0].outcome)


def test_connection_refused_is_named():
    sock, port = hostile.refused_port()
    with sock:
        exchange = send(f"http://127.0.0.1:{port}/Remote/Services82/Appointment.svc")
    assert_one_line(exchange, "connection-refused", "connection refused", f":{port}/")


def test_a_name_that_does_not_resolve_is_a_dns_finding(no_dns):
    exchange = send("http://conformance-test.invalid/Remote/Services82/Appointment.svc")
    assert_one_line(exchange, "dns", "conformance-test.invalid", "does not resolve")


def test_an_untrusted_certificate_is_a_tls_finding_until_the_ca_bundle_is_given(certificate):
    cert, key = certificate
    with hostile.serving(hostile.reply(hostile.envelope()), tls=hostile.server_tls(cert, key), lifetime=15) as server:
        refused = send(server.url)
        trusted = send(server.url, verify=str(cert))
        insecure = send(server.url, verify=False)
    assert_one_line(refused, "tls", "CERTIFICATE_VERIFY_FAILED", "--ca-bundle")
    assert trusted.error is None and trusted.response.status == 200
    assert insecure.error is None and insecure.response.status == 200


def test_a_connect_that_never_completes_is_a_timeout():
    """A listener whose accept queue is full drops further SYNs: the connect itself times out."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):  # fill the accept queue (its exact size is the kernel's business)
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        exchange = send(f"http://127.0.0.1:{port}/Remote/Services82/Appointment.svc", timeout=0.5)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
    assert exchange.error is not None and exchange.error.kind == "timeout", exchange.error
    assert not exchange.answered


def test_a_deadline_shuts_down_only_the_sockets_of_its_own_running_exchange():
    """Pooled connections outlive exchanges: a deadline that passes after its exchange ended must not touch them."""
    from conformance import deadline

    mine, peer = socket.socketpair()
    with mine, peer:
        with deadline.Deadline(60) as finished:
            finished.watch(mine)
        finished.fire()  # too late: that exchange is over
        peer.sendall(b"x")
        assert mine.recv(1) == b"x"
        with deadline.Deadline(60) as running:
            running.watch(mine)
            running.fire()
            assert mine.recv(1) == b""  # shut down: a read that would block returns at once


# --- a response starts, then goes wrong: a finding, and what arrived is kept as evidence ---------------------------


BROKEN_BODIES = {
    "slow-drip": (hostile.drip(hostile.envelope() * 40), "timeout", ["still arriving after 1 s", "slow drip"]),
    "stalls": (hostile.short_body(b"<a>", declared=1000, then="wait"), "timeout", ["bytes"]),
    "content-length-too-large": (hostile.short_body(b"<a>", declared=1000), "incomplete", ["997 more", "1000"]),
    "reset-mid-body": (hostile.short_body(b"<a>", declared=1000, then="reset"), "connection-reset", ["reset"]),
    "bad-chunking": (
        hostile.raw_bytes(hostile.response_head(200, {"Transfer-Encoding": "chunked"}) + b"zz\r\n<a/>\r\n"),
        "incomplete",
        ["broken"],
    ),
    "bad-gzip": (
        hostile.reply(b"this is not gzip", extra={"Content-Encoding": "gzip"}),
        "bad-encoding",
        ["Content-Encoding", "gzip"],
    ),
}


@pytest.mark.parametrize("name", list(BROKEN_BODIES))
def test_a_response_that_breaks_off_is_a_finding_with_the_partial_response_kept(name):
    handler, kind, words = BROKEN_BODIES[name]
    exchange = exchange_with(handler)
    assert_one_line(exchange, kind, *words)
    assert exchange.answered and exchange.partial is not None and exchange.partial.status == 200
    assert exchange.response is None
    assert [(r.name, r.status) for r in run_checks(CheckContext(exchange))] == [("transport", "failed")]


# --- the size cap: reading stops early, memory stays bounded --------------------------------------------------------


@pytest.mark.parametrize("framing", ["content-length", "chunked", "until-close"])
def test_a_100_mb_body_is_refused_without_reading_or_holding_it(framing):
    sent = [0]
    handler = hostile.huge(
        HUNDRED_MB, declare_length=framing == "content-length", chunked=framing == "chunked", sent=sent
    )
    tracemalloc.start()
    try:
        exchange = exchange_with(handler)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_one_line(exchange, "too-large", f"{DEFAULT_MAX_BYTES:,}-byte cap")
    assert peak < 2 * DEFAULT_MAX_BYTES, f"peak {peak:,} bytes for a {HUNDRED_MB:,}-byte body"
    assert sent[0] < HUNDRED_MB / 2, f"the server got to send {sent[0]:,} bytes: reading did not stop early"
    assert len(exchange.partial.body) <= 64 * 1024


def test_a_gzip_bomb_is_stopped_at_the_cap_on_the_decoded_size():
    bomb = hostile.gzip_bomb(1024)  # ~1 MB on the wire, 1 GiB inflated
    tracemalloc.start()
    try:
        exchange = exchange_with(hostile.reply(bomb, extra={"Content-Encoding": "gzip"}))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(bomb) < DEFAULT_MAX_BYTES
    assert_one_line(exchange, "too-large", "reading stopped")
    assert peak < 3 * DEFAULT_MAX_BYTES, f"peak {peak:,} bytes inflating a 1 GiB gzip bomb"


# --- XML that must not be trusted: refused, never expanded, never fetched --------------------------------------------


class Spy:
    """A loopback HTTP server that records every hit, and a local file whose reads are visible in its atime."""

    def __init__(self, server: hostile.RawServer, path) -> None:
        self.server, self.path = server, path
        self.url = f"http://127.0.0.1:{server.port}/entity"
        os.utime(path, (1_000_000, 2_000_000))  # atime older than mtime: any read moves it (relatime)

    @property
    def file_read(self) -> bool:
        return os.stat(self.path).st_atime != 1_000_000

    def assert_untouched(self) -> None:
        assert self.server.requests == [], "an external entity was fetched over HTTP"
        assert not self.file_read, "an external entity file was read"


@pytest.fixture
def spy(tmp_path):
    probe = tmp_path / "probe.txt"
    probe.write_text("probe")
    os.utime(probe, (1_000_000, 2_000_000))
    probe.read_text()
    if os.stat(probe).st_atime == 1_000_000:
        pytest.skip("this file system does not update access times (noatime): file reads cannot be observed")
    secret = tmp_path / "secret.txt"
    secret.write_text("FILE-MARKER-8c1f")
    with hostile.serving(hostile.reply(b"HTTP-MARKER-77ad"), lifetime=30) as server:
        yield Spy(server, secret)


def hostile_documents(spy: Spy) -> dict[str, bytes]:
    return {
        "billion-laughs": hostile.billion_laughs(),
        "xxe-http": hostile.xxe(spy.url),
        "xxe-file": hostile.xxe(spy.path.as_uri()),
        "external-dtd-http": hostile.external_dtd(spy.url),
        "external-dtd-file": hostile.external_dtd(spy.path.as_uri()),
        "internal-dtd": hostile.envelope(prolog="<!DOCTYPE s:Envelope [<!ELEMENT s:Envelope ANY>]>"),
    }


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_dtds_entity_bombs_and_external_entities_are_refused_unexpanded_and_unfetched(spy, encoding):
    for name, document in hostile_documents(spy).items():
        body = document if encoding == "utf-8" else hostile.utf16(document)
        with hostile.serving(hostile.reply(body), lifetime=15) as server:
            exchange = send(server.url)
        results = {r.name: r.outcome for r in run_checks(CheckContext(exchange, Expect.ACCEPT))}
        failure = results["well-formed"]
        assert isinstance(failure, Failure) and "contains a DTD" in failure.got, (name, failure)
        assert results["envelope-version"] is NOT_APPLICABLE and results["positive-acceptance"] is NOT_APPLICABLE
        shown = pretty(body) + describe_response(exchange.response)  # what the Allure attachments hold
        assert "MARKER" not in shown and "lollollol" not in shown, name
    spy.assert_untouched()


def test_the_parser_itself_fetches_nothing_when_the_dtd_check_is_bypassed(spy, monkeypatch):
    """Defence in depth: even if the prolog check missed a DTD, the parser neither expands nor fetches, and the
    parsed tree's DTD is refused."""
    from conformance import xmlparse

    monkeypatch.setattr(xmlparse, "has_dtd", lambda body: False)
    for name, document in hostile_documents(spy).items():
        parsed = parse_xml(document)
        assert isinstance(parsed, NotXml), name
        assert "DTD" in parsed.reason or "amplification" in parsed.reason or "network" in parsed.reason, parsed
        assert "MARKER" not in str(parsed)
    spy.assert_untouched()


def test_a_doctype_inside_cdata_is_not_mistaken_for_a_dtd():
    body = hostile.envelope("<so:RejectResponse/><![CDATA[<!DOCTYPE html><html></html>]]>")
    assert not isinstance(parse_xml(body), NotXml)


INVALID_UTF8 = hostile.envelope("<so:RejectResponse>@</so:RejectResponse>").replace(b"@", b"caf\xe9 \xff")


@pytest.mark.parametrize(
    ("body", "status", "content_type", "got", "where"),
    [
        (INVALID_UTF8, 200, hostile.SOAP11_CT, "not valid UTF-8", "line 1:"),
        (hostile.html_error_page(), 500, "text/html; charset=utf-8", "an HTML page", "response body"),
        (b"", 200, hostile.SOAP11_CT, "empty body", "response body"),
        (b"   \r\n", 200, hostile.SOAP11_CT, "empty body", "response body"),
        (
            b"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'>",
            200,
            hostile.SOAP11_CT,
            "not well-formed",
            "line 1:",
        ),
    ],
    ids=["invalid-utf8", "html-error-page", "empty-200", "blank-200", "truncated-xml"],
)
def test_a_body_that_is_not_a_soap_message_fails_well_formed_with_what_it_is(body, status, content_type, got, where):
    with hostile.serving(hostile.reply(body, status=status, content_type=content_type), lifetime=15) as server:
        exchange = send(server.url)
    assert exchange.error is None
    results = {r.name: r.outcome for r in run_checks(CheckContext(exchange, Expect.ACCEPT))}
    failure = results["well-formed"]
    assert isinstance(failure, Failure) and got in failure.got and failure.where.startswith(where), failure
    assert "\n" not in str(failure)
    if status == 500:
        assert "Runtime Error" in failure.got and "(HTTP 500)" in failure.got
    describe_response(exchange.response)  # the attachment renders whatever the bytes are


def test_a_redirect_to_another_host_is_reported_and_not_followed():
    with hostile.serving(hostile.reply(hostile.envelope()), lifetime=15) as elsewhere:
        location = f"http://127.0.0.1:{elsewhere.port}/moved?ticket=leaky"
        with hostile.serving(hostile.redirect(location, 307), lifetime=15) as server:
            exchange = send(server.url)
        assert elsewhere.requests == [], "the redirect was followed"
    assert_one_line(exchange, "redirect", "HTTP 307 redirect to", f":{elsewhere.port}/moved", "not followed")
    assert "leaky" not in str(exchange.error)  # the query of a Location may carry a secret
    results = {r.name: r for r in run_checks(CheckContext(exchange, Expect.ACCEPT))}
    assert results["transport"].status == "failed" and results["well-formed"].status == "failed"


# --- end to end, through the real command line ------------------------------------------------------------------

NO_DNS_MAIN = """
import socket, sys
real = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    if str(host).endswith(".invalid"):  # fail like a resolver would, without asking one: loopback only
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return real(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo
from conformance.cli import main
sys.exit(main(sys.argv[1:]))
"""


def conformance_run(url: str, *extra: str, cwd, timeout: float = 2) -> subprocess.CompletedProcess:
    """``python -m conformance run --endpoint URL --appointment-id 101 --timeout T --report-dir out …``, with the
    reference endpoint's ticket in the environment (some tests forward to it)."""
    env = hostile.suite_env(CONFORMANCE_TICKET=REFERENCE_TICKET)
    args = ["run", "--endpoint", url, "--appointment-id", "101", "--timeout", str(timeout), "--report-dir", "out"]
    command = [sys.executable, "-c", NO_DNS_MAIN] if ".invalid" in url else [sys.executable, "-m", "conformance"]
    return subprocess.run([*command, *args, *extra], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("case", ["refused", "dns", "tls", "never-answers"])
def test_cli_with_no_exchange_possible_exits_3_with_one_line(tmp_path, certificate, case):
    if case == "refused":
        sock, port = hostile.refused_port()
        context, url, words = sock, f"http://127.0.0.1:{port}/Appointment.svc", "connection-refused:"
    elif case == "dns":
        context, url, words = contextlib.nullcontext(), "http://conformance-test.invalid/Appointment.svc", "dns:"
    elif case == "tls":
        context = hostile.serving(hostile.reply(b""), tls=hostile.server_tls(*certificate), lifetime=30)
        url, words = None, "tls: TLS handshake"
    else:
        context, url, words = hostile.serving(hostile.never_answer, lifetime=30), None, "timeout:"
    with context as server:
        done = conformance_run(url or server.url, cwd=tmp_path)
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stderr.count("\n") == 1 and words in done.stderr and "endpoint unreachable" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_cli_with_the_ca_bundle_trusts_a_self_signed_endpoint(tmp_path, certificate, reference):
    cert, key = certificate
    with hostile.serving(hostile.forward(_port(reference)), tls=hostile.server_tls(cert, key), lifetime=60) as server:
        done = conformance_run(server.url, "--ca-bundle", str(cert), "--", "-k", "fixture", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["passed"] >= 5 and summary["failed"] == 0


def _port(server) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def spy_handlers(spy: Spy) -> dict[str, object]:
    return {
        "html-error-page": (
            hostile.reply(hostile.html_error_page(), status=500, content_type="text/html"),
            "well-formed",
            "an HTML page where a SOAP envelope was expected: 'Runtime Error'",
        ),
        "entity-bomb": (hostile.reply(hostile.billion_laughs()), "well-formed", "contains a DTD"),
        "xxe": (hostile.reply(hostile.utf16(hostile.xxe(spy.path.as_uri()))), "well-formed", "contains a DTD"),
        "reset-mid-body": (
            hostile.short_body(b"<a>", declared=1000, then="reset"),
            "transport",
            "connection-reset: connection reset by the server after",
        ),
        "100-mb-chunked": (
            hostile.huge(HUNDRED_MB, declare_length=False, chunked=True),
            "transport",
            "too-large: response body passed the 10,485,760-byte cap",
        ),
        "slow-drip": (hostile.drip(hostile.envelope() * 40), "transport", "timeout: response body still arriving"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "html-error-page",
        "xxe",
        "reset-mid-body",
        "100-mb-chunked",
        "slow-drip",
    ],
)
def test_cli_against_a_hostile_endpoint_reports_findings_exit_1_and_keeps_the_evidence(tmp_path, spy, case):
    handler, check, words = spy_handlers(spy)[case]
    with hostile.serving(handler, lifetime=60) as server:
        done = conformance_run(server.url, "--max-failures", "2", cwd=tmp_path, timeout=1 if case == "slow-drip" else 2)
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert done.returncode == 1, output[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["failed"] >= 2 and not summary["unreachable"]
    assert any(f["check"] == check and words in f["message"] for f in summary["findings"]), summary["findings"][:3]
    assert words in done.stdout  # the terminal says it too
    attachments = [
        p.read_text(errors="replace") for p in (tmp_path / "out" / "allure-results").glob("*-attachment.txt")
    ]
    assert any(text.startswith("POST ") and "SOAPAction" in text and "Envelope" in text for text in attachments)
    if check == "transport":
        assert any(words.split(": ", 1)[1] in text for text in attachments)  # the transport error
    else:
        assert any(text.startswith("HTTP ") for text in attachments)  # the response received
    assert ET.parse(tmp_path / "out" / "junit.xml").getroot() is not None
    spy.assert_untouched()


def test_cli_keeps_every_result_when_the_endpoint_dies_mid_run(tmp_path, reference):
    dying = hostile.first_then(12, hostile.forward(_port(reference)), hostile.reset_at_once)
    with hostile.serving(dying, lifetime=60) as server:
        done = conformance_run(server.url, "--", "-k", "fixture or coverage", cwd=tmp_path)
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 1, done.stdout[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["passed"] >= 5 and summary["failed"] >= 5 and not summary["unreachable"]
    transport = [f for f in summary["findings"] if f["check"] == "transport"]
    assert transport and all("connection-reset" in f["message"] for f in transport)
    results = list((tmp_path / "out" / "allure-results").glob("*-result.json"))
    assert len(results) == summary["passed"] + summary["failed"] + summary["skipped"]
