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
import threading
import tracemalloc
import xml.etree.ElementTree as ET

import pytest
from helpers import hostile

from conformance.checks import NOT_APPLICABLE, CheckContext, Expect, Failure, run_checks
from conformance.contract.messages import OutgoingRequest
from conformance.contract.parsing import DEFAULT_MAX_BYTES, NotXml, parse_xml, pretty
from conformance.contract.soap import SOAP11
from conformance.reference import REFERENCE_TICKET
from conformance.reporting.allure_report import describe_response
from conformance.transport.http import Exchange, Transport, TransportOptions

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
    from conformance.transport import deadline

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
        "malformed-http",
        ["chunk size 'zz' after 0 bytes", "not a hexadecimal byte count", "RFC 9112 §7.1"],
    ),
    "negative-chunk-size": (
        hostile.raw_bytes(hostile.negative_chunk()),
        "malformed-http",
        ["chunk size '-5' after 0 bytes", "not a hexadecimal byte count"],
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


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ([("Content-Length", "4"), ("Content-Length", "7")], ["conflicting Content-Length values 4 and 7"]),
        ([("Content-Length", "4, 7")], ["conflicting Content-Length values 4 and 7"]),
        ([("Content-Length", "-4")], ["Content-Length '-4' is not a byte count", "decimal digits expected"]),
        ([("Content-Length", "four")], ["Content-Length 'four' is not a byte count"]),
        (
            [("Content-Length", "4"), ("Transfer-Encoding", "chunked")],
            ["both Content-Length 4 and Transfer-Encoding 'chunked'", "RFC 9112 §6.2"],
        ),
    ],
    ids=["two-lengths", "length-list", "negative-length", "word-length", "length-and-chunked"],
)
def test_a_head_with_contradictory_framing_is_malformed_http_with_the_head_kept(headers, words):
    """Where the body ends is unknowable (or a smuggling vector): the body is not read, the head is evidence, and
    the exchange counts as answered (a run is not stopped as "unreachable")."""
    exchange = exchange_with(hostile.raw_bytes(hostile.framed(headers, b"4\r\n<a/>\r\n0\r\n\r\n")))
    assert_one_line(exchange, "malformed-http", "response head from http://127.0.0.1:", "body not read", *words)
    assert exchange.answered and exchange.response is None
    assert exchange.partial.status == 200 and exchange.partial.header("Content-Length") == ", ".join(
        value for name, value in headers if name == "Content-Length"
    )
    assert [(r.name, r.status) for r in run_checks(CheckContext(exchange))] == [("transport", "failed")]


def test_a_content_length_repeated_with_the_same_value_is_tolerated():
    """RFC 9110 §8.6 lets a recipient take identical repeated values as one."""
    exchange = exchange_with(hostile.raw_bytes(hostile.framed([("Content-Length", "4"), ("Content-Length", "4")])))
    assert exchange.error is None and exchange.response.body == b"<a/>"


# --- kept-alive connections: bytes nobody asked for are a finding, never someone's answer --------------------------

BODIES = [b"<first/>", b"<second/>", b"<third/>", b"<fourth/>", b"<fifth/>", b"<sixth/>"]


def keep_alive_exchanges(server: hostile.RawServer, sent, *, gaps: list[bool], **options) -> list[Exchange]:
    """One transport POSTing ``BODIES`` in order; before each request whose ``gaps`` entry is true it waits until the
    server has sent its extra bytes (``sent``), so that they wait on the idle connection."""
    transport = Transport(TransportOptions(timeout=2, **options))
    exchanges = []
    try:
        for body, gap in zip(BODIES, gaps, strict=False):
            if gap:
                assert sent.wait(5), "the server sent no extra response"
            sent.clear()
            exchanges.append(
                transport.send(server.url, OutgoingRequest(body, {"Content-Type": hostile.SOAP11_CT}), SOAP11)
            )
    finally:
        transport.close()
    return exchanges


def answers(exchanges: list[Exchange]) -> list[bytes | None]:
    return [e.response.body if e.response is not None else None for e in exchanges]


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_bytes_sent_on_an_idle_kept_alive_connection_are_a_finding_of_the_next_exchange(certificate, tls):
    sent = threading.Event()
    context = hostile.server_tls(*certificate) if tls else None
    with hostile.serving(hostile.stale_answers(sent=sent), tls=context, lifetime=15) as server:
        options = {"verify": str(certificate[0])} if tls else {}
        first, second, third = keep_alive_exchanges(server, sent, gaps=[False, True, True], **options)
        connections = server.connections

    assert first.error is None and third.error is None, (first.error, third.error)
    assert_one_line(
        second,
        "unsolicited-bytes",
        "bytes starting 'HTTP/1.1 200 OK' on an idle kept-alive connection after its previous answer",
        "RFC 9112 §9.3",
        "that connection was discarded and this request, like every later one, went on a new connection",
    )
    assert "earlier request" not in second.error.message  # the connection had carried one request only
    assert answers([first, second, third]) == [b"<answer>" + b + b"</answer>" for b in BODIES[:3]]
    assert connections == 3
    results = {r.name: r.status for r in run_checks(CheckContext(second))}
    assert results["transport"] == "failed" and len(results) > 1  # the case is still judged on its own answer


def test_after_unsolicited_bytes_no_request_can_read_a_stale_answer():
    """A stray response that arrives just after the next request went out looks like that request's answer; after
    the first sighting every request has a connection of its own, so none can read another's answer."""
    sent = threading.Event()
    with hostile.serving(hostile.stale_answers(delay=0.05, sent=sent), lifetime=15) as server:
        exchanges = keep_alive_exchanges(server, sent, gaps=[False, True, False, False, False, False])
        connections = server.connections

    assert [e.error.kind if e.error else None for e in exchanges] == [None, "unsolicited-bytes", None, None, None, None]
    assert answers(exchanges) == [b"<answer>" + b + b"</answer>" for b in BODIES]
    assert connections == len(BODIES)


