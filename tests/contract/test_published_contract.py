"""The shipped contract agrees with the one SuperOffice publishes (``schemas/published/``).

* ``schemas/services82-appointment.xsd`` and ``schemas/Services82-Appointment.wsdl`` (and SoPrincipal's
  ``services82-soprincipal*.xsd`` and ``Services82-SoPrincipal.wsdl``) are what ``python -m
  conformance.contract.extract`` makes of the published WSDLs, byte for byte: nobody edits them by hand;
* ``conformance drift`` against an endpoint serving the published WSDLs reports no change at all (for
  ``AuthenticateUsernamePassword`` too when login is configured), and a change of the login contract as drift;
* the extracted schema accepts and refuses the same Reject, RejectResponse and header documents as the
  published schemas (the Microsoft serialization schemas included), and refuses the dictionary layout the
  hand-written contract used to guess (``KeyValueOfstringstring``).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lxml import etree

from conformance.cli.main import main
from conformance.contract.extract import CONTRACTS, PUBLISHED_WSDL, SCHEMA_DIR, SOPRINCIPAL, extract
from conformance.contract.principal import PRINCIPAL_PATH
from conformance.contract.schemas import contract_schema

NS = "http://www.superoffice.net/ws/crm/NetServer/Services82"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SERVICE_PATH = "/Remote/Services82/Appointment.svc"
PUBLISHED = SCHEMA_DIR / PUBLISHED_WSDL


# --- the committed files are the extraction's output ---------------------------------------------------------


@pytest.mark.parametrize("contract", CONTRACTS, ids=[c.service for c in CONTRACTS])
def test_the_shipped_schemas_and_wsdl_are_exactly_what_the_extraction_makes_of_the_published_wsdl(contract):
    extracted = extract(contract)
    hint = "edited by hand or stale: run 'python -m conformance.contract.extract'"
    assert (SCHEMA_DIR / contract.xsd).read_bytes() == extracted.schema, f"schemas/{contract.xsd} {hint}"
    assert (SCHEMA_DIR / contract.wsdl).read_bytes() == extracted.wsdl, f"schemas/{contract.wsdl} {hint}"
    for name, schema in extracted.foreign.items():  # e.g. SoPrincipal's arrays namespace
        assert (SCHEMA_DIR / name).read_bytes() == schema, f"schemas/{name} {hint}"


# --- conformance drift against the published WSDL -------------------------------------------------------------


class _PublishedWsdl(BaseHTTPRequestHandler):
    """Answers a GET of ``…/Appointment.svc?wsdl`` or ``…/SoPrincipal.svc?wsdl`` with that service's WSDL
    (``published``: path → body), as ``text/xml; charset=utf-8``; records the paths asked for."""

    published: dict[str, bytes] = {}
    requested: list[str] = []

    def do_GET(self) -> None:
        self.requested.append(self.path)
        body = self.published.get(self.path.split("?")[0])
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads what was requested from ``requested``."""


