"""What a Reject did, for people and for baselines: a readable diff of the observed appointments, their fields
before and after, and a fingerprint with what depends on the run normalised away."""

from __future__ import annotations

import json
from typing import Any

from ..contract.entity import Entity, normalise_reason
from ..run.observe import Effect

SHOWN = ("invitation_status", "reject_reason", "reject_counter")
NAMES = {"invitation_status": "InvitationStatus", "reject_reason": "RejectReason", "reject_counter": "RejectCounter"}


def roles(effect: Effect) -> dict[int, str]:
    """Each observed appointment's role: the addressed one, or an earlier / later occurrence of its series."""
    found = {effect.appointment_id: "addressed"}
    start = effect.before[effect.appointment_id].start or "" if effect.appointment_id in effect.before else ""
    for appointment_id in effect.siblings():
        later = (effect.before[appointment_id].start or "") > start
        found[appointment_id] = "later occurrence" if later else "earlier occurrence"
    return found


def diff_text(effect: Effect) -> str:
    """The fields that changed, per observed appointment; then what restoring left."""
    if effect.problem is not None:
        return f"not observed: {effect.problem}\n"
    mode = f", UpdateMode {effect.mode}" if effect.mode else ""
    lines = [f"Reject of {effect.appointment_id}{mode}, RejectReason {_short(effect.reason)}"]
    for appointment_id, role in roles(effect).items():
        before, after = effect.before.get(appointment_id), effect.after.get(appointment_id)
        if before is None or after is None:
            continue
        changed = [f for f in SHOWN if getattr(before, f) != getattr(after, f)]
        if not changed:
            lines.append(f"appointment {appointment_id} ({role}): unchanged")
            continue
        lines.append(f"appointment {appointment_id} ({role}):")
        lines += [f"  {NAMES[f]:<17} {_short(getattr(before, f))} → {_short(getattr(after, f))}" for f in changed]
    for appointment_id, entity in effect.restored.items():
        lines.append(f"restored {appointment_id} with Accept: it now reads {entity.invitation_status}")
    lines += effect.restore_problems
    return "\n".join(lines) + "\n"


def before_after_json(effect: Effect) -> str:
    """Every observed field of every observed appointment, before and after (and after restoring)."""
    data: dict[str, Any] = {}
    for appointment_id, role in roles(effect).items():
        entry = {
            "role": role,
            "before": _fields(effect.before.get(appointment_id)),
            "after": _fields(effect.after.get(appointment_id)),
        }
        if appointment_id in effect.restored:
            entry["restored"] = _fields(effect.restored[appointment_id])
        data[str(appointment_id)] = entry
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def fingerprint(effect: Effect) -> dict[str, Any] | None:
    """The effect, as a baseline keeps it: per observed appointment (by role) how each field changed, without what
    depends on the run — the state before (restoring leaves ``Accepted`` where a fresh staging had ``Invitation``),
    the counter's value (only its change), the reason's text (only whether it came back as sent)."""
    if not effect.observed:
        return None
    shape: dict[str, Any] = {}
    for appointment_id, role in roles(effect).items():
        before, after = effect.before.get(appointment_id), effect.after.get(appointment_id)
        if before is None or after is None:
            continue
        shape[f"{role} {appointment_id}" if role != "addressed" else role] = {
            "InvitationStatus": "unchanged"
            if before.invitation_status == after.invitation_status
            else f"→ {after.invitation_status}",
            "RejectReason": _reason_shape(effect.reason, before, after, role == "addressed"),
            "RejectCounter": _delta(before.reject_counter, after.reject_counter),
        }
    return shape


def _reason_shape(sent: str | None, before: Entity, after: Entity, addressed: bool) -> str:
    """The addressed appointment's reason against what was sent, whatever it read before: an earlier case (in
    another order under ``--workers``, or in an earlier run) may have left the same text there. Another
    occurrence's: whether it changed."""
    if not addressed:
        return "unchanged" if before.reject_reason == after.reject_reason else "changed"
    a, b = normalise_reason(sent), normalise_reason(after.reject_reason)
    if a == b:
        return "as sent"
    if b and a.startswith(b):
        return f"first {len(b)} characters of {len(a)}"
    return "differs from what was sent"


def _delta(before: int | None, after: int | None) -> str:
    if before is None or after is None:
        return "unchanged" if before == after else f"{before} → {after}"
    return "unchanged" if before == after else f"{after - before:+d}"


def _fields(entity: Entity | None) -> dict[str, object] | None:
    return None if entity is None else entity.fields()


def _short(value: object) -> str:
    if value is None:
        return "nil"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else f"{value[:40]!r}… ({len(value)} characters)"
    return str(value)
