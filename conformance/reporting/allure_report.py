"""Recording a case in the Allure result of the running test: labels, parameters, one step per check, and the
request, response and reproduction as attachments. Everything passes through the redactor first."""

from __future__ import annotations

import allure

from ..checks import REGISTRY, Failure
from ..contract.parsing import parse_xml, pretty
from ..contract.redaction import Redactor
from ..run.observe import Effect
from ..run.runner import CaseResult
from ..transport.http import Exchange, HttpResponse
from . import effects
from .allure_results import ADVISORY_LABEL, INTERRUPTED_LABEL, SETUP_LABEL, phase_labels
from .allure_tidy import FINDING_LABEL, NODE_LABEL
from .reproduction import curl_heredoc

REJECT_DOCS = "https://docs.superoffice.com/en/api/reference/soap/Services82/Appointment/Reject.html"
SEVERITY = {
    "negative": "critical",
    "auth": "blocker",
    "coverage": "critical",
    "fixture": "normal",
    "generated": "normal",
}


def label_case(phase: str, story: str, version: str, title: str | None = None) -> None:
    """Labels that make the report navigable: Behaviors (epic/feature/story) and Suites (suite per phase)."""
    for name, value in phase_labels(phase, version).items():
        allure.dynamic.label(name, value)
    allure.dynamic.story(story)
    allure.dynamic.severity(SEVERITY.get(phase, "normal"))
    allure.dynamic.tag(f"SOAP {version}")
    allure.dynamic.link(REJECT_DOCS, name="SuperOffice: Services82 Appointment Reject")
    if title:
        allure.dynamic.title(title)


def identify(case_id: str, version: str, expectation: str) -> None:
    """The test's parameters, the same whether it passes, fails or is skipped (instead of the case's repr)."""
    allure.dynamic.parameter("conformance_case", case_id)
    allure.dynamic.parameter("SOAP version", version)
    allure.dynamic.parameter("expectation", expectation)


def mark_node(nodeid: str) -> None:
    """The test's pytest node id: the tidy pass derives a stable history from it (``allure_tidy``)."""
    allure.dynamic.label(NODE_LABEL, nodeid)


def mark_findings(messages: list[str]) -> None:
    """The ``[check] …`` lines of a failing test (redacted): its message in the report (``allure_tidy``)."""
    for message in messages:
        allure.dynamic.label(FINDING_LABEL, message)


def record_case(result: CaseResult, redactor: Redactor, reproduction: str | None) -> None:
    """The case's checks as steps, its exchange and effect as attachments (its labels were set when it started:
    ``label_case``)."""
    for check in result.checks:
        if check.status == "not-applicable":
            continue
        _check_step(check.name, check.outcome, redactor)
    attach_exchange(result.exchange, redactor)
    if result.effect is not None:
        attach_effect(result.effect, redactor)
    if reproduction:  # the run's reproductions/ folder is the latest run's; this one travels with the report
        command = curl_heredoc(result.exchange.url, result.exchange.request, redactor)
        allure.attach(command, "reproduce (curl; secrets from the environment)", allure.attachment_type.TEXT)


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
    """The request body as sent (XML, secrets as ``${VAR}``: it can be piped into curl) and its head; the response
    body (XML when it is XML) and its head."""
    request = exchange.request
    head = f"POST {exchange.url}\n" + "".join(f"{k}: {v}\n" for k, v in redactor.headers(request.headers).items())
    allure.attach(redactor.text(request.body.decode("utf-8", "replace")), "request", allure.attachment_type.XML)
    allure.attach(head, "request head", allure.attachment_type.TEXT)
    if exchange.response is not None:
        response = exchange.response
        kind = allure.attachment_type.XML if _is_xml(response.body) else allure.attachment_type.TEXT
        body = pretty(response.body[:200_000]) if kind is allure.attachment_type.XML else describe_body(response)
        allure.attach(redactor.text(body), "response", kind)
        allure.attach(redactor.text(describe_head(response)), "response head", allure.attachment_type.TEXT)
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
    return describe_head(response) + "\n" + describe_body(response, limit)


def describe_head(response: HttpResponse) -> str:
    return f"HTTP {response.status} {response.reason}\n" + "".join(f"{k}: {v}\n" for k, v in response.headers.items())


def describe_body(response: HttpResponse, limit: int = 200_000) -> str:
    more = f"\n… ({len(response.body) - limit:,} more bytes not shown)" if len(response.body) > limit else ""
    return pretty(response.body[:limit]) + more


def _is_xml(body: bytes) -> bool:
    """Whether a body is XML a browser can show as such (well-formed, within the size shown)."""
    if not body or len(body) > 200_000:
        return False
    try:
        parse_xml(body)
    except Exception:
        return False
    return True
