"""Keeping secrets (ticket, application token, password) out of everything the suite writes."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***redacted***"
_SECRET_ELEMENTS = re.compile(
    r"(<(?:[\w.-]+:)?(?:Ticket|ApplicationToken|Password)\b[^>]*>)(.*?)(</(?:[\w.-]+:)?(?:Ticket|ApplicationToken|Password)>)",
    re.DOTALL,
)


class Redactor:
    """Replaces every known secret value, and the text of secret-bearing XML elements, with a mask.

    ``placeholders`` maps a secret to the environment variable a reproduction should read it from, so that a
    saved request can be replayed with ``envsubst`` without the secret ever being written down."""

    def __init__(self, secrets: Iterable[str | None] = (), placeholders: dict[str, str] | None = None) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True)
        self._placeholders = {k: v for k, v in (placeholders or {}).items() if k}

    def text(self, value: str, mask: str = MASK) -> str:
        for secret, variable in self._placeholders.items():
            value = value.replace(secret, "${" + variable + "}")
        value = _SECRET_ELEMENTS.sub(lambda m: m.group(1) + (_keep_placeholder(m.group(2), mask)) + m.group(3), value)
        for secret in self._secrets:
            value = value.replace(secret, mask)
        return value

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {
            k: (MASK if k.lower() in ("authorization", "cookie", "set-cookie") else self.text(v))
            for k, v in headers.items()
        }


def _keep_placeholder(content: str, mask: str) -> str:
    if not content:
        return ""
    return content if re.fullmatch(r"\$\{[A-Z_]+\}", content) else mask
