"""Run configuration: CLI flags > environment variables (``CONFORMANCE_*``) > config file (``conformance.toml``,
named environments under ``[env.NAME]``, ``${VAR}`` substitution) > defaults."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .contract import INT32_MAX, VERSIONS

DEFAULT_CONFIG_FILE = "conformance.toml"
SECRET_FIELDS = ("ticket", "password", "application_token")


class ConfigError(Exception):
    """A usage or configuration problem; the message says what was given and what is accepted."""


@dataclass(frozen=True)
class Settings:
    endpoint: str | None = None
    env: str | None = None
    soap_version: str = "1.1"
    ticket: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    application_token: str | None = field(default=None, repr=False)
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

    @property
    def embedded(self) -> bool:
        return self.endpoint is None

    def secrets(self) -> list[str]:
        return [v for v in (self.ticket, self.password, self.application_token) if v]

    def verify(self) -> bool | str:
        if self.insecure:
            return False
        return self.ca_bundle or True


_FIELDS = {f.name: f for f in fields(Settings)}
_ALIASES = {"appointment_id": "appointment_ids", "soap": "soap_version"}


def load_settings(
    flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Settings:
    """Merge the sources in precedence order and validate the result."""
    flags = {k: v for k, v in (flags or {}).items() if v is not None and v != [] and v != ()}
    environ = os.environ if environ is None else environ
    from_env = _from_environment(environ)
    config_path = flags.get("config") or from_env.pop("config", None)
    env_name = flags.get("env") or from_env.get("env")
    from_file = _from_file(config_path, env_name, environ, cwd or Path.cwd())
    merged: dict[str, Any] = {}
    for source in (from_file, from_env, flags):
        for key, value in source.items():
            name = _ALIASES.get(key.replace("-", "_"), key.replace("-", "_"))
            if name == "config":
                continue
            if name not in _FIELDS:
                raise ConfigError(f"unknown setting {key!r}; known settings: {', '.join(sorted(_FIELDS))}")
            merged[name] = value
    if config_path or from_file:
        merged["config_file"] = Path(config_path) if config_path else merged.get("config_file")
    return validate(Settings(**{k: _coerce(k, v) for k, v in merged.items()}))


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith("CONFORMANCE_") or value == "":
            continue
        name = key.removeprefix("CONFORMANCE_").lower()
        name = _ALIASES.get(name, name)
        if name in _FIELDS or name == "config":
            found[name] = value
    return found


def _from_file(path: str | None, env_name: str | None, environ: Mapping[str, str], cwd: Path) -> dict[str, Any]:
    file = Path(path) if path else cwd / DEFAULT_CONFIG_FILE
    if not file.is_file():
        if path:
            raise ConfigError(f"config file {path} does not exist")
        if env_name:
            raise ConfigError(
                f"--env {env_name} needs a config file: no {DEFAULT_CONFIG_FILE} in {cwd} (use --config FILE)"
            )
        return {}
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    envs = data.pop("env", {})
    if not isinstance(envs, dict):
        raise ConfigError(f"{file}: [env] must be a table of named environments, e.g. [env.staging]")
    result = dict(data)
    if env_name:
        if env_name not in envs:
            known = ", ".join(sorted(envs)) or "none"
            raise ConfigError(f"{file}: no environment [env.{env_name}] (defined: {known})")
        result.update(envs[env_name])
        result["env"] = env_name
    result = {k: _substitute(v, environ, f"{file}: {k}") for k, v in result.items()}
    result["config_file"] = file
    return result


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


def _coerce(name: str, value: Any) -> Any:
    try:
        if name == "appointment_ids":
            return tuple(parse_ids(value))
        if name == "unused_ids":
            return _parse_range(value)
        if name in ("online", "insecure", "strict"):
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        if name in ("max_examples", "workers", "max_failures", "max_response_bytes", "seed"):
            return int(value)
        if name in ("timeout", "rate_limit", "sla_ms"):
            return float(value)
        if name in ("report_dir", "config_file"):
            return Path(value)
        return value if value is None else str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name}: cannot use {value!r}: {exc}") from None


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
    if isinstance(value, str):
        lo, sep, hi = value.partition("-") if "-" in value.strip("-") else value.partition(":")
        if not sep:
            raise ValueError("expected LOW-HIGH, e.g. 2000000000-2100000000")
        value = [lo, hi]
    lo, hi = (int(v) for v in value)
    return lo, hi


def validate(settings: Settings) -> Settings:
    if settings.soap_version not in VERSIONS:
        raise ConfigError(f"--soap-version {settings.soap_version!r}: expected 1.1 or 1.2")
    for aid in settings.appointment_ids:
        if not 0 < aid <= INT32_MAX:
            raise ConfigError(f"--appointment-id {aid}: allow-listed ids must be real appointment ids (1..{INT32_MAX})")
    if settings.unused_ids is not None:
        lo, hi = settings.unused_ids
        if not 0 < lo <= hi <= INT32_MAX:
            raise ConfigError(f"unused_ids {lo}-{hi}: expected 1 <= LOW <= HIGH <= {INT32_MAX}")
        clash = [a for a in settings.appointment_ids if lo <= a <= hi]
        if clash:
            raise ConfigError(
                f"unused_ids {lo}-{hi} contains allow-listed ids {clash}: the 'surely unused' range "
                "must not hold real appointments"
            )
    if settings.endpoint is not None and not re.match(r"https?://", settings.endpoint):
        raise ConfigError(f"--endpoint {settings.endpoint!r}: expected an http:// or https:// URL")
    if settings.username and not settings.password:
        raise ConfigError("--username needs --password (or CONFORMANCE_PASSWORD)")
    if settings.username and not settings.ticket:
        raise ConfigError(
            "logging in with --username/--password needs SoPrincipal.svc's message contract, which the shipped "
            "reference does not document (only that SoPrincipal issues 7T: tickets); obtain a ticket for the test "
            "user and pass it in CONFORMANCE_TICKET (or --ticket)"
        )
    if settings.max_examples < 1:
        raise ConfigError("--max-examples must be at least 1")
    if settings.timeout <= 0:
        raise ConfigError("--timeout must be positive (seconds)")
    if settings.rate_limit is not None and settings.rate_limit <= 0:
        raise ConfigError("--rate-limit must be positive (requests per second)")
    return settings
