"""A normalised model of the Reject contract, built from WSDL + XSD documents, for comparing two versions.

The WSDL side: the target namespace, the operation's body and header parts (the roots), the SOAP bindings
(1.1 or 1.2 by the binding element's namespace; style, use, soapAction, transport) and the effective
WS-Addressing actions of the input and output (``effective_action``). The XSD side: everything reachable
from the roots, flattened into ``Node`` records by path (``xsd_walk.py``): ``Reject/UpdateMode``,
``RejectResponse``, ``Header/Credentials/Ticket``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from .types import Node, SimpleType, local_name, resolve_qname
from .wsdl import WSDL_NS, Documents
from .xsd_walk import Flattener

__all__ = ["Binding", "ContractModel", "Node", "SimpleType", "build_model", "default_action"]

OPERATION = "Reject"
SOAP_BINDING_NS = {"http://schemas.xmlsoap.org/wsdl/soap/": "1.1", "http://schemas.xmlsoap.org/wsdl/soap12/": "1.2"}
WSAW_NS = (
    "http://www.w3.org/2006/05/addressing/wsdl",
    "http://www.w3.org/2007/05/addressing/metadata",
    "http://www.w3.org/2006/02/addressing/wsdl",
)
REQUEST, RESPONSE = "request", "response"
ActionOrigin = Literal["explicit", "soapAction", "default"]


@dataclass(frozen=True)
class Binding:
    version: str  # "1.1" | "1.2", from the binding element's namespace
    name: str
    transport: str | None
    style: str
    soap_action: str | None
    input_use: str | None
    output_use: str | None


@dataclass
class ContractModel:
    source: str
    target_namespace: str | None
    schema_namespace: str | None  # the namespace of the request body element
    nodes: dict[str, Node] = field(default_factory=dict)
    bindings: dict[str, Binding] = field(default_factory=dict)
    actions: dict[str, str] = field(default_factory=dict)  # "input" / "output" → effective WS-Addressing action
    action_origins: dict[str, ActionOrigin] = field(default_factory=dict)  # how each action was obtained
    operation_found: bool = True
    problems: list[str] = field(default_factory=list)


def build_model(docs: Documents, operation: str = OPERATION) -> ContractModel:
    """The normalised model of ``operation`` in ``docs``."""
    wsdl = _WsdlIndex(docs.wsdl)
    model = ContractModel(docs.source, wsdl.target_namespace, None)
    roots = wsdl.roots(operation, model)
    body = next((qn for path, (qn, dirs) in roots.items() if REQUEST in dirs and not path.startswith("Header/")), None)
    model.schema_namespace = etree.QName(body).namespace if body else None
    flattener = Flattener(docs.schemas, own=(model.schema_namespace, model.target_namespace))
    for path, (element, directions) in roots.items():
        flattener.root(path, element, frozenset(directions))
    model.nodes = flattener.nodes
    model.problems += flattener.problems
    return model


# --- WSDL -------------------------------------------------------------------------------------------


class _WsdlIndex:
    def __init__(self, definitions: list[etree._Element]) -> None:
        self.target_namespace = definitions[0].get("targetNamespace") if definitions else None
        self.messages: dict[str, etree._Element] = {}
        self.port_types: dict[str, etree._Element] = {}
        self.bindings: list[etree._Element] = []
        self.bound_by_service: set[str] = set()
        for root in definitions:
            tns = root.get("targetNamespace")
            for msg in root.iterchildren(f"{{{WSDL_NS}}}message"):
                self.messages[f"{{{tns}}}{msg.get('name')}"] = msg
            for port_type in root.iterchildren(f"{{{WSDL_NS}}}portType"):
                self.port_types[f"{{{tns}}}{port_type.get('name')}"] = port_type
            self.bindings += [b for b in root.iterchildren(f"{{{WSDL_NS}}}binding")]
            for port in root.iterfind(f"{{{WSDL_NS}}}service/{{{WSDL_NS}}}port"):
                self.bound_by_service.add(resolve_qname(port, port.get("binding")) or "")

    def roots(self, operation: str, model: ContractModel) -> dict[str, tuple[str, set[str]]]:
        """Root paths → (element QName, directions): body parts of the operation, then its header parts."""
        roots: dict[str, tuple[str, set[str]]] = {}
        port_type_name, op = self._operation(operation)
        if op is None:
            model.operation_found = False
            model.problems.append(f"no portType declares an operation {operation!r}")
            return roots
        for io, direction in (("input", REQUEST), ("output", RESPONSE)):
            child = op.find(f"{{{WSDL_NS}}}{io}")
            if child is None:
                continue
            for element in self._part_elements(child, child.get("message"), None, model):
                _add_root(roots, etree.QName(element).localname, element, direction)
        # a binding that a service port uses wins over another of the same SOAP version
        ranked = sorted(self.bindings, key=lambda b: self._qualified(b) not in self.bound_by_service)
        for binding in ranked:
            if resolve_qname(binding, binding.get("type")) == port_type_name:
                self._binding(binding, operation, roots, model)
        assert port_type_name is not None  # found together with the operation
        _actions(etree.QName(port_type_name), op, model)
        return roots

    @staticmethod
    def _qualified(binding: etree._Element) -> str:
        return f"{{{binding.getroottree().getroot().get('targetNamespace')}}}{binding.get('name')}"

    def _operation(self, operation: str) -> tuple[str | None, etree._Element | None]:
        for name, port_type in self.port_types.items():
            for op in port_type.iterchildren(f"{{{WSDL_NS}}}operation"):
                if op.get("name") == operation:
                    return name, op
        return None, None

    def _part_elements(
        self, context: etree._Element, message: str | None, part: str | None, model: ContractModel
    ) -> list[str]:
        msg = self.messages.get(resolve_qname(context, message) or "")
        if msg is None:
            model.problems.append(f"message {message!r} is not declared")
            return []
        found = []
        for p in msg.iterchildren(f"{{{WSDL_NS}}}part"):
            if part is not None and p.get("name") != part:
                continue
            if p.get("element"):
                found.append(resolve_qname(p, p.get("element")) or "")
            else:
                model.problems.append(f"message part {p.get('name')!r} uses type= (rpc style), not element=")
        return found

    def _binding(
        self, binding: etree._Element, operation: str, roots: dict[str, tuple[str, set[str]]], model: ContractModel
    ) -> None:
        soap = next((c for c in binding if _ns(c) in SOAP_BINDING_NS and local_name(c) == "binding"), None)
        if soap is None:
            return  # an HTTP or other non-SOAP binding
        version = SOAP_BINDING_NS[_ns(soap)]
        op = next((o for o in binding.iterchildren(f"{{{WSDL_NS}}}operation") if o.get("name") == operation), None)
        if op is None:
            model.problems.append(f"binding {binding.get('name')!r} does not bind {operation!r}")
            return
        soap_op = next((c for c in op if _ns(c) in SOAP_BINDING_NS and local_name(c) == "operation"), None)
        uses: dict[str, str | None] = {}
        for io, direction in (("input", REQUEST), ("output", RESPONSE)):
            child = op.find(f"{{{WSDL_NS}}}{io}")
            if child is None:
                continue
            body = next((c for c in child if _ns(c) in SOAP_BINDING_NS and local_name(c) == "body"), None)
            uses[io] = body.get("use") if body is not None else None
            for header in (c for c in child if _ns(c) in SOAP_BINDING_NS and local_name(c) == "header"):
                for element in self._part_elements(header, header.get("message"), header.get("part"), model):
                    _add_root(roots, "Header/" + etree.QName(element).localname, element, direction)
        found = Binding(
            version=version,
            name=binding.get("name") or "",
            transport=soap.get("transport"),
            style=(soap_op.get("style") if soap_op is not None else None) or soap.get("style") or "document",
            soap_action=soap_op.get("soapAction") if soap_op is not None else None,
            input_use=uses.get("input"),
            output_use=uses.get("output"),
        )
        model.bindings.setdefault(version, found)


# --- WS-Addressing actions ------------------------------------------------------------------------------


def _actions(port_type: etree.QName, op: etree._Element, model: ContractModel) -> None:
    """The effective action of the operation's input and output into ``model.actions`` (see ``effective_action``);
    the soapAction is the one of the SOAP 1.1 binding, else the SOAP 1.2 one (the binding the suite calls)."""
    bound = [model.bindings[v] for v in ("1.1", "1.2") if v in model.bindings]
    soap_action = next((b.soap_action for b in bound if b.soap_action), None)
    for io in ("input", "output"):
        child = op.find(f"{{{WSDL_NS}}}{io}")
        if child is None:
            continue
        value, origin = effective_action(port_type, op, child, soap_action if io == "input" else None)
        model.actions[io] = value
        model.action_origins[io] = origin


def effective_action(
    port_type: etree.QName, op: etree._Element, message: etree._Element, soap_action: str | None
) -> tuple[str, ActionOrigin]:
    """The [action] of a portType operation's ``message`` (its wsdl:input or wsdl:output), WS-Addressing 1.0
    Metadata §4.4: an explicit ``wsam:Action`` (or the older ``wsaw:Action``); else, for an input only, a
    non-empty ``soap_action`` of its binding (§4.4.1: "In the absence of a wsam:Action attribute on a WSDL
    input element where a non-empty SOAPAction value is specified, the value of the [action] property for the
    input message is the value of the SOAPAction specified"); else the default action pattern (§4.4.4)."""
    explicit = next((message.get(f"{{{ns}}}Action") for ns in WSAW_NS if message.get(f"{{{ns}}}Action")), None)
    if explicit:
        return explicit, "explicit"
    if soap_action:
        return soap_action, "soapAction"
    name = message.get("name") or _default_message_name(op, local_name(message))
    return default_action(port_type.namespace or "", port_type.localname, name), "default"


def default_action(target_namespace: str, port_type: str, message_name: str) -> str:
    """WS-Addressing 1.0 Metadata §4.4.4, the default action pattern for WSDL 1.1:
    ``[target namespace][delimiter][port type name][delimiter][input|output name]``, where the delimiter "is ':'
    when the [target namespace] is a URN, otherwise '/'"; a target namespace already ending in the delimiter does
    not get a second one (as Axis2's WSDL11DefaultActionPatternHelper builds it)."""
    delimiter = ":" if target_namespace.lower().startswith("urn:") else "/"
    head = target_namespace if target_namespace.endswith(delimiter) else target_namespace + delimiter
    return f"{head}{port_type}{delimiter}{message_name}"


def _default_message_name(op: etree._Element, io: str) -> str:
    """The name of an unnamed wsdl:input/wsdl:output, WSDL 1.1 §2.4.5: request-response (input first): the
    operation name + "Request" / "Response"; solicit-response (output first): + "Response" for the input,
    + "Solicit" for the output; one-way and notification: the operation name."""
    name = op.get("name") or ""
    order = [local_name(c) for c in op if local_name(c) in ("input", "output") and _ns(c) == WSDL_NS]
    if order == ["input", "output"]:
        return name + ("Request" if io == "input" else "Response")
    if order == ["output", "input"]:
        return name + ("Response" if io == "input" else "Solicit")
    return name


def _add_root(roots: dict[str, tuple[str, set[str]]], path: str, element: str, direction: str) -> None:
    previous = roots.get(path)
    if previous is None:
        roots[path] = (element, {direction})
    else:
        previous[1].add(direction)


def _ns(element: etree._Element) -> str:
    return (etree.QName(element).namespace or "") if isinstance(element.tag, str) else ""
