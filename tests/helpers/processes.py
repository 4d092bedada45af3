"""Starting a run in its own process group, so that a test can press Ctrl-C as a terminal does (SIGINT to the
group), and counting what reaches the reference endpoint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from strength.matrix import environment

from conformance.reference import ReferenceService

# a job started with SIGINT ignored (a non-interactive shell's background job, nohup) passes that on to its
# children, and Python then never raises KeyboardInterrupt: reset it, as a terminal's foreground process has it
_DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
)


def start_interruptible(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    """``args`` (a command line) in a new process group with SIGINT as a terminal's foreground process has it."""
    return subprocess.Popen(
        [sys.executable, "-c", _DEFAULT_SIGINT, *args],
        cwd=cwd,
        env=environment(),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


class Counting(ReferenceService):
    """Counts every request that reaches the endpoint."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def handle(self, *args: object, **kwargs: object):
        self.requests += 1
        return super().handle(*args, **kwargs)
