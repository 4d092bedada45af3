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
  breaking when either the removal or the addition would be."""

from __future__ import annotations

from .change import Change, _rule
from .model import REQUEST, RESPONSE, Binding, ContractModel, Node
from .value_rules import _compare_value_space

_ACTION_ORIGINS = {"soapAction": "no wsam:Action: the soapAction", "default": "no wsam:Action: the default pattern"}


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
