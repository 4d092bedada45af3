"""Endpoint variants: the reference endpoint with one thing changed, each a small ``ReferenceService`` subclass
(or a store that behaves differently). ``variants.py`` says which are defects and which check must catch them.

Building blocks: ``Edited`` passes every outgoing envelope through ``edit`` (success, application error and fault
alike); ``Triggered`` answers differently when the request's reject reason matches ``triggered``; a custom store
changes the Reject semantics.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import BinaryIO
from xml.sax.saxutils import escape

from lxml import etree

from conformance.contract.messages import XSI_NS, element_children
from conformance.contract.parsing import NotXml, parse_xml
from conformance.contract.soap import (
    INT32_MAX,
    REJECT_ACTION,
    SERVICES82_NS,
    SOAP11,
    SOAP12,
    UPDATE_MODES,
    SoapVersion,
    qname,
)
from conformance.reference.service import Call, ReferenceService, Reply, ServiceOptions
from conformance.reference.store import CALLER, AppError, Appointment, AppointmentStore
from conformance.reference.wcf import SoapFault, request_action

SERVICES81_NS = SERVICES82_NS.replace("Services82", "Services81")
ONLINE_TOKEN = "strength-application-token"


# --- reading and editing envelopes -----------------------------------------------------------------


def soap_body(env: etree._Element) -> etree._Element | None:
    return env.find(f"{{{etree.QName(env).namespace}}}Body")


def body_child(env: etree._Element, local: str) -> etree._Element | None:
    body = soap_body(env)
    if body is None:
        return None
    return next((c for c in element_children(body) if etree.QName(c).localname == local), None)


def soap_header(env: etree._Element, local: str) -> etree._Element | None:
    header = env.find(f"{{{etree.QName(env).namespace}}}Header")
    return None if header is None else header.find(qname(local))


def is_success(env: etree._Element) -> bool:
    node = soap_header(env, "Succeeded")
    return node is not None and node.text == "true"


class Edited(ReferenceService):
    """Every SOAP envelope the service answers with goes through ``edit`` before it is serialized."""

    def soap_reply(self, status: int, version: SoapVersion, env: etree._Element) -> Reply:
        self.edit(env, version)
        return super().soap_reply(status, version, env)

    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        """Change ``env`` in place."""


def request_reason(body: bytes) -> str | None:
    """The RejectReason of a request body, ``None`` when there is none (or the body is not XML)."""
    root = parse_xml(body)
    if isinstance(root, NotXml):
        return None
    node = next(root.iter(qname("RejectReason")), None)
    return None if node is None else (node.text or "")


class Triggered(ReferenceService):
    """Answers ``crash()`` instead of the normal reply when the request's reason satisfies ``triggered``."""

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes, base_url: str) -> Reply:
        reason = request_reason(body) if method == "POST" else None
        if reason is not None and self.triggered(reason):
            return self.crash()
        return super().handle(method, path, query, headers, body, base_url)

    def triggered(self, reason: str) -> bool:
        return False

    def crash(self) -> Reply:
        raise NotImplementedError


class RequestRewrite(ReferenceService):
    """A lenient parser: ``rewrite`` normalizes the request document before the strict reference parsing."""

    def parse_call(self, version: SoapVersion, headers: dict[str, str], body: bytes) -> Call:
        root = parse_xml(body)
        if not isinstance(root, NotXml):
            self.rewrite(root)
            body = etree.tostring(root)
        return super().parse_call(version, headers, body)

    def rewrite(self, root: etree._Element) -> None:
        """Change the request document in place."""


def with_store(store_class: type[AppointmentStore]) -> Callable[[], ReferenceService]:
    """A factory for the reference service over a fresh ``store_class`` store."""

    def make() -> ReferenceService:
        return ReferenceService(store=store_class())

    return make


# --- response message ------------------------------------------------------------------------------


class ResponseInServices81(Edited):
    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        node = body_child(env, "RejectResponse")
        if node is not None:
            node.tag = qname("RejectResponse", SERVICES81_NS)


class ResponseRenamed(Edited):
    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        node = body_child(env, "RejectResponse")
        if node is not None:
            node.tag = qname("RejectResult")


