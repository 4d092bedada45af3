"""The reference endpoint over real HTTP on loopback, answering as WCF basicHttpBinding does
(shared/reference/WCF-WIRE.md), and a real third-party SOAP client (zeep) talking to it."""

from __future__ import annotations

import pytest
import requests
import zeep
import zeep.exceptions
from lxml import etree
from zeep.transports import Transport as ZeepTransport

from conformance.contract.messages import Credentials, RejectCall, outgoing, reject_envelope, serialize
from conformance.contract.parsing import parse_xml
from conformance.contract.soap import REJECT_ACTION, SERVICES82_NS, SOAP11, SOAP12
from conformance.reference import REFERENCE_TICKET, ReferenceServer, ReferenceService, ServiceOptions

DISPATCHER = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
ADDRESSING_NONE = "http://schemas.microsoft.com/ws/2005/05/addressing/none"


def post(server, version, call, credentials=None, headers=None):
    credentials = credentials or Credentials(REFERENCE_TICKET)
    request = outgoing(reject_envelope(call, version, credentials), version)
    return requests.post(server.url, data=request.body, headers=headers or request.headers, timeout=5)


@pytest.fixture
def soap12_reference():
    """A reference endpoint that also speaks SOAP 1.2, as a second WCF binding would."""
    server = ReferenceServer(ReferenceService(options=ServiceOptions(soap12=True))).start()
    yield server
    server.stop()


def test_reject_changes_state_in_both_versions(soap12_reference):
    for version, aid in ((SOAP11, 101), (SOAP12, 102)):
        response = post(soap12_reference, version, RejectCall(aid, "busy", "OnlyThis"))
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith(version.media_type)
        assert soap12_reference.service.store.snapshot()[aid] == ("Declined", 1, "busy")


def test_wsdl_xsd_and_other_methods(reference):
    wsdl = requests.get(reference.url + "?wsdl", timeout=5)
    assert wsdl.status_code == 200 and b"BasicHttpBinding_Appointment" in wsdl.content
    assert reference.url.encode() in wsdl.content and b'schemaLocation="?xsd=xsd0"' in wsdl.content
    assert b"RecurrenceUpdateMode" in requests.get(reference.url + "?xsd=xsd0", timeout=5).content
    put = requests.put(reference.url, data=b"x", timeout=5)
    assert put.status_code == 405 and "POST" in put.headers["Allow"]
    assert requests.post(reference.base_url + "/elsewhere", data=b"x", timeout=5).status_code == 404


@pytest.mark.parametrize("media_type", ["application/soap+xml; charset=utf-8", "application/json"])
def test_another_media_type_is_415_with_an_empty_body_and_wcfs_reason(reference, media_type):
    request = outgoing(reject_envelope(RejectCall(101, "x", "OnlyThis"), SOAP11, Credentials(REFERENCE_TICKET)), SOAP11)
    response = requests.post(reference.url, data=request.body, headers={"Content-Type": media_type}, timeout=5)
    assert response.status_code == 415 and response.content == b"" and response.headers["Content-Length"] == "0"
    assert response.reason == (
        f"Cannot process the message because the content type '{media_type}' was not the expected type "
        "'text/xml; charset=utf-8'."
    )
    assert reference.service.store.snapshot()[101][0] == "Invitation"


@pytest.mark.parametrize("body", [b"<s:Envelope", b"not xml at all", b"<html/>"])
def test_an_unreadable_body_is_400_with_an_empty_body(reference, body):
    response = requests.post(reference.url, data=body, headers=SOAP11.request_headers(), timeout=5)
    assert (response.status_code, response.content) == (400, b"")


def test_a_message_over_the_size_limit_is_413(reference):
    call = RejectCall(101, "x" * 70_000, "OnlyThis")
    response = post(reference, SOAP11, call)
    assert (response.status_code, response.content) == (413, b"")


def faultcode(response: requests.Response) -> tuple[str, str | None]:
    node = parse_xml(response.content).find(".//faultcode")
    prefix, _, _local = node.text.rpartition(":")
    return node.text, node.nsmap.get(prefix or None)


