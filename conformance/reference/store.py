"""In-memory appointments and the Reject (and Accept) semantics of the reference endpoint.

Seeded with every path the contract describes: plain invitations, a recurring master (occurrence 0) with child
occurrences, an invitation the caller already rejected, and one not addressed to the caller. Thread-safe.

Modes, as the reference endpoint applies them to a recurring appointment (master and child ids both accepted):
``OnlyThis`` and ``Unknown`` change the addressed occurrence; ``ThisAndForward`` it and every later one;
``StopRecurrence`` the same occurrences, and ends the series for the caller before them. On a single
appointment every mode changes just that appointment. ``Accept`` puts the same occurrences in the ``Accepted``
state (and resumes a series the caller stopped); the reason of the last Reject stays, as a record of it.

What ``GetAppointmentEntity`` shows of an appointment (``entity``): the caller's ``InvitationStatus``
(``Invitation`` until answered, then ``Declined`` or ``Accepted``; ``None`` on an appointment the caller is not
invited to), the caller's last ``RejectReason``, ``RejectCounter`` (invitees who declined), the start date,
and for an occurrence its series as ``Recurrence``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..contract.entity import REASON_COLUMN
from ..errors import ConformanceError

CALLER = 1  # the associate whose ticket the reference endpoint hands out
OTHER = 2
REFERENCE_TICKET = "7T:reference-endpoint-ticket=="
REFERENCE_ALLOW_LIST = (101, 102, 103, 200, 202)


class AppError(ConformanceError):
    """An application-level error, reported as Succeeded=false + ExceptionInfo (or a fault, if so configured)."""

    def __init__(self, exception_type: str, message: str) -> None:
        super().__init__(message)
        self.exception_type = exception_type
        self.message = message


SERIES_START = datetime(2026, 1, 5, 9, 0)


@dataclass
class Appointment:
    id: int
    participants: set[int]
    series: int | None = None  # master id for recurring appointments
    index: int = 0  # occurrence number in the series (master = 0)
    reasons: dict[int, str] = field(default_factory=dict)  # associate -> reason of the last Reject
    declined: set[int] = field(default_factory=set)  # associates who declined (their last answer)
    accepted: set[int] = field(default_factory=set)  # associates who accepted (their last answer)
    stopped_for: set[int] = field(default_factory=set)  # associates for whom the series ended here
    start: datetime = SERIES_START

    @property
    def reject_counter(self) -> int:
        """How many invitees have rejected the appointment (the database reference's ``rejectCounter``)."""
        return len(self.declined)

    def status_for(self, associate: int) -> str:
        """The ``InvitationStatus`` ``associate`` sees."""
        if associate not in self.participants:
            return "None"
        if associate in self.declined:
            return "Declined"
        return "Accepted" if associate in self.accepted else "Invitation"

    def decline(self, associate: int, reason: str) -> None:
        self.reasons[associate] = _column(reason)
        self.declined.add(associate)
        self.accepted.discard(associate)

    def accept(self, associate: int) -> None:
        self.accepted.add(associate)
        self.declined.discard(associate)
        self.stopped_for.discard(associate)


@dataclass(frozen=True)
class EntityView:
    """An appointment as ``GetAppointmentEntity`` shows it to one associate."""

    id: int
    owner: int
    invitation_status: str
    reject_reason: str | None
    reject_counter: int
    start: datetime
    series: int | None


class AppointmentStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[int, Appointment] = {}
        self.seed()

    def seed(self) -> None:
        with self._lock:
            self._items = {
                101: Appointment(101, {CALLER, OTHER}),
                102: Appointment(102, {CALLER}),
                103: Appointment(103, {CALLER, OTHER}),
                104: Appointment(104, {OTHER}),
            }
            self._items[103].decline(CALLER, "Already booked")
            for index, aid in enumerate((200, 201, 202, 203, 204)):
                start = SERIES_START + timedelta(weeks=index)
                self._items[aid] = Appointment(aid, {CALLER, OTHER}, series=200, index=index, start=start)

    def get(self, appointment_id: int) -> Appointment:
        with self._lock:
            return self._items[appointment_id]

    def snapshot(self) -> dict[int, tuple[str, int, str | None]]:
        """``id -> (caller's status, reject counter, caller's reason)`` for tests and debugging."""
        with self._lock:
            return {a.id: (a.status_for(CALLER), a.reject_counter, a.reasons.get(CALLER)) for a in self._items.values()}

    def entity(self, associate: int, appointment_id: int) -> EntityView:
        """What ``GetAppointmentEntity`` shows ``associate`` (an unknown id: ``AppError``, as SuperOffice's own)."""
        with self._lock:
            a = self._existing(appointment_id)
            owner = associate if associate in a.participants else min(a.participants)
            return EntityView(
                a.id, owner, a.status_for(associate), a.reasons.get(associate), a.reject_counter, a.start, a.series
            )

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        """Reject ``appointment_id`` for ``associate``; returns the ids of the occurrences changed."""
        with self._lock:
            target = self._invitation(associate, appointment_id)
            changed = self._occurrences(target, mode)
            for occurrence in changed:
                occurrence.decline(associate, reason)
            if mode == "StopRecurrence" and target.series is not None:
                target.stopped_for.add(associate)
            return [a.id for a in changed]

    def accept(self, associate: int, appointment_id: int, mode: str) -> list[int]:
        """Accept ``appointment_id`` for ``associate``; returns the ids of the occurrences changed."""
        with self._lock:
            target = self._invitation(associate, appointment_id)
            changed = self._occurrences(target, mode)
            for occurrence in changed:
                occurrence.accept(associate)
            return [a.id for a in changed]

    def _existing(self, appointment_id: int) -> Appointment:
        target = self._items.get(appointment_id)
        if target is None:
            raise AppError("SoException", f"Appointment with id {appointment_id} does not exist")
        return target

    def _invitation(self, associate: int, appointment_id: int) -> Appointment:
        target = self._existing(appointment_id)
        if associate not in target.participants:
            raise AppError(
                "SoAccessDeniedException", f"Appointment {appointment_id} is not an invitation to the current user"
            )
        return target

    def _occurrences(self, target: Appointment, mode: str) -> list[Appointment]:
        if target.series is None or mode in ("OnlyThis", "Unknown"):
            return [target]
        series = sorted((a for a in self._items.values() if a.series == target.series), key=lambda a: a.index)
        return [a for a in series if a.index >= target.index]


def _column(reason: str) -> str:
    """What the ``rejectReason`` column keeps (String(254) in SuperOffice's database reference): the first 254
    UTF-16 code units, never half a surrogate pair."""
    units = reason.encode("utf-16-le")
    if len(units) <= 2 * REASON_COLUMN:
        return reason
    return units[: 2 * REASON_COLUMN].decode("utf-16-le", errors="ignore")
