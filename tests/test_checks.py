"""Every named check passes on a correct exchange and fails, with an expected/got/where message, on a crafted
bad one. Exchanges are built from bytes: no network involved."""

from __future__ import annotations

import pytest
from conftest import make_exchange

from conformance.checks import REGISTRY, TRANSPORT, CheckContext, Expect, Failure, run_checks
from conformance.contract import SERVICES82_NS, SOAP11, SOAP12, SoapVersion
from conformance.transport import TransportError

S82 = SERVICES82_NS


def envelope(version: SoapVersion, body: str, header: str | None = "", trailer: str = "") -> bytes:
    head = f"<s:Header>{header}</s:Header>" if header is not None else ""
    return (
        f'<s:Envelope xmlns:s="{version.envelope_ns}" xmlns:so="{S82}">{head}<s:Body>{body}</s:Body>'
        f"{trailer}</s:Envelope>"
    ).encode()


OK_HEADER = "<so:Succeeded>true</so:Succeeded>"
ERR_HEADER = (
    "<so:ExceptionInfo><so:Message>Appointment 7 does not exist</so:Message></so:ExceptionInfo>"
    "<so:Succeeded>false</so:Succeeded>"
)


def success(version: SoapVersion) -> bytes:
    return envelope(version, "<so:RejectResponse/>", OK_HEADER)


def app_error(version: SoapVersion) -> bytes:
    return envelope(version, "<so:RejectResponse/>", ERR_HEADER)


def fault(version: SoapVersion, code: str | None = None) -> bytes:
    if version is SOAP11:
        return envelope(
            version,
            f"<s:Fault><faultcode>s:{code or 'Client'}</faultcode><faultstring>bad id</faultstring></s:Fault>",
            None,
        )
    return envelope(
        version,
        f"<s:Fault><s:Code><s:Value>s:{code or 'Sender'}</s:Value></s:Code>"
        '<s:Reason><s:Text xml:lang="en">bad id</s:Text></s:Reason></s:Fault>',
        None,
    )


def outcome(name: str, exchange, expect: Expect = Expect.ANY, **kwargs):
    ctx = CheckContext(exchange, expect, **kwargs)
    return REGISTRY[name].func(ctx)


# (check, good exchange, expectation, bad exchange, words the failure must contain)
CASES = [
    (
        "http-status",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(v), status=202, version=v),
        "HTTP 202",
    ),
    (
        "content-type",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(v), version=v, content_type="text/html; charset=utf-8"),
        "text/html",
    ),
    (
        "content-type",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(b'<?xml version="1.0" encoding="iso-8859-1"?>' + success(v), version=v),
        "iso-8859-1",
    ),
    (
        "well-formed",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(v)[:-20], version=v),
        "not well-formed",
    ),
    (
        "well-formed",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(b'<!DOCTYPE x [<!ENTITY a "b">]>' + success(v), version=v),
        "DTD",
    ),
    (
        "well-formed",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(b"<html><title>Runtime Error</title></html>", status=500, version=v),
        "HTML page",
    ),
    (
        "envelope-version",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(SOAP12 if v is SOAP11 else SOAP11), version=v),
        "Envelope",
    ),
    (
        "envelope-schema",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(v).replace(b"<s:Header>", b'<x:Stray xmlns:x="urn:x"/><s:Header>'), version=v),
        "Stray",
    ),
    (
        "body-qualified",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, "<RejectResponse/>", OK_HEADER), version=v),
        "unqualified",
    ),
    (
        "nothing-after-body",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(
            envelope(v, "<so:RejectResponse/>", OK_HEADER, '<x:Trailer xmlns:x="urn:x"/>'), version=v
        ),
        "Trailer",
    ),
    (
        "single-body-child",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, "<so:RejectResponse/><so:RejectResponse/>", OK_HEADER), version=v),
        "2 (",
    ),
    (
        "response-element",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, "<so:AcceptResponse/>", OK_HEADER), version=v),
        "AcceptResponse",
    ),
    (
        "response-element",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, f'<x:RejectResponse xmlns:x="{S82[:-2]}81"/>', OK_HEADER), version=v),
        "Services81",
    ),
    (
        "response-schema",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(
            envelope(
                v,
                "<so:RejectResponse><so:Response><so:AppointmentId>1</so:AppointmentId>"
                "</so:Response></so:RejectResponse>",
                OK_HEADER,
            ),
            version=v,
        ),
        "contract change",
    ),
    (
        "response-schema",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(
            envelope(v, "<so:RejectResponse><so:Extra/></so:RejectResponse>", OK_HEADER), version=v
        ),
        "Extra",
    ),
    (
        "response-headers",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, "<so:RejectResponse/>", "<so:Succeeded>maybe</so:Succeeded>"), version=v),
        "maybe",
    ),
    (
        "succeeded-consistent",
        lambda v: make_exchange(app_error(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, "<so:RejectResponse/>", "<so:Succeeded>false</so:Succeeded>"), version=v),
        "no ExceptionInfo",
    ),
    (
        "succeeded-consistent",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(
            envelope(v, "<so:RejectResponse/>", ERR_HEADER.replace(">false<", ">true<")), version=v
        ),
        "Succeeded=true",
    ),
    (
        "fault-schema",
        lambda v: make_exchange(fault(v), status=500, version=v),
        Expect.ANY,
        lambda v: make_exchange(
            fault(v)
            .replace(b"<s:Reason>", b"<s:Nope>")
            .replace(b"</s:Reason>", b"</s:Nope>")
            .replace(b"<faultstring>bad id</faultstring>", b""),
            status=500,
            version=v,
        ),
        "Fault",
    ),
    (
        "fault-status",
        lambda v: make_exchange(fault(v), status=500, version=v),
        Expect.ANY,
        lambda v: make_exchange(fault(v), status=200, version=v),
        "HTTP 200",
    ),
    (
        "positive-acceptance",
        lambda v: make_exchange(success(v), version=v),
        Expect.ACCEPT,
        lambda v: make_exchange(app_error(v), version=v),
        "Succeeded=false",
    ),
    (
        "positive-acceptance",
        lambda v: make_exchange(success(v), version=v),
        Expect.ACCEPT,
        lambda v: make_exchange(fault(v), status=500, version=v),
        "SOAP fault",
    ),
    (
        "negative-rejection",
        lambda v: make_exchange(fault(v), status=500, version=v),
        Expect.REJECT,
        lambda v: make_exchange(success(v), version=v),
        "RejectResponse with Succeeded=true",
    ),
    (
        "negative-rejection",
        lambda v: make_exchange(app_error(v), version=v),
        Expect.REJECT,
        lambda v: make_exchange(success(v), version=v),
        "to be rejected",
    ),
    (
        "auth-enforced",
        lambda v: make_exchange(app_error(v), version=v),
        Expect.AUTH,
        lambda v: make_exchange(success(v), version=v),
        "unauthenticated call",
    ),
]


