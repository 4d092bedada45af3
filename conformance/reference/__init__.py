"""The embedded reference endpoint: a stateful Services82 Appointment.svc (and its SoPrincipal.svc) on loopback."""

from .principal import REFERENCE_PASSWORD, REFERENCE_USER
from .server import ReferenceServer, running_reference
from .service import ReferenceService, ServiceOptions
from .store import REFERENCE_ALLOW_LIST, REFERENCE_TICKET, AppointmentStore

__all__ = [
    "REFERENCE_ALLOW_LIST",
    "REFERENCE_PASSWORD",
    "REFERENCE_TICKET",
    "REFERENCE_USER",
    "AppointmentStore",
    "ReferenceServer",
    "ReferenceService",
    "ServiceOptions",
    "running_reference",
]
