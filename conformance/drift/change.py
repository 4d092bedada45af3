"""A change between two contracts, as drift reports it: where, what, and whether a client breaks."""

from __future__ import annotations

from dataclasses import dataclass

from .model import REQUEST, RESPONSE, Node


@dataclass(frozen=True)
class Change:
    """One difference. ``kind``: added, removed, renamed, type, value-space, enumeration, enumeration-value,
    facet, min-occurs, max-occurs, nillable, order, namespace, operation, target-namespace, binding, soap-action,
    style, use, transport or action; ``why`` names the rule that made it breaking or not."""

    kind: str
    path: str
    summary: str
    breaking: bool
    why: str
    old: str | None = None
    new: str | None = None

    @property
    def symbol(self) -> str:
        return {"added": "+", "removed": "-", "renamed": ">"}.get(self.kind, "~")


def _rule(node: Node, request: bool, response: bool) -> bool:
    """Breaking when the request-side rule holds and the node is sent, or the response-side rule and it is read."""
    return (REQUEST in node.directions and request) or (RESPONSE in node.directions and response)


_SUPERSETS: dict[str, set[str]] = {
    "xs:byte": {"xs:short", "xs:int", "xs:long", "xs:integer", "xs:decimal"},
    "xs:short": {"xs:int", "xs:long", "xs:integer", "xs:decimal"},
    "xs:int": {"xs:long", "xs:integer", "xs:decimal"},
    "xs:long": {"xs:integer", "xs:decimal"},
    "xs:integer": {"xs:decimal"},
    "xs:unsignedByte": {"xs:unsignedShort", "xs:unsignedInt", "xs:unsignedLong", "xs:short", "xs:int", "xs:long"},
    "xs:unsignedShort": {"xs:unsignedInt", "xs:unsignedLong", "xs:int", "xs:long"},
    "xs:unsignedInt": {"xs:unsignedLong", "xs:long"},
    "xs:unsignedLong": {"xs:nonNegativeInteger"},
    "xs:positiveInteger": {"xs:nonNegativeInteger"},
    "xs:nonNegativeInteger": {"xs:integer", "xs:decimal"},
    "xs:float": {"xs:double"},
    "xs:token": {"xs:normalizedString"},
}
