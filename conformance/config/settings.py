"""Run configuration: CLI flags > environment variables (``CONFORMANCE_*``) > config file (``conformance.toml``,
named environments under ``[env.NAME]``, ``${VAR}`` substitution) > defaults.

Every setting remembers where its value came from (``Settings.origin``), so that a configuration error names the
flag, the environment variable or the file and key to fix.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..contract.soap import INT32_MAX, VERSIONS
from .options import flag_of

DEFAULT_CONFIG_FILE = "conformance.toml"
SECRET_FIELDS = ("ticket", "password", "application_token")
MAX_TIMEOUT = 3600.0  # seconds; more is a typo (1e12), not a wish
DEFAULT_ORIGIN = "default"

Layer = dict[str, tuple[Any, str]]  # setting → (value, where it came from)


class ConfigError(Exception):
    """A usage or configuration problem; the message says what was given, where, and what is accepted."""


@dataclass(frozen=True)
class Settings:
    endpoint: str | None = None
    env: str | None = None
    soap_version: str = "1.1"
    ticket: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    application_token: str | None = field(default=None, repr=False)
    no_credentials: bool = False  # the configured endpoint needs no ticket: run without one
    online: bool = False
    strict: bool = False  # advisories (broken SHOULDs) fail the run like violations
    appointment_ids: tuple[int, ...] = ()
    unused_ids: tuple[int, int] | None = None
    max_examples: int = 50
    seed: int | None = None
    workers: int = 0
    timeout: float = 10.0
    max_failures: int | None = None
    rate_limit: float | None = None
    sla_ms: float | None = None
    report_dir: Path = Path("reports")
    ca_bundle: str | None = None
    insecure: bool = False
    max_response_bytes: int = 10 * 1024 * 1024
    hypothesis_database: str | None = None  # "none", a directory, or redis://host:port/db
    config_file: Path | None = None
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def embedded(self) -> bool:
        return self.endpoint is None

    def secrets(self) -> list[str]:
        return [v for v in (self.ticket, self.password, self.application_token) if v]

    def verify(self) -> bool | str:
        if self.insecure:
            return False
        return self.ca_bundle or True

    def origin(self, name: str) -> str:
        """Where setting ``name`` came from: ``flag --timeout``, ``environment CONFORMANCE_TIMEOUT``,
        ``<file>: timeout`` (``<file>: [env.NAME] timeout``) or ``default``."""
        return self.sources.get(name, DEFAULT_ORIGIN)


_FIELDS = {f.name: f for f in fields(Settings)}
_SETTABLE = set(_FIELDS) - {"sources", "config_file"}
_ALIASES = {"appointment_id": "appointment_ids", "soap": "soap_version"}


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    *,
    require_credentials: bool = True,
) -> Settings:
    """Merge the sources in precedence order and validate the result. ``require_credentials``: a configured
    endpoint needs a ticket or ``no_credentials`` (``conformance run``; ``drift`` reads only the WSDL)."""
    flags = {k: v for k, v in (flags or {}).items() if v is not None and v != [] and v != ()}
    environ = os.environ if environ is None else environ
    from_env = _from_environment(environ)
    config_path = flags.get("config") or from_env.pop("config", (None, ""))[0]
    env_name = flags.get("env") or from_env.get("env", (None, ""))[0]
    from_file, file = _from_file(config_path, env_name, environ, cwd or Path.cwd())
    from_flags = {key: (value, f"flag {flag_of(_canonical(key))}") for key, value in flags.items()}
    values, sources = _merge(from_file, from_env, from_flags)
    coerced = {name: _coerce(name, value, sources[name]) for name, value in values.items()}
    settings = validate(Settings(**coerced, config_file=file, sources=sources))
    if require_credentials:
        check_credentials(settings)
    return settings


def _canonical(key: str) -> str:
    name = key.replace("-", "_")
    return _ALIASES.get(name, name)


def _merge(*layers: Layer) -> tuple[dict[str, Any], dict[str, str]]:
    """Later layers win; each value keeps its origin."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for layer in layers:
        for key, (value, origin) in layer.items():
            name = _canonical(key)
            if name == "config":
                continue
            if name not in _SETTABLE:
                known = ", ".join(sorted(_SETTABLE))
                raise ConfigError(f"unknown setting {key!r} ({origin}); known settings: {known}")
            values[name], sources[name] = value, origin
    return values, sources


