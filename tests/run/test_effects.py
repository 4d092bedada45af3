"""What Reject did, observed: the appointment read before and after each Reject of an allow-listed id, judged
(declined, reason stored, nothing changed by a refusal, the recurrence mode), reported (before/after and a diff in
Allure, a fingerprint in the baseline), and put back with Accept so that staging is left fit for the next run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.cli import conformance
from helpers.exchanges import make_exchange
from lxml import etree
from strength import mutants as m
from strength.matrix import UNUSED_IDS

from conformance.checks import CheckContext, Expect
from conformance.checks.effect import effect_declined, effect_reason, effect_recurrence, effect_unchanged
from conformance.contract.entity import REASON_COLUMN, Entity, get_entity_envelope, read_entity, same_reason
from conformance.contract.ids import IdPolicy
from conformance.contract.messages import Credentials
from conformance.contract.soap import SOAP11
from conformance.errors import SafetyViolation
from conformance.reference import REFERENCE_TICKET, ReferenceServer, ReferenceService
from conformance.reference.store import CALLER
from conformance.run.observe import Effect

TICKET_ENV = {"CONFORMANCE_TICKET": REFERENCE_TICKET}
IDS = "101,102,103,104,200,202"


def run(url: str, tmp_path: Path, *extra: str):
    args = ["run", "--endpoint", url, "--appointment-id", IDS, "--unused-ids", UNUSED_IDS, "--report-dir", "out"]
    return conformance(
        *args, "--max-examples", "10", "--hypothesis-database", "none", *extra, cwd=tmp_path, env=TICKET_ENV
    )


def summary(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "out" / "summary.json").read_text())


@pytest.fixture
def served():
    server = ReferenceServer(ReferenceService()).start()
    yield server
    server.stop()


# --- against a configured endpoint, as against staging -----------------------------------------------


def test_with_restore_no_allow_listed_invitation_is_left_declined_and_the_summary_says_what_was_found(served, tmp_path):
    store = served.service.store
    found = {aid: status for aid, (status, _n, _r) in store.snapshot().items()}
    done = run(served.url, tmp_path, "--workers", "2")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "restore on" in done.stdout
    left = {aid: status for aid, (status, _n, _r) in store.snapshot().items()}
    data = summary(tmp_path)
    states = {a["id"]: a for a in data["appointments"]}
    for aid in (101, 102, 103, 200, 202):
        assert left[aid] != "Declined", f"{aid} left declined"
        assert (states[aid]["start"], states[aid]["end"]) == (found[aid], left[aid])
    assert states[103]["prepared"] == "Accepted"  # found declined, put back before the first Reject
    assert "pending" in data["appointments_note"]
    assert data["findings"] == [] and data["restore_problems"] == []
    effect = {c: v for c, v in data["checks"].items() if c.startswith("effect-")}
    assert all(v["passed"] > 0 and v["failed"] == 0 for v in effect.values()), effect


def test_an_allow_listed_id_that_is_no_invitation_of_the_test_user_is_skipped_for_safety(served, tmp_path):
    done = run(served.url, tmp_path, "--", "-k", "coverage")
    assert done.returncode == 0, done.stdout[-3000:]
    skipped = [s for s in summary(tmp_path)["skipped_cases"] if "id-104" in s["test"]]
    assert len(skipped) == 4
    assert all("skipped for safety: appointment 104 is not an invitation" in s["reason"] for s in skipped)
    assert served.service.store.snapshot()[104] == ("None", 0, None)  # never rejected


def test_no_restore_leaves_the_invitations_declined(served, tmp_path):
    done = run(served.url, tmp_path, "--no-restore", "--", "-k", "coverage")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "restore off" in done.stdout
    assert served.service.store.snapshot()[101][0] == "Declined"
    assert {a["id"]: a["end"] for a in summary(tmp_path)["appointments"]}[101] == "Declined"


def test_an_endpoint_that_refuses_accept_gets_setup_problems_not_violations(tmp_path):
    server = ReferenceServer(m.AcceptRefused()).start()
    try:
        done = run(server.url, tmp_path, "--", "-k", "coverage")
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout[-3000:]
    data = summary(tmp_path)
    assert data["findings"] == [] and data["restore_problems"]
    assert all("could not be restored: Accept(" in p for p in data["restore_problems"])
    assert "SETUP PROBLEM:" in done.stdout
    results = [json.loads(p.read_text()) for p in (tmp_path / "out" / "allure-results").glob("*-result.json")]
    marked = [r for r in results if r.get("statusDetails", {}).get("message", "").startswith("setup problem: ")]
    assert marked and all(r["status"] == "passed" for r in marked)
    categories = json.loads((tmp_path / "out" / "allure-results" / "categories.json").read_text())
    setup = next(c for c in categories if c["name"] == "Setup problems")
    assert "passed" in setup["matchedStatuses"]


def test_reads_and_restores_name_only_allow_listed_ids(tmp_path):
    service = Reading()
    server = ReferenceServer(service).start()
    try:
        done = run(server.url, tmp_path)
    finally:
        server.stop()
    assert done.returncode == 0, done.stdout[-3000:]
    assert service.read and set(service.read) <= {101, 102, 103, 104, 200, 202}
    assert service.accepted and set(service.accepted) <= {101, 102, 103, 200, 202}


class Reading(ReferenceService):
    """Notes every id read with GetAppointmentEntity and every id accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.read: list[int] = []
        self.accepted: list[int] = []
        entity, accept = self.store.entity, self.store.accept

        def reading(associate: int, appointment_id: int):
            self.read.append(appointment_id)
            return entity(associate, appointment_id)

        def accepting(associate: int, appointment_id: int, mode: str):
            self.accepted.append(appointment_id)
            return accept(associate, appointment_id, mode)

        self.store.entity = reading  # type: ignore[method-assign]
        self.store.accept = accepting  # type: ignore[method-assign]


