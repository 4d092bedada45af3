"""The deterministic cases: shipped fixtures, the coverage phase, the negative phase and the auth phase.

A ``Case`` says what to send and what the endpoint must do with it. Cases are data; ``prepare`` turns one
into request bytes for a target (SOAP version, credentials, allow-listed ids), and the runner sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from ..checks.context import Expect
from ..contract.ids import IdPolicy
from ..contract.messages import NIL, Credentials, Nil, RejectCall, reject_envelope
from ..contract.rules import ACCEPTED, AUTHENTICATED, NO_SUCH_APPOINTMENT, NOT_XML, R1115, R2724, Rule
from ..contract.soap import (
    INT32_MAX,
    INT32_MIN,
    SERVICES82_NS,
    SOAP11,
    SOAP12,
    UPDATE_MODES,
    SoapVersion,
    qname,
    version_for_namespace,
)

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures"
WRONG_TICKET = "7T:not-a-valid-ticket-from-the-conformance-suite=="
SAFETY = "skipped for safety"

Mutation = Callable[[etree._Element], None]


@dataclass(frozen=True)
class Case:
    """One request and its expectation. ``phase`` groups cases in reports (fixture, coverage, negative, auth)."""

    id: str
    phase: str
    title: str
    expect: Expect
    call: RejectCall | None = None
    fixture: str | None = None  # a file in conformance/fixtures/ (id and credentials substituted)
    mutate: Mutation | None = None  # applied to the built envelope (wrong namespace, order…)
    raw: bytes | None = None  # sent verbatim (malformed XML)
    credentials: str = "configured"  # configured | none | wrong | no-token
    http_headers: dict[str, str] | None = None  # replace the SOAP HTTP headers (wrong action, wrong version)
    schema_valid: bool = True  # whether the request is meant to validate against the XSD
    refusable: bool = False  # a format problem: an HTTP 4xx without an envelope is a refusal (WS-I BP R1125)
    rule: Rule | None = None  # why the outcome is expected, and how strongly (default: from ``expect``)
    skip: str | None = None  # why this case cannot run against this target
    tags: tuple[str, ...] = field(default=())

    @property
    def outcome_rule(self) -> Rule | None:
        """The rule the outcome checks cite for this case."""
        if self.rule is not None:
            return self.rule
        return {Expect.ACCEPT: ACCEPTED, Expect.REJECT: NO_SUCH_APPOINTMENT, Expect.AUTH: AUTHENTICATED}.get(
            self.expect
        )


@dataclass(frozen=True)
class Target:
    """Where and as whom cases are sent."""

    url: str
    version: SoapVersion
    credentials: Credentials
    policy: IdPolicy
    online: bool = False

    def credentials_for(self, mode: str) -> Credentials:
        c = self.credentials
        if mode == "none":
            return Credentials(None, c.application_token)
        if mode == "wrong":
            return Credentials(WRONG_TICKET, c.application_token)
        if mode == "no-token":
            return Credentials(c.ticket, None)
        return c


def _first_allowed(policy: IdPolicy) -> int | None:
    return policy.allowed[0] if policy.allowed else None


def _needs_allow_list(case_id: str) -> str:
    return (
        f"{SAFETY}: {case_id} needs an appointment id you allow-list for Reject (--appointment-id ID); "
        "none is configured, so no real appointment is touched"
    )


# --- fixtures ----------------------------------------------------------------------------------------

FIXTURES = {
    "corrected-request.xml": "corrected documented example (headers inside soap:Header)",
    "mode-Unknown.xml": "fixture: UpdateMode Unknown",
    "mode-OnlyThis.xml": "fixture: UpdateMode OnlyThis",
    "mode-ThisAndForward.xml": "fixture: UpdateMode ThisAndForward",
    "mode-StopRecurrence.xml": "fixture: UpdateMode StopRecurrence",
    "reason-xml-special.xml": "fixture: XML-special characters in the reason (escapes and CDATA)",
    "reason-non-ascii.xml": "fixture: non-ASCII reason (accents, CJK, RTL, combining, emoji)",
}


def fixture_cases(policy: IdPolicy) -> list[Case]:
    first = _first_allowed(policy)
    return [
        Case(
            f"fixture/{name.removesuffix('.xml')}",
            "fixture",
            title,
            Expect.ACCEPT,
            fixture=name,
            skip=None if first is not None else _needs_allow_list(name),
        )
        for name, title in FIXTURES.items()
    ]


def load_fixture(name: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    return etree.parse(str(FIXTURE_DIR / name), parser).getroot()


def retarget(envelope: etree._Element, version: SoapVersion) -> etree._Element:
    """The same envelope in ``version``'s namespace (fixtures are written in SOAP 1.2, as the documentation)."""
    current = version_for_namespace(etree.QName(envelope).namespace)
    if current is None or current is version:
        return envelope
    text = etree.tostring(envelope).replace(current.envelope_ns.encode(), version.envelope_ns.encode())
    return etree.fromstring(text)