class EntityInResponse(ReferenceService):
    """Returns the 'Updated AppointmentEntity' the documentation's prose promises, as RejectResponse/Response."""

    def success(self, version: SoapVersion, call: Call) -> Reply:
        env, header, body = self.envelope(version)
        etree.SubElement(header, qname("Succeeded")).text = "true"
        entity = etree.SubElement(etree.SubElement(body, qname("RejectResponse")), qname("Response"))
        for name, value in (("AppointmentId", call.appointment_id), ("RejectReason", call.reason)):
            etree.SubElement(entity, qname(name)).text = str(value)
        etree.SubElement(entity, qname("InvitationStatus")).text = "Rejected"
        return self.soap_reply(200, version, env)


class SucceededDotNetCasing(Edited):
    """``Succeeded`` written with .NET's ``bool.ToString()``: "True"/"False", which xs:boolean does not allow."""

    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        node = soap_header(env, "Succeeded")
        if node is not None:
            node.text = node.text.capitalize()


# --- envelope and HTTP framing ----------------------------------------------------------------------


class Soap12MediaTypeAlways(ReferenceService):
    def content_type(self, version: SoapVersion) -> str:
        return "application/soap+xml; charset=utf-8"


class Soap11EnvelopeAlways(ReferenceService):
    def envelope(
        self, version: SoapVersion, *, with_header: bool = True
    ) -> tuple[etree._Element, etree._Element, etree._Element]:
        return super().envelope(SOAP11, with_header=with_header)


class TraceAfterBody(Edited):
    """A message inspector appends a diagnostics element after soap:Body."""

    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        etree.SubElement(env, qname("Trace")).text = "handled-by=app01"


class DuplicatedResponse(Edited):
    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        node = body_child(env, "RejectResponse")
        if node is not None:
            node.addnext(etree.Element(qname("RejectResponse")))


class UnqualifiedResponse(Edited):
    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        node = body_child(env, "RejectResponse")
        if node is not None:  # a new element: the old one declares Services82 as its default namespace
            node.getparent().replace(node, etree.Element("RejectResponse"))


class NoCharset(ReferenceService):
    """``Content-Type: text/xml`` without the charset the WS-I Simple SOAP Binding Profile requires (R1018)."""

    def content_type(self, version: SoapVersion) -> str:
        return version.media_type


class Accepted202(ReferenceService):
    """Successful Rejects answered with ``202 Accepted`` (a queueing front end) instead of ``200 OK``."""

    def success(self, version: SoapVersion, call: Call) -> Reply:
        reply = super().success(version, call)
        reply.status = 202
        return reply


class RefusalClaimsSuccess(ReferenceService):
    """The HTTP refusals (400, 413, 415) carry a SOAP reply that says the Reject succeeded."""

    def refusal(self, status: int, reason: str) -> Reply:
        env, header, body = self.envelope(SOAP11)
        etree.SubElement(header, qname("Succeeded")).text = "true"
        etree.SubElement(body, qname("RejectResponse"))
        reply = self.soap_reply(status, SOAP11, env)
        reply.reason = reason
        return reply


class AppErrorWithHttp500(ReferenceService):
    """Succeeded=false answers (not faults) travel with HTTP 500."""

    def app_error(self, version: SoapVersion, error: AppError) -> Reply:
        reply = super().app_error(version, error)
        reply.status = 500
        return reply


# --- faults -----------------------------------------------------------------------------------------


class FaultWithHttp200(ReferenceService):
    def fault_status(self, version: SoapVersion, code: str) -> int:
        return 200


class Http400ForEveryFault(ReferenceService):
    """SOAP 1.2 maps Sender faults to 400 only; this endpoint sends 400 for every SOAP 1.2 fault, Receiver too."""

    def fault_status(self, version: SoapVersion, code: str) -> int:
        return 400 if version is SOAP12 else super().fault_status(version, code)


def faults_for_app_errors(service_class: type[ReferenceService]) -> Callable[[], ReferenceService]:
    """A factory for ``service_class`` reporting application errors as Receiver faults."""

    def make() -> ReferenceService:
        return service_class(options=ServiceOptions(faults_for_app_errors=True))

    return make


class FaultWithoutFaultstring(Edited):
    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        fault = body_child(env, "Fault")
        node = None if fault is None else fault.find("faultstring")
        if node is not None:
            fault.remove(node)


class Soap11CodesInSoap12Fault(Edited):
    """A port from SOAP 1.1 kept the old fault codes: Value "s:Client"/"s:Server" in a SOAP 1.2 fault."""

    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        renames = {"s:Sender": "s:Client", "s:Receiver": "s:Server"}
        for node in env.iter(version.envelope_tag("Value")):
            node.text = renames.get(node.text, node.text)


