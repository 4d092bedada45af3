"""The check registry: a check is a plain function of a ``CheckContext`` registered under a stable name, with the
rules it enforces; it returns ``None`` (passed), ``NOT_APPLICABLE``, or a ``Failure`` (expected / got / where, and
the rule that was broken). The registry stamps the check's name on its failures; the docstring is its description.

Check names are stable: they appear in reports, summaries, baselines and CI dashboards.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from ..contract.rules import HTTP_MESSAGE, Rule
from .context import CheckContext


@dataclass(frozen=True)
class Failure:
    """What a check found: what was expected, what came back, where, and the rule (with its level) it breaks.

    A broken MUST is a violation; a broken SHOULD an advisory (``advisory``)."""

    expected: str
    got: str
    where: str
    rule: Rule
    check: str = ""  # stamped by the registry

    @property
    def advisory(self) -> bool:
        return self.rule.advisory

    def __str__(self) -> str:
        return f"[{self.check}] expected {self.expected}; got {self.got}; at {self.where}; rule {self.rule}"


class _NotApplicable:
    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


NOT_APPLICABLE = _NotApplicable()
Outcome = Failure | _NotApplicable | None
CheckFunction = Callable[[CheckContext], Outcome]


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: its name, the group it belongs to in reports, the rules it enforces, its function."""

    name: str
    group: str
    rules: tuple[Rule, ...]
    func: CheckFunction

    @property
    def description(self) -> str:
        """The first paragraph of the check's docstring."""
        doc = (self.func.__doc__ or "").strip().split("\n\n", 1)[0]
        return " ".join(doc.split())


GROUPS = ("HTTP framing", "Envelope", "Response message", "Faults", "Outcome", "Effect", "Timing")


class Registry:
    """Checks by name, in the order of reports: by group (``GROUPS``), then in registration order."""

    def __init__(self) -> None:
        self._checks: dict[str, CheckSpec] = {}

    def register(self, spec: CheckSpec) -> None:
        if spec.name in self._checks:
            raise ValueError(f"a check named {spec.name!r} is already registered")
        self._checks[spec.name] = spec
        rank = {group: i for i, group in enumerate(GROUPS)}
        ordered = sorted(self._checks.values(), key=lambda s: rank.get(s.group, len(GROUPS)))  # stable
        self._checks = {s.name: s for s in ordered}

    def unregister(self, name: str) -> None:
        del self._checks[name]

    def __getitem__(self, name: str) -> CheckSpec:
        return self._checks[name]

    def __contains__(self, name: object) -> bool:
        return name in self._checks

    def __iter__(self) -> Iterator[str]:
        return iter(self._checks)

    def __len__(self) -> int:
        return len(self._checks)

    def values(self) -> list[CheckSpec]:
        return list(self._checks.values())

    def select(self, names: list[str] | None) -> list[CheckSpec]:
        """The checks called ``names`` (every check for ``None``); an unknown name is an error, not a silent skip."""
        if names is None:
            return self.values()
        unknown = [n for n in names if n not in self._checks]
        if unknown:
            raise KeyError(f"no check named {', '.join(unknown)}; known: {', '.join(self._checks)}")
        return [self._checks[n] for n in names]


REGISTRY = Registry()


def check(name: str, group: str, *rules: Rule) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the check ``name`` enforcing ``rules`` (its docstring says how)."""

    def register(func: CheckFunction) -> CheckFunction:
        REGISTRY.register(CheckSpec(name, group, rules, func))
        return func

    return register


# --- running them -----------------------------------------------------------------------------------

TRANSPORT = "transport"


class CheckResult(NamedTuple):  # immutable like a frozen dataclass, a fifth of the cost to create (18 per response)
    name: str
    outcome: Outcome

    @property
    def status(self) -> str:
        """``failed`` (a MUST broken), ``advisory`` (a SHOULD broken), ``passed`` or ``not-applicable``."""
        outcome = self.outcome
        if isinstance(outcome, Failure):
            return "advisory" if outcome.rule.advisory else "failed"
        return "not-applicable" if outcome is NOT_APPLICABLE else "passed"


STATUSES = ("passed", "failed", "advisory", "not-applicable")


def run_check(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    outcome = spec.func(ctx)
    if isinstance(outcome, Failure):
        outcome = dataclasses.replace(outcome, check=spec.name)
    return CheckResult(spec.name, outcome)


def run_checks(ctx: CheckContext, names: list[str] | None = None) -> list[CheckResult]:
    """Every registered check (or ``names``) on one exchange. A transport error is the one result when no
    response arrived."""
    exchange = ctx.exchange
    if exchange.error is not None and exchange.response is None:
        failure = Failure("a complete HTTP response", str(exchange.error), exchange.url, HTTP_MESSAGE, TRANSPORT)
        return [CheckResult(TRANSPORT, failure)]
    results = []
    if exchange.error is not None:  # a response arrived but is not usable as is (e.g. a redirect)
        failure = Failure("a response from the endpoint itself", str(exchange.error), exchange.url, HTTP_MESSAGE)
        results.append(CheckResult(TRANSPORT, dataclasses.replace(failure, check=TRANSPORT)))
    results += [run_check(spec, ctx) for spec in REGISTRY.select(names)]
    return results
