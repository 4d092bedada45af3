"""Every named check passes on a correct exchange and reports, at the level of the rule it cites, an
expected/got/where message on a crafted bad one; legal answers of real stacks (WCF's faults and empty refusals, a
SOAP 1.1 reply to a mislabelled SOAP 1.1 request) raise nothing. Exchanges are built from bytes: no network."""

from __future__ import annotations

import pytest
from helpers.exchanges import make_exchange

from conformance.checks import NOT_APPLICABLE, REGISTRY, TRANSPORT, CheckContext, Expect, Failure, run_check, run_checks
from conformance.contract.rules import Level
from conformance.contract.soap import SERVICES82_NS, SOAP11, SOAP12, SoapVersion
from conformance.transport.http import TransportFailure

S82 = SERVICES82_NS
WCF_DISPATCHER = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
WCF_ADDRESSING_NONE = "http://schemas.microsoft.com/ws/2005/05/addressing/none"
MUST, SHOULD = Level.MUST, Level.SHOULD


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


def soap11_fault_with_code(faultcode: str) -> bytes:
    return envelope(SOAP11, f"<s:Fault>{faultcode}<faultstring>x</faultstring></s:Fault>", None)


def wcf_fault(code: str, namespace: str, reason: str) -> bytes:
    """A SOAP 1.1 fault byte for byte as WCF writes it (shared/reference/WCF-WIRE.md)."""
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        f'<faultcode xmlns:a="{namespace}">a:{code}</faultcode>'
        f'<faultstring xml:lang="en-US">{reason}</faultstring></s:Fault></s:Body></s:Envelope>'
    ).encode()


WCF_FAULTS = {
    "DeserializationFailed": wcf_fault(
        "DeserializationFailed", WCF_DISPATCHER, "The formatter threw an exception while trying to deserialize"
    ),
    "ActionNotSupported": wcf_fault(
        "ActionNotSupported", WCF_ADDRESSING_NONE, "The message with Action '' cannot be processed at the receiver"
    ),
    "InternalServiceFault": wcf_fault(
        "InternalServiceFault", WCF_DISPATCHER, "The server was unable to process the request due to an internal error"
    ),
}


def outcome(name: str, exchange, expect: Expect = Expect.ANY, **kwargs):
    return run_check(REGISTRY[name], CheckContext(exchange, expect, **kwargs)).outcome


def statuses(exchange, expect: Expect = Expect.ANY, **kwargs) -> dict[str, str]:
    return {r.name: r.status for r in run_checks(CheckContext(exchange, expect, **kwargs))}


def findings(exchange, expect: Expect = Expect.ANY, **kwargs) -> dict[str, str]:
    """``{check: status}`` of the checks that reported something."""
    return {k: v for k, v in statuses(exchange, expect, **kwargs).items() if v in ("failed", "advisory")}


