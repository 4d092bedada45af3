"""The contract model's records: a flattened element or attribute (``Node``), its simple type (``SimpleType``) and
the number behind an enumeration name (``EnumNumber``), with the helpers that read them from XSD."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

SERIALIZATION_NS = "http://schemas.microsoft.com/2003/10/Serialization/"


_INTEGER = re.compile(r"[+-]?[0-9]+")  # an xs:long lexical form, as XmlConvert.ToInt64 reads it (after trimming)


FACETS = (
    "length",
    "minLength",
    "maxLength",
    "minInclusive",
    "maxInclusive",
    "minExclusive",
    "maxExclusive",
    "totalDigits",
    "fractionDigits",
    "whiteSpace",
)


@dataclass(frozen=True)
class EnumNumber:
    """The number behind an enumeration name: an explicit ``EnumerationValue`` (kept verbatim when it is not an
    integer) or the implicit default, the member's position."""

    value: int | str
    explicit: bool

    def describe(self) -> str:
        return str(self.value) if self.explicit else f"{self.value} (implicit)"


@dataclass(frozen=True)
class SimpleType:
    """A value space: the XSD builtin it derives from, plus enumeration values and other facets.

    ``numbers`` runs parallel to ``enumerations``: the data-contract number of each name (see the module text)."""

    builtin: str  # "xs:int", "xs:string"; "list" / "union" for those varieties
    enumerations: tuple[str, ...] = ()
    facets: tuple[tuple[str, str], ...] = ()
    numbers: tuple[EnumNumber, ...] = ()

    def number(self, name: str) -> EnumNumber | None:
        """The number behind the enumeration value ``name`` (its first occurrence); None when not modelled."""
        for value, number in zip(self.enumerations, self.numbers, strict=False):
            if value == name:
                return number
        return None

    def describe(self) -> str:
        extra = [f"{k}={v}" for k, v in self.facets]
        if self.enumerations:
            extra.append("enumeration " + "|".join(self.enumerations))
        return self.builtin + (f" ({', '.join(extra)})" if extra else "")


@dataclass(frozen=True)
class Node:
    path: str
    kind: str  # element | attribute | any
    name: str
    namespace: str | None
    parent: str | None
    position: int  # among the parent's element children (attributes: -1)
    directions: frozenset[str]  # {"request"}, {"response"} or both
    type_name: str | None = None  # the declared type for display ("xs:int", "tns:SoTimeZone"); None: anonymous
    simple: SimpleType | None = None  # value space of simple content; None for element-only content
    min_occurs: int = 1
    max_occurs: int | None = 1  # None: unbounded
    nillable: bool = False
    recursive: bool = False

    @property
    def signature(self) -> tuple[Any, ...]:
        """What must match for a removal + an addition to count as a probable rename."""
        return (self.kind, self.type_name, self.simple)

    def describe(self) -> str:
        bits = [self.type_name or (self.simple.describe() if self.simple else "anonymous complex type")]
        if self.kind == "any":
            bits = ["any element"]
        if self.min_occurs != 1:
            bits.append(f"minOccurs={self.min_occurs}")
        if self.max_occurs != 1:
            bits.append(f"maxOccurs={'unbounded' if self.max_occurs is None else self.max_occurs}")
        if self.nillable:
            bits.append("nillable")
        return ", ".join(bits)


def _restrict(base: SimpleType, restriction: etree._Element) -> SimpleType:
    """``base`` narrowed by the facets of ``restriction`` (its own enumeration, with its numbers, replaces the
    base's)."""
    facets_of_enumeration = [c for c in restriction if local_name(c) == "enumeration"]
    enumerations = tuple(c.get("value") or "" for c in facets_of_enumeration)
    numbers = tuple(_enum_number(c, position) for position, c in enumerate(facets_of_enumeration))
    facets = dict(base.facets)
    facets.update({local_name(c): c.get("value") or "" for c in restriction if local_name(c) in FACETS})
    patterns = [c.get("value") or "" for c in restriction if local_name(c) == "pattern"]
    if patterns:  # patterns of one step are alternatives; a derived type's patterns add to its base's
        own = " | ".join(patterns)
        facets["pattern"] = f"{facets['pattern']} & {own}" if "pattern" in facets else own
    return SimpleType(
        base.builtin,
        enumerations or base.enumerations,
        tuple(sorted(facets.items())),
        numbers if enumerations else base.numbers,
    )


def _enum_number(facet: etree._Element, position: int) -> EnumNumber:
    """The data-contract number of one enumeration facet: its ``EnumerationValue`` appinfo, else ``position``
    (the importer's default for a non-flags enumeration)."""
    text = _enumeration_value(facet)
    if text is None:
        return EnumNumber(position, explicit=False)
    text = text.strip()
    return EnumNumber(int(text) if _INTEGER.fullmatch(text) else text, explicit=True)


def _enumeration_value(facet: etree._Element) -> str | None:
    """The text of the facet's ``EnumerationValue`` annotation, read like the .NET importer: only when the first
    item (``xs:appinfo`` or ``xs:documentation``) of its ``xs:annotation`` is an ``xs:appinfo``, the first
    ``EnumerationValue`` element in the Serialization namespace among that appinfo's children."""
    annotation = facet.find(f"{{{XSD_NS}}}annotation")
    if annotation is None:
        return None
    items = [c for c in annotation if local_name(c) in ("appinfo", "documentation") and _ns_of_element(c) == XSD_NS]
    if not items or local_name(items[0]) != "appinfo":
        return None
    found = items[0].find(f"{{{SERIALIZATION_NS}}}EnumerationValue")
    return None if found is None else "".join(found.itertext())


XSD_NS = "http://www.w3.org/2001/XMLSchema"


def _ns_of_element(element: etree._Element) -> str:
    return (etree.QName(element).namespace or "") if isinstance(element.tag, str) else ""


def resolve_qname(context: etree._Element, value: str | None) -> str | None:
    """``prefix:local`` resolved with ``context``'s in-scope namespaces, in Clark notation."""
    if not value:
        return None
    prefix, _, local = value.rpartition(":")
    namespace = context.nsmap.get(prefix or None)
    if prefix and namespace is None:
        return f"{{urn:unbound-prefix:{prefix}}}{local}"
    return f"{{{namespace or ''}}}{local}"


def _ns_of(clark: str | None) -> str:
    return (etree.QName(clark).namespace or "") if clark else ""


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""
