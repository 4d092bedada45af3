"""Raw-socket loopback servers that misbehave on purpose, for the hostile-endpoint tests.

Every server binds 127.0.0.1 on a free port, serves each connection in a daemon thread, and stops by itself:
``stop()`` (or leaving the ``with`` block) wakes every handler, and a ``lifetime`` bounds the whole server even
when a test forgets. Handlers get the connection, the request bytes already read, and a ``stopping`` event they
must poll in any loop.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import os
import select
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

from conformance.contract.soap import SERVICE_PATH

Handler = Callable[[socket.socket, bytes, threading.Event], None]


@dataclass
class Request:
    """What one connection sent: request line, headers and body, and when it arrived."""

    line: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)


class RawServer:
    """A loopback TCP server running ``handler`` for each connection; ``requests`` records the first request of each
    connection (a handler that keeps a connection alive reads the later ones itself), ``connections`` counts them."""

    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None, lifetime: float = 60.0) -> None:
        self.handler = handler
        self.tls = tls
        self.requests: list[Request] = []
        self.connections = 0
        self.stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._deadline = time.monotonic() + lifetime
        self._threads: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._accept_loop, name="hostile-server", daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}{SERVICE_PATH}"

    def start(self) -> RawServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> RawServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        while not self.stopping.is_set() and time.monotonic() < self._deadline:
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()
        self.stopping.set()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            raw = read_request(conn)
            if raw is None:
                return
            self.requests.append(parse_request(raw))
            self.handler(conn, raw, self.stopping)
        except (OSError, ssl.SSLError):
            pass  # the client went away, or refused our certificate: that is the point of several tests
        finally:
            with contextlib.suppress(OSError):
                conn.close()


def read_request(conn: socket.socket, limit: int = 1 << 20) -> bytes | None:
    """Headers and a Content-Length body (bounded), or ``None`` when the client closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > limit:
            return data
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = min(int(value.strip() or 0), limit)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def parse_request(raw: bytes) -> Request:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    return Request(lines[0], headers, body)


def response_head(status: int = 200, headers: dict[str, str] | list[tuple[str, str]] | None = None) -> bytes:
    """A status line and headers; a list of pairs may repeat a header (``[("Content-Length", "5"), …]``)."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", *(f"{k}: {v}" for k, v in pairs)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def reset(conn: socket.socket) -> None:
    """Close with an RST rather than a FIN (SO_LINGER 0)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


# --- handlers -------------------------------------------------------------------------------------

SOAP11_CT = "text/xml; charset=utf-8"


def reply(body: bytes, *, status: int = 200, content_type: str = SOAP11_CT, extra: dict[str, str] | None = None):
    """A well-framed response with ``body``; the connection closes afterwards."""

    def handler(conn: socket.socket, _raw: bytes, _stop: threading.Event) -> None:
        headers = {"Content-Type": content_type, "Content-Length": str(len(body)), "Connection": "close"}
        conn.sendall(response_head(status, {**headers, **(extra or {})}) + body)

    return handler


def reset_at_once(conn: socket.socket, _raw: bytes, _stop: threading.Event) -> None:
    """Read the request, then reset the connection without a byte of response."""
    reset(conn)


def close_silently(conn: socket.socket, _raw: bytes, _stop: threading.Event) -> None:
    """Read the request, then close (FIN) without a byte of response."""


def not_http(conn: socket.socket, _raw: bytes, _stop: threading.Event) -> None:
    """Answer in some other protocol."""
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")


def raw_bytes(data: bytes):
    """Send ``data`` as the whole response, verbatim, then close."""

    def handler(conn: socket.socket, _raw: bytes, _stop: threading.Event) -> None:
        conn.sendall(data)

    return handler


def never_answer(conn: socket.socket, _raw: bytes, stop: threading.Event) -> None:
    """Read the request, then say nothing until the server stops."""
    stop.wait()


def drip(body: bytes, *, interval: float = 0.3, headers_too: bool = False):
    """Send the response one byte every ``interval`` seconds (the headers too, when ``headers_too``)."""

    def handler(conn: socket.socket, _raw: bytes, stop: threading.Event) -> None:
        head = response_head(200, {"Content-Type": SOAP11_CT, "Content-Length": str(len(body))})
        data = head + body
        if not headers_too:
            conn.sendall(head)
            data = body
        for byte in data:
            if stop.wait(interval):
                return
            conn.sendall(bytes([byte]))

    return handler


def short_body(body: bytes, *, declared: int, then: str = "close"):
    """Declare ``declared`` bytes, send ``body`` (fewer), then close (``close``), reset (``reset``) or wait."""

    def handler(conn: socket.socket, _raw: bytes, stop: threading.Event) -> None:
        conn.sendall(response_head(200, {"Content-Type": SOAP11_CT, "Content-Length": str(declared)}) + body)
        if then == "reset":
            stop.wait(0.2)  # let the client read the head first: the reset comes mid-body
            reset(conn)
        elif then == "wait":
            stop.wait()

    return handler


