"""Hypothesis properties: many generated exchanges in one test, shrunk to a minimal failing call, reproducible
with ``--seed``, with one Allure result per property (the final, minimal example is the one attached)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import allure
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.control import current_build_context
from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase
from hypothesis.strategies import SearchStrategy

from ..checks.context import Expect
from ..contract.ids import IdPolicy
from ..contract.messages import RejectCall
from ..errors import ContractViolation, SuiteBug
from ..plugin import ctrl_c
from ..reporting import allure_report
from ..reporting.summary import PROPERTY
from ..run.credentials import TicketExpired
from ..run.runner import CaseResult
from ..run.session import SETUP, SuiteSession, tally_of
from .lookahead import Lookahead
from .strategies import grouped_appointment_ids, reject_calls, unreal_ids


class _NoResponse(BaseException):
    """A generated example got no usable response. A BaseException, so hypothesis stops at once instead of
    shrinking: every shrink step would wait for the same timeout."""

    def __init__(self, result: CaseResult) -> None:
        super().__init__(str(result.exchange.error))
        self.result = result


def example_database(setting: str | None, report_dir: Path, name: str = ""):  # noqa: ANN201 - database or None
    """``none``, a directory, or ``redis://host:port/db`` (hypothesis' own Redis backend, shared by CI runners).
    ``name`` keeps each property's examples apart: both properties share one function body, hence one key."""
    if setting is None:
        setting = "none" if os.environ.get("CI") else ".hypothesis/conformance"
    if setting.lower() == "none":
        return None
    if setting.startswith(("redis://", "rediss://")):
        try:
            import redis
            from hypothesis.extra.redis import RedisExampleDatabase
        except ImportError:
            raise SuiteBug(
                "hypothesis_database is a Redis URL but the redis package is not installed: "
                "pip install 'conformance[redis]'"
            ) from None
        prefix = f"conformance-reject:{name}:".encode()
        return RedisExampleDatabase(redis.Redis.from_url(setting), key_prefix=prefix)
    return DirectoryBasedExampleDatabase(str(Path(setting) / name) if name else setting)


@dataclass(frozen=True)
class Property:
    """A property of Reject the generated phase tests: which calls it draws, and what the endpoint must do."""

    title: str
    expect: Expect
    calls: Callable[[IdPolicy], SearchStrategy[RejectCall]]
    needs_allow_list: bool = False


PROPERTIES = {
    p.title: p
    for p in (
        Property(
            "valid-calls-accepted",
            Expect.ACCEPT,
            lambda policy: reject_calls(grouped_appointment_ids(policy.groups)),
            True,
        ),
        Property("unknown-ids-rejected", Expect.REJECT, lambda policy: reject_calls(unreal_ids(policy))),
    )
}


def runnable(session: SuiteSession, prop: Property) -> bool:
    """A property of valid calls needs an allow-listed id that is fit to Reject."""
    return bool(session.target.policy.usable) or not prop.needs_allow_list


def _hypothesis_test(session: SuiteSession, prop: Property, database: Any, body: Callable[[RejectCall], None]) -> Any:
    """``body`` as a hypothesis test with the run's settings and seed. Both passes of ``--concurrency`` (recording,
    real) share one database key, so the recording pass replays what the real pass will replay."""
    test = settings(
        max_examples=session.settings.max_examples,
        deadline=None,
        print_blob=False,
        derandomize=False,
        database=database,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        # the explain phase replays failing examples with tracing: ~70 more Rejects per failure, nothing reported
        phases=[p for p in Phase if p is not Phase.explain],
    )(
        seed(session.seed)(  # under @settings: @seed on the outside switches the example database off
            given(call=prop.calls(session.target.policy))(body)
        )
    )
    test._hypothesis_internal_database_key = f"conformance-reject:{prop.title}".encode()
    return test


def _database(session: SuiteSession, prop: Property) -> Any:
    return example_database(session.settings.hypothesis_database, session.settings.report_dir, prop.title)


def lookahead(session: SuiteSession, title: str) -> Lookahead | None:
    """``--concurrency``: the property's calls, recorded and on their way (started by the first test that sees the
    property coming, so the wire stays busy from one phase into the next); ``None`` when serial."""
    if session.ahead is None:
        return None
    started = session.lookaheads.get(title)
    if started is not None:
        return started
    prop = PROPERTIES[title]
    if not runnable(session, prop):
        return None
    plan: list[RejectCall] = []

    def record(call: RejectCall) -> None:
        plan.append(call)

    database = _database(session, prop)
    _hypothesis_test(session, prop, ReadOnlyDatabase(database) if database is not None else None, record)()
    started = session.lookaheads[title] = Lookahead(session, plan, prop.expect, title)
    return started


