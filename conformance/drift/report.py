"""A drift run's results: Reject's contract always, ``AuthenticateUsernamePassword``'s when login is configured.

``drift.json`` keeps the shape it had when drift covered Reject alone (``shipped``, ``live``, ``documents`` are
Reject's; ``breaking``, ``non_breaking``, ``changes``, ``notes`` and ``error`` cover every operation compared) and
adds ``operations``: one entry per operation, as ``DriftResult.as_dict`` writes it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .change import Change
from .compare import DriftResult, render

__all__ = ["DriftReport"]


@dataclass
class DriftReport:
    results: list[DriftResult] = field(default_factory=list)

    @property
    def changes(self) -> list[Change]:
        return [c for r in self.results for c in r.changes]

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def error(self) -> str | None:
        """The first live contract that could not be read, named by its operation."""
        failed = [r for r in self.results if r.error]
        return "; ".join(f"{r.operation}: {r.error}" for r in failed) or None

    @property
    def operations(self) -> list[str]:
        return [r.operation for r in self.results]

    def render(self) -> str:
        return "".join(render(r) for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        first = self.results[0]
        return {
            "shipped": first.shipped,
            "live": first.live,
            "documents": first.documents,
            "error": self.error,
            "breaking": len(self.breaking),
            "non_breaking": len(self.changes) - len(self.breaking),
            "changes": [{"operation": r.operation, **asdict(c)} for r in self.results for c in r.changes],
            "notes": [note for r in self.results for note in r.notes],
            "operations": [r.as_dict() for r in self.results],
        }

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