def huge(total: int, *, declare_length: bool, chunked: bool = False, sent: list[int] | None = None):
    """Stream ``total`` bytes of (well-formed looking) XML; ``sent`` records how many actually went out."""

    def handler(conn: socket.socket, _raw: bytes, stop: threading.Event) -> None:
        headers = {"Content-Type": SOAP11_CT, "Connection": "close"}
        if declare_length:
            headers["Content-Length"] = str(total)
        elif chunked:
            headers["Transfer-Encoding"] = "chunked"
        conn.sendall(response_head(200, headers))
        block = b"<a>" + b"x" * 65529 + b"</a>"
        count = 0
        while count < total and not stop.is_set():
            piece = block[: total - count]
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            count += len(piece)
            if sent is not None:
                sent[0] = count
        if chunked:
            conn.sendall(b"0\r\n\r\n")

    return handler


def negative_chunk() -> bytes:
    """A chunked response whose first chunk size is ``-5``: Python's ``int(line, 16)`` takes the sign."""
    return response_head(200, {"Content-Type": SOAP11_CT, "Transfer-Encoding": "chunked"}) + b"-5\r\n<a/>\r\n0\r\n\r\n"


def framed(headers: list[tuple[str, str]], body: bytes = b"<a/>") -> bytes:
    """A 200 with exactly ``headers`` (repeats allowed) and ``body``, whatever they say about its length."""
    return response_head(200, [("Content-Type", SOAP11_CT), *headers]) + body


def next_request(conn: socket.socket, stop: threading.Event) -> bytes | None:
    """The next request on a kept-alive connection, or ``None`` once the client closed it or the server stops."""
    while not stop.is_set():
        ready, _, _ = select.select([conn], [], [], 0.1)
        if ready:
            return read_request(conn)
    return None


def delivered(conn: socket.socket, timeout: float = 2.0) -> None:
    """Wait until the client's kernel holds everything sent on ``conn`` (on Linux: nothing left unacknowledged in
    the send queue), or the client closed it or sent something; elsewhere a short pause. A returned ``sendall`` is
    not enough: under load, loopback delivery can lag behind."""
    try:
        import fcntl
        import termios

        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if not struct.unpack("i", fcntl.ioctl(conn.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]:
                return
            if select.select([conn], [], [], 0)[0]:
                return
            time.sleep(0.001)
    except (ImportError, OSError):
        time.sleep(0.05)


def ok(body: bytes, *, status: int = 200, keep_alive: bool = True) -> bytes:
    """A complete response carrying ``body``, framed by Content-Length."""
    headers = {"Content-Type": SOAP11_CT, "Content-Length": str(len(body))}
    if not keep_alive:
        headers["Connection"] = "close"
    return response_head(status, headers) + body


def stale_answers(*, delay: float = 0.05, pad: int = 0, sent: threading.Event | None = None, after: int = 1) -> Handler:
    """Keep each connection alive and answer every request (``<answer>`` + its body); from the ``after``-th answer
    on a connection, ``delay`` seconds after each answer send an unrequested second response (``<stale>`` + that
    body, padded by ``pad`` spaces) and set ``sent``: the stale extra response a broken proxy or keep-alive handler
    emits. ``delay=0`` sends both in one write."""

    def handler(conn: socket.socket, raw: bytes | None, stop: threading.Event) -> None:
        count = 0
        while raw is not None:
            count += 1
            body = parse_request(raw).body
            answer, extra = ok(b"<answer>" + body + b"</answer>"), ok(b"<stale>" + body + b"</stale>" + b" " * pad)
            if count < after:
                conn.sendall(answer)
            elif delay:
                conn.sendall(answer)
                if stop.wait(delay):
                    return
                conn.sendall(extra)
            else:
                conn.sendall(answer + extra)
            if count >= after and sent is not None:
                delivered(conn)
                sent.set()
            raw = next_request(conn, stop)

    return handler


def kept_alive() -> Handler:
    """A well-behaved keep-alive endpoint: every request on a connection answered (``<answer>`` + its body), nothing
    else sent."""
    return stale_answers(after=sys.maxsize)


def closes_idle_with_408(*, delay: float = 0.05, sent: threading.Event | None = None) -> Handler:
    """Answer one request, then announce the idle connection's end with a ``408 Request Timeout`` and close it (as
    servers may, RFC 9110 §15.5.9); ``sent`` is set once it went out."""

    def handler(conn: socket.socket, raw: bytes, stop: threading.Event) -> None:
        conn.sendall(ok(b"<answer>" + parse_request(raw).body + b"</answer>"))
        if stop.wait(delay):
            return
        conn.sendall(ok(b"", status=408, keep_alive=False))
        if sent is not None:
            delivered(conn)
            sent.set()

    return handler


def gzip_bomb(decoded_mib: int) -> bytes:
    """A gzip stream (one member per MiB) that inflates to ``decoded_mib`` MiB of zero bytes, about 1,000:1."""
    return gzip.compress(b"\0" * (1 << 20), compresslevel=9) * decoded_mib


def redirect(location: str, status: int = 302):
    return reply(b"", status=status, content_type="text/html", extra={"Location": location})


# --- bodies -----------------------------------------------------------------------------------------


def envelope(inner: str = "<so:RejectResponse/>", *, prolog: str = "") -> bytes:
    return (
        f"{prolog}<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/' "
        f"xmlns:so='http://www.superoffice.net/ws/crm/NetServer/Services82'>"
        f"<s:Header><so:Succeeded>true</so:Succeeded></s:Header><s:Body>{inner}</s:Body></s:Envelope>"
    ).encode()


def billion_laughs() -> bytes:
    """The classic entity bomb: ten levels of ten references, 10^9 "lol"s when expanded."""
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    prolog = "<?xml version='1.0'?><!DOCTYPE s:Envelope [" + "".join(entities) + "]>"
    return envelope("<so:RejectResponse>&lol9;</so:RejectResponse>", prolog=prolog)


def utf16(body: bytes) -> bytes:
    """The same document in UTF-16 (with a BOM and a matching declaration): its DOCTYPE is no longer ASCII bytes."""
    text = body.decode("utf-8").replace("<?xml version='1.0'?>", "<?xml version='1.0' encoding='utf-16'?>")
    return text.encode("utf-16")


def xxe(system_id: str) -> bytes:
    prolog = f"<?xml version='1.0'?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM '{system_id}'>]>"
    return envelope("<so:RejectResponse>&xxe;</so:RejectResponse>", prolog=prolog)


def external_dtd(system_id: str) -> bytes:
    return envelope(prolog=f"<?xml version='1.0'?><!DOCTYPE s:Envelope SYSTEM '{system_id}'>")


def html_error_page() -> bytes:
    return (
        b"<!DOCTYPE html><html><head><title>Runtime Error</title></head><body><h1>Server Error in '/' "
        b"Application.</h1></body></html>"
    )


# --- TLS --------------------------------------------------------------------------------------------


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and ``localhost``) and its key, written under ``directory``."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "conformance hostile test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