IIS_ERROR_PAGE = (
    b"<!DOCTYPE html>\r\n<html><head><title>Runtime Error</title></head><body><h1>Server Error in '/' Application."
    b"</h1><h2><i>Runtime Error</i></h2><p>An application error occurred on the server.</p></body></html>\r\n"
)


def html_error_page() -> Reply:
    return Reply(500, {"Content-Type": "text/html; charset=utf-8"}, IIS_ERROR_PAGE)


class HtmlPageInsteadOfFault(ReferenceService):
    """customErrors switched on: every fault becomes the IIS HTML error page."""

    def fault(self, version: SoapVersion, fault: SoapFault) -> Reply:
        return html_error_page()


class FaultOutsideBody(Edited):
    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        fault = body_child(env, "Fault")
        if fault is not None:
            env.remove(soap_body(env))
            env.append(fault)


class UnboundFaultcodePrefix(ReferenceService):
    """``a:DeserializationFailed`` written without ``xmlns:a``: a faultcode that is no resolvable qualified name."""

    def serialize(self, env: etree._Element) -> bytes:
        return re.sub(rb'<faultcode xmlns:a="[^"]*">', b"<faultcode>", super().serialize(env))


class InventedSoapFaultcode(Edited):
    """A port from SOAP 1.2 kept its code name: ``s:Sender``, in the SOAP 1.1 namespace, where SOAP 1.1 has none."""

    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        fault = body_child(env, "Fault")
        code = None if fault is None else fault.find("faultcode")
        if code is not None:
            code.getparent().replace(code, _faultcode("s:Sender"))


def _faultcode(text: str) -> etree._Element:
    node = etree.Element("faultcode")
    node.text = text
    return node


# --- authentication ---------------------------------------------------------------------------------


class TicketIgnored(ReferenceService):
    def authenticate(self, call: Call) -> None:
        return None


class TokenIgnored(ReferenceService):
    """An Online installation that stopped checking the application token (the ticket is still checked)."""

    def __init__(self) -> None:
        super().__init__(options=ServiceOptions(application_token=ONLINE_TOKEN))

    def authenticate(self, call: Call) -> None:
        if call.ticket != self.options.ticket:
            raise AppError("SoNotAuthenticatedException", "The ticket is not valid or has expired")


class TicketNormalised(ReferenceService):
    """Takes a ticket with surrounding whitespace or another letter case for the one it issued (a lenient
    lookup): a SHOULD broken, no MUST."""

    def authenticate(self, call: Call) -> None:
        ticket = (call.ticket or "").strip()
        if ticket.lower() == self.options.ticket.lower():
            ticket = self.options.ticket
        super().authenticate(replace(call, ticket=ticket or None))


# --- valid input rejected (custom stores) -----------------------------------------------------------


class StopRecurrenceRefusedStore(AppointmentStore):
    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        if mode == "StopRecurrence":
            raise AppError("SoException", "RecurrenceUpdateMode StopRecurrence is not supported")
        return super().reject(associate, appointment_id, reason, mode)


class Cp1252ReasonStore(AppointmentStore):
    """The reason column lost its Unicode type in the upgrade: anything outside Windows-1252 is refused."""

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        try:
            reason.encode("cp1252")
        except UnicodeEncodeError:
            raise AppError("SoSqlException", "Incorrect string value for column 'reject_reason'") from None
        return super().reject(associate, appointment_id, reason, mode)


# --- invalid input accepted -------------------------------------------------------------------------


class UnknownModeDefaulted(RequestRewrite):
    """An UpdateMode that is not one of the enumeration falls back to Unknown instead of being refused."""

    def rewrite(self, root: etree._Element) -> None:
        for node in root.iter(qname("UpdateMode")):
            if node.text not in UPDATE_MODES:
                node.text = "Unknown"


class RequestNamespaceIgnored(RequestRewrite):
    """The body element is matched by its local name: Reject in any namespace (or none) is taken."""

    def rewrite(self, root: etree._Element) -> None:
        for node in root.iter():
            if isinstance(node.tag, str) and etree.QName(node).localname == "Reject":
                node.tag = qname("Reject")


class DecimalIdTruncated(RequestRewrite):
    """A lenient number parser: an AppointmentId like '101.5' is read as 101 instead of being refused."""

    def rewrite(self, root: etree._Element) -> None:
        for node in root.iter(qname("AppointmentId")):
            text = (node.text or "").strip()
            if "." in text and text.split(".")[0].lstrip("-").isdigit():
                node.text = text.split(".")[0]


