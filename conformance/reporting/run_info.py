"""What the reports say about the run itself: endpoint (never a secret), SOAP version, suite version, strictness,
the server's ``Server`` header; for ``summary.json`` and Allure's environment widget."""

from __future__ import annotations

import platform
from typing import Any

from .. import __version__
from ..config import Settings
from ..config.settings import concurrency_per_process
from ..contract.redaction import display_url
from ..transport.network import describe as describe_network


def run_meta(settings: Settings, records: list[dict[str, Any]]) -> dict[str, object]:
    return {
        "suite_version": __version__,
        "endpoint": "embedded reference endpoint" if settings.embedded else display_url(settings.endpoint),
        "environment": settings.env,
        "soap_version": settings.soap_version,
        "strict": settings.strict,
        "authentication": authentication(settings),
        "in_flight": in_flight(settings),
        "server": next((r["server"] for r in records if r.get("server")), None),
    }


def environment_of(settings: Settings, records: list[dict[str, Any]]) -> dict[str, str]:
    """Allure's environment widget."""
    meta = run_meta(settings, records)
    return {
        "Endpoint": str(meta["endpoint"]),
        "Environment": settings.env or "",
        "SOAP.version": settings.soap_version,
        "Suite.version": __version__,
        "Strict": "yes: advisories fail" if settings.strict else "no: advisories are reported, not failed",
        "Authentication": authentication(settings),
        "Appointment.ids": allow_list(settings),
        "Unused.ids": "{}-{}".format(*settings.unused_ids) if settings.unused_ids else "none declared",
        "Online": "yes" if settings.online else "no",
        "Restore": "on: declined invitations are accepted again" if settings.restore else "off (--no-restore)",
        "Seed": str(settings.seed) if settings.seed is not None else "random (printed with a generated failure)",
        "Max.examples": str(settings.max_examples),
        "Timeout": f"{settings.timeout:g} s per exchange",
        "Workers": str(settings.workers) if settings.workers else "none (one process)",
        "Concurrency": concurrency(settings),
        **describe_network(settings),
        "Server": str(meta["server"] or ""),
        "Python": platform.python_version(),
    }


def in_flight(settings: Settings) -> int:
    """Exchanges the run may have on the wire at once: ``--concurrency``, at least one per ``--workers`` worker."""
    return concurrency_per_process(settings.concurrency, settings.workers) * max(settings.workers or 1, 1)


def concurrency(settings: Settings) -> str:
    """Exchanges in flight at most, as each process shares ``--concurrency`` out (at least one per worker)."""
    if not settings.workers:
        n = settings.concurrency
        return "1 (one at a time)" if n == 1 else f"{n} exchanges in flight at most"
    each = concurrency_per_process(settings.concurrency, settings.workers)
    return (
        f"{settings.concurrency} for the run: {each} per worker × {settings.workers} workers, "
        f"{in_flight(settings)} exchanges in flight at most"
    )


def allow_list(settings: Settings) -> str:
    """The allow-listed ids, and those the survey found unfit."""
    if settings.embedded:
        return "the embedded endpoint's"
    if not settings.appointment_ids:
        return "none (no positive Reject is sent)"
    unfit = {i for i, _ in settings.unfit}
    return ", ".join(f"{i} (unfit)" if i in unfit else str(i) for i in settings.appointment_ids)


def authentication(settings: Settings) -> str:
    """How the run authenticated, in words, never the secret."""
    if settings.authenticated_by:
        return settings.authenticated_by
    if settings.ticket:
        return "ticket" + (" (given explicitly: --username not used)" if settings.username else "")
    if settings.username:
        return f"login as {settings.username}"
    if settings.embedded:
        return "the embedded endpoint's ticket"
    return "none (--no-credentials)" if settings.no_credentials else "none"
