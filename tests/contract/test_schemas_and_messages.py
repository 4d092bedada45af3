"""The schemas validate the corrected fixtures, reject the documented request for the stated reason, and never
fetch anything; built requests validate in both SOAP versions; responses are parsed safely."""

from __future__ import annotations

import pytest

from conformance.contract.documentation import DOC_CHECKS
from conformance.contract.messages import NIL, Credentials, RejectCall, drop_indentation, reject_envelope, serialize
from conformance.contract.parsing import NotXml, parse_xml
from conformance.contract.schemas import Schema, contract_schema, envelope_schema
from conformance.contract.soap import SOAP11, SOAP12, UPDATE_MODES
from conformance.generation.cases import FIXTURES, load_fixture, retarget


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_corrected_fixtures_validate_in_both_versions(name, version):
    assert envelope_schema(version).errors(retarget(load_fixture(name), version)) == []


def test_documented_request_is_rejected_because_headers_sit_outside_soap_header():
    errors = envelope_schema(SOAP12).errors(load_fixture("documented-request.xml"))
    assert errors and "ApplicationToken" in errors[0].message
    assert errors[0].path == "/SOAP-ENV:Envelope/Appointment:ApplicationToken"  # the element, directly under Envelope


def test_documented_response_is_valid_once_its_indentation_is_treated_as_insignificant():
    documented = load_fixture("documented-response.xml")
    assert "content is empty" in envelope_schema(SOAP12).errors(documented)[0].message  # strict XSD reading
    assert envelope_schema(SOAP12).errors(drop_indentation(documented)) == []


def test_every_documentation_contradiction_is_reported():
    findings = {d.id: d.evaluate() for d in DOC_CHECKS}
    assert all(findings.values()), findings
    assert "Returns: Updated AppointmentEntity" in findings["returns-entity-vs-empty-response"]


@pytest.mark.parametrize("mode", UPDATE_MODES)
def test_built_requests_validate(version, mode):
    env = reject_envelope(RejectCall(2147483647, "a & b\r\n<c> \U0001f4c5", mode), version, Credentials("t", "a"))
    assert envelope_schema(version).errors(env) == []
    headers = env[0]
    assert [c.tag.split("}")[1] for c in headers] == ["ApplicationToken", "Credentials"]


def test_carriage_return_survives_the_round_trip():
    env = reject_envelope(RejectCall(1, "a\rb", "OnlyThis"), SOAP11, Credentials())
    parsed = parse_xml(serialize(env))
    assert parsed.findtext(".//{*}RejectReason") == "a\rb"


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (RejectCall("x", "", "OnlyThis"), "'x'"),
        (RejectCall(2**31, "", "OnlyThis"), "outside the xs:int range"),
        (RejectCall(1, "", "Never"), "Unknown"),
        (RejectCall(NIL, "", "OnlyThis"), ""),
    ],
)
def test_invalid_values_fail_with_a_path(call, words):
    env = reject_envelope(call, SOAP11, Credentials())
    errors = envelope_schema(SOAP11).errors(env)
    assert errors and errors[0].path.startswith("/soap:Envelope/soap:Body/so:Reject/")
    assert words in errors[0].message


def test_rejectresponse_must_be_empty():
    from lxml import etree

    ok = etree.fromstring('<RejectResponse xmlns="http://www.superoffice.net/ws/crm/NetServer/Services82"/>')
    bad = etree.fromstring(
        '<RejectResponse xmlns="http://www.superoffice.net/ws/crm/NetServer/Services82"><Response/></RejectResponse>'
    )
    assert contract_schema().errors(ok) == [] and contract_schema().errors(bad)


def test_schemas_are_compiled_once():
    assert envelope_schema(SOAP11) is envelope_schema(SOAP11)
    assert envelope_schema(SOAP12) is not envelope_schema(SOAP11)


def test_a_schema_that_imports_from_the_network_is_refused(tmp_path, monkeypatch):
    xsd = tmp_path / "remote.xsd"
    xsd.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:import namespace="urn:x" schemaLocation="http://example.invalid/x.xsd"/></xs:schema>'
    )
    monkeypatch.setattr("conformance.contract.schemas.SCHEMA_DIR", tmp_path)
    with pytest.raises(Exception, match=r"refusing to fetch|Failed to parse the XML resource"):
        Schema("remote.xsd")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty body"),
        (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>', "DTD"),
        (b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', "DTD"),
        (b"<r><unclosed></r>", "not well-formed"),
        (b'<?xml version="1.0" encoding="utf-8"?><r>\xff\xfe</r>', "not well-formed"),
        (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>", "502 Bad Gateway"),
    ],
)
def test_hostile_or_broken_bodies_become_one_line_findings(body, words):
    result = parse_xml(body)
    assert isinstance(result, NotXml) and words in str(result) and "\n" not in str(result)


def test_size_cap():
    result = parse_xml(b"<r>" + b"a" * 2000 + b"</r>", max_bytes=1000)
    assert isinstance(result, NotXml) and "cap" in result.reason
