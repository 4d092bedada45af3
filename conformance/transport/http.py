"""Sending a request and recording the raw exchange; every way the network can fail becomes a ``TransportFailure``.

One pooled ``requests.Session`` per process, shared by the threads of ``--concurrency``: at most ``in_flight``
exchanges are on the wire at once (a semaphore around each), on a pool of as many connections. Redirects are never
followed (a redirect is reported), the body is read in a stream under a size cap (decoded size: a gzip bomb is
stopped too) and an overall deadline, TLS verification is on unless configured otherwise.

The deadline covers the whole exchange, not each socket read (``deadline.py``); failures are classified in
``transport_errors.py``.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import threading
import time
from dataclasses import dataclass, field

import requests
import urllib3

from ..contract.messages import OutgoingRequest
from ..contract.parsing import DEFAULT_MAX_BYTES
from ..contract.redaction import display_url
from ..contract.soap import SOAP11, SoapVersion
from ..errors import ConformanceError
from .deadline import IDLE_READ_LIMIT, Deadline, DeadlineAdapter, Unsolicited
from .failures import MalformedHead, TransportFailure, classify, exception_chain, root_message
from .network import Network


@dataclass
class HttpResponse:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


PARTIAL_LIMIT = 64 * 1024  # how much of a broken response body is kept for the report
TEMPLATE_CACHE_SIZE = 64  # prepared-request templates kept (one per method, URL and header set)


@dataclass
class Exchange:
    """One request and what came back (or why nothing did), with timing.

    ``partial`` is what arrived of a response that then broke (status, headers, the first bytes of the body):
    evidence for the report, never judged by the checks."""

    url: str
    version: SoapVersion
    request: OutgoingRequest
    response: HttpResponse | None = None
    error: TransportFailure | None = None
    elapsed: float = 0.0
    started: float = field(default_factory=time.time)
    partial: HttpResponse | None = None

    @property
    def answered(self) -> bool:
        """Whether the endpoint sent at least a response head (an exchange took place, however broken)."""
        return self.response is not None or self.partial is not None


@dataclass(frozen=True)
class TransportOptions:
    timeout: float = 10.0
    max_bytes: int = DEFAULT_MAX_BYTES
    verify: bool | str = True
    rate_limit: float | None = None
    pool_size: int = 4
    in_flight: int = 1  # exchanges on the wire at once, across the threads that share this transport
    network: Network = field(default_factory=Network)  # proxy, client certificate, gateway headers


class RateLimiter:
    """At most ``per_second`` calls per second from this process (a simple spacing limiter)."""

    def __init__(self, per_second: float | None) -> None:
        self._interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            time.sleep(delay)


class Transport:
    """POSTs SOAP requests over a pooled session and returns complete ``Exchange`` records."""

    def __init__(self, options: TransportOptions | None = None) -> None:
        self.options = options or TransportOptions()
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or netrc credentials picked up behind the user's back
        # every call stands alone: a cookie one response sets is never sent with the next request
        self.session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._templates: dict[tuple[str, str, tuple[tuple[str, str], ...]], requests.PreparedRequest] = {}
        self.network = self.options.network
        adapter = DeadlineAdapter(
            pool_connections=1,
            pool_maxsize=max(self.options.pool_size, self.options.in_flight),
            max_retries=0,
            ssl_context=self.network.ssl_context(),
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.limiter = RateLimiter(self.options.rate_limit)
        self._slots = threading.BoundedSemaphore(max(self.options.in_flight, 1))
        if self.options.verify is False:  # --insecure was asked for: one warning per request is noise
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def close(self) -> None:
        self.session.close()

    def send(self, url: str, request: OutgoingRequest, version: SoapVersion) -> Exchange:
        """POST ``request``. Bytes found waiting on the kept-alive connection it was to reuse make this exchange's
        ``error`` (``unsolicited-bytes``), with the answer of the new connection it went on as its ``response``."""
        exchange = Exchange(url=url, version=version, request=request)
        self.limiter.wait()
        with self._slots:
            exchange.started = time.time()
            start = time.perf_counter()
            try:
                exchange.response = self._request("POST", url, request.body, request.headers, unsolicited=True)
            except _Failure as failure:
                exchange.error, exchange.response, exchange.partial = failure.error, failure.response, failure.partial
            finally:
                exchange.elapsed = time.perf_counter() - start
        return exchange

    def get(self, url: str) -> Exchange:
        """A GET (reachability probe, ``?wsdl``); the request body is empty. Nothing judges a GET's answer, so
        bytes that waited on the connection it was to reuse are no error of it (the connection is discarded)."""
        exchange = Exchange(url=url, version=SOAP11, request=OutgoingRequest(b"", {}))
        with self._slots:
            start = time.perf_counter()
            try:
                exchange.response = self._request("GET", url, None, {})
            except _Failure as failure:
                exchange.error, exchange.response, exchange.partial = failure.error, failure.response, failure.partial
            exchange.elapsed = time.perf_counter() - start
        return exchange

    def _prepared(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> requests.PreparedRequest:
        """A ``PreparedRequest`` copied from one prepared per method, URL and headers: preparing a request (URL
        parsing, merging session settings) costs more than the rest of a loopback call, and only the body changes."""
        key = (method, url, tuple(headers.items()))
        template = self._templates.get(key)
        if template is None:
            if len(self._templates) >= TEMPLATE_CACHE_SIZE:
                self._templates.clear()
            every = {**dict(self.network.headers), **headers}  # gateway headers never replace the suite's own
            template = self.session.prepare_request(requests.Request(method, url, headers=every))
            template.headers.pop("Content-Length", None)
            self._templates[key] = template
        return template.copy() if body is None else with_body(template, body)

    def _request(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str], *, unsolicited: bool = False
    ) -> HttpResponse:
        """The complete response, or a ``_Failure``; ``unsolicited``: bytes that waited on the reused connection
        make a ``_Failure`` carrying the (complete) response of the new connection."""
        opts = self.options
        with Deadline(opts.timeout) as deadline:
            try:
                raw = self.session.send(
                    self._prepared(method, url, body, headers),
                    timeout=(opts.timeout, opts.timeout),
                    allow_redirects=False,
                    stream=True,
                    verify=opts.verify,
                    proxies=self.network.proxies_for(url),
                )
            except Exception as exc:
                if deadline.fired:
                    raise _Failure(
                        TransportFailure(
                            "timeout",
                            f"no complete response head from {display_url(url)} within {opts.timeout:g} s "
                            "(the server is silent, or sends its answer a few bytes at a time)",
                        )
                    ) from None
                failure = classify(exc, url, opts.timeout)
                failure = TransportFailure(failure.kind, self.network.scrub(failure.message))
                raise _Failure(failure, partial=_refused_head(exc)) from None
            head = HttpResponse(raw.status_code, raw.reason or "", dict(raw.headers), b"")
            try:
                body_bytes = _read_capped(raw, opts.max_bytes, deadline, head)
            finally:
                raw.close()
        response = HttpResponse(head.status, head.reason, head.headers, body_bytes)
        if raw.status_code == 407 and self.network.proxies_for(url):  # the proxy's answer, not the endpoint's
            raise _Failure(
                TransportFailure(
                    "proxy",
                    f"the proxy on the way to {display_url(url)} refused the request: HTTP 407 Proxy Authentication "
                    "Required (check the user and password in --proxy, or CONFORMANCE_PROXY)",
                ),
                partial=response,  # evidence, but no answer of the endpoint's to judge
            )
        if 300 <= raw.status_code < 400:
            location = raw.headers.get("Location", "(no Location header)")
            raise _Failure(
                TransportFailure(
                    "redirect",
                    f"HTTP {raw.status_code} redirect to {display_url(location)}; redirects are not followed "
                    "(point --endpoint at the final URL if the move is intended)",
                ),
                response,
            )
        if unsolicited and deadline.unsolicited is not None:
            raise _Failure(_unsolicited_error(deadline.unsolicited), response)
        return response


def _unsolicited_error(found: Unsolicited) -> TransportFailure:
    """The finding for bytes an endpoint sent on a kept-alive connection with no request outstanding."""
    size = f"{found.size:,}" + (" or more" if found.size >= IDLE_READ_LIMIT else "")
    first_line = " ".join(found.start.split(b"\r\n", 1)[0].decode("latin-1").split())[:60]
    shown = f"starting {first_line!r}" if first_line else "of whitespace"
    earlier = {
        0: "",
        1: "; the 1 earlier request that reused it may have read such bytes as its answer",
    }.get(
        found.reused, f"; the {found.reused} earlier requests that reused it may have read such bytes as their answers"
    )
    return TransportFailure(
        "unsolicited-bytes",
        f"the endpoint sent {size} bytes {shown} on an idle kept-alive connection after its previous answer (an "
        "unrequested response? HTTP/1.1 sends one response per request, RFC 9112 §9.3); that connection was "
        f"discarded and this request, like every later one, went on a new connection{earlier}",
    )


def _refused_head(exc: BaseException) -> HttpResponse | None:
    """The head of a response refused for its framing (status and headers, no body): evidence of an answer."""
    head = next((e for e in exception_chain(exc) if isinstance(e, MalformedHead)), None)
    if head is None:
        return None
    headers: dict[str, str] = {}
    for name, value in head.headers:  # a repeated header is kept whole: "5, 7", as urllib3 joins them
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return HttpResponse(head.status, head.reason, headers, b"")


def with_body(template: requests.PreparedRequest, body: bytes) -> requests.PreparedRequest:
    """A copy of a prepared request carrying ``body`` and its Content-Length (the template is left as it was)."""
    prepared = template.copy()
    prepared.body = body
    prepared.headers["Content-Length"] = str(len(body))
    return prepared


class _Failure(ConformanceError):
    def __init__(
        self, error: TransportFailure, response: HttpResponse | None = None, partial: HttpResponse | None = None
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.response = response
        self.partial = partial


def _read_capped(raw: requests.Response, max_bytes: int, deadline: Deadline, head: HttpResponse) -> bytes:
    """The (decoded) body, or a ``_Failure`` with what arrived so far: over the cap, cut short, or too slow."""
    chunks: list[bytes] = []
    size = 0

    def partial() -> HttpResponse:
        prefix = bytearray()
        for chunk in chunks:
            prefix += chunk[: PARTIAL_LIMIT - len(prefix)]
            if len(prefix) >= PARTIAL_LIMIT:
                break
        return HttpResponse(head.status, head.reason, head.headers, bytes(prefix))

    declared = (raw.headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Failure(
            TransportFailure(
                "too-large",
                f"response declares Content-Length {int(declared):,} bytes, over the {max_bytes:,}-byte cap; not read",
            ),
            partial=partial(),
        )
    try:
        for chunk in raw.iter_content(chunk_size=65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise _Failure(
                    TransportFailure(
                        "too-large", f"response body passed the {max_bytes:,}-byte cap; reading stopped there"
                    ),
                    partial=partial(),
                )
    except _Failure:
        raise
    except Exception as exc:
        raise _Failure(_body_error(exc, raw, size, deadline), partial=partial()) from None
    if deadline.fired:  # a body without Content-Length "ends" when the watchdog shuts the socket: it only looks whole
        raise _Failure(_slow_body(raw, size, deadline), partial=partial())
    return b"".join(chunks)


def _received(raw: requests.Response, size: int) -> int:
    """Bytes of the body read off the wire so far (urllib3 counts them; fall back to what was yielded)."""
    try:
        return max(size, int(raw.raw.tell()))
    except (AttributeError, TypeError, ValueError):
        return size


def _slow_body(raw: requests.Response, size: int, deadline: Deadline) -> TransportFailure:
    return TransportFailure(
        "timeout",
        f"response body still arriving after {deadline.seconds:g} s ({_received(raw, size):,} bytes so far): "
        "a slow drip or a stall; reading stopped",
    )


def _body_error(exc: BaseException, raw: requests.Response, size: int, deadline: Deadline) -> TransportFailure:
    """What went wrong after the response head arrived."""
    if deadline.fired:
        return _slow_body(raw, size, deadline)
    chain = exception_chain(exc)
    received = _received(raw, size)
    if any(isinstance(e, (urllib3.exceptions.ReadTimeoutError, TimeoutError)) for e in chain):
        return TransportFailure(
            "timeout", f"response body stalled: nothing more for {deadline.seconds:g} s after {received:,} bytes"
        )
    if any(isinstance(e, ConnectionResetError) for e in chain):
        return TransportFailure(
            "connection-reset", f"connection reset by the server after {received:,} bytes of the response body"
        )
    size_line = _bad_chunk_size(exc, chain, raw)
    if size_line is not None:
        return TransportFailure(
            "malformed-http",
            f"chunked response body: chunk size {size_line!r} after {received:,} bytes of the body is not a "
            "hexadecimal byte count (RFC 9112 §7.1); reading stopped",
        )
    short = next((e for e in chain if isinstance(e, urllib3.exceptions.IncompleteRead)), None)
    if short is not None:
        return TransportFailure(
            "incomplete",
            f"response body cut short: the connection closed after {short.partial:,} bytes, "
            f"{short.expected:,} more were declared (Content-Length {raw.headers.get('Content-Length', '?')})",
        )
    if any(isinstance(e, (http.client.IncompleteRead, urllib3.exceptions.ProtocolError)) for e in chain):
        return TransportFailure(
            "incomplete", f"response body broken after {received:,} bytes: {root_message(exc)} (e.g. bad chunking)"
        )
    if any(isinstance(e, urllib3.exceptions.DecodeError) for e in chain):
        return TransportFailure(
            "bad-encoding",
            f"response body could not be decoded as its Content-Encoding "
            f"({raw.headers.get('Content-Encoding', '?')}): {root_message(exc)}",
        )
    return classify(exc, raw.url, deadline.seconds)


def _bad_chunk_size(exc: BaseException, chain: list[BaseException], raw: requests.Response) -> str | None:
    """The chunk-size line a chunked body broke on, when that is what broke it: not hexadecimal (urllib3 says so),
    or negative (``int("-5", 16)`` parses, and the read that follows fails with a bare ``ValueError``)."""
    invalid = next((e for e in chain if isinstance(e, urllib3.exceptions.InvalidChunkLength)), None)
    if invalid is not None:
        return bytes(invalid.length).strip().decode("latin-1")
    left = getattr(raw.raw, "chunk_left", None)
    if isinstance(exc, ValueError) and isinstance(left, int) and left < 0:
        return f"-{-left:x}"
    return None
