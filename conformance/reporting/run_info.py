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
        "Server": str(meta["server"] or ""),
        "Python": platform.python_version(),
    }
