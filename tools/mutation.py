"""``python -m tools.mutation``: mutation testing of the checks against their own fast unit tests.

Every module of ``conformance/checks/`` (the checks, the registry and the exchange view ``context.py``; not
``__main__.py``) is mutated one change at a time (``tools/mutants.py`` lists the operators). Each mutant is written
into a private copy of the repository's package and tests (one copy per job: the working tree is never touched)
and the fast check tests run against it (``pytest -x -q -p no:cacheprovider``, with a timeout). A mutant the tests
fail on is *killed*; one they pass on *survived*: a change to a judge that no test notices.

Mutants listed in ``tools/mutation_equivalent.toml`` (by ``Mutant.key``, with the reason they cannot change any
outcome) are left out of the score. Mutants of a finding's wording only (``message``) are counted apart and not
run unless ``--messages``. Writes ``reports/mutation/report.md`` and ``report.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .mutants import Mutant, mutants

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "conformance/checks"
SKIPPED_MODULES = ("__main__.py",)
EQUIVALENT_FILE = ROOT / "tools" / "mutation_equivalent.toml"
OUTPUT = ROOT / "reports" / "mutation"
# the fast tests that judge the checks, the truth table first: most mutants die in its first second
TESTS = (
    "tests/checks/test_truth_table.py",
    "tests/checks/test_checks.py",
    "tests/checks/test_check_details.py",
    "tests/checks/test_bounded_judging.py",
)
FORKRUNNER = Path(__file__).with_name("forkrunner.py")
FORK = hasattr(os, "fork")  # one forking runner per job; elsewhere a fresh interpreter per mutant
COPIED = ("conformance", "tests", "docs", "pyproject.toml", "README.md")


@dataclass
class Result:
    mutant: Mutant
    status: str  # killed, survived, timeout, equivalent, message (not run)
    seconds: float = 0.0
    detail: str = ""  # the first failing test, or the equivalence reason


def modules(root: Path = ROOT, names: list[str] | None = None) -> list[Path]:
    """The modules to mutate (relative to ``root``), optionally only those whose stem or path is in ``names``."""
    found = sorted(p for p in (root / PACKAGE).glob("*.py") if p.name not in SKIPPED_MODULES)
    if names:
        wanted = {n.removesuffix(".py") for n in names}
        found = [p for p in found if p.stem in wanted or str(p.relative_to(root)).removesuffix(".py") in wanted]
        if not found:
            raise SystemExit(f"no module of {PACKAGE} called {', '.join(names)}")
    return [p.relative_to(root) for p in found]


def all_mutants(root: Path, paths: list[Path]) -> list[Mutant]:
    result = []
    for path in paths:
        result += mutants((root / path).read_text(encoding="utf-8"), path.as_posix())
    return result


def load_equivalent(path: Path = EQUIVALENT_FILE) -> dict[str, str]:
    """``{mutant key: reason}`` of the mutants allow-listed as equivalent."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = data.get("equivalent", [])
    missing = [e for e in entries if not e.get("reason", "").strip()]
    if missing:
        raise SystemExit(f"{path.name}: every equivalent mutant needs a reason ({missing[0].get('key')})")
    return {e["key"]: e["reason"] for e in entries}


# --- running ---------------------------------------------------------------------------------------------------


