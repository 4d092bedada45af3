"""Drift rules for value spaces: types, enumerations (names and the numbers behind them) and facets, each change
classified from a client's point of view."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..contract.soap import UPDATE_MODES
from .change import _SUPERSETS, Change, _rule
from .model import REQUEST, RESPONSE, Node, SimpleType
from .types import EnumNumber

_TOP = {"xs:string", "xs:anySimpleType", "xs:anyType"}


_UPPER_BOUNDS = ("maxLength", "maxInclusive", "maxExclusive", "totalDigits", "fractionDigits")


_LOWER_BOUNDS = ("minLength", "minInclusive", "minExclusive")


def _compare_value_space(a: Node, b: Node) -> list[Change]:
    path = a.path
    sa, sb = a.simple, b.simple
    if sa is None and sb is None:
        return []
    if sa is None or sb is None:
        before = sa.describe() if sa else "element-only content"
        after = sb.describe() if sb else "element-only content"
        return [Change("value-space", path, f"content changed: {before} → {after}", True, "a different content model")]
    out: list[Change] = []
    if sa.builtin != sb.builtin:
        wider = _widens(sa.builtin, sb.builtin)
        narrower = _widens(sb.builtin, sa.builtin)
        breaking = _rule(a, not wider, not narrower)
        if breaking:
            why = "narrower: values clients send may be refused" if not wider else "wider: clients may not parse it"
            if not wider and not narrower:
                why = "an unrelated type"
        else:
            why = "wider for a request" if wider else "narrower for a response"
        out.append(
            Change("value-space", path, f"base type {sa.builtin} → {sb.builtin}", breaking, why, sa.builtin, sb.builtin)
        )
    out += _compare_enumerations(a, sa, sb)
    out += _compare_enumeration_numbers(a, sa, sb)
    out += _compare_facets(a, sa, sb)
    return out


def _widens(old: str, new: str) -> bool:
    """The value space of ``new`` contains that of ``old``."""
    if old == new or new in _TOP:
        return True
    seen, todo = set(), [old]
    while todo:
        current = todo.pop()
        if current == new:
            return True
        if current not in seen:
            seen.add(current)
            todo += sorted(_SUPERSETS.get(current, ()))
    return False


def _compare_enumerations(node: Node, sa: SimpleType, sb: SimpleType) -> list[Change]:
    path = node.path
    if sa.enumerations == sb.enumerations:
        return []
    if not sa.enumerations or not sb.enumerations:
        restricted = bool(sb.enumerations)
        summary = (
            f"now restricted to enumeration {'|'.join(sb.enumerations)}"
            if restricted
            else f"enumeration {'|'.join(sa.enumerations)} lifted: any {sb.builtin}"
        )
        breaking = _rule(node, restricted, not restricted)
        return [Change("enumeration", path, summary, breaking, "the set of allowed values changed")]
    out = []
    gone = [v for v in sa.enumerations if v not in sb.enumerations]
    new = [v for v in sb.enumerations if v not in sa.enumerations]
    if gone:
        sent = [v for v in gone if v in UPDATE_MODES and REQUEST in node.directions]
        why = "clients may send it" + (f"; this suite sends {', '.join(sent)}" if sent else "")
        if REQUEST not in node.directions:
            why = "responses no longer carry it"
        out.append(
            Change(
                "enumeration",
                path,
                f"enumeration value{'s' if len(gone) > 1 else ''} removed: {', '.join(gone)}",
                REQUEST in node.directions,
                why,
                ", ".join(gone),
                None,
            )
        )
    if new:
        why = "an additional value a request may use" if REQUEST in node.directions else ""
        if RESPONSE in node.directions:
            why = (why + "; " if why else "") + "clients must tolerate new values in responses"
        out.append(
            Change(
                "enumeration",
                path,
                f"enumeration value{'s' if len(new) > 1 else ''} added: {', '.join(new)}",
                False,
                why,
                None,
                ", ".join(new),
            )
        )
    if not gone and not new:
        why = "the order of names is not significant (a number it changes is reported on its own)"
        out.append(Change("enumeration", path, "enumeration order changed", False, why))
    return out


def _compare_enumeration_numbers(node: Node, sa: SimpleType, sb: SimpleType) -> list[Change]:
    """A name both sides enumerate whose data-contract number differs: non-breaking, since SOAP sends the name,
    but reported for the clients that use the number."""
    out = []
    for name in sa.enumerations:
        before, after = sa.number(name), sb.number(name)
        if before is None or after is None or before.value == after.value:
            continue
        out.append(_number_change(node.path, name, before, after))
    return out


def _number_change(path: str, name: str, before: EnumNumber, after: EnumNumber) -> Change:
    old, new = before.describe(), after.describe()
    return Change(
        "enumeration-value",
        path,
        f"enumeration value {name}: EnumerationValue {old} → {new} (SOAP sends names; numeric clients care)",
        False,
        "the SOAP wire carries the name; clients that use the number (the REST/WebApi, the database) see another",
        old,
        new,
    )


def _compare_facets(node: Node, sa: SimpleType, sb: SimpleType) -> list[Change]:
    before, after = dict(sa.facets), dict(sb.facets)
    out = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a == b:
            continue
        tighter, looser = _facet_direction(name, a, b)
        breaking = _rule(node, tighter, looser)
        if tighter and looser:
            why = "a different constraint"
        elif tighter:
            why = "tighter: values clients send may be refused" if breaking else "tighter responses"
        else:
            why = "looser: clients may receive values they do not expect" if breaking else "looser requests"
        out.append(Change("facet", node.path, f"facet {name}: {a or '(none)'} → {b or '(none)'}", breaking, why, a, b))
    return out


def _facet_direction(name: str, a: str | None, b: str | None) -> tuple[bool, bool]:
    """(tighter, looser) for a facet changing from ``a`` to ``b`` (``None``: absent)."""
    if a is None:
        return True, False
    if b is None:
        return False, True
    try:
        da, db = Decimal(a), Decimal(b)
    except InvalidOperation:
        return True, True
    if name in _UPPER_BOUNDS:
        return db < da, db > da
    if name in _LOWER_BOUNDS:
        return db > da, db < da
    return True, True
