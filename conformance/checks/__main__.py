"""``python -m conformance.checks``: the README's table of checks, from the registry (rules and docstrings)."""

from __future__ import annotations

from ..contract.rules import HTTP_MESSAGE, Rule
from . import REGISTRY, TRANSPORT


def _rules(rules: tuple[Rule, ...]) -> str:
    return "; ".join(f"{rule.id} **{rule.level.value}**" for rule in rules)


def markdown_table() -> str:
    """One row per check: its name, what it asserts (its docstring's first paragraph), its rules and levels."""
    lines = ["| check | what it asserts | rules (level) |", "|---|---|---|"]
    lines.append(
        f"| `{TRANSPORT}` | a complete HTTP response arrived, framed as HTTP/1.1 requires (refused, DNS, TLS, "
        "timeout, reset, truncated, too large, redirect, malformed framing, unsolicited bytes on a kept-alive "
        f"connection are each named) | {_rules((HTTP_MESSAGE,))} |"
    )
    for spec in REGISTRY.values():
        description = spec.description.replace("|", "\\|")
        lines.append(f"| `{spec.name}` | {description} | {_rules(spec.rules)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