# --- the embedded endpoint ---------------------------------------------------------------------------------


def test_a_default_run_shows_the_effect_checks_passing_with_before_and_after_attachments(tmp_path):
    done = conformance("run", "--report-dir", "out", "--max-examples", "5", "--", "-k", "coverage", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    for name in ("effect-declined", "effect-reason", "effect-recurrence"):
        assert summary(tmp_path)["checks"][name]["passed"] > 0, name
    results_dir = tmp_path / "out" / "allure-results"
    results = [json.loads(p.read_text()) for p in results_dir.glob("*-result.json")]
    (series,) = [r for r in results if "id-200-ThisAndForward" in json.dumps(r.get("parameters", []))]
    attachments = {a["name"]: (results_dir / a["source"]).read_text() for a in series["attachments"]}
    diff = attachments["effect: what changed"]
    assert "appointment 200 (addressed):" in diff and "appointment 202 (later occurrence):" in diff
    assert "InvitationStatus  'Accepted' → 'Declined'" in diff or "→ 'Declined'" in diff
    before_after = json.loads(attachments["effect: before and after"])
    assert before_after["202"]["after"]["InvitationStatus"] == "Declined"
    assert REFERENCE_TICKET not in attachments["effect: GetAppointmentEntity and Accept calls"]


# --- the judgements, on observed effects ------------------------------------------------------------------


def entity(
    aid: int,
    status: str,
    reason: str | None = None,
    counter: int = 0,
    start: str = "2026-01-05T09:00:00",
    series: int | None = None,
) -> Entity:
    return Entity(aid, status, reason, counter, start, series, CALLER)


SUCCESS = (
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
    b'<Succeeded xmlns="http://www.superoffice.net/ws/crm/NetServer/Services82">true</Succeeded></s:Header>'
    b'<s:Body><RejectResponse xmlns="http://www.superoffice.net/ws/crm/NetServer/Services82"/></s:Body></s:Envelope>'
)
REFUSED = SUCCESS.replace(b">true<", b">false<").replace(
    b"</s:Header>",
    b'<ExceptionInfo xmlns="http://www.superoffice.net/ws/crm/NetServer/Services82"><Message>no</Message>'
    b"</ExceptionInfo></s:Header>",
)


def context(effect: Effect, body: bytes = SUCCESS) -> CheckContext:
    return CheckContext(make_exchange(body), Expect.ACCEPT, effect=effect)


def observed(reason: str | None, mode: str, before: dict[int, Entity], after: dict[int, Entity]) -> Effect:
    return Effect(101 if 101 in before else min(before), reason, mode, before=before, after=after)


def test_declined_after_an_accepted_reject_passes_and_anything_else_is_a_violation():
    good = observed("r", "OnlyThis", {101: entity(101, "Invitation")}, {101: entity(101, "Declined", "r", 1)})
    assert effect_declined(context(good)) is None
    lazy = observed("r", "OnlyThis", {101: entity(101, "Invitation")}, {101: entity(101, "Invitation")})
    failure = effect_declined(context(lazy))
    assert failure.got == "InvitationStatus Invitation" and not failure.advisory


def test_a_refused_reject_that_changed_the_appointment_is_a_violation_and_one_that_did_not_passes():
    changed = observed("r", "OnlyThis", {101: entity(101, "Accepted")}, {101: entity(101, "Declined", "r", 1)})
    failure = effect_unchanged(context(changed, REFUSED))
    assert "InvitationStatus 'Accepted' → 'Declined'" in failure.got and not failure.advisory
    same = observed("r", "OnlyThis", {101: entity(101, "Accepted")}, {101: entity(101, "Accepted")})
    assert effect_unchanged(context(same, REFUSED)) is None
    assert repr(effect_declined(context(same, REFUSED))) == "NOT_APPLICABLE"  # judged on carried-out Rejects


@pytest.mark.parametrize(
    ("sent", "stored", "same"),
    [
        ("busy", "busy", True),
        ("a\r\nb\rc", "a\nb\nc", True),  # XML 1.0 §2.11 line-end normalisation
        (None, "", True),
        ("", None, True),
        ("x" * 4000, "x" * REASON_COLUMN, True),  # the documented column
        ("x" * 4000, "x" * 100, False),  # a shrunk column
        ("x" * 200, "x" * 100, False),  # short enough to be kept whole
        ("😀" * 200, "😀" * 127, True),  # 254 UTF-16 units, no half surrogate pair
        ("é", "Ã©", False),  # re-encoded
        ("a 😀 b", "a ? b", False),  # a collation that eats emoji
    ],
)
def test_a_reason_reads_back_as_sent_under_xml_line_ends_and_the_documented_column(sent, stored, same):
    assert same_reason(sent, stored) is same


def test_a_truncated_reason_says_how_much_was_kept():
    effect = observed(
        "x" * 300, "OnlyThis", {101: entity(101, "Invitation")}, {101: entity(101, "Declined", "x" * 100)}
    )
    failure = effect_reason(context(effect))
    assert "truncated to 100 of 300 characters" in failure.got


def series(statuses_before: dict[int, str], statuses_after: dict[int, str], addressed: int, mode: str) -> Effect:
    start = {200: "2026-01-05T09:00:00", 201: "2026-01-12T09:00:00", 202: "2026-01-19T09:00:00"}
    before = {i: entity(i, s, start=start[i], series=200) for i, s in statuses_before.items()}
    after = {i: entity(i, s, start=start[i], series=200) for i, s in statuses_after.items()}
    return Effect(addressed, "r", mode, before=before, after=after)


@pytest.mark.parametrize(
    ("mode", "after", "finding"),
    [
        ("OnlyThis", {200: "Invitation", 201: "Declined", 202: "Invitation"}, None),
        ("OnlyThis", {200: "Invitation", 201: "Declined", 202: "Declined"}, "202 (later) changed"),
        ("ThisAndForward", {200: "Invitation", 201: "Declined", 202: "Declined"}, None),
        ("ThisAndForward", {200: "Invitation", 201: "Declined", 202: "Invitation"}, "202 (later) reads Invitation"),
        ("StopRecurrence", {200: "Declined", 201: "Declined", 202: "Declined"}, "200 (earlier) changed"),
        ("Unknown", {200: "Declined", 201: "Declined", 202: "Declined"}, "not judged"),
    ],
)
def test_the_recurrence_mode_decides_which_occurrences_end_declined_as_an_advisory(mode, after, finding):
    effect = series({200: "Invitation", 201: "Invitation", 202: "Invitation"}, after, 201, mode)
    outcome = effect_recurrence(context(effect))
    if finding is None:
        assert outcome is None
    elif finding == "not judged":
        assert repr(outcome) == "NOT_APPLICABLE"
    else:
        assert finding in outcome.got and outcome.advisory


# --- reading, safely ------------------------------------------------------------------------------------


def test_reading_is_refused_for_an_id_that_is_not_allow_listed_even_one_that_cannot_be_real():
    policy = IdPolicy((101,), (1000, 2000))
    policy.guard_reading(get_entity_envelope(101, SOAP11, Credentials("t")), "read")
    for aid in (102, 1500, -1):
        with pytest.raises(SafetyViolation, match="only allow-listed ids are read or restored"):
            policy.guard_reading(get_entity_envelope(aid, SOAP11, Credentials("t")), "read")


def test_the_entity_is_read_from_the_answer_with_a_nil_reason_as_none():
    body = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><s:Body>'
        '<GetAppointmentEntityResponse xmlns="http://www.superoffice.net/ws/crm/NetServer/Services82"><Response>'
        "<Associate><AssociateId>7</AssociateId></Associate><AppointmentId>202</AppointmentId>"
        '<RejectCounter>2</RejectCounter><RejectReason i:nil="true"/>'
        "<Recurrence><RecurrenceId>9</RecurrenceId><IsRecurrence>true</IsRecurrence></Recurrence>"
        "<InvitationStatus>Seen</InvitationStatus></Response></GetAppointmentEntityResponse></s:Body></s:Envelope>"
    )
    found = read_entity(etree.fromstring(body), SOAP11)
    assert found == Entity(202, "Seen", None, 2, None, 9, 7)


