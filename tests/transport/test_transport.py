"""What the transport puts on the wire: each call's own bytes and headers, exactly, and nothing carried over from
an earlier call (requests are copied from prepared templates, see ``Transport._prepared``)."""

from __future__ import annotations

from helpers import hostile

from conformance.contract.messages import OutgoingRequest
from conformance.contract.soap import SERVICE_PATH, SOAP11
from conformance.transport.http import TEMPLATE_CACHE_SIZE, Transport, TransportOptions

SOAP11_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:reject"'}
SOAP12_HEADERS = {"Content-Type": 'application/soap+xml; charset=utf-8; action="urn:reject"'}


def sent(handler, requests: list[OutgoingRequest]) -> list[hostile.Request]:
    """What the server received for ``requests``, sent in order by one transport."""
    with hostile.serving(handler, lifetime=15) as server:
        transport = Transport(TransportOptions(timeout=2))
        try:
            for request in requests:
                exchange = transport.send(server.url, request, SOAP11)
                assert exchange.error is None, exchange.error
        finally:
            transport.close()
        return list(server.requests)


def test_each_request_carries_exactly_its_own_body_and_headers():
    first = OutgoingRequest(b"<first/>", SOAP11_HEADERS)
    second = OutgoingRequest("<second>réunion</second>".encode(), SOAP12_HEADERS)
    seen = sent(hostile.reply(b"<ok/>"), [first, second, first])

    assert [r.body for r in seen] == [first.body, second.body, first.body]
    assert [r.line for r in seen] == [f"POST {SERVICE_PATH} HTTP/1.1"] * 3
    assert [r.headers["Content-Length"] for r in seen] == [str(len(q.body)) for q in (first, second, first)]
    assert seen[1].headers["Content-Type"] == SOAP12_HEADERS["Content-Type"]
    assert "SOAPAction" not in seen[1].headers, "a header of the first call leaked into the second"
    assert seen[2].headers["SOAPAction"] == SOAP11_HEADERS["SOAPAction"]


def test_a_cookie_the_endpoint_sets_is_never_sent_back():
    handler = hostile.reply(b"<ok/>", extra={"Set-Cookie": "ASP.NET_SessionId=abc123; Path=/"})
    seen = sent(handler, [OutgoingRequest(b"<a/>", SOAP11_HEADERS)] * 3)

    assert len(seen) == 3
    assert all("Cookie" not in r.headers for r in seen), [r.headers for r in seen]


def test_many_header_sets_stay_correct_past_the_template_cache():
    requests = [
        OutgoingRequest(f"<n{i}/>".encode(), {**SOAP11_HEADERS, "SOAPAction": f'"urn:{i}"'})
        for i in range(TEMPLATE_CACHE_SIZE + 3)
    ]
    seen = sent(hostile.reply(b"<ok/>"), requests)

    assert [(r.headers["SOAPAction"], r.body) for r in seen] == [(q.headers["SOAPAction"], q.body) for q in requests]


def test_a_get_sends_no_body():
    with hostile.serving(hostile.reply(b"<definitions/>"), lifetime=15) as server:
        transport = Transport(TransportOptions(timeout=2))
        try:
            exchange = transport.get(server.url + "?wsdl")
        finally:
            transport.close()
        (request,) = server.requests

    assert exchange.response is not None and exchange.response.body == b"<definitions/>"
    assert request.line == f"GET {SERVICE_PATH}?wsdl HTTP/1.1"
    assert request.body == b""
    assert request.headers.get("Content-Length", "0") == "0"


def test_a_well_behaved_keep_alive_endpoint_gets_every_call_on_one_connection():
    """The check for bytes waiting on an idle connection discards nothing that is healthy."""
    bodies = [f"<call n='{i}'/>".encode() for i in range(5)]
    with hostile.serving(hostile.kept_alive(), lifetime=15) as server:
        transport = Transport(TransportOptions(timeout=2))
        try:
            exchanges = [transport.send(server.url, OutgoingRequest(b, SOAP11_HEADERS), SOAP11) for b in bodies]
        finally:
            transport.close()
        connections = server.connections

    assert [e.error for e in exchanges] == [None] * len(bodies)
    assert [e.response.body for e in exchanges] == [b"<answer>" + b + b"</answer>" for b in bodies]
    assert connections == 1
