"""Checking how the run reaches the endpoint: the proxy, the client certificate and its key, the gateway headers.
Each mistake is one ``ConfigError`` line (exit 2) naming the setting and what is accepted; a certificate and key
are loaded once here, so that a missing file, a wrong passphrase or a key that does not match the certificate is
said before any request is sent."""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ConfigError
from .settings import Settings
from .values import _show

SUITE_HEADERS = ("content-type", "soapaction", "content-length", "host", "transfer-encoding")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 §5.1: a field name is a token


def check_network(settings: Settings) -> None:
    _check_proxy(settings)
    _check_headers(settings)
    _check_client_certificate(settings)


def _bad(settings: Settings, name: str, value: object, expected: str) -> ConfigError:
    return ConfigError(f"{name} {_show(name, value)} ({settings.origin(name)}): expected {expected}")


def _check_proxy(settings: Settings) -> None:
    if settings.proxy is None:
        return
    try:
        parts = urlsplit(settings.proxy)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is no number, or out of range
        usable = False
    if not usable:
        raise _bad(settings, "proxy", settings.proxy, "an http:// or https:// proxy URL, e.g. http://proxy:3128")


def _check_headers(settings: Settings) -> None:
    for number, header in enumerate(settings.headers, 1):
        name, colon, _value = header.partition(":")
        if not colon or not _TOKEN.fullmatch(name.strip()):  # the text may hold the value: never shown
            raise ConfigError(
                f"headers: entry {number} ({settings.origin('headers')}, not shown: it may hold a secret): expected "
                "'Name: value', a header name made of letters, digits and -, then a colon"
            )
        if name.strip().lower() in SUITE_HEADERS:
            raise ConfigError(
                f"headers: {name.strip()} ({settings.origin('headers')}) is a header the suite sets itself for every "
                f"SOAP request; a gateway header may not replace it (the suite's are: {', '.join(SUITE_HEADERS)})"
            )


def _check_client_certificate(settings: Settings) -> None:
    cert, key = settings.client_cert, settings.client_key
    if key and not cert:
        raise _bad(settings, "client_key", key, "--client-cert FILE with it (the certificate the key belongs to)")
    if not cert:
        return
    for name, path in (("client_cert", cert), ("client_key", key)):
        if path and not Path(path).is_file():
            raise _bad(settings, name, path, "an existing PEM file")
    context = ssl.create_default_context()
    try:  # an encrypted key without a passphrase fails here (b""), instead of prompting on the terminal
        context.load_cert_chain(cert, key, password=settings.client_key_password or "")
    except ssl.SSLError as exc:
        reason = str(getattr(exc, "reason", None) or exc).lower()
        if "mismatch" in reason:
            why = "the key does not belong to the certificate"
        elif _encrypted(key or cert):
            why = "the key is encrypted and CONFORMANCE_CLIENT_KEY_PASSWORD is missing or wrong"
        else:
            why = f"not a PEM certificate and its private key ({getattr(exc, 'reason', None) or exc})"
        raise ConfigError(
            f"client_cert {cert} ({settings.origin('client_cert')})"
            + (f" with client_key {key} ({settings.origin('client_key')})" if key else "")
            + f": cannot be used: {why}"
        ) from None
    except OSError as exc:
        raise _bad(settings, "client_cert", cert, f"a readable PEM file ({exc.strerror or exc})") from None


def _encrypted(path: str) -> bool:
    """Whether a PEM file holds an encrypted private key (PKCS#8, or the traditional Proc-Type header)."""
    try:
        text = Path(path).read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return "ENCRYPTED PRIVATE KEY" in text or "Proc-Type: 4,ENCRYPTED" in text
