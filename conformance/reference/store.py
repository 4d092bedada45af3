"""In-memory appointments and the Reject semantics of the reference endpoint.

Seeded with every path the contract describes: plain invitations, a recurring master (occurrence 0) with child
occurrences, an invitation the caller already rejected, and one not addressed to the caller. Thread-safe.

Modes, as the reference endpoint applies them to a recurring appointment (master and child ids both accepted):
``OnlyThis`` and ``Unknown`` change the addressed occurrence; ``ThisAndForward`` it and every later one;
``StopRecurrence`` the same occurrences, and ends the series for the caller before them. On a single
appointment every mode changes just that appointment.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

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


@dataclass
class Appointment:
    id: int
    participants: set[int]
    series: int | None = None  # master id for recurring appointments
    index: int = 0  # occurrence number in the series (master = 0)
    rejected_by: dict[int, str] = field(default_factory=dict)  # associate -> reason
    stopped_for: set[int] = field(default_factory=set)  # associates for whom the series ended here

    @property
    def reject_counter(self) -> int:
        return len(self.rejected_by)

    def status_for(self, associate: int) -> str:
        return "Rejected" if associate in self.rejected_by else "Invited"


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
                103: Appointment(103, {CALLER, OTHER}, rejected_by={CALLER: "Already booked"}),
                104: Appointment(104, {OTHER}),
            }
            for index, aid in enumerate((200, 201, 202, 203, 204)):
                self._items[aid] = Appointment(aid, {CALLER, OTHER}, series=200, index=index)

    def get(self, appointment_id: int) -> Appointment:
        with self._lock:
            return self._items[appointment_id]

    def snapshot(self) -> dict[int, tuple[str, int, str | None]]:
        """``id -> (caller's status, reject counter, caller's reason)`` for tests and debugging."""
        with self._lock:
            return {
                a.id: (a.status_for(CALLER), a.reject_counter, a.rejected_by.get(CALLER)) for a in self._items.values()
            }

    def reject(self, associate: int, appointment_id: int, reason: str, mode: str) -> list[int]:
        """Reject ``appointment_id`` for ``associate``; returns the ids of the occurrences changed."""
        with self._lock:
            target = self._items.get(appointment_id)
            if target is None:
                raise AppError("SoException", f"Appointment with id {appointment_id} does not exist")
            if associate not in target.participants:
                raise AppError(
                    "SoAccessDeniedException", f"Appointment {appointment_id} is not an invitation to the current user"
                )
            changed = self._occurrences(target, mode)
            for occurrence in changed:
                occurrence.rejected_by[associate] = reason
            if mode == "StopRecurrence" and target.series is not None:
                target.stopped_for.add(associate)
            return [a.id for a in changed]

    def _occurrences(self, target: Appointment, mode: str) -> list[Appointment]:
        if target.series is None or mode in ("OnlyThis", "Unknown"):
            return [target]
        series = sorted((a for a in self._items.values() if a.series == target.series), key=lambda a: a.index)
        return [a for a in series if a.index >= target.index]