@pytest.fixture
def published_endpoint() -> Iterator[tuple[str, list[str], dict[str, bytes]]]:
    """(endpoint URL, paths requested, path → WSDL served) of a loopback server publishing the vendor's WSDLs."""
    requested: list[str] = []
    published = {
        SERVICE_PATH: PUBLISHED.read_bytes(),
        PRINCIPAL_PATH: (SCHEMA_DIR / SOPRINCIPAL.published).read_bytes(),
    }
    handler = type("Handler", (_PublishedWsdl,), {"requested": requested, "published": published})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{SERVICE_PATH}", requested, published
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("CONFORMANCE_ENDPOINT", "CONFORMANCE_REPORT_DIR", "CONFORMANCE_CONFIG", "CONFORMANCE_ENV"):
        monkeypatch.delenv(name, raising=False)
    for name in ("CONFORMANCE_USERNAME", "CONFORMANCE_PASSWORD", "CONFORMANCE_PRINCIPAL_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_drift_against_the_published_wsdl_reports_no_change_at_all(workdir, published_endpoint, capsys):
    url, requested, _ = published_endpoint
    assert main(["drift", "--endpoint", url, "--report-dir", str(workdir / "out")]) == 0
    out = capsys.readouterr().out
    report = json.loads((workdir / "out" / "drift.json").read_text(encoding="utf-8"))
    assert (report["error"], report["changes"], report["breaking"], report["non_breaking"]) == (None, [], 0, 0)
    assert [o["operation"] for o in report["operations"]] == ["Reject"]  # no login configured: no SoPrincipal
    assert "no drift" in out
    assert requested == [f"{SERVICE_PATH}?wsdl"]  # the published WSDL embeds every schema it uses


def test_with_login_configured_drift_also_compares_the_published_soprincipal_wsdl(workdir, published_endpoint, capsys):
    url, requested, _ = published_endpoint
    assert main(["drift", "--endpoint", url, "--username", "qa", "--report-dir", str(workdir / "out")]) == 0
    out = capsys.readouterr().out
    report = json.loads((workdir / "out" / "drift.json").read_text(encoding="utf-8"))
    assert [(o["operation"], o["changes"], o["error"]) for o in report["operations"]] == [
        ("Reject", [], None),
        ("AuthenticateUsernamePassword", [], None),
    ]
    assert "no drift: the live contract matches the shipped one for AuthenticateUsernamePassword" in out
    assert requested == [f"{SERVICE_PATH}?wsdl", f"{PRINCIPAL_PATH}?wsdl"]


def test_a_renamed_login_field_is_breaking_drift_of_authenticate_username_password(workdir, published_endpoint, capsys):
    url, _, published = published_endpoint
    published[PRINCIPAL_PATH] = published[PRINCIPAL_PATH].replace(b'name="UserName"', b'name="Username"')
    assert main(["drift", "--endpoint", url, "--username", "qa", "--report-dir", str(workdir / "out")]) == 1
    report = json.loads((workdir / "out" / "drift.json").read_text(encoding="utf-8"))
    login = [c for c in report["changes"] if c["operation"] == "AuthenticateUsernamePassword"]
    assert login and all(c["breaking"] for c in login), login
    assert any("UserName" in c["path"] for c in login), login
    assert report["operations"][0]["changes"] == []  # Reject's contract did not move
    assert "BREAKING" in capsys.readouterr().out


def test_an_unpublished_soprincipal_wsdl_is_exit_3_naming_the_login_operation(workdir, published_endpoint, capsys):
    url, _, published = published_endpoint
    del published[PRINCIPAL_PATH]
    assert main(["drift", "--endpoint", url, "--username", "qa", "--report-dir", str(workdir / "out")]) == 3
    err = capsys.readouterr().err
    assert "AuthenticateUsernamePassword: GET" in err and "SoPrincipal.svc?wsdl answered HTTP 404" in err
    assert err.count("\n") == 1


# --- the extracted schema validates as the published one does ---------------------------------------------------


@pytest.fixture(scope="module")
def published_schema(tmp_path_factory: pytest.TempPathFactory) -> etree.XMLSchema:
    """The schemas embedded in the published WSDL, compiled together: each written to a file, the
    location-less imports of the Microsoft serialization namespaces pointed at those files."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    definitions = etree.parse(str(PUBLISHED), parser).getroot()
    embedded = definitions.findall(f"{{{WSDL_NS}}}types/{{{XS}}}schema")
    directory = tmp_path_factory.mktemp("published")
    files = {schema.get("targetNamespace"): directory / f"schema{i}.xsd" for i, schema in enumerate(embedded)}
    for schema in embedded:
        standalone = copy.deepcopy(schema)
        for imported in standalone.iterfind(f"{{{XS}}}import"):
            imported.set("schemaLocation", files[imported.get("namespace")].name)
        files[schema.get("targetNamespace")].write_bytes(etree.tostring(standalone))
    return etree.XMLSchema(etree.parse(str(files[NS]), parser))


def _doc(body: str) -> etree._Element:
    return etree.fromstring(body.replace("{NS}", NS).replace("{XSI}", XSI))


PARAMETERS = (
    '<ExceptionInfo xmlns="{NS}"><Message>boom</Message><Parameters>'
    "<SoExceptionInfoParametersKeyValuePair><Key>id</Key><Value>101</Value></SoExceptionInfoParametersKeyValuePair>"
    "</Parameters></ExceptionInfo>"
)
DOCUMENTS = [
    (
        "reject",
        '<Reject xmlns="{NS}"><AppointmentId>101</AppointmentId><RejectReason>busy</RejectReason>'
        "<UpdateMode>StopRecurrence</UpdateMode></Reject>",
        True,
    ),
    ("reject-empty", '<Reject xmlns="{NS}"/>', True),
    ("reject-nil-reason", '<Reject xmlns="{NS}" xmlns:i="{XSI}"><RejectReason i:nil="true"/></Reject>', True),
    ("reject-unknown-mode", '<Reject xmlns="{NS}"><UpdateMode>ThisAndNext</UpdateMode></Reject>', False),
    ("reject-numeric-mode", '<Reject xmlns="{NS}"><UpdateMode>9</UpdateMode></Reject>', False),
    (
        "reject-out-of-order",
        '<Reject xmlns="{NS}"><UpdateMode>OnlyThis</UpdateMode><AppointmentId>101</AppointmentId></Reject>',
        False,
    ),
    ("reject-response", '<RejectResponse xmlns="{NS}"/>', True),
    ("reject-response-with-content", '<RejectResponse xmlns="{NS}"><Response/></RejectResponse>', False),
    ("credentials", '<Credentials xmlns="{NS}"><Ticket>7T:abc</Ticket></Credentials>', True),
    ("credentials-nil", '<Credentials xmlns="{NS}" xmlns:i="{XSI}" i:nil="true"/>', True),
    ("succeeded", '<Succeeded xmlns="{NS}">true</Succeeded>', True),
    ("succeeded-not-boolean", '<Succeeded xmlns="{NS}">yes</Succeeded>', False),
    ("exception-info-parameters", PARAMETERS, True),
    (
        "exception-info-old-guess",
        PARAMETERS.replace("SoExceptionInfoParametersKeyValuePair", "KeyValueOfstringstring"),
        False,
    ),
    (
        "extra-info-pair",
        '<ExtraInfo xmlns="{NS}"><ExtraInfoNameValuePair><Key>k</Key><Value>v</Value></ExtraInfoNameValuePair>'
        "</ExtraInfo>",
        True,
    ),
    (
        "extra-info-pair-without-key",
        '<ExtraInfo xmlns="{NS}"><ExtraInfoNameValuePair><Value>v</Value></ExtraInfoNameValuePair></ExtraInfo>',
        False,
    ),
]


@pytest.mark.parametrize(("body", "valid"), [d[1:] for d in DOCUMENTS], ids=[d[0] for d in DOCUMENTS])
def test_the_extracted_schema_accepts_and_refuses_what_the_published_one_does(published_schema, body, valid):
    document = _doc(body)
    assert published_schema.validate(etree.ElementTree(document)) is valid, published_schema.error_log
    errors = contract_schema().errors(document)
    assert (errors == []) is valid, errors
