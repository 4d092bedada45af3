"""Contract drift: what changed between the shipped Services82 contract and the one an endpoint publishes.

Both contracts become a ``ContractModel`` (``contract_model.py``); the operation and bindings are compared, then
the element trees node by node (paths such as ``Reject/UpdateMode``): removed and added subtrees (reported once,
at their top), probable renames (a removal and an addition of the same type at the same position under the same
parent), changes of the nodes present in both, and reordered siblings. ``drift_rules.py`` classifies each change
as breaking or not, and says which rule it applies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .model import ContractModel, Node
from .rules import Change, addition, compare_bindings, compare_node, compare_operation, removal, rename

__all__ = ["Change", "DriftResult", "compare", "render"]


@dataclass
class DriftResult:
    """The drift of one operation's contract: shipped against live."""

    shipped: str
    live: str
    operation: str = "Reject"
    changes: list[Change] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # set when the live contract could not be obtained

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "shipped": self.shipped,
            "live": self.live,
            "documents": self.documents,
            "error": self.error,
            "breaking": len(self.breaking),
            "non_breaking": len(self.changes) - len(self.breaking),
            "changes": [asdict(c) for c in self.changes],
            "notes": self.notes,
        }


# --- comparison -------------------------------------------------------------------------------------


def compare(old: ContractModel, new: ContractModel) -> list[Change]:
    """Every difference between ``old`` (shipped) and ``new`` (live), classified."""
    changes: list[Change] = []
    changes += compare_operation(old, new)
    changes += compare_bindings(old, new)
    changes += _compare_nodes(old, new)
    return changes


def _compare_nodes(old: ContractModel, new: ContractModel) -> list[Change]:
    ns_map = {old.schema_namespace: new.schema_namespace}
    new_nodes = dict(new.nodes)
    out: list[Change] = []
    renames = _renames(old.nodes, new_nodes)
    for before, after in renames:
        out.append(rename(old.nodes[before], new_nodes[after]))
        new_nodes = _move(new_nodes, after, before)
    removed = _tops(set(old.nodes) - set(new_nodes))
    added = _tops(set(new_nodes) - set(old.nodes))
    for path in sorted(removed, key=lambda p: _order(old.nodes, p)):
        out.append(removal(old.nodes[path], _descendants(old.nodes, path)))
    for path in sorted(added, key=lambda p: _order(new_nodes, p)):
        out.append(addition(new_nodes[path], _descendants(new_nodes, path)))
    for path in sorted(set(old.nodes) & set(new_nodes), key=lambda p: _order(old.nodes, p)):
        out += compare_node(old.nodes[path], new_nodes[path], ns_map)
    out += _compare_order(old.nodes, new_nodes)
    return out


def _order(nodes: dict[str, Node], path: str) -> int:
    """Document order (the model is built by a depth-first walk)."""
    return list(nodes).index(path)


def _tops(paths: set[str]) -> set[str]:
    """Paths whose parent is not in the set (a removed subtree is reported once)."""
    return {p for p in paths if not any(p.startswith(q + "/") for q in paths)}


def _descendants(nodes: dict[str, Node], path: str) -> int:
    return sum(1 for p in nodes if p.startswith(path + "/"))


def _renames(old: dict[str, Node], new: dict[str, Node]) -> list[tuple[str, str]]:
    """(old path, new path) of removals + additions with the same parent, position and type."""
    pairs: list[tuple[str, str]] = []
    removed = _tops(set(old) - set(new))
    added = _tops(set(new) - set(old))
    for path in sorted(removed):
        a = old[path]
        match = next(
            (
                p
                for p in sorted(added)
                if new[p].parent == a.parent
                and new[p].position == a.position
                and new[p].signature == a.signature
                and p.startswith("Header/") == path.startswith("Header/")
            ),
            None,
        )
        if match is not None:
            pairs.append((path, match))
            added.discard(match)
    return pairs


def _move(nodes: dict[str, Node], source: str, target: str) -> dict[str, Node]:
    """``nodes`` with the subtree at ``source`` re-keyed under ``target`` (so a renamed parent's children match)."""

    def moved(path: str | None) -> str | None:
        if path is not None and (path == source or path.startswith(source + "/")):
            return target + path[len(source) :]
        return path

    return {moved(p) or p: replace(n, path=moved(p) or p, parent=moved(n.parent)) for p, n in nodes.items()}


def _compare_order(old: dict[str, Node], new: dict[str, Node]) -> list[Change]:
    out = []
    parents = {n.parent for n in old.values() if n.parent is not None}
    for parent in sorted(parents):
        if parent not in new:
            continue
        common = [p for p in old if old[p].parent == parent and p in new and old[p].kind == "element"]
        before = sorted(common, key=lambda p: old[p].position)
        after = sorted(common, key=lambda p: new[p].position)
        if before != after:
            names = [old[p].name for p in before], [new[p].name for p in after]
            out.append(
                Change(
                    "order",
                    parent,
                    f"element order changed: {', '.join(names[0])} → {', '.join(names[1])}",
                    True,
                    "a sequence is validated in order",
                    ", ".join(names[0]),
                    ", ".join(names[1]),
                )
            )
    return out


# --- output -----------------------------------------------------------------------------------------


def render(result: DriftResult) -> str:
    """The drift as a readable diff for the terminal (and the Allure attachment)."""
    lines = [f"contract drift: {result.shipped} → {result.live}"]
    if result.documents:
        lines.append("  read: " + ", ".join(result.documents))
    lines += [f"  note: {note}" for note in result.notes]
    if result.error:
        lines.append(f"  the live contract could not be read: {result.error}")
        return "\n".join(lines) + "\n"
    for change in result.changes:
        label = "BREAKING    " if change.breaking else "non-breaking"
        lines.append(f"  {label} {change.symbol} {change.path}: {change.summary}")
        lines.append(f"               {change.why}")
    breaking = len(result.breaking)
    if result.changes:
        lines.append(
            f"{len(result.changes)} change{'s' if len(result.changes) != 1 else ''}: {breaking} breaking, "
            f"{len(result.changes) - breaking} non-breaking"
        )
    else:
        lines.append(f"no drift: the live contract matches the shipped one for {result.operation}")
    return "\n".join(lines) + "\n"
