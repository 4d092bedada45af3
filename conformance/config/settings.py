"""Run configuration: CLI flags > environment variables (``CONFORMANCE_*``) > config file (``conformance.toml``,
named environments under ``[env.NAME]``, ``${VAR}`` substitution) > defaults.

Every setting remembers where its value came from (``Settings.origin``), so that a configuration error names the
flag, the environment variable or the file and key to fix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_CONFIG_FILE = "conformance.toml"


SECRET_FIELDS = ("ticket", "password", "application_token", "client_key_password")


MAX_TIMEOUT = 3600.0  # seconds; more is a typo (1e12), not a wish
MAX_CONCURRENCY = 64  # exchanges in flight; more is a typo, or a load test (which this suite is not)


DEFAULT_ORIGIN = "default"


def concurrency_per_process(concurrency: int, workers: int) -> int:
    """``--concurrency N`` is for the whole run: under ``--workers W`` each process gets N // W (at least 1)."""
    return max(1, concurrency // max(workers, 1))


@dataclass(frozen=True)
class Settings:
    endpoint: str | None = None
    env: str | None = None
    soap_version: str = "1.1"
    ticket: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    principal_endpoint: str | None = None  # SoPrincipal.svc, when not beside Appointment.svc
    authenticated_by: str | None = None  # set by `conformance run` after its login ("login as U (…)"), for reports
    unfit: tuple[tuple[int, str], ...] = ()  # allow-listed ids found unfit before the first Reject (set by the run)
    application_token: str | None = field(default=None, repr=False)
    no_credentials: bool = False  # the configured endpoint needs no ticket: run without one
    online: bool = False
    strict: bool = False  # advisories (broken SHOULDs) fail the run like violations
    restore: bool = True  # put each invitation a Reject declined back with Accept (--no-restore: leave it)
    appointment_ids: tuple[int, ...] = ()
    unused_ids: tuple[int, int] | None = None
    max_examples: int = 50
    seed: int | None = None
    workers: int = 0
    concurrency: int = 1  # exchanges on the wire at once (all processes together); 1: one at a time
    series: tuple[tuple[int, int | None], ...] = ()  # allow-listed id → its series (survey; set by the run)
    surveyed: bool = False  # the allow-listed appointments were surveyed before the first Reject (set by the run)
    timeout: float = 10.0
    max_failures: int | None = None
    rate_limit: float | None = None
    sla_ms: float | None = None
    report_dir: Path = Path("reports")
    ca_bundle: str | None = None
    insecure: bool = False
    proxy: str | None = field(default=None, repr=False)  # may carry user:password: a secret in every output
    no_proxy: str | None = None  # hosts that bypass --proxy (comma-separated)
    proxy_from_env: bool = False  # honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY (never netrc)
    client_cert: str | None = None  # PEM certificate (chain) presented to a gateway that asks for one
    client_key: str | None = None  # its PEM private key, when not in the certificate file
    client_key_password: str | None = field(default=None, repr=False)
    headers: tuple[str, ...] = field(default=(), repr=False)  # "Name: value" added to every request (secret values)
    max_response_bytes: int = 10 * 1024 * 1024
    hypothesis_database: str | None = None  # "none", a directory, or redis://host:port/db
    config_file: Path | None = None
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def embedded(self) -> bool:
        return self.endpoint is None

    def secrets(self) -> list[str]:
        return [v for v in (self.ticket, self.password, self.application_token) if v] + self.network_secrets()

    def network_secrets(self) -> list[str]:
        """What the way to the endpoint carries that no output may show: the proxy's user info, the key's
        passphrase, the gateway headers' values."""
        from ..contract.redaction import url_secrets

        values = [value.strip() for _, value in self.header_pairs()]
        return [s for s in (*url_secrets(self.proxy), self.client_key_password, *values) if s]

    def header_pairs(self) -> list[tuple[str, str]]:
        return [(name.strip(), value.strip()) for name, _, value in (h.partition(":") for h in self.headers)]

    @property
    def logs_in(self) -> bool:
        """The run logs in with ``username``/``password``: an explicit ticket wins over them."""
        return bool(self.username and self.password and not self.ticket)

    def verify(self) -> bool | str:
        if self.insecure:
            return False
        return self.ca_bundle or True

    def origin(self, name: str) -> str:
        """Where setting ``name`` came from: ``flag --timeout``, ``environment CONFORMANCE_TIMEOUT``,
        ``<file>: timeout`` (``<file>: [env.NAME] timeout``) or ``default``."""
        return self.sources.get(name, DEFAULT_ORIGIN)


_FIELDS = {f.name: f for f in fields(Settings)}


_SETTABLE = set(_FIELDS) - {"sources", "config_file", "unfit", "series", "surveyed"}


_ALIASES = {"appointment_id": "appointment_ids", "soap": "soap_version", "header": "headers"}


# name → (accepted when, what is accepted); NaN and infinities are never accepted
NUMBER_RULES: dict[str, tuple[Callable[[float], bool], str]] = {
    "timeout": (lambda v: 0 < v <= MAX_TIMEOUT, f"seconds, more than 0 and at most {MAX_TIMEOUT:g}"),
    "sla_ms": (lambda v: v > 0, "milliseconds, more than 0"),
    "rate_limit": (lambda v: v > 0, "requests per second, more than 0"),
    "max_examples": (lambda v: v >= 1, "a whole number, 1 or more"),
    "workers": (lambda v: v >= 0, "a whole number, 0 (no parallel workers) or more"),
    "concurrency": (lambda v: 1 <= v <= MAX_CONCURRENCY, f"a whole number from 1 to {MAX_CONCURRENCY}"),
    "max_failures": (lambda v: v >= 1, "a whole number, 1 or more (failed tests before the run stops)"),
    "max_response_bytes": (lambda v: v >= 1, "a whole number of bytes, 1 or more"),
}
