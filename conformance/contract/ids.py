"""Which appointment ids the suite may send a Reject for.

Reject changes data. On a configured endpoint a Reject may name only an allow-listed id, or an id that cannot
be a real appointment: non-positive, not an int32 at all, or inside the user's "surely unused" range.
``guard`` is the last line of defence: it reads the id out of the final request, whatever built it, the way a
lenient server might read it (any namespace, text split by comments, a sign, leading zeros, CDATA, character
references); ``guard_bytes`` does the same for raw request bytes that are malformed on purpose.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from ..errors import SafetyViolation
from .soap import INT32_MAX, INT32_MIN

# what a server could read as an integer: xs:int's lexical form, plus whatever Python's int() accepts
_XS_INT = re.compile(r"[+-]?[0-9]+")
# an AppointmentId start tag, then its content: text, comments, CDATA sections, processing instructions
_RAW_ID = re.compile(
    r"Appointment(?:Entity)?Id\b[^>]*>((?:[^<]|<!--.*?(?:-->|$)|<!\[CDATA\[.*?(?:\]\]>|$)|<\?.*?(?:\?>|$))*)", re.DOTALL
)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)(?:\]\]>|$)", re.DOTALL)
ID_ELEMENTS = ("AppointmentId", "AppointmentEntityId")
_MARKUP = re.compile(r"<!--.*?(?:-->|$)|<\?.*?(?:\?>|$)", re.DOTALL)


def integer_value(text: str) -> int | None:
    """The integer a server could take ``text`` for (``None`` when no server could: then no appointment can have
    it). Conservative on purpose: ``"+0102"``, ``" 102 "`` and Python's ``"1_02"`` all count as 102."""
    text = text.strip()
    if _XS_INT.fullmatch(text):
        return int(text)
    try:
        return int(text)
    except ValueError:
        return None


def group_of(appointment_id: int, series: Mapping[int, int | None]) -> str:
    """The appointment group of an id, given each surveyed id's series: ``series-R`` for an occurrence of series
    R (a Reject of one occurrence can change the others), ``appointment-N`` for a single appointment."""
    recurrence = series.get(appointment_id)
    return f"series-{recurrence}" if recurrence is not None else f"appointment-{appointment_id}"


@dataclass(frozen=True)
class IdPolicy:
    """``allowed``: the ids the user allow-listed (the guard permits them); ``unfit``: those of them found, before
    the first Reject, not to be invitations of the test user, with why (cases skip them, for safety);
    ``unused``: a range the user declares surely unused; ``series``: each surveyed id's series (``None``: a single
    appointment), as the controller's survey before the first Reject read it (empty: not surveyed, as on the
    embedded endpoint, whose session surveys after collection: there every id is its own group here, while its
    locks still hold a series as one)."""

    allowed: tuple[int, ...] = ()
    unused: tuple[int, int] | None = None
    unfit: tuple[tuple[int, str], ...] = ()
    series: tuple[tuple[int, int | None], ...] = ()

    @property
    def usable(self) -> tuple[int, ...]:
        """The allow-listed ids cases may Reject: allowed, and not found unfit."""
        unfit = {i for i, _ in self.unfit}
        return tuple(i for i in self.allowed if i not in unfit)

    @property
    def groups(self) -> tuple[tuple[int, ...], ...]:
        """The usable ids by appointment: the occurrences of one series together, every other id alone, in
        allow-list order. A Reject of one occurrence can change the others, so a group is what one observation
        holds (``run/locks.py``) and what the suite spreads its calls over."""
        series = dict(self.series)
        groups: dict[str, list[int]] = {}
        for i in self.usable:
            groups.setdefault(group_of(i, series), []).append(i)
        return tuple(tuple(ids) for ids in groups.values())

    def cannot_be_real(self, appointment_id: int) -> bool:
        if appointment_id <= 0 or not INT32_MIN <= appointment_id <= INT32_MAX:
            return True
        return self.unused is not None and self.unused[0] <= appointment_id <= self.unused[1]

    def permits(self, appointment_id: int) -> bool:
        return appointment_id in self.allowed or self.cannot_be_real(appointment_id)

    def describe(self) -> str:
        unused = f"{self.unused[0]}..{self.unused[1]}" if self.unused else "not configured"
        return f"allow-listed ids {list(self.allowed) or 'none'}; surely-unused range {unused}; non-positive ids"

    def check(self, text: str, what: str = "Reject") -> None:
        """Raise ``SafetyViolation`` if ``text`` (an AppointmentId's content) could name a forbidden id."""
        value = integer_value(text)
        if value is not None and not self.permits(value):
            raise SafetyViolation(
                f"refusing to send {what} for appointment id {value}: it is not allow-listed and could be real "
                f"({self.describe()})"
            )

    def guard(self, envelope: etree._Element) -> None:
        """Raise ``SafetyViolation`` if ``envelope`` would Reject an id this policy does not permit.

        Every element named AppointmentId (or GetAppointmentEntity's AppointmentEntityId) counts, in any namespace
        (a lenient server may ignore a wrong one), with all of its text (a comment inside it does not hide the
        digits around it)."""
        for node in envelope.iter():
            if isinstance(node.tag, str) and etree.QName(node).localname in ID_ELEMENTS:
                self.check("".join(node.itertext()))

    def guard_reading(self, envelope: etree._Element, what: str) -> None:
        """For a call that reads or restores an appointment (``GetAppointmentEntity``, ``Accept``): every id in it
        must be allow-listed. An id that cannot be real is no appointment to observe, so it is refused too."""
        for node in envelope.iter():
            if isinstance(node.tag, str) and etree.QName(node).localname in ID_ELEMENTS:
                value = integer_value("".join(node.itertext()))
                if value is None or value not in self.allowed:
                    raise SafetyViolation(
                        f"refusing to send {what} for appointment id {value}: only allow-listed ids are read or "
                        f"restored ({self.describe()})"
                    )

    def guard_bytes(self, body: bytes) -> None:
        """``guard`` for raw request bytes, which may be malformed on purpose: every AppointmentId element's content
        is read as text, with comments dropped, CDATA opened and character references resolved."""
        for content in _id_texts(body):
            self.check(content, "raw request")

    def allowed_in(self, body: bytes) -> tuple[int, ...]:
        """The allow-listed ids a request names (read as ``guard_bytes`` reads them): the appointments it may
        change, valid request or not."""
        found = {integer_value(content) for content in _id_texts(body)}
        return tuple(sorted(i for i in found if i is not None and i in self.allowed))


def _id_texts(body: bytes) -> list[str]:
    text = body.decode("utf-16" if body[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8", "replace")
    return [
        html.unescape(_CDATA.sub(lambda m: m.group(1), _MARKUP.sub("", match.group(1))))
        for match in _RAW_ID.finditer(text)
    ]
