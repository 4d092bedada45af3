"""The reference endpoint over real HTTP on loopback, and a real third-party SOAP client (zeep) talking to it."""

from __future__ import annotations

import requests
import zeep
import zeep.exceptions
from zeep.transports import Transport as ZeepTransport

from conformance.contract import SOAP11, SOAP12
from conformance.messages import Credentials, RejectCall, outgoing, reject_envelope
from conformance.reference import REFERENCE_TICKET
from conformance.xmlparse import parse_xml


def post(server, version, call, credentials=None, headers=None):
    credentials = credentials or Credentials(REFERENCE_TICKET)
    request = outgoing(reject_envelope(call, version, credentials), version)
    return requests.post(server.url, data=request.body, headers=headers or request.headers, timeout=5)


def test_reject_changes_state_in_both_versions(reference):
    for version, aid in ((SOAP11, 101), (SOAP12, 102)):
        response = post(reference, version, RejectCall(aid, "busy", "OnlyThis"))
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith(version.media_type)
        assert reference.service.store.snapshot()[aid] == ("Rejected", 1, "busy")


def test_wsdl_xsd_and_other_methods(reference):
    wsdl = requests.get(reference.url + "?wsdl", timeout=5)
    assert wsdl.status_code == 200 and b"BasicHttpBinding_Appointment" in wsdl.content
    assert reference.url.encode() in wsdl.content and b'schemaLocation="?xsd=xsd0"' in wsdl.content
    assert b"RecurrenceUpdateMode" in requests.get(reference.url + "?xsd=xsd0", timeout=5).content
    put = requests.put(reference.url, data=b"x", timeout=5)
    assert put.status_code == 405 and "POST" in put.headers["Allow"]
    assert requests.post(reference.base_url + "/elsewhere", data=b"x", timeout=5).status_code == 404


def test_unknown_media_type_is_415(reference):
    response = requests.post(reference.url, data=b"<x/>", headers={"Content-Type": "application/json"}, timeout=5)
    assert response.status_code == 415


def test_faults_per_version(reference):
    r11 = post(reference, SOAP11, RejectCall("abc", "", "OnlyThis"))
    r12 = post(reference, SOAP12, RejectCall("abc", "", "OnlyThis"))
    assert r11.status_code == 500 and parse_xml(r11.content).findtext(".//faultcode") == "s:Client"
    assert r12.status_code == 500 and b"s:Sender" in r12.content and b"DeserializationFailed" in r12.content


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
    assert reference.service.store.snapshot()[204] == ("Rejected", 1, "zeep")


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
