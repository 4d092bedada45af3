"""The Allure HTML report, built with the Allure command-line tool from the npm registry.

The tool (npm package ``allure-commandline``, Allure 2, runs on the machine's Java) is installed on first use
into a local cache; a failed install is tried once more (the first npm install on a fresh machine can fail once,
e.g. with SELF_SIGNED_CERT_IN_CHAIN, and succeed on retry) and then explained with npm's own error line. History
is carried from the previous report so that trend charts build up across runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ALLURE_PACKAGE = "allure-commandline@2.46.1"
CACHE = Path(os.environ.get("CONFORMANCE_CACHE", Path.home() / ".cache" / "conformance"))
NPM_ATTEMPTS = 2
NPM_TIMEOUT = 600  # seconds for one npm install; npm retries its own fetches within it


def allure_binary() -> Path:
    """The Allure CLI, installing it into the cache if needed."""
    prefix = CACHE / "allure-commandline"
    binary = prefix / "node_modules" / ".bin" / "allure"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("the Allure HTML report needs Node.js/npm to install allure-commandline")
    if shutil.which("java") is None:
        raise RuntimeError("allure-commandline (Allure 2) needs a Java runtime (e.g. apt-get install default-jre)")
    try:
        prefix.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RuntimeError(
            f"cannot create {prefix} for allure-commandline: {exc.strerror or exc} "
            "(set CONFORMANCE_CACHE to a writable directory)"
        ) from None
    print(f"installing {ALLURE_PACKAGE} into {prefix} (first use only)…", file=sys.stderr)
    install_allure(npm, prefix)
    return binary


def install_allure(npm: str, prefix: Path) -> None:
    """``npm install`` into ``prefix``, tried ``NPM_ATTEMPTS`` times; ``RuntimeError`` with npm's reason if all fail."""
    command = [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(prefix), ALLURE_PACKAGE]
    reason = ""
    for attempt in range(1, NPM_ATTEMPTS + 1):
        reason = _npm_install_once(command)
        if not reason:
            return
        if attempt < NPM_ATTEMPTS:
            print(f"npm install failed: {reason}; trying once more…", file=sys.stderr)
    raise RuntimeError(f"could not install {ALLURE_PACKAGE} with npm ({NPM_ATTEMPTS} attempts): {reason}")


def _npm_install_once(command: list[str]) -> str:
    """``""`` when the install succeeded, else why not (npm's error line, with a hint)."""
    try:
        done = subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace", timeout=NPM_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return f"npm install did not finish within {NPM_TIMEOUT} s (a registry or proxy that does not answer?)"
    except OSError as exc:
        return f"npm could not be started: {exc}"
    return "" if done.returncode == 0 else npm_error(done.stderr, done.returncode)


_NPM_LINE = re.compile(r"^npm (?:ERR!|error)\s*(.*)$")
_NPM_NOISE = ("code ", "errno ", "syscall ", "A complete log", "Log files", "signal ", "command ", "cwd ", "path ")
_NPM_HINTS = (
    (
        ("CERT", "SELF_SIGNED", "UNABLE_TO_VERIFY", "UNABLE_TO_GET_ISSUER"),
        "TLS: npm does not trust the registry's certificate (a TLS-inspecting proxy? npm config set cafile FILE)",
    ),
    (
        ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "EPROXY"),
        "network: the npm registry cannot be reached (offline? behind a proxy? npm config set proxy/https-proxy)",
    ),
    (("E401", "E403", "E404", "E5"), "registry: it refused the package (a mirror without it? npm config get registry)"),
)


def npm_error(stderr: str, returncode: int) -> str:
    """npm's own reason in one line, ``npm error CODE: message (hint)``, from its ``npm ERR!``/``npm error`` lines."""
    lines = [m.group(1).strip() for m in map(_NPM_LINE.match, stderr.splitlines()) if m and m.group(1).strip()]
    if not lines:
        last = [line.strip() for line in stderr.splitlines() if line.strip()]
        return f"npm exited with status {returncode}" + (f": {last[-1][:300]}" if last else " and printed nothing")
    code = next((line.split(None, 1)[1] for line in lines if line.startswith("code ") and " " in line), "")
    detail = next((line for line in lines if not line.startswith(_NPM_NOISE)), lines[0])
    hint = next((text for marks, text in _NPM_HINTS if any(m in code for m in marks)), "")
    return f"npm error {code + ': ' if code else ''}{detail[:300]}" + (f" ({hint})" if hint else "")


def report_name(report_dir: Path) -> str:
    """What was certified: "Reject conformance — <environment or endpoint>", from the run's summary.json."""
    try:
        summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "Reject conformance"
    target = summary.get("environment") or summary.get("endpoint")
    return f"Reject conformance — {target}" if target else "Reject conformance"


def build_report(report_dir: Path) -> int:
    """``<report-dir>/allure-results`` → ``<report-dir>/allure-report`` (index.html), history carried over."""
    results = report_dir / "allure-results"
    output = report_dir / "allure-report"
    if not results.is_dir() or not any(results.iterdir()):
        print(f"conformance report: no Allure results in {results}; run 'conformance run' first", file=sys.stderr)
        return 2
    try:
        binary = allure_binary()
    except RuntimeError as exc:
        print(f"conformance report: {exc}; {offline_hint(report_dir)}", file=sys.stderr)
        return 2
    history = output / "history"
    if history.is_dir():  # trends: the previous report's history becomes part of this run's results
        shutil.copytree(history, results / "history", dirs_exist_ok=True)
    env = {**os.environ, "ALLURE_NO_ANALYTICS": "true"}
    generate = [str(binary), "generate", str(results), "--clean", "--name", report_name(report_dir)]
    done = subprocess.run(
        [*generate, "-o", str(output)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(
            f"conformance report: allure generate failed: {done.stderr.strip() or done.stdout.strip()}", file=sys.stderr
        )
        return 2
    single = subprocess.run(
        [*generate, "-o", str(report_dir / "allure-single"), "--single-file"],
        env=env,
        capture_output=True,
        text=True,
    )
    print(f"HTML report: {output / 'index.html'} (serve it: python3 -m http.server -d {output})")
    if single.returncode == 0:
        print(f"single-file report (opens from disk): {report_dir / 'allure-single' / 'index.html'}")
    return 0


def offline_hint(report_dir: Path) -> str:
    """Where the complete results are when the HTML report cannot be built."""
    return (
        f"the HTML report is optional: {report_dir / 'allure-results'}/ and {report_dir / 'junit.xml'} are complete "
        f"without it (render them wherever Allure 2 is installed: allure generate {report_dir / 'allure-results'})"
    )
