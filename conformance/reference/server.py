"""The HTTP side of the reference endpoint: a threaded HTTP/1.1 server on loopback around a ``ReferenceService``."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from ..contract.soap import SERVICE_PATH
from .service import ReferenceService, Reply


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # otherwise headers and body collide with delayed ACKs: ~23 req/s
    server: _Server
    server_version = "ConformanceReference/1"

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        parts = urlsplit(self.path)
        reply = self.server.service.handle(
            self.command, parts.path, parts.query, dict(self.headers.items()), body, self.server.base_url
        )
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        if reply.writer is not None:
            self.close_connection = True
            reply.writer(self.wfile)
            return
        self.send_response(reply.status, reply.reason)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if not any(k.lower() in ("content-length", "transfer-encoding") for k in reply.headers):
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    service: ReferenceService
    base_url: str
    verbose: bool = False


class ReferenceServer:
    """``ReferenceServer(service).start()`` serves on 127.0.0.1 (a free port unless given) in a background thread."""

    def __init__(
        self, service: ReferenceService | None = None, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False
    ) -> None:
        self.service = service or ReferenceService()
        self._httpd = _Server((host, port), _Handler)
        self._httpd.service = self.service
        self._httpd.verbose = verbose
        bound_host, bound_port = self._httpd.server_address[:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        self._httpd.base_url = self.base_url
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.base_url + SERVICE_PATH

    def start(self) -> ReferenceServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="reference-endpoint", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


@contextlib.contextmanager
def running_reference(service: ReferenceService | None = None) -> Iterator[ReferenceServer]:
    """A reference endpoint for the duration of a ``with`` block."""
    server = ReferenceServer(service).start()
    try:
        yield server
    finally:
        server.stop()
