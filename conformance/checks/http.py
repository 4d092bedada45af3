"""Checks on the HTTP framing of a SOAP reply: its status and its media type."""

from __future__ import annotations

from ..contract.parsing import charset_of
from ..contract.rules import R1012, R1018, R1111, R1124, R9702, SOAP11_MEDIA_TYPE, SOAP12_MEDIA_TYPE
from ..contract.soap import SOAP11
from .context import CheckContext
from .registry import NOT_APPLICABLE, Failure, Outcome, check

UNICODE = ("utf-8", "utf-16", "utf-16le", "utf-16be")


@check("http-status", "HTTP framing", R1124, R1111)
def http_status(ctx: CheckContext) -> Outcome:
    """A reply envelope that is not a fault travels with a 2xx status (MUST), and with 200 OK (SHOULD).

    Not applicable to faults (``fault-status``) and to replies without a SOAP envelope."""
    if not ctx.is_envelope or ctx.fault is not None:
        return NOT_APPLICABLE
    response = ctx.response
    if response.status == 200:
        return None
    got = f"HTTP {response.status} {response.reason}".rstrip()
    if 200 <= response.status < 300:
        return Failure("HTTP 200 OK for a reply envelope that is not a fault", got, "HTTP status line", R1111)
    return Failure(
        f"a 2xx status for a reply envelope that is not a fault ({ctx.outcome_text()})", got, "HTTP status line", R1124
    )


@check("content-type", "HTTP framing", R9702, SOAP11_MEDIA_TYPE, SOAP12_MEDIA_TYPE, R1012, R1018)
def content_type(ctx: CheckContext) -> Outcome:
    """A SOAP reply's Content-Type suits the envelope it carries (MUST): ``text/xml`` with a ``charset`` naming the
    body's encoding, UTF-8 or UTF-16, for SOAP 1.1; ``application/soap+xml`` (or another XML media type) for
    SOAP 1.2. An XML declaration that disagrees with a correct charset is no finding (receivers ignore it, R1019).

    Judged by the reply's envelope, not by the request; not applicable to replies without a SOAP envelope."""
    if not ctx.is_envelope:
        return NOT_APPLICABLE
    version = ctx.reply_version
    header = ctx.response.header("Content-Type")
    if not header:
        return Failure(f"a Content-Type header ({version.media_type})", "no Content-Type header", "HTTP headers", R9702)
    media = header.split(";")[0].strip().lower()
    charset = charset_of(header)
    if version is SOAP11:
        if media != SOAP11.media_type:
            return Failure(
                f"Content-Type text/xml for a {version.label} envelope",
                f"Content-Type: {header}",
                "HTTP headers",
                SOAP11_MEDIA_TYPE,
            )
        if charset is None:
            return Failure(
                "a charset parameter naming the body's encoding", f"Content-Type: {header}", "HTTP headers", R1018
            )
    elif not _xml_media_type(media):
        return Failure(
            f"Content-Type {version.media_type} (or another XML media type) for a {version.label} envelope",
            f"Content-Type: {header}",
            "HTTP headers",
            SOAP12_MEDIA_TYPE,
        )
    if charset is None:
        return None
    if version is SOAP11 and charset not in UNICODE:
        return Failure("charset utf-8 or utf-16", f"charset={charset}", "HTTP headers", R1012)
    if not _decodes(ctx.response.body, charset):
        return Failure(
            f"a body encoded as the charset says ({charset})",
            f"bytes that are not valid {charset}",
            "HTTP headers and body",
            R1018,
        )
    return None


def _xml_media_type(media: str) -> bool:
    return media in ("application/soap+xml", "text/xml", "application/xml") or media.endswith("+xml")


def _decodes(body: bytes, charset: str) -> bool:
    """Whether ``body`` is text in ``charset`` (a UTF-16 body must carry a byte order mark or start with ``<``)."""
    if charset.startswith("utf-16"):
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return len(body) % 2 == 0
        return body[:2] in (b"<\x00", b"\x00<") and len(body) % 2 == 0
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):  # a UTF-16 byte order mark under a non-UTF-16 charset
        return False
    try:
        body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
