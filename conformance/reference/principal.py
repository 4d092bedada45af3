"""``SoPrincipal.svc`` of the reference endpoint: ``AuthenticateUsernamePassword`` for one test user, answering
as the published SoPrincipal WSDL says (``AuthenticateResponse`` with ``Credentials/Ticket`` and
``AuthenticationSucceeded``; ``Succeeded``/``ExceptionInfo`` headers), with WCF's refusals and faults for what is
not a login request. ``?wsdl`` and its schemas are served, so that zeep can call it too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from ..contract.parsing import NotXml, parse_xml
from ..contract.principal import LOGIN_ACTION, PRINCIPAL_PATH
from ..contract.soap import SERVICES82_NS, SOAP11, qname
from .calls import Reply
from .metadata import contract_document
from .wcf import ACTION_NOT_SUPPORTED, ADDRESSING_NONE_NS, SoapFault, deserialization_failed, request_action

if TYPE_CHECKING:
    from .service import ReferenceService

REFERENCE_USER = "conformance-test"
REFERENCE_PASSWORD = "reference-password"  # a test user of the embedded endpoint only, printed by `serve`
WSDL = "Services82-SoPrincipal.wsdl"
SCHEMAS = ("services82-soprincipal.xsd", "services82-soprincipal-arrays.xsd")  # ?xsd=xsd0, ?xsd=xsd1


class PrincipalService:
    """The login side of a ``ReferenceService`` (its options, tickets and reply helpers)."""

    def __init__(self, service: ReferenceService) -> None:
        self.service = service

    def handle(self, method: str, query: str, headers: dict[str, str], body: bytes, base_url: str) -> Reply:
        service = self.service
        if method == "GET":
            return self.metadata(query, base_url)
        if method != "POST":
            return service.plain(405, f"Method {method} not allowed")
        if service.binding_for(headers.get("Content-Type") or _header(headers, "Content-Type") or "") is not SOAP11:
            return service.refusal(415, "Cannot process the message: the content type is not 'text/xml'.")
        root = parse_xml(body)
        if isinstance(root, NotXml) or root.tag != SOAP11.envelope_tag("Envelope"):
            return service.refusal(400, "Bad Request")
        try:
            user, password, token = self.read(headers, root)
        except SoapFault as fault:
            return service.fault(SOAP11, fault)
        return self.answer(user, password, token)

    def read(self, headers: dict[str, str], root: etree._Element) -> tuple[str | None, str | None, str | None]:
        action = request_action(SOAP11, headers) or ""
        if action != LOGIN_ACTION:
            raise SoapFault(
                "sender", ACTION_NOT_SUPPORTED.format(action=action), "a:ActionNotSupported", ADDRESSING_NONE_NS
            )
        call = root.find(f"{SOAP11.envelope_tag('Body')}/{qname('AuthenticateUsernamePassword')}")
        if call is None:
            raise deserialization_failed(
                "AuthenticateUsernamePassword", "Expecting element 'AuthenticateUsernamePassword'."
            )
        token = root.findtext(f"{SOAP11.envelope_tag('Header')}/{qname('ApplicationToken')}")
        return call.findtext(qname("UserName")), call.findtext(qname("Password")), token

    def answer(self, user: str | None, password: str | None, token: str | None) -> Reply:
        service, options = self.service, self.service.options
        env, header, body = service.envelope(SOAP11)
        if options.application_token is not None and token != options.application_token:
            info = _element(header, "ExceptionInfo")
            etree.SubElement(
                info, qname("Message")
            ).text = "A valid ApplicationToken is required by this Online installation"
            etree.SubElement(info, qname("ExceptionType")).text = "SoApplicationTokenException"
            _element(header, "Succeeded").text = "false"
            _element(body, "AuthenticateResponse")
            return service.soap_reply(200, SOAP11, env)
        _element(header, "Succeeded").text = "true"
        response = _element(body, "AuthenticateResponse")
        good = user == options.user and password == options.password
        if good:
            carrier = etree.SubElement(response, qname("Response"))
            etree.SubElement(carrier, qname("Associate")).text = user
            etree.SubElement(carrier, qname("AssociateId")).text = "1"
            credentials = etree.SubElement(response, qname("Credentials"))
            etree.SubElement(credentials, qname("Ticket")).text = service.tickets.issue()
        etree.SubElement(response, qname("AuthenticationSucceeded")).text = "true" if good else "false"
        return service.soap_reply(200, SOAP11, env)

    def metadata(self, query: str, base_url: str) -> Reply:
        url = base_url + PRINCIPAL_PATH
        document = contract_document(WSDL, SCHEMAS, url, query)
        if document is not None:
            return Reply(200, {"Content-Type": "text/xml; charset=utf-8"}, document)
        return self.service.plain(200, f"WcfSoPrincipalService. WSDL: {url}?wsdl")


def _element(parent: etree._Element, local: str) -> etree._Element:
    return etree.SubElement(parent, qname(local), nsmap={None: SERVICES82_NS})


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)
