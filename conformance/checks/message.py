"""Checks on the Reject response message: the body element, its schema, the response headers, and SuperOffice's
Succeeded/ExceptionInfo convention."""

from __future__ import annotations

from lxml import etree

from ..contract.messages import xpath_of
from ..contract.rules import HEADERS, R2712, SUCCEEDED_CONSISTENT
from ..contract.soap import SERVICES82_NS, qname
from .context import CheckContext, bool_text
from .envelope import schema_failure
from .registry import NOT_APPLICABLE, Failure, Outcome, check


@check("response-element", "Response message", R2712)
def response_element(ctx: CheckContext) -> Outcome:
    """The body holds ``RejectResponse`` in the Services82 namespace (MUST); faults are judged by the fault checks."""
    child = ctx.body_child
    if child is None or ctx.fault is not None:
        return NOT_APPLICABLE
    if child.tag == qname("RejectResponse"):
        return None
    q = etree.QName(child)
    return Failure(
        f"{{{SERVICES82_NS}}}RejectResponse (or a soap:Fault)",
        f"{{{q.namespace or ''}}}{q.localname}",
        xpath_of(child),
        R2712,
    )


@check("response-schema", "Response message", R2712)
def response_schema(ctx: CheckContext) -> Outcome:
    """``RejectResponse`` is valid against its published declaration (MUST): an empty sequence, so any content,
    such as the prose's "Updated AppointmentEntity", is a change of the contract."""
    child = ctx.body_child
    if child is None or child.tag != qname("RejectResponse"):
        return NOT_APPLICABLE
    entity = child.find(qname("Response"))
    if entity is not None:
        return Failure(
            "an empty RejectResponse (Services82 WSDL; the prose's 'Updated AppointmentEntity' is not in it)",
            "RejectResponse/Response, an entity in the response: a contract change against Services82",
            xpath_of(entity),
            R2712,
        )
    errors = ctx.schema_errors["body"]
    if errors:
        return schema_failure(errors, "a RejectResponse valid against the published Services82 schema", R2712)
    return None


@check("response-headers", "Response message", HEADERS)
def response_headers(ctx: CheckContext) -> Outcome:
    """The ``ExceptionInfo``, ``ExtraInfo``, ``Succeeded`` and ``TimeZone`` headers, when present, are valid
    against their published declarations (MUST). Headers the WSDL does not describe are allowed (WS-I BP R2739)."""
    if ctx.header is None:
        return NOT_APPLICABLE
    errors = ctx.schema_errors["header"]
    if errors:
        return schema_failure(errors, "response headers valid against the published Services82 schema", HEADERS)
    return None


@check("succeeded-consistent", "Response message", SUCCEEDED_CONSISTENT)
def succeeded_consistent(ctx: CheckContext) -> Outcome:
    """``Succeeded=false`` exactly when an ``ExceptionInfo`` reports the error (MUST, SuperOffice's convention):
    a client reading either header alone must get the same answer."""
    if not ctx.is_envelope or ctx.fault is not None:
        return NOT_APPLICABLE
    has_exception = ctx.exception_message is not None
    if ctx.succeeded is False and not has_exception:
        return Failure(
            "an ExceptionInfo header saying why Succeeded=false",
            "Succeeded=false and no ExceptionInfo",
            xpath_of(ctx.response_header("Succeeded")),
            SUCCEEDED_CONSISTENT,
        )
    if has_exception and ctx.succeeded is not False:
        return Failure(
            "Succeeded=false alongside an ExceptionInfo",
            f"Succeeded={bool_text(ctx.succeeded)} with ExceptionInfo ({ctx.exception_message})",
            xpath_of(ctx.response_header("ExceptionInfo")),
            SUCCEEDED_CONSISTENT,
        )
    return None
