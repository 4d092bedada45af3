"""The run's closing lines in the terminal, from ``summary.json``'s data: what they say when a run was cut short."""

from __future__ import annotations

from conformance.reporting.terminal import appointment_lines, unreported_note


def test_appointments_not_read_at_the_end_say_so_instead_of_none():
    """Ctrl-C skips the end-of-run reads: the line says the state was not read, not ``→ None``."""
    data = {"appointments": [{"id": 101, "start": "Invitation", "end": None}, {"id": 102, "start": "Invitation"}]}
    lines = appointment_lines(data)
    assert lines[0] == "appointments (found → left): 101 Invitation → not read, 102 Invitation → not read"
    assert "interrupted before the end-of-run reads" in lines[1]
    assert "None" not in "\n".join(lines)


def test_appointments_read_at_the_end_have_no_such_remark():
    data = {"appointments": [{"id": 101, "start": "Accepted", "end": "Accepted"}]}
    assert appointment_lines(data) == ["appointments (found → left): 101 Accepted → Accepted"]


def test_cases_sent_ahead_and_not_reported_are_counted_and_named():
    cases = [f"coverage/id-10{i}-OnlyThis" for i in range(7)]
    note = unreported_note(cases)
    assert note.startswith("7 case(s) were sent ahead (--concurrency) and not reported")
    assert "coverage/id-104-OnlyThis (+2 more)" in note and "coverage/id-105" not in note
