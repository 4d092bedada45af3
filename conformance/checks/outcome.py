"""Checks on what the endpoint did with the call: a valid Reject is carried out, an invalid or unauthenticated
one is refused. The level comes from the case: why it must be accepted or refused (``CheckContext.rule``)."""

from __future__ import annotations

from ..contract.messages import xpath_of
from ..contract.rules import ACCEPTED, AUTHENTICATED, NO_SUCH_APPOINTMENT, NOT_XML, R1115, R2724, Rule
from .context import CheckContext, Expect
from .registry import NOT_APPLICABLE, Failure, Outcome, check


def refused(ctx: CheckContext) -> bool:
    """A fault, SuperOffice's ``Succeeded=false`` + ``ExceptionInfo``, or a legitimate HTTP refusal."""
    if ctx.http_refusal:
        return True
    return ctx.fault is not None or (ctx.succeeded is False and ctx.exception_message is not None)


def _where(ctx: CheckContext) -> str:
    return xpath_of(ctx.body_child if ctx.body_child is not None else ctx.xml)


@check("positive-acceptance", "Outcome", ACCEPTED)
def positive_acceptance(ctx: CheckContext) -> Outcome:
    """A valid Reject of an allow-listed invitation is carried out (MUST): a ``RejectResponse``, neither a fault
    nor ``Succeeded=false``. Judged on SOAP replies; ``well-formed`` reports a reply that is none."""
    if ctx.expect is not Expect.ACCEPT or not ctx.is_envelope:
        return NOT_APPLICABLE
    if ctx.is_envelope and ctx.fault is None and ctx.succeeded is not False and ctx.body_child is not None:
        return None
    return Failure(
        "the Reject to be carried out (RejectResponse, Succeeded not false)",
        ctx.outcome_text(),
        _where(ctx),
        ctx.rule or ACCEPTED,
    )


def must_refuse(ctx: CheckContext, expect: Expect, what: str, default: Rule) -> Outcome:
    """Whether the call ``ctx`` expects to be refused (``expect``) was: a fault, ``Succeeded=false`` with an
    ``ExceptionInfo``, or (for a request with a format problem) an HTTP 4xx without an envelope."""
    if ctx.expect is not expect:
        return NOT_APPLICABLE
    if refused(ctx):
        return None
    if not ctx.is_envelope:
        return NOT_APPLICABLE  # no SOAP reply to read an outcome from: `well-formed` reports what came instead
    return Failure(
        f"{what} to be refused (a SOAP fault, or Succeeded=false with ExceptionInfo"
        + (", or an HTTP 4xx" if ctx.refusable else "")
        + ")",
        ctx.outcome_text(),
        _where(ctx),
        ctx.rule or default,
    )


@check("negative-rejection", "Outcome", NO_SUCH_APPOINTMENT, NOT_XML, R2724, R1115)
def negative_rejection(ctx: CheckContext) -> Outcome:
    """An invalid request is refused: a fault, ``Succeeded=false`` + ``ExceptionInfo``, or an HTTP 4xx when the
    request has a format problem. The level is the case's: MUST for a Reject that cannot be carried out (no such
    appointment) or is not XML; SHOULD (WS-I BP R2724, R1115) for values or a media type the WSDL does not allow."""
    return must_refuse(ctx, Expect.REJECT, "the invalid request", R2724)


@check("auth-enforced", "Outcome", AUTHENTICATED)
def auth_enforced(ctx: CheckContext) -> Outcome:
    """A call without a valid ticket (or application token, on Online) is refused (MUST): a fault, or
    ``Succeeded=false`` + ``ExceptionInfo``."""
    return must_refuse(ctx, Expect.AUTH, "the unauthenticated call", AUTHENTICATED)
