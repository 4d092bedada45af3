"""Round trips against the embedded reference endpoint: the suite's real path versus a raw ``requests.Session`` loop
posting the same bytes, and the suite's client versus zeep, on one server instance, in alternating blocks."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from timing import Row, Spent, alternate, per_item_us, per_second, plain_row, ratio_row

from conformance.checks import REGISTRY, Expect
from conformance.config import load_settings
from conformance.contract.messages import OutgoingRequest, RejectCall
from conformance.contract.soap import INT32_MAX
from conformance.generation.strategies import TRICKY_PIECES, appointment_ids, reject_calls, xml_text
from conformance.reference import REFERENCE_ALLOW_LIST, REFERENCE_TICKET, ReferenceServer, ReferenceService
from conformance.run.session import SuiteSession, tally_of
from conformance.transport.http import with_body

SECTION = "1 round trip"
SECTION_GENERATION = "1b generation"
SECTION_ZEEP = "4 vs zeep"
CHILD_LIFETIME_S = 900  # a child endpoint exits by itself after this, whatever happens to the bench
_CHILD = f"""
import os, sys, threading
from conformance.reference import ReferenceServer, ReferenceService
server = ReferenceServer(ReferenceService()).start()
timer = threading.Timer({CHILD_LIFETIME_S}, os._exit, (0,))
timer.daemon = True
timer.start()
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def reference_endpoint(placement: str) -> Iterator[str]:
    """The reference endpoint's URL: served by a thread of this process (as ``conformance run`` embeds it), or by a
    child process (like an endpoint on another machine). Stopped on exit either way."""
    if placement == "in-process":
        server = ReferenceServer(ReferenceService()).start()
        try:
            yield server.url
        finally:
            server.stop()
        return
    child = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = child.stdout.readline().strip() if child.stdout else ""
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the child reference endpoint did not start (said {url!r})")
        yield url
    finally:
        if child.stdin:
            child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)


@contextlib.contextmanager
def suite_session(url: str) -> Iterator[SuiteSession]:
    """A ``SuiteSession`` aimed at ``url`` as a configured endpoint, with the reference endpoint's ids and ticket."""
    with tempfile.TemporaryDirectory(prefix="conformance-bench-") as tmp:
        flags = {
            "endpoint": url,
            "ticket": REFERENCE_TICKET,
            "appointment_ids": ",".join(map(str, REFERENCE_ALLOW_LIST)),
            "unused_ids": f"1000-{INT32_MAX}",
            "report_dir": tmp,
        }
        session = SuiteSession(load_settings(flags, environ={}, cwd=Path(tmp)))
        try:
            yield session
        finally:
            session.close()


def _draw_each(count: int, body: Callable[[Any], None], strategy: Any = None) -> Callable[[], None]:
    """A hypothesis test calling ``body`` with ``count`` values drawn from ``strategy``, by default the suite's own
    Reject calls (generation phase only, no example database)."""
    from hypothesis import HealthCheck, Phase, given, settings

    draw = given(strategy if strategy is not None else reject_calls(appointment_ids(REFERENCE_ALLOW_LIST)))
    limits = settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    return limits(draw(body))


@contextlib.contextmanager
def _hypothesis_home() -> Iterator[None]:
    """Hypothesis' caches go to a temporary directory, not into the checkout."""
    from hypothesis.configuration import set_hypothesis_home_dir

    with tempfile.TemporaryDirectory(prefix="conformance-bench-hypothesis-") as home:
        set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)


def generate_calls(count: int, seed_value: int = 20261126) -> list[RejectCall]:
    """``count`` calls drawn by hypothesis from the suite's own strategy (outside any timed region)."""
    from hypothesis import seed

    calls: list[RejectCall] = []

    def collect(call: RejectCall) -> None:  # @given needs a Python function, not list.append
        calls.append(call)

    with _hypothesis_home():
        seed(seed_value)(_draw_each(count, collect))()
    while len(calls) < count:  # hypothesis may stop early; repeat rather than send fewer
        calls += calls[: count - len(calls)]
    return calls[:count]


class StubItem:
    """The part of a pytest item ``SuiteSession.run_case`` uses."""

    def __init__(self) -> None:
        self.user_properties: list[tuple[str, Any]] = []


