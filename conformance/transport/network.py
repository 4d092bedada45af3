"""The way to the endpoint, as the user configured it: a proxy (explicit, or the standard environment variables
when asked for; netrc never), a client certificate for mutual TLS, gateway headers on every request."""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests.utils
import urllib3.util.ssl_

from ..config import Settings
from ..contract.redaction import display_url

if TYPE_CHECKING:
    from .http import TransportOptions


@dataclass(frozen=True)
class Network:
    proxy: str | None = None
    no_proxy: tuple[str, ...] = ()
    proxy_from_env: bool = False
    client_cert: str | None = None
    client_key: str | None = None
    client_key_password: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    secrets: tuple[str, ...] = ()

    def proxies_for(self, url: str) -> dict[str, str]:
        """The proxy map ``requests`` is given for ``url``: none for a host that bypasses it."""
        if self.proxy_from_env:
            return requests.utils.get_environ_proxies(url)  # honours NO_PROXY; reads no netrc
        if self.proxy is None or bypasses(url, self.no_proxy):
            return {}
        return {"http": self.proxy, "https": self.proxy}

    def ssl_context(self) -> ssl.SSLContext | None:
        """A TLS context presenting the client certificate (``None`` without one); verification stays as asked."""
        if not self.client_cert:
            return None
        context = urllib3.util.ssl_.create_urllib3_context()
        context.load_cert_chain(self.client_cert, self.client_key, password=self.client_key_password)
        return context

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def bypasses(url: str, hosts: tuple[str, ...]) -> bool:
    """Whether ``url``'s host is in a no-proxy list: ``*``, a host name (and its subdomains with a leading dot or
    without), an IP address or network (``10.0.0.0/8``), optionally with ``:port``."""
    parts = urlsplit(url)
    host, port = (parts.hostname or "").lower(), parts.port
    for entry in (h.strip().lower() for h in hosts if h.strip()):
        if entry == "*":
            return True
        name, _, entry_port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and str(port) != entry_port:
            continue
        if _in_network(host, name) or host == name.lstrip(".") or host.endswith("." + name.lstrip(".")):
            return True
    return False


def _in_network(host: str, entry: str) -> bool:
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False


def network_of(settings: Settings) -> Network:
    return Network(
        proxy=settings.proxy,
        no_proxy=tuple((settings.no_proxy or "").split(",")),
        proxy_from_env=settings.proxy_from_env,
        client_cert=settings.client_cert,
        client_key=settings.client_key,
        client_key_password=settings.client_key_password,
        headers=tuple(settings.header_pairs()),
        secrets=tuple(settings.network_secrets()),
    )


def options_for(settings: Settings, **overrides: Any) -> TransportOptions:
    """The transport options every connection of a run shares: its timeout, TLS verification and way to the endpoint
    (proxy, client certificate, gateway headers); ``overrides`` for what one caller sets apart."""
    from .http import TransportOptions  # http imports this module

    return TransportOptions(
        **{"timeout": settings.timeout, "verify": settings.verify(), "network": network_of(settings), **overrides}
    )


def describe(settings: Settings) -> dict[str, str]:
    """For the report's environment: whether a proxy was used (host only), the certificate file, header names."""
    if settings.proxy_from_env:
        proxy = "from HTTPS_PROXY / HTTP_PROXY (NO_PROXY honoured)"
    elif settings.proxy:
        bypass = f" (not for {settings.no_proxy})" if settings.no_proxy else ""
        proxy = display_url(settings.proxy).rstrip("/") + bypass
    else:
        proxy = "none"
    shown: dict[str, Any] = {"Proxy": proxy}
    if settings.client_cert:
        shown["Client.certificate"] = settings.client_cert
    if settings.headers:
        shown["Gateway.headers"] = ", ".join(name for name, _ in settings.header_pairs()) + " (values not shown)"
    return shown