@pytest.mark.parametrize(
    "call",
    [
        RejectCall("abc", "", "OnlyThis"),
        RejectCall("101.5", "", "OnlyThis"),
        RejectCall("2147483648", "", "OnlyThis"),
        RejectCall(101, "", "Sometimes"),
        RejectCall(101, "", "1"),
        RejectCall(101, "", "onlythis"),
    ],
)
def test_an_undeserializable_value_is_a_wcf_deserialization_fault(reference, call):
    response = post(reference, SOAP11, call)
    assert response.status_code == 500 and response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert faultcode(response) == ("a:DeserializationFailed", DISPATCHER)
    faultstring = parse_xml(response.content).find(".//faultstring")
    assert faultstring.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
    assert faultstring.text.startswith("The formatter threw an exception while trying to deserialize the message")


def test_wcf_fault_bytes_are_laid_out_as_wcf_writes_them(reference):
    body = post(reference, SOAP11, RejectCall("abc", "", "OnlyThis")).content
    assert body.startswith(
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        b'<faultcode xmlns:a="' + DISPATCHER.encode() + b'">a:DeserializationFailed</faultcode>'
        b'<faultstring xml:lang="en-US">The formatter threw an exception'
    )


@pytest.mark.parametrize("tag", ["{urn:other}Reject", "Reject", f"{{{SERVICES82_NS}}}RejectAll"])
def test_a_wrong_wrapper_element_is_a_deserialization_fault(reference, tag):
    env = reject_envelope(RejectCall(101, "", "OnlyThis"), SOAP11, Credentials(REFERENCE_TICKET))
    env.find(".//{*}Reject").tag = tag
    response = requests.post(reference.url, data=serialize(env), headers=SOAP11.request_headers(), timeout=5)
    assert response.status_code == 500 and faultcode(response) == ("a:DeserializationFailed", DISPATCHER)


@pytest.mark.parametrize("action", ["http://x/NoSuchOperation", None])
def test_an_action_of_no_operation_is_action_not_supported(reference, action):
    request = outgoing(reject_envelope(RejectCall(101, "", "OnlyThis"), SOAP11, Credentials(REFERENCE_TICKET)), SOAP11)
    headers = {"Content-Type": "text/xml; charset=utf-8"} | ({"SOAPAction": f'"{action}"'} if action else {})
    response = requests.post(reference.url, data=request.body, headers=headers, timeout=5)
    assert response.status_code == 500 and faultcode(response) == ("a:ActionNotSupported", ADDRESSING_NONE)
    assert "ContractFilter mismatch at the EndpointDispatcher" in response.text
    assert reference.service.store.snapshot()[101][0] == "Invitation"


def test_parts_are_read_in_contract_order_as_wcfs_formatter_does(reference):
    """UpdateMode before AppointmentId: the id is skipped and defaults to 0, so SuperOffice says no such
    appointment (Succeeded=false), and appointment 101 is untouched."""
    env = reject_envelope(RejectCall(101, "x", "OnlyThis"), SOAP11, Credentials(REFERENCE_TICKET))
    reject = env.find(".//{*}Reject")
    reject.insert(0, reject.find("{*}UpdateMode"))
    etree.SubElement(reject, "{urn:extra}Ignored").text = "skipped"
    response = requests.post(reference.url, data=serialize(env), headers=SOAP11.request_headers(), timeout=5)
    parsed = parse_xml(response.content)
    assert response.status_code == 200 and parsed.findtext(".//{*}Succeeded") == "false"
    assert "id 0 does not exist" in parsed.findtext(".//{*}ExceptionInfo/{*}Message")
    assert reference.service.store.snapshot()[101][0] == "Invitation"


def test_an_unknown_mandatory_header_is_a_must_understand_fault(reference):
    env = reject_envelope(RejectCall(101, "", "OnlyThis"), SOAP11, Credentials(REFERENCE_TICKET))
    header = env.find("{*}Header")
    etree.SubElement(header, "{urn:x}Trace", {f"{{{SOAP11.envelope_ns}}}mustUnderstand": "1"})
    response = requests.post(reference.url, data=serialize(env), headers=SOAP11.request_headers(), timeout=5)
    assert response.status_code == 500 and faultcode(response) == ("s:MustUnderstand", SOAP11.envelope_ns)


