"""Reading an appointment and putting it back: ``GetAppointmentEntity`` and ``Accept`` on the same service.

The published WSDL (``schemas/published/Services82-Appointment.wsdl``) has both beside Reject:
``GetAppointmentEntity(AppointmentEntityId)`` answers an ``AppointmentEntity`` (with ``InvitationStatus``,
``RejectReason``, ``RejectCounter`` and ``Recurrence``), and ``Accept(AppointmentId, UpdateMode)`` accepts an
invitation. The suite reads an appointment before and after a Reject to see what the Reject *did*, and puts it
back with Accept. ``Entity`` is the part of an ``AppointmentEntity`` the effect checks look at.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lxml import etree

from .messages import XSI_NS, Credentials, soap_envelope
from .soap import SERVICES82_NS, SoapVersion, qname

GET_ENTITY_ACTION = f"{SERVICES82_NS}/Appointment/GetAppointmentEntity"
ACCEPT_ACTION = f"{SERVICES82_NS}/Appointment/Accept"
DECLINED = "Declined"  # InvitationStatus 9: the invitation has been declined/rejected
# InvitationStatus values of an invitation (the others, None and Unknown, mean "not an invitation")
INVITATION_STATES = ("Accepted", "Hidden", "Invitation", "Moved", "Seen", "MovedSeen", "Declined", "Cancelled")


@dataclass(frozen=True)
class Entity:
    """What the effect checks read of an ``AppointmentEntity``. ``reject_reason`` is ``None`` when absent or nil."""

    appointment_id: int | None
    invitation_status: str | None
    reject_reason: str | None
    reject_counter: int | None
    start: str | None  # StartDate, as sent (orders the occurrences of a series)
    recurrence_id: int | None  # Recurrence/RecurrenceId when Recurrence/IsRecurrence is true
    associate_id: int | None  # Associate/AssociateId: whose diary the appointment is in

    @property
    def is_invitation(self) -> bool:
        return self.invitation_status in INVITATION_STATES

    def fields(self) -> dict[str, object]:
        """The observed fields by their contract names (for diffs, attachments and baselines)."""
        values = asdict(self)
        return {_CONTRACT_NAMES[k]: v for k, v in values.items()}


_CONTRACT_NAMES = {
    "appointment_id": "AppointmentId",
    "invitation_status": "InvitationStatus",
    "reject_reason": "RejectReason",
    "reject_counter": "RejectCounter",
    "start": "StartDate",
    "recurrence_id": "Recurrence/RecurrenceId",
    "associate_id": "Associate/AssociateId",
}


def get_entity_envelope(appointment_id: int, version: SoapVersion, credentials: Credentials) -> etree._Element:
    """``GetAppointmentEntity`` with the run's credential headers (the same headers as Reject)."""
    return _call("GetAppointmentEntity", [("AppointmentEntityId", str(appointment_id))], version, credentials)


def accept_envelope(appointment_id: int, mode: str, version: SoapVersion, credentials: Credentials) -> etree._Element:
    """``Accept(AppointmentId, UpdateMode)`` with the run's credential headers."""
    return _call("Accept", [("AppointmentId", str(appointment_id)), ("UpdateMode", mode)], version, credentials)


def _call(
    operation: str, parts: list[tuple[str, str]], version: SoapVersion, credentials: Credentials
) -> etree._Element:
    env = soap_envelope(version, credentials)
    wrapper = etree.SubElement(env[-1], qname(operation))
    for name, text in parts:
        etree.SubElement(wrapper, qname(name)).text = text
    return env


def read_entity(envelope: etree._Element, version: SoapVersion) -> Entity | None:
    """The ``Entity`` in a ``GetAppointmentEntityResponse`` envelope (``None`` when there is none: no such
    element, or a nil or absent ``Response``)."""
    body = envelope.find(version.envelope_tag("Body"))
    answer = None if body is None else body.find(qname("GetAppointmentEntityResponse"))
    response = None if answer is None else answer.find(qname("Response"))
    if response is None or _nil(response):
        return None
    recurrence = response.find(qname("Recurrence"))
    recurring = recurrence is not None and _text(recurrence, "IsRecurrence") in ("true", "1")
    associate = response.find(qname("Associate"))
    return Entity(
        appointment_id=_int(_text(response, "AppointmentId")),
        invitation_status=_text(response, "InvitationStatus"),
        reject_reason=_reason(response.find(qname("RejectReason"))),
        reject_counter=_int(_text(response, "RejectCounter")),
        start=_text(response, "StartDate"),
        recurrence_id=_int(_text(recurrence, "RecurrenceId")) if recurring else None,
        associate_id=_int(_text(associate, "AssociateId")) if associate is not None else None,
    )


# SuperOffice's database reference documents appointment.rejectReason as String(254): a longer reason is stored
# as its first 254 characters (UTF-16 code units, as the column counts them).
REASON_COLUMN = 254


def same_reason(sent: str | None, stored: str | None) -> bool:
    """Whether ``stored`` is ``sent``, after XML's own line-end normalisation (XML 1.0 §2.11: CR LF and a lone CR
    are read as LF) of both; a nil, absent and empty reason are the same (the contract's ``nillable`` string).
    A reason longer than the documented column (``REASON_COLUMN``) may be stored as its beginning, cut at the
    column's length (one unit less where the cut would split a surrogate pair)."""
    a, b = normalise_reason(sent), normalise_reason(stored)
    if a == b:
        return True
    return _units(a) > REASON_COLUMN and a.startswith(b) and _units(b) >= REASON_COLUMN - 1


def _units(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def normalise_reason(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _reason(node: etree._Element | None) -> str | None:
    if node is None or _nil(node):
        return None
    return "".join(node.itertext())


def _nil(node: etree._Element) -> bool:
    return (node.get(f"{{{XSI_NS}}}nil") or "").strip() in ("true", "1")


def _text(parent: etree._Element | None, local: str) -> str | None:
    if parent is None:
        return None
    node = parent.find(qname(local))
    if node is None or _nil(node):
        return None
    return "".join(node.itertext()).strip()


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
