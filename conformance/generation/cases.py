"""The deterministic cases: shipped fixtures, the coverage phase, the negative phase and the auth phase.

A ``Case`` says what to send and what the endpoint must do with it. Cases are data; ``prepare`` turns one
into request bytes for a target (SOAP version, credentials, allow-listed ids), and the runner sends it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

from ..checks.context import Expect
from ..contract.ids import IdPolicy
from ..contract.messages import NIL, Credentials, Nil, RejectCall, reject_envelope
from ..contract.rules import ACCEPTED, AUTHENTICATED, NO_SUCH_APPOINTMENT, TICKET_EXACT, Rule
from ..contract.soap import (
    INT32_MAX,
    INT32_MIN,
    UPDATE_MODES,
    SoapVersion,
    qname,
    version_for_namespace,
)
from .spread import any_allowed

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures"


WRONG_TICKET = "7T:not-a-valid-ticket-from-the-conformance-suite=="


SAFETY = "skipped for safety"
SETUP = "setup problem"  # the category of skips that are the run's own trouble, not the endpoint's


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
    revoked_ticket: str | None = None  # a ticket the endpoint issued and then revoked (the embedded one can)

    def credentials_for(self, mode: str) -> Credentials:
        c = self.credentials
        ticket, token = c.ticket or "", c.application_token
        variants = {
            "none": Credentials(None, token),
            "wrong": Credentials(WRONG_TICKET, token),
            "no-token": Credentials(c.ticket, None),
            "wrong-token": Credentials(c.ticket, f"{token}-not-this-installations"),
            "ticket-space": Credentials(f"{ticket} ", token),
            "ticket-case": Credentials(ticket.swapcase(), token),
            "revoked": Credentials(self.revoked_ticket, token),
        }
        return variants.get(mode, c)


AUTH_NAMES = (
    "revoked-ticket",
    "ticket-trailing-space",
    "ticket-wrong-case",
    "wrong-application-token",
    "missing-ticket",
    "wrong-ticket",
    "missing-application-token",
)


@cache
def shared_order() -> tuple[str, ...]:
    """The cases that take any usable id, in the order ``spread.plan`` hands the ids out."""
    from .negative import ON_ALLOWED  # negative.py builds on this module

    return (
        *(_fixture_case_id(name) for name in FIXTURES),
        *(f"coverage/reason-{name}" for name in REASONS),
        *(f"auth/{name}" for name in AUTH_NAMES),
        *(f"negative/{name}" for name in ON_ALLOWED),
    )


def any_usable(policy: IdPolicy, case_id: str) -> int | None:
    """The usable id ``case_id`` Rejects (``generation/spread.py``); ``None``: none is usable."""
    return any_allowed(policy, case_id, shared_order())


def usable_or_unreal(policy: IdPolicy, case_id: str) -> int:
    """``any_usable``, or -1 (an id that cannot be real) when none is usable: for a case that must be refused
    anyway, which names an allow-listed id only so that an endpoint ignoring its defect visibly accepts it."""
    return any_usable(policy, case_id) or -1


def _fixture_case_id(name: str) -> str:
    return f"fixture/{name.removesuffix('.xml')}"


def needs_allow_list(case_id: str, policy: IdPolicy | None = None) -> str:
    if policy is not None and policy.allowed:  # allow-listed, and every one found unfit by the survey
        setup = [why.removeprefix(f"{SETUP}: ") for _, why in policy.unfit if why.startswith(SETUP)]
        if setup:
            return f"{SETUP}: {case_id} needs an allow-listed appointment the suite can read; {setup[0]}"
        return (
            f"{SAFETY}: {case_id} needs an allow-listed appointment the suite may Reject; every one was found unfit "
            f"before the first Reject ({', '.join(str(i) for i, _ in policy.unfit)}: see the run's appointments)"
        )
    return (
        f"{SAFETY}: {case_id} needs an appointment id you allow-list for Reject (--appointment-id ID); "
        "none is configured, so no real appointment is touched"
    )


def _unfit_skip(reason: str) -> str:
    """Why an unfit id's cases are skipped: a setup problem says so first (its own category, exit 2)."""
    return reason if reason.startswith(SETUP) else f"{SAFETY}: {reason}"


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
    return [
        Case(
            _fixture_case_id(name),
            "fixture",
            title,
            Expect.ACCEPT,
            fixture=name,
            skip=None if any_usable(policy, _fixture_case_id(name)) is not None else needs_allow_list(name, policy),
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
                skip=needs_allow_list("the id × mode coverage"),
            )
        )
    unfit = dict(policy.unfit)
    for aid in policy.allowed:
        for mode in UPDATE_MODES:
            cases.append(
                Case(
                    f"coverage/id-{aid}-{mode}",
                    "coverage",
                    f"Reject id {aid} with {mode}",
                    Expect.ACCEPT,
                    # a reason of its own: no other case leaves it on a series' occurrences, so what this Reject
                    # did to them reads the same whatever ran before (another worker's case, say)
                    call=RejectCall(aid, f"conformance: {mode} on {aid}", mode),
                    skip=_unfit_skip(unfit[aid]) if aid in unfit else None,
                )
            )
    for edge in (INT32_MIN, -1, 0, INT32_MAX):
        case_id = f"coverage/int32-edge-{edge}"
        title = f"int32 edge id {edge}"
        if edge in policy.allowed:
            skip = _unfit_skip(unfit[edge]) if edge in unfit else None  # allow-listed, found unfit: never sent
            call = RejectCall(edge, "edge", "OnlyThis")
            cases.append(Case(case_id, "coverage", title, Expect.ACCEPT, call=call, skip=skip))
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
    for name, reason in REASONS.items():
        case_id = f"coverage/reason-{name}"
        aid = any_usable(policy, case_id)
        cases.append(
            Case(
                case_id,
                "coverage",
                f"reject reason: {name}",
                Expect.ACCEPT,
                call=RejectCall(aid, reason, "OnlyThis") if aid is not None else None,
                skip=None if aid is not None else needs_allow_list(case_id, policy),
            )
        )
    return cases