class MediaTypeIgnored(ReferenceService):
    """Reads any SOAP media type as its SOAP 1.1 binding: a SOAP 1.1 envelope labelled application/soap+xml
    (with the action in the Content-Type, as SOAP 1.2 carries it) is processed instead of refused with 415."""

    def binding_for(self, content_type: str) -> SoapVersion | None:
        return super().binding_for(content_type) or (SOAP11 if "soap+xml" in content_type.lower() else None)

    def check_action(self, version: SoapVersion, headers: dict[str, str]) -> None:
        if REJECT_ACTION not in (request_action(SOAP11, headers), request_action(SOAP12, headers)):
            super().check_action(version, headers)


class UnknownIdSucceedsStore(AppointmentStore):
    """Rejecting an appointment that does not exist quietly succeeds (nothing to update)."""

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        if appointment_id not in self._items:
            return []
        return super().reject(associate, appointment_id, reason, mode)


class Int32MaxSentinelStore(AppointmentStore):
    """int.MaxValue is used internally as 'no appointment' and short-circuits to success."""

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        if appointment_id == INT32_MAX:
            return []
        return super().reject(associate, appointment_id, reason, mode)


# --- Succeeded / ExceptionInfo ----------------------------------------------------------------------


class ExceptionInfoDropped(Edited):
    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        node = soap_header(env, "ExceptionInfo")
        if node is not None:
            node.getparent().remove(node)


class SucceededAlwaysTrue(Edited):
    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        node = soap_header(env, "Succeeded")
        if node is not None:
            node.text = "true"


# --- crashes that only some inputs trigger ----------------------------------------------------------


class AmpersandCrash(Triggered):
    """An '&' in the reason breaks a hand-built SQL/XML string: the IIS HTML error page, HTTP 500."""

    def triggered(self, reason: str) -> bool:
        return "&" in reason

    def crash(self) -> Reply:
        return html_error_page()


class TruncationStore(AppointmentStore):
    """The reason column shrank to 255 characters: longer reasons fail in the database (a Receiver fault)."""

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        if len(reason) > 255:
            raise SoapFault("receiver", "String or binary data would be truncated (column 'reject_reason')")
        return super().reject(associate, appointment_id, reason, mode)


class AstralCharacterDropsConnection(Triggered):
    """A character outside the Basic Multilingual Plane (emoji) kills the worker: the connection just closes."""

    def triggered(self, reason: str) -> bool:
        return any(ord(c) > 0xFFFF for c in reason)

    def crash(self) -> Reply:
        return Reply(0, {}, writer=_close_silently)


def _close_silently(wfile: BinaryIO) -> None:
    wfile.flush()


# --- timing -----------------------------------------------------------------------------------------

SLOW_SECONDS = 0.3


class SlowLongReasonStore(AppointmentStore):
    """A new full-text index on the reason: reasons over 1,000 characters take 300 ms to store."""

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        if len(reason) > 1000:
            time.sleep(SLOW_SECONDS)
        return super().reject(associate, appointment_id, reason, mode)


# --- conformant differences -------------------------------------------------------------------------


class ActionIgnored(ReferenceService):
    """Dispatches on the body element alone: any SOAPAction (or 1.2 action parameter) is taken for Reject.
    Conformant: WS-I BP R1127, "A RECEIVER MUST NOT rely on the value of the SOAPAction HTTP header"."""

    def check_action(self, version: SoapVersion, headers: dict[str, str]) -> None:
        return None


SOAP11_CODES = {
    "sender": "Client",
    "receiver": "Server",
    "version": "VersionMismatch",
    "mustunderstand": "MustUnderstand",
}
WCF_FAULT = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
    '<faultcode xmlns:a="{ns}">{code}</faultcode><faultstring xml:lang="en-US">{reason}</faultstring>'
    "</s:Fault></s:Body></s:Envelope>"
)


class WcfLiteralBytes(ReferenceService):
    """SOAP 1.1 faults written from the literal layout of a captured WCF fault (string template, no XML
    library): the judge must accept WCF's own bytes, not only this project's serializer."""

    def fault(self, version: SoapVersion, fault: SoapFault) -> Reply:
        if version is not SOAP11:
            return super().fault(version, fault)
        code = fault.subcode or f"s:{SOAP11_CODES[fault.code]}"
        namespace = fault.subcode_ns if fault.subcode else SOAP11.envelope_ns
        text = WCF_FAULT.format(ns=namespace, code=code, reason=escape(fault.reason))
        if not fault.subcode:
            text = text.replace(f' xmlns:a="{namespace}"', "")
        return Reply(500, {"Content-Type": "text/xml; charset=utf-8"}, text.encode("utf-8"))


