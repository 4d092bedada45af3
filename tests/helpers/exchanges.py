"""Exchanges built from bytes, without a network: what the checks judge."""

from __future__ import annotations

from conformance.contract.messages import OutgoingRequest
from conformance.contract.soap import SOAP11, SoapVersion
from conformance.transport.http import Exchange, HttpResponse


def make_exchange(
    body: bytes,
    *,
    status: int = 200,
    content_type: str | None = None,
    version: SoapVersion = SOAP11,
    elapsed: float = 0.01,
) -> Exchange:
    """An exchange whose response is ``body`` with ``status`` and ``content_type`` (default: the version's)."""
    ct = content_type if content_type is not None else f"{version.media_type}; charset=utf-8"
    headers = {"Content-Type": ct} if ct else {}
    exchange = Exchange(url="http://127.0.0.1:1/x", version=version, request=OutgoingRequest(b"<x/>", {}))
    exchange.response = HttpResponse(status, "OK" if status == 200 else "Error", headers, body)
    exchange.elapsed = elapsed
    return exchange
