"""The overall deadline of one exchange, and the pooled connections it runs on.

A server that drips one byte at a time never trips a socket read timeout, so each exchange runs under a
``Deadline``: the connections it uses register their sockets, and one watchdog thread per process shuts them
down when the deadline passes, which makes whatever read is blocked return. ``DeadlineAdapter`` is the
``requests`` adapter whose connections register themselves.

Its connections also guard what an exchange reads. A kept-alive connection about to be reused is checked for
bytes that arrived while it was idle (one zero-timeout ``select``, which urllib3 makes anyway): such a connection
is discarded, what was waiting is noted on the running ``Deadline`` (``unsolicited``), and from then on that
pool gives every request a connection of its own. A response head whose framing headers are contradictory is
refused with ``MalformedHead`` before any of its body is read.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.wait import wait_for_read

from .failures import MalformedHead

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
        self.unsolicited: Unsolicited | None = None  # found on the kept-alive connection this exchange passed over

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


# --- kept-alive connections -------------------------------------------------------------------------------------

IDLE_READ_LIMIT = 64 * 1024  # how much of what waits on an idle connection is read (to count and quote it)


@dataclass(frozen=True)
class Unsolicited:
    """Bytes waiting on a kept-alive connection with no request outstanding: they answer nothing.

    ``size`` is what could be read at once (at most ``IDLE_READ_LIMIT``), ``start`` its first bytes, ``reused``
    how many earlier requests reused the connection (each of them may have read such bytes as its answer)."""

    size: int
    start: bytes
    reused: int


def _idle_bytes(sock: socket.socket) -> bytes:
    """What is waiting on a socket, read without blocking; ``b""`` when the peer only closed it (or, over TLS, sent
    no application data). The socket is discarded afterwards, so nothing is lost that could still be used."""
    data = bytearray()
    try:
        sock.settimeout(0)
        while len(data) < IDLE_READ_LIMIT:
            chunk = sock.recv(IDLE_READ_LIMIT - len(data))
            if not chunk:
                break
            data += chunk
    except OSError:  # nothing more for now (BlockingIOError, SSLWantReadError), or reset: what came is the answer
        pass
    return bytes(data)


def _announces_close(data: bytes) -> bool:
    """A ``408 Request Timeout`` on an idle connection is a server saying it closes it (RFC 9110 §15.5.9), not a
    stray answer."""
    return data.startswith((b"HTTP/1.1 408", b"HTTP/1.0 408"))


_LENGTH = re.compile(r"[0-9]+")


def framing_problem(headers: http.client.HTTPMessage) -> str | None:
    """Why a response head's body framing cannot be trusted (RFC 9112 §6), or ``None``. Identical repeated
    ``Content-Length`` values are tolerated, as RFC 9110 §8.6 allows a recipient to."""
    declared = headers.get_all("Content-Length")
    if not declared:
        return None
    only = declared[0]
    if len(declared) == 1 and only.isascii() and only.isdigit() and "Transfer-Encoding" not in headers:
        return None  # the common case, settled in about 2 µs
    values = [value.strip() for header in declared for value in header.split(",")]
    bad = next((value for value in values if not _LENGTH.fullmatch(value)), None)
    if bad is not None:
        return f"Content-Length {bad!r} is not a byte count (decimal digits expected, RFC 9110 §8.6)"
    if len({int(value) for value in values}) > 1:
        return (
            f"conflicting Content-Length values {' and '.join(values)} (one body length expected, RFC 9112 §6.3: "
            "the body's end is unknowable)"
        )
    if headers.get("Transfer-Encoding") is not None:
        return (
            f"both Content-Length {values[0]} and Transfer-Encoding {headers['Transfer-Encoding']!r} "
            "(a server must not send both, RFC 9112 §6.2)"
        )
    return None


class _CheckedHead(http.client.HTTPConnection):
    """Refuses a response head whose framing is contradictory, before urllib3 (which would say only "invalid
    header", or read such a body until the connection closes) and before any of its body is read. Placed after
    urllib3's connection class in the method order, so this is the ``getresponse`` urllib3 calls."""

    def getresponse(self) -> http.client.HTTPResponse:
        response = super().getresponse()
        problem = framing_problem(response.msg)
        if problem is not None:
            response.close()
            raise MalformedHead(problem, response.status, response.reason, list(response.msg.items()))
        return response


class _WatchedConnection:
    """Registers the connection's socket with the running exchange's deadline (new and reused connections), and
    looks at what waits on it before it is reused."""

    sock: socket.socket | None
    carried = 0  # requests sent on the current socket
    unsolicited: Unsolicited | None = None  # found by the last reuse check, for the pool to report

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        self.carried = 0
        _watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]
        self.carried += 1  # after: a fresh connection connects (and counts from 0) inside request()

    @property
    def is_connected(self) -> bool:
        """urllib3's check before reusing a pooled connection: readable means dropped. Bytes (rather than a close)
        on an idle connection are kept as ``unsolicited``; the pool then discards the connection."""
        sock = self.sock
        if sock is None:
            return False
        if not wait_for_read(sock, timeout=0.0) and not _tls_pending(sock):
            return True
        data = _idle_bytes(sock)
        if data and not _announces_close(data):
            self.unsolicited = Unsolicited(len(data), data[:80], max(self.carried - 1, 0))
        return False


def _tls_pending(sock: socket.socket) -> int:
    """Decrypted bytes a TLS socket holds that ``select`` cannot see."""
    return sock.pending() if isinstance(sock, ssl.SSLSocket) else 0


class _WatchedHTTPConnection(_WatchedConnection, HTTPConnection, _CheckedHead):
    pass


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection, _CheckedHead):
    pass


class _KeepAliveGuard:
    """A pool that reports a connection discarded for unsolicited bytes to the running exchange, and from then on
    closes each connection once its response has been read: every later request gets a connection of its own, so
    no later answer can be a stale one (a stray response that arrives just after the next request was sent cannot
    be told from that request's answer)."""

    single_use = False

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        found = getattr(conn, "unsolicited", None)
        if found is not None:
            conn.unsolicited = None
            self.single_use = True
            deadline = getattr(_CURRENT, "deadline", None)
            if deadline is not None:
                deadline.unsolicited = found
        return conn

    def _put_conn(self, conn: Any) -> None:
        if self.single_use and conn is not None:
            conn.close()
        super()._put_conn(conn)  # type: ignore[misc]


class _WatchedHTTPPool(_KeepAliveGuard, HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(_KeepAliveGuard, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """Pools whose connections are watched (deadline, unsolicited bytes), directly or through a proxy; with
    ``ssl_context`` (a client certificate), every TLS connection presents it."""

    def __init__(self, *args: Any, ssl_context: Any = None, **kwargs: Any) -> None:
        self._ssl_context = ssl_context
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._ssl_context is not None:
            kwargs["ssl_context"] = self._ssl_context
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        if self._ssl_context is not None:
            kwargs["ssl_context"] = self._ssl_context
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
        return manager
