"""The SoPrincipal login contract (``shared/reference/CONTRACT.md``, "Authentication: getting a ticket"):
``AuthenticateUsernamePassword`` on ``SoPrincipal.svc`` beside ``Appointment.svc``, SOAP 1.1, the
``ApplicationToken`` header only; the ticket comes back in ``AuthenticateResponse/Credentials/Ticket``.
Building the request and reading the answer, nothing sent here."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .messages import OutgoingRequest, serialize
from .soap import SERVICES82_NS, SOAP11, qname

PRINCIPAL_PATH = "/Remote/Services82/SoPrincipal.svc"
LOGIN_ACTION = f"{SERVICES82_NS}/SoPrincipal/AuthenticateUsernamePassword"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def principal_url(appointment_url: str) -> str | None:
    """``…/SoPrincipal.svc`` beside the configured ``…/Appointment.svc`` (same base URL); ``None`` when the
    endpoint does not end in ``Appointment.svc`` (then ``--principal-endpoint`` must say where to log in)."""
    base, _, last = appointment_url.split("?", 1)[0].rstrip("/").rpartition("/")
    return f"{base}/SoPrincipal.svc" if last.lower() == "appointment.svc" else None


def login_envelope(user: str, password: str, application_token: str | None) -> etree._Element:
    """``AuthenticateUsernamePassword`` in a SOAP 1.1 envelope, with the application token header when given."""
    env = etree.Element(SOAP11.envelope_tag("Envelope"), nsmap={"soap": SOAP11.envelope_ns, "so": SERVICES82_NS})
    if application_token is not None:
        header = etree.SubElement(env, SOAP11.envelope_tag("Header"))
        etree.SubElement(header, qname("ApplicationToken")).text = application_token
    body = etree.SubElement(env, SOAP11.envelope_tag("Body"))
    call = etree.SubElement(body, qname("AuthenticateUsernamePassword"))
    etree.SubElement(call, qname("UserName")).text = user
    etree.SubElement(call, qname("Password")).text = password
    return env


def login_request(envelope: etree._Element) -> OutgoingRequest:
    return OutgoingRequest(serialize(envelope), SOAP11.request_headers(LOGIN_ACTION))


@dataclass(frozen=True)
class LoginAnswer:
    """What an ``AuthenticateResponse`` says: the ticket, ``AuthenticationSucceeded`` and any ``ExceptionInfo``."""

    ticket: str | None
    authenticated: bool | None
    exception: str | None
    associate: str | None = None


def read_login(envelope: etree._Element) -> LoginAnswer | None:
    """The answer of a login reply envelope (``None`` when its body holds no ``AuthenticateResponse``)."""
    header = envelope.find(SOAP11.envelope_tag("Header"))
    body = envelope.find(SOAP11.envelope_tag("Body"))
    response = None if body is None else body.find(qname("AuthenticateResponse"))
    exception = _exception(header)
    if response is None:
        return None if exception is None else LoginAnswer(None, None, exception)
    ticket = response.findtext(f"{qname('Credentials')}/{qname('Ticket')}")
    flag = response.findtext(qname("AuthenticationSucceeded"))
    authenticated = None if flag is None else flag.strip() in ("true", "1")
    associate = response.findtext(f"{qname('Response')}/{qname('Associate')}")
    return LoginAnswer(ticket or None, authenticated, exception, associate)


def _exception(header: etree._Element | None) -> str | None:
    node = None if header is None else header.find(qname("ExceptionInfo"))
    if node is None or node.get(XSI_NIL) == "true":
        return None
    texts = [node.findtext(qname(n)) for n in ("Message", "FriendlyText", "ExceptionType")]
    return next((t.strip() for t in texts if t and t.strip()), "(ExceptionInfo without a message)")
