"""A property's calls sent ahead of hypothesis (``--concurrency N``), without changing what hypothesis does.

Hypothesis runs one example at a time, and each example may depend on the last (shrinking always does). So the
property runs twice. First a *recording pass*: the same strategy, seed, settings and example database (read-only:
it neither saves nor deletes), with a body that only notes each call; while every example passes, hypothesis
draws exactly these calls in this order when it runs the property for real, because nothing else it sees differs.
Then those calls go out, up to N at a time and a window ahead, and the *real pass* runs the property as before:
each example takes the result of its call when the call is the next one recorded, or sends its call itself when
it is not (a shrink step, a call the recording did not foresee).

What this keeps: every example is judged in the property, in hypothesis' order, so a failure still shrinks to a
minimal example (shrink steps are sent one at a time); ``--seed`` draws the same calls whatever N is; the example
database still replays a stored failure first (the recording pass replays it too, and the real pass fails on it
before anything recorded after it is used). ``--max-examples`` still counts the property's examples.

What it costs: the recording pass (hypothesis alone, about 2 ms per example), and after a failure the calls sent
ahead of it that are never used: at most the window. If the real pass parts from the recording for good (three
calls in a row not foreseen), sending ahead stops and the rest goes out one at a time; the report says so.
"""

from __future__ import annotations

from ..checks.context import Expect
from ..contract.messages import RejectCall
from ..run.ahead import Job
from ..run.runner import CaseResult
from ..run.session import SuiteSession

MISSES = 3  # calls in a row the recording did not foresee before sending ahead stops


class Lookahead:
    def __init__(self, session: SuiteSession, plan: list[RejectCall], expect: Expect, title: str) -> None:
        assert session.ahead is not None
        self.session = session
        self.ahead = session.ahead
        self.plan = plan
        self.expect = expect
        self.title = title
        self.cursor = 0  # the next recorded call the property should ask for
        self.queued = 0  # recorded calls handed to the scheduler so far
        self.taken = 0
        self.misses = 0
        self.parted = False
        self.stopped = False
        self.top_up()

    def take(self, call: RejectCall) -> Job[object, CaseResult] | None:
        """The result of ``call`` sent ahead, when it is the next recorded call (``None``: send it now)."""
        if self.stopped:
            return None
        if self.cursor < len(self.plan) and self.plan[self.cursor] == call:
            key = self._key(self.cursor)
            self.cursor += 1
            self.misses = 0
            job = self.ahead.take(key)
            self.top_up()
            self.taken += job is not None
            return job
        self.misses += 1
        if self.misses >= MISSES:
            self.parted = True
            self.stop()
        return None

    def stop(self) -> None:
        """No more calls go out ahead (a failure is being shrunk, or the property parted from the recording)."""
        if not self.stopped:
            self.stopped = True
            self.ahead.drop_pending(self._mine)  # the next property's calls, queued already, still go out

    def _mine(self, key: object) -> bool:
        return isinstance(key, tuple) and key[:2] == ("generated", self.title)

    def close(self) -> list[str]:
        """Stop, and what the report should say about calls sent ahead and not used."""
        self.stop()
        unused = 0
        for index in range(self.cursor, self.queued):
            job = self.ahead.take(self._key(index))
            unused += job is not None and (job.result is not None or job.error is not None)
        notes = []
        if unused:
            notes.append(
                f"{unused} generated call(s) were sent ahead (--concurrency) and not used: the property stopped "
                "before it reached them"
            )
        if self.parted:
            notes.append(
                f"the property parted from its recorded calls after {self.taken} of {len(self.plan)}; the rest "
                "went out one at a time"
            )
        return notes

    def _key(self, index: int) -> tuple[str, str, int]:
        return ("generated", self.title, index)

    def top_up(self) -> None:
        """Queue recorded calls while the window has room."""
        while not self.stopped and self.queued < len(self.plan) and self.ahead.outstanding() < self.ahead.window:
            case = self.session.generated_case(self.plan[self.queued], self.expect, self.title)
            self.session.send_ahead(self._key(self.queued), case)  # one the suite cannot build: its example says
            self.queued += 1
