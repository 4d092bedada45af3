"""The generation strategies: every generated Reject is schema-valid, reasons are XML-legal and often tricky, ids
stay where the safety policy allows, and the building blocks refuse arguments that cannot work."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conformance.contract.ids import IdPolicy
from conformance.contract.messages import Credentials, reject_envelope
from conformance.contract.schemas import envelope_schema
from conformance.contract.soap import SOAP11, UPDATE_MODES
from conformance.generation.strategies import (
    TRICKY_PIECES,
    appointment_ids,
    grouped_appointment_ids,
    pieces_text,
    reject_calls,
    reject_reasons,
    unreal_ids,
)

DRAWS = settings(max_examples=300, database=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def draw_many(strategy: st.SearchStrategy, at_least: int = 270) -> list:
    """Values drawn by hypothesis' generate phase (300 examples, or fewer when the strategy has fewer values)."""
    drawn: list = []

    @DRAWS
    @given(strategy)
    def collect(value) -> None:
        drawn.append(value)

    collect()
    assert len(drawn) >= at_least, f"hypothesis stopped after {len(drawn)} examples"
    return drawn


def test_generated_calls_build_schema_valid_requests_on_allowed_ids_only():
    calls = draw_many(reject_calls(appointment_ids([101, 102])))
    schema = envelope_schema(SOAP11)

    for call in calls:
        assert call.appointment_id in (101, 102)
        assert call.update_mode in UPDATE_MODES
        errors = schema.errors(reject_envelope(call, SOAP11, Credentials(ticket="t")))
        assert not errors, f"{call!r}: {errors[0]}"
    assert {call.update_mode for call in calls} == set(UPDATE_MODES)


def test_reasons_are_xml_legal_and_often_tricky():
    reasons = draw_many(reject_reasons())

    assert not [r for r in reasons if XML_ILLEGAL.search(r)]
    with_markup = [r for r in reasons if any(c in r for c in "&<>")]
    assert len(with_markup) >= len(reasons) // 5, f"only {len(with_markup)} of {len(reasons)} reasons carry & < >"
    assert any("]]>" in r for r in reasons) and any("\r\n" in r for r in reasons)
    assert any(not r.isascii() for r in reasons)


def test_pieces_text_joins_whole_pieces_only():
    pieces = ("ab", "<", "]]>")
    for text in draw_many(pieces_text(pieces, max_pieces=3), at_least=20):  # 40 values exist
        assert re.fullmatch(r"(ab|<|\]\]>){0,3}", text), repr(text)


@pytest.mark.parametrize(("pieces", "max_pieces"), [((), 8), (TRICKY_PIECES * 3, 8), (TRICKY_PIECES, -1)])
def test_pieces_text_refuses_what_it_cannot_draw(pieces, max_pieces):
    with pytest.raises(ValueError, match="pieces_text"):
        pieces_text(pieces, max_pieces)


def test_unreal_ids_never_touch_the_allow_list_or_real_looking_ids():
    policy = IdPolicy((101, 102), (1000, 2000))
    for value in draw_many(unreal_ids(policy)):
        assert value <= 0 or 1000 <= value <= 2000, value


def test_positive_generation_needs_an_allow_list():
    with pytest.raises(ValueError, match="--appointment-id"):
        appointment_ids([])


def test_generated_ids_draw_each_group_equally_often():
    """By id, a series with four occurrences would take four calls in five; by group it takes about half."""
    calls = draw_many(reject_calls(grouped_appointment_ids([(101,), (200, 201, 202, 203)])))
    ids = Counter(call.appointment_id for call in calls)
    assert set(ids) == {101, 200, 201, 202, 203}
    assert 0.3 <= ids[101] / len(calls) <= 0.7, ids


def test_without_a_series_the_grouped_draws_are_the_plain_draws():
    """Runs whose allow-list has no series (and every embedded run) repeat their earlier examples seed for seed."""
    drawn: dict[str, list[int]] = {"plain": [], "grouped": []}
    every = settings(
        max_examples=50,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )

    allowed = (101, 102, 103, 200, 202)
    plain, grouped = appointment_ids(allowed), grouped_appointment_ids([(i,) for i in allowed])
    for name, ids in (("plain", plain), ("grouped", grouped)):
        into = drawn[name]

        @every
        @given(st.tuples(ids, st.integers()))
        def collect(value) -> None:
            into.append(value[0])  # noqa: B023 - collect() runs before the loop moves on

        collect()
    assert drawn["plain"] == drawn["grouped"] and len(set(drawn["plain"])) == len(allowed)
