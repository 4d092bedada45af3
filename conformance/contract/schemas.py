"""The XSDs in ``schemas/``, compiled once per process and never fetched from the network.

lxml is the fast gate (microseconds per document); xmlschema explains a failure with the path, the
offending value and what was allowed, and is only consulted when the gate says no.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from .soap import SoapVersion

if TYPE_CHECKING:  # imported on the first schema failure only (~0.1 s of start-up otherwise)
    import xmlschema

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
MAX_EXPLAINED = 10  # errors xmlschema explains per document
# xmlschema checks all of an element's attributes before it yields the first error, at a cost that grows with the
# square of their number (2,000 attributes: 25 s): above these counts lxml's own one-line messages are reported
EXPLAIN_MAX_ATTRIBUTES = 64
EXPLAIN_MAX_ELEMENTS = 2_000
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
class SchemaViolation:
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
        # lxml keeps one error log per validator: a validation and the reading of its log are one step, or two
        # threads (--concurrency) would read each other's errors
        self._lock = threading.Lock()
        self._detailed_lock = threading.Lock()  # apart: validations go on while xmlschema builds (~0.5 s)

    @property
    def detailed(self) -> xmlschema.XMLSchema10:
        with self._detailed_lock:
            if self._detailed is None:  # built on first failure only: ~0.2 s
                import xmlschema

                self._detailed = xmlschema.XMLSchema10(str(self._path), allow="local")
            return self._detailed

    def errors(self, element: etree._Element) -> list[SchemaViolation]:
        """Every error lxml finds in ``element`` (validated as a document root), with paths; [] when valid.

        The first ``MAX_EXPLAINED`` are explained by xmlschema (path, offending value, what was allowed); the rest
        keep lxml's one-line message. Bounded: lxml reports each error once, in C, and xmlschema, whose cost per
        error grows with the element's attributes, stops after a few (callers bound the document's markup)."""
        tree = _as_tree(element)
        with self._lock:
            if self.lxml.validate(tree):
                return []
            entries = [(e.path or f"line {e.line}:{e.column}", _one_line(e.message)) for e in self.lxml.error_log]
        explained: deque[SchemaViolation] = deque()
        if _cheap_to_explain(tree):
            errors = islice(self.detailed.iter_errors(tree), MAX_EXPLAINED)
            explained.extend(SchemaViolation(_describe(err), err.path or "") for err in errors)
        found = []
        for path, message in entries:  # both engines report in document order; lxml writes "*" for unprefixed steps
            if explained and _same_place(path, explained[0].path or path):
                better = explained.popleft()
                found.append(SchemaViolation(better.message, better.path or path))
            else:
                found.append(SchemaViolation(message, path))
        return found


_STEP = re.compile(r"(?:\{[^}]*\})?[^/{]+")  # a path step, Clark notation ({namespace-with-slashes}local) included


def _same_place(lxml_path: str, path: str) -> bool:
    """Whether lxml's path (``/s:Envelope/s:Body/*``) and xmlschema's (prefixes or ``{ns}local``) name one place."""
    a, b = _STEP.findall(lxml_path), _STEP.findall(path)
    return len(a) == len(b) and all(x == "*" or _local(x) == _local(y) for x, y in zip(a, b, strict=True))


def _local(step: str) -> str:
    return step.rpartition("}")[2].rpartition(":")[2].split("[")[0]


def _cheap_to_explain(tree: etree._ElementTree) -> bool:
    root = tree.getroot()
    return root.xpath("count(//@*)") <= EXPLAIN_MAX_ATTRIBUTES and root.xpath("count(//*)") <= EXPLAIN_MAX_ELEMENTS


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


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_BUILDING = threading.Lock()  # libxml2 compiles one schema at a time: two threads at once crashed the process


def _built_once(build: Callable[..., Schema]) -> Callable[..., Schema]:
    """``functools.cache`` for a schema getter, with its first build (and every look-up) under one lock: the
    first reads of a concurrent run (``--concurrency``) all ask for the schemas at the same moment."""
    cached = functools.cache(build)

    @functools.wraps(build)
    def get(*args: Any) -> Schema:
        with _BUILDING:
            return cached(*args)

    return get


@_built_once
def envelope_schema(version: SoapVersion) -> Schema:
    """The envelope schema of ``version`` together with the Services82 declarations."""
    return Schema(f"soap{version.name.replace('.', '')}-reject.xsd")


@_built_once
def principal_schema() -> Schema:
    """The SOAP 1.1 envelope with the SoPrincipal login declarations (AuthenticateUsernamePassword)."""
    return Schema("soap11-soprincipal.xsd")


@_built_once
def contract_schema() -> Schema:
    """The Services82 Appointment declarations alone (for validating one body or header element)."""
    return Schema(CONTRACT_XSD)
