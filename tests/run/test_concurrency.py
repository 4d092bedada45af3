"""``--concurrency N``: the same run, with up to N exchanges on the wire at once.

Real ``conformance run``s against slowed endpoints (the reference service and the strength suite's variants behind
a server that waits before each answer), serial and concurrent, compared on what they report; and the parts that
make it safe, each on its own: the transport's in-flight bound, the scheduler's groups and window, the locks.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from strength.matrix import command, environment
from strength.variants import VARIANTS

from conformance.checks.context import Expect
from conformance.config import Settings
from conformance.config.settings import concurrency_per_process
from conformance.contract.messages import Credentials, OutgoingRequest, RejectCall, reject_envelope
from conformance.contract.schemas import Schema, _built_once, envelope_schema
from conformance.contract.soap import SOAP11, qname
from conformance.generation.lookahead import Lookahead
from conformance.reference import REFERENCE_ALLOW_LIST, ReferenceServer, ReferenceService
from conformance.reporting import run_info
from conformance.run.ahead import Ahead, Fanout, Job
from conformance.run.locks import EVERYTHING, EffectLocks
from conformance.transport.http import Transport, TransportOptions

DELAY = 0.005  # seconds before each answer: slow enough that exchanges overlap, fast enough for CI


class Slowed:
    """Wraps a service's ``handle``: waits ``DELAY`` first, and counts POSTs and the most in flight at once."""

    def __init__(self, service: ReferenceService, delay: float = DELAY) -> None:
        self.service = service
        self.delay = delay
        self._handle = service.handle
        self._lock = threading.Lock()
        self.posts = 0
        self.in_flight = 0
        self.most = 0
        service.handle = self.handle  # type: ignore[method-assign]

    def handle(self, method: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.posts += method == "POST"
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            time.sleep(self.delay)
            return self._handle(method, *args, **kwargs)
        finally:
            with self._lock:
                self.in_flight -= 1


def _run(
    service: ReferenceService, workdir: Path, *extra: str, delay: float = DELAY
) -> tuple[int, dict[str, Any], Slowed, str]:
    slowed = Slowed(service, delay)
    server = ReferenceServer(service).start()
    try:
        done = subprocess.run(
            command(server.url, "1.1", workdir / "report", extra),
            cwd=workdir,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        server.stop()
    summary = json.loads((workdir / "report" / "summary.json").read_text(encoding="utf-8"))
    return done.returncode, summary, slowed, done.stdout + done.stderr


def _reported(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """What each case reported, without what depends on timing (elapsed time, a reproduction file's path) or on
    concurrency itself (the note counting calls sent ahead and not used)."""
    cases = []
    for case in summary["cases"]:
        shown = {k: v for k, v in case.items() if k not in ("elapsed_ms", "reproduction")}
        notes = [n for n in shown.get("notes", []) if "sent ahead (--concurrency)" not in n]
        if "notes" in shown:
            shown["notes"] = notes
        if not notes:
            shown.pop("notes", None)
        cases.append(shown)
    return sorted(cases, key=lambda c: (c["case"], c.get("title", "")))


def _unordered(entries: list[Any]) -> list[str]:
    """``entries`` in a stable order, without a reproduction (its path and port are the run's own)."""
    plain = [{k: v for k, v in e.items() if k != "reproduction"} if isinstance(e, dict) else e for e in entries]
    return sorted(json.dumps(e, sort_keys=True) for e in plain)


def _variant(name: str):
    return next(v for v in VARIANTS if v.name == name)


def test_a_concurrent_run_reports_what_a_serial_run_reports(tmp_path: Path) -> None:
    (tmp_path / "serial").mkdir()
    (tmp_path / "concurrent").mkdir()
    serial_rc, serial, serial_server, serial_out = _run(ReferenceService(), tmp_path / "serial")
    rc, concurrent, server, out = _run(ReferenceService(), tmp_path / "concurrent", "--concurrency", "4")
    assert (serial_rc, rc) == (0, 0), out[-2000:]
    assert (serial["in_flight"], concurrent["in_flight"]) == (1, 4)
    assert "in flight: up to 4" in out and "in flight" not in serial_out  # the terminal says when it is on
    assert serial_server.most == 1
    assert 2 <= server.most <= 4, f"at most 4 exchanges in flight, and more than one: {server.most}"
    assert server.posts == serial_server.posts, "the same exchanges, no more"
    assert _reported(concurrent) == _reported(serial)
    for key in ("passed", "failed", "skipped", "exchanges", "checks"):
        assert concurrent[key] == serial[key], key
    for key in ("findings", "advisories", "notes"):
        assert _unordered(concurrent[key]) == _unordered(serial[key]), key


@pytest.mark.parametrize(
    ("name", "exit_code"),
    [("collation-eats-emoji", 1), ("line-breaks-dropped", 1), ("only-this-declines-series", 0)],
)
def test_a_generated_finding_is_the_same_as_in_a_serial_run(tmp_path: Path, name: str, exit_code: int) -> None:
    """A violation found by hypothesis among calls sent ahead, then shrunk one step at a time: the same minimal
    example and the same findings as a serial run with the same seed. An advisory (a SHOULD) is first seen with
    the same example."""
    variant = _variant(name)
    (tmp_path / "serial").mkdir()
    (tmp_path / "concurrent").mkdir()
    serial_rc, serial, _, _ = _run(variant.make(), tmp_path / "serial")
    rc, concurrent, _, out = _run(variant.make(), tmp_path / "concurrent", "--concurrency", "4")
    assert serial_rc == rc == exit_code, out[-2000:]
    examples = [
        {c["case"]: c.get("falsifying_example") for c in s["cases"] if c["phase"] == "generated"}
        for s in (serial, concurrent)
    ]
    assert any(examples[0].values()) == (exit_code == 1), "a violation hypothesis finds and shrinks"
    assert examples[1] == examples[0]
    if exit_code == 1:  # the calls sent ahead of the failure and never used are reported, not hidden
        notes = [n for c in concurrent["cases"] if c["phase"] == "generated" for n in c.get("notes", [])]
        assert any("sent ahead (--concurrency) and not used" in n for n in notes), notes
    assert _reported(concurrent) == _reported(serial)
    assert _unordered(concurrent["advisories"]) == _unordered(serial["advisories"])


def test_max_failures_stops_what_goes_out_ahead(tmp_path: Path) -> None:
    """A run stopped by --max-failures has sent at most the window (4 × N cases) beyond what a serial run sends."""
    variant = _variant("response-element-renamed")
    (tmp_path / "serial").mkdir()
    (tmp_path / "concurrent").mkdir()
    stop = ("--max-failures", "+1")  # read as the settings read it: 1
    _, _, serial, _ = _run(variant.make(), tmp_path / "serial", *stop)
    rc, summary, concurrent, out = _run(variant.make(), tmp_path / "concurrent", *stop, "--concurrency", "2")
    assert rc == 1, out[-2000:]
    assert summary["failed"] == 1
    exchanges_per_case = 7  # an observed Reject: reads before and after, Accept, read again (series: more)
    assert serial.posts <= concurrent.posts <= serial.posts + 4 * 2 * exchanges_per_case
    # what went out beyond the last report is reported as such, and only that
    unreported = summary["sent_not_reported"]
    assert unreported and not set(unreported) & {case["case"] for case in summary["cases"]}, unreported
    assert "sent ahead (--concurrency) and not reported" in out


def test_cases_a_worker_sent_ahead_and_never_reported_reach_the_controllers_summary(tmp_path: Path) -> None:
    variant = _variant("response-element-renamed")
    stop = ("--max-failures", "1", "--workers", "2", "--concurrency", "4")
    rc, summary, _server, out = _run(variant.make(), tmp_path, *stop)
    assert rc == 1, out[-2000:]
    assert summary["sent_not_reported"], out[-2000:]
    # the environment widget: --workers reaches pytest as -n, and the plugin counts it
    environment = (tmp_path / "report" / "allure-results" / "environment.properties").read_text(encoding="utf-8")
    assert "Workers=2" in environment
    assert "4 for the run\\: 2 per worker × 2 workers, 4 exchanges in flight at most" in environment


def test_the_next_property_goes_out_while_the_last_examples_of_one_wait(tmp_path: Path) -> None:
    """The last examples of valid-calls-accepted wait for their appointment groups, one observation after another;
    the unknown-ids-rejected calls (no group) fill the wire meanwhile instead of waiting for the test to start."""
    service = ReferenceService()
    rejects: list[tuple[int | None, str | None]] = []
    handle = service.handle

    def recording(method: str, path: str, query: str, headers: Any, body: bytes, base_url: str) -> Any:
        if b"Reject>" in body:
            tree = etree.fromstring(body)
            found = tree.findtext(f".//{qname('AppointmentId')}")
            ident = int(found) if found is not None and found.lstrip("-").isdigit() else None
            rejects.append((ident, tree.findtext(f".//{qname('RejectReason')}")))
        return handle(method, path, query, headers, body, base_url)

    service.handle = recording  # type: ignore[method-assign]
    rc, summary, _server, out = _run(service, tmp_path, "--concurrency", "4", "--max-examples", "30", delay=0.02)
    assert rc == 0, out[-2000:]
    last_valid = max(i for i, (ident, _) in enumerate(rejects) if ident in REFERENCE_ALLOW_LIST)
    # the unknown-ids property's calls: an id no appointment can have, and a generated reason (the negative and
    # int32-edge cases send "x" and "edge")
    unknown = [
        i for i, (ident, why) in enumerate(rejects) if ident not in REFERENCE_ALLOW_LIST and why not in ("x", "edge")
    ]
    assert unknown and unknown[0] < last_valid, (unknown[:3], last_valid)
    assert summary["failed"] == 0


def test_a_property_that_stops_sending_ahead_leaves_the_next_propertys_calls_queued() -> None:
    """A failing property drops its own calls not yet started (it shrinks now), not the next property's."""
    release = threading.Event()
    ahead: Ahead[Any, str] = Ahead(lambda job: (release.wait(5), "sent")[1], threads=1, window=16)
    session = _FakeSession(ahead)
    failing = Lookahead(session, [RejectCall(101, str(i), "OnlyThis") for i in range(3)], Expect.ACCEPT, "a")  # type: ignore[arg-type]
    following = Lookahead(session, [RejectCall(-i, "r", "OnlyThis") for i in range(3)], Expect.REJECT, "b")  # type: ignore[arg-type]
    failing.stop()
    assert not any(ahead.has(("generated", "a", i)) for i in (1, 2)), "the failing property's queued calls go"
    assert all(ahead.has(("generated", "b", i)) for i in range(3)), "the next property's stay"
    release.set()
    assert following.take(RejectCall(0, "r", "OnlyThis")) is not None
    ahead.close()


def test_a_property_that_ends_without_a_report_leaves_its_sent_calls_to_the_session_list() -> None:
    """Ctrl-C or an expired ticket ends a property with no record to put its notes in: it only stops, and the
    calls it had sent ahead stay with the scheduler, which lists them when the run stops (``sent_not_reported``)."""
    ahead: Ahead[Any, str] = Ahead(lambda job: "sent", threads=2, window=8)
    session = _FakeSession(ahead)
    plan = [RejectCall(101, str(i), "OnlyThis") for i in range(4)]
    lookahead = Lookahead(session, plan, Expect.ACCEPT, "p")  # type: ignore[arg-type]
    waited = time.monotonic() + 10
    while ahead.sent < len(plan) and time.monotonic() < waited:
        time.sleep(0.01)
    lookahead.stop()
    assert len(ahead.close()) == len(plan), "every call sent and not taken is handed back"


def test_explaining_a_schema_error_is_built_beside_validations_not_in_their_way(monkeypatch) -> None:
    """``--concurrency`` builds xmlschema (the explanations) on a thread of its own at the start of a run: every
    validation meanwhile still answers from lxml, without waiting for that build."""
    import xmlschema

    building, release = threading.Event(), threading.Event()

    class SlowXmlSchema:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            building.set()
            release.wait(3)

    monkeypatch.setattr(xmlschema, "XMLSchema10", SlowXmlSchema)
    schema = Schema("soap11-reject.xsd")
    builder = threading.Thread(target=lambda: schema.detailed)
    builder.start()
    try:
        assert building.wait(10)
        envelope = reject_envelope(RejectCall(101, "r", "OnlyThis"), SOAP11, Credentials(ticket="t"))
        assert schema.errors(envelope) == [], "a valid document is judged"
        assert builder.is_alive(), "while the explanations are still being built, not after"
    finally:
        release.set()
        builder.join()


def test_the_transport_keeps_at_most_in_flight_exchanges_on_the_wire() -> None:
    service = ReferenceService()
    slowed = Slowed(service, delay=0.1)  # long enough that three are on the wire together on a busy machine
    server = ReferenceServer(service).start()
    transport = Transport(TransportOptions(in_flight=3, timeout=5))
    try:
        threads = [
            threading.Thread(target=transport.send, args=(server.url, OutgoingRequest(b"<x/>", {}), SOAP11))
            for _ in range(12)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        transport.close()
        server.stop()
    assert slowed.posts == 12
    assert slowed.most == 3


def test_concurrency_is_for_the_whole_run_and_shared_by_workers() -> None:
    assert concurrency_per_process(8, 0) == 8
    assert concurrency_per_process(8, 2) == 4
    assert concurrency_per_process(1, 4) == 1
    assert concurrency_per_process(3, 4) == 1


@pytest.mark.parametrize(
    ("concurrency", "workers", "shown"),
    [
        (1, 0, "1 (one at a time)"),
        (8, 0, "8 exchanges in flight at most"),
        (8, 2, "8 for the run: 4 per worker × 2 workers, 8 exchanges in flight at most"),
        (2, 4, "2 for the run: 1 per worker × 4 workers, 4 exchanges in flight at most"),  # at least 1 each
    ],
)
def test_the_environment_row_says_how_many_exchanges_can_be_in_flight(concurrency, workers, shown) -> None:
    assert run_info.concurrency(Settings(concurrency=concurrency, workers=workers)) == shown


def test_summary_counts_every_workers_share_in_flight() -> None:
    """``summary.json``'s ``in_flight`` (and the terminal's header): at least one exchange per worker."""
    pairs = [(1, 0), (8, 0), (8, 2), (2, 4), (3, 2)]
    assert [run_info.in_flight(Settings(concurrency=c, workers=w)) for c, w in pairs] == [1, 8, 8, 4, 2]


# --- the scheduler --------------------------------------------------------------------------------


def _recording(delay: float = 0.01) -> tuple[list[tuple[str, str, float, float]], Any]:
    spans: list[tuple[str, str, float, float]] = []

    def run(job: Job[str, str]) -> str:
        began = time.monotonic()
        time.sleep(delay)
        spans.append((job.item, ",".join(job.groups), began, time.monotonic()))
        return job.item.upper()

    return spans, run


def test_cases_of_one_group_never_overlap_and_other_groups_do() -> None:
    spans, run = _recording(delay=0.05)
    ahead: Ahead[str, str] = Ahead(run, threads=4, window=16)
    groups = {"a1": ["g1"], "a2": ["g1"], "a3": ["g1"], "b1": ["g2"], "b2": ["g2"], "c": []}
    for key, group in groups.items():
        assert ahead.submit(key, key, group)
    results = {key: ahead.take(key) for key in groups}
    ahead.close()
    assert {k: j.result for k, j in results.items() if j} == {k: k.upper() for k in groups}
    for group in ("g1", "g2"):
        mine = sorted((s for s in spans if s[1] == group), key=lambda s: s[2])
        assert all(a[3] <= b[2] for a, b in pairwise(mine)), f"{group} overlapped"
    g1, g2 = ([s for s in spans if s[1] == group] for group in ("g1", "g2"))
    assert any(a[2] < b[3] and b[2] < a[3] for a in g1 for b in g2), "different groups run side by side"


def test_the_window_bounds_what_is_queued_and_pending_cases_can_be_dropped() -> None:
    release = threading.Event()

    def run(job: Job[str, str]) -> str:
        release.wait(5)
        return job.item

    ahead: Ahead[str, str] = Ahead(run, threads=1, window=3)
    assert [ahead.submit(k, k, []) for k in "abcd"] == [True, True, True, False]
    waited = time.monotonic() + 10
    while ahead.sent < 1 and time.monotonic() < waited:  # the first has started
        time.sleep(0.01)
    assert ahead.drop_pending() == 2, "the one running stays, the two waiting go"
    release.set()
    job = ahead.take("a")
    assert job is not None and job.result == "a"
    assert ahead.take("b") is None, "a dropped case is sent by its test"
    ahead.close()
    assert ahead.sent == 1


def test_an_error_on_a_thread_is_handed_to_the_test_that_takes_the_job() -> None:
    def run(job: Job[str, str]) -> str:
        raise ValueError("boom")

    ahead: Ahead[str, str] = Ahead(run, threads=2, window=4)
    ahead.submit("k", "k", [])
    job = ahead.take("k")
    ahead.close()
    assert job is not None and isinstance(job.error, ValueError) and job.result is None


def test_fanout_keeps_the_order_of_its_calls() -> None:
    fanout = Fanout(4)
    try:
        assert fanout.map(lambda i: (time.sleep(0.01 * (5 - i)), i)[1], [1, 2, 3, 4]) == [1, 2, 3, 4]
    finally:
        fanout.close()
    assert Fanout(1).map(str, [1, 2]) == ["1", "2"]


# --- the locks ------------------------------------------------------------------------------------


def test_groups_come_from_the_survey_and_everything_is_one_group_without_it() -> None:
    unknown = EffectLocks(None)
    assert unknown.groups([101, 200]) == (EVERYTHING,)
    assert unknown.same_series(202, [101, 200, 202]) is None
    locks = EffectLocks(None, [(101, None), (102, None), (200, 200), (202, 200)])
    assert locks.groups([202, 101, 200]) == ("appointment-101", "series-200")
    assert locks.same_series(202, [101, 102, 200, 202]) == [200]
    assert locks.same_series(101, [101, 102, 200, 202]) == []


def test_holding_several_groups_takes_them_in_one_order(tmp_path: Path) -> None:
    """Two threads taking the same two groups in opposite orders would deadlock without the sorting."""
    locks = EffectLocks(f"http://test.invalid/{tmp_path.name}", [(1, None), (2, None)])
    done = []

    def hold(ids: list[int]) -> None:
        for _ in range(50):
            with locks.hold(ids):
                pass
        done.append(ids)

    threads = [threading.Thread(target=hold, args=(ids,)) for ids in ([1, 2], [2, 1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(done) == 2


def test_schema_validation_from_many_threads_reports_each_documents_own_errors() -> None:
    """lxml keeps one error log per schema: without the schema's lock, one thread read another's errors."""
    schema = envelope_schema(SOAP11)
    valid = reject_envelope(RejectCall(101, "r", "OnlyThis"), SOAP11, Credentials("t"))
    invalid = reject_envelope(RejectCall(101, "r", "Sometimes"), SOAP11, Credentials("t"))
    wrong: list[str] = []

    def validate(index: int) -> None:
        for _ in range(200):
            errors = schema.errors(invalid if index % 2 else valid)
            if bool(errors) != bool(index % 2) or (errors and "Sometimes" not in str(errors[0])):
                wrong.append(f"thread {index}: {errors[:1]}")

    threads = [threading.Thread(target=validate, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


class _FakeSession:
    """What ``Lookahead`` needs of a session: a scheduler, and how a call becomes a case and goes out."""

    def __init__(self, ahead: Ahead[Any, str] | None = None) -> None:
        self.ahead: Ahead[Any, str] = ahead or Ahead(lambda job: f"sent {job.item}", threads=2, window=8)

    def generated_case(self, call: Any, expect: Any, title: str) -> Any:
        return call

    def send_ahead(self, key: object, case: Any) -> bool:
        return self.ahead.submit(key, case, ())


def test_a_property_takes_its_recorded_calls_in_order_and_stops_when_it_parts_from_them() -> None:
    session = _FakeSession()
    plan = [RejectCall(101, str(i), "OnlyThis") for i in range(6)]
    lookahead = Lookahead(session, plan, Expect.ACCEPT, "p")  # type: ignore[arg-type]
    first = lookahead.take(plan[0])
    assert first is not None and first.result == f"sent {plan[0]}"
    assert lookahead.take(plan[2]) is None, "not the next recorded call: the property sends it itself"
    assert lookahead.take(plan[1]) is not None, "the next recorded call is still taken"
    waited = time.monotonic() + 10
    while session.ahead.sent < len(plan) and time.monotonic() < waited:  # every recorded call is on its way
        time.sleep(0.01)
    for stranger in ("x", "y", "z"):
        assert lookahead.take(RejectCall(101, stranger, "OnlyThis")) is None
    assert lookahead.take(plan[2]) is None, "three unforeseen calls in a row: sending ahead has stopped"
    notes = lookahead.close()
    session.ahead.close()
    assert any("parted from its recorded calls after 2 of 6" in n for n in notes), notes
    assert any("sent ahead (--concurrency) and not used" in n for n in notes), notes


def test_the_schemas_are_built_once_when_many_threads_ask_at_the_same_moment() -> None:
    """The first reads of a concurrent run ask for the schemas together. ``functools.cache`` alone let each thread
    compile its own, at the same time, and libxml2 compiling two at once crashed the process (a segmentation
    fault in 2 of 64 strength runs) or refused a valid schema."""
    builds: list[float] = []
    overlapping: list[int] = []
    busy = threading.Semaphore(1)

    @_built_once
    def slow_schema(name: str) -> Any:
        if not busy.acquire(blocking=False):
            overlapping.append(1)
        builds.append(time.monotonic())
        time.sleep(0.05)
        busy.release()
        return object()

    start = threading.Barrier(8)
    got: list[Any] = []

    def ask() -> None:
        start.wait()
        got.append(slow_schema("soap11"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and not overlapping
    assert len({id(schema) for schema in got}) == 1


def test_a_queued_case_goes_out_as_prepared_and_is_built_again_for_a_renewed_ticket() -> None:
    """The request whose appointment groups were locked is the one sent; a target changed since (a renewed
    ticket) builds it again, so nothing goes out with the old ticket."""
    from conformance.contract.ids import IdPolicy
    from conformance.generation.cases import Target, coverage_cases
    from conformance.run.runner import Runner

    service = ReferenceService()
    server = ReferenceServer(service).start()
    transport = Transport(TransportOptions(timeout=5))
    try:
        policy = IdPolicy(allowed=tuple(REFERENCE_ALLOW_LIST))
        runner = Runner(Target(server.url, SOAP11, Credentials("old-ticket"), policy), transport)
        case = coverage_cases(policy)[0]
        prepared = runner.prepared(case)
        assert b"old-ticket" in prepared.request.body
        assert runner.execute(case, prepared).request is prepared.request  # sent as prepared: not built again
        runner.target = Target(server.url, SOAP11, Credentials("new-ticket"), policy)
        again = runner.execute(case, prepared).request
        assert b"new-ticket" in again.body and b"old-ticket" not in again.body
    finally:
        transport.close()
        server.stop()


def test_the_session_sends_a_queued_case_as_it_prepared_it() -> None:
    """``send_ahead`` hands the prepared request to the sender through the job: what was locked is what is sent."""
    from conformance.generation.cases import coverage_cases
    from conformance.run.session import SuiteSession

    session = SuiteSession(Settings(concurrency=2))
    try:
        case = coverage_cases(session.target.policy)[0]
        assert session.send_ahead("k", case)
        job = session.ahead.take("k")
        assert job is not None and job.error is None and job.payload is not None
        assert job.result.request is job.payload.request
    finally:
        session.close()
