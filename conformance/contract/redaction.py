"""Keeping secrets (ticket, application token, password) out of everything the suite writes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, unquote, urlsplit
from xml.sax.saxutils import escape

MASK = "***redacted***"
_SECRET_ELEMENTS = re.compile(
    r"(<(?:[\w.-]+:)?(?:Ticket|ApplicationToken|Password)\b[^>]*>)(.*?)(</(?:[\w.-]+:)?(?:Ticket|ApplicationToken|Password)>)",
    re.DOTALL,
)
_SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "set-cookie")


class Redactor:
    """Replaces every known secret value, and the text of secret-bearing XML elements, with a mask.

    A secret is also found in the forms an echoing server or a report format may give it: XML-escaped
    (``&amp;`` …) and URL-encoded. ``placeholders`` maps a secret to the environment variable a reproduction
    should read it from, so that a saved request can be replayed with ``envsubst`` without the secret ever being
    written down."""

    def __init__(self, secrets: Iterable[str | None] = (), placeholders: dict[str, str] | None = None) -> None:
        values = {s for s in secrets if s and len(s) >= 3}
        self._secrets = sorted({v for s in values for v in _variants(s)}, key=len, reverse=True)
        self._placeholders = sorted(
            (
                (form, "${" + variable + "}")
                for k, variable in (placeholders or {}).items()
                if k and len(k) >= 3
                for form in _variants(k)
            ),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )

    def text(self, value: str, mask: str = MASK) -> str:
        for form, placeholder in self._placeholders:
            value = value.replace(form, placeholder)
        value = _SECRET_ELEMENTS.sub(lambda m: m.group(1) + (_keep_placeholder(m.group(2), mask)) + m.group(3), value)
        for secret in self._secrets:
            value = value.replace(secret, mask)
        return value

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: (MASK if k.lower() in _SECRET_HEADERS else self.text(v)) for k, v in headers.items()}


def _variants(secret: str) -> set[str]:
    """The secret as written, XML-escaped (text and attribute forms) and URL-encoded."""
    return {
        secret,
        escape(secret),
        escape(secret, {'"': "&quot;", "'": "&apos;"}),
        escape(secret, {'"': "&#34;", "'": "&#39;"}),
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
    }


def _keep_placeholder(content: str, mask: str) -> str:
    if not content:
        return ""
    return content if re.fullmatch(r"\$\{[A-Z_]+\}", content) else mask


def display_url(url: str | None) -> str:
    """``url`` for messages and reports: no user name or password, no query string (either may carry a secret)."""
    if not url:
        return str(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return url.split("?", 1)[0].rsplit("@", 1)[-1]
    query = "?…" if parts.query else ""
    if not parts.scheme:
        return url.split("?", 1)[0] + query
    return f"{parts.scheme}://{host}{port}{parts.path}{query}"


def url_secrets(url: str | None) -> list[str]:
    """Secret-looking parts of an endpoint URL (user info, query values), to add to a ``Redactor``."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        found = [parts.username, parts.password]
    except ValueError:
        return []
    for pair in parts.query.split("&"):
        _name, _, value = pair.partition("=")
        found.append(unquote(value))
    return [f for f in found if f and len(f) >= 3]