def _from_environment(environ: Mapping[str, str]) -> Layer:
    found: Layer = {}
    for key, value in environ.items():
        if not key.startswith("CONFORMANCE_") or value == "":
            continue
        name = _canonical(key.removeprefix("CONFORMANCE_").lower())
        if name in _SETTABLE or name == "config":
            found[name] = (value, f"environment {key}")
    return found


def _from_file(
    path: str | None, env_name: str | None, environ: Mapping[str, str], cwd: Path
) -> tuple[Layer, Path | None]:
    file = Path(path) if path else cwd / DEFAULT_CONFIG_FILE
    if not file.is_file():
        if path:
            raise ConfigError(f"config file {path} does not exist")
        if env_name:
            raise ConfigError(
                f"--env {env_name} needs a config file: no {DEFAULT_CONFIG_FILE} in {cwd} (use --config FILE)"
            )
        return {}, None
    data = _read_toml(file)
    envs = data.pop("env", {})
    if not isinstance(envs, dict):
        raise ConfigError(f"{file}: env = {envs!r}: [env] must be a table of named environments, e.g. [env.staging]")
    layer: Layer = {k: (v, f"{file}: {k}") for k, v in data.items()}
    if env_name:
        layer.update(_environment_section(file, envs, env_name))
    layer = {k: (_substitute(v, environ, origin), origin) for k, (v, origin) in layer.items()}
    return layer, file


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"config file {file} cannot be read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"config file {file} is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); "
            "TOML files must be UTF-8: save it as UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None


def _environment_section(file: Path, envs: dict[str, Any], env_name: str) -> Layer:
    """The settings of ``[env.NAME]``, each with its origin."""
    if env_name not in envs:
        known = ", ".join(sorted(envs)) or "none"
        raise ConfigError(f"{file}: no environment [env.{env_name}] (defined: {known})")
    section = envs[env_name]
    if not isinstance(section, dict):
        raise ConfigError(
            f"{file}: [env.{env_name}] is {section!r}: expected a table of settings, e.g. "
            f'[env.{env_name}] followed by endpoint = "https://…"'
        )
    layer: Layer = {k: (v, f"{file}: [env.{env_name}] {k}") for k, v in section.items()}
    layer["env"] = (env_name, f"{file}: [env.{env_name}]")
    return layer


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _substitute(value: Any, environ: Mapping[str, str], where: str) -> Any:
    if isinstance(value, list):
        return [_substitute(v, environ, where) for v in value]
    if not isinstance(value, str):
        return value

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise ConfigError(f"{where} refers to ${{{name}}}, which is not set in the environment")
        return environ[name]

    return _VAR.sub(lookup, value)


# --- coercion: every source gives strings (environment), TOML values or argparse values --------------------------

