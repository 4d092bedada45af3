"""The checks' truth table: canonical exchanges (rows) × every check (columns) → what each check SHOULD say, by the
rules it cites (``conformance/contract/rules.py``), under each expectation of a case (accept, reject, auth). A cell
is ``pass``, ``n-a`` (not applicable), ``fail: word | word`` (a violation whose message holds the words) or
``advisory: word | word`` (a broken SHOULD); a word ``!like this`` must not be in the message. The outcome columns
(``positive-acceptance``, ``negative-rejection``, ``auth-enforced``) give the verdict under their own expectation
(accept, reject, auth), and are not applicable under the other two; every other check must say the same under all
three. ``transport`` is the runner's own result for a response that is not usable as is (a redirect); ``n-a`` means
it is absent.

Every exchange is real bytes, an HTTP status and headers, judged through the ``CheckContext`` the runner builds
(``conformance/run/runner.py``) with the check's own default rule. ``python -m tests.checks.truth_table`` renders
``docs/check-truth-table.md``; ``test_truth_table.py`` keeps it identical and checks every cell.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # pragma: no cover - python tests/checks/truth_table.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
elif str(Path(__file__).resolve().parents[1]) not in sys.path:  # python -m tests.checks.truth_table
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers.exchanges import make_exchange

from conformance.checks import TRANSPORT, CheckContext, Expect, run_checks
from conformance.contract.entity import Entity
from conformance.contract.soap import SERVICES82_NS, SOAP11, SOAP12, SoapVersion
from conformance.run.observe import Effect
from conformance.transport.failures import TransportFailure
from conformance.transport.http import Exchange

DOC = Path(__file__).resolve().parents[2] / "docs" / "check-truth-table.md"
WCF_DISPATCHER = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
WCF_ADDRESSING_NONE = "http://schemas.microsoft.com/ws/2005/05/addressing/none"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# the columns: every registered check, in report order, after the runner's transport result
COLUMNS = (
    TRANSPORT,
    "http-status",
    "content-type",
    "well-formed",
    "envelope-version",
    "envelope-schema",
    "body-qualified",
    "nothing-after-body",
    "single-body-child",
    "response-element",
    "response-schema",
    "response-headers",
    "succeeded-consistent",
    "fault-schema",
    "fault-status",
    "positive-acceptance",
    "negative-rejection",
    "auth-enforced",
    "effect-declined",
    "effect-reason",
    "effect-unchanged",
    "effect-recurrence",
    "response-time",
)
# the outcome columns, and the expectation each one is judged under
OUTCOME = {"positive-acceptance": Expect.ACCEPT, "negative-rejection": Expect.REJECT, "auth-enforced": Expect.AUTH}
EXPECTATIONS = (Expect.ACCEPT, Expect.REJECT, Expect.AUTH)
STATUS_CELL = {"passed": "pass", "failed": "fail", "advisory": "advisory", "not-applicable": "n-a"}


# --- bytes ------------------------------------------------------------------------------------------------------


def envelope(version: SoapVersion, body: str, header: str | None = "", trailer: str = "", prolog: str = "") -> bytes:
    head = f"<s:Header>{header}</s:Header>" if header is not None else ""
    return (
        f'{prolog}<s:Envelope xmlns:s="{version.envelope_ns}" xmlns:so="{SERVICES82_NS}">{head}<s:Body>{body}'
        f"</s:Body>{trailer}</s:Envelope>"
    ).encode()


OK = "<so:Succeeded>true</so:Succeeded>"
EXCEPTION = "<so:ExceptionInfo><so:Message>Appointment 7 does not exist</so:Message></so:ExceptionInfo>"
FAILED = f"{EXCEPTION}<so:Succeeded>false</so:Succeeded>"
REJECTED = "<so:RejectResponse/>"


def success(version: SoapVersion = SOAP11, header: str | None = OK, body: str = REJECTED) -> bytes:
    return envelope(version, body, header)


def soap11_fault(faultcode: str, reason: str = "bad id") -> bytes:
    return envelope(SOAP11, f"<s:Fault>{faultcode}<faultstring>{reason}</faultstring></s:Fault>", None)


def soap12_fault(code: str) -> bytes:
    return envelope(
        SOAP12,
        f"<s:Fault><s:Code><s:Value>s:{code}</s:Value></s:Code>"
        '<s:Reason><s:Text xml:lang="en">bad id</s:Text></s:Reason></s:Fault>',
        None,
    )


def wcf_fault(code: str, namespace: str, reason: str) -> bytes:
    """A SOAP 1.1 fault byte for byte as WCF writes it (shared/reference/WCF-WIRE.md)."""
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        f'<faultcode xmlns:a="{namespace}">a:{code}</faultcode>'
        f'<faultstring xml:lang="en-US">{reason}</faultstring></s:Fault></s:Body></s:Envelope>'
    ).encode()


def utf16(body: bytes) -> bytes:
    return '<?xml version="1.0" encoding="utf-16"?>'.encode("utf-16") + body.decode().encode("utf-16")[2:]


def redirect() -> Exchange:
    exchange = make_exchange(b"", status=302, content_type="")
    exchange.response.reason = "Found"
    exchange.error = TransportFailure("redirect", "HTTP 302 redirect to http://elsewhere/x; redirects are not followed")
    return exchange


def exchange(body: bytes, status: int = 200, version: SoapVersion = SOAP11, **kwargs) -> Callable[[], Exchange]:
    def build() -> Exchange:
        built = make_exchange(body, status=status, version=version, **kwargs)
        if status != 200:
            built.response.reason = {
                400: "Bad Request",
                415: "Unsupported Media Type",
                500: "Internal Server Error",
            }.get(status, "Error")
        return built

    return build


# --- what Reject did --------------------------------------------------------------------------------------------


def entity(ident: int, status: str, reason: str | None = None, counter: int = 0, **kwargs) -> Entity:
    values = {"start": "2030-01-07T10:00:00", "recurrence_id": None, "associate_id": 5, **kwargs}
    return Entity(ident, status, reason, counter, **values)


def observed(after: str = "Declined", reason: str | None = "busy", stored: str | None = "busy") -> Effect:
    """A Reject of appointment 7 (reason ``reason``), read before (an invitation) and after."""
    effect = Effect(7, reason, "OnlyThis")
    effect.before[7] = entity(7, "Invitation")
    effect.after[7] = entity(7, after, stored, 1 if after == "Declined" else 0)
    return effect


def series(mode: str, later_after: str, earlier_after: str = "Invitation") -> Effect:
    """A Reject of occurrence 7 of a series with 6 (earlier) and 8 (later) observed beside it."""
    effect = Effect(7, None, mode)
    for ident, day in ((6, "06"), (7, "07"), (8, "08")):
        effect.before[ident] = entity(ident, "Invitation", start=f"2030-01-{day}T10:00:00", recurrence_id=40)
    effect.after[6] = entity(6, earlier_after, start="2030-01-06T10:00:00", recurrence_id=40)
    effect.after[7] = entity(7, "Declined", start="2030-01-07T10:00:00", recurrence_id=40)
    effect.after[8] = entity(8, later_after, start="2030-01-08T10:00:00", recurrence_id=40)
    return effect


def not_observed() -> Effect:
    effect = observed(after="Invitation")
    effect.problem = "GetAppointmentEntity(7) answered Succeeded=false"
    return effect


# --- rows -------------------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One canonical exchange and what every check SHOULD say about it."""

    id: str
    what: str
    build: Callable[[], Exchange]
    cells: dict[str, str]
    refusable: bool = False  # the request had a format problem (an HTTP 4xx refusal is legitimate)
    sla_seconds: float | None = None
    effect: Callable[[], Effect] | None = None
    notes: list[str] = field(default_factory=list)

    def context(self, expect: Expect) -> CheckContext:
        return CheckContext(
            self.build(),
            expect,
            refusable=self.refusable,
            sla_seconds=self.sla_seconds,
            effect=self.effect() if self.effect else None,
        )