def test_a_soap12_envelope_on_the_soap11_binding_is_a_soap11_version_mismatch(reference):
    request = outgoing(reject_envelope(RejectCall(101, "", "OnlyThis"), SOAP12, Credentials(REFERENCE_TICKET)), SOAP11)
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{REJECT_ACTION}"'}
    response = requests.post(reference.url, data=request.body, headers=headers, timeout=5)
    assert response.status_code == 500 and faultcode(response) == ("s:VersionMismatch", SOAP11.envelope_ns)


def test_an_exception_in_its_own_code_is_an_internal_service_fault():
    class Broken(ReferenceService):
        def authenticate(self, call) -> None:
            raise RuntimeError("NullReferenceException")

    server = ReferenceServer(Broken()).start()
    try:
        response = post(server, SOAP11, RejectCall(101, "", "OnlyThis"))
    finally:
        server.stop()
    assert response.status_code == 500 and faultcode(response) == ("a:InternalServiceFault", DISPATCHER)
    assert "NullReference" not in response.text  # no exception detail, as IncludeExceptionDetailInFaults=false


def test_soap12_faults_carry_wcfs_subcode(soap12_reference):
    response = post(soap12_reference, SOAP12, RejectCall("abc", "", "OnlyThis"))
    assert response.status_code == 500 and b"<s:Value>s:Sender</s:Value>" in response.content
    assert b"a:DeserializationFailed" in response.content and b'xml:lang="en-US"' in response.content


def test_application_errors_are_succeeded_false(reference):
    body = parse_xml(post(reference, SOAP11, RejectCall(104, "", "OnlyThis")).content)
    assert body.findtext(".//{*}Succeeded") == "false"
    assert "not an invitation" in body.findtext(".//{*}ExceptionInfo/{*}Message")


def test_online_mode_requires_the_application_token():
    from conformance.reference import ReferenceServer, ReferenceService, ServiceOptions

    server = ReferenceServer(ReferenceService(options=ServiceOptions(application_token="tok"))).start()
    try:
        without = parse_xml(post(server, SOAP11, RejectCall(101, "", "OnlyThis")).content)
        with_token = parse_xml(
            post(server, SOAP11, RejectCall(101, "", "OnlyThis"), Credentials(REFERENCE_TICKET, "tok")).content
        )
    finally:
        server.stop()
    assert without.findtext(".//{*}Succeeded") == "false" and with_token.findtext(".//{*}Succeeded") == "true"


def _zeep_client(server) -> zeep.Client:
    session = requests.Session()
    session.trust_env = False
    return zeep.Client(server.url + "?wsdl", transport=ZeepTransport(session=session, timeout=5))


def _zeep_headers():
    return {"Credentials": {"Ticket": REFERENCE_TICKET}}


def test_zeep_calls_reject_from_the_served_wsdl(reference):
    client = _zeep_client(reference)
    result = client.service.Reject(
        AppointmentId=202, RejectReason="zeep", UpdateMode="ThisAndForward", _soapheaders=_zeep_headers()
    )
    assert result.header.Succeeded is True
    assert reference.service.store.snapshot()[204] == ("Declined", 1, "zeep")


def test_zeep_understands_the_fault_for_an_unknown_id(faulting_reference):
    client = _zeep_client(faulting_reference)
    try:
        client.service.Reject(
            AppointmentId=987654, RejectReason="", UpdateMode="OnlyThis", _soapheaders=_zeep_headers()
        )
    except zeep.exceptions.Fault as fault:
        assert "does not exist" in fault.message and fault.code.endswith("Server")
    else:
        raise AssertionError("zeep saw no fault for an unknown appointment id")


def test_zeep_sees_succeeded_false_by_default(reference):
    result = _zeep_client(reference).service.Reject(
        AppointmentId=987654, RejectReason="", UpdateMode="OnlyThis", _soapheaders=_zeep_headers()
    )
    assert result.header.Succeeded is False and "does not exist" in result.header.ExceptionInfo.Message
