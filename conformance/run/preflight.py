"""Before a run against a configured endpoint: does anything answer, and is it a SOAP service? One line says why
not (exit 3), or the run may start."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Settings, check_credentials

if TYPE_CHECKING:
    from ..contract.messages import OutgoingRequest
    from ..transport.http import Exchange, HttpResponse, Transport

PROBE_ID = -1  # the preflight's Reject: an id that cannot be a real appointment, as the suite's negative cases send


def preflight(settings: Settings) -> str | None:
    """``None`` when a run against the configured endpoint may start; otherwise the one line saying why not (exit 3).

    1. A GET of the endpoint: when nothing answers at all (refused, DNS, TLS, timeout), it is unreachable.
    2. Credentials (``ConfigError``, exit 2, when none are configured): checked once something answers, so that an
       unreachable URL, the first thing to fix, is named first.
    3. Whether a SOAP service answers there at all (``soap_service_problem``).
    """
    from ..transport.http import Transport
    from ..transport.network import options_for

    transport = Transport(options_for(settings, timeout=min(settings.timeout, 10)))
    try:
        exchange = transport.get(str(settings.endpoint))
        proxy_refused = exchange.error is not None and exchange.error.kind == "proxy"
        if proxy_refused or (not exchange.answered and exchange.error is not None):  # a broken answer is an answer
            return f"endpoint unreachable: {exchange.error}"
        check_credentials(settings)
        return soap_service_problem(settings, transport)
    finally:
        transport.close()


def soap_service_problem(settings: Settings, transport: Transport) -> str | None:
    """``None`` unless the endpoint is plainly no SOAP service: then what answered instead, in one line.

    ``?wsdl`` answered with a WSDL settles it without sending any Reject (a WCF endpoint publishing metadata). With
    metadata switched off ``?wsdl`` answers 400/404, which proves nothing, so one Reject for AppointmentId -1 follows:
    the suite's own negative cases send it, and no appointment can have that id. Its answer is judged by
    ``foreign_answer``; a transport failure is left to the run, whose checks name it case by case."""
    from ..contract.redaction import Redactor, display_url, url_secrets
    from ..contract.soap import soap_version
    from ..drift.wsdl import wsdl_url

    endpoint = str(settings.endpoint)
    wsdl = transport.get(wsdl_url(endpoint))
    if _is_wsdl(wsdl):
        return None
    probe = transport.send(endpoint, _probe_request(settings), soap_version(settings.soap_version))
    answer = foreign_answer(probe.response) if probe.error is None and probe.response is not None else None
    if answer is None:
        return None
    line = (
        f"not a SOAP endpoint: no Appointment.svc answers at {display_url(endpoint)} ({settings.origin('endpoint')}): "
        f"a Reject for AppointmentId {PROBE_ID} was answered {answer}, and GET ?wsdl {_answered(wsdl)}; a SOAP "
        "service answers with a SOAP envelope (or a fault): check the URL, e.g. "
        "https://host/Cust1/Remote/Services82/Appointment.svc"
    )
    return Redactor([*settings.secrets(), *url_secrets(endpoint)]).text(line)


_WSDL_ROOTS = ("{http://schemas.xmlsoap.org/wsdl/}definitions", "{http://www.w3.org/ns/wsdl}description")


def _is_wsdl(exchange: Exchange) -> bool:
    from ..contract.parsing import NotXml, parse_xml

    response = exchange.response
    if exchange.error is not None or response is None or response.status != 200:
        return False
    root = parse_xml(response.body)
    return not isinstance(root, NotXml) and root.tag in _WSDL_ROOTS


def _probe_request(settings: Settings) -> OutgoingRequest:
    """A valid Reject for an id that cannot be real, with the configured credentials; guarded like every Reject."""
    from ..contract.ids import IdPolicy
    from ..contract.messages import Credentials, RejectCall, outgoing, reject_envelope
    from ..contract.soap import soap_version

    version = soap_version(settings.soap_version)
    call = RejectCall(PROBE_ID, "conformance preflight: is this a SOAP endpoint?", "OnlyThis")
    envelope = reject_envelope(call, version, Credentials(settings.ticket, settings.application_token))
    IdPolicy(settings.appointment_ids, settings.unused_ids).guard(envelope)
    return outgoing(envelope, version)


def foreign_answer(response: HttpResponse) -> str | None:
    """How a reply shows that no SOAP service answered (``HTTP 404 text/plain: plain text 'Not Found'``), or ``None``
    when it may come from one: a SOAP envelope (a fault included, any status), an empty body (WCF's 400/413/415
    refusals), a 500 (a service that fails is judged case by case), a short plain-text explanation of a
    400/413/415, or anything else the checks judge (XML that is not SOAP, a DTD, binary). What remains: an HTML
    page, JSON, or plain text with any other status (404, 405, 200…)."""
    body = response.body
    if not body.strip() or response.status == 500 or _is_envelope(body):
        return None
    media = _media_type(response)
    kind = _foreign_kind(body, media)
    if kind is None or (kind == "plain text" and response.status in (400, 413, 415)):
        return None
    return f"HTTP {response.status} {media or '(no Content-Type)'}: {kind} {_excerpt(body, kind)!r}"


def _foreign_kind(body: bytes, media: str) -> str | None:
    from ..contract.parsing import looks_like_html

    start = body.lstrip()[:1]
    if media == "text/html" or looks_like_html(body):
        return "an HTML page"
    if "json" in media or start in (b"{", b"["):
        return "JSON"
    if media == "text/plain" and start != b"<":
        return "plain text"
    return None


def _excerpt(body: bytes, kind: str) -> str:
    """The page's title, or the first words."""
    from ..contract.parsing import html_title

    if kind == "an HTML page":
        return html_title(body)
    return " ".join(body[:400].decode("utf-8", "replace").split())[:100]


def _is_envelope(body: bytes) -> bool:
    from lxml import etree

    from ..contract.parsing import NotXml, parse_xml
    from ..contract.soap import version_for_namespace

    root = parse_xml(body)
    if isinstance(root, NotXml):
        return False
    name = etree.QName(root)
    return name.localname == "Envelope" and version_for_namespace(name.namespace) is not None


def _media_type(response: HttpResponse) -> str:
    return (response.header("Content-Type") or "").split(";", 1)[0].strip().lower()


def _answered(exchange: Exchange) -> str:
    if exchange.response is None:
        return f"got no answer ({exchange.error})"
    return f"answered HTTP {exchange.response.status} {_media_type(exchange.response) or '(no Content-Type)'}"