NA = "n-a"
PASS = "pass"
NO_EFFECT = {"effect-declined": NA, "effect-reason": NA, "effect-unchanged": NA, "effect-recurrence": NA}
QUIET = {TRANSPORT: NA, **NO_EFFECT, "response-time": NA}
SOUND_ENVELOPE = {
    "content-type": PASS,
    "well-formed": PASS,
    "envelope-version": PASS,
    "envelope-schema": PASS,
    "body-qualified": PASS,
    "nothing-after-body": PASS,
    "single-body-child": PASS,
}
# a correct RejectResponse with Succeeded=true, judged as a success / as a refusal that did not happen
SUCCESS = {
    **QUIET,
    **SOUND_ENVELOPE,
    "http-status": PASS,
    "response-element": PASS,
    "response-schema": PASS,
    "response-headers": PASS,
    "succeeded-consistent": PASS,
    "fault-schema": NA,
    "fault-status": NA,
    "positive-acceptance": PASS,
    "negative-rejection": "advisory: to be refused | RejectResponse with Succeeded=true | R2724 | "
    "at /s:Envelope/s:Body/so:RejectResponse;",
    "auth-enforced": "fail: unauthenticated call | RejectResponse with Succeeded=true | Credentials/Ticket",
}
# SuperOffice's own refusal: Succeeded=false with an ExceptionInfo
APP_ERROR = {
    **SUCCESS,
    "positive-acceptance": "fail: to be carried out | Succeeded=false (Appointment 7 does not exist)",
    "negative-rejection": PASS,
    "auth-enforced": PASS,
}
# a correct SOAP fault with a correct status
FAULT = {
    **QUIET,
    **SOUND_ENVELOPE,
    "http-status": NA,
    "response-element": NA,
    "response-schema": NA,
    "response-headers": NA,
    "succeeded-consistent": NA,
    "fault-schema": PASS,
    "fault-status": PASS,
    "positive-acceptance": "fail: to be carried out | a SOAP fault",
    "negative-rejection": PASS,
    "auth-enforced": PASS,
}
# no SOAP envelope came back: only well-formed says so (the outcome checks have nothing to read)
NO_ENVELOPE = {
    **QUIET,
    "http-status": NA,
    "content-type": NA,
    "well-formed": "fail: a SOAP envelope",
    "envelope-version": NA,
    "envelope-schema": NA,
    "body-qualified": NA,
    "nothing-after-body": NA,
    "single-body-child": NA,
    "response-element": NA,
    "response-schema": NA,
    "response-headers": NA,
    "succeeded-consistent": NA,
    "fault-schema": NA,
    "fault-status": NA,
    "positive-acceptance": NA,
    "negative-rejection": NA,
    "auth-enforced": NA,
}
# a legitimate HTTP refusal of a request with a format problem (WS-I BP R1125): a rejection, nothing else applies
HTTP_REFUSAL = {**NO_ENVELOPE, "well-formed": NA, "negative-rejection": PASS, "auth-enforced": PASS}


def cells(base: dict[str, str], **changes: str) -> dict[str, str]:
    """``base`` with ``changes`` (keyword names use ``_`` for ``-``)."""
    return {**base, **{k.replace("_", "-"): v for k, v in changes.items()}}


def fault_advisory(words: str) -> dict[str, str]:
    return cells(FAULT, fault_schema=f"advisory: {words}")


