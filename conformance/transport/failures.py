"""Classifying network failures: one readable line per failure, by what happened rather than by which library
raised it."""

from __future__ import annotations

import http.client
import re
import socket
import ssl
from dataclasses import dataclass

import requests
import urllib3

from ..contract.redaction import display_url
from ..errors import ConformanceError


@dataclass(frozen=True)
class TransportFailure:
    """Why no (complete) response was received. ``kind`` is stable: it names the category in reports."""

    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class MalformedHead(ConformanceError, urllib3.exceptions.InvalidHeader):
    """A response head refused for its framing (``problem``), with what it said, kept as evidence."""

    def __init__(self, problem: str, status: int, reason: str, headers: list[tuple[str, str]]) -> None:
        super().__init__(problem)
        self.problem, self.status, self.reason, self.headers = problem, status, reason, headers


# what a server's TLS alert says when it wants a (different) client certificate
_CLIENT_CERTIFICATE_ALERTS = re.compile(r"certificate required|bad certificate|unknown ca|handshake failure", re.I)


def classify(exc: BaseException, url: str, timeout: float) -> TransportFailure:
    """One readable line for a network failure, by what it is rather than by which library raised it."""
    text = root_message(exc)
    chain = exception_chain(exc)
    shown = display_url(url)
    head = next((e for e in chain if isinstance(e, MalformedHead)), None)
    if head is not None:  # refused by the suite itself, for a reason it states
        return TransportFailure("malformed-http", f"response head from {shown}: {head.problem}; body not read")
    if isinstance(exc, requests.exceptions.ProxyError) or any(
        isinstance(e, urllib3.exceptions.ProxyError) for e in chain
    ):
        return TransportFailure("proxy", f"the proxy on the way to {shown} failed: {text} (see --proxy, --no-proxy)")
    if any(isinstance(e, (ssl.SSLError, ssl.CertificateError)) for e in chain) or isinstance(
        exc, requests.exceptions.SSLError
    ):
        if _CLIENT_CERTIFICATE_ALERTS.search(text) or "EOF occurred" in text:  # TLS 1.3: the server hangs up
            return TransportFailure(
                "tls",
                f"{shown} ended the TLS handshake: it may want a client certificate it accepts (--client-cert, "
                f"--client-key), or another TLS setup: {text}",
            )
        return TransportFailure("tls", f"TLS handshake with {shown} failed: {text} (see --ca-bundle)")
    # (urllib3's NewConnectionError, a refused or unresolved connect, is a subclass of ConnectTimeoutError)
    if isinstance(exc, requests.exceptions.ConnectTimeout) or any(
        type(e) is urllib3.exceptions.ConnectTimeoutError for e in chain
    ):
        return TransportFailure("timeout", f"could not connect to {shown} within {timeout:g} s")
    if (
        isinstance(exc, requests.exceptions.ReadTimeout)
        or any(isinstance(e, (urllib3.exceptions.ReadTimeoutError, TimeoutError)) for e in chain)
        or "Read timed out" in text
    ):
        return TransportFailure("timeout", f"no response from {shown} within {timeout:g} s")
    if (
        any(isinstance(e, socket.gaierror) for e in chain)
        or any(isinstance(e, urllib3.exceptions.NameResolutionError) for e in chain)
        or "Name or service not known" in text
        or "Failed to resolve" in text
    ):
        return TransportFailure("dns", f"host name of {shown} does not resolve: {text}")
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "Connection refused" in text:
        return TransportFailure("connection-refused", f"nothing listens at {shown} (connection refused)")
    if any(isinstance(e, http.client.RemoteDisconnected) for e in chain):
        return TransportFailure("connection-reset", f"{shown} closed the connection without a response")
    if any(isinstance(e, ConnectionResetError) for e in chain):
        return TransportFailure("connection-reset", f"connection to {shown} was reset: {text}")
    if any(isinstance(e, (http.client.IncompleteRead, urllib3.exceptions.IncompleteRead)) for e in chain):
        return TransportFailure("incomplete", f"response from {shown} cut short: {text}")
    if any(
        isinstance(
            e, (http.client.HTTPException, urllib3.exceptions.HeaderParsingError, urllib3.exceptions.InvalidHeader)
        )
        for e in chain
    ):
        return TransportFailure("malformed-http", f"{shown} did not answer with a valid HTTP response: {text}")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or any(
        isinstance(e, urllib3.exceptions.ProtocolError) for e in chain
    ):
        return TransportFailure("connection-reset", f"connection to {shown} broke mid-response: {text}")
    if any(isinstance(e, BrokenPipeError) for e in chain):
        return TransportFailure("connection-reset", f"connection to {shown} was closed while sending: {text}")
    if isinstance(
        exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)
    ):
        return TransportFailure("bad-url", f"{shown} is not a usable http(s) URL: {text}")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return TransportFailure("connection-failed", f"could not talk to {shown}: {text}")
    return TransportFailure("transport", f"{type(exc).__name__}: {text}")


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything behind it: causes, contexts, wrapped exceptions (urllib3's ``reason``)."""
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


def root_message(exc: BaseException) -> str:
    """The innermost exception's message on one line, at most 300 characters."""
    innermost = exception_chain(exc)[-1]
    text = str(innermost) or type(innermost).__name__
    return " ".join(text.split())[:300]
