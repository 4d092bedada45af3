"""Run configuration: the options (declared once for the CLI and the pytest plugin) and the settings they,
``CONFORMANCE_*`` variables and ``conformance.toml`` make."""
