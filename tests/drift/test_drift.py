"""Contract drift: each kind of change between the shipped contract and a live WSDL is found and classified,
and ``conformance drift`` reads the live contract safely and reports it (terminal, drift.json, Allure, exit code)."""

from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from conformance.cli.main import main
from conformance.contract.schemas import WSDL_FILE, schema_path
from conformance.drift.compare import Change, compare
from conformance.drift.model import ContractModel, build_model, default_action, effective_action
from conformance.drift.wsdl import WSDL_NS, collect, load_shipped
from conformance.reference import ReferenceServer, ReferenceService
from conformance.reference.service import Reply

WSDL = schema_path(WSDL_FILE).read_text(encoding="utf-8")
XSD = schema_path("services82-appointment.xsd").read_text(encoding="utf-8")
SERIALIZATION_XSD = "services82-appointment-serialization.xsd"  # the serializer's duration, which Accept's entity uses
NS = "http://www.superoffice.net/ws/crm/NetServer/Services82"
SOAP12_BINDING = """
  <wsdl:binding name="WSHttpBinding_Appointment" type="tns:Appointment">
    <soap12:binding transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Reject">
      <soap12:operation soapAction="http://www.superoffice.net/ws/crm/NetServer/Services82/Appointment/Reject"
                        style="document"/>
      <wsdl:input name="RejectRequest">
        <soap12:header message="tns:RejectRequest_Headers" part="Credentials" use="literal"/>
        <soap12:body use="literal"/>
      </wsdl:input>
      <wsdl:output name="RejectResponse"><soap12:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
"""


STOP_RECURRENCE = re.search(r'<xs:enumeration value="StopRecurrence">.*?</xs:enumeration>', XSD, re.S).group(0)
SERIALIZATION_NS = "http://schemas.microsoft.com/2003/10/Serialization/"
NINE = f'<EnumerationValue xmlns="{SERIALIZATION_NS}">9</EnumerationValue>'
INPUT_ACTION = f' wsaw:Action="{NS}/Appointment/Reject"'
OUTPUT_ACTION = f' wsaw:Action="{NS}/Appointment/RejectResponse"'
SOAP_ACTION = f' soapAction="{NS}/Appointment/Reject"'


def with_number(value: str, number: int) -> tuple[str, str]:
    """The replacement giving the enumeration ``value`` (written ``<xs:enumeration value="…" />``) an explicit
    data-contract number."""
    annotation = f'<xs:annotation><xs:appinfo><EnumerationValue xmlns="{SERIALIZATION_NS}">{number}</EnumerationValue>'
    return (
        f'<xs:enumeration value="{value}" />',
        f'<xs:enumeration value="{value}">{annotation}</xs:appinfo></xs:annotation></xs:enumeration>',
    )


def restriction(base: str, facets: str) -> str:
    return f'<xs:simpleType><xs:restriction base="{base}">{facets}</xs:restriction></xs:simpleType>'