_BOOLS = ("online", "insecure", "strict", "no_credentials")
_INTS = ("max_examples", "workers", "max_failures", "max_response_bytes", "seed")
_FLOATS = ("timeout", "rate_limit", "sla_ms")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _coerce(name: str, value: Any, origin: str) -> Any:
    try:
        if name == "appointment_ids":
            return tuple(parse_ids(value))
        if name == "unused_ids":
            return _parse_range(value)
        if name in _BOOLS:
            return _to_bool(value)
        if name in _INTS:
            return _to_int(value)
        if name in _FLOATS:
            return _to_float(value)
        if name == "report_dir":
            return Path(_to_text(value))
        return _to_text(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} {_show(name, value)} ({origin}): {exc}") from None


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError("expected true or false (also 1/0, yes/no, on/off)")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("expected a whole number, not true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError("expected a whole number")
    return int(text)


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError("expected a number, not true/false")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError("expected a number") from None


def _to_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(f"expected a string, not {type(value).__name__}")
    return str(value)


def _show(name: str, value: Any) -> str:
    """``value`` for a message: secrets never, URLs without user info or query, floats as written."""
    if name in SECRET_FIELDS:
        return "(secret, not shown)"
    if isinstance(value, (list, tuple)) and name in ("appointment_ids", "unused_ids"):
        return repr(",".join(map(str, value)))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and name in ("endpoint", "hypothesis_database"):
        return repr(_safe_url(value))
    return repr(value) if isinstance(value, str) else str(value)


def _safe_url(url: str) -> str:
    """``url`` without user info and query (either may carry a secret), even when it does not parse."""
    without_query = url.split("?", 1)[0] + ("?…" if "?" in url else "")
    scheme, sep, rest = without_query.partition("://")
    authority, slash, path = rest.partition("/")
    return f"{scheme}{sep}{authority.rsplit('@', 1)[-1]}{slash}{path}" if sep else without_query


def parse_ids(value: Any) -> list[int]:
    """``[1, 2]``, ``"1,2"``, ``["1,2", "3"]`` → ``[1, 2, 3]``."""
    items = value if isinstance(value, (list, tuple)) else [value]
    ids: list[int] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                continue
            if not re.fullmatch(r"[0-9]+", part):
                raise ValueError(f"appointment id {part!r} is not a positive integer")
            ids.append(int(part))
    return ids


def _parse_range(value: Any) -> tuple[int, int]:
    expected = "expected LOW-HIGH in whole numbers, e.g. 2000000000-2100000000"
    if isinstance(value, str):
        lo, sep, hi = value.partition("-") if "-" in value.strip("-") else value.partition(":")
        if not sep:
            raise ValueError(expected)
        value = [lo, hi]
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(expected)
    try:
        lo, hi = (_to_int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(expected) from None
    return lo, hi


# --- validation ---------------------------------------------------------------------------------------------


def validate(settings: Settings) -> Settings:
    """Every setting within what it means; the first problem raises ``ConfigError``."""
    for check in (_check_soap_version, _check_ids, _check_endpoint, _check_login, _check_numbers, _check_files):
        check(settings)
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
    if settings.username and not settings.password:
        raise ConfigError(f"username ({settings.origin('username')}) needs --password (or CONFORMANCE_PASSWORD)")
    if settings.username and not settings.ticket:
        raise ConfigError(
            "logging in with --username/--password needs SoPrincipal.svc's message contract, which the shipped "
            "reference does not document (only that SoPrincipal issues 7T: tickets); obtain a ticket for the test "
            "user and pass it in CONFORMANCE_TICKET (or --ticket)"
        )


# name → (accepted when, what is accepted); NaN and infinities are never accepted
_NUMBERS: dict[str, tuple[Callable[[float], bool], str]] = {
    "timeout": (lambda v: 0 < v <= MAX_TIMEOUT, f"seconds, more than 0 and at most {MAX_TIMEOUT:g}"),
    "sla_ms": (lambda v: v > 0, "milliseconds, more than 0"),
    "rate_limit": (lambda v: v > 0, "requests per second, more than 0"),
    "max_examples": (lambda v: v >= 1, "a whole number, 1 or more"),
    "workers": (lambda v: v >= 0, "a whole number, 0 (no parallel workers) or more"),
    "max_failures": (lambda v: v >= 1, "a whole number, 1 or more (failed tests before the run stops)"),
    "max_response_bytes": (lambda v: v >= 1, "a whole number of bytes, 1 or more"),
}


def _check_numbers(settings: Settings) -> None:
    for name, (accepted, expected) in _NUMBERS.items():
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


# --- checks of 'conformance run' only ------------------------------------------------------------------------


def check_credentials(settings: Settings) -> None:
    """A configured endpoint needs a ticket, unless the user says it needs none (``no_credentials``)."""
    if settings.embedded:
        return  # the embedded endpoint has its own ticket
    if settings.no_credentials and settings.ticket:
        raise ConfigError(
            f"no_credentials ({settings.origin('no_credentials')}) and a ticket ({settings.origin('ticket')}) "
            "contradict each other: drop one"
        )
    if settings.no_credentials or settings.ticket:
        return
    raise ConfigError(
        f"endpoint {_show('endpoint', settings.endpoint)} ({settings.origin('endpoint')}) has no credentials: "
        'pass a ticket for the test user in CONFORMANCE_TICKET (or --ticket T, or ticket = "${VAR}" in the '
        "config file); if the endpoint really needs none, say so with --no-credentials "
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
