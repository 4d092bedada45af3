"""SOAP handling of the reference endpoint: from request bytes and headers to a reply, no sockets involved.

The suite's model of SuperOffice: it answers as WCF ``basicHttpBinding`` does (``shared/reference/WCF-WIRE.md``)
before any SuperOffice code runs, then as SuperOffice's service code does:

* another media type than ``text/xml``: ``415`` with an empty body and WCF's reason in the status line;
* a body that is not well-formed XML, or not a SOAP envelope: ``400`` with an empty body;
* a message over ``max_message_size`` (WCF's ``maxReceivedMessageSize``, 64 KB by default): ``413``, empty body;
* a SOAP 1.2 envelope on the SOAP 1.1 binding: a SOAP 1.1 ``VersionMismatch`` fault (SOAP 1.1 §4.1.2);
* an action of no operation: fault ``a:ActionNotSupported`` (addressing namespace);
* a mandatory header it does not understand: fault ``s:MustUnderstand``;
* a wrapper element other than ``{Services82}Reject``, or a value that does not deserialize (not an ``xs:int``,
  ``xsi:nil`` on the id, a name outside ``RecurrenceUpdateMode``): fault ``a:DeserializationFailed``;
* the wrapper's children read in contract order, as WCF's operation formatter does: a child that is not the next
  expected part leaves that part at its default (id 0, reason null, mode ``Unknown``); extra children are skipped;
* an exception escaping its own code: fault ``a:InternalServiceFault``;
* then SuperOffice: application errors (no such appointment, not the caller's, bad ticket) as ``Succeeded=false``
  + ``ExceptionInfo`` in a normal reply (or as faults, with ``faults_for_app_errors``).

SOAP 1.1 faults carry WCF's subcode as the ``faultcode`` with an ``xml:lang="en-US"`` reason, byte for byte as WCF
writes them. SOAP 1.2 (the documentation's examples) is an explicit option (``soap12``), as a second WCF binding
would be; its faults carry ``s:Sender``/``s:Receiver`` with WCF's subcode. Each step is a method, so that a test
can derive a variant that breaks exactly one thing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from ..contract.messages import XSI_NS, element_children, envelope_parts
from ..contract.parsing import NotXml, parse_xml
from ..contract.principal import PRINCIPAL_PATH
from ..contract.schemas import WSDL_FILE
from ..contract.soap import (
    INT32_MAX,
    INT32_MIN,
    REJECT_ACTION,
    SERVICE_PATH,
    SERVICES82_NS,
    SOAP11,
    SOAP12,
    UPDATE_MODES,
    SoapVersion,
    qname,
    version_for_namespace,
)
from .calls import Call, Reply, header_text
from .entities import OPERATIONS, EntityOperations
from .metadata import contract_document
from .principal import REFERENCE_PASSWORD, REFERENCE_USER, PrincipalService
from .store import CALLER, REFERENCE_TICKET, AppError, AppointmentStore
from .tickets import Tickets
from .wcf import (
    ACTION_NOT_SUPPORTED,
    ADDRESSING_NONE_NS,
    INTERNAL_SERVICE_FAULT,
    SoapFault,
    _header,
    deserialization_failed,
    request_action,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMAS = ("services82-appointment.xsd", "services82-appointment-serialization.xsd")  # ?xsd=xsd0, ?xsd=xsd1


UNDERSTOOD_HEADERS = (qname("ApplicationToken"), qname("Credentials"), qname("TimeZone"))


REJECT_PARTS = ("AppointmentId", "RejectReason", "UpdateMode")


_INT = re.compile(r"[+-]?[0-9]+")


_XML_SPACE = " \t\r\n"


@dataclass
class ServiceOptions:
    ticket: str = REFERENCE_TICKET
    application_token: str | None = None  # set: Online mode, the token is required
    faults_for_app_errors: bool = False
    soap12: bool = False  # also answer SOAP 1.2 (application/soap+xml), as a second WCF binding would
    sender_fault_status: int = 500  # WCF answers 500; SOAP 1.2's HTTP binding maps Sender faults to 400
    max_message_size: int = 65536  # WCF's maxReceivedMessageSize default
    user: str = REFERENCE_USER  # the test user SoPrincipal.svc logs in
    password: str = field(default=REFERENCE_PASSWORD, repr=False)
    ticket_lifetime: int | None = None  # calls after which every ticket expires (to test expiry mid-run)


class ReferenceService:
    def __init__(self, store: AppointmentStore | None = None, options: ServiceOptions | None = None) -> None:
        self.store = store or AppointmentStore()
        self.options = options or ServiceOptions()
        self.tickets = Tickets(self.options.ticket, self.options.ticket_lifetime)
        self.principal = PrincipalService(self)
        self.entities = EntityOperations(self)

    # --- dispatch --------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes, base_url: str) -> Reply:
        if path == PRINCIPAL_PATH:
            return self.principal.handle(method, query, headers, body, base_url)
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
        content_type = _header(headers, "Content-Type") or ""
        version = self.binding_for(content_type)
        if version is None:
            return self.refusal(
                415,
                f"Cannot process the message because the content type '{content_type}' was not the expected type "
                f"'{SOAP11.media_type}; charset=utf-8'.",
            )
        if len(body) > self.options.max_message_size:
            return self.refusal(413, "Request Entity Too Large")
        root = parse_xml(body)
        if isinstance(root, NotXml) or etree.QName(root).localname != "Envelope":
            return self.refusal(400, "Bad Request")
        action = request_action(version, headers)
        if action in OPERATIONS and version_for_namespace(etree.QName(root).namespace) is version:
            return self.entities.handle(version, action, headers, body)
        try:
            try:
                call = self.parse_call(version, headers, body)
                self.authenticate(call)
                self.store.reject(CALLER, call.appointment_id, call.reason or "", call.mode)
            except (SoapFault, AppError):
                raise
            except Exception:  # WCF turns whatever escapes the service code into this fault
                raise SoapFault("receiver", INTERNAL_SERVICE_FAULT, "a:InternalServiceFault") from None
        except SoapFault as fault:
            answer_in = SOAP11 if fault.code == "version" else version
            return self.fault(answer_in, fault)
        except AppError as error:
            return self.app_error(version, error)
        return self.success(version, call)

    def binding_for(self, content_type: str) -> SoapVersion | None:
        """The binding a Content-Type reaches: SOAP 1.1 for text/xml, SOAP 1.2 when enabled; else none (415)."""
        media = content_type.split(";", 1)[0].strip().lower()
        if media == SOAP11.media_type:
            return SOAP11
        if media == SOAP12.media_type and self.options.soap12:
            return SOAP12
        return None

    # --- request side ----------------------------------------------------------------------------

    def parse_call(self, version: SoapVersion, headers: dict[str, str], body: bytes) -> Call:
        root = parse_xml(body)
        if isinstance(root, NotXml):
            raise SoapFault("sender", f"The request is not a well-formed XML message: {root}")
        sent = version_for_namespace(etree.QName(root).namespace)
        if sent is not version:
            raise SoapFault(
                "version",
                f"The envelope version of the incoming message ({_label(sent, root)}) does not match that of the "
                f"encoder ({version.label}). Make sure the binding is configured with the same version as the "
                "expected messages.",
            )
        self.check_action(version, headers)
        header, soap_body = envelope_parts(root, version)
        self.check_headers(version, header)
        reject = self.wrapper(soap_body)
        parts = self.read_parts(reject)
        return Call(
            version=version,
            envelope=root,
            appointment_id=parts["AppointmentId"],
            reason=parts["RejectReason"],
            mode=parts["UpdateMode"],
            ticket=header_text(header, "Credentials", "Ticket"),
            application_token=header_text(header, "ApplicationToken"),
        )

    def check_action(self, version: SoapVersion, headers: dict[str, str]) -> None:
        action = request_action(version, headers) or ""
        if action != REJECT_ACTION:
            raise SoapFault(
                "sender", ACTION_NOT_SUPPORTED.format(action=action), "a:ActionNotSupported", ADDRESSING_NONE_NS
            )

    def check_headers(self, version: SoapVersion, header: etree._Element | None) -> None:
        """A header block marked mustUnderstand that this service does not know: a MustUnderstand fault."""
        for block in element_children(header):
            flag = (block.get(version.envelope_tag("mustUnderstand")) or "").strip()
            if flag in ("1", "true") and block.tag not in UNDERSTOOD_HEADERS:
                q = etree.QName(block)
                raise SoapFault(
                    "mustunderstand",
                    f"The header '{q.localname}' from the namespace '{q.namespace}' was not understood by the "
                    "recipient of this message, causing the message to not be processed.",
                )

    def wrapper(self, soap_body: etree._Element | None) -> etree._Element:
        """The body's wrapper element, which must be ``{Services82}Reject`` (WCF: a deserialization fault)."""
        children = element_children(soap_body)
        if children and children[0].tag == qname("Reject"):
            return children[0]
        if children:
            q = etree.QName(children[0])
            found = f"Encountered 'Element'  with name '{q.localname}', namespace '{q.namespace or ''}'."
        else:
            found = "Encountered 'EndElement'  with name 'Body', namespace 'http://schemas.xmlsoap.org/soap/envelope/'."
        text = (
            "The formatter threw an exception while trying to deserialize the message: Error in deserializing body "
            f"of request message for operation 'Reject'. OperationFormatter encountered an invalid Message body. "
            f"Expected to find node type 'Element' with name 'Reject' and namespace '{SERVICES82_NS}'. {found}"
        )
        raise SoapFault("sender", text, "a:DeserializationFailed")

    def read_parts(self, reject: etree._Element) -> dict[str, object]:
        """The parts in contract order: a child that is not the next expected part leaves that part at its
        default and is met again for the next part; what is left after the last part is skipped."""
        parts: dict[str, object] = {"AppointmentId": 0, "RejectReason": None, "UpdateMode": "Unknown"}
        children = element_children(reject)
        cursor = 0
        for name in REJECT_PARTS:
            if cursor < len(children) and children[cursor].tag == qname(name):
                parts[name] = self.read_value(name, children[cursor])
                cursor += 1
        return parts

    def read_value(self, name: str, node: etree._Element) -> object:
        nil = (node.get(f"{{{XSI_NS}}}nil") or "").strip() in ("true", "1")
        text = "".join(node.itertext())
        if name == "RejectReason":
            return None if nil else text
        if nil:
            raise deserialization_failed(name, f"The value '' cannot be parsed as the type '{_type_of(name)}'.")
        value = text.strip(_XML_SPACE)
        if name == "AppointmentId":
            if not _INT.fullmatch(value) or not INT32_MIN <= int(value) <= INT32_MAX:
                raise deserialization_failed(name, f"The value '{value}' cannot be parsed as the type 'Int32'.")
            return int(value)
        if value not in UPDATE_MODES:
            raise deserialization_failed(
                name,
                f"Invalid enum value '{value}' cannot be deserialized into type "
                "'SuperOffice.CRM.Services.RecurrenceUpdateMode'. Ensure that the necessary enum values are present "
                "and are marked with EnumMemberAttribute attribute if the type has DataContractAttribute attribute.",
            )
        return value

    def authenticate(self, call: Call) -> None:
        if self.options.application_token is not None and call.application_token != self.options.application_token:
            raise AppError(
                "SoApplicationTokenException", "A valid ApplicationToken is required by this Online installation"
            )
        if not call.ticket:
            raise AppError("SoNotAuthenticatedException", "No credentials: the Credentials/Ticket header is missing")
        refused = self.tickets.use(call.ticket)
        if refused:
            raise AppError("SoNotAuthenticatedException", refused)

    # --- response side ---------------------------------------------------------------------------

    def success(self, version: SoapVersion, call: Call) -> Reply:
        env, header, body = self.envelope(version)
        _element(header, "Succeeded").text = "true"
        _element(body, "RejectResponse")
        return self.soap_reply(200, version, env)

    def app_error(self, version: SoapVersion, error: AppError, response: str = "RejectResponse") -> Reply:
        if self.options.faults_for_app_errors:
            return self.fault(version, SoapFault("receiver", f"{error.exception_type}: {error.message}"))
        env, header, body = self.envelope(version)
        info = _element(header, "ExceptionInfo")
        etree.SubElement(info, qname("Message")).text = error.message
        etree.SubElement(info, qname("ExceptionType")).text = error.exception_type
        _element(header, "Succeeded").text = "false"
        _element(body, response)
        return self.soap_reply(200, version, env)

    def fault(self, version: SoapVersion, fault: SoapFault) -> Reply:
        env, _header, body = self.envelope(version, with_header=False)
        codes = {
            "sender": version.sender_code,
            "receiver": version.receiver_code,
            "version": "VersionMismatch",
            "mustunderstand": "MustUnderstand",
        }
        element = etree.SubElement(body, version.envelope_tag("Fault"))
        if version is SOAP11:
            if fault.subcode:  # WCF writes the subcode as the SOAP 1.1 faultcode
                code = etree.SubElement(element, "faultcode", nsmap={"a": fault.subcode_ns})
                code.text = fault.subcode
            else:
                etree.SubElement(element, "faultcode").text = f"s:{codes[fault.code]}"
            reason = etree.SubElement(element, "faultstring")
        else:
            code_el = etree.SubElement(element, version.envelope_tag("Code"))
            etree.SubElement(code_el, version.envelope_tag("Value")).text = f"s:{codes[fault.code]}"
            if fault.subcode:
                sub = etree.SubElement(code_el, version.envelope_tag("Subcode"))
                etree.SubElement(sub, version.envelope_tag("Value"), nsmap={"a": fault.subcode_ns}).text = fault.subcode
            reason = etree.SubElement(
                etree.SubElement(element, version.envelope_tag("Reason")), version.envelope_tag("Text")
            )
        reason.set(XML_LANG, "en-US")
        reason.text = fault.reason
        return self.soap_reply(self.fault_status(version, fault.code), version, env)

    def fault_status(self, version: SoapVersion, code: str) -> int:
        return self.options.sender_fault_status if (code == "sender" and version is not SOAP11) else 500

    def envelope(
        self, version: SoapVersion, *, with_header: bool = True
    ) -> tuple[etree._Element, etree._Element, etree._Element]:
        """``s:Envelope`` with a Header (or the envelope itself, when there is none) and a Body, as WCF lays out."""
        env = etree.Element(version.envelope_tag("Envelope"), nsmap={"s": version.envelope_ns})
        header = etree.SubElement(env, version.envelope_tag("Header")) if with_header else env
        body = etree.SubElement(env, version.envelope_tag("Body"))
        return env, header, body

    def soap_reply(self, status: int, version: SoapVersion, env: etree._Element) -> Reply:
        return Reply(status, {"Content-Type": self.content_type(version)}, self.serialize(env))

    def content_type(self, version: SoapVersion) -> str:
        return f"{version.media_type}; charset=utf-8"

    def serialize(self, env: etree._Element) -> bytes:
        return etree.tostring(env, encoding="utf-8", xml_declaration=False)

    def refusal(self, status: int, reason: str) -> Reply:
        """An HTTP-level refusal as WCF sends it: the reason in the status line, an empty body."""
        return Reply(status, {"Content-Length": "0"}, b"", reason=reason)

    def plain(self, status: int, text: str) -> Reply:
        return Reply(status, {"Content-Type": "text/plain; charset=utf-8"}, (text + "\n").encode())

    # --- metadata --------------------------------------------------------------------------------

    def metadata(self, query: str, base_url: str) -> Reply:
        url = base_url + SERVICE_PATH
        document = contract_document(WSDL_FILE, SCHEMAS, url, query)
        if document is not None:
            return Reply(200, {"Content-Type": "text/xml; charset=utf-8"}, document)
        return Reply(
            200,
            {"Content-Type": "text/html; charset=utf-8"},
            f"<html><head><title>WcfAppointmentService</title></head><body>Reference endpoint. "
            f"WSDL: <a href='{url}?wsdl'>{url}?wsdl</a></body></html>".encode(),
        )


def _element(parent: etree._Element, local: str) -> etree._Element:
    """A Services82 element declaring its namespace as the default, as WCF writes headers and body wrappers."""
    return etree.SubElement(parent, qname(local), nsmap={None: SERVICES82_NS})


def _label(version: SoapVersion | None, root: etree._Element) -> str:
    if version is not None:
        return version.label.replace("SOAP ", "Soap").replace(".", "")
    return f"unknown namespace '{etree.QName(root).namespace}'"


def _type_of(part: str) -> str:
    return {"AppointmentId": "Int32", "UpdateMode": "RecurrenceUpdateMode"}[part]
