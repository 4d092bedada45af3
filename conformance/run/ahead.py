"""Sending cases ahead of the tests that report them (``--concurrency N``).

pytest reports one test at a time; against a slow endpoint most of that time is spent waiting for the wire.
``Ahead`` sends the cases of the next tests on its own threads while the current test waits for its result, and
hands each result over when its test asks for it, in test order: what a test reports (its checks, its Allure
result, its summary record) is computed from its own exchange exactly as in a serial run.

Bounds:

- at most ``threads`` cases run at once, and the transport lets at most N exchanges be on the wire at once
  (``transport.http.Transport``): the reads around an observed Reject share that budget;
- at most ``window`` cases are queued or done but not yet reported, so a run that stops (``--max-failures``,
  Ctrl-C, a dead ticket) has sent at most that many cases beyond its last report; those not started are dropped;
- a case that touches allow-listed appointments starts only when no other running case touches the same group
  (``run/locks.py``): the oldest case whose groups are free goes first, so the test being waited for is never
  overtaken by a later case of its own group.

``Fanout`` runs independent calls of one observation (the reads of a series' occurrences) side by side.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Job(Generic[T, R]):
    """One case sent ahead: what it touches, what it was sent with, and what came back (or what went wrong)."""

    key: Hashable
    item: T
    groups: tuple[str, ...]
    done: threading.Event = field(default_factory=threading.Event)
    result: R | None = None
    error: BaseException | None = None
    context: Any = None  # set by the session's sender: what the case was sent with (the target, its credentials)
    payload: Any = None  # what the submitter prepared for the sender (the request, built and validated)


class Ahead(Generic[T, R]):
    def __init__(
        self,
        run: Callable[[Job[T, R]], R],
        *,
        threads: int,
        window: int,
        on_take: Callable[[Job[T, R]], None] | None = None,
    ) -> None:
        """``on_take``: called with each job its test takes, before waiting for it (``run/journal.py``)."""
        self._run = run
        self._on_take = on_take
        self.threads = threads
        self.window = window
        self._cond = threading.Condition()
        self._pending: list[Job[T, R]] = []  # in test order
        self._jobs: dict[Hashable, Job[T, R]] = {}  # submitted and not yet taken
        self._busy: dict[str, int] = {}
        self._stopped = False
        self._workers: list[threading.Thread] = []
        self.sent = 0  # cases started

    def outstanding(self) -> int:
        with self._cond:
            return len(self._jobs)

    def has(self, key: Hashable) -> bool:
        with self._cond:
            return key in self._jobs

    def submit(self, key: Hashable, item: T, groups: Sequence[str], payload: Any = None) -> bool:
        """Queue ``item`` (``False``: the window is full or the scheduler stopped; the test sends it itself)."""
        with self._cond:
            if self._stopped or len(self._jobs) >= self.window or key in self._jobs:
                return False
            job: Job[T, R] = Job(key, item, tuple(groups), payload=payload)
            self._jobs[key] = job
            self._pending.append(job)
            self._start_workers()
            self._cond.notify()
            return True

    def take(self, key: Hashable) -> Job[T, R] | None:
        """The finished job of ``key``, waiting for it if it is on its way (``None``: never submitted)."""
        with self._cond:
            job = self._jobs.pop(key, None)
        if job is None:
            return None
        if self._on_take is not None:
            self._on_take(job)
        job.done.wait()
        return job

    def drop_pending(self, which: Callable[[Hashable], bool] | None = None) -> int:
        """Forget the queued cases that have not started: every one (the run stops, or the credentials changed),
        or those whose key ``which`` picks (a property that stops sending ahead)."""
        with self._cond:
            kept: list[Job[T, R]] = []
            dropped: list[Job[T, R]] = []
            for job in self._pending:
                (dropped if which is None or which(job.key) else kept).append(job)
            self._pending = kept
            for job in dropped:
                self._jobs.pop(job.key, None)
            return len(dropped)

    def close(self) -> list[Job[T, R]]:
        """Drop what has not started, let what has started finish (each exchange is bounded by its deadline); the
        jobs that started and that no test took: sent, and never reported (the run stopped first)."""
        with self._cond:
            self._stopped = True
            queued = {id(job) for job in self._pending}
            untaken = [job for job in self._jobs.values() if id(job) not in queued]
            self._pending.clear()
            self._jobs.clear()
            self._cond.notify_all()
        for worker in self._workers:
            worker.join()
        return untaken

    # ---------------------------------------------------------------------------------------------

    def _start_workers(self) -> None:
        while len(self._workers) < min(self.threads, len(self._pending) + self._active()):
            worker = threading.Thread(target=self._work, name=f"conformance-ahead-{len(self._workers)}", daemon=True)
            self._workers.append(worker)
            worker.start()

    def _active(self) -> int:
        return sum(self._busy.values())

    def _ready(self) -> Job[T, R] | None:
        for job in self._pending:
            if not any(self._busy.get(g) for g in job.groups):
                return job
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                job = self._ready()
                while job is None and not self._stopped:
                    self._cond.wait()
                    job = self._ready()
                if job is None:
                    return
                self._pending.remove(job)
                for group in job.groups or ("",):
                    self._busy[group] = self._busy.get(group, 0) + 1
                self.sent += 1
            try:
                job.result = self._run(job)
            except BaseException as exc:
                job.error = exc
            finally:
                with self._cond:
                    for group in job.groups or ("",):
                        self._busy[group] -= 1
                    job.done.set()
                    self._cond.notify_all()


class Fanout:
    """``map`` over independent calls, side by side on ``threads`` threads (in order; one thread: a plain loop)."""

    def __init__(self, threads: int) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="conformance-fanout") if threads > 1 else None

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self._pool is None or len(items) < 2:
            return [fn(item) for item in items]
        return list(self._pool.map(fn, items))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
