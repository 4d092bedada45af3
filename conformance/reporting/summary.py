"""summary.json, Allure's categories.json and environment.properties, written once per run by the controller."""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..checks import REGISTRY, STATUSES, TRANSPORT

PROPERTY = "conformance"  # the user_properties key that carries a case record from any xdist worker

CATEGORIES = [
    {
        "name": "Setup problems",
        "matchedStatuses": ["skipped", "passed"],
        "messageRegex": "(?s)(Skipped: )?setup problem.*",
    },
    {
        "name": "Skipped for safety",
        "matchedStatuses": ["skipped"],
        "messageRegex": "(?s)(Skipped: )?skipped for safety.*",
    },
    {"name": "Interrupted", "matchedStatuses": ["broken"], "messageRegex": "(?s)^interrupted: .*"},
    {"name": "Suite bugs", "matchedStatuses": ["failed", "broken"], "messageRegex": "(?s).*bug in the suite.*"},
    # here: one category per check (``categories()``)
    {
        # rules a server SHOULD follow: passing tests (their message is set when the run ends), or failing ones
        # under --strict
        "name": "Advisories",
        "matchedStatuses": ["passed", "failed"],
        "messageRegex": r"(?s)(advisory: .*|.*\[[a-z0-9-]+\].*\(SHOULD\).*)",
    },
    {"name": "Documentation findings", "matchedStatuses": ["skipped"], "messageRegex": "(?s).*documentation finding.*"},
    {"name": "Not applicable to this target", "matchedStatuses": ["skipped"]},
]


def categories() -> list[dict[str, object]]:
    """Allure's categories: one per check (a failing test sits in the category of every check it broke; the
    message holds only its ``[check]`` lines, so identical findings group together), then the run's own ones."""
    by_check = [
        {
            "name": name if name in REGISTRY else f"{name}: no usable answer (refused, timed out, malformed HTTP)",
            "matchedStatuses": ["failed"],
            "messageRegex": rf"(?s)(.*\n)?(Failed: )?\[{re.escape(name)}\] .*",
        }
        for name in [TRANSPORT, *REGISTRY]
    ]
    return [*CATEGORIES[:4], *by_check, *CATEGORIES[4:]]


CUT_SHORT = (
    "sent ahead, and on the wire when Ctrl-C closed its xdist worker: what it did to the allow-listed appointments "
    "may not have been put back (read them yourself)"
)


@dataclass
class RunSummary:
    """Aggregates case records (plain dicts, so they cross xdist process boundaries) into summary.json."""

    meta: dict[str, Any] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    documentation: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    unreported: list[str] = field(default_factory=list)  # sent ahead (--concurrency), never reported: the run stopped
    cut_short: list[str] = field(default_factory=list)  # on the wire when their xdist worker was closed (Ctrl-C)

    def add(self, record: dict[str, Any]) -> None:
        self.records.append(record)

    def check_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for name in [TRANSPORT, *REGISTRY]:
            counts[name]
        for record in self.records:
            for name, tally in record.get("checks", {}).items():
                counts[name].update(tally)
        return {name: {k: tally.get(k, 0) for k in STATUSES} for name, tally in counts.items()}

    def findings(self, kind: str = "findings") -> list[dict[str, Any]]:
        """Violations (``findings``) or ``advisories``, each with its case and reproduction."""
        return [
            {"case": r["case"], "phase": r["phase"], **finding, "reproduction": r.get("reproduction")}
            for r in self.records
            for finding in r.get(kind, [])
        ]

    @property
    def exchanges(self) -> int:
        return sum(r.get("exchanges", 1) for r in self.records)

    @property
    def unreachable(self) -> bool:
        """True when not one exchange got as far as a response head (refused, DNS, TLS, silence…)."""
        return bool(self.records) and all(r.get("answered") is False for r in self.records)

    def as_dict(self) -> dict[str, Any]:
        failed = sum(1 for r in self.records if r["outcome"] == "failed") + len(self.errors)
        passed = sum(1 for r in self.records if r["outcome"] == "passed")
        return {
            **self.meta,
            "passed": passed,
            "failed": failed,
            "skipped": len(self.skipped),
            "exchanges": self.exchanges,
            "unreachable": self.unreachable,
            "checks": self.check_counts(),
            "findings": self.findings(),
            "advisories": self.findings("advisories"),
            "errors": self.errors,
            "documentation_findings": self.documentation,
            "skipped_cases": self.skipped,
            "notes": [f"{r['case']}: {note}" for r in self.records for note in r.get("notes", [])],
            "setup_problems": sorted({s["reason"] for s in self.skipped if s["reason"].startswith("setup problem")}),
            "restore_problems": [
                *(f"{r['case']}: {p}" for r in self.records for p in r.get("restore_problems", [])),
                *(f"{case}: {CUT_SHORT}" for case in self.cut_short),
            ],
            "sent_not_reported": sorted(self.unreported),
            "cases": sorted(self.records, key=lambda r: r["case"]),
        }

    def write(self, path: Path) -> dict[str, Any]:
        data = self.as_dict()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")
        return data


def write_allure_extras(alluredir: Path, environment: dict[str, str]) -> None:
    """categories.json, environment.properties and executor.json (CI build name and link, when known)."""
    alluredir.mkdir(parents=True, exist_ok=True)
    (alluredir / "executor.json").write_text(json.dumps(_executor(), indent=2) + "\n", encoding="utf-8")
    (alluredir / "categories.json").write_text(json.dumps(categories(), indent=2) + "\n", encoding="utf-8")
    lines = [f"{k}={_escape(v)}" for k, v in environment.items() if v]
    (alluredir / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", " ").replace("=", "\\=").replace(":", "\\:")


def _executor() -> dict[str, object]:
    """The CI build this run belongs to; ``buildOrder`` orders the points of Allure's trend charts."""
    env = os.environ
    if env.get("GITHUB_RUN_ID"):
        repo = f"{env.get('GITHUB_SERVER_URL', '')}/{env.get('GITHUB_REPOSITORY', '')}"
        return {
            "name": "GitHub Actions",
            "type": "github",
            "buildOrder": int(env.get("GITHUB_RUN_NUMBER", "0")),
            "buildName": f"{env.get('GITHUB_WORKFLOW', 'run')} #{env.get('GITHUB_RUN_NUMBER', '')}",
            "buildUrl": f"{repo}/actions/runs/{env['GITHUB_RUN_ID']}",
        }
    if env.get("CI_PIPELINE_IID"):
        return {
            "name": "GitLab CI",
            "type": "gitlab",
            "buildOrder": int(env["CI_PIPELINE_IID"]),
            "buildName": f"pipeline #{env['CI_PIPELINE_IID']}",
            "buildUrl": env.get("CI_PIPELINE_URL", ""),
        }
    return {
        "name": "conformance run",
        "type": "ci" if env.get("CI") else "local",
        "buildName": f"{socket.gethostname()} {time.strftime('%Y-%m-%d %H:%M:%S')}",
    }
