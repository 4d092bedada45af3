"""The allow-listed appointments of a configured endpoint at the edges of a run: surveyed once before the first
Reject (by the controller process, for every xdist worker), read once more when the run ends.

Before: each appointment is read; one that cannot be read, or is no invitation the test user can answer, is
*unfit*, and its cases are skipped for safety with the reason; with ``restore`` a declined invitation is put back
with Accept, so that every Reject starts from a known, non-declined state. After: each is read again, and
``summary.json`` lists, per id, the state found at the start and the state left at the end. Accept makes an
invitation *Accepted*: the contract has no call that makes it pending (``Invitation``) again, and the summary
says so rather than hide it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..config import Settings
from ..contract.messages import Credentials
from ..contract.redaction import Redactor
from ..contract.soap import soap_version
from ..errors import LoginFailed
from ..generation.cases import SETUP, Target
from ..reporting.run_info import authentication
from ..transport.http import Transport
from ..transport.network import options_for
from .ahead import Fanout
from .credentials import AUTHENTICATION
from .locks import EffectLocks
from .login import log_in
from .observe import AppointmentState, Observer, series_of

PENDING_NOTE = (
    "Accept leaves an invitation Accepted: the contract has no call that makes an answered invitation pending "
    "(Invitation) again, so an id found Invitation ends Accepted"
)


SERIES_NOTE = (
    "appointments {ids} are occurrences of a series: a Reject with ThisAndForward or StopRecurrence also changes "
    "the series' later occurrences, including any you did not allow-list; the suite neither reads nor restores "
    "those (it touches allow-listed ids only), and Accept does not undo StopRecurrence's end of the series. "
    "Allow-list every occurrence, or use a series kept for this suite"
)


@dataclass
class Staging:
    """What the controller learned of the allow-listed appointments, and what it reads at the end."""

    states: list[AppointmentState] = field(default_factory=list)
    end: dict[int, str] = field(default_factory=dict)  # id → InvitationStatus at the end (or why unreadable)

    @property
    def unfit(self) -> tuple[tuple[int, str], ...]:
        return tuple((s.appointment_id, s.unfit) for s in self.states if s.unfit)

    @property
    def series(self) -> tuple[tuple[int, int | None], ...]:
        return series_of(self.states)

    def as_summary(self) -> dict[str, Any]:
        appointments = []
        for state in self.states:
            entry: dict[str, Any] = {
                "id": state.appointment_id,
                "start": state.found.invitation_status if state.found else None,
                "end": self.end.get(state.appointment_id),
            }
            if state.prepared is not None:
                entry["prepared"] = state.prepared.invitation_status
            if state.unfit:
                entry["unfit"] = state.unfit
            appointments.append(entry)
        summary: dict[str, Any] = {"appointments": appointments, "appointments_note": PENDING_NOTE}
        recurring = [s.appointment_id for s in self.states if s.found is not None and s.found.recurrence_id]
        if recurring:
            summary["series_note"] = SERIES_NOTE.format(ids=", ".join(map(str, recurring)))
        return summary


def observer_for(settings: Settings) -> tuple[Observer, Transport]:
    """An observer of the configured endpoint with the run's own credentials (outside any test); its reads go out
    side by side under ``--concurrency``."""
    from .session import id_policy

    in_flight = settings.concurrency
    transport = Transport(options_for(settings, max_bytes=settings.max_response_bytes, in_flight=in_flight))
    target = Target(
        str(settings.endpoint),
        soap_version(settings.soap_version),
        Credentials(settings.ticket, settings.application_token),
        id_policy(settings),
        settings.online,
    )
    locks = EffectLocks(str(settings.endpoint), settings.series)
    observer = Observer(target, transport, restore=settings.restore, locks=locks, fanout=Fanout(in_flight))
    return observer, transport


def survey(settings: Settings) -> Staging:
    """The allow-listed appointments before the first Reject; one the run's credentials may not read is a setup
    problem (the ticket, not the endpoint's contract), and says so."""
    observer, transport = observer_for(settings)
    try:
        states = observer.survey(settings.appointment_ids)
    finally:
        observer.fanout.close()
        transport.close()
    redactor = Redactor(settings.secrets())  # an endpoint's refusal may quote what it was sent
    for state in states:
        state.unfit = redactor.text(state.unfit) if state.unfit else state.unfit
        refused = state.found is None and " was refused: " in (state.unfit or "")
        if refused and AUTHENTICATION.search(state.unfit or ""):
            state.unfit = (
                f"{SETUP}: the run's credentials ({authentication(settings)}) were refused reading appointment "
                f"{state.appointment_id} before the first Reject ({state.unfit.split(': ', 1)[1]}); its cases are "
                "skipped for safety"
            )
    return Staging(states)


def read_end(settings: Settings, staging: Staging) -> None:
    """Each surveyed appointment's state at the end; if the run's ticket has expired by then and the run can log
    in, once more with a fresh ticket."""
    _read_each(settings, staging)
    refused = [v for v in staging.end.values() if v.startswith("unreadable") and AUTHENTICATION.search(v)]
    if refused and settings.username and settings.password:
        try:
            login = log_in(settings, str(settings.endpoint))
        except LoginFailed:
            return
        _read_each(replace(settings, ticket=login.ticket), staging)


def _read_each(settings: Settings, staging: Staging) -> None:
    observer, transport = observer_for(settings)
    redactor = Redactor(settings.secrets())
    try:
        with observer.locks.hold(s.appointment_id for s in staging.states):
            readings = observer.fanout.map(observer.read, [s.appointment_id for s in staging.states])
            for state, reading in zip(staging.states, readings, strict=True):
                staging.end[state.appointment_id] = (
                    reading.entity.invitation_status
                    if reading.entity is not None and reading.entity.invitation_status is not None
                    else f"unreadable: {redactor.text(reading.problem or '')}"
                )
    finally:
        observer.fanout.close()
        transport.close()
