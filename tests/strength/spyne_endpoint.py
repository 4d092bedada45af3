"""A conformant Services82 ``Appointment.svc`` ``Reject`` endpoint built with a real third-party SOAP stack: spyne.

Every other endpoint the suite is judged against (the reference endpoint, its defective and conformant
variants) is written in this repository, by the same people who wrote the checks: a check that is wrong in the
same way as those endpoints would never show. This one is spyne 2.14 (SOAP 1.1, document/literal wrapped, like
WCF's ``basicHttpBinding``) with the Reject contract declared as spyne models and served by a threaded
HTTP/1.1 WSGI server, so the suite meets a SOAP stack whose faults, prefixes, XML declaration and header layout
it had no hand in. Running the suite against it must find nothing; a finding is either a defect of spyne's
default behaviour that a real deployment would fix (fixed below, each fix says why) or a false alarm of the suite.

Semantics are the reference endpoint's (``conformance.reference.store``): application errors (no or wrong
ticket, missing or wrong application token when one is required, unknown appointment, not the caller's
invitation) come back as HTTP 200 with ``Succeeded=false`` + ``ExceptionInfo`` headers and an empty
``RejectResponse``; input spyne cannot deserialize becomes spyne's own SOAP 1.1 fault (HTTP 500).

What spyne needed to look like a real deployment:

* a WSGI guard in front (``_Guard``): ``415`` with an empty body for a media type other than ``text/xml``,
  a ``Client.ActionNotSupported`` fault for a SOAPAction other than Reject's (spyne dispatches on the body
  element and never reads SOAPAction), ``405`` for methods other than GET/POST, ``404`` off the service path,
  the request body always drained (keep-alive) and every reply sent with ``Content-Length``;
* its generated WSDL fixed in ``wsdl_document_built`` (``_fix_wsdl``): its header messages reference
  ``tns:ApplicationToken`` and ``tns:Succeeded``, elements it never declares (it declares global elements for
  complex types only), so zeep refuses to load it; and its ``soapAction`` is the bare operation name, where
  WCF publishes the action URI that clients then send (and the guard requires); the header elements the
  contract declares nillable (``Credentials``, ``TimeZone``, ``ExceptionInfo``, ``ExtraInfo``) are made so;
* a ``Soap11`` subclass (``_Soap11``) for what spyne crashes on or lets through: an empty request body or an
  empty ``soap:Body`` (a plain-text 500 from the WSGI server), a DTD (SOAP 1.1 forbids one), an unknown
  header with ``mustUnderstand="1"`` (SOAP 1.1 requires a ``MustUnderstand`` fault);
* header element names are spyne type names, so the header types are named ``Credentials``,
  ``ApplicationToken``, ``ExceptionInfo``, ``Succeeded`` (the contract's types are ``SoCredentials``,
  ``SoExceptionInfo``, …): spyne reads and writes a header element under its type's name; simple-typed
  headers are subclasses of ``Unicode``/``Boolean`` in the Services82 namespace (``customize(type_name=…)``
  leaves them in the XML Schema namespace, as ``xs:string``);
* ``Succeeded`` is listed before ``ExceptionInfo`` in the output headers so a success carries ``Succeeded``
  alone (spyne writes a ``None`` header as ``xsi:nil``, it does not leave it out);
* wsgiref's server answers one request per connection as HTTP/1.0: its request handler is run in
  BaseHTTPRequestHandler's keep-alive loop with an HTTP/1.1 ``ServerHandler``, and its writes (status line,
  ``Date``, ``Server``, headers, body: five sends) are buffered into one;
* spyne logs every client fault with a traceback: its loggers are silenced.

Left as spyne makes them (legal, and not what the suite is about): faults are ``soap11env:Client.…`` codes
with an empty ``faultactor``; a schema error's ``faultstring`` is cut at the first ``<`` of the offending
value (spyne passes it through an HTML parser); the WSDL names types after their header elements and
carries no ``wsaw:Action`` (WS-Addressing's default action, namespace/portType/input name, is Reject's).

Wrong element order inside ``Reject`` (``UpdateMode`` before ``AppointmentId``) is a fault here (spyne's lxml
schema validation), not WCF's skip-and-default; both count as a rejection.

Start it from a shell (from the repository root)::

    python -m tests.strength.spyne_endpoint [--port 8083] [--ticket T] [--application-token TOKEN]

or from Python: ``with SpyneEndpoint() as endpoint: ...`` (``endpoint.url``), like ``ReferenceServer``.
"""

