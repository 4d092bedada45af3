"""Details of the judging machinery the truth table does not reach through a whole exchange: the registry, the
exchange view's parts used on their own, and the wording of findings where the wording is the finding."""

from __future__ import annotations

import pytest
from helpers.exchanges import make_exchange
from truth_table import FAILED, observed, series, soap11_fault, success

from conformance.checks import (
    NOT_APPLICABLE,
    CheckContext,
    CheckResult,
    CheckSpec,
    Expect,
    Failure,
    Registry,
    run_checks,
)
from conformance.checks.context import bool_text, cached_property
from conformance.checks.effect import _difference, _show, effect_reason, effect_recurrence, effect_unchanged
from conformance.checks.http import _decodes
from conformance.contract.rules import SLA


def test_the_registry_refuses_a_second_check_of_the_same_name_and_keeps_report_order():
    registry = Registry()

    def judge(ctx):
        """Judges (MUST)."""

    registry.register(CheckSpec("b", "Timing", (SLA,), judge))
    registry.register(CheckSpec("a", "HTTP framing", (SLA,), judge))
    assert list(registry) == ["a", "b"] and "a" in registry and "c" not in registry and len(registry) == 2
    with pytest.raises(ValueError, match="already registered"):
        registry.register(CheckSpec("a", "Envelope", (SLA,), judge))
    assert [s.name for s in registry.select(["b", "a"])] == ["b", "a"]
    assert [s.name for s in registry.select(None)] == ["a", "b"]
    with pytest.raises(KeyError, match="no check named c"):
        registry.select(["a", "c"])
    registry.unregister("a")
    assert list(registry) == ["b"] and registry["b"].description == "Judges (MUST)."


def test_a_check_description_is_its_docstrings_first_paragraph_on_one_line():
    def judge(ctx):
        """First line
        continues.

        Second paragraph."""

    assert CheckSpec("x", "Timing", (SLA,), judge).description == "First line continues."
    assert CheckSpec("x", "Timing", (SLA,), lambda ctx: None).description == ""


def test_run_checks_runs_the_named_checks_only_and_stamps_their_names():
    results = run_checks(CheckContext(make_exchange(success(), status=202)), ["response-time", "http-status"])
    assert [r.name for r in results] == ["response-time", "http-status"]
    assert [r.status for r in results] == ["not-applicable", "advisory"]
    assert results[1].outcome.check == "http-status" and str(results[1].outcome).startswith("[http-status] ")
    assert CheckResult("x", None).status == "passed" and CheckResult("x", NOT_APPLICABLE).status == "not-applicable"


def test_the_exchange_views_cached_parts_are_documented_on_the_class():
    assert isinstance(CheckContext.__dict__["fault_code"], cached_property)
    assert CheckContext.fault_code.__doc__.startswith("Local name of the fault code")  # read on the class itself


def test_a_response_bound_smaller_than_the_reply_makes_it_too_large():
    body = success()
    assert CheckContext(make_exchange(body)).xml is not None  # the suite's default bound
    small = CheckContext(make_exchange(body), max_bytes=len(body) - 1)
    assert small.xml is None
    found = run_checks(small, ["well-formed"])[0]
    assert found.status == "failed" and "size cap" in str(found.outcome)


def test_a_fault_reason_is_cut_at_200_characters_with_white_space_collapsed():
    ctx = CheckContext(make_exchange(soap11_fault("<faultcode>s:Client</faultcode>", "x  " + "y" * 300), status=500))
    assert ctx.fault_reason == ("x " + "y" * 300)[:200] and len(ctx.fault_reason) == 200
    assert CheckContext(make_exchange(success())).fault_reason == ""


def test_an_exchange_without_an_envelope_is_told_in_words():
    empty = make_exchange(b" ", status=400, content_type="")
    empty.response.reason = "Bad Request"
    assert CheckContext(empty).outcome_text() == "HTTP 400 Bad Request with an empty body"
    page = make_exchange(b"<html>oops</html>", status=500, content_type="text/html")
    page.response.reason = ""
    assert CheckContext(page).outcome_text() == "HTTP 500 with a 17-byte body that is no SOAP envelope"
    assert CheckContext(make_exchange(success(header=FAILED))).outcome_text() == (
        "Succeeded=false (Appointment 7 does not exist)"
    )
    assert bool_text(None) == "(absent)" and bool_text(True) == "true" and bool_text(False) == "false"


def test_a_refused_reject_compares_only_the_appointments_read_after_it():
    effect = observed()
    effect.before[9] = effect.before[7]
    ctx = CheckContext(make_exchange(success(header=FAILED)), Expect.REJECT, effect=effect)
    effect.after[7] = effect.before[7]  # 7 unchanged; 9 was not read after
    assert effect_unchanged(ctx) is None


def test_a_long_reason_is_shown_by_its_beginning_and_length():
    sent = "r" * 100
    found = effect_reason(
        CheckContext(make_exchange(success()), Expect.ACCEPT, effect=observed(reason=sent, stored=""))
    )
    assert isinstance(found, Failure)
    assert "'" + "r" * 40 + "'… (100 characters)" in found.expected and "RejectReason ''" in found.got
    assert ": 0 characters stored of 100 sent" in found.got
    short = effect_reason(CheckContext(make_exchange(success()), effect=observed(reason=None, stored="x")))
    assert short.expected == "RejectReason nil" and short.got.startswith("RejectReason 'x': 1 characters stored of 0")


def test_an_occurrence_read_before_but_not_after_is_not_judged():
    effect = series("ThisAndForward", "Invitation")
    del effect.after[8]
    assert effect_recurrence(CheckContext(make_exchange(success()), effect=effect)) is None


def test_a_reason_is_shown_whole_up_to_60_characters():
    assert _show("a" * 60) == repr("a" * 60)
    assert _show("a" * 61) == repr("a" * 40) + "… (61 characters)"
    assert _show(None) == "nil"
    assert _difference("busy", "busy!!") == ": 6 characters stored of 4 sent"  # stored longer than sent
    assert _difference("busy", "bxsy") == ": differs at character 2 ('u' sent, 'x' stored)"


@pytest.mark.parametrize(
    ("body", "charset", "decodes"),
    [
        (b"\xff\xfe<\x00x\x00", "utf-16", True),  # a byte order mark, whole code units
        (b"\xfe\xff\x00<\x00x", "utf-16", True),
        (b"\xff\xfe<\x00x", "utf-16", False),  # half a code unit at the end
        (b"<\x00x\x00", "utf-16le", True),  # no byte order mark: starts with '<'
        (b"\x00<\x00x", "utf-16be", True),
        (b"<\x00x", "utf-16le", False),
        (b"<x", "utf-16", False),  # UTF-8 bytes under a UTF-16 charset
        (b"\xff\xfe<\x00", "iso-8859-1", False),  # a UTF-16 byte order mark under another charset
        (b"caf\xe9", "iso-8859-1", True),
        (b"caf\xe9", "utf-8", False),
        (b"<x/>", "x-unknown", False),
    ],
)
def test_a_body_decodes_in_its_charset(body, charset, decodes):
    assert _decodes(body, charset) is decodes


def test_a_reply_without_an_envelope_has_no_schema_errors_to_attribute():
    errors = CheckContext(make_exchange(b"", status=400, content_type="")).schema_errors
    assert errors == {"envelope": [], "body": [], "fault": [], "header": []}
