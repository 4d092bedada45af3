"""One observed Reject at a time per series, across the run's threads and processes.

The effect checks read an appointment, Reject it, read it again and put it back. Two exchanges doing that on the
same appointments at once (two xdist workers, or two cases in flight under ``--concurrency``) would see each
other's changes: a false alarm. A Reject of one appointment changes no other, except the occurrences of its series
(``ThisAndForward``, ``StopRecurrence``), so the appointments fall into *groups*: a series (every allow-listed
occurrence of it), or a single appointment. ``EffectLocks`` holds one exclusive lock per group, from the first read
to the last; a request that names an allow-listed id without being observed (a negative case) holds its group too,
so nothing lands between another case's before and after.

The groups come from the survey of the allow-listed appointments (``Recurrence/RecurrenceId``, read once before the
first Reject). Without a survey every appointment is in one group: one observation at a time, as before groups.

Each group's lock is a thread lock and an exclusive ``flock`` on a file in the temporary directory named after the
endpoint and the group, so every process of a run (and any other run on this machine against the same endpoint)
waits its turn. Where ``fcntl`` is missing (Windows) it is a lock within the process, and the README says that
parallel workers then must not observe effects on a shared endpoint. Several groups are always taken in one order
(sorted), so two holders cannot wait for each other.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType

from ..contract.ids import group_of

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

EVERYTHING = "all"  # the one group when series are unknown


class EffectLock:
    """One group's exclusive lock: within the process, and (on a configured endpoint) across processes."""

    def __init__(self, endpoint: str | None, group: str = EVERYTHING) -> None:
        """``endpoint`` ``None``: a lock within this process only (the embedded endpoint lives in it)."""
        self._thread_lock = threading.Lock()
        self.path: Path | None = None
        if endpoint is not None and fcntl is not None:
            digest = hashlib.sha256(f"{endpoint}\n{group}".encode()).hexdigest()[:16]
            self.path = Path(tempfile.gettempdir()) / f"conformance-effects-{digest}.lock"
        self._file = None

    def __enter__(self) -> EffectLock:
        self._thread_lock.acquire()
        if self.path is not None:
            self._file = open(self.path, "a+b")
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if self._file is not None:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
                self._file.close()
                self._file = None
        finally:
            self._thread_lock.release()


class EffectLocks:
    """The groups of the allow-listed appointments and a lock for each."""

    def __init__(self, endpoint: str | None, series: Iterable[tuple[int, int | None]] = ()) -> None:
        self.endpoint = endpoint
        self._series: dict[int, int | None] = {}
        self._locks: dict[str, EffectLock] = {}
        self._guard = threading.Lock()
        self.learn(series)

    def learn(self, series: Iterable[tuple[int, int | None]]) -> None:
        """Each appointment's series (``None``: none), as surveyed; before any case is sent."""
        self._series.update(series)

    def group(self, appointment_id: int) -> str:
        """``series-R``, ``appointment-N``; everything in one group while the series are unknown."""
        return group_of(appointment_id, self._series) if self._series else EVERYTHING

    def groups(self, ids: Iterable[int]) -> tuple[str, ...]:
        return tuple(sorted({self.group(i) for i in ids}))

    def same_series(self, appointment_id: int, allowed: Iterable[int]) -> list[int] | None:
        """The other allowed ids surveyed in ``appointment_id``'s series (``None``: series unknown, read them all)."""
        if not self._series:
            return None
        series = self._series.get(appointment_id)
        return [i for i in allowed if i != appointment_id and series is not None and self._series.get(i) == series]

    @contextmanager
    def hold(self, ids: Iterable[int]) -> Iterator[None]:
        """Hold the groups of ``ids`` (sorted, so that no two holders wait for each other)."""
        with ExitStack() as stack:
            for group in self.groups(ids):
                stack.enter_context(self._lock(group))
            yield

    def _lock(self, group: str) -> EffectLock:
        with self._guard:
            lock = self._locks.get(group)
            if lock is None:
                lock = self._locks[group] = EffectLock(self.endpoint, group)
            return lock
