"""The catalogue: every endpoint variant, what is wrong with it (or what differs, for conformant ones), which
check must catch it, and how the suite must be run against it.

A defective variant names the check(s) whose finding *is* the defect; other checks may fire too (a defect seldom
breaks one thing only on the wire), the table in docs/suite-strength.md shows them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance.reference import ReferenceService, ServiceOptions

from . import mutants as m

CONFORMANT = "conformant"
FAMILIES = (
    "response message",
    "envelope & HTTP framing",
    "faults",
    "authentication",
    "valid input rejected",
    "invalid input accepted",
    "Succeeded/ExceptionInfo",
    "input-triggered crash",
    "timing",
)


@dataclass(frozen=True)
class Variant:
    name: str
    family: str  # one of FAMILIES, or CONFORMANT
    defect: str  # one line: what is wrong (for a conformant variant: what differs)
    checks: tuple[str, ...]  # the check(s) that must report it; () for a conformant variant
    make: Callable[[], ReferenceService]
    versions: tuple[str, ...] = ("1.1",)  # SOAP versions the suite is run with
    args: tuple[str, ...] = ()  # extra `conformance run` arguments
    zeep: str = ""  # why zeep notices it or not (the cross-check's expectation, see zeep_check.py)
    zeep_flags: bool = False  # whether a zeep client is expected to raise on it
    gap: str = ""  # a known gap in the suite: why the intended check cannot see it yet, and the fix

    @property
    def conformant(self) -> bool:
        return not self.checks


def _options(**options: object) -> Callable[[], ReferenceService]:
    return lambda: ReferenceService(options=ServiceOptions(**options))


ONLINE = ("--online", "--application-token", m.ONLINE_TOKEN)
EMPTY_OUTPUT = "RejectResponse declares no content, so zeep never reads the Body: body=None whatever it holds"
HEADERS_UNREAD = "zeep returns the Succeeded/ExceptionInfo headers as data; it does not interpret them"
OUTCOME = "zeep sends what it is asked to; whether the server should have refused or accepted is not its question"

DEFECTIVE: tuple[Variant, ...] = (
    # --- response message
    Variant(
        "response-in-services81-namespace",
        "response message",
        "RejectResponse in the Services81 namespace",
        ("response-element",),
        m.ResponseInServices81,
        zeep=EMPTY_OUTPUT,
    ),
    Variant(
        "response-element-renamed",
        "response message",
        "RejectResult instead of RejectResponse",
        ("response-element",),
        m.ResponseRenamed,
        zeep=EMPTY_OUTPUT,
    ),
    Variant(
        "appointment-entity-returned",
        "response message",
        "RejectResponse/Response carries the updated AppointmentEntity (the prose's promise, not the WSDL's)",
        ("response-schema",),
        m.EntityInResponse,
        zeep=EMPTY_OUTPUT,
    ),
    Variant(
        "succeeded-dotnet-casing",
        "response message",
        "Succeeded written as 'True'/'False' (bool.ToString()), not an xs:boolean",
        ("response-headers",),
        m.SucceededDotNetCasing,
        zeep="zeep reads 'True' without complaint, as False (its xs:boolean parser is case-sensitive)",
    ),
    # --- envelope and HTTP framing
    Variant(
        "soap12-media-type-on-soap11",
        "envelope & HTTP framing",
        "Content-Type application/soap+xml answering a SOAP 1.1 request",
        ("content-type",),
        m.Soap12MediaTypeAlways,
        zeep="zeep does not compare the response Content-Type with the binding's",
    ),
    Variant(
        "soap11-envelope-for-soap12",
        "envelope & HTTP framing",
        "SOAP 1.2 requests are answered with a SOAP 1.1 envelope",
        ("envelope-version",),
        m.Soap11EnvelopeAlways,
        versions=("1.2",),
        zeep="the WSDL binds SOAP 1.1 only, so zeep cannot send the SOAP 1.2 requests that trigger the defect",
    ),
    Variant(
        "element-after-body",
        "envelope & HTTP framing",
        "a Trace element after soap:Body",
        ("nothing-after-body",),
        m.TraceAfterBody,
        zeep="zeep reads Header and Body and ignores anything else in the envelope",
    ),
    Variant(
        "two-body-children",
        "envelope & HTTP framing",
        "two RejectResponse elements in soap:Body",
        ("single-body-child",),
        m.DuplicatedResponse,
        zeep=EMPTY_OUTPUT,
    ),
    Variant(
        "unqualified-body-child",
        "envelope & HTTP framing",
        "RejectResponse without a namespace",
        ("body-qualified",),
        m.UnqualifiedResponse,
        zeep=EMPTY_OUTPUT,
    ),
    Variant(
        "app-error-with-http-500",
        "envelope & HTTP framing",
        "Succeeded=false responses (not faults) sent with HTTP 500",
        ("http-status",),
        m.AppErrorWithHttp500,
        zeep="zeep's valid calls never produce an application error, so it never meets the 500",
    ),
    # --- faults
    Variant(
        "soap11-fault-with-http-200",
        "faults",
        "SOAP 1.1 faults travel with HTTP 200",
        ("fault-status",),
        m.FaultWithHttp200,
        zeep="zeep only makes valid calls, which are never faulted",
    ),
    Variant(
        "soap12-receiver-fault-with-http-400",
        "faults",
        "SOAP 1.2 Receiver faults sent with HTTP 400 (allowed for Sender faults only)",
        ("fault-status",),
        m.faults_for_app_errors(m.Http400ForEveryFault),
        versions=("1.2",),
        zeep="SOAP 1.2 only (the WSDL binds 1.1); and zeep's valid calls are not faulted",
    ),
    Variant(
        "soap11-fault-without-faultstring",
        "faults",
        "SOAP 1.1 faults without faultstring",
        ("fault-schema",),
        m.FaultWithoutFaultstring,
        zeep="zeep only makes valid calls, which are never faulted",
    ),
    Variant(
        "soap11-codes-in-soap12-fault",
        "faults",
        "SOAP 1.2 faults with the SOAP 1.1 codes Client/Server",
        ("fault-schema",),
        m.Soap11CodesInSoap12Fault,
        versions=("1.2",),
        zeep="SOAP 1.2 only (the WSDL binds 1.1); and zeep's valid calls are not faulted",
    ),
    Variant(
        "html-page-instead-of-fault",
        "faults",
        "every fault replaced by the IIS HTML error page (HTTP 500)",
        ("well-formed",),
        m.HtmlPageInsteadOfFault,
        zeep="zeep only makes valid calls, which are never faulted",
    ),
    Variant(
        "fault-outside-body",
        "faults",
        "soap:Fault placed directly in soap:Envelope, no soap:Body",
        ("envelope-schema",),
        m.FaultOutsideBody,
        zeep="zeep only makes valid calls, which are never faulted",
    ),
    # --- authentication
    Variant(
        "ticket-ignored",
        "authentication",
        "Credentials/Ticket is not checked at all",
        ("auth-enforced",),
        m.TicketIgnored,
        zeep="zeep always sends the valid ticket; it cannot tell whether a missing one would be refused",
    ),
    Variant(
        "application-token-ignored",
        "authentication",
        "an Online installation no longer checks the ApplicationToken",
        ("auth-enforced",),
        m.TokenIgnored,
        args=ONLINE,
        zeep="zeep always sends valid credentials (ticket, token); it cannot tell whether a missing token is refused",
    ),
    # --- valid input rejected
    Variant(
        "stop-recurrence-refused",
        "valid input rejected",
        "UpdateMode StopRecurrence answered with Succeeded=false ('not supported')",
        ("positive-acceptance",),
        m.with_store(m.StopRecurrenceRefusedStore),
        zeep=HEADERS_UNREAD,
    ),
    Variant(
        "non-cp1252-reason-refused",
        "valid input rejected",
        "reasons with characters outside Windows-1252 (CJK, Arabic, emoji) answered with Succeeded=false",
        ("positive-acceptance",),
        m.with_store(m.Cp1252ReasonStore),
        zeep=HEADERS_UNREAD,
    ),
    # --- invalid input accepted
    Variant(
        "unknown-update-mode-defaulted",
        "invalid input accepted",
        "an UpdateMode outside the enumeration silently becomes Unknown",
        ("negative-rejection",),
        m.UnknownModeDefaulted,
        zeep=OUTCOME,
    ),
    Variant(
        "unknown-id-succeeds",
        "invalid input accepted",
        "a Reject on an appointment id that does not exist succeeds",
        ("negative-rejection",),
        m.with_store(m.UnknownIdSucceedsStore),
        zeep=OUTCOME,
    ),
    Variant(
        "int32-max-sentinel-succeeds",
        "invalid input accepted",
        "id 2147483647 (int.MaxValue, used internally as 'none') succeeds",
        ("negative-rejection",),
        m.with_store(m.Int32MaxSentinelStore),
        zeep=OUTCOME,
    ),
    Variant(
        "request-namespace-ignored",
        "invalid input accepted",
        "a Reject element in another namespace, or none, is accepted",
        ("negative-rejection",),
        m.RequestNamespaceIgnored,
        zeep=OUTCOME,
    ),
    Variant(
        "decimal-id-truncated",
        "invalid input accepted",
        "an AppointmentId '101.5' is truncated to 101 and the Reject goes through",
        ("negative-rejection",),
        m.DecimalIdTruncated,
        zeep=OUTCOME,
    ),
    Variant(
        "soap-action-ignored",
        "invalid input accepted",
        "any SOAPAction is dispatched to Reject",
        ("negative-rejection",),
        m.ActionIgnored,
        zeep=OUTCOME,
    ),
    # --- Succeeded / ExceptionInfo
    Variant(
        "succeeded-false-without-exception",
        "Succeeded/ExceptionInfo",
        "application errors report Succeeded=false with no ExceptionInfo",
        ("succeeded-consistent",),
        m.ExceptionInfoDropped,
        zeep=HEADERS_UNREAD,
    ),
    Variant(
        "exception-with-succeeded-true",
        "Succeeded/ExceptionInfo",
        "application errors report an ExceptionInfo but Succeeded=true",
        ("succeeded-consistent",),
        m.SucceededAlwaysTrue,
        zeep=HEADERS_UNREAD,
    ),
    # --- crashes only some inputs trigger
    Variant(
        "ampersand-reason-html-500",
        "input-triggered crash",
        "a reason containing '&' gets the IIS HTML error page (HTTP 500)",
        ("well-formed",),
        m.AmpersandCrash,
        zeep="zeep raises on an HTTP 500 whose body is not XML",
        zeep_flags=True,
    ),
    Variant(
        "long-reason-receiver-fault",
        "input-triggered crash",
        "reasons over 255 characters fail with a Receiver fault ('would be truncated')",
        ("positive-acceptance",),
        m.with_store(m.TruncationStore),
        zeep="zeep raises the SOAP fault it receives for its 4,000-character reason",
        zeep_flags=True,
    ),
    Variant(
        "astral-reason-drops-connection",
        "input-triggered crash",
        "a reason with an emoji (outside the BMP) makes the server close the connection without an answer",
        ("transport",),
        m.AstralCharacterDropsConnection,
        zeep="zeep raises the connection error for its emoji reason",
        zeep_flags=True,
    ),
    # --- timing
    Variant(
        "slow-long-reason",
        "timing",
        "reasons over 1,000 characters take 300 ms to store (SLA 200 ms)",
        ("response-time",),
        m.with_store(m.SlowLongReasonStore),
        args=("--sla-ms", "200"),
        zeep="zeep has no response-time expectation (its timeout is far longer than 300 ms)",
    ),
)

CONFORMANT_VARIANTS: tuple[Variant, ...] = (
    Variant("reference", CONFORMANT, "the reference endpoint itself", (), ReferenceService),
    Variant(
        "other-prefixes",
        CONFORMANT,
        "envelope prefix soapenv, Services82 as a default namespace (xmlns=) on each element",
        (),
        m.OtherPrefixes,
    ),
    Variant("pretty-printed", CONFORMANT, "indented XML (whitespace between elements)", (), m.PrettyPrinted, ("1.2",)),
    Variant("xml-declaration", CONFORMANT, "an XML declaration on every response", (), m.WithXmlDeclaration),
    Variant(
        "soap12-sender-fault-400",
        CONFORMANT,
        "SOAP 1.2 Sender faults with HTTP 400 instead of 500",
        (),
        _options(sender_fault_status=400),
        ("1.2",),
    ),
    Variant(
        "extra-namespace-declarations",
        CONFORMANT,
        "unused namespace declarations (xsi, xsd, wsa, Services81) on the envelope",
        (),
        m.ExtraNamespaceDeclarations,
    ),
    Variant("chunked", CONFORMANT, "Transfer-Encoding: chunked instead of Content-Length", (), m.Chunked),
    Variant("utf-16", CONFORMANT, "UTF-16 bodies with a BOM, charset=utf-16", (), m.Utf16),
    Variant(
        "nil-exception-info-and-extra-headers",
        CONFORMANT,
        'successes carry ExceptionInfo xsi:nil="true", ExtraInfo and TimeZone headers',
        (),
        m.NilExceptionInfoAndExtraHeaders,
    ),
)

VARIANTS: tuple[Variant, ...] = DEFECTIVE + CONFORMANT_VARIANTS


def runs() -> list[tuple[Variant, str]]:
    """Every (variant, SOAP version) the matrix runs."""
    return [(variant, version) for variant in VARIANTS for version in variant.versions]


def run_id(variant: Variant, version: str) -> str:
    return f"{variant.name}-soap{version.replace('.', '')}"
