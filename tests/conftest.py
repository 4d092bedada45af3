"""Shared fixtures: a running reference endpoint, and both SOAP versions. Helpers live in ``tests/helpers/``."""

from __future__ import annotations

import pytest

from conformance.contract.soap import SOAP11, SOAP12, SoapVersion
from conformance.reference import ReferenceServer, ReferenceService, ServiceOptions


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


@pytest.fixture(params=[SOAP11, SOAP12], ids=["soap11", "soap12"])
def version(request) -> SoapVersion:
    return request.param