@contextlib.contextmanager
def allure_results() -> Iterator[Callable[[str], contextlib.AbstractContextManager[None]]]:
    """allure-pytest's own listener and file logger, registered as a pytest run registers them, writing into a
    temporary directory. Yields ``as_test(name)``: a context in which Allure calls land in one test result, which is
    written (JSON + attachment files) when the context ends, as allure-pytest does at the end of a test."""
    import allure_commons
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Status, TestResult
    from allure_commons.utils import now, uuid4
    from allure_pytest.listener import AllureListener

    with tempfile.TemporaryDirectory(prefix="conformance-bench-allure-") as out:
        config = SimpleNamespace(option=SimpleNamespace(allure_link_pattern=[]))  # the options links read
        listener, writer = AllureListener(config=config), AllureFileLogger(out)
        allure_commons.plugin_manager.register(listener)
        allure_commons.plugin_manager.register(writer)

        @contextlib.contextmanager
        def as_test(name: str) -> Iterator[None]:
            uuid = uuid4()
            result = TestResult(name=name, uuid=uuid, start=now(), fullName=f"bench.{name}")
            listener.allure_logger.schedule_test(uuid, result)
            try:
                yield
                result.status = Status.PASSED
            except BaseException:
                result.status = Status.FAILED
                raise
            finally:
                result.stop = now()
                listener.allure_logger.close_test(uuid)

        try:
            yield as_test
        finally:
            allure_commons.plugin_manager.unregister(writer)
            allure_commons.plugin_manager.unregister(listener)


def _raw_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # as the suite's transport: no proxy from the environment on loopback
    return session


def measure_roundtrip(placement: str, calls: list[RejectCall], *, reps: int, block: int, warmup: int) -> list[Row]:
    """Validated Reject round trips per second, the suite's paths versus raw requests loops, on one server."""
    errors: Counter[str] = Counter()
    with (
        reference_endpoint(placement) as url,
        suite_session(url) as session,
        _raw_session() as raw,
        allure_results() as as_test,
    ):
        observer, session.runner.observer = session.runner.observer, None  # the paths below: one exchange each
        per_reject = exchanges_per_observed_reject(session, observer, calls[:50])
        cases = [session.generated_case(call, Expect.ACCEPT, "bench") for call in calls]
        prepared: list[OutgoingRequest] = [session.runner.prepare(case)[0] for case in cases]
        template = raw.prepare_request(requests.Request("POST", url, headers=prepared[0].headers))
        node = StubItem()
        tally: dict[str, Counter[str]] = {}

        def raw_loop(start: int, stop: int) -> None:
            for request in prepared[start:stop]:
                response = raw.post(url, data=request.body, headers=request.headers)
                if response.status_code != 200 or not response.content:
                    errors["raw"] += 1

        def raw_prepared(start: int, stop: int) -> None:
            """The raw loop with the suite's transport technique: a copied prepared request, only the body set."""
            for request in prepared[start:stop]:
                response = raw.send(with_body(template, request.body))
                if response.status_code != 200 or not response.content:
                    errors["raw prepared"] += 1

        def one_example(call: RejectCall) -> None:
            """What run_property does for each hypothesis example: execute, then tally every check's status."""
            result = session.execute(session.generated_case(call, Expect.ACCEPT, "bench"))
            for name, counts in tally_of(result).items():
                tally.setdefault(name, Counter()).update(counts)
            if result.failures():
                errors["generated"] += 1

        def generated_path(start: int, stop: int) -> None:
            for call in calls[start:stop]:
                one_example(call)

        def observed_path(start: int, stop: int) -> None:
            """The generated-example path with the Reject's effect observed, as a run does for allow-listed ids."""
            session.runner.observer = observer
            try:
                generated_path(start, stop)
            finally:
                session.runner.observer = None

        def case_path(start: int, stop: int) -> None:
            node.user_properties.clear()
            for call in calls[start:stop]:
                try:
                    with as_test("case"):
                        session.run_case(session.generated_case(call, Expect.ACCEPT, "bench"), node)
                except (pytest.fail.Exception, pytest.skip.Exception):
                    errors["case path"] += 1

        def hypothesis_path(start: int, stop: int) -> None:
            _draw_each(stop - start, one_example)()

        variants = {
            "raw": raw_loop,
            "raw prepared": raw_prepared,
            "generated": generated_path,
            "case": case_path,
            "hypothesis": hypothesis_path,
            "observed": observed_path,
        }
        with _hypothesis_home():
            spent = alternate(variants, len(calls), block=block, reps=reps, warmup=warmup)
    return _roundtrip_rows(placement, len(calls), reps, block, spent, errors, per_reject)