from __future__ import annotations

import argparse
import io
import logging
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer
from xml.sax.saxutils import escape

from lxml import etree
from spyne import Application, Boolean, ComplexModel, Enum, Fault, Integer32, ServiceBase, Unicode, rpc
from spyne.model.complex import SelfReference
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

from conformance.contract.soap import REJECT_ACTION, SERVICE_PATH, SERVICES82_NS
from conformance.reference.store import CALLER, REFERENCE_TICKET, AppError, AppointmentStore

NS = SERVICES82_NS
XS = "http://www.w3.org/2001/XMLSchema"
WSDL_SOAP11_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# spyne logs every client fault with a traceback (logger "spyne.application.client"); the suite sends dozens.
logging.getLogger("spyne").setLevel(logging.CRITICAL)


# --- the contract as spyne models ------------------------------------------------------------------------------

RecurrenceUpdateMode = Enum("Unknown", "OnlyThis", "ThisAndForward", "StopRecurrence", type_name="RecurrenceUpdateMode")


class Credentials(ComplexModel):
    """Request header ``Credentials`` (the contract's type ``SoCredentials``)."""

    __namespace__ = NS
    _type_info = [("Ticket", Unicode(min_occurs=0, nillable=True))]


class ApplicationToken(Unicode):
    """Request header ``ApplicationToken``: xs:string, nillable."""

    __namespace__ = NS
    __type_name__ = "ApplicationToken"


class TimeZone(ComplexModel):
    """Header ``TimeZone`` (``SoTimeZone``) of requests and responses, as in the contract: ignored, never sent."""

    __namespace__ = NS
    _type_info = [
        ("SoTimeZoneId", Integer32(min_occurs=0, nillable=False)),
        ("SoTimeZoneLocationCode", Unicode(min_occurs=0, nillable=True)),
    ]


class Succeeded(Boolean):
    """Response header ``Succeeded``: xs:boolean, not nillable."""

    __namespace__ = NS
    __type_name__ = "Succeeded"


class SoExceptionInfoParametersKeyValuePair(ComplexModel):
    """The published dictionary item: ``Key`` and ``Value`` required, nillable."""

    __namespace__ = NS
    _type_info = [("Key", Unicode(min_occurs=1, nillable=True)), ("Value", Unicode(min_occurs=1, nillable=True))]


class SoExceptionInfoParameters(ComplexModel):
    __namespace__ = NS
    _type_info = [
        (
            "SoExceptionInfoParametersKeyValuePair",
            SoExceptionInfoParametersKeyValuePair.customize(min_occurs=0, max_occurs="unbounded", nillable=False),
        )
    ]


class ExceptionInfo(ComplexModel):
    """Response header ``ExceptionInfo`` (``SoExceptionInfo``), children in the contract's order."""

    __namespace__ = NS
    _type_info = [
        ("Message", Unicode(min_occurs=0, nillable=True)),
        ("StackTrace", Unicode(min_occurs=0, nillable=True)),
        ("FriendlyText", Unicode(min_occurs=0, nillable=True)),
        ("ExceptionType", Unicode(min_occurs=0, nillable=True)),
        ("Source", Unicode(min_occurs=0, nillable=True)),
        ("InnerException", SelfReference.customize(min_occurs=0, nillable=True)),
        ("Parameters", SoExceptionInfoParameters.customize(min_occurs=0, nillable=True)),
    ]


class ExtraInfoNameValuePair(ComplexModel):
    __namespace__ = NS
    _type_info = [("Key", Unicode(min_occurs=1, nillable=True)), ("Value", Unicode(min_occurs=1, nillable=True))]