def test_a_stale_response_written_together_with_the_answer_is_caught_and_its_size_counted():
    with hostile.serving(hostile.stale_answers(delay=0, pad=200_000), lifetime=15) as server:
        first, second = keep_alive_exchanges(server, threading.Event(), gaps=[False, False])

    assert first.error is None and first.response.body == b"<answer><first/></answer>"
    assert_one_line(second, "unsolicited-bytes", "sent 65,536 or more bytes", "idle kept-alive connection")
    assert second.response.body == b"<answer><second/></answer>"


def test_a_connection_reused_several_times_names_the_answers_it_may_have_mixed_up():
    sent = threading.Event()
    with hostile.serving(hostile.stale_answers(sent=sent, after=3), lifetime=15) as server:
        exchanges = keep_alive_exchanges(server, sent, gaps=[False, False, False, True])

    assert [e.error for e in exchanges[:3]] == [None, None, None]
    assert_one_line(
        exchanges[3], "unsolicited-bytes", "the 2 earlier requests that reused it may have read such bytes as their"
    )
    assert answers(exchanges) == [b"<answer>" + b + b"</answer>" for b in BODIES[:4]]


def test_a_408_closing_an_idle_connection_is_no_finding():
    """RFC 9110 §15.5.9: a server may say it closes an idle connection with a 408; that answers nothing."""
    sent = threading.Event()
    with hostile.serving(hostile.closes_idle_with_408(sent=sent), lifetime=15) as server:
        first, second = keep_alive_exchanges(server, sent, gaps=[False, True])

    assert first.error is None and second.error is None, second.error
    assert answers([first, second]) == [b"<answer>" + b + b"</answer>" for b in BODIES[:2]]


def test_a_get_over_a_connection_with_unsolicited_bytes_goes_on_a_new_one_without_an_error():
    """A GET (probe, ?wsdl) is not judged: its answer is good, the connection it was to reuse is discarded."""
    sent = threading.Event()
    with hostile.serving(hostile.stale_answers(sent=sent), lifetime=15) as server:
        transport = Transport(TransportOptions(timeout=2))
        try:
            first = transport.get(server.url + "?wsdl")
            assert sent.wait(5)
            second = transport.get(server.url + "?wsdl")
        finally:
            transport.close()
        connections = server.connections
    assert first.error is None and second.error is None, second.error
    assert second.response.body == b"<answer></answer>" and connections == 2


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

    from conformance.contract import parsing

    monkeypatch.setattr(parsing, "has_dtd", lambda body: False)
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
        "conflicting-content-length": (
            hostile.raw_bytes(hostile.framed([("Content-Length", "4"), ("Content-Length", "7")], b"<a/>xxx")),
            "transport",
            "malformed-http: response head from",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "html-error-page",
        "xxe",
        "reset-mid-body",
        "100-mb-chunked",
        "slow-drip",
        "conflicting-content-length",
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
    attachments = [p.read_text(errors="replace") for p in (tmp_path / "out" / "allure-results").glob("*-attachment.*")]
    assert any(text.startswith("POST ") and "SOAPAction" in text for text in attachments)  # the request's head
    assert any(text.startswith("<?xml") and "Envelope" in text for text in attachments)  # and its body, as sent
    if check == "transport":
        assert any(words.split(": ", 1)[1] in text for text in attachments)  # the transport error
    else:
        assert any(text.startswith("HTTP ") for text in attachments)  # the response received
    assert ET.parse(tmp_path / "out" / "junit.xml").getroot() is not None
    spy.assert_untouched()


def test_cli_keeps_every_result_when_the_endpoint_dies_mid_run(tmp_path, reference):
    dying = hostile.first_then(40, hostile.forward(_port(reference)), hostile.reset_at_once)  # ~5 calls a case
    with hostile.serving(dying, lifetime=60) as server:
        done = conformance_run(server.url, "--", "-k", "fixture or coverage", cwd=tmp_path)
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 1, done.stdout[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["passed"] >= 5 and summary["failed"] >= 5 and not summary["unreachable"]
    transport = [f for f in summary["findings"] if f["check"] == "transport"]
    assert transport and all("connection-reset" in f["message"] for f in transport)
    results = [
        p for p in (tmp_path / "out" / "allure-results").glob("*-result.json") if "overview" not in p.read_text()
    ]
    assert len(results) == summary["passed"] + summary["failed"] + summary["skipped"]


def test_cli_names_unsolicited_bytes_once_and_judges_no_case_on_a_stale_answer(tmp_path, reference):
    """Every answer is followed by an unrequested copy: the first reuse finds it and says so; no case is judged on
    a stale answer (the reference endpoint is otherwise conformant, so any other finding would be a mix-up)."""
    with hostile.serving(hostile.forward_with_stale_copies(_port(reference)), lifetime=60) as server:
        done = conformance_run(server.url, "--", "-k", "fixture or coverage", cwd=tmp_path)
        connections = server.connections
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert done.returncode == 1, output[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["passed"] >= 5 and not summary["unreachable"]
    findings = summary["findings"]
    assert [f["check"] for f in findings] == ["transport"], findings[:3]
    assert "unsolicited-bytes:" in findings[0]["message"] and "idle kept-alive connection" in findings[0]["message"]
    assert "unsolicited-bytes:" in done.stdout
    assert connections >= summary["passed"] + summary["failed"]  # after the sighting: a connection per request
