"""The pytest plugin (entry point ``pytest11``: ``conformance.plugin.hooks``)."""