NOT_ONLINE = (
    "not an Online installation (online = false): SuperOffice checks application tokens only online; set --online "
    "to test it"
)


def auth_cases(policy: IdPolicy, online: bool, embedded: bool = False, ticketed: bool = True) -> list[Case]:
    """Calls with missing or wrong credentials, on an allow-listed id when there is one (so that an endpoint
    that ignores credentials visibly accepts them). ``ticketed``: the run has a ticket of its own to derive
    near-misses from; ``embedded``: the endpoint can revoke a ticket on demand (the published contract cannot)."""

    def call(name: str) -> RejectCall:
        return RejectCall(usable_or_unreal(policy, f"auth/{name}"), "auth", "OnlyThis")

    a = "auth"
    no_ticket = None if ticketed else "the run has no ticket of its own (--no-credentials) to derive this one from"
    revoke = (
        None
        if embedded
        else (
            "the published contract offers no way to revoke or expire a ticket on demand; against the embedded "
            "endpoint this case runs, and a ticket that stops working mid-run is recognised as such in any run"
        )
    )
    return [
        Case(
            f"{a}/revoked-ticket",
            a,
            "a ticket the endpoint issued at login and then revoked",
            Expect.AUTH,
            call("revoked-ticket"),
            credentials="revoked",
            skip=revoke,
        ),
        Case(
            f"{a}/ticket-trailing-space",
            a,
            "the run's ticket with a trailing space",
            Expect.AUTH,
            call("ticket-trailing-space"),
            credentials="ticket-space",
            rule=TICKET_EXACT,
            skip=no_ticket,
        ),
        Case(
            f"{a}/ticket-wrong-case",
            a,
            "the run's ticket with its letters' case swapped",
            Expect.AUTH,
            call("ticket-wrong-case"),
            credentials="ticket-case",
            rule=TICKET_EXACT,
            skip=no_ticket,
        ),
        Case(
            f"{a}/wrong-application-token",
            a,
            "another installation's ApplicationToken on an Online installation",
            Expect.AUTH,
            call("wrong-application-token"),
            credentials="wrong-token",
            skip=None if online else NOT_ONLINE,
        ),
        Case(
            f"{a}/missing-ticket", a, "no Credentials header", Expect.AUTH, call("missing-ticket"), credentials="none"
        ),
        Case(
            f"{a}/wrong-ticket",
            a,
            "a ticket the server never issued",
            Expect.AUTH,
            call("wrong-ticket"),
            credentials="wrong",
        ),
        Case(
            f"{a}/missing-application-token",
            a,
            "no ApplicationToken on an Online installation",
            Expect.AUTH,
            call("missing-application-token"),
            credentials="no-token",
            skip=None if online else NOT_ONLINE,
        ),
    ]


def build_envelope(case: Case, target: Target) -> etree._Element | None:
    """The envelope ``case`` sends to ``target`` (``None`` for raw cases)."""
    if case.raw is not None:
        return None
    credentials = target.credentials_for(case.credentials)
    if case.fixture is not None:
        env = retarget(load_fixture(case.fixture), target.version)
        substitute(env, any_usable(target.policy, case.id), credentials)
    else:
        env = reject_envelope(case.call or RejectCall(), target.version, credentials)
    if case.mutate is not None:
        case.mutate(env)
    return env
