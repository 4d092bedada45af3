"""What WCF writes on the wire (``shared/reference/WCF-WIRE.md``): its fault subcodes and reasons, and reading the
action a request names."""

from __future__ import annotations

import re

from ..contract.soap import (
    SERVICES82_NS,
    SOAP11,
    SoapVersion,
)
from ..errors import ConformanceError

WCF_NS = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"


ADDRESSING_NONE_NS = "http://schemas.microsoft.com/ws/2005/05/addressing/none"


ACTION_NOT_SUPPORTED = (
    "The message with Action '{action}' cannot be processed at the receiver, due to a ContractFilter mismatch at "
    "the EndpointDispatcher. This may be because of either a contract mismatch (mismatched Actions between sender "
    "and receiver) or a binding/security mismatch between the sender and the receiver.  Check that sender and "
    "receiver have the same contract and the same binding (including security requirements, e.g. Message, "
    "Transport, None)."
)


DESERIALIZATION_FAILED = (
    "The formatter threw an exception while trying to deserialize the message: There was an error while trying to "
    "deserialize parameter {ns}:{part}. The InnerException message was '{inner}'.  Please see InnerException for "
    "more details."
)


INTERNAL_SERVICE_FAULT = (
    "The server was unable to process the request due to an internal error.  For more information about the error, "
    "either turn on IncludeExceptionDetailInFaults (either from ServiceBehaviorAttribute or from the "
    "<serviceDebug> configuration behavior) on the server in order to send the exception information back to the "
    "client, or turn on tracing as per the Microsoft .NET Framework SDK documentation and inspect the server trace "
    "logs."
)


class SoapFault(ConformanceError):
    """A fault to answer with. ``code``: sender | receiver | version | mustunderstand; ``subcode``: WCF's
    ``prefix:Name`` (its namespace in ``subcode_ns``), written as the SOAP 1.1 faultcode when present."""

    def __init__(self, code: str, reason: str, subcode: str | None = None, subcode_ns: str = WCF_NS) -> None:
        super().__init__(reason)
        self.code, self.reason, self.subcode, self.subcode_ns = code, reason, subcode, subcode_ns


def deserialization_failed(part: str, inner: str) -> SoapFault:
    text = DESERIALIZATION_FAILED.format(ns=SERVICES82_NS, part=part, inner=inner)
    return SoapFault("sender", text, "a:DeserializationFailed")


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
