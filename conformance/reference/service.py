"""SOAP handling of the reference endpoint: from request bytes and headers to a reply, no sockets involved.

Answers like a WCF basicHttpBinding service does: application errors as Succeeded=false + ExceptionInfo
(or as faults, when ``faults_for_app_errors``), failures below the service as SOAP faults in the request's
SOAP version. Each step is a method so that a test can derive a variant that breaks exactly one thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from lxml import etree

from ..contract import (
    REJECT_ACTION,
    SERVICE_PATH,
    SERVICES82_NS,
    SOAP11,
    SoapVersion,
    qname,
    version_for_media_type,
    version_for_namespace,
)
from ..messages import element_children, envelope_parts
from ..schemas import WSDL_FILE, envelope_schema, schema_path
from ..xmlparse import NotXml, parse_xml
from .store import CALLER, REFERENCE_TICKET, AppError, AppointmentStore

WCF_NS = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    writer: Callable[[BinaryIO], None] | None = None  # raw bytes instead of a normal reply (hostile variants)


@dataclass
class ServiceOptions:
    ticket: str = REFERENCE_TICKET
    application_token: str | None = None  # set: Online mode, the token is required
    faults_for_app_errors: bool = False
    sender_fault_status: int = 500  # WCF answers 500; SOAP 1.2's HTTP binding also allows 400


class SoapFault(Exception):
    def __init__(self, code: str, reason: str, subcode: str | None = None) -> None:
        super().__init__(reason)
        self.code, self.reason, self.subcode = code, reason, subcode  # code: "sender" | "receiver" | "version"


@dataclass
class Call:
    """A request the service accepted as a Reject."""

    version: SoapVersion
    envelope: etree._Element
    appointment_id: int
    reason: str
    mode: str
    ticket: str | None
    application_token: str | None
    extra: dict[str, str] = field(default_factory=dict)


class ReferenceService:
    def __init__(self, store: AppointmentStore | None = None, options: ServiceOptions | None = None) -> None:
        self.store = store or AppointmentStore()
        self.options = options or ServiceOptions()

    # --- dispatch --------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes, base_url: str) -> Reply:
        if path != SERVICE_PATH:
            return self.plain(404, f"No service at {path}; the reference endpoint serves {SERVICE_PATH}")
        if method == "GET":
            return self.metadata(query, base_url)
        if method != "POST":
            return Reply(
                405,
                {"Allow": "GET, POST", "Content-Type": "text/plain; charset=utf-8"},
                f"Method {method} not allowed\n".encode(),
            )
        version = version_for_media_type(_header(headers, "Content-Type"))
        if version is None:
            return self.plain(
                415,
                f"Cannot process the message because the content type "
                f"'{_header(headers, 'Content-Type')}' was not the expected type "
                "'text/xml; charset=utf-8' or 'application/soap+xml; charset=utf-8'",
            )
        try:
            call = self.parse_call(version, headers, body)
            self.authenticate(call)
            self.store.reject(CALLER, call.appointment_id, call.reason, call.mode)
        except SoapFault as fault:
            return self.fault(version, fault)
        except AppError as error:
            return self.app_error(version, error)
        return self.success(version, call)

    # --- request side ----------------------------------------------------------------------------

    def parse_call(self, version: SoapVersion, headers: dict[str, str], body: bytes) -> Call:
        root = parse_xml(body)
        if isinstance(root, NotXml):
            raise SoapFault("sender", f"The request is not a well-formed XML message: {root}")
        other = version_for_namespace(etree.QName(root).namespace)
        if etree.QName(root).localname != "Envelope" or other is None:
            raise SoapFault("sender", f"The request's document element <{root.tag}> is not a SOAP Envelope")
        if other is not version:
            raise SoapFault("version", f"The envelope is {other.label} but the Content-Type announces {version.label}")
        self.check_action(version, headers)
        header, soap_body = envelope_parts(root, version)
        children = element_children(soap_body)
        if len(children) != 1 or children[0].tag != qname("Reject"):
            got = ", ".join(c.tag for c in children) or "nothing"
            raise SoapFault(
                "sender",
                f"The body must hold one {{{SERVICES82_NS}}}Reject element; it holds {got}",
                "a:ActionNotSupported" if children else None,
            )
        errors = envelope_schema(version).errors(root)
        if errors:
            raise SoapFault(
                "sender",
                f"The formatter threw an exception while trying to deserialize the message: {errors[0]}",
                "a:DeserializationFailed",
            )
        reject = children[0]
        id_text = reject.findtext(qname("AppointmentId"))
        return Call(
            version=version,
            envelope=root,
            appointment_id=int(id_text) if id_text is not None else 0,
            reason=reject.findtext(qname("RejectReason")) or "",
            mode=reject.findtext(qname("UpdateMode")) or "Unknown",
            ticket=_header_text(header, "Credentials", "Ticket"),
            application_token=_header_text(header, "ApplicationToken"),
        )

    def check_action(self, version: SoapVersion, headers: dict[str, str]) -> None:
        action = request_action(version, headers)
        if action and action != REJECT_ACTION:
            raise SoapFault(
                "sender",
                f"The message with Action '{action}' cannot be processed at the receiver: "
                f"this endpoint's operation is '{REJECT_ACTION}'",
                "a:ActionNotSupported",
            )

    def authenticate(self, call: Call) -> None:
        if self.options.application_token is not None and call.application_token != self.options.application_token:
            raise AppError(
                "SoApplicationTokenException", "A valid ApplicationToken is required by this Online installation"
            )
        if not call.ticket:
            raise AppError("SoNotAuthenticatedException", "No credentials: the Credentials/Ticket header is missing")
        if call.ticket != self.options.ticket:
            raise AppError("SoNotAuthenticatedException", "The ticket is not valid or has expired")

    # --- response side ---------------------------------------------------------------------------

    def success(self, version: SoapVersion, call: Call) -> Reply:
        env, header, body = self.envelope(version)
        etree.SubElement(header, qname("Succeeded")).text = "true"
        etree.SubElement(body, qname("RejectResponse"))
        return self.soap_reply(200, version, env)

    def app_error(self, version: SoapVersion, error: AppError) -> Reply:
        if self.options.faults_for_app_errors:
            return self.fault(version, SoapFault("receiver", f"{error.exception_type}: {error.message}"))
        env, header, body = self.envelope(version)
        info = etree.SubElement(header, qname("ExceptionInfo"))
        etree.SubElement(info, qname("Message")).text = error.message
        etree.SubElement(info, qname("ExceptionType")).text = error.exception_type
        etree.SubElement(header, qname("Succeeded")).text = "false"
        etree.SubElement(body, qname("RejectResponse"))
        return self.soap_reply(200, version, env)

    def fault(self, version: SoapVersion, fault: SoapFault) -> Reply:
        env, _header, body = self.envelope(version, with_header=False)
        codes = {"sender": version.sender_code, "receiver": version.receiver_code, "version": "VersionMismatch"}
        code = codes[fault.code]
        element = etree.SubElement(body, version.envelope_tag("Fault"), nsmap={"a": WCF_NS})
        if version is SOAP11:
            etree.SubElement(element, "faultcode").text = f"s:{code}"
            reason = etree.SubElement(element, "faultstring")
            reason.text = fault.reason
            reason.set(XML_LANG, "en-US")
        else:
            code_el = etree.SubElement(element, version.envelope_tag("Code"))
            etree.SubElement(code_el, version.envelope_tag("Value")).text = f"s:{code}"
            if fault.subcode:
                sub = etree.SubElement(code_el, version.envelope_tag("Subcode"))
                etree.SubElement(sub, version.envelope_tag("Value")).text = fault.subcode
            text = etree.SubElement(
                etree.SubElement(element, version.envelope_tag("Reason")), version.envelope_tag("Text")
            )
            text.text = fault.reason
            text.set(XML_LANG, "en-US")
        return self.soap_reply(self.fault_status(version, fault.code), version, env)

    def fault_status(self, version: SoapVersion, code: str) -> int:
        return self.options.sender_fault_status if (code == "sender" and version is not SOAP11) else 500

    def envelope(
        self, version: SoapVersion, *, with_header: bool = True
    ) -> tuple[etree._Element, etree._Element, etree._Element]:
        env = etree.Element(version.envelope_tag("Envelope"), nsmap={"s": version.envelope_ns, "so": SERVICES82_NS})
        header = etree.SubElement(env, version.envelope_tag("Header")) if with_header else env
        body = etree.SubElement(env, version.envelope_tag("Body"))
        return env, header, body

    def soap_reply(self, status: int, version: SoapVersion, env: etree._Element) -> Reply:
        return Reply(status, {"Content-Type": self.content_type(version)}, self.serialize(env))

    def content_type(self, version: SoapVersion) -> str:
        return f"{version.media_type}; charset=utf-8"

    def serialize(self, env: etree._Element) -> bytes:
        return etree.tostring(env, encoding="utf-8", xml_declaration=False)

    def plain(self, status: int, text: str) -> Reply:
        return Reply(status, {"Content-Type": "text/plain; charset=utf-8"}, (text + "\n").encode())

    # --- metadata --------------------------------------------------------------------------------

    def metadata(self, query: str, base_url: str) -> Reply:
        service_url = base_url + SERVICE_PATH
        if query.lower() == "wsdl" or query.lower().startswith("wsdl&"):
            text = schema_path(WSDL_FILE).read_text(encoding="utf-8")
            text = text.replace('schemaLocation="services82-appointment.xsd"', 'schemaLocation="?xsd=xsd0"')
            text = re.sub(r'location="[^"]*"', f'location="{service_url}"', text)
            return Reply(200, {"Content-Type": "text/xml; charset=utf-8"}, text.encode("utf-8"))
        if query.lower() == "xsd=xsd0":
            return Reply(
                200, {"Content-Type": "text/xml; charset=utf-8"}, schema_path("services82-appointment.xsd").read_bytes()
            )
        return Reply(
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            f"<html><head><title>WcfAppointmentService</title></head><body>Reference endpoint. "
            f"WSDL: <a href='{service_url}?wsdl'>{service_url}?wsdl</a></body></html>".encode(),
        )


def request_action(version: SoapVersion, headers: dict[str, str]) -> str | None:
    """The action the request names: the SOAPAction header (1.1) or the Content-Type action parameter (1.2)."""
    if version is SOAP11:
        raw = _header(headers, "SOAPAction")
        return raw.strip().strip('"') if raw is not None else None
    match = re.search(r'action\s*=\s*"?([^";]+)"?', _header(headers, "Content-Type") or "")
    return match.group(1) if match else None


def _header(headers: dict[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _header_text(header: etree._Element | None, *path: str) -> str | None:
    if header is None:
        return None
    node = header.find("/".join(qname(p) for p in path))
    return node.text if node is not None else None
