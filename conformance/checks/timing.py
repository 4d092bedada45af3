"""The opt-in response-time check."""

from __future__ import annotations

from ..contract.rules import SLA
from .context import CheckContext
from .registry import NOT_APPLICABLE, Failure, Outcome, check


@check("response-time", "Timing", SLA)
def response_time(ctx: CheckContext) -> Outcome:
    """The round trip stays within the SLA the run was given (MUST, once ``--sla-ms`` sets one; not applicable
    without it)."""
    if ctx.sla_seconds is None:
        return NOT_APPLICABLE
    if ctx.exchange.elapsed <= ctx.sla_seconds:
        return None
    return Failure(
        f"a response within {ctx.sla_seconds * 1000:.0f} ms",
        f"{ctx.exchange.elapsed * 1000:.0f} ms",
        "round trip",
        SLA,
    )
