"""Judging a response is bounded: no reply can hold a case for long or exhaust memory, whatever it holds
(attributes by the million, elements by the hundred thousand), and every reply still gets a clear finding."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers.exchanges import make_exchange

from conformance.checks import REGISTRY, CheckContext, Expect, run_check, run_checks
from conformance.contract.parsing import RESPONSE_BOUNDS, markup_counts
from conformance.contract.soap import SERVICES82_NS

HERE = Path(__file__).resolve().parent
ENVELOPE = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">{header}<s:Body>{body}</s:Body></s:Envelope>'
)
SUCCEEDED = f'<s:Header><Succeeded xmlns="{SERVICES82_NS}">true</Succeeded></s:Header>'


def with_attributes(count: int) -> bytes:
    attributes = " ".join(f'a{i}=""' for i in range(count))
    return ENVELOPE.format(header=SUCCEEDED, body=f'<RejectResponse xmlns="{SERVICES82_NS}" {attributes}/>').encode()


def with_header_elements(count: int) -> bytes:
    header = "<s:Header>" + "<x/>" * count + "</s:Header>"
    return ENVELOPE.format(header=header, body=f'<RejectResponse xmlns="{SERVICES82_NS}"/>').encode()


JUDGE = textwrap.dedent(
    """
    import json, resource, sys, time
    sys.path[:0] = [{tests!r}, {here!r}]
    from helpers.exchanges import make_exchange
    from test_bounded_judging import {maker}
    from conformance.checks import CheckContext, Expect, run_checks
    body = {maker}({count})
    start = time.perf_counter()
    results = run_checks(CheckContext(make_exchange(body), Expect.ACCEPT))
    seconds = time.perf_counter() - start
    found = {{r.name: str(r.outcome) for r in results if r.status in ("failed", "advisory")}}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({{"bytes": len(body), "seconds": seconds, "rss_mb": rss, "found": found}}))
    """
)


def judge_in_a_process(maker: str, count: int) -> dict:
    """Judge a generated reply in a fresh interpreter, to read its own peak memory."""
    done = subprocess.run(
        [sys.executable, "-c", JUDGE.format(maker=maker, count=count, tests=str(HERE.parent), here=str(HERE))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_9_mb_reply_with_a_million_attributes_is_judged_at_once_in_bounded_memory():
    judged = judge_in_a_process("with_attributes", 900_000)
    assert 9_000_000 < judged["bytes"] < 10 * 1024 * 1024  # under the size cap: the markup bound stops it
    assert judged["seconds"] < 1.0 and judged["rss_mb"] < 300, judged
    assert list(judged["found"]) == ["well-formed"]
    assert "beyond the suite's judging bound" in judged["found"]["well-formed"]


@pytest.mark.parametrize(("maker", "count"), [("with_attributes", 2_000), ("with_header_elements", 15_000)])
def test_replies_within_the_bound_are_explained_without_runaway_cost(maker, count):
    """2,000 attributes cost 25 s when xmlschema explained every error; 100,000 header elements 48 s."""
    judged = judge_in_a_process(maker, count)
    assert judged["seconds"] < 2.0 and judged["rss_mb"] < 300, judged
    schema_findings = {k: v for k, v in judged["found"].items() if k.endswith("-schema") or k == "response-headers"}
    assert schema_findings, judged["found"]  # still judged, and said where


def test_beyond_the_bound_is_a_clear_finding_and_nothing_else():
    body = with_header_elements(RESPONSE_BOUNDS.max_markup + 1)
    assert max(markup_counts(body)) > RESPONSE_BOUNDS.max_markup
    results = {r.name: r for r in run_checks(CheckContext(make_exchange(body), Expect.ACCEPT))}
    assert results["well-formed"].status == "failed" and "judging bound" in str(results["well-formed"].outcome)
    assert {n for n, r in results.items() if r.status == "failed"} == {"well-formed"}


def test_markup_is_counted_in_utf16_too():
    body = with_attributes(30).decode().encode("utf-16")
    tags, values = markup_counts(body)
    assert tags >= 5 and values >= 30


def test_a_small_invalid_reply_is_still_explained_with_the_offending_value():
    body = ENVELOPE.format(
        header=f'<s:Header><Succeeded xmlns="{SERVICES82_NS}">maybe</Succeeded></s:Header>',
        body=f'<RejectResponse xmlns="{SERVICES82_NS}"/>',
    ).encode()
    found = run_check(REGISTRY["response-headers"], CheckContext(make_exchange(body)))
    assert "'maybe' is not a boolean value" in str(found) and "Succeeded" in found.outcome.where


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="x.xsl"?>' + with_attributes(0),
        with_attributes(0).replace(b"<s:Body>", b"<s:Body><?trace app01?>"),
    ],
    ids=["before-the-envelope", "inside-the-body"],
)
def test_a_processing_instruction_is_a_violation(body):
    found = run_check(REGISTRY["well-formed"], CheckContext(make_exchange(body), Expect.ACCEPT))
    assert found.status == "failed" and "processing instructions" in str(found.outcome)
    assert "R1009" in str(found.outcome)


def test_the_xml_declaration_is_not_a_processing_instruction():
    body = b'<?xml version="1.0" encoding="utf-8"?>' + with_attributes(0)
    assert run_check(REGISTRY["well-formed"], CheckContext(make_exchange(body))).status == "passed"


def test_judging_the_2000_attribute_reply_in_process_stays_fast():
    start = time.perf_counter()
    run_checks(CheckContext(make_exchange(with_attributes(2_000)), Expect.ACCEPT))
    assert time.perf_counter() - start < 2.0