def replaced(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, f"variant does not apply: {old!r} not found"
        text = text.replace(old, new)
    return text


def model(wsdl: str = WSDL, xsd: str = XSD) -> ContractModel:
    files = {
        "http://contract.test/c.wsdl": wsdl.encode(),
        "http://contract.test/services82-appointment.xsd": xsd.encode(),
        f"http://contract.test/{SERIALIZATION_XSD}": schema_path(SERIALIZATION_XSD).read_bytes(),
    }
    return build_model(collect("http://contract.test/c.wsdl", lambda location: files[location]))


SHIPPED = build_model(load_shipped())


def drift(wsdl: str = WSDL, xsd: str = XSD, base: ContractModel = SHIPPED) -> list[Change]:
    return compare(base, model(wsdl, xsd))


def only(changes: list[Change]) -> Change:
    assert len(changes) == 1, [f"{c.path}: {c.summary}" for c in changes]
    return changes[0]


# --- the model ----------------------------------------------------------------------------------------


def test_the_shipped_contract_models_every_reachable_element_with_its_direction():
    nodes = SHIPPED.nodes
    assert nodes["Reject/UpdateMode"].simple.enumerations == ("Unknown", "OnlyThis", "ThisAndForward", "StopRecurrence")
    assert nodes["Reject/RejectReason"].nillable and nodes["Reject/RejectReason"].min_occurs == 0
    assert nodes["Header/TimeZone/SoTimeZoneId"].directions == {"request", "response"}
    assert nodes["Header/Credentials/Ticket"].directions == {"request"}
    assert nodes["Header/ExceptionInfo/InnerException"].recursive
    assert nodes["Header/ExtraInfo/ExtraInfoNameValuePair"].max_occurs is None
    assert SHIPPED.bindings["1.1"].soap_action == f"{NS}/Appointment/Reject"
    assert not SHIPPED.problems


def test_an_identical_contract_shows_no_drift():
    assert drift() == []


def test_a_wsdl_split_over_wsdl_import_as_wcf_publishes_it_is_read_whole():
    head = WSDL[: WSDL.index("<wsdl:types>")]
    imported = head + WSDL[WSDL.index("<wsdl:types>") : WSDL.index("<wsdl:binding")] + "</wsdl:definitions>"
    main_doc = head + f'<wsdl:import namespace="{NS}" location="?wsdl=wsdl0"/>' + WSDL[WSDL.index("<wsdl:binding") :]
    files = {
        "http://contract.test/c.wsdl": main_doc.encode(),
        "http://contract.test/c.wsdl?wsdl=wsdl0": imported.encode(),
        "http://contract.test/services82-appointment.xsd": XSD.encode(),
        f"http://contract.test/{SERIALIZATION_XSD}": schema_path(SERIALIZATION_XSD).read_bytes(),
    }
    docs = collect("http://contract.test/c.wsdl", lambda location: files[location])
    assert docs.locations == list(files)
    assert compare(SHIPPED, build_model(docs)) == []


# --- element changes ------------------------------------------------------------------------------------


def test_a_removed_request_element_is_breaking():
    change = only(
        drift(
            xsd=replaced(XSD, ('<xs:element minOccurs="0" name="RejectReason" nillable="true" type="xs:string" />', ""))
        )
    )
    assert (change.kind, change.path, change.breaking) == ("removed", "Reject/RejectReason", True)


def test_a_removal_and_addition_of_the_same_type_at_the_same_position_is_a_probable_rename():
    xsd = replaced(
        XSD, ('name="RejectReason" nillable="true" type="xs:string"', 'name="Reason" nillable="true" type="xs:string"')
    )
    change = only(drift(xsd=xsd))
    assert (change.kind, change.path, change.old, change.new, change.breaking) == (
        "renamed",
        "Reject/RejectReason",
        "RejectReason",
        "Reason",
        True,
    )


def test_a_new_optional_response_element_is_not_breaking_but_a_required_one_is():
    optional = replaced(
        XSD,
        ("<xs:sequence />", '<xs:sequence><xs:element name="Response" type="xs:string" minOccurs="0"/></xs:sequence>'),
    )
    required = replaced(
        XSD, ("<xs:sequence />", '<xs:sequence><xs:element name="Response" type="xs:string"/></xs:sequence>')
    )
    assert (only(drift(xsd=optional)).kind, only(drift(xsd=optional)).breaking) == ("added", False)
    assert (only(drift(xsd=required)).path, only(drift(xsd=required)).breaking) == ("RejectResponse/Response", True)


def test_a_new_required_request_element_is_breaking_and_an_optional_one_is_not():
    def with_element(min_occurs: str) -> str:
        element = f'<xs:element name="Notify" type="xs:boolean" minOccurs="{min_occurs}"/>'
        return replaced(
            XSD,
            (
                f'type="q160:RecurrenceUpdateMode" xmlns:q160="{NS}" />\n      </xs:sequence>',
                f'type="q160:RecurrenceUpdateMode" xmlns:q160="{NS}" />\n{element}</xs:sequence>',
            ),
        )

    assert only(drift(xsd=with_element("1"))).breaking
    assert not only(drift(xsd=with_element("0"))).breaking


def test_reordered_request_elements_are_breaking():
    xsd = replaced(
        XSD,
        ('<xs:element minOccurs="0" name="AppointmentId" type="xs:int" />\n', ""),
        (
            '<xs:element minOccurs="0" name="UpdateMode"',
            '<xs:element minOccurs="0" name="AppointmentId" type="xs:int" />'
            '<xs:element minOccurs="0" name="UpdateMode"',
        ),
    )
    change = only(drift(xsd=xsd))
    assert (change.kind, change.path, change.breaking) == ("order", "Reject", True)


def test_a_removed_response_header_is_breaking():
    wsdl = replaced(WSDL, ('<soap:header message="tns:RejectResponse_Headers" part="Succeeded" use="literal" />', ""))
    change = only(drift(wsdl=wsdl))
    assert (change.kind, change.path, change.breaking) == ("removed", "Header/Succeeded", True)


# --- types, occurrences, nillable ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_type", "breaking"),
    [("xs:short", True), ("xs:long", False), ("xs:string", False), ("xs:boolean", True)],
    ids=["narrowed", "widened", "to-string", "unrelated"],
)
def test_a_request_type_change_is_breaking_unless_it_widens(new_type, breaking):
    change = only(
        drift(xsd=replaced(XSD, ('name="AppointmentId" type="xs:int"', f'name="AppointmentId" type="{new_type}"')))
    )
    assert (change.kind, change.old, change.new, change.breaking) == ("value-space", "xs:int", new_type, breaking)


