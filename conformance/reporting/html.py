"""The Allure HTML report, built with the Allure command-line tool from the npm registry.

The tool (npm package ``allure-commandline``, Allure 2, runs on the machine's Java) is installed on first use
into a local cache. History is carried from the previous report so that trend charts build up across runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ALLURE_PACKAGE = "allure-commandline@2.46.1"
CACHE = Path(os.environ.get("CONFORMANCE_CACHE", Path.home() / ".cache" / "conformance"))


def allure_binary() -> Path:
    """The Allure CLI, installing it into the cache if needed."""
    prefix = CACHE / "allure-commandline"
    binary = prefix / "node_modules" / ".bin" / "allure"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "the Allure HTML report needs Node.js/npm to install allure-commandline; "
            "the raw results in allure-results/ and junit.xml are complete without it"
        )
    if shutil.which("java") is None:
        raise RuntimeError("allure-commandline (Allure 2) needs a Java runtime (e.g. apt-get install default-jre)")
    prefix.mkdir(parents=True, exist_ok=True)
    print(f"installing {ALLURE_PACKAGE} into {prefix} (first use only)…", file=sys.stderr)
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(prefix), ALLURE_PACKAGE],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return binary


def build_report(report_dir: Path) -> int:
    """``<report-dir>/allure-results`` → ``<report-dir>/allure-report`` (index.html), history carried over."""
    results = report_dir / "allure-results"
    output = report_dir / "allure-report"
    if not results.is_dir() or not any(results.iterdir()):
        print(f"conformance report: no Allure results in {results}; run 'conformance run' first", file=sys.stderr)
        return 2
    try:
        binary = allure_binary()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"conformance report: {exc}", file=sys.stderr)
        return 2
    history = output / "history"
    if history.is_dir():  # trends: the previous report's history becomes part of this run's results
        shutil.copytree(history, results / "history", dirs_exist_ok=True)
    env = {**os.environ, "ALLURE_NO_ANALYTICS": "true"}
    done = subprocess.run(
        [str(binary), "generate", str(results), "-o", str(output), "--clean"], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        print(
            f"conformance report: allure generate failed: {done.stderr.strip() or done.stdout.strip()}", file=sys.stderr
        )
        return 2
    single = subprocess.run(
        [str(binary), "generate", str(results), "-o", str(report_dir / "allure-single"), "--clean", "--single-file"],
        env=env,
        capture_output=True,
        text=True,
    )
    print(f"HTML report: {output / 'index.html'} (serve it: python3 -m http.server -d {output})")
    if single.returncode == 0:
        print(f"single-file report (opens from disk): {report_dir / 'allure-single' / 'index.html'}")
    return 0
