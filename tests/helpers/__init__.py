"""Helpers the tests share (``tests/`` is on ``sys.path``, see pyproject's ``pythonpath``): exchanges built from
bytes, the real command line in a subprocess, and raw-socket hostile endpoints."""