def substitute(envelope: etree._Element, appointment_id: int | None, credentials: Credentials) -> None:
    """Put the target's id and credentials into a fixture (its own are documentation examples)."""
    if appointment_id is not None:
        for node in envelope.iter(qname("AppointmentId")):
            node.text = str(appointment_id)
    header = envelope[0] if len(envelope) and etree.QName(envelope[0]).localname == "Header" else None
    for local, value in (("ApplicationToken", credentials.application_token), ("Ticket", credentials.ticket)):
        for node in list(envelope.iter(qname(local))):
            if value is None:
                holder = node.getparent() if local == "Ticket" else node
                holder.getparent().remove(holder)
            else:
                node.text = value
    if header is not None and credentials.ticket is not None and header.find(qname("Credentials")) is None:
        creds = etree.SubElement(header, qname("Credentials"))
        etree.SubElement(creds, qname("Ticket")).text = credentials.ticket


# --- coverage ----------------------------------------------------------------------------------------

REASONS: dict[str, str | Nil] = {
    "empty": "",
    "whitespace-only": " \t \n ",
    "xml-special": "& < > \" ' ]]> &amp; <![CDATA[x]]>",
    "accented": "Désolé, réunion déjà planifiée à Zürich",
    "cjk": "会議が重なっています",
    "rtl": "آسف، لدي اجتماع آخر",
    "combining-marks": "e\u0301 a\u0308 n\u0303 Z\u0335\u0321a\u0336",
    "astral-emoji": "\U0001f4c5 busy \U0001f600\U0001f680",
    "carriage-returns": "line one\r\nline two\rline three",
    "long-4000": ("Reason " * 600)[:4000],
    "nil": NIL,
}


def coverage_cases(policy: IdPolicy) -> list[Case]:
    cases = []
    if not policy.allowed:
        cases.append(
            Case(
                "coverage/allow-listed-ids",
                "coverage",
                "every allow-listed id × every mode",
                Expect.ACCEPT,
                skip=_needs_allow_list("the id × mode coverage"),
            )
        )
    for aid in policy.allowed:
        for mode in UPDATE_MODES:
            cases.append(
                Case(
                    f"coverage/id-{aid}-{mode}",
                    "coverage",
                    f"Reject id {aid} with {mode}",
                    Expect.ACCEPT,
                    call=RejectCall(aid, f"conformance: {mode}", mode),
                )
            )
    for edge in (INT32_MIN, -1, 0, INT32_MAX):
        case_id = f"coverage/int32-edge-{edge}"
        title = f"int32 edge id {edge}"
        if edge in policy.allowed:
            cases.append(Case(case_id, "coverage", title, Expect.ACCEPT, call=RejectCall(edge, "edge", "OnlyThis")))
        elif policy.cannot_be_real(edge):
            cases.append(
                Case(
                    case_id,
                    "coverage",
                    f"{title}: no such appointment, so rejected",
                    Expect.REJECT,
                    call=RejectCall(edge, "edge", "OnlyThis"),
                )
            )
        else:
            cases.append(
                Case(
                    case_id,
                    "coverage",
                    title,
                    Expect.REJECT,
                    skip=(
                        f"{SAFETY}: id {edge} could be a real appointment; allow-list it or cover it with a "
                        "surely-unused range (unused_ids = LOW-HIGH) to test it"
                    ),
                )
            )
    first = _first_allowed(policy)
    for name, reason in REASONS.items():
        case_id = f"coverage/reason-{name}"
        cases.append(
            Case(
                case_id,
                "coverage",
                f"reject reason: {name}",
                Expect.ACCEPT,
                call=RejectCall(first, reason, "OnlyThis") if first is not None else None,
                skip=None if first is not None else _needs_allow_list(case_id),
            )
        )
    return cases


