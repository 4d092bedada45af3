"""Safe parsing of whatever an endpoint sends back: no DTD, no entities, no network, a size cap.

A response that is not acceptable XML becomes a ``NotXml`` with one readable line saying what it is,
never an exception escaping into the suite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=False,
    collect_ids=False,
)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_HTML = re.compile(rb"^\s*(<!DOCTYPE\s+html|<html)", re.IGNORECASE)


@dataclass(frozen=True)
class NotXml:
    """Why a body could not be accepted as a SOAP message; ``where`` is line:column when known."""

    reason: str
    where: str = "response body"

    def __str__(self) -> str:
        return f"{self.reason} (at {self.where})"


def looks_like_html(body: bytes) -> bool:
    return bool(_HTML.match(body[:512]))


def parse_xml(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element | NotXml:
    """The document element of ``body``, or a ``NotXml`` saying why it is not a usable XML message."""
    if not body.strip():
        return NotXml("empty body where an XML document was expected")
    if len(body) > max_bytes:
        return NotXml(f"body of {len(body):,} bytes exceeds the {max_bytes:,}-byte cap; not parsed")
    if looks_like_html(body):
        return NotXml(f"an HTML page where a SOAP envelope was expected: {html_title(body)!r}")
    if _DOCTYPE.search(body):
        # SOAP 1.2 Part 1 §5 and WS-I BP1 R1008 forbid a DTD; refusing it also defuses entity bombs and XXE.
        return NotXml("the document contains a DTD (<!DOCTYPE>), which SOAP messages must not; not expanded")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (0, 0)
        return NotXml(f"not well-formed XML: {_first_line(exc.msg)}", f"line {line}:{col}")
    except ValueError as exc:  # e.g. a str with an encoding declaration
        return NotXml(f"not parseable as XML: {exc}")
    return root


def html_title(body: bytes) -> str:
    match = re.search(rb"<title[^>]*>(.*?)</title>", body[:65536], re.IGNORECASE | re.DOTALL)
    text = match.group(1) if match else body[:80]
    return " ".join(text.decode("utf-8", "replace").split())[:120]


def _first_line(text: str | None) -> str:
    line = (text or "syntax error").splitlines()[0]
    return re.sub(r", line \d+, column \d+$", "", line)


def pretty(body: bytes) -> str:
    """``body`` re-indented for a human when it is XML; otherwise as text (replacement characters for bad bytes)."""
    parsed = parse_xml(body)
    if isinstance(parsed, NotXml):
        return body.decode("utf-8", "replace")
    etree.indent(parsed)
    return etree.tostring(parsed, encoding="unicode")