# --- misc -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def serving(handler: Handler, **kwargs: object) -> Iterator[RawServer]:
    server = RawServer(handler, **kwargs).start()  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def refused_port() -> tuple[socket.socket, int]:
    """A bound but not listening socket: connecting to its port is refused, and nobody else can take it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


def forward(upstream_port: int):
    """Pass each request to a plain-HTTP server on loopback (behind ``tls=``: a TLS terminator), one per connection."""

    def handler(conn: socket.socket, raw: bytes, _stop: threading.Event) -> None:
        with socket.create_connection(("127.0.0.1", upstream_port), timeout=5) as upstream:
            upstream.sendall(raw)
            answer = read_request(upstream) or b""
        head, _, body = answer.partition(b"\r\n\r\n")
        conn.sendall(head + b"\r\nConnection: close\r\n\r\n" + body)

    return handler


def forward_with_stale_copies(upstream_port: int, *, pad: int = 32 * 1024) -> Handler:
    """Like ``forward``, but keeping the client's connection alive: each answer goes out in one write together with
    an unrequested copy of it (padded by ``pad`` spaces, so that more of it than a read buffer holds is left on the
    connection) — an endpoint whose every answer is followed by a stale extra response."""

    def handler(conn: socket.socket, raw: bytes | None, stop: threading.Event) -> None:
        while raw is not None:
            with socket.create_connection(("127.0.0.1", upstream_port), timeout=5) as upstream:
                upstream.sendall(raw)
                answer = read_request(upstream) or b""
            body = answer.partition(b"\r\n\r\n")[2]
            conn.sendall(answer + ok(body + b" " * pad))
            raw = next_request(conn, stop)

    return handler


def first_then(count: int, first: Handler, then: Handler) -> Handler:
    """``first`` for the first ``count`` connections, ``then`` for every later one (an endpoint dying mid-run)."""
    seen = itertools.count()

    def handler(conn: socket.socket, raw: bytes, stop: threading.Event) -> None:
        (first if next(seen) < count else then)(conn, raw, stop)

    return handler


def suite_env(**extra: str) -> dict[str, str]:
    """The environment for a ``conformance run`` subprocess: the caller's without CONFORMANCE_* settings, plus
    ``extra``. Bytecode is cached outside the tree: under PYTHONDONTWRITEBYTECODE every run would compile the
    pytest plugins again."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "conformance-tests-pycache")
    env.update(extra)
    return env