# --- negative ----------------------------------------------------------------------------------------


def _rename_body_child(tag: str) -> Mutation:
    def mutate(env: etree._Element) -> None:
        env.find(f".//{qname('Reject')}").tag = tag

    return mutate


def _move_mode_first(env: etree._Element) -> None:
    reject = env.find(f".//{qname('Reject')}")
    reject.insert(0, reject.find(qname("UpdateMode")))


def _drop(*names: str) -> Mutation:
    def mutate(env: etree._Element) -> None:
        reject = env.find(f".//{qname('Reject')}")
        for name in names:
            node = reject.find(qname(name))
            if node is not None:
                reject.remove(node)

    return mutate


def _nil_id(env: etree._Element) -> None:
    node = env.find(f".//{qname('AppointmentId')}")
    node.text = None
    node.set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")


def negative_cases(policy: IdPolicy, version: SoapVersion) -> list[Case]:
    """Invalid requests, each with the rule that says how strongly it must be refused.

    A Reject that cannot be carried out (no such appointment) or is not XML must be refused (MUST); values,
    elements or a media type the WSDL does not allow should be (WS-I BP R2724, R1115: SHOULD). Such defects
    use an allow-listed id when there is one, so that a server that ignores the defect visibly accepts the call;
    otherwise an id that cannot be real. Requests with a format problem may be refused with an HTTP 4xx."""
    safe = _first_allowed(policy) or -1
    unreal = -1
    other = SOAP12 if version is SOAP11 else SOAP11
    truncated = (
        b'<?xml version="1.0"?><soap:Envelope xmlns:soap="' + version.envelope_ns.encode() + b'"><soap:Body><Reject'
    )

    def bad(name: str, title: str, call: RejectCall | None, **kwargs: Any) -> Case:
        return Case(f"negative/{name}", "negative", title, Expect.REJECT, call, **kwargs)

    def invalid(name: str, title: str, call: RejectCall, **kwargs: Any) -> Case:
        """A request the WSDL does not describe (WS-I BP R2724: SHOULD be refused)."""
        return bad(name, title, call, rule=R2724, refusable=True, **kwargs)

    other_ns = qname("Reject", SERVICES82_NS.replace("Services82", "Services81"))
    wrong_action = version.request_headers(f"{SERVICES82_NS}/Appointment/NoSuchOperation")
    return [
        invalid("id-not-integer", "AppointmentId 'abc'", RejectCall("abc", "x", "OnlyThis"), schema_valid=False),
        invalid(
            "id-decimal",
            f"AppointmentId '{safe}.5' (a server that truncates decimals would accept it)",
            RejectCall(f"{safe}.5", "x", "OnlyThis"),
            schema_valid=False,
        ),
        invalid(
            "id-above-int32",
            "AppointmentId 2147483648",
            RejectCall(str(INT32_MAX + 1), "x", "OnlyThis"),
            schema_valid=False,
        ),
        invalid(
            "id-below-int32",
            "AppointmentId -2147483649",
            RejectCall(str(INT32_MIN - 1), "x", "OnlyThis"),
            schema_valid=False,
        ),
        invalid(
            "id-nil",
            "AppointmentId xsi:nil (not nillable)",
            RejectCall(unreal, "x", "OnlyThis"),
            mutate=_nil_id,
            schema_valid=False,
        ),
        invalid("mode-unknown-value", "UpdateMode 'Sometimes'", RejectCall(safe, "x", "Sometimes"), schema_valid=False),
        invalid(
            "mode-numeric", "UpdateMode '1' (a number, not a name)", RejectCall(safe, "x", "1"), schema_valid=False
        ),
        invalid("mode-wrong-case", "UpdateMode 'onlythis'", RejectCall(safe, "x", "onlythis"), schema_valid=False),
        bad("elements-missing", "empty Reject (id defaults to 0: no such appointment)", RejectCall(None, None, None)),
        bad(
            "id-missing",
            "Reject without AppointmentId (defaults to 0: no such appointment)",
            RejectCall(unreal, "x", "OnlyThis"),
            mutate=_drop("AppointmentId"),
        ),
        invalid(
            "wrong-namespace",
            "Reject in another namespace",
            RejectCall(safe, "x", "OnlyThis"),
            mutate=_rename_body_child(other_ns),
        ),
        invalid(
            "unqualified-element",
            "unqualified Reject element",
            RejectCall(safe, "x", "OnlyThis"),
            mutate=_rename_body_child("Reject"),
        ),
        invalid(
            "wrong-element",
            "RejectAll instead of Reject",
            RejectCall(safe, "x", "OnlyThis"),
            mutate=_rename_body_child(qname("RejectAll")),
        ),
        invalid(
            "wrong-order",
            "UpdateMode before AppointmentId (WCF reads parts in order: the id is skipped and defaults to 0)",
            RejectCall(safe, "x", "OnlyThis"),
            mutate=_move_mode_first,
            schema_valid=False,
        ),
        bad(
            "malformed-xml", "truncated envelope", None, raw=truncated, schema_valid=False, rule=NOT_XML, refusable=True
        ),
        Case(
            "negative/wrong-action",
            "negative",
            "an action the service does not have: a fault, or dispatch on the body (WS-I BP R1127), both legal",
            Expect.ANY,
            RejectCall(unreal, "x", "OnlyThis"),  # an id that cannot be real: dispatching on the body changes nothing
            http_headers=wrong_action,
        ),
        bad(
            "wrong-soap-version",
            f"a {version.label} envelope sent with {other.label}'s HTTP headers (media type, action)",
            RejectCall(safe, "x", "OnlyThis"),  # an endpoint that ignores the media type visibly accepts the Reject
            http_headers=other.request_headers(),
            rule=R1115,
            refusable=True,
        ),
    ]


