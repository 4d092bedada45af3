"""The tickets the reference endpoint accepts: the configured one, and those its ``SoPrincipal.svc`` issues at
login; any of them can be revoked, and all of them expire after a number of calls when a lifetime is set (so that
tests can make a ticket stop working in the middle of a run). Thread-safe."""

from __future__ import annotations

import secrets
import threading


class Tickets:
    def __init__(self, configured: str, lifetime_calls: int | None = None) -> None:
        self._lock = threading.Lock()
        self._uses: dict[str, int] = {configured: 0}
        self._revoked: set[str] = set()
        self.lifetime_calls = lifetime_calls

    def issue(self) -> str:
        """A new ticket, as SoPrincipal issues them (``7T:…==``)."""
        ticket = f"7T:{secrets.token_urlsafe(18)}=="
        with self._lock:
            self._uses[ticket] = 0
        return ticket

    def revoke(self, ticket: str) -> None:
        with self._lock:
            self._revoked.add(ticket)

    def use(self, ticket: str | None) -> str | None:
        """``None`` when ``ticket`` is good for this call (and counts the call), else why it is not."""
        with self._lock:
            if ticket is None or ticket not in self._uses:
                return "The ticket is not valid or has expired"
            if ticket in self._revoked:
                return "The ticket has been revoked"
            if self.lifetime_calls is not None and self._uses[ticket] >= self.lifetime_calls:
                return "The ticket has expired"
            self._uses[ticket] += 1
            return None
