"""Reaching staging the way corporate CI must: through an HTTP(S) proxy (explicit, or from the environment when
asked), with a client certificate for mutual TLS, with the headers an API gateway requires — and no proxy
password, key passphrase or gateway header value in any output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import hostile
from helpers.pki import PASSPHRASE, make_pki, mutual_tls
from helpers.proxy import ForwardProxy
from strength.matrix import command, environment

from conformance.contract.messages import OutgoingRequest
from conformance.contract.soap import SOAP11
from conformance.reference import ReferenceServer, ReferenceService
from conformance.transport.http import Transport, TransportOptions
from conformance.transport.network import Network, bypasses

PROXY_PASSWORD = "pr0xy-Pa55-w0rd-7"
GATEWAY_VALUE = "gw-k3y-0f-the-gateway-31"


@pytest.fixture(scope="module")
def reference():
    server = ReferenceServer(ReferenceService()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def run(tmp_path: Path, url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``conformance run`` against ``url`` as the strength suite runs it, reports in ``tmp_path/out``."""
    return subprocess.run(
        command(url, "1.1", Path("out"), args),
        cwd=tmp_path,
        env={**environment(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def everything_written(tmp_path: Path, done: subprocess.CompletedProcess[str]) -> str:
    files = [p.read_text(errors="replace") for p in (tmp_path / "out").rglob("*") if p.is_file()]
    return "\n".join([done.stdout, done.stderr, *files])


def test_a_run_through_an_authenticating_proxy_with_a_gateway_header_is_green_and_keeps_its_secrets(
    tmp_path, reference
):
    with ForwardProxy(credentials=("qa", PROXY_PASSWORD)) as proxy:
        done = run(
            tmp_path,
            reference.url,
            "--proxy",
            proxy.url("qa", PROXY_PASSWORD),
            "--header",
            "X-Gateway-Key: ${GATEWAY_KEY}",
            env={"GATEWAY_KEY": GATEWAY_VALUE},
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    posts = [s for s in proxy.seen if s.method == "POST" and s.target == reference.url]
    assert len(posts) > 50  # every exchange went through the proxy, authenticated, with the gateway header
    assert all(s.headers.get("x-gateway-key") == GATEWAY_VALUE for s in posts)
    assert all(s.headers.get("proxy-authorization", "").startswith("Basic ") for s in posts)
    written = everything_written(tmp_path, done)
    assert PROXY_PASSWORD not in written and GATEWAY_VALUE not in written
    environment_text = (tmp_path / "out" / "allure-results" / "environment.properties").read_text()
    assert f"Proxy=http\\://127.0.0.1\\:{proxy.port}" in environment_text
    assert "Gateway.headers=X-Gateway-Key (values not shown)" in environment_text


def test_no_proxy_hosts_go_direct(tmp_path, reference):
    with ForwardProxy() as proxy:
        done = run(tmp_path, reference.url, "--proxy", proxy.url(), "--no-proxy", "localhost,127.0.0.1")
    assert done.returncode == 0, done.stdout[-3000:]
    assert proxy.seen == []


def test_the_environments_proxy_is_used_only_when_asked_for(tmp_path, reference, monkeypatch):
    request = OutgoingRequest(b"<x/>", {"Content-Type": "text/xml; charset=utf-8"})
    with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url())
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        for network, expected in ((Network(), 0), (Network(proxy_from_env=True), 1)):
            transport = Transport(TransportOptions(network=network))
            try:
                assert transport.send(reference.url, request, SOAP11).response is not None
            finally:
                transport.close()
            assert len(proxy.seen) == expected, network
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        transport = Transport(TransportOptions(network=Network(proxy_from_env=True)))
        try:
            transport.send(reference.url, request, SOAP11)
        finally:
            transport.close()
        assert len(proxy.seen) == 1  # NO_PROXY honoured


def test_https_goes_through_the_proxy_as_a_tunnel(tmp_path, reference, pki):
    with (
        hostile.serving(hostile.forward(_port(reference)), tls=mutual_tls(pki), lifetime=120) as server,
        ForwardProxy() as proxy,
    ):
        done = run(
            tmp_path,
            server.url,
            "--proxy",
            proxy.url(),
            "--ca-bundle",
            str(pki.ca),
            "--client-cert",
            str(pki.client_cert),
            "--client-key",
            str(pki.client_key),
            "--",
            "-k",
            "fixture",
            env={"CONFORMANCE_CLIENT_KEY_PASSWORD": PASSPHRASE},
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert {s.method for s in proxy.seen} == {"CONNECT"} and proxy.seen[0].target == f"127.0.0.1:{server.port}"
    assert PASSPHRASE not in everything_written(tmp_path, done)


def test_mutual_tls_works_with_the_right_certificate_and_fails_clearly_without(tmp_path, reference, pki):
    with hostile.serving(hostile.forward(_port(reference)), tls=mutual_tls(pki), lifetime=120) as server:
        good = run(
            tmp_path / "good" if (tmp_path / "good").mkdir() is None else tmp_path,
            server.url,
            "--ca-bundle",
            str(pki.ca),
            "--client-cert",
            str(pki.client_cert),
            "--client-key",
            str(pki.client_key),
            env={"CONFORMANCE_CLIENT_KEY_PASSWORD": PASSPHRASE},
        )
        (tmp_path / "none").mkdir()
        without = run(tmp_path / "none", server.url, "--ca-bundle", str(pki.ca))
        (tmp_path / "stranger").mkdir()
        stranger = run(
            tmp_path / "stranger",
            server.url,
            "--ca-bundle",
            str(pki.ca),
            "--client-cert",
            str(pki.stranger_cert),
            "--client-key",
            str(pki.stranger_key),
        )
    assert good.returncode == 0, good.stdout[-3000:] + good.stderr[-2000:]
    summary = json.loads((tmp_path / "good" / "out" / "summary.json").read_text())
    assert summary["failed"] == 0 and summary["passed"] > 50
    for refused in (without, stranger):
        assert refused.returncode == 3, refused.stdout[-2000:] + refused.stderr[-2000:]
        lines = [line for line in refused.stderr.splitlines() if line.startswith("conformance:")]
        assert len(lines) == 1 and "client certificate" in lines[0], refused.stderr
        assert "Traceback" not in refused.stdout + refused.stderr


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["--client-cert", "{client_cert}", "--client-key", "{client_key}"], {}, "is missing or wrong"),
        (
            ["--client-cert", "{client_cert}", "--client-key", "{client_key}"],
            {"CONFORMANCE_CLIENT_KEY_PASSWORD": "not-the-passphrase"},
            "is missing or wrong",
        ),
        (["--client-cert", "{client_cert}", "--client-key", "{other_key}"], {}, "does not belong to the certificate"),
        (["--client-cert", "{ca}-missing"], {}, "expected an existing PEM file"),
        (["--client-key", "{client_key}"], {}, "--client-cert FILE with it"),
        (["--header", "SOAPAction: other"], {}, "a gateway header may not replace it"),
        (["--header", "X-Key=gw-s3cret-in-a-typo"], {}, "expected 'Name: value'"),
        (["--header", "X-Key: ${NOT_SET_ANYWHERE_42}"], {}, "NOT_SET_ANYWHERE_42 it uses is not set"),
        (["--proxy", "socks5://127.0.0.1:1080"], {}, "an http:// or https:// proxy URL"),
    ],
    ids=[
        "key-passphrase-missing",
        "key-passphrase-wrong",
        "key-mismatch",
        "cert-missing",
        "key-without-cert",
        "header-replaces-soapaction",
        "header-malformed",
        "header-variable-unset",
        "proxy-scheme",
    ],
)
def test_a_network_configuration_mistake_is_one_line_and_exit_2(tmp_path, pki, args, env, words):
    paths = {"client_cert": pki.client_cert, "client_key": pki.client_key, "other_key": pki.other_key, "ca": pki.ca}
    for name, path in paths.items():
        args = [a.replace("{" + name + "}", str(path)) for a in args]
    done = run(tmp_path, "https://127.0.0.1:9/Remote/Services82/Appointment.svc", *args, env=env)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], done.stderr
    assert PASSPHRASE not in done.stderr and "not-the-passphrase" not in done.stderr
    assert "gw-s3cret-in-a-typo" not in done.stderr