class ExtraInfo(ComplexModel):
    """Response header ``ExtraInfo`` (``SoExtraInfo``): declared, as in the contract, never sent."""

    __namespace__ = NS
    _type_info = [
        (
            "ExtraInfoNameValuePair",
            ExtraInfoNameValuePair.customize(min_occurs=0, max_occurs="unbounded", nillable=False),
        )
    ]


class _State:
    """What one endpoint instance's Reject needs: its store and the credentials it accepts."""

    def __init__(self, ticket: str, application_token: str | None) -> None:
        self.store = AppointmentStore()
        self.ticket = ticket
        self.application_token = application_token

    def reject(self, headers: Any, appointment_id: int | None, reason: str | None, mode: object) -> None:
        credentials, token = [*headers, None, None][:2] if isinstance(headers, list | tuple) else (None, None)
        if self.application_token is not None and token != self.application_token:
            raise AppError(
                "SoApplicationTokenException", "A valid ApplicationToken is required by this Online installation"
            )
        ticket = credentials.Ticket if credentials is not None else None
        if not ticket:
            raise AppError("SoNotAuthenticatedException", "No credentials: the Credentials/Ticket header is missing")
        if ticket != self.ticket:
            raise AppError("SoNotAuthenticatedException", "The ticket is not valid or has expired")
        # WCF's defaults for parts that are absent: 0, null, the enum's zero value.
        self.store.reject(CALLER, appointment_id or 0, reason or "", str(mode) if mode is not None else "Unknown")


class Appointment(ServiceBase):
    __service_name__ = "WcfAppointmentService"

    @rpc(
        Integer32(min_occurs=0, nillable=False),
        Unicode(min_occurs=0, nillable=True),
        RecurrenceUpdateMode.customize(min_occurs=0, nillable=False),
        _in_arg_names={"appointment_id": "AppointmentId", "reason": "RejectReason", "mode": "UpdateMode"},
        _in_header=(Credentials, ApplicationToken, TimeZone),
        _out_header=(Succeeded, ExceptionInfo, ExtraInfo, TimeZone),
        _returns=None,
    )
    def Reject(ctx: Any, appointment_id: int | None, reason: str | None, mode: object) -> None:
        state: _State = ctx.udc
        try:
            state.reject(ctx.in_header, appointment_id, reason, mode)
        except AppError as error:
            ctx.out_header = (False, ExceptionInfo(Message=error.message, ExceptionType=error.exception_type))
            return
        ctx.out_header = (True,)  # zip()ped with the header classes: Succeeded alone, no ExceptionInfo element


class _Soap11(Soap11):
    """spyne's SOAP 1.1 with what it lets through or crashes on turned into the faults SOAP 1.1 asks for.

    spyne raises ``StopIteration`` on an empty request body and ``AttributeError`` on a ``soap:Body`` with no
    element in it (both escape as a plain-text 500 from the WSGI server); it accepts a DTD (SOAP 1.1 section 3:
    a message MUST NOT contain one) and fails on its entities later with a server error; and it ignores
    ``mustUnderstand`` on headers it does not know (SOAP 1.1 section 4.2.3: a MustUnderstand fault)."""

    understood = frozenset(f"{{{NS}}}{name}" for name in ("Credentials", "ApplicationToken", "TimeZone"))

    def create_in_document(self, ctx: Any, charset: str | None = None) -> None:
        ctx.in_string = [chunk for chunk in ctx.in_string if chunk]
        if not ctx.in_string:
            raise Fault("Client.XMLSyntaxError", "The request has no body: a SOAP envelope was expected")
        super().create_in_document(ctx, charset)
        if ctx.in_document[0].getroottree().docinfo.doctype:
            raise Fault("Client.XMLSyntaxError", "A SOAP message must not contain a Document Type Declaration")

    def decompose_incoming_envelope(self, ctx: Any, message: type = Soap11.REQUEST) -> None:
        env = self.ns_soap_env
        envelope = ctx.in_document[0]
        if envelope.tag == f"{{{env}}}Envelope":
            body = envelope.find(f"{{{env}}}Body")
            if body is None or len(body) == 0:
                raise Fault("Client.SoapError", "The SOAP Body holds no element: a Reject element was expected")
            for header in envelope.iterfind(f"{{{env}}}Header/*"):
                for_us = header.get(f"{{{env}}}actor") in (None, "http://schemas.xmlsoap.org/soap/actor/next")
                if for_us and header.get(f"{{{env}}}mustUnderstand") == "1" and header.tag not in self.understood:
                    raise Fault("MustUnderstand", f"The header {header.tag} was not understood")
        super().decompose_incoming_envelope(ctx, message)