# (check, good exchange, expectation, bad exchange, words the finding must contain, level of the rule broken)
CASES = [
    (
        "http-status",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(v), status=500, version=v),
        "HTTP 500",
        MUST,
    ),
    (
        "http-status",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(v), status=202, version=v),
        "HTTP 202",
        SHOULD,
    ),
    (
        "content-type",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(v), version=v, content_type="text/html; charset=utf-8"),
        "text/html",
        MUST,
    ),
    (
        "content-type",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(v), version=v, content_type=f"{v.media_type}; charset=utf-8"),
        "",
        None,  # no finding: the good exchange again (the bad ones per version are tested below)
    ),
    (
        "well-formed",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(v)[:-20], version=v),
        "not well-formed",
        MUST,
    ),
    (
        "well-formed",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(b'<!DOCTYPE x [<!ENTITY a "b">]>' + success(v), version=v),
        "DTD",
        MUST,
    ),
    (
        "well-formed",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(b"<html><title>Runtime Error</title></html>", status=500, version=v),
        "HTML page",
        MUST,
    ),
    (
        "envelope-version",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(SOAP12 if v is SOAP11 else SOAP11), version=v),
        "Envelope",
        MUST,
    ),
    (
        "envelope-schema",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(success(v).replace(b"<s:Header>", b'<x:Stray xmlns:x="urn:x"/><s:Header>'), version=v),
        "Stray",
        MUST,
    ),
    (
        "body-qualified",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, "<RejectResponse/>", OK_HEADER), version=v),
        "unqualified",
        MUST,
    ),
    (
        "nothing-after-body",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(
            envelope(v, "<so:RejectResponse/>", OK_HEADER, '<x:Trailer xmlns:x="urn:x"/>'), version=v
        ),
        "Trailer",
        MUST,
    ),
    (
        "single-body-child",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, "<so:RejectResponse/><so:RejectResponse/>", OK_HEADER), version=v),
        "2 (",
        MUST,
    ),
    (
        "response-element",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, "<so:AcceptResponse/>", OK_HEADER), version=v),
        "AcceptResponse",
        MUST,
    ),
    (
        "response-element",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, f'<x:RejectResponse xmlns:x="{S82[:-2]}81"/>', OK_HEADER), version=v),
        "Services81",
        MUST,
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
        MUST,
    ),
    (
        "response-schema",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(
            envelope(v, "<so:RejectResponse><so:Extra/></so:RejectResponse>", OK_HEADER), version=v
        ),
        "Extra",
        MUST,
    ),
    (
        "response-headers",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, "<so:RejectResponse/>", "<so:Succeeded>maybe</so:Succeeded>"), version=v),
        "maybe",
        MUST,
    ),
    (
        "succeeded-consistent",
        lambda v: make_exchange(app_error(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(envelope(v, "<so:RejectResponse/>", "<so:Succeeded>false</so:Succeeded>"), version=v),
        "no ExceptionInfo",
        MUST,
    ),
    (
        "succeeded-consistent",
        lambda v: make_exchange(success(v), version=v),
        Expect.ANY,
        lambda v: make_exchange(
            envelope(v, "<so:RejectResponse/>", ERR_HEADER.replace(">false<", ">true<")), version=v
        ),
        "Succeeded=true",
        MUST,
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
        MUST,
    ),
    (
        "positive-acceptance",
        lambda v: make_exchange(success(v), version=v),
        Expect.ACCEPT,
        lambda v: make_exchange(app_error(v), version=v),
        "Succeeded=false",
        MUST,
    ),
    (
        "positive-acceptance",
        lambda v: make_exchange(success(v), version=v),
        Expect.ACCEPT,
        lambda v: make_exchange(fault(v), status=500, version=v),
        "SOAP fault",
        MUST,
    ),
    (
        "negative-rejection",
        lambda v: make_exchange(fault(v), status=500, version=v),
        Expect.REJECT,
        lambda v: make_exchange(success(v), version=v),
        "RejectResponse with Succeeded=true",
        SHOULD,  # no rule given: the check's own (WS-I BP R2724)
    ),
    (
        "negative-rejection",
        lambda v: make_exchange(app_error(v), version=v),
        Expect.REJECT,
        lambda v: make_exchange(success(v), version=v),
        "to be refused",
        SHOULD,
    ),
    (
        "auth-enforced",
        lambda v: make_exchange(app_error(v), version=v),
        Expect.AUTH,
        lambda v: make_exchange(success(v), version=v),
        "unauthenticated call",
        MUST,
    ),
]


@pytest.mark.parametrize(
    ("name", "good", "expect", "bad", "words", "level"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_check_passes_on_good_and_reports_bad_at_its_rules_level(name, good, expect, bad, words, level, version):
    assert outcome(name, good(version), expect) is None
    found = outcome(name, bad(version), expect)
    if level is None:
        assert found is None
        return
    assert isinstance(found, Failure), f"{name} did not flag the bad exchange"
    text = str(found)
    assert text.startswith(f"[{name}] expected ") and "; got " in text and "; at " in text and "; rule " in text
    assert words in text, text
    assert found.rule.level is level and found.advisory == (level is SHOULD)
    assert found.rule in REGISTRY[name].rules or found.rule.id in text


def test_every_check_states_its_rules_and_what_it_asserts():
    for spec in REGISTRY.values():
        assert spec.rules, spec.name
        assert spec.description and spec.func.__doc__, spec.name
        assert any(level.value in spec.func.__doc__ for level in Level), f"{spec.name}: docstring names no level"


# --- real stacks' legal answers raise nothing -------------------------------------------------------


@pytest.mark.parametrize("code", list(WCF_FAULTS))
def test_wcf_faults_are_legal_rejections_in_every_check(code):
    exchange = make_exchange(WCF_FAULTS[code], status=500)
    assert findings(exchange, Expect.REJECT, refusable=True) == {}
    assert statuses(exchange, Expect.REJECT)["negative-rejection"] == "passed"
    assert outcome("fault-schema", exchange) is None


@pytest.mark.parametrize(("status", "reason"), [(400, "Bad Request"), (413, "Too Large"), (415, "Cannot process")])
def test_an_empty_http_refusal_of_a_request_with_a_format_problem_is_a_rejection(status, reason):
    exchange = make_exchange(b"", status=status, content_type="")
    exchange.response.reason = reason
    results = statuses(exchange, Expect.REJECT, refusable=True)
    assert results["negative-rejection"] == "passed"
    assert results["auth-enforced"] == "not-applicable"  # the refusal credits only the case's own check
    assert {k for k, v in results.items() if v != "not-applicable"} == {"negative-rejection"}


def test_the_same_refusal_of_a_well_formed_request_is_no_soap_reply():
    exchange = make_exchange(b"", status=400, content_type="")
    assert findings(exchange, Expect.REJECT, refusable=False) == {"well-formed": "failed"}
    assert findings(exchange, Expect.AUTH) == {"well-formed": "failed"}
    assert findings(exchange, Expect.ACCEPT) == {"well-formed": "failed"}
    assert "HTTP 400" in str(outcome("well-formed", exchange, Expect.ACCEPT))


def test_an_http_refusal_whose_body_claims_success_is_judged_as_the_envelope_it_is():
    exchange = make_exchange(success(SOAP11), status=415)
    found = findings(exchange, Expect.REJECT, refusable=True)
    assert found == {"http-status": "failed", "negative-rejection": "advisory"}
    assert "WS-I BP R1124" in str(outcome("http-status", exchange))


def test_a_soap11_reply_to_a_soap11_envelope_labelled_soap12_is_judged_as_soap11():
    """The runner records the version of the envelope sent, whatever its Content-Type claimed: a SOAP 1.1 fault
    or reply to the mislabelled SOAP 1.1 envelope is right (spyne answers so)."""
    assert findings(make_exchange(fault(SOAP11), status=500, version=SOAP11), Expect.REJECT, refusable=True) == {}
    processed = findings(make_exchange(success(SOAP11), version=SOAP11), Expect.REJECT, refusable=True)
    assert processed == {"negative-rejection": "advisory"}


def test_a_soap12_reply_to_a_soap11_envelope_is_a_version_violation():
    found = findings(make_exchange(fault(SOAP12), status=500, version=SOAP11), Expect.REJECT, refusable=True)
    assert found["envelope-version"] == "failed"


def test_a_soap11_version_mismatch_fault_answering_a_soap12_envelope_is_what_soap_prescribes():
    mismatch = make_exchange(fault(SOAP11, "VersionMismatch"), status=500, content_type="text/xml; charset=utf-8")
    mismatch.version = SOAP12
    assert findings(mismatch, Expect.REJECT, refusable=True) == {}
    other = make_exchange(fault(SOAP11, "Client"), status=500, content_type="text/xml; charset=utf-8")
    other.version = SOAP12
    assert findings(other, Expect.REJECT, refusable=True) == {"envelope-version": "failed"}


# --- fault codes at their level ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faultcode", "status", "rule"),
    [
        ("<faultcode>s:Server</faultcode>", "passed", None),
        ("<faultcode>s:VersionMismatch</faultcode>", "passed", None),
        ('<faultcode xmlns:a="urn:vendor">a:Anything</faultcode>', "passed", None),
        ("<faultcode>a:DeserializationFailed</faultcode>", "failed", "SOAP 1.1 §4.4"),  # prefix bound to nothing
        ("<faultcode>s:Oops</faultcode>", "advisory", "R1004"),  # a code SOAP 1.1 does not define, in its namespace
        ("<faultcode>Oops</faultcode>", "advisory", "R1004"),  # in no namespace
        ("<faultcode>s:Client.Authentication</faultcode>", "advisory", "R1031"),  # dot notation
    ],
)
def test_soap11_faultcodes_are_judged_by_the_rule_that_covers_them(faultcode, status, rule):
    exchange = make_exchange(soap11_fault_with_code(faultcode), status=500)
    result = run_check(REGISTRY["fault-schema"], CheckContext(exchange, Expect.REJECT))
    assert result.status == status, str(result.outcome)
    if rule:
        assert rule in str(result.outcome)


def test_fault_status_levels():
    assert outcome("fault-status", make_exchange(fault(SOAP11), status=400)).rule.level is MUST
    assert outcome("fault-status", make_exchange(fault(SOAP11), status=200)).rule.level is MUST
    for status in (400, 500):  # SOAP 1.2 Sender: Table 20 says 400; WCF sends 500
        assert outcome("fault-status", make_exchange(fault(SOAP12), status=status, version=SOAP12)) is None
    receiver_400 = outcome("fault-status", make_exchange(fault(SOAP12, "Receiver"), status=400, version=SOAP12))
    assert receiver_400.advisory and "Table 20" in str(receiver_400)


# --- media type and charset -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "content_type", "body_encoding", "rule"),
    [
        (SOAP11, "text/xml; charset=utf-8", "utf-8", None),
        (SOAP11, "text/xml; charset=UTF-16", "utf-16", None),
        (SOAP11, "text/xml", "utf-8", "R1018"),  # no charset
        (SOAP11, "text/xml; charset=iso-8859-1", "utf-8", "R1012"),
        (SOAP11, "text/xml; charset=utf-8", "utf-16", "R1018"),  # the charset is not the body's encoding
        (SOAP11, "application/soap+xml; charset=utf-8", "utf-8", "R9703"),
        (SOAP12, "application/soap+xml", "utf-8", None),  # charset is optional for application/soap+xml
        (SOAP12, "text/xml; charset=utf-8", "utf-8", None),  # another XML media type: allowed (Part 2 §7.1.4)
        (SOAP12, "text/plain; charset=utf-8", "utf-8", "§7.1.4"),
    ],
)
def test_content_type_rules(version, content_type, body_encoding, rule):
    body = success(version)
    if body_encoding == "utf-16":
        body = '<?xml version="1.0" encoding="utf-16"?>'.encode("utf-16") + body.decode().encode("utf-16")[2:]
    found = outcome("content-type", make_exchange(body, version=version, content_type=content_type))
    if rule is None:
        assert found is None, str(found)
    else:
        assert isinstance(found, Failure) and rule in str(found) and not found.advisory


def test_an_xml_declaration_that_disagrees_with_a_correct_charset_breaks_no_rule():
    """Receivers MUST ignore the declaration's encoding (WS-I SSBP R1019); only a wrong charset is a finding."""
    body = b'<?xml version="1.0" encoding="iso-8859-1"?>' + success(SOAP11)
    assert outcome("content-type", make_exchange(body)) is None


def test_no_content_type_at_all_on_an_envelope():
    assert "R9702" in str(outcome("content-type", make_exchange(success(SOAP11), content_type="")))


# --- running them -----------------------------------------------------------------------------------


def test_response_time_is_opt_in():
    slow = make_exchange(success(SOAP11), elapsed=0.5)
    assert outcome("response-time", slow) is NOT_APPLICABLE
    failure = outcome("response-time", slow, sla_seconds=0.1)
    assert isinstance(failure, Failure) and "within 100 ms" in str(failure) and "500 ms" in str(failure)


def test_transport_error_is_the_only_result_when_nothing_came_back():
    exchange = make_exchange(b"")
    exchange.response = None
    exchange.error = TransportFailure("connection-refused", "nothing listens at http://127.0.0.1:1/x")
    results = run_checks(CheckContext(exchange))
    assert [r.name for r in results] == [TRANSPORT]
    assert "connection-refused" in str(results[0].outcome) and results[0].status == "failed"


def test_a_correct_success_passes_every_check(version):
    results = run_checks(CheckContext(make_exchange(success(version), version=version), Expect.ACCEPT))
    assert {r.name: r.status for r in results if r.status not in ("passed", "not-applicable")} == {}
    assert [r.name for r in results] == list(REGISTRY)


def test_failures_carry_the_name_of_the_check_that_found_them():
    results = run_checks(CheckContext(make_exchange(success(SOAP11), status=202)))
    advisory = next(r for r in results if r.name == "http-status")
    assert advisory.status == "advisory" and advisory.outcome.check == "http-status"


def test_asking_for_a_check_that_does_not_exist_is_an_error():
    with pytest.raises(KeyError, match="no check named nope"):
        run_checks(CheckContext(make_exchange(success(SOAP11))), ["nope"])


def test_the_readmes_table_of_checks_is_the_registrys():
    from pathlib import Path

    from conformance.checks.__main__ import markdown_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "README's check table is stale: paste `python -m conformance.checks`"