def test_a_response_type_change_is_breaking_when_it_widens():
    widened = replaced(
        XSD, ('<xs:element name="Succeeded" type="xs:boolean" />', '<xs:element name="Succeeded" type="xs:string" />')
    )
    narrowed = replaced(
        XSD, ('minOccurs="0" name="SoTimeZoneId" type="xs:int"', 'minOccurs="0" name="SoTimeZoneId" type="xs:short"')
    )
    message = replaced(
        XSD, ('name="Message" nillable="true" type="xs:string"', 'name="Message" nillable="true" type="xs:token"')
    )
    assert only(drift(xsd=widened)).breaking
    assert only(drift(xsd=narrowed)).breaking  # TimeZone is also sent: narrower breaks the request side
    assert not only(drift(xsd=message)).breaking  # response-only and narrower


def test_a_renamed_type_with_the_same_content_is_not_breaking():
    xsd = XSD.replace("RecurrenceUpdateMode", "UpdateModeEnum")
    change = only(drift(xsd=xsd))
    assert (change.kind, change.breaking, change.new) == ("type", False, "tns:UpdateModeEnum")


def test_occurrence_changes_are_classified_by_direction():
    request_required = replaced(
        XSD, ('minOccurs="0" name="AppointmentId" type="xs:int"', 'name="AppointmentId" type="xs:int"')
    )
    response_more = replaced(
        XSD,
        (
            '<xs:element minOccurs="0" name="Message"',
            '<xs:element minOccurs="0" maxOccurs="3" name="Message"',
        ),
    )
    both_more = replaced(
        XSD,
        (
            'minOccurs="0" name="SoTimeZoneId" type="xs:int"',
            'minOccurs="0" maxOccurs="2" name="SoTimeZoneId" type="xs:int"',
        ),
    )
    assert (only(drift(xsd=request_required)).kind, only(drift(xsd=request_required)).breaking) == ("min-occurs", True)
    assert (only(drift(xsd=response_more)).kind, only(drift(xsd=response_more)).breaking) == ("max-occurs", True)
    assert only(drift(xsd=both_more)).breaking  # TimeZone travels both ways: breaking if either side breaks


def test_nillable_changes_are_classified_by_direction():
    request_not_nillable = replaced(
        XSD,
        (
            'minOccurs="0" name="RejectReason" nillable="true" type="xs:string"',
            'minOccurs="0" name="RejectReason" type="xs:string"',
        ),
    )
    response_nillable = replaced(
        XSD,
        (
            '<xs:element name="Succeeded" type="xs:boolean" />',
            '<xs:element name="Succeeded" nillable="true" type="xs:boolean" />',
        ),
    )
    response_not_nillable = replaced(
        XSD,
        (
            '<xs:element minOccurs="0" name="Message" nillable="true" type="xs:string" />',
            '<xs:element minOccurs="0" name="Message" type="xs:string" />',
        ),
    )
    assert only(drift(xsd=request_not_nillable)).breaking
    assert only(drift(xsd=response_nillable)).breaking
    assert not only(drift(xsd=response_not_nillable)).breaking


