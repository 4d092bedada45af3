"""A pytest runner that forks: started once per sandbox by ``tools/mutation.py``, it imports pytest and the third-
party libraries the tests need (never ``conformance``, which is what gets mutated), then, for every line ``run
SECONDS`` on stdin, forks a child that runs the tests in a fresh import of the sandbox's package and answers one
JSON line: ``{"code": …, "timeout": …, "detail": …}``. Saves the interpreter's start and a second of imports per
mutant.

Usage: ``python tools/forkrunner.py SANDBOX TEST…`` (the working directory is the sandbox).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time

PRELOADED = ("pytest", "lxml.etree", "xmlschema", "requests", "urllib3", "elementpath")


def main() -> None:
    sandbox, tests = sys.argv[1], sys.argv[2:]
    sys.path[0] = sandbox  # not this script's folder
    for name in PRELOADED:
        try:
            __import__(name)
        except ImportError:  # pragma: no cover - optional
            pass
    assert not any(m == "conformance" or m.startswith("conformance.") for m in sys.modules)
    for line in sys.stdin:
        command, _, timeout = line.partition(" ")
        if command == "run":
            print(json.dumps(run_once(tests, float(timeout))), flush=True)


def run_once(tests: list[str], timeout: float) -> dict:
    with tempfile.TemporaryFile(mode="w+") as output:
        pid = os.fork()
        if pid == 0:  # the child: the tests, in a fresh import of the sandbox's package
            code = 3
            try:
                os.dup2(output.fileno(), 1)
                os.dup2(output.fileno(), 2)
                import pytest

                code = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests]))
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        deadline = time.monotonic() + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return {"code": None, "timeout": True, "detail": f"no verdict within {timeout:.0f} s"}
            time.sleep(0.01)
        code = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    detail = next((ln[:300] for ln in text.splitlines() if ln.startswith(("FAILED ", "ERROR "))), "")
    return {"code": code, "timeout": False, "detail": detail or f"pytest exit code {code}"}


if __name__ == "__main__":
    main()
