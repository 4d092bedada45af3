"""Cases that need an allow-listed appointment, but not a particular one, spread over the appointment groups; the
plan may depend on nothing but the allow-list and the survey. It is what lets ``--concurrency`` overlap observed
Rejects (``test_strategies.py``: the generated calls draw every group equally often)."""

from __future__ import annotations

from collections import Counter

import pytest

from conformance.contract.ids import IdPolicy
from conformance.contract.soap import SOAP11, UPDATE_MODES
from conformance.errors import SuiteBug
from conformance.generation.cases import any_usable, auth_cases, coverage_cases, fixture_cases, shared_order
from conformance.generation.negative import negative_cases
from conformance.generation.spread import any_allowed, plan

ALLOWED = (101, 102, 103, 200, 202)
SURVEYED = IdPolicy(ALLOWED, (1000, 9999), (), ((101, None), (102, None), (103, None), (200, 7), (202, 7)))


def _every_case(policy: IdPolicy) -> list:
    return fixture_cases(policy) + coverage_cases(policy) + auth_cases(policy, True) + negative_cases(policy, SOAP11)


def test_groups_put_the_occurrences_of_a_series_together_in_allow_list_order():
    assert SURVEYED.groups == ((101,), (102,), (103,), (200, 202))
    assert IdPolicy(ALLOWED).groups == tuple((i,) for i in ALLOWED)  # not surveyed: every id alone
    unfit = IdPolicy(ALLOWED, None, ((101, "unfit"), (200, "unfit")), SURVEYED.series)
    assert unfit.groups == ((102,), (103,), (202,))


def test_every_group_ends_with_as_many_reject_cases_give_or_take_one():
    """The coverage phase gives each usable id one case per mode; the shared cases even the groups out, where the
    allow-list leaves enough of them to (the next test has one that does not)."""
    for policy in (SURVEYED, IdPolicy(ALLOWED), IdPolicy((101, 200, 201, 202, 203), None, (), SURVEYED.series[:1])):
        chosen = plan(policy, shared_order())
        load = Counter()
        for group in policy.groups:
            load[group] = len(UPDATE_MODES) * len(group) + sum(1 for i in chosen.values() if i in group)
        assert max(load.values()) - min(load.values()) <= 1, (policy.groups, load)
        assert set(chosen) == set(shared_order())


def test_a_series_already_heavier_than_the_rest_gets_no_shared_case():
    """Twelve occurrences take 48 coverage cases: every shared case goes to the single appointment, which stays
    the lighter group (the plan evens out what it can, and never adds to the heaviest)."""
    occurrences = tuple(range(200, 212))
    policy = IdPolicy((101, *occurrences), None, (), ((101, None), *((i, 7) for i in occurrences)))
    assert set(plan(policy, shared_order()).values()) == {101}


def test_a_series_hands_its_cases_to_its_occurrences_in_turn():
    chosen = Counter(plan(SURVEYED, shared_order()).values())
    assert chosen[200] >= 1 and chosen[202] >= 1 and abs(chosen[200] - chosen[202]) <= 1


def test_every_case_that_names_an_allow_listed_id_is_either_id_by_mode_coverage_or_spread():
    """A new case that picks an allow-listed id some other way would go unbalanced: it has to be in the order."""
    order = set(shared_order())
    for case in _every_case(SURVEYED):
        named = case.call.appointment_id if case.call is not None else None
        if case.fixture is not None:
            named = any_usable(SURVEYED, case.id)
        if isinstance(named, str) and named.endswith(".5"):
            named = int(named.removesuffix(".5"))
        if named in ALLOWED and not case.id.startswith("coverage/id-"):
            assert case.id in order, case.id
            assert named == plan(SURVEYED, shared_order())[case.id]


def test_the_plan_is_the_same_in_every_process_and_without_usable_ids_there_is_none():
    first = dict(plan(SURVEYED, shared_order()))
    plan.cache_clear()  # computed again, from a policy built as a worker builds it
    again = IdPolicy(SURVEYED.allowed, SURVEYED.unused, SURVEYED.unfit, SURVEYED.series)
    assert plan(again, shared_order()) == first
    nothing = IdPolicy(ALLOWED, None, tuple((i, "unfit") for i in ALLOWED))
    assert plan(nothing, shared_order()) == {}
    assert all(c.skip for c in fixture_cases(nothing))


def test_a_case_outside_the_order_is_a_bug_of_the_suite():
    with pytest.raises(SuiteBug, match="coverage/reason-new"):
        any_allowed(SURVEYED, "coverage/reason-new", shared_order())


def test_an_allow_listed_int32_edge_found_unfit_is_skipped_like_every_other_unfit_id() -> None:
    from conformance.contract.soap import INT32_MAX
    from conformance.generation.cases import coverage_cases

    why = "appointment 2147483647 is not an invitation the test user can answer"
    policy = IdPolicy(allowed=(101, INT32_MAX), unfit=((INT32_MAX, why),))
    (edge,) = [c for c in coverage_cases(policy) if c.id == f"coverage/int32-edge-{INT32_MAX}"]
    assert edge.skip and why in edge.skip
    fit = [c for c in coverage_cases(IdPolicy(allowed=(101, INT32_MAX))) if c.id == edge.id]
    assert fit[0].skip is None