# --- the WSDL as zeep (and WCF) expect it ------------------------------------------------------------------------


NILLABLE_HEADERS = ("Credentials", "TimeZone", "ExceptionInfo", "ExtraInfo")  # nillable in the contract


def _fix_wsdl(doc: Any) -> None:
    """``wsdl_document_built`` listener: repair what spyne generates for simple header parts and the soapAction.

    spyne's header message names the parts ``tns:ApplicationToken`` and ``tns:Succeeded`` but declares no such
    elements (it declares global elements for complex types only), so zeep refuses the WSDL; and spyne writes
    the operation's name as its ``soapAction`` where WCF writes the action URI clients must send."""
    root: etree._Element = doc.root_elt
    schema = next(
        s for s in root.iter(f"{{{XS}}}schema") if s.get("targetNamespace") == NS
    )  # spyne's one schema for the service namespace
    declared = {e.get("name") for e in schema.findall(f"{{{XS}}}element")}
    for name, xs_type, nillable in (("ApplicationToken", "string", True), ("Succeeded", "boolean", False)):
        if name not in declared:
            element = etree.SubElement(schema, f"{{{XS}}}element", name=name, type=f"{_prefix(root, XS)}:{xs_type}")
            if nillable:
                element.set("nillable", "true")
    for element in schema.findall(f"{{{XS}}}element"):
        if element.get("name") in NILLABLE_HEADERS:
            element.set("nillable", "true")
    for operation in root.iter(f"{{{WSDL_SOAP11_NS}}}operation"):
        if operation.get("soapAction") == "Reject":
            operation.set("soapAction", REJECT_ACTION)


def _prefix(root: etree._Element, namespace: str) -> str:
    return next(p for p, ns in root.nsmap.items() if ns == namespace and p)


# --- HTTP: a guard in front of spyne, and a keep-alive threaded WSGI server ---------------------------------------


def _fault(code: str, reason: str) -> bytes:
    """A SOAP 1.1 fault laid out as spyne lays out its own (prefix ``soap11env``, empty ``faultactor``)."""
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f'<soap11env:Envelope xmlns:soap11env="{SOAP11_ENV}"><soap11env:Body><soap11env:Fault>'
        f"<faultcode>soap11env:{code}</faultcode><faultstring>{escape(reason)}</faultstring><faultactor></faultactor>"
        "</soap11env:Fault></soap11env:Body></soap11env:Envelope>"
    ).encode()


Answer = tuple[str, list[tuple[str, str]], bytes]  # status line, headers, body
XML = "text/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


