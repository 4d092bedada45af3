"""The view of one exchange the checks share: the response parsed once, its envelope parts, its fault, its
Succeeded/ExceptionInfo headers, and the schema errors attributed to the part they concern."""

from __future__ import annotations

import enum
from collections.abc import Callable

from lxml import etree

from .contract import SoapVersion, qname
from .messages import drop_indentation, element_children, envelope_parts
from .schemas import SchemaError, envelope_schema
from .transport import Exchange
from .xmlparse import NotXml, parse_xml


class cached_property:  # a drop-in for functools.cached_property
    """``functools.cached_property`` without the lock Python 3.11 takes on every first access (~1 µs each, nine per
    response); a ``CheckContext`` is never shared between threads."""

    def __init__(self, func: Callable) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None):  # returns whatever func returns
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


class Expect(enum.Enum):
    """What a case expects of the endpoint."""

    ACCEPT = "accept"  # a valid Reject on an allow-listed id: neither fault nor Succeeded=false
    REJECT = "reject"  # invalid input: a SOAP fault or Succeeded=false + ExceptionInfo
    AUTH = "auth"  # missing or wrong credentials: rejected the same ways
    ANY = "any"  # no opinion on the outcome (only the message shape is checked)


class CheckContext:
    """One exchange, what it should have done, and the parsed response (computed once, shared by checks)."""

    def __init__(
        self,
        exchange: Exchange,
        expect: Expect = Expect.ANY,
        *,
        sla_seconds: float | None = None,
        max_bytes: int | None = None,
        http_refusals: tuple[int, ...] = (),
    ) -> None:
        self.exchange = exchange
        self.expect = expect
        self.http_refusals = http_refusals  # statuses that reject the call before SOAP (e.g. 415 for a media type)
        self.sla_seconds = sla_seconds
        self._max_bytes = max_bytes

    @property
    def version(self) -> SoapVersion:
        return self.exchange.version

    @property
    def response(self):  # noqa: ANN201
        return self.exchange.response

    @cached_property
    def root(self) -> etree._Element | NotXml:
        assert self.response is not None
        kwargs = {"max_bytes": self._max_bytes} if self._max_bytes else {}
        root = parse_xml(self.response.body, **kwargs)
        return root if isinstance(root, NotXml) else drop_indentation(root)

    @property
    def xml(self) -> etree._Element | None:
        root = self.root
        return None if isinstance(root, NotXml) else root

    @cached_property
    def is_envelope(self) -> bool:
        return self.xml is not None and self.xml.tag == self.version.envelope_tag("Envelope")

    @cached_property
    def header(self) -> etree._Element | None:
        return envelope_parts(self.xml, self.version)[0] if self.is_envelope else None

    @cached_property
    def body(self) -> etree._Element | None:
        return envelope_parts(self.xml, self.version)[1] if self.is_envelope else None

    @cached_property
    def body_child(self) -> etree._Element | None:
        children = element_children(self.body)
        return children[0] if children else None

    @cached_property
    def fault(self) -> etree._Element | None:
        child = self.body_child
        return child if child is not None and child.tag == self.version.envelope_tag("Fault") else None

    @cached_property
    def fault_code(self) -> str | None:
        """Local name of the fault code (``Sender``, ``Client``…), ``None`` if there is none."""
        if self.fault is None:
            return None
        if self.version.name == "1.1":
            node = self.fault.find("faultcode")
        else:
            node = self.fault.find(f"{self.version.envelope_tag('Code')}/{self.version.envelope_tag('Value')}")
        if node is None or not (node.text or "").strip():
            return None
        return node.text.strip().split(":")[-1]

    @cached_property
    def fault_reason(self) -> str:
        if self.fault is None:
            return ""
        texts = self.fault.xpath(".//*[local-name()='faultstring' or local-name()='Text']/text()")
        return " ".join(" ".join(texts).split())[:200]

    def response_header(self, local: str) -> etree._Element | None:
        return None if self.header is None else self.header.find(qname(local))

    @cached_property
    def succeeded(self) -> bool | None:
        node = self.response_header("Succeeded")
        if node is None:
            return None
        return (node.text or "").strip() not in ("false", "0")

    @cached_property
    def exception_message(self) -> str | None:
        """The reported exception's Message (or FriendlyText), ``None`` when no exception is reported."""
        node = self.response_header("ExceptionInfo")
        if node is None or node.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true":
            return None
        texts = [node.findtext(qname(n)) for n in ("Message", "FriendlyText", "ExceptionType")]
        return next((t.strip() for t in texts if t and t.strip()), "(ExceptionInfo without a message)")

    @cached_property
    def schema_errors(self) -> dict[str, list[SchemaError]]:
        """Schema errors of the whole envelope, attributed to the part they concern."""
        attributed: dict[str, list[SchemaError]] = {"envelope": [], "body": [], "fault": [], "header": []}
        if not self.is_envelope:
            return attributed
        for error in envelope_schema(self.version).errors(self.xml):
            attributed[_part_of(error.path)].append(error)
        return attributed

    def outcome_text(self) -> str:
        """What the response amounts to, in words, for expected/got messages."""
        if self.fault is not None:
            return f"a SOAP fault ({self.fault_code or 'no code'}: {self.fault_reason or 'no reason'})"
        if self.succeeded is False:
            return f"Succeeded=false ({self.exception_message})"
        if self.body_child is not None:
            return f"{etree.QName(self.body_child).localname} with Succeeded={bool_text(self.succeeded)}"
        return "an envelope with an empty Body"


def bool_text(value: bool | None) -> str:
    return "(absent)" if value is None else str(value).lower()


def _part_of(path: str) -> str:
    steps = [s.split(":")[-1] for s in path.strip("/").split("/")]
    if len(steps) >= 3 and steps[1] == "Body":
        return "fault" if steps[2] == "Fault" else "body"
    if len(steps) >= 3 and steps[1] == "Header":
        return "header"
    return "envelope"
