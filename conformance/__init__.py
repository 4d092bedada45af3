"""Contract conformance suite for SuperOffice NetServer Services82 ``Appointment.svc`` → ``Reject``.

The public surface: what users, tests and benchmarks import. Everything else lives in the package that owns it
(``conformance.contract``, ``.transport``, ``.checks``, ``.generation``, ``.run``, ``.drift``, ``.reference``,
``.reporting``, ``.config``, ``.cli``, ``.plugin``).
"""

__version__ = "0.1.0"

# after __version__: modules of the package import it
from .checks import (
    NOT_APPLICABLE,
    REGISTRY,
    CheckContext,
    CheckResult,
    CheckSpec,
    Expect,
    Failure,
    Registry,
    check,
    run_check,
    run_checks,
)
from .config import Settings, load_settings
from .contract.messages import Credentials, RejectCall
from .contract.rules import Level, Rule
from .contract.soap import SOAP11, SOAP12, SoapVersion
from .errors import (
    BaselineError,
    ConfigError,
    ConformanceError,
    ContractUnavailable,
    ContractViolation,
    ExtractionError,
    LoginFailed,
    SafetyViolation,
    SuiteBug,
)
from .generation.cases import Case, Target
from .reference import ReferenceServer, ReferenceService, ServiceOptions
from .transport.http import Exchange, HttpResponse, Transport, TransportOptions

__all__ = [
    "NOT_APPLICABLE",
    "REGISTRY",
    "SOAP11",
    "SOAP12",
    "BaselineError",
    "Case",
    "CheckContext",
    "CheckResult",
    "CheckSpec",
    "ConfigError",
    "ConformanceError",
    "ContractUnavailable",
    "ContractViolation",
    "Credentials",
    "Exchange",
    "Expect",
    "ExtractionError",
    "Failure",
    "HttpResponse",
    "Level",
    "LoginFailed",
    "ReferenceServer",
    "ReferenceService",
    "Registry",
    "RejectCall",
    "Rule",
    "SafetyViolation",
    "ServiceOptions",
    "Settings",
    "SoapVersion",
    "SuiteBug",
    "Target",
    "Transport",
    "TransportOptions",
    "__version__",
    "check",
    "load_settings",
    "run_check",
    "run_checks",
]
