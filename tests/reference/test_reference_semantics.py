"""The reference endpoint's Reject semantics, state before and after, for each mode on master and child."""

from __future__ import annotations

import threading

import pytest

from conformance.reference.store import CALLER, AppError, AppointmentStore

SERIES = (200, 201, 202, 203, 204)


def rejected(store: AppointmentStore) -> set[int]:
    return {aid for aid, (status, _n, _r) in store.snapshot().items() if status == "Declined"} - {103}


@pytest.mark.parametrize(
    ("target", "mode", "changed"),
    [
        (200, "OnlyThis", {200}),
        (200, "Unknown", {200}),
        (200, "ThisAndForward", set(SERIES)),
        (200, "StopRecurrence", set(SERIES)),
        (202, "OnlyThis", {202}),
        (202, "Unknown", {202}),
        (202, "ThisAndForward", {202, 203, 204}),
        (202, "StopRecurrence", {202, 203, 204}),
        (204, "ThisAndForward", {204}),
        (101, "ThisAndForward", {101}),
        (102, "StopRecurrence", {102}),
    ],
)
def test_each_mode_changes_exactly_its_occurrences(target, mode, changed):
    store = AppointmentStore()
    assert rejected(store) == set()
    assert set(store.reject(CALLER, target, "clash", mode)) == changed
    assert rejected(store) == changed
    for aid in changed:
        status, counter, reason = store.snapshot()[aid]
        assert (status, counter, reason) == ("Declined", 1, "clash")


def test_stop_recurrence_ends_the_series_for_the_caller_from_that_occurrence():
    store = AppointmentStore()
    store.reject(CALLER, 202, "moving", "StopRecurrence")
    assert CALLER in store.get(202).stopped_for and not store.get(201).stopped_for


def test_rejecting_again_updates_the_reason_without_double_counting():
    store = AppointmentStore()
    assert store.snapshot()[103] == ("Declined", 1, "Already booked")
    store.reject(CALLER, 103, "still booked", "OnlyThis")
    assert store.snapshot()[103] == ("Declined", 1, "still booked")


@pytest.mark.parametrize(("aid", "kind"), [(999, "does not exist"), (104, "not an invitation"), (0, "does not exist")])
def test_application_errors(aid, kind):
    with pytest.raises(AppError, match=kind):
        AppointmentStore().reject(CALLER, aid, "", "OnlyThis")


def test_concurrent_rejects_are_consistent():
    store = AppointmentStore()
    threads = [threading.Thread(target=store.reject, args=(CALLER, 200, f"r{i}", "ThisAndForward")) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(store.snapshot()[aid][:2] == ("Declined", 1) for aid in SERIES)