def run_property(session: SuiteSession, node: pytest.Item, title: str) -> None:
    """Fire generated calls until ``max_examples`` or a shrunk counterexample; one test, one Allure result."""
    prop = PROPERTIES[title]
    expect, seed_value = prop.expect, session.seed
    tally: dict[str, Counter[str]] = {}
    seen = {"examples": 0}
    final: dict[str, Any] = {}
    advisories: dict[str, dict[str, str]] = {}  # the first advisory of each check, over every example
    notes: list[str] = []  # what happened around the examples (a renewed ticket …)
    if session.ahead is not None:  # this property and those after it are recorded before hypothesis runs this one
        session.fill_ahead(node, record=True)
    ahead = lookahead(session, title)

    def body(call: RejectCall) -> None:
        ctrl_c.raise_if_swallowed()  # a Ctrl-C lost in hypothesis' garbage-collection callback stops here
        case = session.generated_case(call, expect, title)
        sent = None
        if ahead is not None:
            sent = ahead.take(call)
            session.fill_ahead(node, record=False)
        result = session.execute(case, sent)
        seen["examples"] += 1
        notes.extend(session.redactor.text(note) for note in result.notes)
        for name, counts in tally_of(result).items():
            tally.setdefault(name, Counter()).update(counts)
        if result.exchange.response is None:
            raise _NoResponse(result)  # shrinking would repeat the timeout (or reset…) a hundred times
        for advisory in result.advisories:
            advisories.setdefault(advisory.check, {**session.finding(advisory), "example": repr(call)})
        failures = result.failures(session.strict)
        if failures:
            if ahead is not None:
                ahead.stop()  # hypothesis shrinks now: each shrink step depends on the last, sent one at a time
            if current_build_context().is_final:
                final["result"], final["call"] = result, call
            raise ContractViolation(str(failures[0]))

    allure_report.label_case("generated", title, session.version.name, f"generated/{title}")
    allure_report.identify(f"generated/{title}", session.version.name, expect.value)
    violated = False
    try:
        _hypothesis_test(session, prop, _database(session, prop), body)()
    except ContractViolation:
        violated = True  # reported below, outside the except block, so pytest shows no exception chain
    except TicketExpired as expired:
        pytest.skip(f"{SETUP}: {expired}")
    except _NoResponse as stop:
        violated, final["result"], final["call"] = True, stop.result, stop.result.case.call
    finally:
        if ahead is not None:  # ended without a report (Ctrl-C, an expired ticket): what it sent ahead and did not
            ahead.stop()  # use stays with the scheduler, and the run lists it as sent and not reported
            session.lookaheads.pop(title, None)
    if violated and not final:
        pytest.fail(
            f"generated/{title}: a generated call broke the contract but hypothesis did not replay it; "
            f"rerun with --seed {seed_value}",
            pytrace=False,
        )
    if ahead is not None:  # a report follows: it counts the calls sent ahead and not used
        notes.extend(ahead.close())
    if violated:
        result = final["result"]
        record = session.record(result, exchanges=seen["examples"], tally=tally)
        record["falsifying_example"] = session.redactor.text(repr(final["call"]))
        record["seed"] = seed_value
        if notes:  # calls sent ahead and not used, a renewed ticket: a failing property says so too
            record["notes"] = [*record.get("notes", []), *notes]
        allure_report.record_case(result, session.redactor, record.get("reproduction"))
        node.user_properties.append((PROPERTY, record))
        session.fail(
            result,
            record,
            f"  minimal failing example (shrunk): {record['falsifying_example']}",
            f"  {seen['examples']} calls (generation and shrinking); rerun exactly with --seed {seed_value}",
        )
    found = [{**a, "example": session.redactor.text(a["example"])} for a in advisories.values()]
    for advisory in found:
        node.user_properties.append(("advisory", advisory["message"]))
        allure_report.mark_advisory(f"{advisory['message']} (first seen with {advisory['example']})")
    summary = "\n".join(f"{name}: {dict(counts)}" for name, counts in sorted(tally.items()))
    allure.attach(
        f"{seen['examples']} generated examples, seed {seed_value}\n\n{summary}",
        "examples",
        allure.attachment_type.TEXT,
    )
    node.user_properties.append(
        (
            PROPERTY,
            {
                "case": f"generated/{title}",
                "phase": "generated",
                "title": title,
                "expect": expect.value,
                "outcome": "passed",
                "outcome_class": "all-examples-passed",
                "exchanges": seen["examples"],
                "checks": {k: dict(v) for k, v in tally.items()},
                "findings": [],
                "advisories": found,
                "notes": notes,
                "seed": seed_value,
            },
        )
    )