def auth_cases(policy: IdPolicy, online: bool) -> list[Case]:
    """Calls with missing or wrong credentials, on an allow-listed id when there is one (so that an endpoint
    that ignores credentials visibly accepts them)."""
    aid = _first_allowed(policy) or -1
    call = RejectCall(aid, "auth", "OnlyThis")
    a = "auth"
    return [
        Case(f"{a}/missing-ticket", a, "no Credentials header", Expect.AUTH, call, credentials="none"),
        Case(f"{a}/wrong-ticket", a, "a ticket the server never issued", Expect.AUTH, call, credentials="wrong"),
        Case(
            f"{a}/missing-application-token",
            a,
            "no ApplicationToken on an Online installation",
            Expect.AUTH,
            call,
            credentials="no-token",
            skip=None
            if online
            else (
                "not an Online installation (online = false): SuperOffice checks application "
                "tokens only online; set --online to test it"
            ),
        ),
    ]


def build_envelope(case: Case, target: Target) -> etree._Element | None:
    """The envelope ``case`` sends to ``target`` (``None`` for raw cases)."""
    if case.raw is not None:
        return None
    credentials = target.credentials_for(case.credentials)
    if case.fixture is not None:
        env = retarget(load_fixture(case.fixture), target.version)
        substitute(env, _first_allowed(target.policy), credentials)
    else:
        env = reject_envelope(case.call or RejectCall(), target.version, credentials)
    if case.mutate is not None:
        case.mutate(env)
    return env
