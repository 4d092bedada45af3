"""Advisories end to end: a server that breaks only a SHOULD (here WS-I BP R1111, 200 OK for a non-fault reply; it
answers 202 Accepted) passes the run, and the advisory is in every report: the terminal table, summary.json,
JUnit (a property, not a failure) and Allure (its own category). ``--strict`` makes it fail the run."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from helpers.cli import conformance
from strength.matrix import command, environment

from conformance.reference import ReferenceServer, ReferenceService
from conformance.reference.service import Call, Reply


class Accepted202(ReferenceService):
    def success(self, version, call: Call) -> Reply:
        reply = super().success(version, call)
        reply.status = 202
        return reply


@pytest.fixture(scope="module")
def accepted_202():
    server = ReferenceServer(Accepted202()).start()
    yield server
    server.stop()


def run(url: str, tmp_path, *extra: str):
    args = command(url, "1.1", tmp_path / "out", extra)[3:]  # after "python -m conformance"
    return conformance(*[a for a in args if a != "-q"], cwd=tmp_path, env=environment())


def test_an_advisory_is_reported_everywhere_and_fails_nothing(accepted_202, tmp_path):
    done = run(accepted_202.url, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["failed"] == 0 and summary["findings"] == [] and summary["strict"] is False
    advisories = summary["advisories"]
    assert advisories and {a["check"] for a in advisories} == {"http-status"}
    assert {(a["rule"], a["level"]) for a in advisories} == {("WS-I BP R1111", "SHOULD")}
    assert summary["checks"]["http-status"]["advisory"] > 0 and summary["checks"]["http-status"]["failed"] == 0
    assert "ADVISORY http-status in" in done.stdout and "advisories" in done.stdout

    junit = ET.parse(out / "junit.xml").getroot()
    assert junit.find(".//failure") is None
    properties = [p.get("value") for p in junit.iter("property") if p.get("name") == "advisory"]
    assert properties and all("R1111 (SHOULD)" in p for p in properties)

    categories = json.loads((out / "allure-results" / "categories.json").read_text())
    advisory_category = next(c for c in categories if c["name"] == "Advisories")
    results = [json.loads(p.read_text()) for p in (out / "allure-results").glob("*-result.json")]
    marked = [r for r in results if r.get("statusDetails", {}).get("message", "").startswith("advisory: ")]
    assert marked and all(r["status"] == "passed" for r in marked)
    assert "passed" in advisory_category["matchedStatuses"]
    assert all(re.fullmatch(advisory_category["messageRegex"], r["statusDetails"]["message"]) for r in marked)


def test_strict_makes_advisories_fail_the_run(accepted_202, tmp_path):
    done = run(accepted_202.url, tmp_path, "--strict")
    assert done.returncode == 1, done.stdout[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["strict"] is True and summary["failed"] > 0 and summary["advisories"]
    assert "FAILED (--strict) advisory http-status" in done.stdout