def exchanges_per_observed_reject(session: SuiteSession, observer: Any, calls: list[RejectCall]) -> float:
    """How many exchanges one observed Reject costs (the Reject, the reads before and after, Accept and the read
    after it), counted at the transport over ``calls``."""
    sent = 0
    send = session.transport.send

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal sent
        sent += 1
        return send(*args, **kwargs)

    session.transport.send = counting  # type: ignore[method-assign]
    session.runner.observer = observer
    try:
        for call in calls:
            session.execute(session.generated_case(call, Expect.ACCEPT, "bench"))
    finally:
        session.runner.observer = None
        del session.transport.send
    return sent / len(calls)


def measure_generation(count: int, reps: int) -> list[Row]:
    """CPU per hypothesis example, no network: the engine alone (``st.integers()``), and drawing one Reject call
    from the suite's strategy. Shows what the hypothesis path pays per call on top of the generated path."""
    from hypothesis import strategies as st

    def cpu_per_example(strategy: Any, reps: int = reps) -> list[float]:
        samples, drawn = [], Counter[str]()

        def body(_value: Any) -> None:
            drawn["examples"] += 1

        for _ in range(reps):
            drawn.clear()
            test = _draw_each(count, body, strategy)
            began = time.process_time()
            test()
            samples.append((time.process_time() - began) / max(drawn["examples"], 1) * 1e6)
        return samples

    ids = appointment_ids(REFERENCE_ALLOW_LIST)
    reject = reject_calls(ids)
    # the form pieces_text replaced: the tricky reasons drawn as a list, element by element
    listed = st.lists(st.sampled_from(TRICKY_PIECES), max_size=8).map("".join)
    list_form = reject_calls(ids, st.one_of(xml_text(), listed))
    with _hypothesis_home():
        for strategy in (st.integers(), reject, list_form):  # warm-up: the charmap (once per home), strategy caches
            _draw_each(min(count, 50), lambda _value: None, strategy)()
        engine = cpu_per_example(st.integers())
        calls, listed_calls = [], []
        for _ in range(reps):  # alternating, one repetition each
            calls += cpu_per_example(reject, reps=1)
            listed_calls += cpu_per_example(list_form, reps=1)
    note = f"{count} examples x {reps} reps, generate phase only, no database; CPU time of this process"
    return [
        plain_row(SECTION_GENERATION, "hypothesis engine alone: one example of st.integers()", "us CPU", engine, note),
        plain_row(
            SECTION_GENERATION,
            "one example drawing a Reject call (conformance.generation.strategies.reject_calls)",
            "us CPU",
            calls,
            "what the hypothesis path adds per call to the generated-example path",
        ),
        ratio_row(
            SECTION_GENERATION,
            "the same with tricky reasons drawn as a list of pieces (the form pieces_text replaced) vs reject_calls",
            "us CPU",
            listed_calls,
            calls,
            note="why reject_reasons draws its tricky branch as one string (paired repetitions, alternating)",
        ),
    ]


def _overhead_note(suite_s: float, raw_s: float) -> str:
    """The per-request overhead, and the ratio it would give against a slower endpoint (projected, not measured):
    a real installation answers in milliseconds, not in the reference endpoint's fraction of one."""
    overhead = suite_s - raw_s
    projected = " / ".join(f"{(raw_s + ms / 1000) / (suite_s + ms / 1000):.2f}x" for ms in (1, 5, 20))
    need_ms = max(0.0, (7 * overhead / 3 - raw_s) * 1000)
    return (
        f"{overhead * 1e6:+.0f} us/request against raw; projected with +1 / +5 / +20 ms endpoint time: {projected}; "
        f">= 0.7x once a request takes >= {need_ms:.1f} ms more"
    )


