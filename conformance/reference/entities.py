"""``GetAppointmentEntity`` and ``Accept`` of the reference endpoint: what the suite reads an appointment with, and
puts it back with. Same binding, headers, authentication, refusals and faults as Reject (``service.py``); the
entity written in the published ``AppointmentEntity`` order, with the fields the state has (all are optional)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from ..contract.entity import ACCEPT_ACTION, GET_ENTITY_ACTION
from ..contract.messages import element_children, envelope_parts
from ..contract.parsing import NotXml, parse_xml
from ..contract.soap import SERVICES82_NS, SoapVersion, qname
from .calls import Call, Reply, header_text
from .store import CALLER, AppError, EntityView
from .wcf import INTERNAL_SERVICE_FAULT, SoapFault, deserialization_failed

if TYPE_CHECKING:
    from .service import ReferenceService

OPERATIONS = {GET_ENTITY_ACTION: "GetAppointmentEntity", ACCEPT_ACTION: "Accept"}
PARTS = {"GetAppointmentEntity": ("AppointmentEntityId",), "Accept": ("AppointmentId", "UpdateMode")}
DURATION = 3600  # seconds: every reference appointment lasts an hour


class EntityOperations:
    """The reading and restoring side of a ``ReferenceService`` (its store, options and reply helpers)."""

    def __init__(self, service: ReferenceService) -> None:
        self.service = service

    def handle(self, version: SoapVersion, action: str, headers: dict[str, str], body: bytes) -> Reply:
        service = self.service
        operation = OPERATIONS[action]
        try:
            try:
                call = self.read(version, operation, body)
                service.authenticate(call)
                if operation == "Accept":
                    service.store.accept(CALLER, call.appointment_id, call.mode)
                    return self.accepted(version)
                return self.entity(version, service.store.entity(CALLER, call.appointment_id))
            except (SoapFault, AppError):
                raise
            except Exception:
                raise SoapFault("receiver", INTERNAL_SERVICE_FAULT, "a:InternalServiceFault") from None
        except SoapFault as fault:
            return service.fault(version, fault)
        except AppError as error:
            return service.app_error(version, error, response=f"{operation}Response")

    def read(self, version: SoapVersion, operation: str, body: bytes) -> Call:
        root = parse_xml(body)
        if isinstance(root, NotXml):
            raise SoapFault("sender", f"The request is not a well-formed XML message: {root}")
        header, soap_body = envelope_parts(root, version)
        self.service.check_headers(version, header)
        children = element_children(soap_body)
        if not children or children[0].tag != qname(operation):
            raise deserialization_failed(operation, f"Expecting element '{operation}'.")
        values: dict[str, object] = {"AppointmentEntityId": 0, "AppointmentId": 0, "UpdateMode": "Unknown"}
        parts = element_children(children[0])
        cursor = 0
        for name in PARTS[operation]:
            if cursor < len(parts) and parts[cursor].tag == qname(name):
                reading = "AppointmentId" if name == "AppointmentEntityId" else name
                values[name] = self.service.read_value(reading, parts[cursor])
                cursor += 1
        appointment = values["AppointmentEntityId"] if operation == "GetAppointmentEntity" else values["AppointmentId"]
        return Call(
            version=version,
            envelope=root,
            appointment_id=int(appointment),  # type: ignore[call-overload]
            reason=None,
            mode=str(values["UpdateMode"]),
            ticket=header_text(header, "Credentials", "Ticket"),
            application_token=header_text(header, "ApplicationToken"),
        )

    def accepted(self, version: SoapVersion) -> Reply:
        service = self.service
        env, header, body = service.envelope(version)
        _element(header, "Succeeded").text = "true"
        _element(body, "AcceptResponse")
        return service.soap_reply(200, version, env)

    def entity(self, version: SoapVersion, view: EntityView) -> Reply:
        service = self.service
        env, header, body = service.envelope(version)
        _element(header, "Succeeded").text = "true"
        response = etree.SubElement(_element(body, "GetAppointmentEntityResponse"), qname("Response"))
        write_entity(response, view)
        return service.soap_reply(200, version, env)


def write_entity(response: etree._Element, view: EntityView) -> None:
    """The ``AppointmentEntity`` fields the state has, in the published sequence order."""
    associate = _sub(response, "Associate")
    _sub(associate, "AssociateId", str(view.owner))
    _sub(response, "AppointmentId", str(view.id))
    _sub(response, "StartDate", view.start.isoformat())
    _sub(response, "EndDate", view.start.replace(hour=view.start.hour + 1).isoformat())
    _sub(response, "MotherId", str(view.series or 0))
    _sub(response, "RejectCounter", str(view.reject_counter))
    reason = _sub(response, "RejectReason", view.reject_reason)
    if view.reject_reason is None:
        reason.set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")
    if view.series is not None:
        recurrence = _sub(response, "Recurrence")
        _sub(recurrence, "RecurrenceId", str(view.series))
        _sub(recurrence, "IsRecurrence", "true")
    _sub(response, "InvitationStatus", view.invitation_status)


def _sub(parent: etree._Element, local: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, qname(local))
    node.text = text
    return node


def _element(parent: etree._Element, local: str) -> etree._Element:
    return etree.SubElement(parent, qname(local), nsmap={None: SERVICES82_NS})
