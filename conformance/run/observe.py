"""Reading appointments around a Reject, and putting them back: what the effect checks judge.

For a Reject of an allow-listed id, ``Observer.around`` reads the appointment with ``GetAppointmentEntity`` before
and after the call — and, when it is an occurrence of a series, the allow-listed occurrences of the same series
(``Recurrence/RecurrenceId``) — and, with ``restore``, accepts every observed appointment the Reject left declined
and reads it again. Every request is validated against the contract before it is sent and every answer after it
arrives, like Reject's; only allow-listed ids are ever read or accepted (``IdPolicy.guard_reading``).

Reading is not judging: an answer that cannot be read (a fault, ``Succeeded=false``, a schema violation, no
answer) makes the effect *not observed*, with the reason; the effect checks are then not applicable, and the
case says why. While one case observes a series (or a single appointment), other cases of the same group wait
(``EffectLocks``): a Reject of one must not land between another's before and after. Reads that do not depend on
each other (the occurrences of a series; each declined occurrence's Accept and re-read) go out side by side under
``--concurrency``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from lxml import etree

from ..contract.entity import (
    ACCEPT_ACTION,
    DECLINED,
    GET_ENTITY_ACTION,
    Entity,
    accept_envelope,
    get_entity_envelope,
    read_entity,
)
from ..contract.ids import integer_value
from ..contract.messages import XSI_NS, OutgoingRequest, serialize
from ..contract.parsing import RESPONSE_BOUNDS, NotXml, charset_of, parse_xml
from ..contract.schemas import envelope_schema
from ..contract.soap import SoapVersion, qname
from ..errors import SuiteBug
from ..generation.cases import Target
from ..transport.http import Exchange, Transport
from .ahead import Fanout
from .locks import EffectLocks

# InvitationStatus of an invitation the test user can answer (None, Unknown: no invitation; Cancelled: no meeting)
FIT_STATES = ("Invitation", "Seen", "Accepted", "Declined", "Moved", "MovedSeen", "Hidden")
RESTORE_MODE = "OnlyThis"  # one occurrence at a time: Accept never reaches an appointment the suite did not read


@dataclass
class Reading:
    """One ``GetAppointmentEntity``: the entity, or why there is none."""

    appointment_id: int
    entity: Entity | None
    problem: str | None
    exchange: Exchange | None = None


@dataclass
class Effect:
    """What a Reject did, as observed: the appointments read before and after (by id), and their restoring."""

    appointment_id: int
    reason: str | None
    mode: str | None
    before: dict[int, Entity] = field(default_factory=dict)
    after: dict[int, Entity] = field(default_factory=dict)
    problem: str | None = None  # why the effect could not be observed
    restored: dict[int, Entity] = field(default_factory=dict)  # what each restored appointment read afterwards
    restore_problems: list[str] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)  # every read and Accept, for the report

    @property
    def observed(self) -> bool:
        return self.problem is None and self.appointment_id in self.before and self.appointment_id in self.after

    def siblings(self) -> list[int]:
        """The other observed occurrences of the addressed appointment's series, by start date."""
        addressed = self.before.get(self.appointment_id)
        if addressed is None or addressed.recurrence_id is None:
            return []
        same = [
            e for i, e in self.before.items() if i != self.appointment_id and e.recurrence_id == addressed.recurrence_id
        ]
        return [e.appointment_id for e in sorted(same, key=lambda e: e.start or "") if e.appointment_id is not None]


def reject_parameters(envelope: etree._Element) -> tuple[int, str | None, str | None] | None:
    """``(AppointmentId, RejectReason, UpdateMode)`` of the Reject in ``envelope`` as a server reads them (a nil or
    absent reason ``None``; an absent mode ``None``), or ``None`` when the id is not a plain integer."""
    reject = envelope.find(f".//{qname('Reject')}")
    if reject is None:
        return None
    ident = reject.find(qname("AppointmentId"))
    value = integer_value("".join(ident.itertext())) if ident is not None else None
    if value is None:
        return None
    reason_node = reject.find(qname("RejectReason"))
    reason = None
    if reason_node is not None and (reason_node.get(f"{{{XSI_NS}}}nil") or "") not in ("true", "1"):
        reason = "".join(reason_node.itertext())
    mode = reject.findtext(qname("UpdateMode"))
    return value, reason, mode.strip() if mode is not None else None


