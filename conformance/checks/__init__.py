"""The named checks, grouped by what they judge, and the registry that runs them.

To add a check: write a function of a ``CheckContext`` in the module of its group, decorate it with
``@check(name, group, *rules)``, and say in its docstring what it asserts and at which level.
"""

from . import effect, envelope, fault, http, message, outcome, timing  # noqa: F401 - importing registers the checks
from .context import CheckContext, Expect
from .registry import (
    NOT_APPLICABLE,
    REGISTRY,
    STATUSES,
    TRANSPORT,
    CheckResult,
    CheckSpec,
    Failure,
    Outcome,
    Registry,
    check,
    run_check,
    run_checks,
)

__all__ = [
    "NOT_APPLICABLE",
    "REGISTRY",
    "STATUSES",
    "TRANSPORT",
    "CheckContext",
    "CheckResult",
    "CheckSpec",
    "Expect",
    "Failure",
    "Outcome",
    "Registry",
    "check",
    "run_check",
    "run_checks",
]
