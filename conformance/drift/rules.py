"""How a contract change is classified: breaking or not, from the point of view of a client built against the
shipped contract — this suite included:

* **Request side** (the client writes, the server reads) — breaking when something the client sends may no
  longer be accepted: an element removed (or renamed), a required element added, minOccurs raised, maxOccurs
  lowered, nillable dropped, an enumeration value removed (say so when the suite sends it), a narrower value
  space (a narrower builtin such as xs:long → xs:int, a tightened facet), elements reordered, a namespace
  changed. Additions of optional elements, enumeration values and wider value spaces are non-breaking.
* **Response side** (the server writes, the client reads) — breaking when the client may receive something it
  does not expect or miss something it relies on: a required element removed, a required element added,
  minOccurs lowered, maxOccurs raised, nillable added, a wider value space, reordering, a namespace change.
  A new *optional* element and a new *enumeration value* are non-breaking: a client must tolerate both (a
  strict deserializer may not; the suite's ``response-schema`` check reports unexpected content when it is
  actually sent). Removing an optional element or an enumeration value is non-breaking.
* A node used in both directions (the ``TimeZone`` header) is breaking when either side is.
* **Headers and body** — a header removed from the binding (or a body element replaced) is breaking; a header
  added is not (SOAP headers are optional unless marked mustUnderstand, which a WSDL cannot say).
* **Operation and binding** — breaking: the operation gone, the target namespace changed, the shipped SOAP
  binding version gone (binding namespace ``wsdl/soap/`` = 1.1, ``wsdl/soap12/`` = 1.2), a changed soapAction,
  style, use or transport, a changed request (input) WS-Addressing action. Non-breaking: a binding added, a
  changed response (output) action (basicHttpBinding clients do not check it). Actions are compared as they take
  effect (WS-Addressing 1.0 Metadata §4.4, ``contract_model.effective_action``): an absent ``wsam:Action``
  stands for the input's soapAction or the default action pattern, so a WSDL that leaves out an action equal to
  the shipped one shows no change.
* **Enumeration numbers** — the number behind an enumeration name (the data-contract ``EnumerationValue``
  appinfo, else the member's position, ``xsd_walk.py``) changed for a name both sides have: non-breaking for SOAP,
  which sends names, but reported: clients that use the numbers (the REST/WebApi, the database) see another
  value.
* A type renamed with the same content is non-breaking (the content is compared on its own). A removal plus an
  addition of the same type at the same position under the same parent is reported as a probable rename,
  breaking when either the removal or the addition would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..contract.soap import UPDATE_MODES
from .model import REQUEST, RESPONSE, Binding, ContractModel, Node, SimpleType
from .xsd_walk import EnumNumber

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
_TOP = {"xs:string", "xs:anySimpleType", "xs:anyType"}
_ACTION_ORIGINS = {"soapAction": "no wsam:Action: the soapAction", "default": "no wsam:Action: the default pattern"}
_UPPER_BOUNDS = ("maxLength", "maxInclusive", "maxExclusive", "totalDigits", "fractionDigits")
_LOWER_BOUNDS = ("minLength", "minInclusive", "minExclusive")


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


def compare_operation(old: ContractModel, new: ContractModel) -> list[Change]:
    """The operation, the namespaces and the WS-Addressing actions."""
    out = []
    if old.operation_found and not new.operation_found:
        out.append(Change("operation", "Reject", "the operation Reject is gone", True, "clients cannot call it"))
    if old.target_namespace != new.target_namespace:
        out.append(
            Change(
                "target-namespace",
                "definitions",
                f"WSDL target namespace changed: {old.target_namespace} → {new.target_namespace}",
                True,
                "actions and qualified names derive from it",
                old.target_namespace,
                new.target_namespace,
            )
        )
    if old.schema_namespace and new.schema_namespace and old.schema_namespace != new.schema_namespace:
        out.append(
            Change(
                "namespace",
                "Reject",
                f"message namespace changed: {old.schema_namespace} → {new.schema_namespace}",
                True,
                "every element the client sends and reads is in the old namespace",
                old.schema_namespace,
                new.schema_namespace,
            )
        )
    for io, breaking, why in (
        ("input", True, "WCF dispatches on the request action"),
        ("output", False, "clients of a basicHttpBinding do not check the response action"),
    ):
        before, after = old.actions.get(io), new.actions.get(io)
        if before != after:
            summary = f"{io} action changed: {_action_text(old, io)} → {_action_text(new, io)}"
            out.append(Change("action", f"Reject/{io}", summary, breaking, why, before, after))
    return out


def _action_text(model: ContractModel, io: str) -> str:
    """The effective action, with how it was obtained when the WSDL does not state it."""
    origin = _ACTION_ORIGINS.get(model.action_origins.get(io, "explicit"))
    return f"{model.actions.get(io)}" + (f" ({origin})" if origin else "")


def compare_bindings(old: ContractModel, new: ContractModel) -> list[Change]:
    """Bindings by SOAP version: gone, added, or changed in soapAction, style, use or transport."""
    out = []
    for version in sorted(set(old.bindings) | set(new.bindings)):
        before, after = old.bindings.get(version), new.bindings.get(version)
        if after is None:
            assert before is not None
            others = ", ".join(f"SOAP {v}" for v in sorted(new.bindings)) or "none"
            out.append(
                Change(
                    "binding",
                    f"binding/SOAP {version}",
                    f"the SOAP {version} binding ({_binding_ns(version)}) is gone; the endpoint binds: {others}",
                    True,
                    f"clients speaking SOAP {version} (this suite's default is 1.1) are refused",
                    before.name,
                    None,
                )
            )
        elif before is None:
            out.append(
                Change(
                    "binding",
                    f"binding/SOAP {version}",
                    f"a SOAP {version} binding ({_binding_ns(version)}) was added",
                    False,
                    "an additional way to call the operation",
                    None,
                    after.name,
                )
            )
        else:
            out += _compare_binding(before, after)
    return out


def _binding_ns(version: str) -> str:
    return "wsdl/soap12/" if version == "1.2" else "wsdl/soap/"


def _compare_binding(before: Binding, after: Binding) -> list[Change]:
    path = f"binding/SOAP {before.version}"
    fields = (
        ("soap-action", "soapAction", before.soap_action, after.soap_action, "clients send the old SOAPAction"),
        ("style", "style", before.style, after.style, "the message layout changes"),
        ("use", "input use", before.input_use, after.input_use, "the request encoding changes"),
        ("use", "output use", before.output_use, after.output_use, "the response encoding changes"),
        ("transport", "transport", before.transport, after.transport, "clients use the old transport"),
    )
    return [
        Change(kind, path, f"{label} changed: {a} → {b}", True, why, a, b)
        for kind, label, a, b, why in fields
        if a != b
    ]


def _rule(node: Node, request: bool, response: bool) -> bool:
    """Breaking when the request-side rule holds and the node is sent, or the response-side rule and it is read."""
    return (REQUEST in node.directions and request) or (RESPONSE in node.directions and response)


def _sides(node: Node) -> str:
    return " and ".join(sorted(node.directions, reverse=True))


def removal(node: Node, descendants: int) -> Change:
    """``node`` (and ``descendants`` nodes below it) no longer in the contract."""
    extra = f" (with {descendants} nested)" if descendants else ""
    root = node.parent is None
    breaking = root or _rule(node, True, node.min_occurs >= 1)
    if root:
        why = "the message no longer carries it"
    elif REQUEST in node.directions:
        why = "clients send it; the new contract does not accept it"
    elif breaking:
        why = "clients rely on a required response element"
    else:
        why = "it was optional in responses"
    return Change(
        "removed", node.path, f"{node.kind} removed: {node.describe()}{extra}", breaking, why, node.describe()
    )


def addition(node: Node, descendants: int) -> Change:
    """``node`` (and ``descendants`` nodes below it) new in the contract."""
    extra = f" (with {descendants} nested)" if descendants else ""
    header_root = node.parent is None and node.path.startswith("Header/")
    if node.parent is None:
        breaking = not header_root
        why = "SOAP headers are optional unless marked mustUnderstand" if header_root else "the message changed"
    else:
        breaking = node.min_occurs >= 1
        if REQUEST in node.directions and breaking:
            why = "required in requests: clients do not send it"
        elif breaking:
            why = "required in responses: clients validating against the shipped contract reject it"
        elif RESPONSE in node.directions:
            why = "optional in responses: tolerant clients ignore it (the suite's response-schema check flags it)"
        else:
            why = "optional in requests"
    return Change(
        "added", node.path, f"{node.kind} added: {node.describe()}{extra}", breaking, why, None, node.describe()
    )


def rename(before: Node, after: Node) -> Change:
    """A removal and an addition that are probably one rename."""
    gone, new = removal(before, 0), addition(after, 0)
    breaking = gone.breaking or new.breaking
    why = gone.why if gone.breaking else new.why
    return Change(
        "renamed",
        before.path,
        f"probably renamed: {before.name} → {after.name} (same type and position: {after.describe()})",
        breaking,
        why,
        before.name,
        after.name,
    )


def compare_node(a: Node, b: Node, ns_map: dict[str | None, str | None]) -> list[Change]:
    """What changed in a node present in both contracts (``ns_map``: the message namespace change, reported once)."""
    out: list[Change] = []
    path = a.path
    if a.namespace != b.namespace and ns_map.get(a.namespace) != b.namespace:
        out.append(
            Change(
                "namespace",
                path,
                f"namespace changed: {a.namespace} → {b.namespace}",
                True,
                "a qualified name is part of the wire format",
                a.namespace,
                b.namespace,
            )
        )
    if a.type_name != b.type_name and not _builtin_or_anonymous(a.type_name, b.type_name):
        out.append(
            Change(
                "type",
                path,
                f"declared type changed: {a.type_name or 'anonymous'} → {b.type_name or 'anonymous'}",
                False,
                "the name alone is not on the wire; the content is compared separately",
                a.type_name,
                b.type_name,
            )
        )
    out += _compare_value_space(a, b)
    if a.min_occurs != b.min_occurs:
        raised = b.min_occurs > a.min_occurs
        why = "clients may omit it" if raised else "clients may not get it"
        out.append(_occurrence_change(a, path, "min-occurs", "minOccurs", (a.min_occurs, b.min_occurs), raised, why))
    if a.max_occurs != b.max_occurs:
        raised = _bound(b.max_occurs) > _bound(a.max_occurs)
        why = "clients may get more occurrences than they handle" if raised else "clients may send more than allowed"
        texts = (_max_text(a.max_occurs), _max_text(b.max_occurs))
        out.append(_occurrence_change(a, path, "max-occurs", "maxOccurs", texts, not raised, why))
    if a.nillable != b.nillable:
        added = b.nillable
        why = "clients may receive xsi:nil" if added else "clients (and this suite) send xsi:nil"
        texts = (str(a.nillable).lower(), str(b.nillable).lower())
        out.append(_occurrence_change(a, path, "nillable", "nillable", texts, not added, why))
    if a.recursive != b.recursive:
        out.append(Change("type", path, "recursion changed", True, "the content model changed shape"))
    return out


def _occurrence_change(
    a: Node, path: str, kind: str, label: str, values: tuple[object, object], breaks_requests: bool, why: str
) -> Change:
    """A minOccurs/maxOccurs/nillable change: breaking by ``_rule`` (requests break when ``breaks_requests``,
    responses when not), explained by ``why``, or as more lenient where it does not break."""
    old, new = (str(v) for v in values)
    breaking = _rule(a, breaks_requests, not breaks_requests)
    return Change(
        kind, path, f"{label} {old} → {new}", breaking, why if breaking else "more lenient for " + _sides(a), old, new
    )


def _builtin_or_anonymous(*names: str | None) -> bool:
    """A builtin or anonymous type on either side: its value-space change says all there is to say."""
    return any(name is None or name.startswith("xs:") for name in names)


def _bound(value: int | None) -> float:
    return float("inf") if value is None else float(value)


def _max_text(value: int | None) -> str:
    return "unbounded" if value is None else str(value)


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