ROWS = [
    # --- success and SuperOffice's Succeeded/ExceptionInfo ------------------------------------------------------
    Row("success", "a correct RejectResponse, Succeeded=true, HTTP 200", exchange(success()), SUCCESS),
    Row(
        "success-soap12",
        "the same in SOAP 1.2 (application/soap+xml without charset) to a SOAP 1.2 request",
        exchange(success(SOAP12), version=SOAP12, content_type="application/soap+xml"),
        SUCCESS,
    ),
    Row("app-error", "Succeeded=false + ExceptionInfo, HTTP 200", exchange(success(header=FAILED)), APP_ERROR),
    Row(
        "succeeded-0",
        "Succeeded=0 + ExceptionInfo (0 is xs:boolean false)",
        exchange(success(header=f"{EXCEPTION}<so:Succeeded>0</so:Succeeded>")),
        APP_ERROR,
    ),
    Row(
        "succeeded-padded-false",
        "Succeeded=' false ' + ExceptionInfo (xs:boolean collapses whitespace)",
        exchange(success(header=f"{EXCEPTION}<so:Succeeded> false </so:Succeeded>")),
        APP_ERROR,
    ),
    Row(
        "succeeded-1",
        "Succeeded=1 (xs:boolean true)",
        exchange(success(header="<so:Succeeded>1</so:Succeeded>")),
        SUCCESS,
    ),
    Row(
        "succeeded-True",
        "Succeeded=True: no xs:boolean (the schema says so; it is not read as false)",
        exchange(success(header="<so:Succeeded>True</so:Succeeded>")),
        cells(
            SUCCESS,
            response_headers="fail: response headers valid | True | !more)",
            negative_rejection="advisory: to be refused | Succeeded=true",
        ),
    ),
    Row(
        "no-succeeded",
        "RejectResponse with an empty Header: no Succeeded header at all",
        exchange(success(header="")),
        cells(
            SUCCESS,
            negative_rejection="advisory: to be refused | RejectResponse with Succeeded=(absent)",
            auth_enforced="fail: unauthenticated call | Succeeded=(absent)",
        ),
    ),
    Row(
        "no-header",
        "RejectResponse without soap:Header",
        exchange(success(header=None)),
        cells(
            SUCCESS,
            response_headers=NA,
            negative_rejection="advisory: to be refused | Succeeded=(absent)",
            auth_enforced="fail: unauthenticated call | Succeeded=(absent)",
        ),
    ),
    Row(
        "nil-exception",
        'Succeeded=true with ExceptionInfo xsi:nil="true": no exception reported',
        exchange(success(header=f'<so:ExceptionInfo xmlns:i="{XSI}" i:nil="true"/>{OK}')),
        SUCCESS,
    ),
    Row(
        "nil-exception-1",
        'Succeeded=true with ExceptionInfo xsi:nil="1" (xsi:nil is an xs:boolean)',
        exchange(success(header=f'<so:ExceptionInfo xmlns:i="{XSI}" i:nil="1"/>{OK}')),
        SUCCESS,
    ),
    Row(
        "true-with-exception",
        "Succeeded=true with an ExceptionInfo: inconsistent, and no refusal",
        exchange(success(header=f"{EXCEPTION}{OK}")),
        cells(
            SUCCESS,
            succeeded_consistent="fail: Succeeded=false alongside | Succeeded=true with ExceptionInfo "
            "(Appointment 7 does not exist)",
        ),
    ),
    Row(
        "false-without-exception",
        "Succeeded=false without an ExceptionInfo: inconsistent, not carried out, and no refusal either",
        exchange(success(header="<so:Succeeded>false</so:Succeeded>")),
        cells(
            SUCCESS,
            succeeded_consistent="fail: ExceptionInfo header saying why | Succeeded=false and no ExceptionInfo",
            positive_acceptance="fail: to be carried out | Succeeded=false (no ExceptionInfo)",
            negative_rejection="advisory: to be refused | Succeeded=false (no ExceptionInfo)",
            auth_enforced="fail: to be refused | Succeeded=false (no ExceptionInfo)",
        ),
    ),
    Row(
        "empty-exception",
        "Succeeded=false with an empty ExceptionInfo: an exception without a message is still one",
        exchange(success(header="<so:ExceptionInfo/><so:Succeeded>false</so:Succeeded>")),
        cells(APP_ERROR, positive_acceptance="fail: to be carried out | ExceptionInfo without a message"),
    ),
    Row(
        "exception-friendly-text",
        "Succeeded=false with an ExceptionInfo that has only a FriendlyText",
        exchange(
            success(
                header="<so:ExceptionInfo><so:FriendlyText> No access </so:FriendlyText></so:ExceptionInfo>"
                "<so:Succeeded>false</so:Succeeded>"
            )
        ),
        cells(APP_ERROR, positive_acceptance="fail: to be carried out | Succeeded=false (No access)"),
    ),
    Row(
        "empty-body-envelope",
        "an envelope with Succeeded=true and an empty Body",
        exchange(success(body="")),
        cells(
            SUCCESS,
            single_body_child="fail: exactly one element | 0 (none) | R2712",
            response_element=NA,
            response_schema=NA,
            positive_acceptance="fail: to be carried out | an envelope with an empty Body",
            negative_rejection="advisory: to be refused | an envelope with an empty Body | at /s:Envelope;",
            auth_enforced="fail: to be refused | an envelope with an empty Body",
        ),
    ),
    # --- HTTP framing of an envelope ------------------------------------------------------------------------------
    Row(
        "success-500",
        "a correct success with HTTP 500",
        exchange(success(), status=500),
        cells(SUCCESS, http_status="fail: 2xx status | HTTP 500 Internal Server Error | R1124 (MUST)"),
    ),
    Row(
        "success-202",
        "a correct success with HTTP 202",
        exchange(success(), status=202),
        cells(SUCCESS, http_status="advisory: HTTP 200 OK | HTTP 202 | R1111 (SHOULD)"),
    ),
    Row(
        "success-299",
        "a correct success with HTTP 299 (still 2xx)",
        exchange(success(), status=299),
        cells(SUCCESS, http_status="advisory: HTTP 200 OK | HTTP 299 | R1111 (SHOULD)"),
    ),
    Row(
        "success-300",
        "a correct success with HTTP 300 (no longer 2xx; the transport did not call it a redirect)",
        exchange(success(), status=300),
        cells(SUCCESS, http_status="fail: 2xx status | HTTP 300 | R1124 (MUST)"),
    ),
    Row(
        "success-199",
        "a correct success with HTTP 199",
        exchange(success(), status=199),
        cells(SUCCESS, http_status="fail: 2xx status | HTTP 199 | R1124 (MUST)"),
    ),
    Row(
        "charset-iso-8859-1",
        "SOAP 1.1 with Content-Type text/xml; charset=iso-8859-1",
        exchange(success(), content_type="text/xml; charset=iso-8859-1"),
        cells(SUCCESS, content_type="fail: charset utf-8 or utf-16 | charset=iso-8859-1 | R1012 (MUST)"),
    ),
    Row(
        "soap12-charset-iso-8859-1",
        "SOAP 1.2 with charset=iso-8859-1 (WS-I's UTF-8/UTF-16 rule is SOAP 1.1's; the body decodes)",
        exchange(success(SOAP12), version=SOAP12, content_type="application/soap+xml; charset=iso-8859-1"),
        SUCCESS,
    ),
    Row(
        "no-charset",
        "SOAP 1.1 with Content-Type text/xml and no charset",
        exchange(success(), content_type="text/xml"),
        cells(SUCCESS, content_type="fail: charset parameter | Content-Type: text/xml | R1018 (MUST)"),
    ),
    Row(
        "no-content-type",
        "a SOAP 1.1 envelope without any Content-Type",
        exchange(success(), content_type=""),
        cells(SUCCESS, content_type="fail: a Content-Type header (text/xml) | no Content-Type header | R9702"),
    ),
    Row(
        "text-html",
        "a SOAP 1.1 envelope labelled text/html",
        exchange(success(), content_type="text/html; charset=utf-8"),
        cells(SUCCESS, content_type="fail: Content-Type text/xml for a SOAP 1.1 envelope | text/html | R9703"),
    ),
    Row(
        "soap12-as-text-plain",
        "a SOAP 1.2 envelope labelled text/plain",
        exchange(success(SOAP12), version=SOAP12, content_type="text/plain; charset=utf-8"),
        cells(SUCCESS, content_type="fail: application/soap+xml (or another XML media type) | text/plain | §7.1.4"),
    ),
    Row(
        "soap12-as-vendor-xml",
        "a SOAP 1.2 envelope labelled application/vnd.example+xml (an XML media type)",
        exchange(success(SOAP12), version=SOAP12, content_type="application/vnd.example+xml"),
        SUCCESS,
    ),
    Row(
        "utf16-body-utf8-charset",
        "a UTF-16 body under charset=utf-8",
        exchange(utf16(success()), content_type="text/xml; charset=utf-8"),
        cells(SUCCESS, content_type="fail: encoded as the charset says (utf-8) | not valid utf-8 | R1018"),
    ),
    Row(
        "soap12-application-xml",
        "a SOAP 1.2 envelope labelled application/xml",
        exchange(success(SOAP12), version=SOAP12, content_type="application/xml"),
        SUCCESS,
    ),
    Row(
        "utf16le-without-bom",
        "a UTF-16LE body without byte order mark under charset=utf-16le",
        exchange(
            '<?xml version="1.0" encoding="UTF-16LE"?>'.encode("utf-16-le") + success().decode().encode("utf-16-le"),
            content_type="text/xml; charset=utf-16le",
        ),
        SUCCESS,
    ),
    Row(
        "utf8-body-utf16-charset",
        "a UTF-8 body under charset=utf-16",
        exchange(success(), content_type="text/xml; charset=utf-16"),
        cells(SUCCESS, content_type="fail: encoded as the charset says (utf-16) | not valid utf-16 | R1018"),
    ),
    Row(
        "soap12-utf16-under-latin1",
        "SOAP 1.2: a UTF-16 body (byte order mark) under charset=iso-8859-1, which would decode any bytes",
        exchange(utf16(success(SOAP12)), version=SOAP12, content_type="application/soap+xml; charset=iso-8859-1"),
        cells(SUCCESS, content_type="fail: encoded as the charset says (iso-8859-1) | R1018"),
    ),
    Row(
        "latin1-bytes-utf8-charset",
        "an ISO-8859-1 body (declared in its XML declaration) under charset=utf-8",
        exchange(
            b'<?xml version="1.0" encoding="iso-8859-1"?>'
            + success(header=FAILED.replace("7 does", "caf\u00e9 does")).decode().encode("latin-1"),
        ),
        cells(
            APP_ERROR,
            content_type="fail: encoded as the charset says (utf-8) | not valid utf-8",
            positive_acceptance="fail: to be carried out | Succeeded=false (Appointment café does not exist)",
        ),
    ),
    Row(
        "soap12-unknown-charset",
        "SOAP 1.2 with charset=x-unknown",
        exchange(success(SOAP12), version=SOAP12, content_type="application/soap+xml; charset=x-unknown"),
        cells(SUCCESS, content_type="fail: encoded as the charset says (x-unknown)"),
    ),
    Row(
        "utf16-body-utf16-charset",
        "a UTF-16 body with a byte order mark under charset=utf-16",
        exchange(utf16(success()), content_type="text/xml; charset=utf-16"),
        SUCCESS,
    ),
    # --- XML and envelope ---------------------------------------------------------------------------------------
    Row(
        "processing-instruction",
        "a correct success preceded by <?xml-stylesheet?>",
        exchange(b'<?xml-stylesheet href="x.xsl"?>' + success()),
        cells(SUCCESS, well_formed="fail: without processing instructions | <?xml-stylesheet | R1009"),
    ),
    Row(
        "dtd",
        "a correct success with a DOCTYPE",
        exchange(b'<!DOCTYPE x [<!ENTITY a "b">]>' + success()),
        cells(NO_ENVELOPE, well_formed="fail: no DTD | R1008 (MUST) | HTTP 200"),
    ),
    Row(
        "truncated",
        "a success cut short: not well-formed",
        exchange(success()[:-20]),
        cells(NO_ENVELOPE, well_formed="fail: well-formed XML 1.0 | SOAP 1.1 §6.2 | !(HTTP"),
    ),
    Row(
        "soap12-reply-to-soap11",
        "a SOAP 1.2 success answering a SOAP 1.1 request",
        exchange(success(SOAP12), content_type="application/soap+xml"),
        cells(SUCCESS, envelope_version="fail: SOAP 1.1, the request's envelope | (SOAP 1.2)"),
    ),
    Row(
        "not-an-envelope",
        "well-formed XML that is no SOAP envelope, HTTP 200",
        exchange(b"<RejectResponse/>"),
        cells(NO_ENVELOPE, well_formed=PASS, envelope_version="fail: Envelope (SOAP 1.1 | {}RejectResponse"),
    ),
    Row(
        "stray-header-sibling",
        "an element between soap:Envelope's start and soap:Header",
        exchange(success().replace(b"<s:Header>", b'<x:Stray xmlns:x="urn:x"/><s:Header>')),
        cells(SUCCESS, envelope_schema="fail: valid against the SOAP 1.1 schema | Stray | R9980"),
    ),
    Row(
        "unqualified-body-child",
        "an unqualified RejectResponse",
        exchange(envelope(SOAP11, "<RejectResponse/>", OK)),
        cells(
            SUCCESS,
            body_qualified="fail: namespace-qualified | unqualified element <RejectResponse> | R1014",
            response_element="fail: RejectResponse (or a soap:Fault) | {}RejectResponse",
            response_schema=NA,
            negative_rejection="advisory: to be refused | at /s:Envelope/s:Body/RejectResponse;",
        ),
    ),
    Row(
        "after-body",
        "an element after soap:Body",
        exchange(envelope(SOAP11, REJECTED, OK, '<x:Trailer xmlns:x="urn:x"/>')),
        cells(
            SUCCESS,
            nothing_after_body="fail: last child of soap:Envelope | <Trailer> after the Body | R1011",
        ),
    ),
    Row(
        "two-body-children",
        "two RejectResponse elements in soap:Body",
        exchange(success(body=REJECTED * 2)),
        cells(
            SUCCESS,
            single_body_child="fail: exactly one element | 2 (RejectResponse, RejectResponse) | R2712",
        ),
    ),
    Row(
        "two-processing-instructions",
        "a correct success with two processing instructions",
        exchange(b"<?first x?><?second y?>" + success()),
        cells(SUCCESS, well_formed="fail: without processing instructions | <?first …?> (+1 more)"),
    ),
    Row(
        "no-body",
        "a SOAP 1.1 envelope with a Header and no Body",
        exchange(b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>'),
        cells(
            SUCCESS,
            envelope_schema="fail: valid against the SOAP 1.1 schema | Body' expected",
            nothing_after_body=NA,
            single_body_child=NA,
            response_element=NA,
            response_schema=NA,
            positive_acceptance="fail: to be carried out | an envelope with an empty Body",
            negative_rejection="advisory: to be refused | an envelope with an empty Body",
            auth_enforced="fail: to be refused | an envelope with an empty Body",
        ),
    ),
    Row(
        "reject-then-fault",
        "RejectResponse followed by a soap:Fault in one Body",
        exchange(
            success(body=REJECTED + "<s:Fault><faultcode>s:Server</faultcode><faultstring>x</faultstring></s:Fault>")
        ),
        cells(SUCCESS, single_body_child="fail: exactly one element | 2 (RejectResponse, Fault) | SOAP 1.1 §4.4"),
    ),
    Row(
        "soap12-attribute-on-body",
        "SOAP 1.2: an unqualified attribute on env:Body",
        exchange(envelope(SOAP12, REJECTED, OK).replace(b"<s:Body>", b'<s:Body foo="x">'), version=SOAP12),
        cells(SUCCESS, envelope_schema="fail: SOAP 1.2 schema | attribute 'foo' not allowed | at /s:Envelope/s:Body;"),
    ),
    Row(
        "soap12-attribute-on-header",
        "SOAP 1.2: an unqualified attribute on env:Header: the envelope's fault, not a header block's",
        exchange(envelope(SOAP12, REJECTED, OK).replace(b"<s:Header>", b'<s:Header foo="x">'), version=SOAP12),
        cells(SUCCESS, envelope_schema="fail: attribute 'foo' not allowed | at /s:Envelope/s:Header;"),
    ),
    Row(
        "invalid-succeeded-after-body",
        "SOAP 1.1: a Succeeded='maybe' inside an element after soap:Body: the envelope's fault, not a header's",
        exchange(envelope(SOAP11, REJECTED, OK, '<x:T xmlns:x="urn:x"><so:Succeeded>maybe</so:Succeeded></x:T>')),
        cells(
            SUCCESS,
            envelope_schema="fail: 'maybe' is not a boolean value",
            nothing_after_body="fail: <T> after the Body",
        ),
    ),
    Row(
        "two-header-errors",
        "Succeeded='maybe' and a TimeZone id 'x': two header errors, the first shown",
        exchange(
            success(
                header="<so:Succeeded>maybe</so:Succeeded><so:TimeZone><so:SoTimeZoneId>x</so:SoTimeZoneId>"
                "</so:TimeZone>"
            )
        ),
        cells(
            SUCCESS,
            response_headers="fail: 'maybe' is not a boolean value (+1 more) | at /s:Envelope/s:Header/so:Succeeded;",
        ),
    ),
    # --- the response message -----------------------------------------------------------------------------------
    Row(
        "accept-response",
        "AcceptResponse instead of RejectResponse",
        exchange(success(body="<so:AcceptResponse/>")),
        cells(
            SUCCESS,
            response_element="fail: RejectResponse (or a soap:Fault) | AcceptResponse",
            response_schema=NA,
            negative_rejection="advisory: to be refused | AcceptResponse with Succeeded=true",
            auth_enforced="fail: to be refused | AcceptResponse with Succeeded=true",
        ),
    ),
    Row(
        "entity-in-response",
        "RejectResponse/Response: the prose's 'Updated AppointmentEntity'",
        exchange(success(body="<so:RejectResponse><so:Response/></so:RejectResponse>")),
        cells(SUCCESS, response_schema="fail: an empty RejectResponse | contract change"),
    ),
    Row(
        "extra-in-response",
        "RejectResponse with an unknown child",
        exchange(success(body="<so:RejectResponse><so:Extra/></so:RejectResponse>")),
        cells(SUCCESS, response_schema="fail: valid against the published Services82 schema | Extra"),
    ),
    # --- faults -------------------------------------------------------------------------------------------------
    Row(
        "fault-client",
        "SOAP 1.1 s:Client fault, HTTP 500",
        exchange(soap11_fault("<faultcode>s:Client</faultcode>"), 500),
        FAULT,
    ),
    Row(
        "fault-server",
        "SOAP 1.1 s:Server fault, HTTP 500",
        exchange(soap11_fault("<faultcode>s:Server</faultcode>"), 500),
        FAULT,
    ),
    Row(
        "fault-must-understand",
        "SOAP 1.1 s:MustUnderstand fault, HTTP 500",
        exchange(soap11_fault("<faultcode>s:MustUnderstand</faultcode>"), 500),
        FAULT,
    ),
    Row(
        "fault-200",
        "SOAP 1.1 s:Client fault with HTTP 200",
        exchange(soap11_fault("<faultcode>s:Client</faultcode>")),
        cells(FAULT, fault_status="fail: HTTP 500 for a SOAP 1.1 fault | HTTP 200 | R1126"),
    ),
    Row(
        "fault-400",
        "SOAP 1.1 s:Client fault with HTTP 400",
        exchange(soap11_fault("<faultcode>s:Client</faultcode>"), 400),
        cells(FAULT, fault_status="fail: HTTP 500 for a SOAP 1.1 fault | HTTP 400 | R1126"),
        refusable=True,
    ),
    Row(
        "fault-oops",
        "SOAP 1.1 s:Oops: a code SOAP 1.1 does not define, in its namespace",
        exchange(soap11_fault("<faultcode>s:Oops</faultcode>"), 500),
        fault_advisory("a SOAP 1.1 fault code | 's:Oops' | R1004 (SHOULD)"),
    ),
    Row(
        "fault-no-namespace",
        "SOAP 1.1 faultcode Oops in no namespace",
        exchange(soap11_fault("<faultcode>Oops</faultcode>"), 500),
        fault_advisory("namespace-qualified code | in no namespace | R1004 (SHOULD)"),
    ),
    Row(
        "fault-dot",
        "SOAP 1.1 s:Client.Authentication (dot notation)",
        exchange(soap11_fault("<faultcode>s:Client.Authentication</faultcode>"), 500),
        fault_advisory("faultcode Client without a dot | R1031 (SHOULD)"),
    ),
    Row(
        "fault-unbound-prefix",
        "SOAP 1.1 faultcode a:DeserializationFailed with the prefix bound to nothing",
        exchange(soap11_fault("<faultcode>a:DeserializationFailed</faultcode>"), 500),
        cells(FAULT, fault_schema="fail: a SOAP 1.1 Fault valid against the envelope schema | unmapped prefix 'a'"),
    ),
    Row(
        "fault-no-faultstring",
        "SOAP 1.1 fault without faultstring",
        exchange(envelope(SOAP11, "<s:Fault><faultcode>s:Client</faultcode></s:Fault>", None), 500),
        cells(FAULT, fault_schema="fail: a SOAP 1.1 Fault valid | faultstring"),
    ),
    Row(
        "fault-vendor-namespace",
        "SOAP 1.1 faultcode in a vendor's own namespace",
        exchange(soap11_fault('<faultcode xmlns:v="urn:vendor">v:Anything</faultcode>'), 500),
        FAULT,
    ),
    Row(
        "fault-in-soap-namespace-prefix-default",
        "SOAP 1.1 faultcode whose namespace is the envelope's, bound to another prefix",
        exchange(
            soap11_fault('<faultcode xmlns:e="http://schemas.xmlsoap.org/soap/envelope/">e:Server</faultcode>'), 500
        ),
        FAULT,
    ),
    Row(
        "wcf-deserialization-failed",
        "WCF's a:DeserializationFailed (dispatcher namespace), HTTP 500",
        exchange(wcf_fault("DeserializationFailed", WCF_DISPATCHER, "The formatter threw an exception"), 500),
        cells(
            FAULT, positive_acceptance="fail: to be carried out | a SOAP fault (DeserializationFailed: The formatter"
        ),
    ),
    Row(
        "wcf-action-not-supported",
        "WCF's a:ActionNotSupported (addressing/none namespace), HTTP 500",
        exchange(wcf_fault("ActionNotSupported", WCF_ADDRESSING_NONE, "ContractFilter mismatch"), 500),
        cells(FAULT, positive_acceptance="fail: a SOAP fault (ActionNotSupported: ContractFilter mismatch)"),
    ),
    Row(
        "wcf-internal-service-fault",
        "WCF's a:InternalServiceFault, HTTP 500",
        exchange(wcf_fault("InternalServiceFault", WCF_DISPATCHER, "unable to process the request"), 500),
        FAULT,
    ),
    Row(
        "version-mismatch",
        "SOAP 1.1 s:VersionMismatch answering a SOAP 1.2 request (what a SOAP 1.1 node must send)",
        exchange(
            soap11_fault("<faultcode>s:VersionMismatch</faultcode>"),
            500,
            SOAP12,
            content_type="text/xml; charset=utf-8",
        ),
        FAULT,
    ),
    Row(
        "client-fault-to-soap12",
        "SOAP 1.1 s:Client answering a SOAP 1.2 request: only VersionMismatch may change the version",
        exchange(soap11_fault("<faultcode>s:Client</faultcode>"), 500, SOAP12, content_type="text/xml; charset=utf-8"),
        cells(FAULT, envelope_version="fail: (SOAP 1.2, the request's envelope) | (SOAP 1.1)"),
    ),
    Row(
        "version-mismatch-to-soap11",
        "SOAP 1.1 s:VersionMismatch answering a SOAP 1.1 request (a fault like any other)",
        exchange(soap11_fault("<faultcode>s:VersionMismatch</faultcode>"), 500),
        FAULT,
    ),
    Row(
        "soap12-sender-400", "SOAP 1.2 env:Sender fault, HTTP 400", exchange(soap12_fault("Sender"), 400, SOAP12), FAULT
    ),
    Row(
        "soap12-sender-500",
        "SOAP 1.2 env:Sender fault, HTTP 500 (as WCF sends)",
        exchange(soap12_fault("Sender"), 500, SOAP12),
        FAULT,
    ),
    Row(
        "soap12-receiver-500",
        "SOAP 1.2 env:Receiver fault, HTTP 500",
        exchange(soap12_fault("Receiver"), 500, SOAP12),
        FAULT,
    ),
    Row(
        "soap12-receiver-400",
        "SOAP 1.2 env:Receiver fault, HTTP 400",
        exchange(soap12_fault("Receiver"), 400, SOAP12),
        cells(FAULT, fault_status="advisory: HTTP 500 for a SOAP 1.2 Receiver fault | HTTP 400 | Table 20"),
    ),
    Row(
        "soap12-sender-200",
        "SOAP 1.2 env:Sender fault, HTTP 200",
        exchange(soap12_fault("Sender"), 200, SOAP12),
        cells(FAULT, fault_status="advisory: HTTP 400 or 500 for a SOAP 1.2 Sender fault | HTTP 200"),
    ),
    Row(
        "soap12-bad-code",
        "SOAP 1.2 fault with the code env:Oops",
        exchange(soap12_fault("Oops"), 500, SOAP12),
        cells(FAULT, fault_schema="fail: a SOAP 1.2 Fault valid | Oops"),
    ),
    # --- no envelope --------------------------------------------------------------------------------------------
    Row(
        "empty-400-refusable",
        "an empty 400 to a request that is not well-formed (WCF)",
        exchange(b"", 400, content_type=""),
        HTTP_REFUSAL,
        refusable=True,
    ),
    Row(
        "empty-415-refusable",
        "an empty 415 to a request in another media type (WCF)",
        exchange(b"", 415, content_type=""),
        HTTP_REFUSAL,
        refusable=True,
    ),
    Row(
        "empty-499-refusable",
        "an empty 499 to a request with a format problem (still 4xx)",
        exchange(b"", 499, content_type=""),
        HTTP_REFUSAL,
        refusable=True,
    ),
    Row(
        "empty-400",
        "an empty 400 to a well-formed request: no SOAP reply",
        exchange(b"", 400, content_type=""),
        cells(
            NO_ENVELOPE, well_formed="fail: a SOAP envelope | empty body where an XML document was expected (HTTP 400)"
        ),
    ),
    Row(
        "empty-500-refusable",
        "an empty 500 to a request with a format problem: no 4xx, no SOAP reply",
        exchange(b"", 500, content_type=""),
        cells(NO_ENVELOPE, well_formed="fail: a SOAP envelope | (HTTP 500)"),
        refusable=True,
    ),
    Row(
        "empty-399-refusable",
        "an empty 399 to a request with a format problem: no 4xx",
        exchange(b"", 399, content_type=""),
        cells(NO_ENVELOPE, well_formed="fail: a SOAP envelope | (HTTP 399)"),
        refusable=True,
    ),
    Row(
        "html-500",
        "an HTML error page with HTTP 500",
        exchange(b"<html><title>Runtime Error</title></html>", 500, content_type="text/html"),
        cells(NO_ENVELOPE, well_formed="fail: a SOAP envelope | HTML page | (HTTP 500)"),
    ),
    Row(
        "html-400-refusable",
        "an HTML error page with HTTP 400 to a request with a format problem",
        exchange(b"<html><body>Bad Request</body></html>", 400, content_type="text/html"),
        HTTP_REFUSAL,
        refusable=True,
    ),
    Row(
        "empty-200",
        "an empty 200",
        exchange(b"", 200, content_type=""),
        cells(
            NO_ENVELOPE, well_formed="fail: a SOAP envelope | empty body where an XML document was expected (HTTP 200)"
        ),
    ),
    Row(
        "success-415-refusable",
        "a success envelope with HTTP 415 to a request with a format problem: judged as the envelope it is",
        exchange(success(), 415),
        cells(SUCCESS, http_status="fail: 2xx status | HTTP 415 | R1124"),
        refusable=True,
    ),
    Row(
        "fault-400-refusable",
        "a SOAP 1.2 Sender fault with HTTP 400 to a request with a format problem: a fault, not an HTTP refusal",
        exchange(soap12_fault("Sender"), 400, SOAP12),
        FAULT,
        refusable=True,
    ),
    Row(
        "redirect",
        "a 302 redirect: reported by the transport, and no SOAP reply",
        redirect,
        cells(
            NO_ENVELOPE,
            transport="fail: a response from the endpoint itself | redirect | RFC 9112",
            well_formed="fail: a SOAP envelope | (HTTP 302)",
        ),
    ),
    # --- timing -------------------------------------------------------------------------------------------------
    Row(
        "within-sla",
        "a success in 50 ms under an SLA of 100 ms",
        exchange(success(), elapsed=0.05),
        cells(SUCCESS, response_time=PASS),
        sla_seconds=0.1,
    ),
    Row(
        "at-sla",
        "a success in exactly the SLA's 100 ms",
        exchange(success(), elapsed=0.1),
        cells(SUCCESS, response_time=PASS),
        sla_seconds=0.1,
    ),
    Row(
        "over-sla",
        "a success in 500 ms under an SLA of 100 ms",
        exchange(success(), elapsed=0.5),
        cells(SUCCESS, response_time="fail: a response within 100 ms | 500 ms | configured SLA"),
        sla_seconds=0.1,
    ),
    # --- what the Reject did ------------------------------------------------------------------------------------
    Row(
        "declined",
        "a success; appointment 7 read Invitation before, Declined with the reason after",
        exchange(success()),
        cells(SUCCESS, effect_declined=PASS, effect_reason=PASS),
        effect=observed,
    ),
    Row(
        "not-declined",
        "a success; appointment 7 still reads Invitation after",
        exchange(success()),
        cells(
            SUCCESS,
            effect_declined="fail: InvitationStatus Declined (it read Invitation before | InvitationStatus Invitation",
            effect_reason=PASS,
        ),
        effect=lambda: observed(after="Invitation"),
    ),
    Row(
        "reason-cut",
        "a success; the reason 'busy today' reads back as 'busy'",
        exchange(success()),
        cells(SUCCESS, effect_declined=PASS, effect_reason="fail: RejectReason 'busy today' | truncated to 4 of 10"),
        effect=lambda: observed(reason="busy today", stored="busy"),
    ),
    Row(
        "reason-changed",
        "a success; the reason 'busy' reads back as 'bus?'",
        exchange(success()),
        cells(SUCCESS, effect_declined=PASS, effect_reason="fail: RejectReason 'bus?' | differs at character 4"),
        effect=lambda: observed(reason="busy", stored="bus?"),
    ),
    Row(
        "refused-unchanged",
        "Succeeded=false + ExceptionInfo; appointment 7 unchanged",
        exchange(success(header=FAILED)),
        cells(APP_ERROR, effect_unchanged=PASS),
        effect=lambda: observed(after="Invitation", stored=None),
    ),
    Row(
        "refused-but-changed",
        "Succeeded=false + ExceptionInfo; appointment 7 reads Declined after",
        exchange(success(header=FAILED)),
        cells(
            APP_ERROR,
            effect_unchanged="fail: unchanged by a refused Reject | InvitationStatus 'Invitation' → 'Declined'",
        ),
        effect=observed,
    ),
    Row(
        "fault-but-changed",
        "a SOAP fault; appointment 7 reads Declined after",
        exchange(soap11_fault("<faultcode>s:Client</faultcode>"), 500),
        cells(FAULT, effect_unchanged="fail: unchanged by a refused Reject | RejectCounter 0 → 1"),
        effect=observed,
    ),
    Row(
        "http-refusal-unchanged",
        "an empty 400 to a request with a format problem; appointment 7 unchanged",
        exchange(b"", 400, content_type=""),
        cells(HTTP_REFUSAL, effect_unchanged=PASS),
        refusable=True,
        effect=lambda: observed(after="Invitation", stored=None),
    ),
    Row(
        "not-observed",
        "a success whose appointment could not be read after (the effect is not observed)",
        exchange(success()),
        SUCCESS,
        effect=not_observed,
    ),
    Row(
        "false-not-observed-changed",
        "Succeeded=false without ExceptionInfo; appointment 7 changed: no refusal, so effect-unchanged does not apply",
        exchange(success(header="<so:Succeeded>false</so:Succeeded>")),
        cells(
            SUCCESS,
            succeeded_consistent="fail: ExceptionInfo header saying why",
            positive_acceptance="fail: to be carried out",
            negative_rejection="advisory: to be refused",
            auth_enforced="fail: to be refused",
        ),
        effect=observed,
    ),
    Row(
        "series-only-this",
        "UpdateMode OnlyThis on occurrence 7 of a series: 7 Declined, 6 and 8 unchanged",
        exchange(success()),
        cells(SUCCESS, effect_declined=PASS, effect_reason=PASS, effect_recurrence=PASS),
        effect=lambda: series("OnlyThis", "Invitation"),
    ),
    Row(
        "series-only-this-spread",
        "UpdateMode OnlyThis: the later occurrence 8 declined too",
        exchange(success()),
        cells(
            SUCCESS,
            effect_declined=PASS,
            effect_reason=PASS,
            effect_recurrence="advisory: only the addressed occurrence Declined | 8 (later) changed Invitation → "
            "Declined | RecurrenceUpdateMode | (SHOULD)",
        ),
        effect=lambda: series("OnlyThis", "Declined"),
    ),
    Row(
        "series-forward",
        "UpdateMode ThisAndForward: 7 and 8 Declined, 6 unchanged",
        exchange(success()),
        cells(SUCCESS, effect_declined=PASS, effect_reason=PASS, effect_recurrence=PASS),
        effect=lambda: series("ThisAndForward", "Declined"),
    ),
    Row(
        "series-forward-missed",
        "UpdateMode StopRecurrence: the later occurrence 8 not declined",
        exchange(success()),
        cells(
            SUCCESS,
            effect_declined=PASS,
            effect_reason=PASS,
            effect_recurrence="advisory: every later one Declined | 8 (later) reads Invitation, not Declined",
        ),
        effect=lambda: series("StopRecurrence", "Invitation"),
    ),
    Row(
        "series-forward-earlier",
        "UpdateMode ThisAndForward: the earlier occurrence 6 declined too",
        exchange(success()),
        cells(
            SUCCESS,
            effect_declined=PASS,
            effect_reason=PASS,
            effect_recurrence="advisory: the earlier ones unchanged | 6 (earlier) changed Invitation → Declined",
        ),
        effect=lambda: series("ThisAndForward", "Declined", earlier_after="Declined"),
    ),
    Row(
        "series-unknown-mode",
        "UpdateMode Unknown ('undecided') on a series: not judged",
        exchange(success()),
        cells(SUCCESS, effect_declined=PASS, effect_reason=PASS),
        effect=lambda: series("Unknown", "Declined", earlier_after="Declined"),
    ),
]


# --- judging and rendering --------------------------------------------------------------------------------------


def verdicts(row: Row, expect: Expect) -> dict[str, tuple[str, str]]:
    """``{column: (cell status, message)}`` of every result the runner's ``run_checks`` gives for ``row``."""
    results = {r.name: r for r in run_checks(row.context(expect))}
    found = {}
    for column in COLUMNS:
        result = results.pop(column, None)
        if result is None:
            found[column] = (NA, "")
        else:
            found[column] = (STATUS_CELL[result.status], str(result.outcome) if result.outcome is not None else "")
    if results:
        raise AssertionError(f"{row.id}: results for checks the table has no column for: {', '.join(results)}")
    return found


def parse(cell: str) -> tuple[str, list[str]]:
    """``fail: a | b`` → (``fail``, [``a``, ``b``])."""
    status, _, words = cell.partition(":")
    return status.strip(), [w.strip() for w in words.split(" | ") if w.strip()]


def expected_under(row: Row, column: str, expect: Expect) -> str:
    """The cell of ``column`` under ``expect``: an outcome column applies only under its own expectation."""
    if column in OUTCOME and OUTCOME[column] is not expect:
        return NA
    return row.cells[column]


def mismatches(row: Row) -> list[str]:
    """Every way the checks' verdicts on ``row`` differ from the table, under every expectation."""
    problems = []
    missing = [c for c in COLUMNS if c not in row.cells]
    extra = [c for c in row.cells if c not in COLUMNS]
    if missing or extra:
        return [f"{row.id}: cells missing for {missing}, or for no column: {extra}"]
    for expect in EXPECTATIONS:
        for column, (status, message) in verdicts(row, expect).items():
            want, words = parse(expected_under(row, column, expect))
            if status != want:
                problems.append(f"{row.id} [{expect.value}] {column}: expected {want}, got {status} {message}".strip())
                continue
            absent = [w for w in words if (w[1:] in message if w.startswith("!") else w not in message)]
            if absent:
                problems.append(f"{row.id} [{expect.value}] {column}: message lacks {absent}: {message}")
    return problems


SYMBOL = {"pass": "✓", "n-a": "·", "fail": "✗", "advisory": "△"}


def render() -> str:
    """The truth table as Markdown: one row per exchange, one column per check, the failures' words below."""
    lines = [
        "# What every check says about every canonical exchange",
        "",
        "<!-- generated by `python -m tests.checks.truth_table`; tests/checks/test_truth_table.py keeps it current -->",
        "",
        "Rows are exchanges built from bytes, an HTTP status and headers (SOAP 1.1 unless the row says otherwise),",
        "judged through the runner's `CheckContext` with each check's own rule. ✓ pass · ✗ violation (MUST) ·",
        "△ advisory (SHOULD) · `·` not applicable. `positive-acceptance`, `negative-rejection` and `auth-enforced` are",
        "shown under their own expectation (accept, reject, auth) and are not applicable under the other two; every",
        "other check says the same under all three. ✗ and △ cells are numbered; the words each finding must contain",
        "are listed under the table. `refusable`: the request had a format problem, so an HTTP 4xx without an",
        "envelope is a legitimate refusal (WS-I BP R1125).",
        "",
        "| exchange | " + " | ".join(f"`{c}`" for c in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    notes = []
    for row in ROWS:
        shown = []
        for column in COLUMNS:
            status, words = parse(row.cells[column])
            symbol = SYMBOL[status]
            if words:
                notes.append(
                    f"{len(notes) + 1}. `{row.id}` × `{column}`: {status} — " + "; ".join(f"“{w}”" for w in words)
                )
                symbol += f"<sup>{len(notes)}</sup>"
            shown.append(symbol)
        flags = [
            f
            for f, on in (
                ("refusable", row.refusable),
                (f"SLA {row.sla_seconds}s", row.sla_seconds),
                ("effect observed", row.effect),
            )
            if on
        ]
        label = f"`{row.id}`: {row.what}" + (f" ({', '.join(flags)})" if flags else "")
        label = label.replace("|", "\\|")
        lines.append(f"| {label} | " + " | ".join(shown) + " |")
    lines += ["", "## What the findings say", "", *notes]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC} ({len(ROWS)} exchanges × {len(COLUMNS)} checks)")
