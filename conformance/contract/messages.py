"""Building Reject requests for either SOAP version, and reading the parts of a response envelope."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .soap import EMPTY_CONTENT, REJECT_ACTION, SERVICES82_NS, SoapVersion, qname

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


class Nil:
    """Marker for an element sent as ``xsi:nil="true"``."""

    def __repr__(self) -> str:
        return "NIL"


NIL = Nil()


@dataclass(frozen=True)
class RejectCall:
    """The three Reject parameters. ``None`` omits an element; a ``str`` id sends a deliberately bad value."""

    appointment_id: int | str | None = 0
    reject_reason: str | Nil | None = ""
    update_mode: str | None = "Unknown"


@dataclass(frozen=True)
class Credentials:
    """Request headers that authenticate a call. Values are secrets: never printed, never reported."""

    ticket: str | None = None
    application_token: str | None = None
    time_zone_id: int | None = None

    def __repr__(self) -> str:
        shown = {k: ("***" if v else None) for k, v in vars(self).items() if k != "time_zone_id"}
        return f"Credentials({shown}, time_zone_id={self.time_zone_id})"


@dataclass(frozen=True)
class OutgoingRequest:
    """Bytes and HTTP headers ready to POST."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def reject_envelope(call: RejectCall, version: SoapVersion, credentials: Credentials) -> etree._Element:
    """A ``soap:Envelope`` with the credential headers inside ``soap:Header`` and ``Reject`` in the body."""
    env = soap_envelope(version, credentials)
    env[-1].append(reject_element(call))
    return env


def soap_envelope(version: SoapVersion, credentials: Credentials) -> etree._Element:
    """A ``soap:Envelope`` with the credential headers inside ``soap:Header`` (none: no Header) and an empty
    ``soap:Body``, its last child."""
    env = etree.Element(version.envelope_tag("Envelope"), nsmap={"soap": version.envelope_ns, "so": SERVICES82_NS})
    header = etree.SubElement(env, version.envelope_tag("Header"))
    if credentials.application_token is not None:
        etree.SubElement(header, qname("ApplicationToken")).text = credentials.application_token
    if credentials.ticket is not None:
        creds = etree.SubElement(header, qname("Credentials"))
        etree.SubElement(creds, qname("Ticket")).text = credentials.ticket
    if credentials.time_zone_id is not None:
        tz = etree.SubElement(header, qname("TimeZone"))
        etree.SubElement(tz, qname("SoTimeZoneId")).text = str(credentials.time_zone_id)
    if len(header) == 0:
        env.remove(header)
    etree.SubElement(env, version.envelope_tag("Body"))
    return env


def reject_element(call: RejectCall) -> etree._Element:
    reject = etree.Element(qname("Reject"), nsmap={"so": SERVICES82_NS})
    for name, value in (
        ("AppointmentId", call.appointment_id),
        ("RejectReason", call.reject_reason),
        ("UpdateMode", call.update_mode),
    ):
        if value is None:
            continue
        child = etree.SubElement(reject, qname(name))
        if isinstance(value, Nil):
            child.set(f"{{{XSI_NS}}}nil", "true")
        else:
            child.text = str(value)
    return reject


def serialize(envelope: etree._Element) -> bytes:
    """UTF-8 with an XML declaration; lxml escapes ``& < >`` and writes CR as ``&#13;`` so it survives parsing."""
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def outgoing(envelope: etree._Element, version: SoapVersion, action: str = REJECT_ACTION) -> OutgoingRequest:
    return OutgoingRequest(serialize(envelope), version.request_headers(action))


# --- reading envelopes ------------------------------------------------------------------------------


def envelope_parts(root: etree._Element, version: SoapVersion) -> tuple[etree._Element | None, etree._Element | None]:
    """``(Header, Body)`` children of an envelope in ``version``'s namespace (``None`` when absent)."""
    header = root.find(version.envelope_tag("Header"))
    body = root.find(version.envelope_tag("Body"))
    return header, body


def element_children(element: etree._Element | None) -> list[etree._Element]:
    """Element children only (no comments or processing instructions)."""
    if element is None:
        return []
    return [c for c in element if isinstance(c.tag, str)]


def xpath_of(element: etree._Element) -> str:
    """A readable XPath with prefixes as in the document, e.g. ``/s:Envelope/s:Body/so:RejectResponse``."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        q = etree.QName(node)
        prefix = node.prefix
        steps.append(f"{prefix}:{q.localname}" if prefix else q.localname)
        node = node.getparent()
    return "/" + "/".join(reversed(steps))


def drop_indentation(root: etree._Element) -> etree._Element:
    """Remove whitespace-only text inside empty-content elements (pretty-printing), in place."""
    for tag in EMPTY_CONTENT:
        for node in root.iter(tag):
            if len(node) == 0 and node.text is not None and not node.text.strip():
                node.text = None
    return root
