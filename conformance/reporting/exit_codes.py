"""The run's exit code, as the README's table gives it, for both ways of starting the suite (``conformance run``
and ``pytest --pyargs conformance``): what ``summary.json`` says decides first, whatever pytest's own code is."""

from __future__ import annotations

from typing import Any

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell's convention for a run stopped with Ctrl-C
PYTEST_INTERRUPTED = 2  # pytest's code for a run it stopped early (Ctrl-C, --maxfail)


def decided_by_summary(summary: dict[str, Any]) -> int | None:
    """130 for an interrupted run, 2 for setup problems (the run could not test what it should: a refused ticket,
    an allow-listed appointment it cannot read), 3 for an endpoint that stopped answering; ``None``: no such
    trouble, the findings decide."""
    if summary.get("interrupted"):
        return EXIT_INTERRUPTED
    if summary.get("setup_problems"):
        return EXIT_USAGE
    if summary.get("unreachable"):
        return EXIT_UNREACHABLE
    return None


def plugin_exit_code(pytest_code: int, summary: dict[str, Any]) -> int:
    """The plugin's exit code: the summary's verdict, else 1 for a run ``--max-failures`` stopped after findings
    (pytest says 2, *interrupted*, which the table keeps for usage errors), else pytest's own."""
    decided = decided_by_summary(summary)
    if decided is not None:
        return decided
    if pytest_code == PYTEST_INTERRUPTED and summary.get("failed"):
        return EXIT_VIOLATIONS
    return pytest_code


def run_exit_code(pytest_code: int, summary: dict[str, Any]) -> int:
    """``conformance run``'s: the plugin's, and 2 for anything else pytest ended with (a usage error, no tests)."""
    code = plugin_exit_code(pytest_code, summary)
    if decided_by_summary(summary) is not None or code in (EXIT_OK, EXIT_VIOLATIONS):
        return code
    return EXIT_USAGE
