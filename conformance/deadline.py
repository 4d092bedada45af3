"""The overall deadline of one exchange.

A server that drips one byte at a time never trips a socket read timeout, so each exchange runs under a
``Deadline``: the connections it uses register their sockets, and one watchdog thread per process shuts them
down when the deadline passes, which makes whatever read is blocked return. ``DeadlineAdapter`` is the
``requests`` adapter whose connections register themselves.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_CURRENT = threading.local()  # the deadline of the exchange running on this thread


class Deadline:
    """The time limit of one exchange. Sockets the exchange uses are registered (as duplicates of their file
    descriptors, so the check cannot hit a reused descriptor); when the deadline passes, the watchdog shuts them
    down, and whatever read is blocked returns."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.fired = False
        self.finished = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._watched: list[socket.socket] = []  # the originals (held, so that identity means something)

    def __enter__(self) -> Deadline:
        _CURRENT.deadline = self
        _WATCHDOG.arm(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _CURRENT.deadline = None
        with self._lock:
            self.finished = True
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()
            self._watched.clear()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self.finished:
                return
            try:
                fd = sock.fileno()
                if fd < 0 or any(known is sock for known in self._watched):
                    return
                duplicate = socket.fromfd(fd, sock.family, sock.type)
            except OSError:
                return
            self._watched.append(sock)
            self._sockets.append(duplicate)
            if self.fired:
                _shut(duplicate)

    def fire(self) -> None:
        with self._lock:
            if self.finished:
                return
            self.fired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the other side


class _Watchdog:
    """One thread per process firing due deadlines; it exits when idle and is restarted on demand."""

    IDLE = 5.0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: Deadline) -> None:
        with self._cond:
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="transport-deadline", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is deadline:  # wake the thread only if it now has to fire sooner
                self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2].finished:
                    heapq.heappop(self._heap)
                if not self._heap:
                    if not self._cond.wait(self.IDLE) and not self._heap:
                        self._thread = None
                        return
                    continue
                delay = self._heap[0][0] - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)[2].fire()


_WATCHDOG = _Watchdog()


def _watch(sock: socket.socket | None) -> None:
    deadline = getattr(_CURRENT, "deadline", None)
    if deadline is not None and sock is not None:
        deadline.watch(sock)


class _WatchedConnection:
    """Registers the connection's socket with the running exchange's deadline (new and reused connections)."""

    sock: socket.socket | None

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        _watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