def test_the_fingerprint_of_the_addressed_reason_does_not_depend_on_what_an_earlier_case_left():
    """Under --workers the cases of one series run in either order: an occurrence may already carry the reason a
    case sends. The baseline's fingerprint reads the same either way ("as sent"), or a correct endpoint would
    show a changed effect from one run to the next."""
    from conformance.reporting.effects import fingerprint

    def rejected(reason_before: str | None) -> dict:
        effect = Effect(202, "conformance: StopRecurrence on 202", "StopRecurrence")
        effect.before[202] = entity(202, "Accepted", reason_before, series=200)
        effect.after[202] = entity(202, "Declined", "conformance: StopRecurrence on 202", 1, series=200)
        return fingerprint(effect)

    fresh, again = rejected("Already booked"), rejected("conformance: StopRecurrence on 202")
    assert fresh == again
    assert fresh["addressed"]["RejectReason"] == "as sent"


def test_each_id_by_mode_coverage_case_sends_a_reason_of_its_own():
    """So no other case leaves that text on a series' occurrences, whatever the order of the cases."""
    from conformance.generation.cases import coverage_cases

    calls = [c.call for c in coverage_cases(IdPolicy((200, 202))) if c.id.startswith("coverage/id-")]
    reasons = [call.reject_reason for call in calls]
    assert len(reasons) == 8 and len(set(reasons)) == 8


