"""What the reports say about the run itself: endpoint (never a secret), SOAP version, suite version, strictness,
the server's ``Server`` header; for ``summary.json`` and Allure's environment widget."""

from __future__ import annotations

import platform
from typing import Any

from .. import __version__
from ..config import Settings
from ..contract.redaction import display_url


def run_meta(settings: Settings, records: list[dict[str, Any]]) -> dict[str, object]:
    return {
        "suite_version": __version__,
        "endpoint": "embedded reference endpoint" if settings.embedded else display_url(settings.endpoint),
        "environment": settings.env,
        "soap_version": settings.soap_version,
        "strict": settings.strict,
        "authentication": authentication(settings),
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
        "Server": str(meta["server"] or ""),
        "Python": platform.python_version(),
    }


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
