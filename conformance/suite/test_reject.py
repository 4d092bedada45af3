"""Services82 Appointment.svc Reject: the conformance tests.

The cases of each test's phase (its ``conformance`` marker) are parametrized by the plugin from the configuration
(allow-listed ids, SOAP version); each test sends one case, runs every named check on the exchange and reports
every finding at once.
"""

from __future__ import annotations

import allure
import pytest

from ..contract.documentation import DocCheck
from ..generation.cases import Case, needs_allow_list
from ..generation.properties import PROPERTIES, run_property, runnable
from ..reporting import allure_report
from ..run.session import SuiteSession


@pytest.mark.conformance(phase="fixture")
def test_fixture(conformance: SuiteSession, conformance_case: Case, request: pytest.FixtureRequest) -> None:
    """A shipped fixture, schema-validated, with the configured id and credentials, is accepted."""
    conformance.run_case(conformance_case, request.node)


@pytest.mark.conformance(phase="coverage")
def test_coverage(conformance: SuiteSession, conformance_case: Case, request: pytest.FixtureRequest) -> None:
    """Every allow-listed id × every RecurrenceUpdateMode, the int32 edges, and hard reject reasons."""
    conformance.run_case(conformance_case, request.node)


@pytest.mark.conformance(phase="negative")
def test_negative(conformance: SuiteSession, conformance_case: Case, request: pytest.FixtureRequest) -> None:
    """Invalid requests are rejected in a schema-valid way."""
    conformance.run_case(conformance_case, request.node)


@pytest.mark.conformance(phase="auth")
def test_auth(conformance: SuiteSession, conformance_case: Case, request: pytest.FixtureRequest) -> None:
    """Calls without valid credentials are rejected."""
    conformance.run_case(conformance_case, request.node)


@pytest.mark.conformance(phase="generated", property="valid-calls-accepted")
def test_generated_valid_calls_accepted(conformance: SuiteSession, request: pytest.FixtureRequest) -> None:
    """Hypothesis: any reason and mode on an allow-listed id is accepted, and every response conforms."""
    if not runnable(conformance, PROPERTIES["valid-calls-accepted"]):
        pytest.skip(needs_allow_list("generated positive calls", conformance.target.policy))
    run_property(conformance, request.node, "valid-calls-accepted")


@pytest.mark.conformance(phase="generated", property="unknown-ids-rejected")
def test_generated_unknown_ids_rejected(conformance: SuiteSession, request: pytest.FixtureRequest) -> None:
    """Hypothesis: ids that cannot be real appointments are rejected, with a conforming response."""
    run_property(conformance, request.node, "unknown-ids-rejected")


@pytest.mark.conformance(phase="documentation")
def test_documentation(conformance_doc: DocCheck) -> None:
    """The Reject documentation agrees with itself and with the WSDL (a contradiction is an expected finding)."""
    allure_report.label_case("documentation", conformance_doc.title, "-", f"documentation/{conformance_doc.id}")
    allure.dynamic.parameter("document", conformance_doc.id)
    finding = conformance_doc.evaluate()
    if finding:
        allure.attach(finding, "documentation finding", allure.attachment_type.TEXT)
        pytest.xfail(f"documentation finding: {finding}")
