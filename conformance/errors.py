"""Every exception the conformance package raises derives from ``ConformanceError``; each says when it is raised.

Exceptions that leave the package (configuration mistakes, a refused id, a bug of the suite, an unusable baseline
or contract) carry one readable line: the command line prints it as it is. Control-flow exceptions of the
reference endpoint and the transport never leave their module.
"""

from __future__ import annotations


class ConformanceError(Exception):
    """The root: ``except ConformanceError`` catches whatever this package raises on purpose."""


class ConfigError(ConformanceError):
    """A usage or configuration mistake (exit 2): the message names the setting, its value, where it came from
    (flag, ``CONFORMANCE_*`` variable, file and key) and what is accepted."""


class SafetyViolation(ConformanceError):
    """A request would Reject an appointment id that is neither allow-listed nor surely unused: it is not sent."""


class SuiteBug(ConformanceError):
    """The suite itself did something wrong (e.g. built a request the contract forbids). Never the endpoint's
    fault; reported under *Suite bugs*."""


class ContractViolation(ConformanceError):
    """A generated (hypothesis) example broke the contract; hypothesis shrinks on it."""


class ContractUnavailable(ConformanceError):
    """``conformance drift`` could not obtain the live contract (unreachable, not published, not a WSDL)."""


class BaselineError(ConformanceError):
    """A baseline file that cannot be used: missing, not JSON, or not written by ``--save-baseline``."""


class ExtractionError(ConformanceError):
    """The published WSDL does not hold what ``python -m conformance.contract.extract`` needs."""


class LoginFailed(ConformanceError):
    """Logging in through ``SoPrincipal.svc`` failed: the message says why and where (never the password);
    ``exit_code`` is 2 when the credentials were refused, 3 when the principal service cannot be used."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code
