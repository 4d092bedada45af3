"""The command-line options, declared once for both ``conformance run`` (argparse) and the pytest plugin."""

from __future__ import annotations

from typing import Any

# (flag, settings field, argparse keyword arguments). Every default is None: unset flags do not override
# environment variables or the config file.
OPTIONS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "--endpoint",
        "endpoint",
        {"metavar": "URL", "help": "Appointment.svc URL; omitted: the embedded reference endpoint"},
    ),
    ("--env", "env", {"metavar": "NAME", "help": "named environment [env.NAME] in the config file"}),
    ("--config", "config", {"metavar": "FILE", "help": "config file (default: ./conformance.toml if present)"}),
    ("--soap-version", "soap_version", {"choices": ["1.1", "1.2"], "help": "1.1 (the WSDL binding, default) or 1.2"}),
    ("--ticket", "ticket", {"metavar": "T", "help": "NetServer ticket (prefer CONFORMANCE_TICKET: never logged)"}),
    (
        "--username",
        "username",
        {"metavar": "U", "help": "log in as U through SoPrincipal.svc (an explicit ticket wins over a login)"},
    ),
    ("--password", "password", {"metavar": "P", "help": "password for --username (prefer CONFORMANCE_PASSWORD)"}),
    (
        "--principal-endpoint",
        "principal_endpoint",
        {"metavar": "URL", "help": "SoPrincipal.svc URL (default: beside the Appointment.svc endpoint)"},
    ),
    ("--application-token", "application_token", {"metavar": "A", "help": "application token (Online installations)"}),
    (
        "--no-credentials",
        "no_credentials",
        {
            "action": "store_true",
            "default": None,
            "help": "the configured endpoint needs no ticket: run without credentials (the auth cases still run); "
            "without it, a configured endpoint with no ticket is a configuration error "
            "(also CONFORMANCE_NO_CREDENTIALS=1, no_credentials = true)",
        },
    ),
    (
        "--online",
        "online",
        {
            "action": "store_true",
            "default": None,
            "help": "the target is an Online installation: application tokens are enforced",
        },
    ),
    (
        "--strict",
        "strict",
        {
            "action": "store_true",
            "default": None,
            "help": "fail on advisories too (rules a server SHOULD follow), not only on violations (MUST)",
        },
    ),
    (
        "--restore",
        "restore",
        {
            "action": "store_true",
            "default": None,
            "help": "after each observed Reject, put the invitation back with Accept (the default; also "
            "CONFORMANCE_RESTORE, restore = true/false)",
        },
    ),
    (
        "--no-restore",
        "restore",
        {"action": "store_false", "default": None, "help": "leave rejected invitations declined"},
    ),
    (
        "--appointment-id",
        "appointment_ids",
        {"metavar": "ID", "action": "append", "help": "an id the suite may Reject (repeatable, or comma-separated)"},
    ),
    ("--unused-ids", "unused_ids", {"metavar": "LOW-HIGH", "help": "an id range surely unused on the target"}),
    ("--max-examples", "max_examples", {"metavar": "N", "help": "hypothesis examples per property"}),
    ("--seed", "seed", {"metavar": "N", "help": "hypothesis seed, to reproduce a run"}),
    (
        "--timeout",
        "timeout",
        {"metavar": "SECONDS", "help": "per-request timeout (default 10; at most 3600)"},
    ),
    (
        "--concurrency",
        "concurrency",
        {
            "metavar": "N",
            "help": "up to N exchanges on the wire at once, for slow endpoints (default 1: one at a time)",
        },
    ),
    ("--max-failures", "max_failures", {"metavar": "N", "help": "stop after N failed tests (N >= 1)"}),
    ("--rate-limit", "rate_limit", {"metavar": "PER_S", "help": "at most PER_S requests per second"}),
    (
        "--sla-ms",
        "sla_ms",
        {"metavar": "MS", "help": "enable the response-time check with this SLA (MS > 0)"},
    ),
    ("--report-dir", "report_dir", {"metavar": "DIR", "help": "where reports go (default: reports)"}),
    ("--ca-bundle", "ca_bundle", {"metavar": "FILE", "help": "CA bundle for TLS verification"}),
    ("--insecure", "insecure", {"action": "store_true", "default": None, "help": "do not verify TLS certificates"}),
    (
        "--proxy",
        "proxy",
        {"metavar": "URL", "help": "send every request through this HTTP(S) proxy (user:password@ in it is a secret)"},
    ),
    ("--no-proxy", "no_proxy", {"metavar": "HOSTS", "help": "comma-separated hosts (or .domains) that bypass --proxy"}),
    (
        "--proxy-from-env",
        "proxy_from_env",
        {
            "action": "store_true",
            "default": None,
            "help": "honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment (never netrc)",
        },
    ),
    ("--client-cert", "client_cert", {"metavar": "FILE", "help": "PEM client certificate for mutual TLS"}),
    (
        "--client-key",
        "client_key",
        {"metavar": "FILE", "help": "its PEM private key (passphrase in CONFORMANCE_CLIENT_KEY_PASSWORD)"},
    ),
    (
        "--header",
        "headers",
        {
            "metavar": "'NAME: VALUE'",
            "action": "append",
            "help": "add this header to every request (repeatable; ${VAR} in VALUE; values are secrets)",
        },
    ),
    (
        "--hypothesis-database",
        "hypothesis_database",
        {
            "metavar": "DB",
            "help": "none, a directory, or redis://host:port/db (default: none under CI, else .hypothesis)",
        },
    ),
]


def dest(field: str) -> str:
    return f"conformance_{field}"


def long_flag(flag: str) -> str:
    """``--timeout`` → ``--conformance-timeout``: the plugin's name for an option that never clashes."""
    return flag.replace("--", "--conformance-", 1)


def flag_of(field: str) -> str:
    """The flag that sets ``field`` (``appointment_ids`` → ``--appointment-id``; ``workers`` → ``--workers``)."""
    return next((flag for flag, name, _kwargs in OPTIONS if name == field), "--" + field.replace("_", "-"))


def flags_from(namespace: Any) -> dict[str, Any]:
    """Settings-field → value for every option given on the command line."""
    found = {}
    for _flag, field, _kwargs in OPTIONS:
        value = getattr(namespace, dest(field), None)
        if value is not None:
            found[field] = value
    return found
