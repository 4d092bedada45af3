"""Checking settings at start: ranges, URLs, files, credentials and the report directory, each mistake one
``ConfigError`` line naming the setting, its value, where it came from and what is accepted."""

from __future__ import annotations

import ipaddress
import math
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..contract.soap import INT32_MAX, VERSIONS
from ..errors import ConfigError
from .network import check_network
from .settings import NUMBER_RULES, Settings
from .values import _show


def validate(settings: Settings) -> Settings:
    """Every setting within what it means; the first problem raises ``ConfigError``."""
    for check in (_check_soap_version, _check_ids, _check_endpoint, _check_login, _check_numbers, _check_files):
        check(settings)
    check_network(settings)
    return settings


def _bad(settings: Settings, name: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"{name} {_show(name, value)} ({settings.origin(name)}): expected {expected}")


def _check_soap_version(settings: Settings) -> None:
    if settings.soap_version not in VERSIONS:
        raise _bad(settings, "soap_version", settings.soap_version, "1.1 or 1.2")


def _check_ids(settings: Settings) -> None:
    for aid in settings.appointment_ids:
        if not 0 < aid <= INT32_MAX:
            raise _bad(settings, "appointment_ids", aid, f"real appointment ids (1..{INT32_MAX})")
    if settings.unused_ids is None:
        return
    lo, hi = settings.unused_ids
    if not 0 < lo <= hi <= INT32_MAX:
        raise _bad(settings, "unused_ids", f"{lo}-{hi}", f"1 <= LOW <= HIGH <= {INT32_MAX}")
    clash = [a for a in settings.appointment_ids if lo <= a <= hi]
    if clash:
        raise ConfigError(
            f"unused_ids {lo}-{hi} ({settings.origin('unused_ids')}) contains allow-listed ids {clash} "
            f"({settings.origin('appointment_ids')}): the 'surely unused' range must not hold real appointments"
        )


_HOST_LABEL = re.compile(r"[\w-]+")


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a usable http(s) URL, or ``None``."""
    if any(c.isspace() or ord(c) < 32 for c in url):
        return "it contains white space or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number or out of range
    except ValueError as exc:
        return f"it does not parse: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        return "not an http:// or https:// URL"
    host = parts.hostname
    if not host:
        return "it names no host"
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    if not all(_HOST_LABEL.fullmatch(label) for label in host.removesuffix(".").split(".")):
        return f"{host!r} is not a host name or IP address"
    return None


def _check_endpoint(settings: Settings) -> None:
    if settings.endpoint is None:
        return
    problem = url_problem(settings.endpoint)
    if problem:
        raise _bad(
            settings,
            "endpoint",
            settings.endpoint,
            f"an http:// or https:// URL with a host, e.g. https://host/Cust1/Remote/Services82/Appointment.svc "
            f"({problem})",
        )


def _check_login(settings: Settings) -> None:
    url = settings.principal_endpoint
    if url is not None and url_problem(url):
        raise _bad(settings, "principal_endpoint", url, f"an http:// or https:// URL ({url_problem(url)})")


def _check_numbers(settings: Settings) -> None:
    for name, (accepted, expected) in NUMBER_RULES.items():
        value = getattr(settings, name)
        if value is not None and not (math.isfinite(value) and accepted(value)):
            raise _bad(settings, name, value, expected)


def _check_files(settings: Settings) -> None:
    if settings.ca_bundle and not Path(settings.ca_bundle).exists():
        raise _bad(settings, "ca_bundle", settings.ca_bundle, "an existing CA bundle file (PEM) or directory")
    database = settings.hypothesis_database
    if database and database.startswith(("redis://", "rediss://")) and not _redis_installed():
        raise _bad(
            settings,
            "hypothesis_database",
            database,
            "none, a directory, or a Redis URL with the redis package installed, which it is not: "
            "pip install 'conformance[redis]'",
        )


def _redis_installed() -> bool:
    try:
        import redis  # noqa: F401
        from hypothesis.extra import redis as _  # noqa: F401
    except ImportError:
        return False
    return True


def check_credentials(settings: Settings) -> None:
    """A configured endpoint needs a ticket, unless the user says it needs none (``no_credentials``); a username
    needs its password (``drift`` skips this: it reads the WSDL only, and a username alone tells it to compare
    the login contract too)."""
    if settings.username and not settings.password:
        raise ConfigError(f"username ({settings.origin('username')}) needs --password (or CONFORMANCE_PASSWORD)")
    if settings.password and not settings.username:
        raise ConfigError(f"password ({settings.origin('password')}) needs --username (or CONFORMANCE_USERNAME)")
    if settings.embedded:
        return  # the embedded endpoint has its own ticket
    if settings.no_credentials and settings.ticket:
        raise ConfigError(
            f"no_credentials ({settings.origin('no_credentials')}) and a ticket ({settings.origin('ticket')}) "
            "contradict each other: drop one"
        )
    if settings.no_credentials or settings.ticket or settings.username:
        return
    raise ConfigError(
        f"endpoint {_show('endpoint', settings.endpoint)} ({settings.origin('endpoint')}) has no credentials: "
        "log in with --username U and CONFORMANCE_PASSWORD, or pass a ticket in CONFORMANCE_TICKET (or --ticket T, "
        'or ticket = "${VAR}" in the config file); if the endpoint really needs none, say so with --no-credentials '
        "(CONFORMANCE_NO_CREDENTIALS=1, no_credentials = true)"
    )


def check_report_dir(settings: Settings) -> None:
    """``report_dir`` is a directory the run can write into, or can be created as one: checked by writing a
    temporary file into it (or into its nearest existing parent), so that nothing is left behind."""
    path = Path(settings.report_dir)
    where = f"report_dir {str(path)!r} ({settings.origin('report_dir')})"
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{where} is a file: expected a directory (or a path where one can be created)")
    existing = next((p for p in (path.absolute(), *path.absolute().parents) if p.exists()), Path("/"))
    try:
        if not existing.is_dir():
            raise NotADirectoryError(0, f"{existing} is a file")
        with tempfile.TemporaryFile(dir=existing, prefix=".conformance-write-check-"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{where} cannot be written: {exc.strerror or exc}: expected a directory the suite can create "
            "and write into (reports, allure-results, junit.xml)"
        ) from None
