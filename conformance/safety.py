"""Which appointment ids the suite may send a Reject for.

Reject changes data. On a configured endpoint a Reject may name only an allow-listed id, or an id that cannot
be a real appointment: non-positive, not an int32 at all, or inside the user's "surely unused" range.
``guard`` is the last line of defence: it reads the id out of the final request bytes, whatever built them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .contract import INT32_MAX, INT32_MIN, qname


class SafetyViolation(Exception):
    """The suite was about to Reject an appointment it was not allowed to touch (a bug in the suite)."""


@dataclass(frozen=True)
class IdPolicy:
    allowed: tuple[int, ...] = ()
    unused: tuple[int, int] | None = None

    def cannot_be_real(self, appointment_id: int) -> bool:
        if appointment_id <= 0 or not INT32_MIN <= appointment_id <= INT32_MAX:
            return True
        return self.unused is not None and self.unused[0] <= appointment_id <= self.unused[1]

    def permits(self, appointment_id: int) -> bool:
        return appointment_id in self.allowed or self.cannot_be_real(appointment_id)

    def describe(self) -> str:
        unused = f"{self.unused[0]}..{self.unused[1]}" if self.unused else "not configured"
        return f"allow-listed ids {list(self.allowed) or 'none'}; surely-unused range {unused}; non-positive ids"

    def guard(self, envelope: etree._Element) -> None:
        """Raise ``SafetyViolation`` if ``envelope`` would Reject an id this policy does not permit."""
        for node in envelope.iter(qname("AppointmentId")):
            text = (node.text or "").strip()
            try:
                value = int(text)
            except ValueError:
                continue  # not an integer: no appointment can have it
            if not self.permits(value):
                raise SafetyViolation(
                    f"refusing to send Reject for appointment id {value}: it is not allow-listed and could be real "
                    f"({self.describe()})"
                )
