"""How a run authenticates, and what happens when its ticket stops working.

A ticket given explicitly is used as it is; else ``--username/--password`` log in through ``SoPrincipal.svc``
(``login.py``). A ticket that worked and then stops working (valid Rejects answered with an authentication
``ExceptionInfo``) has expired or been revoked: that is reported as what it is, never as contract violations;
with a login available the run logs in again, once, and goes on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..config import Settings
from ..errors import LoginFailed
from .login import Login, log_in
from .runner import CaseResult

# What an ExceptionInfo says when SuperOffice refuses a ticket: its type (SoNotAuthenticatedException …) or words.
AUTHENTICATION = re.compile(r"authenticat|ticket|credential|session|expired|revoked", re.IGNORECASE)


class TicketExpired(BaseException):
    """The ticket stopped working mid-run and cannot be renewed. A ``BaseException`` (like ``KeyboardInterrupt``)
    so that hypothesis stops at once instead of shrinking on it: no further Reject is sent with a dead ticket."""


@dataclass
class Credentials:
    """The run's ticket and how it was obtained; counts accepted calls to recognise a ticket that stops working."""

    settings: Settings
    url: str  # the Appointment.svc the ticket is for
    ticket: str | None
    how: str  # "ticket", "login as U (…/SoPrincipal.svc)", "the embedded endpoint's ticket", "none"
    accepted: int = 0
    relogins: int = 0
    renewed_after: int = 0
    expired: str | None = None  # why no further call is made, once the ticket expired beyond repair
    logins: list[Login] = field(default_factory=list)

    @property
    def can_log_in(self) -> bool:
        return bool(self.settings.username and self.settings.password)

    def log_in(self) -> Login:
        login = log_in(self.settings, self.url)
        self.ticket, self.how = login.ticket, login.how
        self.logins.append(login)
        return login

    def stopped_working(self, result: CaseResult) -> bool:
        """A valid Reject with the run's own ticket refused for an authentication reason after others passed —
        or the reading or restoring of the appointment around it refused so (the run's own ticket, in any case)."""
        effect = result.effect
        if effect is not None and self.accepted > 0:
            problems = [effect.problem or "", *effect.restore_problems]
            if any(" was refused: " in p and AUTHENTICATION.search(p) for p in problems):
                return True
        case, ctx = result.case, result.context
        if case.credentials != "configured" or result.exchange.response is None:
            return False
        if ctx.succeeded is False and ctx.exception_message is None:
            return False
        refused = ctx.succeeded is False or ctx.fault is not None
        text = f"{ctx.exception_message or ''} {ctx.fault_reason if ctx.fault is not None else ''}"
        return self.accepted > 0 and refused and bool(AUTHENTICATION.search(text))

    def count(self, result: CaseResult) -> None:
        ctx = result.context
        if result.case.credentials != "configured" or result.exchange.response is None:
            return
        if ctx.is_envelope and ctx.fault is None and ctx.succeeded:
            self.accepted += 1

    def renew(self) -> bool:
        """Log in again, once per run (per process): ``True`` when a new ticket is in use."""
        if not self.can_log_in or self.relogins >= 1:
            return False
        self.relogins += 1
        self.renewed_after = self.accepted
        try:
            self.log_in()
        except LoginFailed as exc:
            self.expired = (
                f"the ticket expired or was revoked after {self.accepted} accepted calls, and logging in again "
                f"failed: {exc}"
            )
            return False
        self.accepted = 0
        return True

    def give_up(self) -> str:
        if self.relogins:
            hint = "the run logs in again only once: a ticket that lives so briefly needs a longer session timeout"
        else:
            hint = "renew CONFORMANCE_TICKET, or log in with --username/--password: the run then logs in again"
        self.expired = self.expired or (
            f"the ticket expired or was revoked after {self.accepted} accepted calls: the remaining cases are not "
            f"judged ({hint})"
        )
        return self.expired
