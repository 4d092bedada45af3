"""The plugin is loaded into every pytest session of the environment it is installed in, the user's other test
suites too. Its options never take a name another plugin or a conftest has: each is ``--conformance-NAME``, and
the short ``--NAME`` only where it is still free once they have all added theirs (README: Command line)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from strength.matrix import environment

THEIR_TIMEOUT = "def test_theirs(request):\n    assert request.config.getoption('timeout') == 7\n"
THEIR_ENV = (
    "def pytest_addoption(parser):\n    parser.addoption('--env', default='qa')\n\n\n"
    "def test_theirs(request):\n    assert request.config.getoption('env') == 'staging'\n"
)


def _pytest(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # -P: the working directory is not put on sys.path (a folder there named conformance would shadow us)
        [sys.executable, "-P", "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("first", ["conformance", "timeout"])
def test_pytest_timeout_keeps_its_timeout_whichever_plugin_loads_first(tmp_path, first) -> None:
    """``-p NAME`` loads that plugin before the others; installed, the order is the environment's listing order.
    The suite's ``--timeout`` taking the name first made pytest-timeout's crash every session."""
    pytest.importorskip("pytest_timeout", reason="pytest-timeout (a test extra) is not installed: no --timeout clash")
    (tmp_path / "test_theirs.py").write_text(THEIR_TIMEOUT, encoding="utf-8")
    done = _pytest(["-q", "-p", first, "test_theirs.py", "--timeout", "7"], tmp_path)
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    assert "1 passed" in done.stdout


def test_a_conftest_option_of_the_same_name_stays_the_conftests(tmp_path) -> None:
    (tmp_path / "conftest.py").write_text(THEIR_ENV.split("\n\n\n")[0] + "\n", encoding="utf-8")
    (tmp_path / "test_theirs.py").write_text(THEIR_ENV.split("\n\n\n")[1], encoding="utf-8")
    done = _pytest(["-q", "test_theirs.py", "--env", "staging"], tmp_path)
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]


def test_the_suite_says_when_a_short_name_it_was_given_is_another_plugins(tmp_path) -> None:
    """pytest-timeout owns ``--timeout``: the run uses it as pytest-timeout's, says so in the header, and the
    suite's own timeout is ``--conformance-timeout``."""
    pytest.importorskip("pytest_timeout", reason="pytest-timeout (a test extra) is not installed: no --timeout clash")
    args = ["--pyargs", "conformance", "--timeout", "120", "--conformance-timeout", "9"]
    done = _pytest([*args, "--max-examples", "5", "--report-dir", str(tmp_path / "report")], tmp_path)
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    assert "timeout: 120.0s" in done.stdout, "pytest-timeout read its own option"
    assert (
        "conformance: --timeout here is another plugin's or a conftest's option, not the suite's; the suite's is "
        "--conformance-timeout" in done.stdout
    )
    assert "--max-examples" not in done.stdout, "a short name that is free is the suite's, without a note"
    assert (tmp_path / "report" / "summary.json").is_file()


def test_a_free_short_name_is_the_suites(tmp_path) -> None:
    done = _pytest(["-q", "--pyargs", "conformance", "--concurrency", "abc"], tmp_path)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert "ERROR: conformance: concurrency 'abc'" in done.stdout + done.stderr


def test_help_lists_the_names_that_always_work(tmp_path) -> None:
    done = _pytest(["--help"], tmp_path)
    assert done.returncode == 0
    assert "--conformance-endpoint=URL" in done.stdout and "each option also as --NAME" in done.stdout
