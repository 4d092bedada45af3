"""The authentication cases a login makes possible, judged on both sides: a revoked ticket (the embedded endpoint
can revoke one) is refused by a correct endpoint in either of SuperOffice's forms (``Succeeded=false`` +
``ExceptionInfo``, or a fault) without a finding, and an endpoint that still takes it is a violation of
``auth-enforced``. The near-miss tickets (trailing space, swapped case) are covered by the strength suite's
``ticket-normalised`` variant, which runs against a configured endpoint."""

from __future__ import annotations

import pytest

from conformance.contract.ids import IdPolicy
from conformance.contract.messages import Credentials
from conformance.contract.soap import SOAP11
from conformance.generation.cases import Target, auth_cases
from conformance.reference import REFERENCE_ALLOW_LIST, REFERENCE_TICKET, ReferenceServer, ReferenceService
from conformance.reference.service import ServiceOptions
from conformance.run.runner import Runner
from conformance.transport.http import Transport, TransportOptions

POLICY = IdPolicy(allowed=tuple(REFERENCE_ALLOW_LIST))


class RevocationIgnored(ReferenceService):
    """Revoking a ticket has no effect: it keeps working."""

    def __init__(self) -> None:
        super().__init__()
        self.tickets.revoke = lambda ticket: None  # type: ignore[method-assign]


def revoked_case_against(service: ReferenceService):
    server = ReferenceServer(service).start()
    transport = Transport(TransportOptions(timeout=5))
    try:
        revoked = service.tickets.issue()
        service.tickets.revoke(revoked)
        target = Target(server.url, SOAP11, Credentials(REFERENCE_TICKET), POLICY, revoked_ticket=revoked)
        (case,) = [c for c in auth_cases(POLICY, online=False, embedded=True) if c.id == "auth/revoked-ticket"]
        assert case.skip is None
        return Runner(target, transport).execute(case)
    finally:
        transport.close()
        server.stop()


@pytest.mark.parametrize("faults", [False, True], ids=["succeeded-false", "fault"])
def test_a_revoked_ticket_refused_in_either_superoffice_form_is_no_finding(faults):
    result = revoked_case_against(ReferenceService(options=ServiceOptions(faults_for_app_errors=faults)))
    assert result.findings == [], [str(f) for f in result.findings]
    assert (result.context.fault is not None) is faults


def test_an_endpoint_that_still_takes_a_revoked_ticket_violates_auth_enforced():
    result = revoked_case_against(RevocationIgnored())
    assert [f.check for f in result.violations] == ["auth-enforced"], [str(f) for f in result.findings]


def test_on_a_configured_endpoint_the_revoked_case_is_skipped_with_the_reason():
    (case,) = [c for c in auth_cases(POLICY, online=False) if c.id == "auth/revoked-ticket"]
    assert case.skip and "no way to revoke" in case.skip
