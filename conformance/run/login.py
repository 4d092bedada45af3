"""Logging in as QA does: ``--username/--password`` through ``SoPrincipal.svc``'s ``AuthenticateUsernamePassword``,
request and answer validated against the published SoPrincipal schema, the ticket taken from
``AuthenticateResponse/Credentials/Ticket``. One line says why a login failed, and whether it is the credentials
(exit 2) or the principal service (exit 3). The password never appears in any message."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..contract.parsing import NotXml, parse_xml
from ..contract.principal import login_envelope, login_request, principal_url, read_login
from ..contract.redaction import Redactor, display_url
from ..contract.schemas import principal_schema
from ..contract.soap import SOAP11
from ..errors import LoginFailed, SuiteBug
from ..transport.http import Exchange, Transport
from ..transport.network import options_for

REFUSED, UNREACHABLE = 2, 3  # the exit codes of a failed login: credentials refused, principal service unusable


@dataclass(frozen=True)
class Login:
    """A ticket obtained by logging in, and the exchange that obtained it (for the report, redacted)."""

    ticket: str
    user: str
    url: str
    exchange: Exchange

    @property
    def how(self) -> str:
        return f"login as {self.user} ({display_url(self.url)})"


def principal_endpoint(settings: Settings, appointment_url: str) -> str:
    """``--principal-endpoint``, else ``SoPrincipal.svc`` beside the Appointment.svc the run targets."""
    url = settings.principal_endpoint or principal_url(appointment_url)
    if url is None:
        raise LoginFailed(
            f"cannot tell where to log in: {display_url(appointment_url)} does not end in Appointment.svc; "
            "give the SoPrincipal.svc URL with --principal-endpoint",
            REFUSED,
        )
    return url


def log_in(settings: Settings, appointment_url: str, transport: Transport | None = None) -> Login:
    """Log in as ``settings.username``; raises ``LoginFailed`` (one line, with the exit code it stands for)."""
    url = principal_endpoint(settings, appointment_url)
    user, password = settings.username or "", settings.password or ""
    envelope = login_envelope(user, password, settings.application_token)
    errors = principal_schema().errors(envelope)
    if errors:
        raise SuiteBug(f"bug in the suite: the login request is not valid against the SoPrincipal schema: {errors[0]}")
    own = transport is None
    transport = transport or Transport(options_for(settings))
    try:
        exchange = transport.send(url, login_request(envelope), SOAP11)
    finally:
        if own:
            transport.close()
    return Login(_ticket(exchange, url, user, settings.secrets()), user, url, exchange)


def _ticket(exchange: Exchange, url: str, user: str, secrets: list[str]) -> str:
    shown = display_url(url)
    redact = Redactor(secrets).text
    response = exchange.response
    if response is None:
        raise LoginFailed(f"the principal service at {shown} could not be reached: {exchange.error}", UNREACHABLE)
    root = parse_xml(response.body)
    if isinstance(root, NotXml) or root.tag != SOAP11.envelope_tag("Envelope"):
        what = root.reason if isinstance(root, NotXml) else f"<{root.tag}>"
        raise LoginFailed(
            f"no SoPrincipal service answers at {shown}: HTTP {response.status} {response.reason} with {what} "
            "(use --principal-endpoint to name it)",
            UNREACHABLE,
        )
    fault = root.find(f"{SOAP11.envelope_tag('Body')}/{SOAP11.envelope_tag('Fault')}")
    if fault is not None:
        code, text = fault.findtext("faultcode") or "?", " ".join((fault.findtext("faultstring") or "").split())
        raise LoginFailed(
            f"the login as {user} at {shown} was refused with a fault: {code}: {redact(text)[:200]}", REFUSED
        )
    errors = principal_schema().errors(root)
    if errors:
        raise LoginFailed(
            f"the login answer from {shown} is not valid against the published SoPrincipal schema: "
            f"{redact(str(errors[0]))}",
            UNREACHABLE,
        )
    answer = read_login(root)
    if answer is None:
        raise LoginFailed(f"the answer from {shown} holds no AuthenticateResponse", UNREACHABLE)
    if answer.exception is not None:
        raise LoginFailed(f"the login as {user} at {shown} was refused: {redact(answer.exception)}", REFUSED)
    if answer.authenticated is not True or not answer.ticket:
        raise LoginFailed(
            f"the login as {user} at {shown} was refused: AuthenticationSucceeded="
            f"{str(answer.authenticated).lower() if answer.authenticated is not None else '(absent)'}"
            + ("" if answer.ticket or answer.authenticated is False else ", and no ticket")
            + " (wrong user name or password?)",
            REFUSED,
        )
    return answer.ticket