class Sandbox:
    """A private copy of the repository's package and tests, where one mutant at a time is written."""

    def __init__(self, root: Path, base: Path, tests: tuple[str, ...], copied: tuple[str, ...] = COPIED) -> None:
        self.root = base
        self._process: subprocess.Popen | None = None
        self.tests = [t for t in tests if (root / t).exists()]
        base.mkdir(parents=True, exist_ok=True)
        for name in copied:
            source = root / name
            if source.is_dir():
                shutil.copytree(source, base / name, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
            elif source.exists():
                shutil.copy2(source, base / name)

    def _forget_bytecode(self, module: str) -> None:
        """A mutant's bytecode must never stand in for another's (or the original's): same size, same second."""
        path = self.root / module
        for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
            cached.unlink()

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
        env["PYTHONPATH"] = str(self.root)
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # allure, xdist, the suite's own plugin: a second per mutant
        return env

    def _runner(self, timeout: float) -> subprocess.Popen:
        """The sandbox's forking runner (``tools/forkrunner.py``), started on first use."""
        if self._process is None or self._process.poll() is not None:
            command = [sys.executable, str(FORKRUNNER), str(self.root), *self.tests]
            self._process = subprocess.Popen(
                command, cwd=self.root, env=self._env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
        return self._process

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.stdin.close()
            self._process.wait(timeout=10)

    def run(self, module: str | None, source: str | None, timeout: float) -> tuple[str, float, str]:
        """Run the tests with ``source`` as ``module``: (``killed``/``survived``/``timeout``, seconds, detail)."""
        target = self.root / module if module else None
        original = target.read_text(encoding="utf-8") if target else None
        if target is not None:
            target.write_text(source, encoding="utf-8")
            self._forget_bytecode(module)
        start = time.perf_counter()
        try:
            if FORK:
                runner = self._runner(timeout)
                runner.stdin.write(f"run {timeout}\n")
                runner.stdin.flush()
                answer = json.loads(runner.stdout.readline())
            else:
                answer = self._run_process(timeout)
        finally:
            if target is not None:
                target.write_text(original, encoding="utf-8")
                self._forget_bytecode(module)
        seconds = time.perf_counter() - start
        if answer["timeout"]:
            return "timeout", seconds, answer["detail"]
        if answer["code"] == 0:
            return "survived", seconds, ""
        return "killed", seconds, answer["detail"]

    def _run_process(self, timeout: float) -> dict:
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *self.tests]
        try:
            done = subprocess.run(
                command, cwd=self.root, env=self._env(), capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return {"code": None, "timeout": True, "detail": f"no verdict within {timeout:.0f} s"}
        return {
            "code": done.returncode,
            "timeout": False,
            "detail": _first_failure(done.stdout + done.stderr, done.returncode),
        }


def _first_failure(output: str, code: int) -> str:
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line[:300]
    return f"pytest exit code {code}"


def run_mutants(
    root: Path, to_run: list[Mutant], jobs: int, timeout: float | None, progress: bool = True
) -> tuple[list[Result], float]:
    """Run every mutant in ``jobs`` sandboxes; returns the results and the unmutated run's seconds."""
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        sandboxes: queue.Queue[Sandbox] = queue.Queue()
        for j in range(max(1, jobs)):
            base = Path(tmp) / f"job{j}"
            sandboxes.put(Sandbox(root, base, TESTS))
        first = sandboxes.get()
        status, baseline, detail = first.run(None, None, timeout or 600)
        sandboxes.put(first)
        if status != "survived":
            raise SystemExit(f"the unmutated tests do not pass ({detail}): fix them before measuring mutants")
        limit = timeout or max(30.0, 5 * baseline)
        done = 0

        def one(mutant: Mutant) -> Result:
            nonlocal done
            sandbox = sandboxes.get()
            try:
                status, seconds, detail = sandbox.run(mutant.module, mutant.source, limit)
            finally:
                sandboxes.put(sandbox)
            done += 1
            if progress:
                mark = {"killed": ".", "survived": "S", "timeout": "T"}[status]
                print(mark, end="\n" if done % 80 == 0 else "", flush=True, file=sys.stderr)
            return Result(mutant, status, seconds, detail)

        try:
            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                results = list(pool.map(one, to_run))
        finally:
            while not sandboxes.empty():
                sandboxes.get().close()
        if progress:
            print(file=sys.stderr)
        return results, baseline


# --- reporting -------------------------------------------------------------------------------------------------

DETECTED = ("killed", "timeout")


def tally(results: list[Result]) -> dict[str, dict[str, int]]:
    """Counts per module (and ``total``): killed, survived, timeout, equivalent, message-only (run or not)."""
    table: dict[str, Counter] = {}
    for r in results:
        for module in (r.mutant.module, "total"):
            counts = table.setdefault(module, Counter())
            if r.mutant.message_only:
                counts["message"] += 1
                counts[f"message-{r.status}"] += r.status != "message"
            else:
                counts[r.status] += 1
    return {m: dict(c) for m, c in table.items()}


def score(counts: dict[str, int]) -> tuple[int, int, float]:
    """(detected, non-equivalent total, percentage) of the judging mutants (message-only ones aside)."""
    detected = sum(counts.get(s, 0) for s in DETECTED)
    total = detected + counts.get("survived", 0)
    return detected, total, (100.0 * detected / total if total else 100.0)


def render_markdown(results: list[Result], root: Path, jobs: int, seconds: float, baseline: float) -> str:
    counts = tally(results)
    detected, total, percent = score(counts.get("total", {}))
    lines = [
        "# Mutation testing of the checks",
        "",
        f"`python -m tools.mutation --jobs {jobs}`: {len(results)} mutants of `{PACKAGE}/` "
        f"in {seconds:.0f} s ({baseline:.1f} s per unmutated test run).",
        "",
        f"**Score: {detected} / {total} non-equivalent mutants killed ({percent:.1f} %)** "
        "(a timeout counts as killed; equivalent mutants and mutants of a finding's wording are not in it).",
        "",
        "| module | killed | timeout | survived | score | equivalent | message-only (killed / run / all) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for module in sorted(counts, key=lambda m: (m == "total", m)):
        c = counts[module]
        d, t, p = score(c)
        run = sum(c.get(f"message-{s}", 0) for s in ("killed", "timeout", "survived"))
        killed_messages = c.get("message-killed", 0) + c.get("message-timeout", 0)
        name = "**total**" if module == "total" else f"`{module}`"
        lines.append(
            f"| {name} | {c.get('killed', 0)} | {c.get('timeout', 0)} | {c.get('survived', 0)} | "
            f"{p:.1f} % ({d}/{t}) | {c.get('equivalent', 0)} | {killed_messages} / {run} / {c.get('message', 0)} |"
        )
    originals = {m: (root / m).read_text(encoding="utf-8") for m in {r.mutant.module for r in results}}
    survivors = [r for r in results if r.status == "survived" and not r.mutant.message_only]
    lines += ["", f"## Survivors ({len(survivors)})", ""]
    if not survivors:
        lines.append("None.")
    for r in survivors:
        m = r.mutant
        lines += [
            f"### `{m.module}:{m.line}` {m.function}: {m.operator}",
            "",
            f"key: `{m.key}`",
            "",
            "```diff",
            m.diff(originals[m.module]).rstrip(),
            "```",
            "",
        ]
    equivalent = [r for r in results if r.status == "equivalent"]
    lines += ["", f"## Equivalent mutants, allow-listed ({len(equivalent)})", ""]
    for r in equivalent:
        lines.append(f"- `{r.mutant.module}:{r.mutant.line}` `{r.mutant.key}`: {r.detail}")
    message_survivors = [r for r in results if r.status == "survived" and r.mutant.message_only]
    if message_survivors:
        lines += ["", f"## Message-only survivors ({len(message_survivors)})", ""]
        lines += [f"- `{r.mutant.module}:{r.mutant.line}` `{r.mutant.key}`" for r in message_survivors]
    return "\n".join(lines) + "\n"


def render_json(results: list[Result], jobs: int, seconds: float, baseline: float) -> dict:
    counts = tally(results)
    detected, total, percent = score(counts.get("total", {}))
    return {
        "score": {"detected": detected, "total": total, "percent": round(percent, 2)},
        "jobs": jobs,
        "seconds": round(seconds, 1),
        "baseline_seconds": round(baseline, 2),
        "modules": {m: {**c, "score": round(score(c)[2], 2)} for m, c in counts.items()},
        "mutants": [
            {
                "key": r.mutant.key,
                "module": r.mutant.module,
                "line": r.mutant.line,
                "function": r.mutant.function,
                "operator": r.mutant.operator,
                "original": r.mutant.original,
                "replacement": r.mutant.replacement,
                "message_only": r.mutant.message_only,
                "status": r.status,
                "seconds": round(r.seconds, 2),
                "detail": r.detail,
            }
            for r in results
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", help="only this module of conformance/checks (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutants without running them")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="mutants run at once (default: CPUs)")
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: 5 × the unmutated run, ≥ 30)")
    parser.add_argument("--messages", action="store_true", help="also run the mutants of findings' wording")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where report.md and report.json go")
    parser.add_argument(
        "--survivors", action="store_true", help="run only the mutants that survived in the last report.json"
    )
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 when the score is below this")
    args = parser.parse_args(argv)

    every = all_mutants(ROOT, modules(ROOT, args.module))
    equivalent = load_equivalent()
    known = {m.key for m in all_mutants(ROOT, modules(ROOT))}
    stale = sorted(set(equivalent) - known)
    if stale:
        print(f"warning: {len(stale)} allow-listed mutant(s) no longer exist: {stale[0]}", file=sys.stderr)
    if args.list:
        for m in every:
            tag = "equivalent" if m.key in equivalent else ("message" if m.message_only else "")
            print(f"{m.module}:{m.line}\t{m.operator}\t{m.function}\t{m.original} -> {m.replacement}\t{tag}".rstrip())
        print(f"{len(every)} mutants", file=sys.stderr)
        return 0
    to_run = [m for m in every if m.key not in equivalent and (args.messages or not m.message_only)]
    if args.survivors:
        last = json.loads((args.output / "report.json").read_text(encoding="utf-8"))
        survived = {m["key"] for m in last["mutants"] if m["status"] == "survived"}
        to_run = [m for m in to_run if m.key in survived]
        every = to_run
    start = time.perf_counter()
    ran, baseline = run_mutants(ROOT, to_run, args.jobs, args.timeout)
    seconds = time.perf_counter() - start
    by_key = {r.mutant.key: r for r in ran}
    results = []
    for m in every:
        if m.key in equivalent:
            results.append(Result(m, "equivalent", detail=equivalent[m.key]))
        else:
            results.append(by_key.get(m.key) or Result(m, "message"))
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "report.md").write_text(
        render_markdown(results, ROOT, args.jobs, seconds, baseline), encoding="utf-8"
    )
    data = render_json(results, args.jobs, seconds, baseline)
    (args.output / "report.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    s = data["score"]
    print(
        f"mutation score {s['detected']}/{s['total']} = {s['percent']:.1f} % in {seconds:.0f} s with {args.jobs} "
        f"job(s); report: {args.output / 'report.md'}"
    )
    return 1 if s["percent"] < args.fail_under else 0


if __name__ == "__main__":
    sys.exit(main())