class RefusalsExplained(ReferenceService):
    """HTTP refusals carry a short plain-text explanation (RFC 9110 says a server SHOULD explain an error)."""

    def refusal(self, status: int, reason: str) -> Reply:
        body = f"{status} {reason}\n".encode()
        return Reply(status, {"Content-Type": "text/plain; charset=utf-8"}, body, reason=reason)


class DeclarationDisagreesWithCharset(ReferenceService):
    """An XML declaration naming windows-1252 on UTF-8 bodies labelled charset=utf-8: receivers MUST ignore the
    declaration's encoding (WS-I SSBP R1019), and the charset is right."""

    def serialize(self, env: etree._Element) -> bytes:
        return b'<?xml version="1.0" encoding="windows-1252"?>' + super().serialize(env)


def reprefixed(env: etree._Element, envelope_prefix: str) -> etree._Element:
    """A copy of ``env`` with the SOAP namespace bound to ``envelope_prefix`` and Services82 declared as the
    default namespace of each Services82 subtree (fault codes, QName values, follow the new prefix)."""
    soap_ns = etree.QName(env).namespace

    def copy(node: etree._Element, parent: etree._Element | None) -> etree._Element:
        q = etree.QName(node)
        nsmap = {p: u for p, u in node.nsmap.items() if u not in (soap_ns, SERVICES82_NS)}
        if parent is None:
            nsmap[envelope_prefix] = soap_ns
        elif q.namespace == SERVICES82_NS and etree.QName(parent).namespace != SERVICES82_NS:
            nsmap[None] = SERVICES82_NS
        new = (
            etree.Element(node.tag, nsmap=nsmap) if parent is None else etree.SubElement(parent, node.tag, nsmap=nsmap)
        )
        new.attrib.update(node.attrib)
        text = node.text
        if text and text.startswith("s:") and q.localname in ("faultcode", "Value"):
            text = f"{envelope_prefix}:{text[2:]}"
        new.text = text
        for child in element_children(node):
            copy(child, new)
        return new

    return copy(env, None)


class OtherPrefixes(ReferenceService):
    def serialize(self, env: etree._Element) -> bytes:
        return super().serialize(reprefixed(env, "soapenv"))


class PrettyPrinted(ReferenceService):
    def serialize(self, env: etree._Element) -> bytes:
        etree.indent(env, space="    ")
        return etree.tostring(env, encoding="utf-8", pretty_print=True)


class WithXmlDeclaration(ReferenceService):
    def serialize(self, env: etree._Element) -> bytes:
        return etree.tostring(env, encoding="utf-8", xml_declaration=True)


class ExtraNamespaceDeclarations(ReferenceService):
    """Declares namespaces it never uses on the envelope, as WCF and many stacks do."""

    EXTRA = {
        "xsi": XSI_NS,
        "xsd": "http://www.w3.org/2001/XMLSchema",
        "wsa": "http://www.w3.org/2005/08/addressing",
        "s81": SERVICES81_NS,
    }

    def envelope(
        self, version: SoapVersion, *, with_header: bool = True
    ) -> tuple[etree._Element, etree._Element, etree._Element]:
        env = etree.Element(
            version.envelope_tag("Envelope"), nsmap={"s": version.envelope_ns, "so": SERVICES82_NS, **self.EXTRA}
        )
        header = etree.SubElement(env, version.envelope_tag("Header")) if with_header else env
        body = etree.SubElement(env, version.envelope_tag("Body"))
        return env, header, body


class Chunked(ReferenceService):
    """Transfer-Encoding: chunked, in chunks of 64 bytes, instead of Content-Length."""

    def soap_reply(self, status: int, version: SoapVersion, env: etree._Element) -> Reply:
        reply = super().soap_reply(status, version, env)
        chunks = [reply.body[i : i + 64] for i in range(0, len(reply.body), 64)]
        framed = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
        return Reply(status, {**reply.headers, "Transfer-Encoding": "chunked"}, framed)


class Utf16(ReferenceService):
    """UTF-16 with a byte order mark, labelled charset=utf-16 (WS-I allows UTF-8 and UTF-16)."""

    def content_type(self, version: SoapVersion) -> str:
        return f"{version.media_type}; charset=utf-16"

    def serialize(self, env: etree._Element) -> bytes:
        return etree.tostring(env, encoding="utf-16", xml_declaration=True)