def test_a_tightened_request_facet_is_breaking():
    xsd = replaced(
        XSD,
        (
            '<xs:element minOccurs="0" name="RejectReason" nillable="true" type="xs:string" />',
            '<xs:element minOccurs="0" name="RejectReason" nillable="true">'
            + restriction("xs:string", '<xs:maxLength value="255"/>')
            + "</xs:element>",
        ),
    )
    changes = drift(xsd=xsd)
    facet = next(c for c in changes if c.kind == "facet")
    assert facet.breaking and facet.new == "255"


# --- enumerations ------------------------------------------------------------------------------------


def test_a_new_recurrence_update_mode_is_not_breaking():
    xsd = replaced(
        XSD,
        (
            '<xs:enumeration value="StopRecurrence">',
            '<xs:enumeration value="ThisAndNext"/><xs:enumeration value="StopRecurrence">',
        ),
    )
    change = only(drift(xsd=xsd))
    assert (change.kind, change.path, change.new, change.breaking) == (
        "enumeration",
        "Reject/UpdateMode",
        "ThisAndNext",
        False,
    )


def test_a_removed_enumeration_value_the_suite_sends_is_breaking_and_says_so():
    xsd = replaced(
        XSD,
        (
            STOP_RECURRENCE,
            "",
        ),
    )
    change = only(drift(xsd=xsd))
    assert change.breaking and change.old == "StopRecurrence" and "this suite sends StopRecurrence" in change.why


def test_enumeration_changes_in_a_response_only_type_are_not_breaking():
    def severity(*values: str) -> str:
        enum = "".join(f'<xs:enumeration value="{v}"/>' for v in values)
        element = f'<xs:element name="Severity" minOccurs="0">{restriction("xs:string", enum)}</xs:element>'
        return replaced(
            XSD,
            (
                '<xs:element minOccurs="0" name="Source" nillable="true" type="xs:string" />',
                f'<xs:element minOccurs="0" name="Source" nillable="true" type="xs:string" />{element}',
            ),
        )

    base = model(xsd=severity("Error", "Warning"))
    added = only(drift(xsd=severity("Error", "Warning", "Info"), base=base))
    removed = only(drift(xsd=severity("Error"), base=base))
    assert (added.kind, added.new, added.breaking) == ("enumeration", "Info", False)
    assert (removed.kind, removed.old, removed.breaking) == ("enumeration", "Warning", False)


# --- enumeration numbers (the data-contract EnumerationValue) ---------------------------------------------


def test_the_model_holds_the_number_behind_each_enumeration_name():
    simple = SHIPPED.nodes["Reject/UpdateMode"].simple
    assert [(n.value, n.explicit) for n in simple.numbers] == [(0, False), (1, False), (2, False), (9, True)]
    assert simple.number("StopRecurrence").describe() == "9" and simple.number("OnlyThis").describe() == "1 (implicit)"


def test_a_changed_enumeration_value_is_not_breaking_for_soap_but_is_reported():
    change = only(drift(xsd=replaced(XSD, (NINE, NINE.replace(">9<", ">8<")))))
    assert (change.kind, change.path, change.old, change.new, change.breaking) == (
        "enumeration-value",
        "Reject/UpdateMode",
        "9",
        "8",
        False,
    )
    assert change.summary == (
        "enumeration value StopRecurrence: EnumerationValue 9 → 8 (SOAP sends names; numeric clients care)"
    )
    assert "REST/WebApi" in change.why


def test_an_enumeration_value_annotation_removed_or_added_is_reported_when_it_changes_the_number():
    removed = only(drift(xsd=replaced(XSD, (STOP_RECURRENCE, '<xs:enumeration value="StopRecurrence" />'))))
    added = only(drift(xsd=replaced(XSD, with_number("ThisAndForward", 5))))
    assert (removed.kind, removed.old, removed.new, removed.breaking) == (
        "enumeration-value",
        "9",
        "3 (implicit)",
        False,
    )
    assert "StopRecurrence: EnumerationValue 9 → 3 (implicit)" in removed.summary
    assert (added.kind, added.old, added.new, added.breaking) == ("enumeration-value", "2 (implicit)", "5", False)
    assert "ThisAndForward: EnumerationValue 2 (implicit) → 5" in added.summary


