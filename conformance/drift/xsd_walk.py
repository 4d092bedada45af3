"""Flattening XSD element declarations into ``Node`` records keyed by path, for comparing two contracts.

A path names an element by its local names from a root: ``Reject/UpdateMode``, ``Header/Credentials/Ticket``;
attributes end in ``@name``, wildcards in ``*[namespace]``. A node carries what a client depends on: name and
namespace, declared type, value space (builtin base, enumeration values, facets), minOccurs/maxOccurs,
nillable, its position among its siblings, and whether it travels in requests, responses or both.

Covered: global and local elements and ``ref``, named and anonymous types, sequence/choice/all (nested, and
``xs:group``), complexContent extension/restriction, simpleContent, attributes and attribute groups, ``xs:any``,
restriction chains with facets, list and union (by variety only). A recursive type is expanded once and then
marked ``recursive``. Chameleon includes (a schema without targetNamespace) are indexed without a namespace.

Enumeration numbers: the Microsoft data-contract serializer maps each enumeration name to a number, published as
an ``EnumerationValue`` appinfo (namespace ``http://schemas.microsoft.com/2003/10/Serialization/``) on the
enumeration facet when it differs from the default. The number of each name is read as the .NET schema importer
reads it (dotnet/runtime ``SchemaImporter.ImportEnum`` and ``SchemaExporter.GetDefaultEnumValue``): the text of
an ``EnumerationValue`` in the facet's annotation, considered only when the annotation's first item is an
``xs:appinfo``; otherwise the member's position among the facets (0, 1, 2…). Flags enumerations (an ``xs:list``
of an enumeration, whose implicit numbers are powers of two) are not modelled: lists are compared by variety."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from lxml import etree

from .types import XSD_NS, Node, SimpleType, _ns_of, _restrict, local_name, resolve_qname

MAX_DEPTH = 16


PARTICLES = ("sequence", "choice", "all")


ATTRIBUTES = ("attribute", "attributeGroup", "anyAttribute")


@dataclass(frozen=True)
class _Decl:
    element: etree._Element
    tns: str | None
    qualified: bool  # elementFormDefault
    attr_qualified: bool  # attributeFormDefault


@dataclass
class _Place:
    """Where particles land: the parent's path, the walk's directions, the types above, the next position."""

    parent: str
    directions: frozenset[str]
    stack: tuple[str, ...]
    next_position: int = 0
    choice: bool = False

    def take(self) -> int:
        self.next_position += 1
        return self.next_position - 1


class Flattener:
    """Walks element declarations of ``schemas`` into ``nodes``; ``own`` namespaces display as ``tns:``."""

    def __init__(self, schemas: Iterable[etree._Element], own: Iterable[str | None]) -> None:
        self.tables: dict[str, dict[str, _Decl]] = {
            k: {} for k in ("element", "complexType", "simpleType", "group", "attribute", "attributeGroup")
        }
        for schema in schemas:
            tns = schema.get("targetNamespace")
            flags = (schema.get("elementFormDefault") == "qualified", schema.get("attributeFormDefault") == "qualified")
            for child in schema:
                if local_name(child) in self.tables and child.get("name"):
                    key = f"{{{tns or ''}}}{child.get('name')}"
                    self.tables[local_name(child)].setdefault(key, _Decl(child, tns, *flags))
        self.own = {ns for ns in own if ns}
        self.nodes: dict[str, Node] = {}
        self.problems: list[str] = []

    def get(self, kind: str, name: str | None) -> _Decl | None:
        return self.tables[kind].get(name or "")

    def display(self, clark: str | None) -> str | None:
        """``xs:int`` for builtins, ``tns:X`` for the contract's own namespaces, Clark notation otherwise."""
        if clark is None:
            return None
        qn = etree.QName(clark)
        if qn.namespace == XSD_NS:
            return f"xs:{qn.localname}"
        return f"tns:{qn.localname}" if qn.namespace in self.own else clark

    # elements

    def root(self, path: str, element: str, directions: frozenset[str]) -> None:
        """The global element ``element`` (Clark notation) and everything below it, at ``path``."""
        decl = self.get("element", element)
        if decl is None:
            self.problems.append(f"element {element} is not declared in any schema")
            qn = etree.QName(element)
            self.nodes[path] = Node(path, "element", qn.localname, qn.namespace, None, 0, directions)
            return
        self._element(decl.element, decl, path, None, 0, directions, (1, 1), ())

    def _element(
        self,
        el: etree._Element,
        ctx: _Decl,
        path: str,
        parent: str | None,
        position: int,
        directions: frozenset[str],
        occurs: tuple[int, int | None],
        stack: tuple[str, ...],
    ) -> None:
        if el.get("ref"):
            ref = resolve_qname(el, el.get("ref")) or ""
            decl = self.get("element", ref)
            if decl is None:
                self.problems.append(f"element ref {el.get('ref')!r} at {path} is not declared")
            elif ref in stack:
                name, (low, high) = etree.QName(ref).localname, occurs
                node = Node(path, "element", name, decl.tns, parent, position, directions, recursive=True)
                self.nodes[path] = replace(node, min_occurs=low, max_occurs=high)
            else:
                self._element(decl.element, decl, path, parent, position, directions, occurs, (*stack, ref))
            return
        name = el.get("name") or "?"
        is_global = local_name(el.getparent()) == "schema" if el.getparent() is not None else False
        form = el.get("form")
        namespace = ctx.tns if (is_global or form == "qualified" or (form is None and ctx.qualified)) else None

        def add(**fields: Any) -> None:
            self.nodes[path] = Node(path, "element", name, namespace, parent, position, directions, **fields)

        common = {"min_occurs": occurs[0], "max_occurs": occurs[1], "nillable": el.get("nillable") in ("true", "1")}
        type_attr = resolve_qname(el, el.get("type"))
        type_name = self.display(type_attr)
        inline_simple = el.find(f"{{{XSD_NS}}}simpleType")
        if (type_attr and (_ns_of(type_attr) == XSD_NS or self.get("simpleType", type_attr))) or (
            inline_simple is not None
        ):
            simple = self._simple(inline_simple, path) if inline_simple is not None else self._named(type_attr, path)
            add(type_name=type_name, simple=simple, **common)
            return
        inline_complex = el.find(f"{{{XSD_NS}}}complexType")
        complex_decl = self.get("complexType", type_attr)
        complex_el = inline_complex if inline_complex is not None else (complex_decl.element if complex_decl else None)
        if complex_el is None:
            if type_attr:
                self.problems.append(f"type {type_name} of {path} is not declared in any schema")
            add(type_name=type_name, simple=None if type_attr else SimpleType("xs:anyType"), **common)
            return
        recursive = (type_attr is not None and type_attr in stack) or len(stack) > MAX_DEPTH
        simple = None if recursive else self._simple_content(complex_el, path)
        add(type_name=type_name, simple=simple, recursive=recursive, **common)
        if not recursive:
            place = _Place(path, directions, (*stack, type_attr or f"anonymous:{path}"))
            self._content(complex_el, complex_decl or ctx, place)

    # complex content

    def _content(self, container: etree._Element, ctx: _Decl, place: _Place) -> None:
        """Particles and attributes of a complex type (or a derivation, group or compositor inside one)."""
        for child in container:
            kind = local_name(child)
            if kind in ("complexContent", "simpleContent"):
                derivation = next((c for c in child if local_name(c) in ("extension", "restriction")), None)
                if derivation is None:
                    continue
                base = resolve_qname(derivation, derivation.get("base")) or ""
                base_decl = self.get("complexType", base)
                if kind == "complexContent" and local_name(derivation) == "extension" and base_decl is not None:
                    if base in place.stack:
                        self.problems.append(f"{place.parent}: type {self.display(base)} extends itself")
                    else:
                        place.stack = (*place.stack, base)
                        self._content(base_decl.element, base_decl, place)
                self._content(derivation, ctx, place)
            elif kind in PARTICLES:
                self._particles(child, ctx, place, choice=place.choice or kind == "choice")
            elif kind == "group" and child.get("ref"):
                group = self.get("group", resolve_qname(child, child.get("ref")))
                if group is not None:
                    self._content(group.element, group, place)
            elif kind in ATTRIBUTES:
                self._attribute(child, ctx, place)

    def _particles(self, compositor: etree._Element, ctx: _Decl, place: _Place, *, choice: bool) -> None:
        outer_min, outer_max = _min(compositor), _max(compositor)
        for child in compositor:
            kind = local_name(child)
            low = 0 if (choice or outer_min == 0) else _min(child)
            high = None if (outer_max is None or _max(child) is None) else (_max(child) or 0) * outer_max
            if kind == "element":
                name = child.get("name") or etree.QName(resolve_qname(child, child.get("ref")) or "{}?").localname
                path = f"{place.parent}/{name}"
                self._element(child, ctx, path, place.parent, place.take(), place.directions, (low, high), place.stack)
            elif kind == "any":
                ns = child.get("namespace", "##any")
                path = f"{place.parent}/*[{ns}]"
                self.nodes[path] = Node(
                    path, "any", "*", ns, place.parent, place.take(), place.directions, min_occurs=low, max_occurs=high
                )
            elif kind in PARTICLES:
                self._particles(child, ctx, place, choice=choice or kind == "choice")
            elif kind == "group" and child.get("ref"):
                group = self.get("group", resolve_qname(child, child.get("ref")))
                if group is not None:
                    saved, place.choice = place.choice, choice
                    self._content(group.element, group, place)
                    place.choice = saved

    def _attribute(self, el: etree._Element, ctx: _Decl, place: _Place) -> None:
        kind, parent = local_name(el), place.parent
        if kind == "anyAttribute":
            ns = el.get("namespace", "##any")
            path = f"{parent}/@*"
            self.nodes[path] = Node(path, "attribute", "*", ns, parent, -1, place.directions, min_occurs=0)
            return
        if kind == "attributeGroup":
            group = self.get("attributeGroup", resolve_qname(el, el.get("ref")))
            if group is None:
                self.problems.append(f"attribute group {el.get('ref')!r} at {parent} is not declared")
                return
            for child in group.element:
                if local_name(child) in ATTRIBUTES:
                    self._attribute(child, group, place)
            return
        decl, namespace = el, None
        if el.get("ref"):
            ref = resolve_qname(el, el.get("ref")) or ""
            found = self.get("attribute", ref)
            if found is None:
                self.problems.append(f"attribute ref {el.get('ref')!r} at {parent} is not declared")
                return
            decl, namespace = found.element, _ns_of(ref)
        elif el.get("form") == "qualified" or (el.get("form") is None and ctx.attr_qualified):
            namespace = ctx.tns
        name = decl.get("name") or "?"
        type_attr = resolve_qname(decl, decl.get("type"))
        inline = decl.find(f"{{{XSD_NS}}}simpleType")
        if type_attr:
            simple = self._named(type_attr, parent)
        else:
            simple = self._simple(inline, parent) if inline is not None else SimpleType("xs:anySimpleType")
        path = f"{parent}/@{name}"
        self.nodes[path] = Node(
            path,
            "attribute",
            name,
            namespace,
            parent,
            -1,
            place.directions,
            type_name=self.display(type_attr),
            simple=simple,
            min_occurs=1 if el.get("use") == "required" else 0,
        )

    # simple types

    def _simple_content(self, complex_type: etree._Element, path: str) -> SimpleType | None:
        content = complex_type.find(f"{{{XSD_NS}}}simpleContent")
        if content is None:
            return SimpleType("xs:string") if complex_type.get("mixed") in ("true", "1") else None
        derivation = next((c for c in content if local_name(c) in ("extension", "restriction")), None)
        if derivation is None:
            return None
        base = self._named(resolve_qname(derivation, derivation.get("base")), path)
        return _restrict(base, derivation) if local_name(derivation) == "restriction" else base

    def _named(self, name: str | None, path: str, depth: int = 0) -> SimpleType:
        if name and _ns_of(name) == XSD_NS:
            return SimpleType(self.display(name) or "?")
        decl = self.get("simpleType", name)
        if decl is not None and depth < MAX_DEPTH:
            return self._simple(decl.element, path, depth + 1)
        complex_decl = self.get("complexType", name)
        if complex_decl is not None and depth < MAX_DEPTH:
            return self._simple_content(complex_decl.element, path) or SimpleType("xs:anyType")
        self.problems.append(f"simple type {self.display(name)} used at {path} is not declared")
        return SimpleType(self.display(name) or "?")

    def _simple(self, simple_type: etree._Element, path: str, depth: int = 0) -> SimpleType:
        for child in simple_type:
            kind = local_name(child)
            if kind == "restriction":
                inline = child.find(f"{{{XSD_NS}}}simpleType")
                if inline is not None:
                    base = self._simple(inline, path, depth + 1)
                else:
                    base = self._named(resolve_qname(child, child.get("base")), path, depth)
                return _restrict(base, child)
            if kind in ("list", "union"):
                return SimpleType(kind)
        return SimpleType("xs:anySimpleType")


def _min(el: etree._Element) -> int:
    return int(el.get("minOccurs", "1"))


def _max(el: etree._Element) -> int | None:
    value = el.get("maxOccurs", "1")
    return None if value == "unbounded" else int(value)
