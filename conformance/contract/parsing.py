"""Safe parsing of whatever an endpoint sends back: no DTD, no entities, no network, a size cap.

A response that is not acceptable XML becomes a ``NotXml`` with one readable line saying what it is,
never an exception escaping into the suite. A DTD is refused before parsing (in whatever encoding the document
declares: a UTF-16 ``<!DOCTYPE`` is not the ASCII bytes) and again from the parsed tree, so entity bombs and
external entities are never expanded and never fetched.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from lxml import etree

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class _DenyResolver(etree.Resolver):
    """Answers every request for an external resource (DTD, entity) with nothing: no file, no network."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        return self.resolve_string("", context)


def _safe_parser(**options: str) -> etree.XMLParser:
    """A parser that expands no entity and fetches, loads and validates against no DTD."""
    # Note: ``collect_ids=False`` makes lxml 6 / libxml2 2.14 read a DOCTYPE's external subset from disk even with
    # ``load_dtd=False``; it stays at its default, and the resolver denies whatever is still asked for.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        **options,
    )
    parser.resolvers.add(_DenyResolver())
    return parser


_PARSER = _safe_parser()
_PARSERS: dict[str, etree.XMLParser] = {}


def _parser(encoding: str | None) -> etree.XMLParser:
    """The safe parser, reading the bytes as ``encoding`` when one is given and known (else as they declare)."""
    if not encoding:
        return _PARSER
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return _PARSER
    if name not in _PARSERS:
        _PARSERS[name] = _safe_parser(encoding=name)
    return _PARSERS[name]


# A DOCTYPE can only stand in the prolog: after the XML declaration, comments, processing instructions and space.
_DOCTYPE = re.compile(r"^\ufeff?(?:\s+|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.IGNORECASE | re.DOTALL)
_HTML = re.compile(r"^\ufeff?\s*(<!DOCTYPE\s+html|<html)", re.IGNORECASE)
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


@dataclass(frozen=True)
class NotXml:
    """Why a body could not be accepted as a SOAP message; ``where`` is line:column when known."""

    reason: str
    where: str = "response body"
    kind: str = "syntax"  # empty | too-large | html | dtd | syntax

    def __str__(self) -> str:
        return f"{self.reason} (at {self.where})"


def looks_like_html(body: bytes) -> bool:
    return bool(_HTML.match(_text_of(body[:1024])))


def _text_of(body: bytes) -> str:
    """``body`` as text in the encoding its first bytes reveal (XML 1.0 Appendix F); UTF-8 otherwise."""
    codec = next((name for bom, name in _BOMS if body.startswith(bom)), "utf-8")
    return body.decode(codec, "replace")


def _encoding_of(body: bytes) -> str:
    """The encoding a parser reads ``body`` in: a BOM, else the XML declaration's, else UTF-8."""
    codec = next((name for bom, name in _BOMS if body.startswith(bom)), None)
    if codec:
        return codec.upper()
    match = re.match(rb"<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", body[:200])
    return match.group(1).decode("ascii").upper() if match else "UTF-8"


def has_dtd(body: bytes) -> bool:
    """Whether the document's prolog declares a DTD (checked in the document's own encoding)."""
    return bool(_DOCTYPE.match(_text_of(body[:65536])))


@dataclass(frozen=True)
class Bounds:
    """What the suite is willing to parse and judge. ``max_markup`` bounds the start tags and the attribute values
    (counted as ``<`` and ``=`` in the raw bytes, an over-estimate): the cost of parsing and of explaining schema
    errors grows with them, and a Reject reply has a few dozen. ``None``: no markup bound (WSDLs, our own requests)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_markup: int | None = None


RESPONSE_BOUNDS = Bounds(max_markup=20_000)


def markup_counts(body: bytes) -> tuple[int, int]:
    """``(tags, attribute values)`` upper bounds: the ``<`` and ``=`` in ``body``, in the encoding its start reveals."""
    codec = next((name for bom, name in _BOMS if body.startswith(bom)), "utf-8")
    if codec == "utf-8":
        return body.count(b"<"), body.count(b"=")
    return body.count("<".encode(codec)), body.count("=".encode(codec))


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, lower-cased (``None`` when absent)."""
    params = [p.strip() for p in (content_type or "").split(";")[1:]]
    return next(
        (p.split("=", 1)[1].strip().strip('"').lower() for p in params if p.lower().startswith("charset=")), None
    )


def parse_xml(
    body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_markup: int | None = None, encoding: str | None = None
) -> etree._Element | NotXml:
    """The document element of ``body``, or a ``NotXml`` saying why it is not a usable XML message. ``encoding``:
    the HTTP charset, which wins over the XML declaration where both are given (RFC 7303 §3.2)."""
    if not body.strip():
        return NotXml("empty body where an XML document was expected", kind="empty")
    if len(body) > max_bytes:
        return NotXml(f"body of {len(body):,} bytes exceeds the {max_bytes:,}-byte cap; not parsed", kind="too-large")
    if max_markup is not None:
        tags, values = markup_counts(body)
        if max(tags, values) > max_markup:
            return NotXml(
                f"{tags:,} tags and {values:,} attribute values ('<' and '=') in {len(body):,} bytes: beyond the "
                f"suite's judging bound of {max_markup:,} (a Reject reply has a few dozen); not parsed",
                kind="too-large",
            )
    if looks_like_html(body):
        return NotXml(f"an HTML page where a SOAP envelope was expected: {html_title(body)!r}", kind="html")
    if has_dtd(body):
        # SOAP 1.2 Part 1 §5 and WS-I BP1 R1008 forbid a DTD; refusing it also defuses entity bombs and XXE.
        return NotXml(_DTD_REFUSED, kind="dtd")
    try:
        root = etree.fromstring(body, _parser(encoding))
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (0, 0)
        reason = _first_line(exc.msg)
        if "encoding" in reason.lower() or "utf-8" in reason.lower():
            reason += f" (the bytes are not valid {_encoding_of(body)})"
        return NotXml(f"not well-formed XML: {reason}", f"line {line}:{col}")
    except (ValueError, LookupError) as exc:  # e.g. an encoding declaration naming an unknown encoding
        return NotXml(f"not parseable as XML: {exc}")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.system_url:
        return NotXml(_DTD_REFUSED, kind="dtd")  # a prolog the byte check could not read; the parser expanded nothing
    return root


_DTD_REFUSED = "the document contains a DTD (<!DOCTYPE>), which SOAP messages must not; not expanded, not fetched"


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
        return _text_of(body)
    etree.indent(parsed)
    return etree.tostring(parsed, encoding="unicode")
