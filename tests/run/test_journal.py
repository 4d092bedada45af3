"""An xdist worker's record of what it sent ahead (``run/journal.py``): what the controller reads when the run
stops, because a worker's end-of-session message does not get through a Ctrl-C."""

from __future__ import annotations

import threading
import time
from collections import Counter

from conformance.run.ahead import Ahead
from conformance.run.journal import DONE, END, SENT, TAKEN, SentJournal, describe, read_journals

CALLS = ("generated", "valid-calls-accepted")


def test_sent_and_not_taken_is_unreported_and_sent_and_not_done_in_an_unended_file_is_cut_short(tmp_path) -> None:
    finished = SentJournal(tmp_path / "gw0-1.log")
    for key, case in [
        ("a", "coverage/a"),
        ("b", "coverage/b"),
        ((*CALLS, 0), "generated/v"),
        ((*CALLS, 1), "generated/v"),
    ]:
        finished.write(SENT, key, case)
        finished.write(DONE, key)
    finished.write(TAKEN, "a")
    finished.write(TAKEN, (*CALLS, 0))
    finished.write(END)
    killed = SentJournal(tmp_path / "gw1-2.log")
    killed.write(SENT, "c", "coverage/c")
    killed.write(SENT, "d", "coverage/d")
    killed.write(DONE, "d")
    with (tmp_path / "gw1-2.log").open("a", encoding="utf-8") as f:
        f.write('["sent", "e", "cover')  # the worker was killed in the middle of a line

    found = read_journals(tmp_path, wait_s=0.2)

    assert describe(found.sent) == ["coverage/b", "coverage/c", "coverage/d", "generated/v (1 call)"]
    assert describe(found.cut_short) == ["coverage/c"], "only the file that never ended has cases cut short"


def test_an_unended_file_is_waited_for_until_its_worker_ends_it(tmp_path) -> None:
    journal = SentJournal(tmp_path / "gw0-1.log")
    journal.write(SENT, "a", "coverage/a")

    def finish() -> None:
        time.sleep(0.3)
        journal.write(DONE, "a")
        journal.write(END)

    threading.Thread(target=finish).start()
    began = time.monotonic()
    found = read_journals(tmp_path, wait_s=10)
    assert time.monotonic() - began < 5
    assert describe(found.sent) == ["coverage/a"] and not found.cut_short


def test_a_worker_that_sent_nothing_ahead_leaves_no_file(tmp_path) -> None:
    SentJournal(tmp_path / "gw0-1.log").write(END)
    assert list(tmp_path.iterdir()) == []
    assert read_journals(tmp_path / "missing", wait_s=0).sent == Counter()


def test_a_test_that_asks_for_its_case_takes_it_before_it_waits(tmp_path) -> None:
    """A test stopped by Ctrl-C while it waited for its case is named as running, never also as unreported."""
    release = threading.Event()
    taken: list[object] = []
    ahead: Ahead[str, str] = Ahead(
        lambda job: release.wait(5) and "done", threads=1, window=2, on_take=lambda j: taken.append(j.key)
    )
    assert ahead.submit("k", "case", ())
    waiter = threading.Thread(target=ahead.take, args=("k",))
    waiter.start()
    deadline = time.monotonic() + 5
    while not taken and time.monotonic() < deadline:
        time.sleep(0.01)
    assert taken == ["k"], "taken while its job is still on its way"
    release.set()
    waiter.join(5)
    assert ahead.close() == []