class NilExceptionInfoAndExtraHeaders(Edited):
    """Successes carry ExceptionInfo xsi:nil="true", an ExtraInfo pair and a TimeZone header, as WCF may."""

    def edit(self, env: etree._Element, version: SoapVersion) -> None:
        succeeded = soap_header(env, "Succeeded")
        if succeeded is None or not is_success(env):
            return
        nil = etree.Element(qname("ExceptionInfo"), nsmap={"i": XSI_NS})
        nil.set(f"{{{XSI_NS}}}nil", "true")
        succeeded.addprevious(nil)
        pair = etree.SubElement(etree.Element(qname("ExtraInfo")), qname("ExtraInfoNameValuePair"))
        etree.SubElement(pair, qname("Key")).text = "server"
        etree.SubElement(pair, qname("Value")).text = "app01"
        succeeded.addprevious(pair.getparent())
        zone = etree.SubElement(succeeded.getparent(), qname("TimeZone"))
        etree.SubElement(zone, qname("SoTimeZoneId")).text = "1"
        etree.SubElement(zone, qname("SoTimeZoneLocationCode")).text = "NO"


# --- what Reject does (observed with GetAppointmentEntity) ------------------------------------------


class RejectDoesNothingStore(AppointmentStore):
    """A lazy implementation: every check passes, the answer says done, and nothing is stored."""

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        with self._lock:
            self._invitation(associate, appointment_id)  # still refuses what is not the caller's
        return []


class ReasonColumnShrunkStore(AppointmentStore):
    """The upgrade shrank the reason column to 100 characters: longer reasons are cut silently."""

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        return super().reject(associate, appointment_id, reason[:100], mode)


class CollationEatsEmojiStore(AppointmentStore):
    """A collation without supplementary characters: each emoji is stored as '?' (the answer still says done)."""

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        return super().reject(associate, appointment_id, re.sub("[\U00010000-\U0010ffff]", "?", reason), mode)


class LineBreaksDroppedStore(AppointmentStore):
    """A sanitiser strips CR and LF from the reason before storing it."""

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        return super().reject(associate, appointment_id, reason.replace("\r", "").replace("\n", ""), mode)


class OnlyThisRejectsSeriesStore(AppointmentStore):
    """A recurrence engine that reads OnlyThis as ThisAndForward: the later occurrences are declined too."""

    def _occurrences(self, target: Appointment, mode: str) -> list[Appointment]:
        return super()._occurrences(target, "ThisAndForward" if mode == "OnlyThis" else mode)


class StopRecurrenceStopsNothingStore(AppointmentStore):
    """StopRecurrence declines the addressed occurrence only: the later ones stay as they were."""

    def _occurrences(self, target: Appointment, mode: str) -> list[Appointment]:
        return super()._occurrences(target, "OnlyThis" if mode == "StopRecurrence" else mode)


class RejectBeforeAuthenticating(ReferenceService):
    """Carries the Reject out before it checks the ticket: a refused call has declined the invitation anyway."""

    def authenticate(self, call: Call) -> None:
        if call.envelope.find(f".//{qname('Reject')}") is not None and call.appointment_id in self.store.snapshot():
            try:
                self.store.reject(CALLER, call.appointment_id, call.reason or "", call.mode)
            except AppError:
                pass
        super().authenticate(call)


class FullReasonStore(AppointmentStore):
    """No column limit: a 4,000-character reason is stored whole (as legal as keeping the documented 254)."""

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        changed = super().reject(associate, appointment_id, reason, mode)
        with self._lock:
            for appointment_id_changed in changed:
                self._items[appointment_id_changed].reasons[associate] = reason
        return changed


class LineEndsNormalisedStore(AppointmentStore):
    """Stores CR LF (and CR) as LF, as an XML round trip may: the same reason under XML's line-end rule."""

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        return super().reject(associate, appointment_id, reason.replace("\r\n", "\n").replace("\r", "\n"), mode)


class AcceptRefused(ReferenceService):
    """Accept answers Succeeded=false ('not allowed'): the run cannot restore, and must say so as a setup problem,
    never as a contract violation (Accept is not the operation under test)."""

    def __init__(self) -> None:
        super().__init__(store=AcceptRefusedStore())


class AcceptRefusedStore(AppointmentStore):
    def accept(self, associate: int, appointment_id: int, mode: str) -> list[int]:
        raise AppError("SoAccessDeniedException", "Accepting is not allowed for this user")
