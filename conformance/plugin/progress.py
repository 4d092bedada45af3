"""How far a run got, and what Ctrl-C leaves behind: tests planned, finished and running, whether the run was
interrupted; and the one change to pytest-xdist's shutdown that lets an interrupted run with workers stop at once."""

from __future__ import annotations

import pytest

WORKER_EXIT_SECONDS = 1.5  # after Ctrl-C, how long pytest-xdist waits for its workers before it kills them


class Progress:
    """Tests planned, finished and running, and whether Ctrl-C stopped the run."""

    def __init__(self) -> None:
        self.planned: int | None = None
        self.finished = 0
        self.running: set[str] = set()
        self.interrupted = False

    def as_meta(self) -> dict[str, object]:
        """What ``summary.json`` says about it."""
        if not self.interrupted:
            return {"interrupted": False}
        return {
            "interrupted": True,
            "interrupted_while": sorted(self.running),
            "tests_finished": self.finished,
            "tests_planned": self.planned,
        }

    def note(self) -> str:
        planned = f" of {self.planned}" if self.planned is not None else ""
        running = f"; running: {', '.join(sorted(self.running))}" if self.running else ""
        return f"stopped by Ctrl-C / SIGINT after {self.finished}{planned} tests{running}"


def hurry_xdist_shutdown(config: pytest.Config) -> None:
    """Workers get the SIGINT too and stop within a second (each test writes its results as it ends); xdist would
    wait up to 10 s for their gateways to close, which is what made Ctrl-C slow with ``--workers``."""
    nodemanager = getattr(config.pluginmanager.getplugin("dsession"), "nodemanager", None)
    if nodemanager is not None and hasattr(nodemanager, "EXIT_TIMEOUT"):
        nodemanager.EXIT_TIMEOUT = WORKER_EXIT_SECONDS