@dataclass
class AppointmentState:
    """An allow-listed appointment before the first Reject: as found, as prepared (a declined invitation put back
    with Accept, when restoring), or why no case may Reject it."""

    appointment_id: int
    found: Entity | None
    prepared: Entity | None = None
    unfit: str | None = None


class Observer:
    def __init__(
        self, target: Target, transport: Transport, *, restore: bool, locks: EffectLocks, fanout: Fanout | None = None
    ) -> None:
        self.target = target
        self.transport = transport
        self.restore = restore
        self.locks = locks
        self.fanout = fanout or Fanout(1)

    def observes(self, appointment_id: object) -> bool:
        """Only a Reject of an allow-listed id is observed (nothing else may be read)."""
        return isinstance(appointment_id, int) and appointment_id in self.target.policy.allowed

    @contextmanager
    def around(self, appointment_id: int, reason: str | None, mode: str | None) -> Iterator[Effect]:
        """Read before; the caller sends the Reject inside the ``with``; read after, then restore."""
        effect = Effect(appointment_id, reason, mode)
        with self.locks.hold([appointment_id]):
            mates = self.locks.same_series(appointment_id, self.target.policy.allowed)
            if mates is not None:  # the series are known: the addressed appointment and its surveyed occurrences
                self._read_all(effect, effect.before, [appointment_id], mates=mates)
            else:
                self._read_all(effect, effect.before, [appointment_id])
                addressed = effect.before.get(appointment_id)
                if addressed is not None and addressed.recurrence_id is not None:
                    others = [i for i in self.target.policy.allowed if i != appointment_id]
                    self._read_all(effect, effect.before, others, series=addressed.recurrence_id)
            yield effect
            self._read_all(effect, effect.after, list(effect.before))
            if self.restore:
                self._restore(effect)

    def survey(self, ids: tuple[int, ...]) -> list[AppointmentState]:
        """Each allow-listed appointment as found before the first Reject; one that cannot be read or is no
        invitation of the test user is *unfit* (its cases are skipped for safety, saying why); with ``restore``, a
        declined invitation is put back with Accept so that every Reject starts from a known, non-declined state."""
        states = []
        with self.locks.hold(ids):
            for appointment_id, reading in zip(ids, self.fanout.map(self.read, ids), strict=True):
                state = AppointmentState(appointment_id, reading.entity)
                states.append(state)
                entity = reading.entity
                if entity is None:
                    state.unfit = (
                        f"appointment {appointment_id} cannot be read before the first Reject: {reading.problem}"
                    )
                elif entity.invitation_status not in FIT_STATES:
                    state.unfit = (
                        f"appointment {appointment_id} is not an invitation the test user can answer "
                        f"(GetAppointmentEntity: InvitationStatus {entity.invitation_status})"
                    )
                elif self.restore and entity.invitation_status == DECLINED:
                    problem, _exchange = self.accept(appointment_id)
                    again = self.read(appointment_id)
                    state.prepared = again.entity
                    if problem is not None or again.entity is None or again.entity.invitation_status == DECLINED:
                        state.unfit = (
                            f"appointment {appointment_id} was found Declined and could not be put back with Accept "
                            f"({problem or again.problem or 'it still reads Declined'})"
                        )
        self.locks.learn(series_of(states))
        return states

    def read(self, appointment_id: int) -> Reading:
        env = get_entity_envelope(appointment_id, self.target.version, self.target.credentials)
        exchange, problem, root = self._call(env, GET_ENTITY_ACTION, f"GetAppointmentEntity({appointment_id})")
        if problem is not None or root is None:
            return Reading(appointment_id, None, problem, exchange)
        entity = read_entity(root, self.target.version)
        if entity is None:
            problem = f"GetAppointmentEntity({appointment_id}) answered no AppointmentEntity (no such appointment?)"
        return Reading(appointment_id, entity, problem, exchange)

    def accept(self, appointment_id: int, mode: str = RESTORE_MODE) -> tuple[str | None, Exchange | None]:
        env = accept_envelope(appointment_id, mode, self.target.version, self.target.credentials)
        exchange, problem, _root = self._call(env, ACCEPT_ACTION, f"Accept({appointment_id}, {mode})")
        return problem, exchange

    # ---------------------------------------------------------------------------------------------

    def _read_all(
        self,
        effect: Effect,
        into: dict[int, Entity],
        ids: list[int],
        series: int | None = None,
        mates: list[int] | None = None,
    ) -> None:
        """Read ``ids`` (and ``mates``, occurrences surveyed in the same series) side by side; a mate or a possible
        one (``series``) that cannot be read before is left out, anything else unreadable makes the effect
        unobserved; a possible mate in another series is left out."""
        optional = set(mates or ())
        every = [*ids, *(mates or ())]
        readings = self.fanout.map(self.read, every)
        addressed = readings[0].entity if readings else None
        for appointment_id, reading in zip(every, readings, strict=True):
            if reading.exchange is not None:
                effect.exchanges.append(reading.exchange)
            if reading.entity is None:
                if (series is None and appointment_id not in optional) or into is effect.after:
                    effect.problem = effect.problem or reading.problem
                continue
            if appointment_id in optional and not _same_series(addressed, reading.entity):
                continue
            if series is None or reading.entity.recurrence_id == series:
                into[appointment_id] = reading.entity

    def _restore(self, effect: Effect) -> None:
        declined = [i for i, entity in effect.after.items() if entity.invitation_status == DECLINED]
        put_back = self.fanout.map(self._put_back, declined)
        for appointment_id, (problem, exchange, reading) in zip(declined, put_back, strict=True):
            if exchange is not None:
                effect.exchanges.append(exchange)
            if reading.exchange is not None:
                effect.exchanges.append(reading.exchange)
            if reading.entity is not None:
                effect.restored[appointment_id] = reading.entity
            if problem is None and reading.entity is not None and reading.entity.invitation_status == DECLINED:
                problem = f"Accept({appointment_id}) succeeded but the invitation still reads Declined"
            if problem is not None or reading.problem is not None:
                why = problem or reading.problem
                effect.restore_problems.append(f"appointment {appointment_id} could not be restored: {why}")

    def _put_back(self, appointment_id: int) -> tuple[str | None, Exchange | None, Reading]:
        problem, exchange = self.accept(appointment_id)
        return problem, exchange, self.read(appointment_id)

    def _call(self, env: etree._Element, action: str, what: str) -> tuple[Exchange, str | None, etree._Element | None]:
        """Validate, guard, send; the answer's envelope, or the problem with it."""
        version = self.target.version
        errors = envelope_schema(version).errors(env)
        if errors:
            raise SuiteBug(f"bug in the suite: {what} built a request the contract forbids: {errors[0]}")
        self.target.policy.guard_reading(env, what)
        request = OutgoingRequest(serialize(env), version.request_headers(action))
        exchange = self.transport.send(self.target.url, request, version)
        if exchange.error is not None:
            return exchange, f"{what}: {exchange.error}", None
        response = exchange.response
        assert response is not None
        root = parse_xml(
            response.body,
            max_bytes=RESPONSE_BOUNDS.max_bytes,
            max_markup=RESPONSE_BOUNDS.max_markup,
            encoding=charset_of(response.header("Content-Type")),
        )
        if isinstance(root, NotXml):
            return exchange, f"{what} answered HTTP {response.status} with no SOAP envelope ({root})", None
        fault = root.find(f"{version.envelope_tag('Body')}/{version.envelope_tag('Fault')}")
        if fault is not None:
            text = " ".join(t.strip() for t in fault.itertext() if t.strip())
            return exchange, f"{what} answered a fault: {text[:300]}", None
        refused = _refusal(root, version)
        if refused is not None:
            return exchange, f"{what} was refused: {refused}", None
        invalid = envelope_schema(version).errors(root)
        if invalid:
            return exchange, f"{what} answered an envelope the contract forbids: {invalid[0]}", None
        return exchange, None, root


def series_of(states: list[AppointmentState]) -> tuple[tuple[int, int | None], ...]:
    """Each readable surveyed appointment and its series (``Recurrence/RecurrenceId``; ``None``: a single one):
    which observations may run at the same time (``run/locks.py``)."""
    return tuple((s.appointment_id, s.found.recurrence_id) for s in states if s.found is not None)


def _same_series(addressed: Entity | None, other: Entity) -> bool:
    series = addressed.recurrence_id if addressed is not None else None
    return series is not None and other.recurrence_id == series


def _refusal(root: etree._Element, version: SoapVersion) -> str | None:
    """``Succeeded=false``'s ``ExceptionInfo`` message (``None`` when the call succeeded)."""
    header = root.find(version.envelope_tag("Header"))
    if header is None:
        return None
    succeeded = header.findtext(qname("Succeeded"))
    if succeeded is None or succeeded.strip() not in ("false", "0"):
        return None
    message = header.findtext(f"{qname('ExceptionInfo')}/{qname('Message')}")
    return (message or "Succeeded=false without a message").strip()
