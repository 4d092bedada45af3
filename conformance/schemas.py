"""The XSDs in ``schemas/``, compiled once per process and never fetched from the network.

lxml is the fast gate (microseconds per document); xmlschema explains a failure with the path, the
offending value and what was allowed, and is only consulted when the gate says no.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from .contract import SoapVersion

if TYPE_CHECKING:  # imported on the first schema failure only (~0.1 s of start-up otherwise)
    import xmlschema

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
CONTRACT_XSD = "services82-appointment.xsd"
WSDL_FILE = "Services82-Appointment.wsdl"


def schema_path(name: str) -> Path:
    """Path of a file in ``schemas/`` (shipped with the package in wheels, beside it in a checkout)."""
    for base in (SCHEMA_DIR, Path(__file__).resolve().parent / "schemas"):
        if (base / name).is_file():
            return base / name
    raise FileNotFoundError(f"schema file {name!r} not found in {SCHEMA_DIR}")


class _NoNetworkResolver(etree.Resolver):
    """Refuses anything that is not a local file, so a schema import can never reach the network."""

    def resolve(self, url, pubid, context):  # noqa: ANN001 - lxml's signature
        if url and "://" in url and not url.startswith("file:"):
            raise etree.XMLSchemaParseError(f"refusing to fetch {url}: schemas are local only")
        return None


@dataclass(frozen=True)
class SchemaError:
    """One validation error: what was wrong and where (an XPath-like path, or line:column)."""

    message: str
    path: str

    def __str__(self) -> str:
        return f"{self.message} (at {self.path})"


class Schema:
    """A schema set compiled for both engines; ``errors()`` is cheap when the document is valid."""

    def __init__(self, filename: str) -> None:
        path = schema_path(filename)
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        parser.resolvers.add(_NoNetworkResolver())
        self.lxml = etree.XMLSchema(etree.parse(str(path), parser))
        self._path = path
        self._detailed: xmlschema.XMLSchema10 | None = None

    @property
    def detailed(self) -> xmlschema.XMLSchema10:
        if self._detailed is None:  # built on first failure only: ~0.2 s
            import xmlschema

            self._detailed = xmlschema.XMLSchema10(str(self._path), allow="local")
        return self._detailed

    def errors(self, element: etree._Element) -> list[SchemaError]:
        """Every error in ``element`` (validated as a document root), with paths; [] when valid."""
        tree = _as_tree(element)
        if self.lxml.validate(tree):
            return []
        found = [SchemaError(_describe(err), err.path or _line_path(tree)) for err in self.detailed.iter_errors(tree)]
        if not found:  # the engines disagree: report lxml's view rather than nothing
            found = [SchemaError(_one_line(e.message), f"line {e.line}:{e.column}") for e in self.lxml.error_log]
        return found


def _as_tree(element: etree._Element) -> etree._ElementTree:
    if element.getparent() is None:
        return element.getroottree()
    return etree.ElementTree(_detached_copy(element))


def _detached_copy(element: etree._Element) -> etree._Element:
    """A copy of a nested element as a root, keeping the in-scope namespaces QName values need."""
    copy = etree.fromstring(etree.tostring(element))
    return copy


def _describe(err: xmlschema.XMLSchemaValidationError) -> str:
    """The reason, plus the offending value when it is a value rather than an element."""
    reason = _one_line(err.reason or err.message)
    if reason.startswith("invalid literal for int()"):  # Python's words, not the contract's
        reason = f"{err.obj!r} is not an integer (xs:int)"
    elif reason.startswith("value must be -2^31"):
        reason = f"{err.obj!r} is outside the xs:int range -2147483648..2147483647"
    if isinstance(err.obj, (str, int, float, bool)) and repr(err.obj) not in reason and str(err.obj) not in reason:
        return f"{reason}; got {err.obj!r}"
    return reason


def _line_path(tree: etree._ElementTree) -> str:
    return f"/{tree.getroot().tag}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


@functools.cache
def envelope_schema(version: SoapVersion) -> Schema:
    """The envelope schema of ``version`` together with the Services82 declarations."""
    return Schema(f"soap{version.name.replace('.', '')}-reject.xsd")


@functools.cache
def contract_schema() -> Schema:
    """The Services82 Appointment declarations alone (for validating one body or header element)."""
    return Schema(CONTRACT_XSD)
