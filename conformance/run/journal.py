"""What an xdist worker sent ahead, on disk as it happens, so that a stopped run can still report it.

A worker sends the cases of its next tests ahead (``--concurrency``). When the run stops first (Ctrl-C,
``--max-failures``), those cases reached the endpoint and no test reports them; the report must name them
(``sent_not_reported``). A worker's own end-of-session message does not get through a Ctrl-C: the controller stops
reading its workers and closes them within seconds. So each worker appends one line per event to its file in a
directory the controller made, and the controller reads the files when the run ends:

- ``sent``: a case goes to the wire (before its first byte); ``done``: its exchange and the reads and Accepts
  around it are over; ``taken``: its test has asked for it (it reports it, or is the test Ctrl-C stopped, which
  the report names as running); ``end``: the worker has stopped sending.

Sent and not taken is *sent, not reported*; sent and not done, in a file that never ended, is a case *cut short*
(the worker was closed while it was on the wire: what it declined may not have been put back).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

SENT, DONE, TAKEN, END = "sent", "done", "taken", "end"


class SentJournal:
    """One worker's file: a JSON array per line (event, the job's key, its case), opened on the first line, one
    ``write`` per line (``O_APPEND``), safe across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._lock = threading.Lock()

    def write(self, event: str, key: Hashable = None, case: str = "") -> None:
        line = json.dumps([event, key, case]) + "\n"
        with self._lock:
            if self._fd is None:
                if event == END:
                    return  # nothing was sent ahead: nothing to wait for
                self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.write(self._fd, line.encode("utf-8"))
            if event == END:
                os.close(self._fd)
                self._fd = None


@dataclass
class Unreported:
    """What every worker's file says, by case (a property's calls counted): sent and not reported, and cut short."""

    sent: Counter[str] = field(default_factory=Counter)
    cut_short: Counter[str] = field(default_factory=Counter)


def read_journals(directory: Path, *, wait_s: float) -> Unreported:
    """Every worker's file in ``directory``; a file without ``end`` is waited for up to ``wait_s`` (its worker is
    still finishing what it had on the wire), then read as it is."""
    deadline = time.monotonic() + wait_s
    files = sorted(directory.glob("*.log")) if directory.is_dir() else []
    while any(not _ended(f) for f in files) and time.monotonic() < deadline:
        time.sleep(0.05)
    found = Unreported()
    for path in files:
        events: dict[str, dict[str, str]] = {SENT: {}, DONE: {}, TAKEN: {}, END: {}}
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                event, key, case = json.loads(line)
            except ValueError:
                continue  # a line cut short when its worker was killed
            events.setdefault(event, {})[json.dumps(key)] = case
        sent = events[SENT]
        found.sent.update(case for key, case in sent.items() if key not in events[TAKEN])
        if not events[END]:
            found.cut_short.update(case for key, case in sent.items() if key not in events[DONE])
    return found


def describe(sent: Counter[str] | Iterable[str]) -> list[str]:
    """One entry per case, sorted; a property's calls (``generated/…``) with how many, also when one."""
    counted = Counter(sent)  # a Counter's counts, or one per item
    return [
        f"{case} ({n} call{'s' if n > 1 else ''})" if case.startswith("generated/") else case
        for case, n in sorted(counted.items())
        if n > 0
    ]


def _ended(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            f.seek(max(0, path.stat().st_size - 32))
            return f.read().endswith((json.dumps([END, None, ""]) + "\n").encode())
    except OSError:
        return True  # gone: nothing more will come
