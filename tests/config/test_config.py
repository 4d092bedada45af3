"""Configuration precedence: flags > CONFORMANCE_* > config file [env.NAME] > config file top level > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.config import ConfigError, check_report_dir, load_settings

CONFIG = """
soap_version = "1.1"
timeout = 5

[env.staging]
endpoint = "https://staging.example.test/Cust1/Remote/Services82/Appointment.svc"
ticket = "${SO_TICKET}"
appointment_ids = [501, 502]
unused_ids = "2000000000-2100000000"
soap_version = "1.2"
"""


@pytest.fixture
def config_dir(tmp_path):
    (tmp_path / "conformance.toml").write_text(CONFIG)
    return tmp_path


def test_named_environment_with_substitution(config_dir):
    s = load_settings({"env": "staging"}, {"SO_TICKET": "7T:secret"}, cwd=config_dir)
    assert s.endpoint.startswith("https://staging") and s.ticket == "7T:secret" and s.soap_version == "1.2"
    assert s.appointment_ids == (501, 502) and s.unused_ids == (2000000000, 2100000000) and s.timeout == 5


def test_environment_variables_override_the_file_and_flags_override_both(config_dir):
    env = {"SO_TICKET": "t", "CONFORMANCE_SOAP_VERSION": "1.1", "CONFORMANCE_TIMEOUT": "7"}
    s = load_settings({"env": "staging"}, env, cwd=config_dir)
    assert (s.soap_version, s.timeout) == ("1.1", 7.0)
    s = load_settings({"env": "staging", "timeout": 9.0, "appointment_ids": ["7,8", "9"]}, env, cwd=config_dir)
    assert s.timeout == 9.0 and s.appointment_ids == (7, 8, 9)


def test_defaults_without_any_source(tmp_path):
    s = load_settings({}, {}, cwd=tmp_path)
    assert s.embedded and s.soap_version == "1.1" and s.appointment_ids == ()


@pytest.mark.parametrize(
    ("flags", "env", "words"),
    [
        ({"env": "prod"}, {"SO_TICKET": "t"}, "no environment [env.prod] (defined: staging)"),
        ({"env": "staging"}, {}, "${SO_TICKET}, which is not set"),
        ({"soap_version": "1.3"}, {}, "expected 1.1 or 1.2"),
        ({"appointment_ids": ["12,abc"]}, {}, "'abc' is not a positive integer"),
        ({"endpoint": "ftp://x"}, {}, "http:// or https://"),
        ({"unused_ids": "5-10", "appointment_ids": ["7"]}, {}, "contains allow-listed ids [7]"),
        ({"config": "missing.toml"}, {}, "does not exist"),
        ({"username": "u"}, {}, "needs --password"),
        ({"password": "p"}, {}, "needs --username"),
        ({"username": "u", "password": "p", "principal_endpoint": "ftp://x"}, {}, "principal_endpoint"),
    ],
)
def test_bad_configuration_is_explained(config_dir, flags, env, words):
    with pytest.raises(ConfigError) as info:
        load_settings(flags, env, cwd=config_dir)
    assert words in str(info.value)


def test_a_login_is_credentials_and_an_explicit_ticket_wins_over_it(config_dir):
    endpoint = {"endpoint": "https://x.test/Remote/Services82/Appointment.svc"}
    login = load_settings({**endpoint, "username": "u", "password": "p"}, {}, cwd=config_dir)
    assert login.logs_in
    both = load_settings({**endpoint, "username": "u", "password": "p", "ticket": "7T:t"}, {}, cwd=config_dir)
    assert not both.logs_in and both.ticket == "7T:t"


def test_secrets_are_not_in_the_settings_repr(config_dir):
    s = load_settings(
        {"env": "staging", "password": "hunter22", "username": "u"}, {"SO_TICKET": "7T:zz"}, cwd=config_dir
    )
    assert "7T:zz" not in repr(s) and "hunter22" not in repr(s)


# --- meaningless values: the setting, its value, where it came from and what is accepted ------------------------


@pytest.mark.parametrize(
    ("flags", "env", "words"),
    [
        ({"timeout": float("nan")}, {}, "timeout nan (flag --timeout): expected seconds, more than 0 and at most 3600"),
        ({"timeout": float("inf")}, {}, "timeout inf (flag --timeout)"),
        ({"timeout": 1e12}, {}, "timeout 1e+12 (flag --timeout)"),
        ({"timeout": 0.0}, {}, "timeout 0 (flag --timeout)"),
        ({}, {"CONFORMANCE_TIMEOUT": "-1"}, "timeout -1 (environment CONFORMANCE_TIMEOUT)"),
        ({"sla_ms": -5.0}, {}, "sla_ms -5 (flag --sla-ms): expected milliseconds, more than 0"),
        ({}, {"CONFORMANCE_SLA_MS": "nan"}, "sla_ms nan (environment CONFORMANCE_SLA_MS)"),
        ({"sla_ms": float("inf")}, {}, "sla_ms inf (flag --sla-ms)"),
        ({"workers": -1}, {}, "workers -1 (flag --workers): expected a whole number, 0 (no parallel workers) or more"),
        ({"max_failures": 0}, {}, "max_failures 0 (flag --max-failures): expected a whole number, 1 or more"),
        ({}, {"CONFORMANCE_MAX_FAILURES": "-1"}, "max_failures -1 (environment CONFORMANCE_MAX_FAILURES)"),
        ({"rate_limit": float("nan")}, {}, "rate_limit nan (flag --rate-limit)"),
        ({}, {"CONFORMANCE_RATE_LIMIT": "inf"}, "rate_limit inf (environment CONFORMANCE_RATE_LIMIT)"),
        ({}, {"CONFORMANCE_MAX_EXAMPLES": "nan"}, "max_examples 'nan' (environment CONFORMANCE_MAX_EXAMPLES)"),
        ({}, {"CONFORMANCE_WORKERS": "1.5"}, "workers '1.5' (environment CONFORMANCE_WORKERS): expected a whole"),
        ({}, {"CONFORMANCE_INSECURE": "maybe"}, "insecure 'maybe' (environment CONFORMANCE_INSECURE): expected true"),
        ({"endpoint": "http://"}, {}, "endpoint 'http://' (flag --endpoint): expected an http:// or https:// URL"),
        ({"endpoint": "http://:80/x"}, {}, "it names no host"),
        ({"endpoint": "http://exa mple/"}, {}, "white space"),
        ({"endpoint": "http:///Appointment.svc"}, {}, "it names no host"),
        ({"endpoint": "https://a..b/x"}, {}, "'a..b' is not a host name or IP address"),
        ({"endpoint": "http://h:99999/x"}, {}, "Port out of range"),
        ({"ca_bundle": "no-such-ca.pem"}, {}, "ca_bundle 'no-such-ca.pem' (flag --ca-bundle): expected an existing"),
    ],
)
def test_meaningless_values_are_refused_with_their_source(tmp_path, flags, env, words):
    with pytest.raises(ConfigError) as info:
        load_settings(flags, env, cwd=tmp_path)
    assert words in str(info.value)


def test_a_value_from_the_config_file_names_the_file_and_key(config_dir):
    (config_dir / "conformance.toml").write_text(CONFIG + "timeout = nan\n")  # appended to [env.staging]
    with pytest.raises(ConfigError) as info:
        load_settings({"env": "staging"}, {"SO_TICKET": "t"}, cwd=config_dir)
    assert f"timeout nan ({config_dir / 'conformance.toml'}: [env.staging] timeout)" in str(info.value)


def test_a_url_with_secrets_is_shown_without_them(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings({"endpoint": "http://user:pa55word@exa mple/x?ticket=7T:leak"}, {}, cwd=tmp_path)
    assert "pa55word" not in str(info.value) and "7T:leak" not in str(info.value)


def test_sensible_values_are_accepted_and_remember_where_they_came_from(config_dir):
    env = {"SO_TICKET": "t", "CONFORMANCE_MAX_EXAMPLES": "100000000", "CONFORMANCE_INSECURE": "off"}
    s = load_settings({"env": "staging", "timeout": 3600.0, "workers": 0}, env, cwd=config_dir)
    assert (s.max_examples, s.timeout, s.workers, s.insecure) == (100000000, 3600.0, 0, False)
    assert s.origin("timeout") == "flag --timeout"
    assert s.origin("max_examples") == "environment CONFORMANCE_MAX_EXAMPLES"
    assert s.origin("endpoint") == f"{config_dir / 'conformance.toml'}: [env.staging] endpoint"
    assert s.origin("soap_version") == f"{config_dir / 'conformance.toml'}: [env.staging] soap_version"
    assert s.origin("rate_limit") == "default"


def test_endpoints_that_are_fine(tmp_path):
    for url in (
        "https://staging.example.com/Cust1/Remote/Services82/Appointment.svc",
        "http://[::1]:8082/x",
        "http://127.0.0.1:8082/x",
        "http://so_staging.intra./x",
    ):
        assert load_settings({"endpoint": url, "ticket": "t"}, {}, cwd=tmp_path).endpoint == url


# --- credentials on a configured endpoint ---------------------------------------------------------------------

ENDPOINT = "https://staging.example.test/Cust1/Remote/Services82/Appointment.svc"


def test_a_configured_endpoint_without_credentials_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings({"endpoint": ENDPOINT}, {"CONFORMANCE_APPLICATION_TOKEN": "app"}, cwd=tmp_path)
    message = str(info.value)
    assert "(flag --endpoint) has no credentials" in message
    assert "CONFORMANCE_TICKET" in message and "--ticket" in message and "--no-credentials" in message


@pytest.mark.parametrize(
    ("flags", "env", "file"),
    [
        ({"no_credentials": True}, {}, ""),
        ({}, {"CONFORMANCE_NO_CREDENTIALS": "1"}, ""),
        ({}, {}, "no_credentials = true\n"),
    ],
    ids=["flag", "environment", "file"],
)
def test_no_credentials_says_the_endpoint_needs_none(tmp_path, flags, env, file):
    if file:
        (tmp_path / "conformance.toml").write_text(file)
    s = load_settings({"endpoint": ENDPOINT, **flags}, env, cwd=tmp_path)
    assert s.no_credentials and s.ticket is None


def test_credentials_are_not_required_by_drift_nor_by_the_embedded_endpoint(tmp_path):
    assert load_settings({"endpoint": ENDPOINT}, {}, cwd=tmp_path, require_credentials=False).ticket is None
    assert load_settings({}, {}, cwd=tmp_path).embedded


def test_no_credentials_with_a_ticket_is_contradictory(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings({"endpoint": ENDPOINT, "no_credentials": True}, {"CONFORMANCE_TICKET": "7T:x"}, cwd=tmp_path)
    assert "(flag --no-credentials) and a ticket (environment CONFORMANCE_TICKET)" in str(info.value)
    assert "7T:x" not in str(info.value)


# --- the config file itself ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "flags", "words"),
    [
        (b"env = 3\n", {}, "env = 3: [env] must be a table of named environments"),
        (b"[env]\nstaging = 3\n", {"env": "staging"}, "[env.staging] is 3: expected a table of settings"),
        (b"timeout = 5\n# caf\xe9\n", {}, "is not UTF-8 text (byte 0xe9 on line 2)"),
        (b"timeout = [1]\n", {}, "timeout [1] ("),
        (b"endpoint = {a = 1}\n", {}, "endpoint {'a': 1} ("),
    ],
)
def test_a_broken_config_file_is_explained(tmp_path, content, flags, words):
    (tmp_path / "conformance.toml").write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_settings(flags, {}, cwd=tmp_path)
    assert words in str(info.value)


def test_a_config_file_with_a_byte_order_mark_is_read(tmp_path):
    (tmp_path / "conformance.toml").write_bytes(b"\xef\xbb\xbftimeout = 7\n")
    assert load_settings({}, {}, cwd=tmp_path).timeout == 7.0


# --- the report directory ------------------------------------------------------------------------------------


def test_the_report_dir_must_be_writable_and_is_not_created_by_the_check(tmp_path):
    check_report_dir(load_settings({"report_dir": str(tmp_path / "new" / "reports")}, {}, cwd=tmp_path))
    assert not (tmp_path / "new").exists() and list(tmp_path.iterdir()) == []
    (tmp_path / "file").write_text("x")
    for report_dir, words in ((tmp_path / "file", "is a file"), (tmp_path / "file" / "sub", "cannot be written")):
        with pytest.raises(ConfigError) as info:
            check_report_dir(load_settings({"report_dir": str(report_dir)}, {}, cwd=tmp_path))
        assert words in str(info.value) and "(flag --report-dir)" in str(info.value)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc, which no one can write, root neither")
def test_a_report_dir_on_a_file_system_no_one_can_write_is_refused(tmp_path):
    with pytest.raises(ConfigError) as info:
        check_report_dir(load_settings({"report_dir": "/proc/conformance-reports"}, {}, cwd=tmp_path))
    assert "cannot be written" in str(info.value)
