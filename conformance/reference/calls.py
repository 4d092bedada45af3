"""The values the reference endpoint's parts pass around: a reply, and a call it accepted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from lxml import etree

from ..contract.soap import SoapVersion, qname


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    writer: Callable[[BinaryIO], None] | None = None  # raw bytes instead of a normal reply (hostile variants)
    reason: str | None = None  # the HTTP reason phrase, when not the standard one (WCF's 415)


@dataclass
class Call:
    """A request the service accepted: a Reject, or a read or Accept of one appointment."""

    version: SoapVersion
    envelope: etree._Element
    appointment_id: int
    reason: str | None
    mode: str
    ticket: str | None
    application_token: str | None
    extra: dict[str, str] = field(default_factory=dict)


def header_text(header: etree._Element | None, *path: str) -> str | None:
    if header is None:
        return None
    node = header.find("/".join(qname(p) for p in path))
    return node.text if node is not None else None
