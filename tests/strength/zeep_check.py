"""The independent cross-check: a third-party SOAP client (zeep) makes valid Reject calls against an endpoint.

zeep loads the WSDL from ``<url>?wsdl`` (SOAP 1.1, the only binding it declares) and its verdict is simply
whether any call raised. It is a lenient consumer on purpose: the point is to see which defects a real client
would trip over, and which ones only a conformance suite notices.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
import zeep
import zeep.transports

from conformance.reference import REFERENCE_TICKET

from .mutants import ONLINE_TOKEN

# Valid calls, the kind a client would make: every mode, master and occurrence ids, the reasons users type.
CALLS: tuple[tuple[int, str, str], ...] = (
    (101, "zeep: busy", "OnlyThis"),
    (102, "", "Unknown"),
    (200, "zeep: series", "ThisAndForward"),
    (202, "zeep: stop", "StopRecurrence"),
    (101, "Tom & Jerry <busy>", "OnlyThis"),
    (101, "会議が重なっています", "OnlyThis"),
    (101, "busy \U0001f4c5", "OnlyThis"),
    (101, ("Reason " * 600)[:4000], "OnlyThis"),
)


@dataclass(frozen=True)
class ZeepVerdict:
    raised: bool
    detail: str = ""  # the first exception, one line


def zeep_verdict(url: str, *, online: bool = False, timeout: float = 3) -> ZeepVerdict:
    """Every call in ``CALLS`` through a zeep client built from ``url``'s WSDL; the first exception, if any."""
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxy from the environment
    headers: dict[str, object] = {"Credentials": {"Ticket": REFERENCE_TICKET}}
    if online:
        headers["ApplicationToken"] = ONLINE_TOKEN
    try:
        transport = zeep.transports.Transport(session=session, timeout=timeout, operation_timeout=timeout)
        client = zeep.Client(f"{url}?wsdl", transport=transport)
        for appointment_id, reason, mode in CALLS:
            client.service.Reject(
                AppointmentId=appointment_id, RejectReason=reason, UpdateMode=mode, _soapheaders=headers
            )
    except Exception as exc:  # any exception is zeep's verdict: it could not use the endpoint
        return ZeepVerdict(True, " ".join(f"{type(exc).__name__}: {exc}".split())[:160])
    finally:
        session.close()
    return ZeepVerdict(False)
