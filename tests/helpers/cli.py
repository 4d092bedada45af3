"""The real command line in a subprocess, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def conformance(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """``python -m conformance ARGS`` in ``cwd``, with the caller's environment plus ``env`` (no endpoint set)."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CONFORMANCE_ENDPOINT", None)
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )
