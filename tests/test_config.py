"""Configuration precedence: flags > CONFORMANCE_* > config file [env.NAME] > config file top level > defaults."""

from __future__ import annotations

import pytest

from conformance.config import ConfigError, load_settings

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
        ({"username": "u", "password": "p"}, {}, "SoPrincipal.svc's message contract"),
    ],
)
def test_bad_configuration_is_explained(config_dir, flags, env, words):
    with pytest.raises(ConfigError) as info:
        load_settings(flags, env, cwd=config_dir)
    assert words in str(info.value)


def test_secrets_are_not_in_the_settings_repr(config_dir):
    s = load_settings(
        {"env": "staging", "password": "hunter22", "username": "u"}, {"SO_TICKET": "7T:zz"}, cwd=config_dir
    )
    assert "7T:zz" not in repr(s) and "hunter22" not in repr(s)