class _Guard:
    """The checks a deployment puts in front of a SOAP stack that has none, and framing for keep-alive clients:
    the request body always read to its end, every reply sent whole with ``Content-Length``, none after HEAD."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        status, headers, payload = self.answer(environ)
        start_response(status, [*headers, ("Content-Length", str(len(payload)))])
        return [b"" if environ["REQUEST_METHOD"].upper() == "HEAD" else payload]

    def answer(self, environ: dict[str, Any]) -> Answer:
        method = environ["REQUEST_METHOD"].upper()
        if environ.get("PATH_INFO") != SERVICE_PATH:
            return "404 Not Found", [("Content-Type", TEXT)], f"No service here; try {SERVICE_PATH}\n".encode()
        if method not in ("GET", "POST"):
            allow = [("Content-Type", TEXT), ("Allow", "GET, POST")]
            return "405 Method Not Allowed", allow, f"Method {method} not allowed\n".encode()
        if method == "GET":
            if environ.get("QUERY_STRING", "").lower().split("&")[0] in ("wsdl", "singlewsdl"):
                environ["QUERY_STRING"] = "wsdl"  # spyne's WSDL is a single document already, as WCF's ?singleWsdl
                return self.spyne(environ)
            page = b"<html><body>WcfAppointmentService (spyne): the WSDL is at ?wsdl</body></html>"
            return "200 OK", [("Content-Type", "text/html; charset=utf-8")], page
        content_type = environ.get("CONTENT_TYPE") or ""
        if content_type.split(";", 1)[0].strip().lower() != "text/xml":
            # WCF's refusal: the reason in the status line, an empty body.
            return (
                f"415 Cannot process the message because the content type '{content_type}' "
                "was not the expected type 'text/xml; charset=utf-8'.",
                [],
                b"",
            )
        action = (environ.get("HTTP_SOAPACTION") or "").strip().strip('"')
        if action and action != REJECT_ACTION:
            reason = (
                f"The message with Action '{action}' cannot be processed at the receiver, "
                f"this endpoint's only operation is '{REJECT_ACTION}'"
            )
            return "500 Internal Server Error", [("Content-Type", XML)], _fault("Client.ActionNotSupported", reason)
        return self.spyne(environ)

    def spyne(self, environ: dict[str, Any]) -> Answer:
        """spyne's own answer, collected whole; an exception escaping it becomes a Server fault, as in WCF."""
        captured: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
            captured[:] = [status, [(k, v) for k, v in headers if k.lower() != "content-length"]]

        try:
            chunks = self.app(environ, start_response)
            try:
                payload = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        except Exception as exc:
            reason = f"The server was unable to process the request due to an internal error ({type(exc).__name__})"
            return "500 Internal Server Error", [("Content-Type", XML)], _fault("Server", reason)
        status, headers = captured
        return status, headers, payload


class _ServerHandler(ServerHandler):
    http_version = "1.1"

    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        if self.request_handler.close_connection:
            self.headers["Connection"] = "close"


class _RequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # wsgiref writes the status line, Date, Server, headers and body separately: one send

    def handle(self) -> None:
        BaseHTTPRequestHandler.handle(self)  # the keep-alive loop; wsgiref's own handle() serves one request

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if len(self.raw_requestline) > 65536:
                self.requestline, self.request_version, self.command = "", "", ""
                self.send_error(414)
                return
            if not self.parse_request():
                return
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                self.send_error(411, "Length Required")  # the guard reads Content-Length bytes only
                self.close_connection = True
                return
            handler = _ServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)
            handler.request_handler = self
            handler.run(self.server.get_app())
        finally:
            self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


# --- the endpoint ------------------------------------------------------------------------------------------------


class SpyneEndpoint:
    """``SpyneEndpoint().start()`` serves the spyne Reject endpoint on 127.0.0.1 (a free port) in a thread."""

    def __init__(self, ticket: str = REFERENCE_TICKET, application_token: str | None = None, *, port: int = 0) -> None:
        self.state = _State(ticket, application_token)
        self.application = Application(
            [Appointment],
            tns=NS,
            name="Appointment",
            in_protocol=_Soap11(validator="lxml"),
            out_protocol=Soap11(),
        )
        self.application.event_manager.add_listener("method_call", self._bind_state)
        self.wsgi = WsgiApplication(self.application)
        self.wsgi.doc.wsdl11.event_manager.add_listener("wsdl_document_built", _fix_wsdl)
        self._httpd = _Server(("127.0.0.1", port), _RequestHandler)
        self._httpd.set_app(_Guard(self.wsgi))
        host, port = self._httpd.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.base_url + SERVICE_PATH

    @property
    def store(self) -> AppointmentStore:
        return self.state.store

    def _bind_state(self, ctx: Any) -> None:
        ctx.udc = self.state

    def start(self) -> SpyneEndpoint:
        self.wsgi.doc.wsdl11.build_interface_document(self.url)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="spyne-endpoint", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SpyneEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--ticket", default=REFERENCE_TICKET)
    parser.add_argument("--application-token", help="require this ApplicationToken (an Online installation)")
    args = parser.parse_args(argv)
    endpoint = SpyneEndpoint(args.ticket, args.application_token, port=args.port).start()
    print(endpoint.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        endpoint.stop()


if __name__ == "__main__":
    main()
