"""Recording a case in the Allure result of the running test: labels, parameters, one step per check, and the
request, response and reproduction as attachments. Everything passes through the redactor first."""

from __future__ import annotations

import allure

from ..checks import REGISTRY, Failure
from ..contract.parsing import pretty
from ..contract.redaction import Redactor
from ..run.observe import Effect
from ..run.runner import CaseResult
from ..transport.http import Exchange, HttpResponse
from . import effects
from .allure_results import ADVISORY_LABEL, INTERRUPTED_LABEL, SETUP_LABEL

EPIC = "Services82 Appointment.Reject"
FEATURES = {
    "fixture": "Fixtures",
    "coverage": "Coverage",
    "negative": "Negative input",
    "auth": "Authentication",
    "generated": "Generated (hypothesis)",
    "documentation": "Documentation findings",
}
SEVERITY = {
    "negative": "critical",
    "auth": "blocker",
    "coverage": "critical",
    "fixture": "normal",
    "generated": "normal",
}


def label_case(phase: str, story: str, version: str, title: str | None = None) -> None:
    """Labels that make the report navigable: Behaviors (epic/feature/story) and Suites (suite per phase)."""
    allure.dynamic.epic(EPIC)
    allure.dynamic.feature(FEATURES.get(phase, phase))
    allure.dynamic.story(story)
    allure.dynamic.severity(SEVERITY.get(phase, "normal"))
    allure.dynamic.parent_suite(EPIC)
    allure.dynamic.suite(FEATURES.get(phase, phase))
    allure.dynamic.sub_suite(f"SOAP {version}" if version != "-" else "documents")
    allure.dynamic.tag(f"SOAP {version}")
    if title:
        allure.dynamic.title(title)


def record_case(result: CaseResult, redactor: Redactor, reproduction: str | None) -> None:
    case = result.case
    label_case(case.phase, case.title, result.exchange.version.name, f"{case.id}: {case.title}")
    allure.dynamic.parameter("conformance_case", case.id)  # instead of the dataclass repr
    allure.dynamic.parameter("SOAP version", result.exchange.version.name)
    allure.dynamic.parameter("expectation", case.expect.value)
    for check in result.checks:
        if check.status == "not-applicable":
            continue
        _check_step(check.name, check.outcome, redactor)
    attach_exchange(result.exchange, redactor)
    if result.effect is not None:
        attach_effect(result.effect, redactor)
    if reproduction:
        allure.attach(reproduction, "reproduction (curl)", allure.attachment_type.TEXT)


def attach_effect(effect: Effect, redactor: Redactor) -> None:
    """What the Reject did: the readable diff, the observed fields before and after, and the calls that read and
    restored the appointments (redacted)."""
    allure.attach(redactor.text(effects.diff_text(effect)), "effect: what changed", allure.attachment_type.TEXT)
    if effect.before:
        allure.attach(
            redactor.text(effects.before_after_json(effect)), "effect: before and after", allure.attachment_type.JSON
        )
    if effect.exchanges:
        calls = "\n\n".join(describe_exchange(exchange, redactor) for exchange in effect.exchanges)
        allure.attach(calls, "effect: GetAppointmentEntity and Accept calls", allure.attachment_type.TEXT)
    for problem in effect.restore_problems:
        allure.dynamic.label(SETUP_LABEL, redactor.text(problem))


def _check_step(name: str, outcome: object, redactor: Redactor) -> None:
    description = REGISTRY[name].description if name in REGISTRY else "a complete HTTP response"
    if isinstance(outcome, Failure) and outcome.advisory:  # a passed step whose title says what SHOULD differ
        with allure.step(f"{name}: ADVISORY ({outcome.rule})"):
            with allure.step(redactor.text(str(outcome))):
                pass
        return
    title = f"{name}: {'FAILED' if isinstance(outcome, Failure) else 'passed'}"
    try:
        with allure.step(title):
            if isinstance(outcome, Failure):
                raise AssertionError(redactor.text(f"{outcome}\n({description})"))
    except AssertionError:
        pass  # the step is marked failed; the test fails once, with every finding, afterwards


def mark_interrupted() -> None:
    """Label the running test as interrupted: its result becomes *broken* when the run ends."""
    allure.dynamic.label(INTERRUPTED_LABEL, "yes")


def mark_advisory(message: str) -> None:
    """Label the running test with an advisory (already redacted): a passing test with advisories is put in the
    report's *Advisories* category when the run ends."""
    allure.dynamic.label(ADVISORY_LABEL, message)


def attach_exchange(exchange: Exchange, redactor: Redactor) -> None:
    request = exchange.request
    head = f"POST {exchange.url}\n" + "".join(f"{k}: {v}\n" for k, v in redactor.headers(request.headers).items())
    allure.attach(redactor.text(head + "\n" + pretty(request.body)), "request", allure.attachment_type.TEXT)
    if exchange.response is not None:
        allure.attach(redactor.text(describe_response(exchange.response)), "response", allure.attachment_type.TEXT)
    if exchange.partial is not None:
        text = describe_response(exchange.partial) + "\n… (the response broke off here; only its start is kept)"
        allure.attach(redactor.text(text), "response (incomplete)", allure.attachment_type.TEXT)
    if exchange.error is not None:
        allure.attach(redactor.text(str(exchange.error)), "transport error", allure.attachment_type.TEXT)


def describe_exchange(exchange: Exchange, redactor: Redactor) -> str:
    """Request and response of ``exchange`` as one redacted text (for a result written outside pytest)."""
    request = exchange.request
    head = f"POST {exchange.url}\n" + "".join(f"{k}: {v}\n" for k, v in redactor.headers(request.headers).items())
    answer = describe_response(exchange.response) if exchange.response is not None else str(exchange.error)
    return redactor.text(f"{head}\n{pretty(request.body)}\n\n{answer}")


def describe_response(response: HttpResponse, limit: int = 200_000) -> str:
    head = f"HTTP {response.status} {response.reason}\n" + "".join(f"{k}: {v}\n" for k, v in response.headers.items())
    body = response.body[:limit]
    more = f"\n… ({len(response.body) - limit:,} more bytes not shown)" if len(response.body) > limit else ""
    return head + "\n" + pretty(body) + more
