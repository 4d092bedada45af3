"""One observed Reject at a time across the run's processes.

The effect checks read an appointment, Reject it, read it again and put it back. Two xdist workers doing that on
the same appointments at once would see each other's changes: a false alarm. ``EffectLock`` is an exclusive lock
on a file in the temporary directory, named after the endpoint, held from the first read to the last; every
process of a run (and any other run on this machine against the same endpoint) waits its turn. Where ``fcntl``
is missing (Windows), it is a lock within the process, and the README says that parallel workers then must not
observe effects on a shared endpoint.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class EffectLock:
    def __init__(self, endpoint: str | None) -> None:
        """``endpoint`` ``None``: a lock within this process only (the embedded endpoint lives in it)."""
        self._thread_lock = threading.Lock()
        self.path: Path | None = None
        if endpoint is not None and fcntl is not None:
            digest = hashlib.sha256(endpoint.encode()).hexdigest()[:16]
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
