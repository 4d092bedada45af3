"""Where settings come from, in precedence order: CLI flags > environment variables (``CONFORMANCE_*``) >
config file (``conformance.toml``, named environments under ``[env.NAME]``, ``${VAR}`` substitution) > defaults;
``load_settings`` merges them, keeping each value's origin."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .checks import check_credentials, validate
from .options import flag_of
from .settings import _ALIASES, _SETTABLE, DEFAULT_CONFIG_FILE, Settings
from .values import _coerce

Layer = dict[str, tuple[Any, str]]  # setting → (value, where it came from)


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
