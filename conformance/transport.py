"""Sending a request and recording the raw exchange; every way the network can fail becomes a ``TransportError``.

One pooled ``requests.Session`` per process. Redirects are never followed (a redirect is reported), the body is
read in a stream under a size cap and an overall deadline (a slow drip cannot stall the run), TLS verification
is on unless configured otherwise.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field

import requests
import urllib3
from requests.adapters import HTTPAdapter

from .contract import SOAP11, SoapVersion
from .messages import OutgoingRequest
from .xmlparse import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class TransportError:
    """Why no (complete) response was received. ``kind`` is stable: it names the category in reports."""

    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass
class HttpResponse:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass
class Exchange:
    """One request and what came back (or why nothing did), with timing."""

    url: str
    version: SoapVersion
    request: OutgoingRequest
    response: HttpResponse | None = None
    error: TransportError | None = None
    elapsed: float = 0.0
    started: float = field(default_factory=time.time)


@dataclass(frozen=True)
class TransportOptions:
    timeout: float = 10.0
    max_bytes: int = DEFAULT_MAX_BYTES
    verify: bool | str = True
    rate_limit: float | None = None
    pool_size: int = 4


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
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.options.pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.limiter = RateLimiter(self.options.rate_limit)

    def close(self) -> None:
        self.session.close()

    def send(self, url: str, request: OutgoingRequest, version: SoapVersion) -> Exchange:
        exchange = Exchange(url=url, version=version, request=request)
        self.limiter.wait()
        start = time.perf_counter()
        try:
            exchange.response = self._post(url, request)
        except _Failure as failure:
            exchange.error, exchange.response = failure.error, failure.response
        finally:
            exchange.elapsed = time.perf_counter() - start
        return exchange

    def get(self, url: str) -> Exchange:
        """A GET (reachability probe, ``?wsdl``); the request body is empty."""
        exchange = Exchange(url=url, version=SOAP11, request=OutgoingRequest(b"", {}))
        start = time.perf_counter()
        try:
            exchange.response = self._request("GET", url, None, {})
        except _Failure as failure:
            exchange.error, exchange.response = failure.error, failure.response
        exchange.elapsed = time.perf_counter() - start
        return exchange

    def _post(self, url: str, request: OutgoingRequest) -> HttpResponse:
        return self._request("POST", url, request.body, request.headers)

    def _request(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> HttpResponse:
        opts = self.options
        deadline = time.monotonic() + opts.timeout
        try:
            raw = self.session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=(opts.timeout, opts.timeout),
                allow_redirects=False,
                stream=True,
                verify=opts.verify,
            )
        except Exception as exc:
            raise _Failure(classify(exc, url, opts.timeout)) from None
        try:
            body_bytes = _read_capped(raw, opts.max_bytes, deadline, opts.timeout)
        finally:
            raw.close()
        response = HttpResponse(raw.status_code, raw.reason or "", dict(raw.headers), body_bytes)
        if 300 <= raw.status_code < 400:
            location = raw.headers.get("Location", "(no Location header)")
            raise _Failure(
                TransportError(
                    "redirect",
                    f"HTTP {raw.status_code} redirect to {location}; redirects are not followed "
                    "(point --endpoint at the final URL if the move is intended)",
                ),
                response,
            )
        return response


class _Failure(Exception):
    def __init__(self, error: TransportError, response: HttpResponse | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.response = response


def _read_capped(raw: requests.Response, max_bytes: int, deadline: float, timeout: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    declared = raw.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _Failure(
            TransportError(
                "too-large",
                f"response declares Content-Length {int(declared):,} bytes, over the {max_bytes:,}-byte cap",
            )
        )
    try:
        for chunk in raw.iter_content(chunk_size=65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise _Failure(
                    TransportError("too-large", f"response body passed the {max_bytes:,}-byte cap; reading stopped")
                )
            if time.monotonic() > deadline:
                raise _Failure(
                    TransportError(
                        "timeout",
                        f"response body still arriving after {timeout:g} s ({size:,} bytes so far): a slow drip",
                    )
                )
    except _Failure:
        raise
    except Exception as exc:
        error = classify(exc, raw.url, timeout)
        if error.kind == "incomplete" or "IncompleteRead" in repr(exc):
            error = TransportError("incomplete", f"connection closed after {size:,} bytes of the body: {error.message}")
        raise _Failure(error) from None
    return b"".join(chunks)


def classify(exc: BaseException, url: str, timeout: float) -> TransportError:
    """One readable line for a network failure, by what it is rather than by which library raised it."""
    text = _root_message(exc)
    chain = _chain(exc)
    if any(isinstance(e, (ssl.SSLError, ssl.CertificateError)) for e in chain) or isinstance(
        exc, requests.exceptions.SSLError
    ):
        return TransportError("tls", f"TLS handshake with {url} failed: {text} (see --ca-bundle)")
    if isinstance(exc, (requests.exceptions.ReadTimeout, socket.timeout)) or "Read timed out" in text:
        return TransportError("timeout", f"no response from {url} within {timeout:g} s")
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TransportError("timeout", f"could not connect to {url} within {timeout:g} s")
    if (
        any(isinstance(e, socket.gaierror) for e in chain)
        or "Name or service not known" in text
        or ("Failed to resolve" in text)
    ):
        return TransportError("dns", f"host name of {url} does not resolve: {text}")
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "Connection refused" in text:
        return TransportError("connection-refused", f"nothing listens at {url} (connection refused)")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or any(
        isinstance(e, (urllib3.exceptions.ProtocolError, urllib3.exceptions.IncompleteRead)) for e in chain
    ):
        if "IncompleteRead" in text or "incomplete" in text.lower():
            return TransportError("incomplete", text)
        return TransportError("connection-reset", f"connection to {url} broke mid-response: {text}")
    if any(isinstance(e, (ConnectionResetError, BrokenPipeError)) for e in chain):
        return TransportError("connection-reset", f"connection to {url} was reset: {text}")
    if isinstance(
        exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)
    ):
        return TransportError("bad-url", f"{url} is not a usable http(s) URL: {text}")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return TransportError("connection-failed", f"could not talk to {url}: {text}")
    return TransportError("transport", f"{type(exc).__name__}: {text}")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or e in seen:
            continue
        seen.append(e)
        stack.extend([e.__cause__, e.__context__, *[a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]])
        reason = getattr(e, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    return seen


def _root_message(exc: BaseException) -> str:
    innermost = _chain(exc)[-1]
    text = str(innermost) or type(innermost).__name__
    return " ".join(text.split())[:300]