def test_a_truncated_reason_reads_truncated_whatever_the_appointment_held_before():
    """An endpoint that cuts the reason short: the same fingerprint in a run whose appointment still held the cut
    text from the run before (before and after equal) as in a fresh one."""
    from conformance.reporting.effects import fingerprint

    sent, kept = "r" * 300, "r" * 254

    def rejected(reason_before: str | None) -> str:
        effect = Effect(101, sent, "OnlyThis")
        effect.before[101] = entity(101, "Accepted", reason_before)
        effect.after[101] = entity(101, "Declined", kept, 1)
        return fingerprint(effect)["addressed"]["RejectReason"]

    assert rejected(None) == rejected(kept) == "first 254 characters of 300"


def test_what_an_endpoint_said_when_it_refused_the_survey_is_redacted(monkeypatch) -> None:
    """An endpoint's refusal may quote the ticket it was sent: the unfit reason (skips, summary.json) never does."""
    from conformance.config import Settings
    from conformance.run import staging
    from conformance.run.observe import AppointmentState, Observer

    secret = "7T:the-runs-own-ticket=="
    said = f"GetAppointmentEntity(101) was refused: ticket {secret} is not valid"
    monkeypatch.setattr(Observer, "survey", lambda self, ids: [AppointmentState(101, None, unfit=said)])
    settings = Settings(endpoint="http://127.0.0.1:9/x", ticket=secret, appointment_ids=(101,))
    (state,) = staging.survey(settings).states
    assert state.unfit and secret not in state.unfit and "refused" in state.unfit