def test_an_enumeration_value_annotation_that_states_the_implicit_number_is_no_change():
    assert drift(xsd=replaced(XSD, with_number("ThisAndForward", 2))) == []
    assert drift(xsd=replaced(XSD, (NINE, NINE.replace(">9<", "> 9 <")))) == []  # read as xs:long, trimmed


def test_a_value_inserted_before_implicit_ones_shifts_their_numbers():
    xsd = replaced(
        XSD,
        (
            '<xs:enumeration value="ThisAndForward" />',
            '<xs:enumeration value="ThisAndNext" /><xs:enumeration value="ThisAndForward" />',
        ),
    )
    changes = drift(xsd=xsd)
    assert [(c.kind, c.old, c.new, c.breaking) for c in changes] == [
        ("enumeration", None, "ThisAndNext", False),
        ("enumeration-value", "2 (implicit)", "3 (implicit)", False),  # StopRecurrence keeps its explicit 9
    ]


def test_an_enumeration_value_is_read_only_from_an_annotation_whose_first_item_is_appinfo():
    # the .NET importer looks at annotation.Items[0] only: documentation first hides the appinfo
    xsd = replaced(
        XSD,
        (
            '<xs:enumeration value="StopRecurrence">\n        <xs:annotation>',
            '<xs:enumeration value="StopRecurrence">\n        <xs:annotation><xs:documentation>9</xs:documentation>',
        ),
    )
    change = only(drift(xsd=xsd))
    assert (change.kind, change.old, change.new) == ("enumeration-value", "9", "3 (implicit)")


# --- operation and binding ------------------------------------------------------------------------------


def test_a_changed_soap_action_is_breaking():
    wsdl = replaced(
        WSDL,
        (
            'soapAction="http://www.superoffice.net/ws/crm/NetServer/Services82/Appointment/Reject"',
            'soapAction="urn:RejectAppointment"',
        ),
    )
    change = only(drift(wsdl=wsdl))
    assert (change.kind, change.new, change.breaking) == ("soap-action", "urn:RejectAppointment", True)


def test_an_added_soap12_binding_is_not_breaking():
    assert 'xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"' in WSDL  # the published WSDL declares it
    wsdl = replaced(WSDL, ("  <wsdl:service ", SOAP12_BINDING + "  <wsdl:service "))
    change = only(drift(wsdl=wsdl))
    assert (change.kind, change.path, change.breaking) == ("binding", "binding/SOAP 1.2", False)


def test_a_binding_moved_to_the_soap12_namespace_is_breaking():
    wsdl = WSDL.replace(
        'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"', 'xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap12/"'
    )
    changes = drift(wsdl=wsdl)
    assert [(c.path, c.breaking) for c in changes] == [("binding/SOAP 1.1", True), ("binding/SOAP 1.2", False)]


def test_a_changed_style_or_use_is_breaking():
    wsdl = replaced(
        WSDL,
        ('style="document"', 'style="rpc"'),
        ('<soap:body use="literal" />\n      </wsdl:input>', '<soap:body use="encoded" />\n      </wsdl:input>'),
    )
    assert {(c.kind, c.breaking) for c in drift(wsdl=wsdl)} == {("style", True), ("use", True)}


def test_a_changed_target_namespace_is_one_breaking_change_not_one_per_element():
    changes = drift(WSDL.replace(NS, NS.replace("82", "83")), XSD.replace(NS, NS.replace("82", "83")))
    assert {c.kind for c in changes} == {"target-namespace", "namespace", "action", "soap-action"}
    assert all(c.path.startswith(("Reject", "definitions", "binding")) for c in changes)
    assert sum(1 for c in changes if c.kind == "namespace") == 1


def test_a_missing_operation_is_breaking():
    wsdl = WSDL.replace('operation name="Reject"', 'operation name="Decline"')
    changes = drift(wsdl=wsdl)
    assert changes[0].kind == "operation" and changes[0].breaking


# --- WS-Addressing actions: compared as they take effect -----------------------------------------------------


