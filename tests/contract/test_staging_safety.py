"""Staging safety: on a configured endpoint no Reject ever names an id outside the allow-list or the
cannot-be-real range, whatever hypothesis generates; ``--rate-limit`` holds; ``--max-failures`` stops early.
The id guards are unit-tested on the forms a lenient server could still read as a real id."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

import pytest
from helpers import hostile
from lxml import etree

from conformance.checks import Expect
from conformance.contract.ids import IdPolicy, integer_value
from conformance.contract.messages import Credentials
from conformance.contract.soap import INT32_MAX, INT32_MIN, SERVICES82_NS, SOAP11
from conformance.errors import SafetyViolation
from conformance.generation.cases import Case, Target
from conformance.reference import REFERENCE_TICKET, ReferenceServer, ReferenceService
from conformance.reference.service import Reply
from conformance.run import runner
from conformance.transport import http as transport

ALLOWED = (101, 102)
UNUSED = (2_000_000_000, 2_100_000_000)
POLICY = IdPolicy(ALLOWED, UNUSED)
_ID = re.compile(rb"<(?:[\w.-]+:)?AppointmentId\b[^>]*>([^<]*)<")  # start tags: the text that follows


class RecordingService(ReferenceService):
    """The reference endpoint, noting the time of every POST and the AppointmentId texts it carried."""

    def __init__(self) -> None:
        super().__init__()
        self.posts: list[tuple[float, list[str]]] = []
        self._lock = threading.Lock()

    def handle(self, method, path, query, headers, body, base_url) -> Reply:
        if method == "POST":
            with self._lock:
                self.posts.append((time.monotonic(), [m.decode("utf-8", "replace") for m in _ID.findall(body)]))
        return super().handle(method, path, query, headers, body, base_url)


class FailingService(RecordingService):
    """Answers every POST with an HTML error page: every case fails."""

    def handle(self, method, path, query, headers, body, base_url) -> Reply:
        super().handle(method, path, query, headers, body, base_url)
        if method != "POST":
            return super().handle(method, path, query, headers, body, base_url)
        return Reply(500, {"Content-Type": "text/html"}, b"<html><title>Runtime Error</title></html>")


def run_against(service: RecordingService, tmp_path, *args: str) -> subprocess.CompletedProcess:
    server = ReferenceServer(service).start()
    env = hostile.suite_env(CONFORMANCE_TICKET=REFERENCE_TICKET)
    try:
        return subprocess.run(
            [sys.executable, "-m", "conformance", "run", "--endpoint", server.url, "--report-dir", "out", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
            env=env,
        )
    finally:
        server.stop()


def forbidden(texts: list[str]) -> list[int]:
    """The ids among ``texts`` that a server could take for a real appointment outside the allow-list."""
    values = [integer_value(t) for t in texts]
    return [v for v in values if v is not None and not POLICY.permits(v)]


def test_no_reject_names_a_real_id_outside_the_allow_list_whatever_hypothesis_generates(tmp_path):
    service = RecordingService()
    done = run_against(
        service,
        tmp_path,
        "--appointment-id",
        "101,102",
        "--unused-ids",
        f"{UNUSED[0]}-{UNUSED[1]}",
        "--max-examples",
        "200",
        "--seed",
        "20240611",
    )
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-2000:]
    assert "refusing to send" not in done.stdout  # nothing generated even had to be stopped by the guard
    ids = [text for _at, texts in service.posts for text in texts]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    generated = {c["case"]: c["exchanges"] for c in summary["cases"] if c["phase"] == "generated"}
    assert all(count >= 200 for count in generated.values()) and len(generated) == 2, generated
    assert summary["errors"] == []
    assert len(ids) >= 400  # every generated example reached the endpoint, and was inspected here
    assert {integer_value(t) for t in ids} >= {101, 102}  # the allow-list was used…
    assert any((integer_value(t) or 0) > UNUSED[0] for t in ids)  # …and the surely-unused range
    assert forbidden(ids) == []
    skipped = [s["reason"] for s in summary["skipped_cases"]]
    assert any("skipped for safety" in reason for reason in skipped), skipped  # e.g. the int32 maximum


def test_the_rate_limiter_spaces_calls_evenly(monkeypatch):
    clock, slept = [100.0], []
    monkeypatch.setattr(transport.time, "monotonic", lambda: clock[0])

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        clock[0] += seconds

    monkeypatch.setattr(transport.time, "sleep", sleep)
    limiter = transport.RateLimiter(4)
    for _ in range(5):
        limiter.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]  # the first call goes at once, then one every 1/4 s
    clock[0] += 10  # idle time is not saved up for a burst
    limiter.wait()
    limiter.wait()
    assert slept == [0.25] * 5  # the first call after a pause goes at once, the next waits


def test_the_rate_limit_holds_over_a_whole_run(tmp_path):
    service, limit = RecordingService(), 25.0
    done = run_against(
        service,
        tmp_path,
        "--appointment-id",
        "101",
        "--rate-limit",
        str(limit),
        "--max-examples",
        "15",
        "--",
        "-k",
        "coverage or generated",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    times = sorted(at for at, _texts in service.posts)
    assert len(times) >= 40
    achieved = (len(times) - 1) / (times[-1] - times[0])
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert achieved <= limit * 1.05, f"{achieved:.1f} requests/s over {len(times)} requests"
    assert busiest <= limit + 1, f"{busiest} requests within one second"


@pytest.mark.parametrize("workers", ["0", "2"], ids=["serial", "xdist"])
def test_max_failures_stops_the_run_early(tmp_path, workers):
    """Stopping at ``--max-failures`` is the run ending as asked, never an interruption (xdist ends it with a
    ``KeyboardInterrupt`` subclass of its own): exit 1 with the violations, not 130."""
    service = FailingService()
    done = run_against(service, tmp_path, "--appointment-id", "101", "--max-failures", "3", "--workers", workers)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Ctrl-C" not in done.stdout
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["interrupted"] is False and summary["failed"] >= 3
    if workers != "0":
        return  # each worker may have a case in flight when the third failure arrives
    rejects = [ids for _time, ids in service.posts if ids]  # the other POSTs read appointments (an AppointmentEntityId)
    assert len(rejects) == 3  # one Reject per failed case, and not one more
    suite = ET.parse(tmp_path / "out" / "junit.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    others = [c for c in cases if c not in failed]  # documentation findings, and skips (101 cannot be read)
    assert len(failed) == 3 and all(
        "test_documentation" in c.get("name") or c.find("skipped") is not None for c in others
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["failed"] == 3 and summary["passed"] == 0


# --- the guards ---------------------------------------------------------------------------------------------


def envelope(id_xml: str, namespace: str = SERVICES82_NS) -> etree._Element:
    return etree.fromstring(
        f"<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/' xmlns:so='{namespace}'><s:Body>"
        f"<so:Reject>{id_xml}<so:RejectReason/></so:Reject></s:Body></s:Envelope>"
    )


@pytest.mark.parametrize(
    "content",
    ["101", "102", "0", "-5", str(INT32_MIN), str(INT32_MAX + 1), "2000000000", "2100000000", "abc", "1.5", "", " "],
)
def test_the_guard_lets_through_allow_listed_and_cannot_be_real_ids(content):
    POLICY.guard(envelope(f"<so:AppointmentId>{content}</so:AppointmentId>"))


@pytest.mark.parametrize(
    "id_xml",
    [
        "<so:AppointmentId>103</so:AppointmentId>",
        "<so:AppointmentId> 103 </so:AppointmentId>",
        "<so:AppointmentId>+103</so:AppointmentId>",
        "<so:AppointmentId>000103</so:AppointmentId>",
        f"<so:AppointmentId>{INT32_MAX}</so:AppointmentId>",
        "<so:AppointmentId>1999999999</so:AppointmentId>",
        "<so:AppointmentId>1<!-- hidden -->03</so:AppointmentId>",
        "<so:AppointmentId><![CDATA[103]]></so:AppointmentId>",
        "<so:AppointmentId>&#49;03</so:AppointmentId>",
        "<so:AppointmentId>101</so:AppointmentId><so:AppointmentId>103</so:AppointmentId>",
        "<x:AppointmentId xmlns:x='urn:elsewhere'>103</x:AppointmentId>",
        "<AppointmentId>103</AppointmentId>",
    ],
    ids=[
        "plain",
        "whitespace",
        "plus-sign",
        "leading-zeros",
        "int32-max",
        "just-below-unused",
        "split-by-comment",
        "cdata",
        "char-ref",
        "second-id",
        "other-namespace",
        "unqualified",
    ],
)
def test_the_guard_refuses_any_form_of_a_real_id_outside_the_allow_list(id_xml):
    with pytest.raises(SafetyViolation, match="is not allow-listed and could be real"):
        POLICY.guard(envelope(id_xml))
    with pytest.raises(SafetyViolation):
        POLICY.guard_bytes(etree.tostring(envelope(id_xml)))


def test_without_an_allow_list_no_positive_id_is_permitted_outside_the_unused_range():
    policy = IdPolicy((), None)
    assert not policy.permits(1) and not policy.permits(INT32_MAX) and policy.permits(0) and policy.permits(-1)
    assert policy.permits(INT32_MAX + 1) and policy.permits(INT32_MIN - 1)


TARGET = Target("http://127.0.0.1:1/x", SOAP11, Credentials(REFERENCE_TICKET), POLICY)


def raw(id_text: str) -> bytes:
    return f"<s:Envelope><s:Body><so:Reject><so:AppointmentId>{id_text}</so:AppointmentId>".encode()


@pytest.mark.parametrize("id_text", ["101", " 102 ", "-7", "2050000000", "abc", "99999999999"])
def test_the_raw_bytes_guard_lets_through_permitted_ids(id_text):
    runner._guard_raw(raw(id_text), TARGET)


@pytest.mark.parametrize("id_text", ["103", " 103", "1999999999", f"{INT32_MAX}", "1<!-- -->03"])
def test_the_raw_bytes_guard_refuses_a_real_id(id_text):
    with pytest.raises(SafetyViolation, match="refusing to send raw request"):
        runner._guard_raw(raw(id_text), TARGET)


@pytest.mark.parametrize("id_text", ["+103", "<![CDATA[103]]>", "&#49;03"])
def test_the_raw_bytes_guard_refuses_a_disguised_real_id(id_text):
    with pytest.raises(SafetyViolation):
        runner._guard_raw(raw(id_text), TARGET)


def test_the_raw_bytes_guard_is_what_the_runner_applies_to_raw_cases():
    case = Case("negative/raw", "negative", "raw", Expect.REJECT, raw=raw("103"), schema_valid=False)
    with pytest.raises(SafetyViolation):
        runner.Runner(TARGET, transport=None).prepare(case)  # type: ignore[arg-type]