PATHS = {
    "generated": (
        "suite round trip per generated example: build + XSD-validate request + id guard + send + parse + "
        f"XSD-validate response + {len(REGISTRY)} checks + tally (run_property's work per example; call drawn "
        "beforehand)"
    ),
    "case": "suite round trip as one test per case: the above + summary record + an Allure result written to disk",
    "hypothesis": "suite round trip with hypothesis drawing each call in the loop (its engine included)",
    "raw prepared": "(info) raw loop with prepared requests, the suite transport's technique",
    "observed": (
        "(info) the generated-example path with the Reject's effect observed, as a run does for allow-listed ids "
        "(GetAppointmentEntity before and after, Accept, read again): Rejects per second"
    ),
}
TARGETED = "generated"


def _roundtrip_rows(
    placement: str, n: int, reps: int, block: int, spent: dict[str, Spent], errors: Counter[str], per_reject: float
) -> list[Row]:
    where = f"server {placement}"
    note = f"{n} requests x {reps} reps, blocks of {block}, alternating" + (
        f"; ERRORS {dict(errors)}" if errors else ""
    )
    raw_rate = per_second(n, spent["raw"].wall)
    rows = [plain_row(SECTION, f"raw requests.Session.post loop, same bytes ({where})", "req/s", raw_rate, note)]
    for key, label in PATHS.items():
        row = ratio_row(SECTION, f"{label} ({where})", "req/s", per_second(n, spent[key].wall), raw_rate, at_least=0.7)
        row.note = _overhead_note(1 / row.value, 1 / row.baseline)
        if key == "observed":
            row.note = f"{per_reject:.1f} exchanges per observed Reject (counted at the transport); " + row.note
        if key != TARGETED:
            row.target, row.met = "", None
        rows.append(row)
    if placement == "in-process":  # CPU of this process = client + server: a load-independent cross-check
        raw_cpu = per_item_us(n, spent["raw"].cpu)
        rows.append(plain_row(SECTION, f"raw loop: CPU per request, client + server ({where})", "us CPU", raw_cpu))
        for key, label in PATHS.items():
            row = ratio_row(
                SECTION,
                f"{label.split(':')[0]}: CPU per request, client + server ({where})",
                "us CPU",
                per_item_us(n, spent[key].cpu),
                raw_cpu,
            )
            row.ratio = 1 / row.ratio  # as a throughput ratio: raw CPU / suite CPU
            row.note = "ratio = raw CPU / suite CPU, i.e. the throughput ratio an idle machine would show"
            rows.append(row)
    return rows


def measure_zeep(placement: str, *, count: int, reps: int, block: int) -> list[Row]:
    """Per-call cost of the suite's client (``SuiteSession.execute``) versus zeep, same call, same server."""
    import zeep

    errors: Counter[str] = Counter()
    call = RejectCall(101, "x", "OnlyThis")
    with reference_endpoint(placement) as url, suite_session(url) as session, _raw_session() as http:
        began = time.perf_counter()
        client = zeep.Client(url + "?wsdl", transport=zeep.Transport(session=http))
        wsdl_s = time.perf_counter() - began
        session.runner.observer = None  # zeep makes one exchange per call: so does the suite here
        case = session.generated_case(call, Expect.ACCEPT, "zeep-compare")

        def zeep_calls(start: int, stop: int) -> None:
            for _ in range(stop - start):
                reply = client.service.Reject(
                    AppointmentId=101,
                    RejectReason="x",
                    UpdateMode="OnlyThis",
                    _soapheaders={"Credentials": {"Ticket": REFERENCE_TICKET}},
                )
                if reply["header"]["Succeeded"] is not True:
                    errors["zeep"] += 1

        def suite_calls(start: int, stop: int) -> None:
            for _ in range(stop - start):
                if session.execute(case).failures():
                    errors["suite"] += 1

        spent = alternate({"zeep": zeep_calls, "suite": suite_calls}, count, block=block, reps=reps, warmup=block)
    zeep_us, suite_us = per_item_us(count, spent["zeep"].wall), per_item_us(count, spent["suite"].wall)
    note = f"{count} calls x {reps} reps; zeep WSDL load {wsdl_s * 1000:.0f} ms (once)" + (
        f"; ERRORS {dict(errors)}" if errors else ""
    )
    return [
        plain_row(SECTION_ZEEP, f"zeep client.service.Reject (server {placement})", "us/call", zeep_us),
        ratio_row(
            SECTION_ZEEP,
            f"suite client: execute = build+validate+send+checks (server {placement})",
            "us/call",
            suite_us,
            zeep_us,
            note=note,
        ),
    ]
