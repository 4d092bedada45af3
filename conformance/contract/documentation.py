"""Documentation findings: where SuperOffice's Reject documentation contradicts itself or the contract.

Each finding is evaluated from the shipped files (the documented page and examples verbatim, the WSDL), so if a
later documentation version fixes a contradiction, the finding disappears by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from ..generation.cases import FIXTURE_DIR, load_fixture
from .messages import element_children
from .schemas import WSDL_FILE, envelope_schema, schema_path
from .soap import SOAP12, qname, version_for_namespace

WSDL_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
WSDL_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"


@dataclass(frozen=True)
class DocCheck:
    id: str
    title: str
    evaluate: Callable[[], str | None]  # the contradiction in words, or None when the documents agree


def _headers_outside_header() -> str | None:
    documented = load_fixture("documented-request.xml")
    errors = envelope_schema(SOAP12).errors(documented)
    if not errors:
        return None
    stray = [
        etree.QName(c).localname
        for c in element_children(documented)
        if etree.QName(c).localname not in ("Header", "Body")
    ]
    return (
        f"the documented Reject request puts {', '.join(stray) or 'elements'} directly under SOAP-ENV:Envelope; "
        f"the SOAP 1.2 envelope schema allows only Header and Body there ({errors[0]}). "
        "The corrected fixture (corrected-request.xml) moves them into SOAP-ENV:Header, where the WSDL binds them"
    )


def _returns_entity() -> str | None:
    page = (FIXTURE_DIR / "documented-page.md").read_text(encoding="utf-8")
    match = re.search(r"\*\*Returns:\*\*\s*(.+)", page)
    prose = match.group(1).strip() if match else ""
    response = load_fixture("documented-response.xml")
    wrapper = response.find(f".//{qname('RejectResponse')}")
    empty = wrapper is not None and not element_children(wrapper)
    if "Entity" not in prose or not empty:
        return None
    return (
        f"the page says 'Returns: {prose}', but the example response and the WSDL declare an empty "
        "RejectResponse; the suite holds servers to the WSDL and reports a returned entity as a contract change"
    )


def _binding_vs_examples() -> str | None:
    wsdl = etree.parse(str(schema_path(WSDL_FILE))).getroot()
    binds_11 = bool(wsdl.xpath("//*[local-name()='binding' and namespace-uri()=$ns]", ns=WSDL_SOAP11))
    binds_12 = bool(wsdl.xpath("//*[local-name()='binding' and namespace-uri()=$ns]", ns=WSDL_SOAP12))
    example = version_for_namespace(etree.QName(load_fixture("documented-request.xml")).namespace)
    if example is None or (example.name == "1.1" and binds_11) or (example.name == "1.2" and binds_12):
        return None
    bound = "SOAP 1.1" if binds_11 else "SOAP 1.2"
    return (
        f"the published WSDL binds {bound} (basicHttpBinding: text/xml + SOAPAction) while the documented examples "
        f"use the {example.label} envelope; the suite defaults to the WSDL ({bound}) and runs "
        f"{example.label} with --soap-version {example.name}"
    )


DOC_CHECKS = (
    DocCheck("headers-outside-soap-header", "documented request: headers outside soap:Header", _headers_outside_header),
    DocCheck(
        "returns-entity-vs-empty-response",
        "prose 'Returns: AppointmentEntity' vs empty RejectResponse",
        _returns_entity,
    ),
    DocCheck("soap-version-binding-vs-examples", "WSDL binds SOAP 1.1, examples use SOAP 1.2", _binding_vs_examples),
)
