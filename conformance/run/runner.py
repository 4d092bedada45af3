"""Executing one case: build, validate (before sending), guard, send, check."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

from lxml import etree

from ..checks import CheckContext, CheckResult, Failure, run_checks
from ..contract.messages import OutgoingRequest, serialize
from ..contract.schemas import SchemaViolation, envelope_schema
from ..errors import SuiteBug
from ..generation.cases import Case, Target, build_envelope
from ..transport.http import Exchange, Transport
from .observe import Effect, Observer, reject_parameters


@dataclass
class CaseResult:
    case: Case
    request: OutgoingRequest
    request_errors: list[SchemaViolation]
    exchange: Exchange
    checks: list[CheckResult]
    context: CheckContext
    notes: list[str] = field(default_factory=list)  # what happened around the case (a renewed ticket …)
    effect: Effect | None = None  # what the Reject did, when observed

    @property
    def outcome_class(self) -> str:
        """What the endpoint did, in a stable few words (for baselines): accepted, rejected:fault:Sender…"""
        if self.exchange.error is not None:
            return f"transport:{self.exchange.error.kind}"
        ctx = self.context
        if ctx.http_refusal:
            return f"rejected:http:{ctx.response.status}"
        if ctx.xml is None:
            return f"not-xml:http:{ctx.response.status}"
        if ctx.fault is not None:
            return f"rejected:fault:{ctx.fault_code}"
        if ctx.succeeded is False:
            return "rejected:succeeded-false"
        return "accepted" if ctx.body_child is not None else f"empty:http:{ctx.response.status}"

    @property
    def findings(self) -> list[Failure]:
        """Every rule broken: violations and advisories."""
        return [r.outcome for r in self.checks if isinstance(r.outcome, Failure)]

    @property
    def violations(self) -> list[Failure]:
        return [f for f in self.findings if not f.advisory]

    @property
    def advisories(self) -> list[Failure]:
        return [f for f in self.findings if f.advisory]

    def failures(self, strict: bool = False) -> list[Failure]:
        """What fails the case: violations, and advisories too when ``strict``."""
        return self.findings if strict else self.violations


@dataclass(frozen=True)
class Prepared:
    """A case's request as it goes out: built for ``target``, guarded and validated (``envelope`` ``None``: raw
    bytes)."""

    target: Target
    request: OutgoingRequest
    errors: list[SchemaViolation]
    envelope: etree._Element | None


class Runner:
    def __init__(
        self,
        target: Target,
        transport: Transport,
        *,
        sla_seconds: float | None = None,
        max_bytes: int | None = None,
        observer: Observer | None = None,
    ) -> None:
        self._target = target
        self.transport = transport
        self.sla_seconds = sla_seconds
        self.max_bytes = max_bytes
        self.observer = observer  # reads what a Reject of an allow-listed id did (None: effects not observed)

    @property
    def target(self) -> Target:
        return self._target

    @target.setter
    def target(self, target: Target) -> None:
        """A new target (a renewed ticket) is the observer's too."""
        self._target = target
        if self.observer is not None:
            self.observer.target = target

    def prepare(self, case: Case) -> tuple[OutgoingRequest, list[SchemaViolation]]:
        """Request bytes for ``case``, validated against the XSD before anything is sent."""
        prepared = self.prepared(case)
        return prepared.request, prepared.errors

    def prepared(self, case: Case) -> Prepared:
        """``case``'s request for the current target: built, guarded, validated, serialized."""
        target = self.target
        version = target.version
        headers = case.http_headers or version.request_headers()
        envelope = build_envelope(case, target)
        if envelope is None:
            _guard_raw(case.raw or b"", target)
            return Prepared(target, OutgoingRequest(case.raw or b"", headers), [], None)
        target.policy.guard(envelope)
        errors = envelope_schema(version).errors(envelope)
        if case.schema_valid and errors:
            raise SuiteBug(f"bug in the suite: case {case.id} built a request the contract forbids: {errors[0]}")
        if not case.schema_valid and not errors:
            raise SuiteBug(f"bug in the suite: negative case {case.id} is meant to violate the schema but validates")
        return Prepared(target, OutgoingRequest(serialize(envelope), headers), errors, envelope)

    def groups(self, prepared: Prepared) -> tuple[str, ...]:
        """The appointment groups a prepared request may change (``run/locks.py``): what it must not share the
        wire with."""
        if self.observer is None:
            return ()
        return self.observer.locks.groups(self.target.policy.allowed_in(prepared.request.body))

    def execute(self, case: Case, prepared: Prepared | None = None) -> CaseResult:
        """Send ``case`` and judge the answer; ``prepared``: its request, built when it was queued (``--concurrency``),
        used when it was built for the current target (else it is built again: a renewed ticket)."""
        if prepared is None or prepared.target is not self.target:
            prepared = self.prepared(case)
        request, errors, envelope = prepared.request, prepared.errors, prepared.envelope
        # judged against the version of the envelope sent, whatever its Content-Type claims (a negative case
        # may label it as the other version): a reply is judged by what it is
        parameters = reject_parameters(envelope) if envelope is not None and case.schema_valid else None
        effect = None
        if self.observer is not None and parameters is not None and self.observer.observes(parameters[0]):
            with self.observer.around(*parameters) as effect:
                exchange = self.transport.send(self.target.url, request, self.target.version)
        else:  # a request naming allow-listed ids that is not observed holds their groups: it may change them
            touched = self.target.policy.allowed_in(request.body) if self.observer is not None else ()
            with self.observer.locks.hold(touched) if touched else nullcontext():
                exchange = self.transport.send(self.target.url, request, self.target.version)
        context = CheckContext(
            exchange,
            case.expect,
            rule=case.outcome_rule,
            refusable=case.refusable,
            sla_seconds=self.sla_seconds,
            max_bytes=self.max_bytes,
            effect=effect,
        )
        result = CaseResult(case, request, errors, exchange, run_checks(context), context, effect=effect)
        if effect is not None and effect.problem is not None:
            result.notes.append(f"what the Reject did was not observed: {effect.problem}")
        return result


def _guard_raw(body: bytes, target: Target) -> None:
    target.policy.guard_bytes(body)  # also reads +103, <![CDATA[103]]>, &#49;03, UTF-16