def test_absent_actions_that_take_the_shipped_values_are_no_change():
    # a WSDL without wsaw:Action (as spyne publishes it): the input takes its soapAction (Metadata §4.4.1), the
    # output the default pattern (§4.4.4), NS/Appointment/RejectResponse: both are the shipped actions
    wsdl = replaced(WSDL, (INPUT_ACTION, ""), (OUTPUT_ACTION, ""))
    live = model(wsdl=wsdl)
    assert drift(wsdl=wsdl) == []
    assert (live.actions, live.action_origins) == (SHIPPED.actions, {"input": "soapAction", "output": "default"})
    assert SHIPPED.action_origins == {"input": "explicit", "output": "explicit"}


def test_without_action_or_soap_action_the_input_takes_the_default_pattern():
    wsdl = replaced(
        WSDL, (INPUT_ACTION, ""), (SOAP_ACTION, ""), ('<wsdl:input name="RejectRequest"', '<wsdl:input name="Reject"')
    )
    change = only(drift(wsdl=wsdl))  # NS/Appointment/Reject by default: only the soapAction is gone
    assert (change.kind, change.breaking) == ("soap-action", True)
    assert model(wsdl=wsdl).action_origins["input"] == "default"


def test_a_different_effective_input_action_stays_breaking():
    wsdl = replaced(WSDL, (INPUT_ACTION, ""), (SOAP_ACTION, ""))  # the default pattern: NS/Appointment/RejectRequest
    changes = drift(wsdl=wsdl)
    action = next(c for c in changes if c.kind == "action")
    assert [(c.kind, c.breaking) for c in changes] == [("action", True), ("soap-action", True)]
    assert (action.path, action.old, action.new) == (
        "Reject/input",
        f"{NS}/Appointment/Reject",
        f"{NS}/Appointment/RejectRequest",
    )
    assert action.summary.endswith("RejectRequest (no wsam:Action: the default pattern)")


def test_an_unnamed_output_takes_the_default_name_and_a_renamed_one_changes_the_action():
    unnamed = replaced(WSDL, (f'{OUTPUT_ACTION} name="RejectResponse"', ""))
    renamed = replaced(WSDL, (f'{OUTPUT_ACTION} name="RejectResponse"', ' name="RejectReply"'))
    assert drift(wsdl=unnamed) == []  # WSDL 1.1 §2.4.5: Reject + "Response"
    change = only(drift(wsdl=renamed))
    assert (change.kind, change.path, change.new, change.breaking) == (
        "action",
        "Reject/output",
        f"{NS}/Appointment/RejectReply",
        False,
    )


@pytest.mark.parametrize(
    ("namespace", "expected"),
    [
        ("http://example.com/svc", "http://example.com/svc/Appointment/RejectRequest"),
        ("http://example.com/svc/", "http://example.com/svc/Appointment/RejectRequest"),
        ("urn:example:svc", "urn:example:svc:Appointment:RejectRequest"),
        ("URN:example:svc:", "URN:example:svc:Appointment:RejectRequest"),
    ],
    ids=["http", "trailing-slash", "urn", "urn-trailing-colon"],
)
def test_the_default_action_pattern_uses_the_urn_delimiter_and_no_doubled_delimiter(namespace, expected):
    assert default_action(namespace, "Appointment", "RejectRequest") == expected


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ("<wsdl:input/><wsdl:output/>", {"input": "RejectRequest", "output": "RejectResponse"}),
        ("<wsdl:output/><wsdl:input/>", {"input": "RejectResponse", "output": "RejectSolicit"}),
        ("<wsdl:input/>", {"input": "Reject"}),
        ("<wsdl:output/>", {"output": "Reject"}),
    ],
    ids=["request-response", "solicit-response", "one-way", "notification"],
)
def test_unnamed_messages_take_the_wsdl11_default_names(messages, expected):
    op = etree.fromstring(f'<wsdl:operation xmlns:wsdl="{WSDL_NS}" name="Reject">{messages}</wsdl:operation>')
    port_type = etree.QName(NS, "Appointment")
    found = {etree.QName(m).localname: effective_action(port_type, op, m, None) for m in op}
    assert found == {io: (f"{NS}/Appointment/{name}", "default") for io, name in expected.items()}


# --- conformance drift: live WSDL over loopback -----------------------------------------------------------


