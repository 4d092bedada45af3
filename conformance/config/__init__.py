"""Run configuration: the options (declared once for the CLI and the pytest plugin, ``options``), the settings they,
``CONFORMANCE_*`` variables and ``conformance.toml`` make (``settings``, ``sources``, ``values``), and the checks a
configuration passes before a run (``checks``)."""

from ..errors import ConfigError
from .checks import check_credentials, check_report_dir, url_problem, validate
from .settings import Settings
from .sources import load_settings
from .values import parse_ids

__all__ = [
    "ConfigError",
    "Settings",
    "check_credentials",
    "check_report_dir",
    "load_settings",
    "parse_ids",
    "url_problem",
    "validate",
]
