"""Collecting a contract's documents: a WSDL and every WSDL or schema it imports or includes.

Shipped: read from ``schemas/`` (nothing outside it). Live: fetched with the suite's ``Transport`` (size cap,
timeout, TLS settings, no redirects) and parsed with the safe parser (no DTD, no entities, no network), from the
endpoint's own host only. A location naming another host is fetched from the endpoint's host at the same path
and query, never from the other host: WCF writes its machine name into metadata behind a load balancer, so
``http://web01/…svc?xsd=xsd0`` means "this service's ?xsd=xsd0". At most ``MAX_DOCUMENTS`` documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

from lxml import etree

from ..contract.extract import APPOINTMENT, Contract
from ..contract.parsing import NotXml, html_title, looks_like_html, parse_xml
from ..contract.schemas import schema_path
from ..errors import ContractUnavailable
from ..transport.http import Transport

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
MAX_DOCUMENTS = 32

Loader = Callable[[str], bytes]


@dataclass
class Documents:
    """The parsed documents of one contract: WSDL definitions and XSD schemas (embedded ones included)."""

    source: str
    wsdl: list[etree._Element] = field(default_factory=list)
    schemas: list[etree._Element] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)  # every document read, in order
    notes: list[str] = field(default_factory=list)


def collect(start: str, load: Loader, *, max_bytes: int | None = None) -> Documents:
    """Every document reachable from the WSDL at ``start`` through ``wsdl:import`` and ``xs:import|include``."""
    docs = Documents(source=start)
    queue: list[tuple[str, str]] = [(start, "wsdl")]
    seen: set[str] = set()
    while queue:
        location, kind = queue.pop(0)
        if location in seen:
            continue
        if len(seen) >= MAX_DOCUMENTS:
            raise ContractUnavailable(f"more than {MAX_DOCUMENTS} imported documents from {start}; refusing to go on")
        seen.add(location)
        root = _parse(load(location), location, max_bytes)
        docs.locations.append(location)
        if kind == "wsdl":
            if root.tag != f"{{{WSDL_NS}}}definitions":
                raise ContractUnavailable(f"{location} is not a WSDL 1.1 document (root element {root.tag})")
            docs.wsdl.append(root)
            for imp in root.iterchildren(f"{{{WSDL_NS}}}import"):
                if imp.get("location"):
                    queue.append((urljoin(location, imp.get("location")), "wsdl"))
            for schema in root.iterfind(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema"):
                docs.schemas.append(schema)
                queue += [(urljoin(location, loc), "xsd") for loc in _schema_locations(schema)]
        else:
            if root.tag != f"{{{XSD_NS}}}schema":
                raise ContractUnavailable(f"{location} is not an XML Schema document (root element {root.tag})")
            docs.schemas.append(root)
            queue += [(urljoin(location, loc), "xsd") for loc in _schema_locations(root)]
    return docs


def _schema_locations(schema: etree._Element) -> list[str]:
    refs = ("import", "include", "redefine")
    return [c.get("schemaLocation") for c in schema if _local(c) in refs and c.get("schemaLocation")]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _parse(body: bytes, location: str, max_bytes: int | None) -> etree._Element:
    if looks_like_html(body):
        raise ContractUnavailable(
            f"{location}: an HTML page where a WSDL or schema was expected ({html_title(body)!r}; WCF answers "
            "with one when metadata publishing is disabled)"
        )
    parsed = parse_xml(body, max_bytes=max_bytes) if max_bytes else parse_xml(body)
    if isinstance(parsed, NotXml):
        raise ContractUnavailable(f"{location}: {parsed}")
    return parsed


def load_shipped(contract: Contract = APPOINTMENT) -> Documents:
    """The contract of ``contract``'s service shipped in ``schemas/``."""
    wsdl = schema_path(contract.wsdl)
    base = wsdl.parent.resolve()

    def load(location: str) -> bytes:
        path = Path(urlsplit(location).path).resolve()
        if urlsplit(location).scheme != "file" or not path.is_relative_to(base) or not path.is_file():
            raise ContractUnavailable(f"the shipped contract refers to {location}, outside {base}")
        return path.read_bytes()

    docs = collect(wsdl.as_uri(), load)
    docs.source = f"shipped contract ({contract.wsdl})"
    return docs


def wsdl_url(endpoint: str) -> str:
    """``<endpoint>?wsdl`` (the query of ``endpoint``, if any, replaced)."""
    parts = urlsplit(endpoint)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "wsdl", ""))


def fetch_live(endpoint: str, transport: Transport) -> Documents:
    """The live contract of ``endpoint``: ``?wsdl`` and everything it imports, from the endpoint's host only."""
    home = urlsplit(endpoint)
    notes: list[str] = []

    def load(location: str) -> bytes:
        url = _on_home_host(location, home, notes)
        exchange = transport.get(url)
        if exchange.error is not None:
            raise ContractUnavailable(f"GET {url}: {exchange.error}")
        response = exchange.response
        assert response is not None  # no error means a response
        if response.status != 200:
            hint = " (is metadata publishing enabled? WCF: serviceMetadata httpGetEnabled)" if location == start else ""
            raise ContractUnavailable(f"GET {url} answered HTTP {response.status} {response.reason}{hint}")
        return response.body

    start = wsdl_url(endpoint)
    docs = collect(start, load, max_bytes=transport.options.max_bytes)
    docs.notes += notes
    return docs


def _on_home_host(location: str, home: SplitResult, notes: list[str]) -> str:
    parts = urlsplit(location)
    if parts.scheme not in ("http", "https"):
        raise ContractUnavailable(f"refusing to read {location}: only http(s) documents on the endpoint's host")
    if (parts.scheme, parts.netloc.lower()) == (home.scheme, home.netloc.lower()):
        return location
    url = urlunsplit((home.scheme, home.netloc, parts.path, parts.query, ""))
    notes.append(f"{location} names another host; read from the endpoint's host instead: {url}")
    return url
