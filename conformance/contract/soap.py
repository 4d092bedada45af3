"""The Services82 Reject contract's names, and the one place that knows SOAP 1.1 from SOAP 1.2."""

from __future__ import annotations

from dataclasses import dataclass

SERVICES82_NS = "http://www.superoffice.net/ws/crm/NetServer/Services82"
REJECT_ACTION = f"{SERVICES82_NS}/Appointment/Reject"
SERVICE_PATH = "/Remote/Services82/Appointment.svc"

UPDATE_MODES: tuple[str, ...] = ("Unknown", "OnlyThis", "ThisAndForward", "StopRecurrence")
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1

# Elements whose content model is empty (xs:sequence with nothing in it). Indentation inside them, as in the
# documented example response, is insignificant to every SOAP stack, but XSD would call it character content.
EMPTY_CONTENT = (f"{{{SERVICES82_NS}}}RejectResponse",)

REQUEST_HEADERS = ("ApplicationToken", "Credentials", "TimeZone")
RESPONSE_HEADERS = ("ExceptionInfo", "ExtraInfo", "Succeeded", "TimeZone")


def qname(local: str, ns: str = SERVICES82_NS) -> str:
    """Clark notation ``{ns}local``, as lxml spells element names."""
    return f"{{{ns}}}{local}"


@dataclass(frozen=True)
class SoapVersion:
    """Everything that differs between SOAP 1.1 and SOAP 1.2 on the wire."""

    name: str
    envelope_ns: str
    media_type: str
    sender_code: str
    receiver_code: str
    fault_statuses_sender: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"SOAP {self.name}"

    def request_headers(self, action: str = REJECT_ACTION) -> dict[str, str]:
        """HTTP headers for a request: Content-Type, plus SOAPAction for 1.1 (the action lives in the
        Content-Type's ``action`` parameter for 1.2)."""
        if self.name == "1.1":
            return {"Content-Type": f"{self.media_type}; charset=utf-8", "SOAPAction": f'"{action}"'}
        return {"Content-Type": f'{self.media_type}; charset=utf-8; action="{action}"'}

    def envelope_tag(self, local: str) -> str:
        return qname(local, self.envelope_ns)

    def fault_status_allowed(self, code_local: str | None) -> tuple[int, ...]:
        """HTTP statuses a fault may travel with (SOAP 1.2 HTTP binding 7.5.2; WS-I BP1305 for 1.1)."""
        if code_local == self.sender_code:
            return self.fault_statuses_sender
        return (500,)


SOAP11 = SoapVersion(
    name="1.1",
    envelope_ns="http://schemas.xmlsoap.org/soap/envelope/",
    media_type="text/xml",
    sender_code="Client",
    receiver_code="Server",
    fault_statuses_sender=(500,),
)
SOAP12 = SoapVersion(
    name="1.2",
    envelope_ns="http://www.w3.org/2003/05/soap-envelope",
    media_type="application/soap+xml",
    sender_code="Sender",
    receiver_code="Receiver",
    fault_statuses_sender=(400, 500),
)
VERSIONS: dict[str, SoapVersion] = {"1.1": SOAP11, "1.2": SOAP12}


def soap_version(name: str) -> SoapVersion:
    """The SOAP version called ``name`` ("1.1" or "1.2")."""
    try:
        return VERSIONS[name]
    except KeyError:
        raise ValueError(f"unknown SOAP version {name!r}: expected one of {', '.join(VERSIONS)}") from None


def version_for_namespace(ns: str | None) -> SoapVersion | None:
    return next((v for v in VERSIONS.values() if v.envelope_ns == ns), None)


def version_for_media_type(content_type: str | None) -> SoapVersion | None:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return next((v for v in VERSIONS.values() if v.media_type == media), None)
