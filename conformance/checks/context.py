"""The view of one exchange the checks share: the response parsed once, its envelope parts, its fault, its
Succeeded/ExceptionInfo headers, and the schema errors attributed to the part they concern."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING

from lxml import etree

from ..contract.messages import drop_indentation, element_children, envelope_parts
from ..contract.parsing import RESPONSE_BOUNDS, NotXml, parse_xml
from ..contract.rules import Rule
from ..contract.schemas import SchemaViolation, envelope_schema
from ..contract.soap import SOAP11, SoapVersion, qname, version_for_namespace
from ..transport.http import Exchange

if TYPE_CHECKING:
    from ..run.observe import Effect


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
    """One exchange, what it should have done, and the parsed response (computed once, shared by checks).

    ``version`` is the SOAP version of the envelope that was sent; ``reply_version`` the version of the envelope
    that came back (a reply is judged by what it is, not by what the request's Content-Type claimed).
    ``rule`` is the rule behind ``expect`` (why the call must be accepted or refused, and how strongly).
    ``refusable``: the request has a format problem (not well-formed, another media type, invalid values), so
    an HTTP 4xx without a SOAP envelope is a legitimate refusal (WS-I BP R1125)."""

    def __init__(
        self,
        exchange: Exchange,
        expect: Expect = Expect.ANY,
        *,
        rule: Rule | None = None,
        refusable: bool = False,
        sla_seconds: float | None = None,
        max_bytes: int | None = None,
        effect: Effect | None = None,
    ) -> None:
        self.exchange = exchange
        self.effect = effect  # what the Reject did, when it was observed (``run/observe.py``)
        self.expect = expect
        self.rule = rule
        self.refusable = refusable
        self.sla_seconds = sla_seconds
        self._max_bytes = max_bytes

    @property
    def version(self) -> SoapVersion:
        """The SOAP version of the request's envelope."""
        return self.exchange.version

    @property
    def response(self):  # noqa: ANN201
        return self.exchange.response

    @cached_property
    def root(self) -> etree._Element | NotXml:
        assert self.response is not None
        bounds = RESPONSE_BOUNDS
        root = parse_xml(
            self.response.body, max_bytes=self._max_bytes or bounds.max_bytes, max_markup=bounds.max_markup
        )
        return root if isinstance(root, NotXml) else drop_indentation(root)

    @property
    def xml(self) -> etree._Element | None:
        root = self.root
        return None if isinstance(root, NotXml) else root

    @cached_property
    def reply_version(self) -> SoapVersion | None:
        """The SOAP version of the reply's envelope (``None`` when the reply is no SOAP envelope)."""
        root = self.xml
        if root is None:
            return None
        q = etree.QName(root)
        return version_for_namespace(q.namespace) if q.localname == "Envelope" else None

    @cached_property
    def is_envelope(self) -> bool:
        """Whether the reply is a SOAP envelope (of either version)."""
        return self.reply_version is not None

    @cached_property
    def http_refusal(self) -> bool:
        """The call was refused at the HTTP level: a 4xx without a SOAP envelope, to a request with a format
        problem (WS-I BP R1125). No SOAP rule applies to such a reply's body."""
        response = self.response
        if not self.refusable or response is None or not 400 <= response.status < 500:
            return False
        return not self.is_envelope

    @cached_property
    def version_mismatch_reply(self) -> bool:
        """A SOAP 1.1 VersionMismatch fault answering a SOAP 1.2 envelope: what SOAP 1.2 Appendix A prescribes for
        a SOAP 1.1 node (and SOAP 1.1 §4.1.2)."""
        return self.reply_version is SOAP11 and self.version is not SOAP11 and self.fault_code == "VersionMismatch"

    @cached_property
    def header(self) -> etree._Element | None:
        return envelope_parts(self.xml, self.reply_version)[0] if self.is_envelope else None

    @cached_property
    def body(self) -> etree._Element | None:
        return envelope_parts(self.xml, self.reply_version)[1] if self.is_envelope else None

    @cached_property
    def body_child(self) -> etree._Element | None:
        children = element_children(self.body)
        return children[0] if children else None

    @cached_property
    def fault(self) -> etree._Element | None:
        child = self.body_child
        if child is None or not self.is_envelope:
            return None
        return child if child.tag == self.reply_version.envelope_tag("Fault") else None

    @cached_property
    def fault_code_node(self) -> etree._Element | None:
        """``faultcode`` (SOAP 1.1) or ``Code/Value`` (SOAP 1.2) of the fault, ``None`` if there is none."""
        if self.fault is None:
            return None
        version = self.reply_version
        if version is SOAP11:
            return self.fault.find("faultcode")
        return self.fault.find(f"{version.envelope_tag('Code')}/{version.envelope_tag('Value')}")

    @cached_property
    def fault_code(self) -> str | None:
        """Local name of the fault code (``Sender``, ``Client``, ``DeserializationFailed``…), ``None`` if none."""
        node = self.fault_code_node
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
        if node is None or (node.get("{http://www.w3.org/2001/XMLSchema-instance}nil") or "").strip() in ("true", "1"):
            return None
        texts = [node.findtext(qname(n)) for n in ("Message", "FriendlyText", "ExceptionType")]
        return next((t.strip() for t in texts if t and t.strip()), "(ExceptionInfo without a message)")

    @cached_property
    def schema_errors(self) -> dict[str, list[SchemaViolation]]:
        """Schema errors of the whole envelope, attributed to the part they concern."""
        attributed: dict[str, list[SchemaViolation]] = {"envelope": [], "body": [], "fault": [], "header": []}
        if not self.is_envelope:
            return attributed
        for error in envelope_schema(self.reply_version).errors(self.xml):
            attributed[_part_of(error.path)].append(error)
        return attributed

    def outcome_text(self) -> str:
        """What the response amounts to, in words, for expected/got messages."""
        response = self.response
        if not self.is_envelope and response is not None:
            body = (
                "an empty body"
                if not response.body.strip()
                else f"a {len(response.body):,}-byte body that is no SOAP envelope"
            )
            return f"HTTP {response.status} {response.reason} with {body}".replace("  ", " ")
        if self.fault is not None:
            return f"a SOAP fault ({self.fault_code or 'no code'}: {self.fault_reason or 'no reason'})"
        if self.succeeded is False:
            return f"Succeeded=false ({self.exception_message or 'no ExceptionInfo'})"
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
