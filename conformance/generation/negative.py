"""The negative phase: invalid requests, each with the rule that says how strongly it must be refused, and the
mutations that make them."""

from __future__ import annotations

from typing import Any

from lxml import etree

from ..checks.context import Expect
from ..contract.ids import IdPolicy
from ..contract.messages import RejectCall
from ..contract.rules import NOT_XML, R1115, R2724
from ..contract.soap import (
    INT32_MAX,
    INT32_MIN,
    SERVICES82_NS,
    SOAP11,
    SOAP12,
    SoapVersion,
    qname,
)
from .cases import Case, Mutation, usable_or_unreal

# the negative cases that name an allow-listed id (any usable one: ``generation/spread.py``)
ON_ALLOWED = (
    "id-decimal",
    "mode-unknown-value",
    "mode-numeric",
    "mode-wrong-case",
    "wrong-namespace",
    "unqualified-element",
    "wrong-element",
    "wrong-order",
    "wrong-soap-version",
)


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

    def safe(name: str) -> int:
        return usable_or_unreal(policy, f"negative/{name}")

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

    def invalid_mode(name: str, title: str, mode: str) -> Case:
        """An UpdateMode the enumeration does not have, on an allow-listed id."""
        return invalid(name, title, RejectCall(safe(name), "x", mode), schema_valid=False)

    other_ns = qname("Reject", SERVICES82_NS.replace("Services82", "Services81"))
    wrong_action = version.request_headers(f"{SERVICES82_NS}/Appointment/NoSuchOperation")
    return [
        invalid("id-not-integer", "AppointmentId 'abc'", RejectCall("abc", "x", "OnlyThis"), schema_valid=False),
        invalid(
            "id-decimal",
            f"AppointmentId '{safe('id-decimal')}.5' (a server that truncates decimals would accept it)",
            RejectCall(f"{safe('id-decimal')}.5", "x", "OnlyThis"),
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
        invalid_mode("mode-unknown-value", "UpdateMode 'Sometimes'", "Sometimes"),
        invalid_mode("mode-numeric", "UpdateMode '1' (a number, not a name)", "1"),
        invalid_mode("mode-wrong-case", "UpdateMode 'onlythis'", "onlythis"),
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
            RejectCall(safe("wrong-namespace"), "x", "OnlyThis"),
            mutate=_rename_body_child(other_ns),
        ),
        invalid(
            "unqualified-element",
            "unqualified Reject element",
            RejectCall(safe("unqualified-element"), "x", "OnlyThis"),
            mutate=_rename_body_child("Reject"),
        ),
        invalid(
            "wrong-element",
            "RejectAll instead of Reject",
            RejectCall(safe("wrong-element"), "x", "OnlyThis"),
            mutate=_rename_body_child(qname("RejectAll")),
        ),
        invalid(
            "wrong-order",
            "UpdateMode before AppointmentId (WCF reads parts in order: the id is skipped and defaults to 0)",
            RejectCall(safe("wrong-order"), "x", "OnlyThis"),
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
            # an endpoint that ignores the media type visibly accepts the Reject
            RejectCall(safe("wrong-soap-version"), "x", "OnlyThis"),
            http_headers=other.request_headers(),
            rule=R1115,
            refusable=True,
        ),
    ]