@pytest.mark.parametrize(
    ("name", "good", "expect", "bad", "words"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_check_passes_on_good_and_fails_on_bad(name, good, expect, bad, words, version):
    assert outcome(name, good(version), expect) is None
    failure = outcome(name, bad(version), expect)
    assert isinstance(failure, Failure), f"{name} did not flag the bad exchange"
    text = str(failure)
    assert text.startswith(f"[{name}] expected ") and "; got " in text and "; at " in text
    assert words in text, text


def test_soap12_sender_fault_may_use_400_but_soap11_may_not():
    assert outcome("fault-status", make_exchange(fault(SOAP12), status=400, version=SOAP12)) is None
    assert outcome("fault-status", make_exchange(fault(SOAP12, "Receiver"), status=400, version=SOAP12)) is not None
    assert outcome("fault-status", make_exchange(fault(SOAP11), status=400, version=SOAP11)) is not None


def test_soap11_fault_code_outside_the_envelope_namespace_is_flagged():
    body = envelope(SOAP11, "<s:Fault><faultcode>Oops</faultcode><faultstring>x</faultstring></s:Fault>", None)
    failure = outcome("fault-schema", make_exchange(body, status=500))
    assert isinstance(failure, Failure) and "Oops" in str(failure)


def test_response_time_is_opt_in():
    slow = make_exchange(success(SOAP11), elapsed=0.5)
    assert repr(outcome("response-time", slow)) == "NOT_APPLICABLE"
    failure = outcome("response-time", slow, sla_seconds=0.1)
    assert isinstance(failure, Failure) and "within 100 ms" in str(failure) and "500 ms" in str(failure)


def test_transport_error_is_the_only_result_when_nothing_came_back():
    exchange = make_exchange(b"")
    exchange.response = None
    exchange.error = TransportError("connection-refused", "nothing listens at http://127.0.0.1:1/x")
    results = run_checks(CheckContext(exchange))
    assert [r.name for r in results] == [TRANSPORT]
    assert "connection-refused" in str(results[0].outcome)


def test_a_correct_success_passes_every_check(version):
    results = run_checks(CheckContext(make_exchange(success(version), version=version), Expect.ACCEPT))
    assert not [r for r in results if r.status == "failed"]
    assert {r.name for r in results} == set(REGISTRY)


def test_http_refusal_counts_as_rejection_for_a_wrong_media_type():
    exchange = make_exchange(b"Unsupported Media Type", status=415, content_type="text/plain")
    results = run_checks(CheckContext(exchange, Expect.REJECT, http_refusals=(415,)))
    assert {r.name: r.status for r in results}["negative-rejection"] == "passed"
    assert not [r for r in results if r.status == "failed"]