def test_a_proxy_that_refuses_the_credentials_is_one_transport_line_not_contract_violations(tmp_path, reference):
    with ForwardProxy(credentials=("qa", PROXY_PASSWORD)) as proxy:
        done = run(tmp_path, reference.url, "--proxy", proxy.url("qa", "not-the-proxy-password"))
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("conformance:")]
    assert len(lines) == 1 and "HTTP 407" in lines[0] and "not-the-proxy-password" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("url", "hosts", "expected"),
    [
        ("http://127.0.0.1:8080/x", ("127.0.0.1",), True),
        ("http://127.0.0.1:8080/x", ("127.0.0.0/8",), True),
        ("http://127.0.0.1:8080/x", ("127.0.0.1:9090",), False),
        ("http://127.0.0.1:8080/x", ("127.0.0.1:8080",), True),
        ("https://crm.corp.example/x", (".corp.example",), True),
        ("https://crm.corp.example/x", ("corp.example",), True),
        ("https://crm.corp.example/x", ("example.org", " "), False),
        ("https://notcorp.example/x", ("corp.example",), False),
        ("https://anything/x", ("*",), True),
    ],
)
def test_no_proxy_matching(url, hosts, expected):
    assert bypasses(url, hosts) is expected


def _port(server: ReferenceServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])
