"""The command line: ``conformance run|drift|serve|report`` (``main``), and the preflight of a run."""

from .main import main

__all__ = ["main"]
