"""The truth table (``truth_table.py``): every canonical exchange, judged by every check under every expectation,
gets the verdict the table states, with the words it states; every registered check has a column; the committed
``docs/check-truth-table.md`` is the table's rendering."""

from __future__ import annotations

import pytest
from truth_table import COLUMNS, DOC, ROWS, mismatches, parse, render

from conformance.checks import REGISTRY, TRANSPORT


def test_every_registered_check_has_a_column_in_report_order():
    assert list(COLUMNS) == [TRANSPORT, *REGISTRY], "a check was added or moved: give it a column in truth_table.py"


def test_every_row_has_a_unique_name_and_a_cell_for_every_column():
    assert len({row.id for row in ROWS}) == len(ROWS)
    for row in ROWS:
        assert set(row.cells) == set(COLUMNS), row.id
        for column, cell in row.cells.items():
            status, words = parse(cell)
            assert status in ("pass", "n-a", "fail", "advisory"), f"{row.id} × {column}: {cell!r}"
            assert bool(words) == (status in ("fail", "advisory")), f"{row.id} × {column}: findings need words"


def test_every_check_is_seen_passing_and_finding_something():
    """A column that never passes, or never finds anything, pins nothing down."""
    for column in COLUMNS:
        seen = {parse(row.cells[column])[0] for row in ROWS}
        assert seen & {"fail", "advisory"}, f"no row where {column} finds anything"
        assert "n-a" in seen, f"no row where {column} is not applicable"
        if column != TRANSPORT:  # the transport result is absent (n-a) or a failure
            assert "pass" in seen, f"no row where {column} passes"


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_truth_table(row):
    problems = mismatches(row)
    assert not problems, "\n".join(problems)


def test_the_committed_truth_table_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/check-truth-table.md is stale: run `python -m tests.checks.truth_table`"
    )
