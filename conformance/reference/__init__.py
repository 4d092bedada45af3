"""The embedded reference endpoint: a stateful Services82 Appointment.svc on loopback."""

from .server import ReferenceServer, running_reference
from .service import ReferenceService, ServiceOptions
from .store import REFERENCE_ALLOW_LIST, REFERENCE_TICKET, AppointmentStore

__all__ = [
    "REFERENCE_ALLOW_LIST",
    "REFERENCE_TICKET",
    "AppointmentStore",
    "ReferenceServer",
    "ReferenceService",
    "ServiceOptions",
    "running_reference",
]