class PublishedContract(ReferenceService):
    """A reference endpoint publishing a given WSDL (its import rewritten to ``location``) and XSD."""

    def publish(self, wsdl: str = WSDL, xsd: str = XSD, *, location: str = "?xsd=xsd0") -> None:
        self.wsdl = wsdl.replace('schemaLocation="services82-appointment.xsd"', f'schemaLocation="{location}"')
        self.xsd = xsd.replace(f'schemaLocation="{SERIALIZATION_XSD}"', 'schemaLocation="?xsd=xsd1"')
        self.queries: list[str] = []

    def metadata(self, query: str, base_url: str) -> Reply:
        self.queries.append(query)
        serialization = schema_path(SERIALIZATION_XSD).read_text(encoding="utf-8")
        documents = {"wsdl": self.wsdl, "xsd=xsd0": self.xsd, "xsd=xsd1": serialization}
        if query not in documents:
            return Reply(404, {"Content-Type": "text/plain"}, b"not found\n")
        return Reply(200, {"Content-Type": "text/xml; charset=utf-8"}, documents[query].encode())


@pytest.fixture(scope="module")
def published_server():
    """One loopback server for the module (stopping one costs its 0.5 s poll interval)."""
    server = ReferenceServer(PublishedContract()).start()
    yield server
    server.stop()


@pytest.fixture
def published(published_server):
    """The server's service, publishing the shipped contract until a test publishes a variant."""
    published_server.service.publish()
    return published_server


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("CONFORMANCE_ENDPOINT", "CONFORMANCE_REPORT_DIR", "CONFORMANCE_CONFIG", "CONFORMANCE_ENV"):
        monkeypatch.delenv(name, raising=False)
    for name in ("CONFORMANCE_USERNAME", "CONFORMANCE_PASSWORD", "CONFORMANCE_PRINCIPAL_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)  # a login configured in the shell would add SoPrincipal's drift
    return tmp_path


def allure_results(report_dir):
    return [json.loads(p.read_text()) for p in (report_dir / "allure-results").glob("*-result.json")]


def test_drift_against_the_embedded_endpoint_shows_no_drift_and_writes_every_report(workdir, capsys):
    assert main(["drift", "--report-dir", "out"]) == 0
    out = capsys.readouterr().out
    assert "no drift" in out and "?xsd=xsd0" in out
    assert json.loads((workdir / "out" / "drift.json").read_text())["breaking"] == 0
    (result,) = allure_results(workdir / "out")
    assert (result["name"], result["status"], result["stage"]) == ("drift", "passed", "finished")
    assert all((workdir / "out" / "allure-results" / a["source"]).is_file() for a in result["attachments"])


def test_breaking_drift_is_exit_1_with_a_failed_allure_result_that_replaces_the_previous_one(
    workdir, published, capsys
):
    xsd = replaced(
        XSD,
        (
            '<xs:enumeration value="StopRecurrence">',
            '<xs:enumeration value="ThisAndNext"/><xs:enumeration value="Gone">',
        ),
    )
    published.service.publish(xsd=xsd)
    assert main(["drift", "--endpoint", published.url, "--report-dir", "out"]) == 1
    assert main(["drift", "--endpoint", published.url, "--report-dir", "out"]) == 1
    out = capsys.readouterr().out
    assert "BREAKING     ~ Reject/UpdateMode: enumeration value removed: StopRecurrence" in out
    report = json.loads((workdir / "out" / "drift.json").read_text())
    assert (report["breaking"], report["non_breaking"]) == (1, 1)
    (result,) = allure_results(workdir / "out")  # the second run replaced the first
    assert result["status"] == "failed" and result["statusDetails"]["message"].startswith("[drift] 1 breaking")
    assert [s["status"] for s in result["steps"]] == ["failed", "passed"]
    assert len(list((workdir / "out" / "allure-results").iterdir())) == 3  # the result and its two attachments


def test_non_breaking_drift_is_exit_0(workdir, published, capsys):
    xsd = replaced(
        XSD,
        (
            '<xs:enumeration value="StopRecurrence">',
            '<xs:enumeration value="ThisAndNext"/><xs:enumeration value="StopRecurrence">',
        ),
    )
    published.service.publish(xsd=xsd)
    assert main(["drift", "--endpoint", published.url, "--report-dir", "out"]) == 0
    assert "1 change: 0 breaking, 1 non-breaking" in capsys.readouterr().out


def test_a_changed_enumeration_value_is_printed_as_non_breaking(workdir, published, capsys):
    published.service.publish(xsd=replaced(XSD, (NINE, NINE.replace(">9<", ">8<"))))
    assert main(["drift", "--endpoint", published.url, "--report-dir", "out"]) == 0
    assert (
        "non-breaking ~ Reject/UpdateMode: enumeration value StopRecurrence: EnumerationValue 9 → 8 "
        "(SOAP sends names; numeric clients care)"
    ) in capsys.readouterr().out


def test_a_live_wsdl_without_wsaw_actions_shows_no_drift(workdir, published, capsys):
    published.service.publish(wsdl=replaced(WSDL, (INPUT_ACTION, ""), (OUTPUT_ACTION, "")))
    assert main(["drift", "--endpoint", published.url, "--report-dir", "out"]) == 0
    assert "no drift" in capsys.readouterr().out
    assert json.loads((workdir / "out" / "drift.json").read_text())["changes"] == []


def test_a_schema_location_on_another_host_is_read_from_the_endpoints_own_host(workdir, published, capsys):
    published.service.publish(location="http://web01.internal.invalid:8080/Remote/Services82/Appointment.svc?xsd=xsd0")
    assert main(["drift", "--endpoint", published.url, "--report-dir", "out"]) == 0
    assert published.service.queries == ["wsdl", "xsd=xsd0", "xsd=xsd1"]
    assert "names another host; read from the endpoint's host instead" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wsdl", "words"),
    [
        ("<html><head><title>Service</title></head><body>metadata disabled</body></html>", "HTML page"),
        ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', "DTD"),
        ("<notwsdl/>", "not a WSDL 1.1 document"),
    ],
    ids=["html", "dtd", "not-wsdl"],
)
def test_an_endpoint_publishing_no_usable_wsdl_is_exit_3_in_one_line(workdir, published, capsys, wsdl, words):
    published.service.publish(wsdl=wsdl)
    assert main(["drift", "--endpoint", published.url, "--report-dir", "out"]) == 3
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1
    (result,) = allure_results(workdir / "out")
    assert result["status"] == "broken" and result["statusDetails"]["message"].startswith("[transport]")


