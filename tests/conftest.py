"""Shared fixtures: a running reference endpoint, and exchanges built from bytes without a network."""

from __future__ import annotations

import pytest

from conformance.contract.messages import OutgoingRequest
from conformance.contract.soap import SOAP11, SOAP12, SoapVersion
from conformance.reference import ReferenceServer, ReferenceService, ServiceOptions
from conformance.transport.http import Exchange, HttpResponse


@pytest.fixture
def reference():
    """A fresh reference endpoint (its own store) on a free loopback port."""
    server = ReferenceServer(ReferenceService()).start()
    yield server
    server.stop()


@pytest.fixture
def faulting_reference():
    """A reference endpoint that reports application errors as SOAP faults."""
    server = ReferenceServer(ReferenceService(options=ServiceOptions(faults_for_app_errors=True))).start()
    yield server
    server.stop()


def make_exchange(
    body: bytes,
    *,
    status: int = 200,
    content_type: str | None = None,
    version: SoapVersion = SOAP11,
    elapsed: float = 0.01,
) -> Exchange:
    ct = content_type if content_type is not None else f"{version.media_type}; charset=utf-8"
    headers = {"Content-Type": ct} if ct else {}
    exchange = Exchange(url="http://127.0.0.1:1/x", version=version, request=OutgoingRequest(b"<x/>", {}))
    exchange.response = HttpResponse(status, "OK" if status == 200 else "Error", headers, body)
    exchange.elapsed = elapsed
    return exchange


@pytest.fixture(params=[SOAP11, SOAP12], ids=["soap11", "soap12"])
def version(request) -> SoapVersion:
    return request.param
