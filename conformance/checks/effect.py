"""Checks on what the Reject did to the appointment, read with ``GetAppointmentEntity`` before and after the call
(``run/observe.py``). Not applicable where nothing was observed: a Reject of an id that is not allow-listed, a
request the suite sends raw, or an appointment that could not be read (the case then says why)."""

from __future__ import annotations

from ..contract.entity import DECLINED, normalise_reason, same_reason
from ..contract.rules import DECLINED_AFTER, REASON_STORED, RECURRENCE_MODE, REFUSAL_CHANGES_NOTHING
from .context import CheckContext
from .outcome import refused
from .registry import NOT_APPLICABLE, Failure, Outcome, check

JUDGED_FIELDS = ("invitation_status", "reject_reason", "reject_counter")
_FIELD_NAMES = {
    "invitation_status": "InvitationStatus",
    "reject_reason": "RejectReason",
    "reject_counter": "RejectCounter",
}
FORWARD = ("ThisAndForward", "StopRecurrence")


def _carried_out(ctx: CheckContext) -> bool:
    """The Reject was answered as done: a SOAP reply with a body, neither a fault nor ``Succeeded=false``."""
    return ctx.is_envelope and ctx.fault is None and ctx.succeeded is not False and ctx.body_child is not None


def _where(appointment_id: int) -> str:
    return f"GetAppointmentEntity({appointment_id}) after the Reject"


@check("effect-declined", "Effect", DECLINED_AFTER)
def effect_declined(ctx: CheckContext) -> Outcome:
    """After a Reject that was carried out, the invitation reads ``InvitationStatus=Declined`` (MUST): the one
    thing the operation is documented to do."""
    effect = ctx.effect
    if effect is None or not effect.observed or not _carried_out(ctx):
        return NOT_APPLICABLE
    after = effect.after[effect.appointment_id]
    if after.invitation_status == DECLINED:
        return None
    before = effect.before[effect.appointment_id].invitation_status
    return Failure(
        f"InvitationStatus Declined (it read {before} before the Reject)",
        f"InvitationStatus {after.invitation_status}",
        _where(effect.appointment_id),
        DECLINED_AFTER,
    )


@check("effect-reason", "Effect", REASON_STORED)
def effect_reason(ctx: CheckContext) -> Outcome:
    """After a Reject that was carried out, ``RejectReason`` reads back as sent (MUST): nothing lost, truncated or
    re-encoded; compared after XML's line-end normalisation, with nil, absent and empty the same. A reason over
    the documented 254-character column may read back as its first 254 characters."""
    effect = ctx.effect
    if effect is None or not effect.observed or not _carried_out(ctx):
        return NOT_APPLICABLE
    stored = effect.after[effect.appointment_id].reject_reason
    if same_reason(effect.reason, stored):
        return None
    return Failure(
        f"RejectReason {_show(effect.reason)}",
        f"RejectReason {_show(stored)}{_difference(effect.reason, stored)}",
        _where(effect.appointment_id),
        REASON_STORED,
    )


@check("effect-unchanged", "Effect", REFUSAL_CHANGES_NOTHING)
def effect_unchanged(ctx: CheckContext) -> Outcome:
    """A Reject that was refused changed nothing (MUST): every appointment observed reads the same
    ``InvitationStatus``, ``RejectReason`` and ``RejectCounter`` before and after."""
    effect = ctx.effect
    if effect is None or not effect.observed or not refused(ctx):
        return NOT_APPLICABLE
    for appointment_id, before in effect.before.items():
        after = effect.after.get(appointment_id)
        if after is None:
            continue
        changed = [f for f in JUDGED_FIELDS if getattr(before, f) != getattr(after, f)]
        if changed:
            shown = ", ".join(f"{_FIELD_NAMES[f]} {getattr(before, f)!r} → {getattr(after, f)!r}" for f in changed)
            return Failure(
                "the appointment unchanged by a refused Reject",
                shown,
                _where(appointment_id),
                REFUSAL_CHANGES_NOTHING,
            )
    return None


@check("effect-recurrence", "Effect", RECURRENCE_MODE)
def effect_recurrence(ctx: CheckContext) -> Outcome:
    """On an occurrence of a series, the ``UpdateMode`` decides which of the observed occurrences end Declined
    (SHOULD: each mode is documented in one line): ``OnlyThis`` this one only, ``ThisAndForward`` and
    ``StopRecurrence`` this one and the later ones; earlier ones keep their ``InvitationStatus``. ``Unknown``
    ("undecided") is not judged."""
    effect = ctx.effect
    if effect is None or not effect.observed or not _carried_out(ctx) or effect.mode not in ("OnlyThis", *FORWARD):
        return NOT_APPLICABLE
    siblings = effect.siblings()
    if not siblings:
        return NOT_APPLICABLE
    start = effect.before[effect.appointment_id].start or ""
    wrong = []
    for appointment_id in siblings:
        before, after = effect.before[appointment_id], effect.after.get(appointment_id)
        if after is None:
            continue
        later = (before.start or "") > start
        if effect.mode in FORWARD and later:
            if after.invitation_status != DECLINED:
                wrong.append(f"{appointment_id} (later) reads {after.invitation_status}, not Declined")
        elif after.invitation_status != before.invitation_status:
            place = "later" if later else "earlier"
            wrong.append(f"{appointment_id} ({place}) changed {before.invitation_status} → {after.invitation_status}")
    if not wrong:
        return None
    expected = (
        "only the addressed occurrence Declined, the others unchanged"
        if effect.mode == "OnlyThis"
        else "the addressed occurrence and every later one Declined, the earlier ones unchanged"
    )
    return Failure(
        f"UpdateMode {effect.mode}: {expected}",
        "; ".join(wrong),
        f"GetAppointmentEntity of the observed occurrences {', '.join(map(str, siblings))} after the Reject of "
        f"{effect.appointment_id}",
        RECURRENCE_MODE,
    )


def _show(text: str | None) -> str:
    if text is None:
        return "nil"
    shown = repr(text) if len(text) <= 60 else f"{text[:40]!r}… ({len(text)} characters)"
    return shown


def _difference(sent: str | None, stored: str | None) -> str:
    """Where the stored reason departs from the sent one, in a few words (length, first differing character)."""
    a, b = normalise_reason(sent), normalise_reason(stored)
    if b and a.startswith(b):
        return f": truncated to {len(b)} of {len(a)} characters"
    index = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    if index < min(len(a), len(b)):
        return f": differs at character {index + 1} ({a[index]!r} sent, {b[index]!r} stored)"
    return f": {len(b)} characters stored of {len(a)} sent"