def test_an_unreachable_endpoint_is_exit_3(workdir, capsys):
    assert main(["drift", "--endpoint", "http://127.0.0.1:9/Remote/Services82/Appointment.svc", "--timeout", "2"]) == 3
    assert "connection refused" in capsys.readouterr().err


def test_an_unpublished_wsdl_is_exit_3_with_a_hint(workdir, published, capsys):
    assert main(["drift", "--endpoint", published.url.replace("Appointment.svc", "Other.svc")]) == 3
    assert "HTTP 404" in capsys.readouterr().err


def test_a_bad_endpoint_url_is_a_usage_error(workdir, capsys):
    assert main(["drift", "--endpoint", "ftp://example.invalid/x"]) == 2
    assert "expected an http" in capsys.readouterr().err


def test_with_a_username_drift_covers_the_embedded_soprincipal_too(workdir, capsys):
    """Login configured (a username is enough: drift reads no password): AuthenticateUsernamePassword's contract
    on SoPrincipal.svc is compared as well, in the same report and the same Allure result."""
    assert main(["drift", "--username", "qa", "--report-dir", "out"]) == 0
    out = capsys.readouterr().out
    assert "embedded reference endpoint (SoPrincipal.svc)" in out and "?xsd=xsd1" in out
    report = json.loads((workdir / "out" / "drift.json").read_text())
    assert [o["operation"] for o in report["operations"]] == ["Reject", "AuthenticateUsernamePassword"]
    (result,) = allure_results(workdir / "out")
    assert result["status"] == "passed" and "AuthenticateUsernamePassword" in result["description"]


def test_login_drift_without_a_principal_url_is_a_one_line_usage_error(workdir, published, capsys):
    url = published.url.replace("Appointment.svc", "Calendar.svc")
    assert main(["drift", "--endpoint", url, "--username", "qa"]) == 2
    err = capsys.readouterr().err
    assert "set principal_endpoint (flag --principal-endpoint)" in err and err.count("\n") == 1
