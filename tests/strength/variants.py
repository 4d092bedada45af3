"""The catalogue: every endpoint variant, what is wrong with it (or what differs, for conformant ones), which
check must catch it, and how the suite must be run against it.

A defective variant names the check(s) whose finding *is* the defect; other checks may fire too (a defect seldom
breaks one thing only on the wire), the table in docs/suite-strength.md shows them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from conformance.reference import ReferenceServer, ReferenceService, ServiceOptions

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
    "effect",
    "timing",
)


VIOLATION, ADVISORY = "violation", "advisory"


class Running(Protocol):
    url: str

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Variant:
    name: str
    family: str  # one of FAMILIES, or CONFORMANT
    defect: str  # one line: what is wrong (for a conformant variant: what differs)
    checks: tuple[str, ...]  # the check(s) that must report it; () for a conformant variant
    make: Callable[[], ReferenceService] | None  # None when ``serve`` starts the endpoint
    versions: tuple[str, ...] = ("1.1",)  # SOAP versions the suite is run with
    args: tuple[str, ...] = ()  # extra `conformance run` arguments
    zeep: str = ""  # why zeep notices it or not (the cross-check's expectation, see zeep_check.py)
    zeep_flags: bool = False  # whether a zeep client is expected to raise on it
    gap: str = ""  # a known gap in the suite: why the intended check cannot see it yet, and the fix
    level: str = VIOLATION  # the defect breaks a MUST (exit 1) or only a SHOULD (an advisory: exit 0, reported)
    serve: Callable[[], Running] | None = None  # an endpoint that is not a ReferenceService (a third-party stack)
    rule: str = ""  # the rule a conformant difference is allowed by, or an advisory-level defect breaks

    @property
    def conformant(self) -> bool:
        return not self.checks

    def start(self, version: str) -> Running:
        """A fresh endpoint of this variant on a free loopback port, speaking ``version`` (SOAP 1.2 is the
        reference endpoint's explicit option, as a second WCF binding would be)."""
        if self.serve is not None:
            return self.serve()
        service = self.make()
        service.options.soap12 = version == "1.2"
        return ReferenceServer(service).start()


def _spyne() -> Running:
    from .spyne_endpoint import SpyneEndpoint  # imported here: spyne is only needed for this variant

    return SpyneEndpoint().start()


def _options(**options: object) -> Callable[[], ReferenceService]:
    return lambda: ReferenceService(options=ServiceOptions(**options))


ONLINE = ("--online", "--application-token", m.ONLINE_TOKEN)
EMPTY_OUTPUT = "RejectResponse declares no content, so zeep never reads the Body: body=None whatever it holds"
HEADERS_UNREAD = "zeep returns the Succeeded/ExceptionInfo headers as data; it does not interpret them"
OUTCOME = "zeep sends what it is asked to; whether the server should have refused or accepted is not its question"
EFFECT = "zeep sees the answer, which is right; what the call did to the appointment is not in it"

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
        "no-charset",
        "envelope & HTTP framing",
        "Content-Type: text/xml without a charset parameter",
        ("content-type",),
        m.NoCharset,
        zeep="zeep reads the bytes as UTF-8 without being told",
    ),
    Variant(
        "success-with-202",
        "envelope & HTTP framing",
        "successful Rejects answered with 202 Accepted instead of 200 OK",
        ("http-status",),
        m.Accepted202,
        level=ADVISORY,
        rule="WS-I BP R1111: a non-fault envelope SHOULD travel with 200 OK (any 2xx meets the MUST, R1124)",
        zeep="zeep takes every status but 200 for a fault ('Unknown fault occured'): the interoperability R1111 "
        "recommends 200 for",
        zeep_flags=True,
    ),
    Variant(
        "refusal-claims-success",
        "envelope & HTTP framing",
        "the 400/413/415 refusals carry an envelope with Succeeded=true and a RejectResponse",
        ("http-status", "negative-rejection"),
        m.RefusalClaimsSuccess,
        zeep="zeep's valid calls are never refused at the HTTP level",
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
        level=ADVISORY,
        rule="SOAP 1.2 Part 2 Table 20 (its keyword could not be verified: enforced as a SHOULD)",
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
        "unbound-faultcode-prefix",
        "faults",
        "a:DeserializationFailed as faultcode without xmlns:a (no resolvable qualified name)",
        ("fault-schema",),
        m.UnboundFaultcodePrefix,
        zeep="zeep only makes valid calls, which are never faulted",
    ),
    Variant(
        "soap11-fault-code-invented",
        "faults",
        "SOAP 1.1 faults with faultcode s:Sender, a code SOAP 1.1 does not define, in its namespace",
        ("fault-schema",),
        m.InventedSoapFaultcode,
        level=ADVISORY,
        rule="WS-I BP R1004: SHOULD be a SOAP 1.1 code or a QName in the fault authority's own namespace",
        zeep="zeep only makes valid calls, which are never faulted",
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
    Variant(
        "ticket-normalised",
        "authentication",
        "a ticket with a trailing space or its letters' case swapped is taken for the one issued",
        ("auth-enforced",),
        m.TicketNormalised,
        zeep="zeep always sends the ticket exactly as issued",
        level=ADVISORY,
        rule="the contract: a ticket is what SoPrincipal issued; another string SHOULD be refused",
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
        level=ADVISORY,
        rule="WS-I BP R2724: an envelope inconsistent with the WSDL SHOULD be refused with a fault",
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
        level=ADVISORY,
        rule="WS-I BP R2724",
        zeep=OUTCOME,
    ),
    Variant(
        "decimal-id-truncated",
        "invalid input accepted",
        "an AppointmentId '101.5' is truncated to 101 and the Reject goes through",
        ("negative-rejection",),
        m.DecimalIdTruncated,
        level=ADVISORY,
        rule="WS-I BP R2724",
        zeep=OUTCOME,
    ),
    Variant(
        "media-type-ignored",
        "invalid input accepted",
        "a SOAP 1.1 envelope labelled application/soap+xml is processed instead of refused (415)",
        ("negative-rejection",),
        m.MediaTypeIgnored,
        level=ADVISORY,
        rule="WS-I BP R1115: SHOULD answer 415 for a Content-Type the WSDL does not permit",
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
    # --- what Reject does (observed with GetAppointmentEntity)
    Variant(
        "reject-does-nothing",
        "effect",
        "every answer says done, and nothing is stored: the invitation is never declined",
        ("effect-declined",),
        m.with_store(m.RejectDoesNothingStore),
        zeep=EFFECT,
    ),
    Variant(
        "reason-column-shrunk",
        "effect",
        "the reason column shrank to 100 characters in the upgrade: longer reasons are cut silently",
        ("effect-reason",),
        m.with_store(m.ReasonColumnShrunkStore),
        zeep=EFFECT,
    ),
    Variant(
        "collation-eats-emoji",
        "effect",
        "a collation without supplementary characters stores each emoji as '?'",
        ("effect-reason",),
        m.with_store(m.CollationEatsEmojiStore),
        zeep=EFFECT,
    ),
    Variant(
        "line-breaks-dropped",
        "effect",
        "a sanitiser strips CR and LF from the reason before storing it",
        ("effect-reason",),
        m.with_store(m.LineBreaksDroppedStore),
        zeep=EFFECT,
    ),
    Variant(
        "refused-reject-still-declines",
        "effect",
        "the Reject is carried out before the ticket is checked: a refused call has declined the invitation anyway",
        ("effect-unchanged",),
        m.RejectBeforeAuthenticating,
        zeep=EFFECT,
    ),
    Variant(
        "only-this-declines-series",
        "effect",
        "the recurrence engine reads OnlyThis as ThisAndForward: the later occurrences are declined too",
        ("effect-recurrence",),
        m.with_store(m.OnlyThisRejectsSeriesStore),
        zeep=EFFECT,
        level=ADVISORY,
        rule="the published RecurrenceUpdateMode: OnlyThis 'update only this instance' (one line: a SHOULD)",
    ),
    Variant(
        "stop-recurrence-stops-nothing",
        "effect",
        "StopRecurrence declines the addressed occurrence only; the later ones stay as they were",
        ("effect-recurrence",),
        m.with_store(m.StopRecurrenceStopsNothingStore),
        zeep=EFFECT,
        level=ADVISORY,
        rule="the published RecurrenceUpdateMode: StopRecurrence 'from this instance and forward' (a SHOULD)",
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
    Variant(
        "reference",
        CONFORMANT,
        "the reference endpoint itself: WCF basicHttpBinding's answers (WCF-WIRE.md) and SuperOffice's "
        "Succeeded/ExceptionInfo",
        (),
        ReferenceService,
        ("1.1", "1.2"),
    ),
    Variant(
        "wcf-literal-bytes",
        CONFORMANT,
        "SOAP 1.1 faults from the literal layout of a captured WCF fault (a:DeserializationFailed, "
        'a:ActionNotSupported, a:InternalServiceFault, s:VersionMismatch; xml:lang="en-US")',
        (),
        m.WcfLiteralBytes,
        rule="SOAP 1.1 §4.4.1 (a qualified name, codes extensible), WS-I BP R1004 (a namespace-qualified code)",
    ),
    Variant(
        "spyne",
        CONFORMANT,
        "a third-party SOAP stack: spyne 2.14 (SOAP 1.1, lxml validation) behind a 415/action guard "
        "(tests/strength/spyne_endpoint.py); dotted soap11env:Client.* fault codes are advisories (R1031)",
        (),
        None,
        serve=_spyne,
        zeep="zeep loads spyne's WSDL (fixed in wsdl_document_built) and calls Reject",
    ),
    Variant(
        "soap-action-ignored",
        CONFORMANT,
        "dispatches on the body element: any SOAPAction is taken for Reject",
        (),
        m.ActionIgnored,
        rule="WS-I BP R1127: a receiver MUST NOT rely on the SOAPAction header",
    ),
    Variant(
        "app-errors-as-faults",
        CONFORMANT,
        "application errors (no such appointment, bad ticket) as s:Server faults instead of Succeeded=false",
        (),
        _options(faults_for_app_errors=True),
        rule="WCF-WIRE.md: a SuperOffice installation may refuse a bad ticket with a fault",
    ),
    Variant(
        "refusals-explained",
        CONFORMANT,
        "the 400/413/415 refusals carry a plain-text explanation",
        (),
        m.RefusalsExplained,
        rule="RFC 9110 §15.5: a server SHOULD explain a 4xx; WS-I BP R1125: a 4xx for a request format problem",
    ),
    Variant(
        "xml-declaration-disagrees",
        CONFORMANT,
        'an XML declaration encoding="windows-1252" on UTF-8 bodies labelled charset=utf-8',
        (),
        m.DeclarationDisagreesWithCharset,
        rule="WS-I SSBP R1019: receivers MUST ignore the declaration's encoding; R1018 is met by the charset",
    ),
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
    Variant(
        "reason-stored-whole",
        CONFORMANT,
        "no column limit: a 4,000-character reason reads back whole (the reference keeps the documented 254)",
        (),
        m.with_store(m.FullReasonStore),
        rule="the contract: RejectReason is an xs:string; the 254-character column is a limit, not a requirement",
    ),
    Variant(
        "reason-line-ends-normalised",
        CONFORMANT,
        "CR LF and CR in a reason read back as LF",
        (),
        m.with_store(m.LineEndsNormalisedStore),
        rule="XML 1.0 §2.11: a parser reads CR LF and CR as LF",
    ),
    Variant(
        "accept-refused",
        CONFORMANT,
        "Accept answers Succeeded=false: nothing can be restored (setup problems, never violations)",
        (),
        m.AcceptRefused,
        rule="Accept is how the suite cleans up, not the operation under test",
    ),
)

VARIANTS: tuple[Variant, ...] = DEFECTIVE + CONFORMANT_VARIANTS


def runs() -> list[tuple[Variant, str]]:
    """Every (variant, SOAP version) the matrix runs."""
    return [(variant, version) for variant in VARIANTS for version in variant.versions]


def run_id(variant: Variant, version: str) -> str:
    return f"{variant.name}-soap{version.replace('.', '')}"
