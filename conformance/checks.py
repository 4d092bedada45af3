"""The named checks. Each takes a ``CheckContext`` (one exchange plus what was expected of it) and returns
``None`` (pass), ``NOT_APPLICABLE``, or a ``Failure`` stating expected / got / where.

Check names are stable: they appear in reports, summaries, baselines and CI dashboards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from lxml import etree

from .context import CheckContext, Expect, bool_text
from .contract import SERVICES82_NS, qname, version_for_namespace
from .messages import element_children, xpath_of
from .schemas import SchemaError
from .xmlparse import NotXml, looks_like_html


@dataclass(frozen=True)
class Failure:
    check: str
    expected: str
    got: str
    where: str

    def __str__(self) -> str:
        return f"[{self.check}] expected {self.expected}; got {self.got}; at {self.where}"


class _NotApplicable:
    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


NOT_APPLICABLE = _NotApplicable()
Outcome = Failure | _NotApplicable | None


@dataclass(frozen=True)
class CheckSpec:
    name: str
    group: str
    description: str
    func: Callable[[CheckContext], Outcome]


REGISTRY: dict[str, CheckSpec] = {}


def check(name: str, group: str, description: str) -> Callable[[Callable[[CheckContext], Outcome]], Callable]:
    """Register a check under a stable ``name``."""

    def register(func: Callable[[CheckContext], Outcome]) -> Callable[[CheckContext], Outcome]:
        REGISTRY[name] = CheckSpec(name, group, description, func)
        return func

    return register


def _needs_envelope(ctx: CheckContext) -> bool:
    return ctx.response is not None and ctx.is_envelope


def _schema_failure(name: str, errors: list[SchemaError], expected: str) -> Failure:
    first = errors[0]
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return Failure(name, expected, f"{first.message}{more}", first.path)


# --- HTTP framing -----------------------------------------------------------------------------------


@check("http-status", "HTTP framing", "A response that is not a SOAP fault comes with HTTP 200.")
def http_status(ctx: CheckContext) -> Outcome:
    if ctx.fault is not None:
        return NOT_APPLICABLE
    status = ctx.response.status
    if status == 200:
        return None
    return Failure(
        "http-status",
        "HTTP 200 for a response that is not a SOAP fault",
        f"HTTP {status} {ctx.response.reason}".rstrip(),
        "HTTP status line",
    )


@check(
    "content-type",
    "HTTP framing",
    "Content-Type is the request's SOAP media type (text/xml for 1.1, application/soap+xml for 1.2), "
    "with a charset that matches the XML.",
)
def content_type(ctx: CheckContext) -> Outcome:
    header = ctx.response.header("Content-Type")
    expected = f"{ctx.version.media_type} ({ctx.version.label}, as the request)"
    if not header:
        return Failure("content-type", expected, "no Content-Type header", "HTTP headers")
    params = [p.strip() for p in header.split(";")]
    media = params[0].lower()
    if media != ctx.version.media_type:
        return Failure("content-type", expected, f"Content-Type: {header}", "HTTP headers")
    charset = next(
        (p.split("=", 1)[1].strip('"').lower() for p in params[1:] if p.lower().startswith("charset=")), None
    )
    if charset is not None and charset not in ("utf-8", "utf-16"):
        return Failure(
            "content-type", "charset utf-8 or utf-16 (SOAP over HTTP, WS-I BP)", f"charset={charset}", "HTTP headers"
        )
    declared = _declared_encoding(ctx.response.body)
    if charset and declared and declared != charset:
        return Failure(
            "content-type",
            f"the XML declaration's encoding to match charset={charset}",
            f'encoding="{declared}"',
            "line 1 (XML declaration)",
        )
    return None


def _declared_encoding(body: bytes) -> str | None:
    head = body[:200]
    if not head.startswith(b"<?xml"):
        return None
    end = head.find(b"?>")
    decl = head[: end if end > 0 else len(head)].decode("ascii", "replace")
    for quote in ('"', "'"):
        marker = f"encoding={quote}"
        if marker in decl:
            return decl.split(marker, 1)[1].split(quote, 1)[0].lower()
    return None


# --- XML and envelope -------------------------------------------------------------------------------


@check("well-formed", "Envelope", "The body is well-formed XML: no DTD, no entities, within the size cap.")
def well_formed(ctx: CheckContext) -> Outcome:
    root = ctx.root
    if isinstance(root, NotXml):
        got = root.reason
        if looks_like_html(ctx.response.body):
            got = f"{got} (HTTP {ctx.response.status})"
        return Failure("well-formed", "a well-formed XML SOAP envelope", got, root.where)
    return None


@check("envelope-version", "Envelope", "The response envelope is in the request's SOAP namespace.")
def envelope_version(ctx: CheckContext) -> Outcome:
    root = ctx.xml
    if root is None:
        return NOT_APPLICABLE
    expected = f"{{{ctx.version.envelope_ns}}}Envelope ({ctx.version.label}, as the request)"
    if ctx.is_envelope:
        return None
    q = etree.QName(root)
    other = version_for_namespace(q.namespace)
    got = f"{{{q.namespace or ''}}}{q.localname}" + (f" ({other.label})" if other and q.localname == "Envelope" else "")
    return Failure("envelope-version", expected, got, xpath_of(root))


@check("envelope-schema", "Envelope", "The envelope is valid against the SOAP envelope schema (WS-I BP1701).")
def envelope_schema_check(ctx: CheckContext) -> Outcome:
    if not _needs_envelope(ctx):
        return NOT_APPLICABLE
    errors = ctx.schema_errors["envelope"]
    if errors:
        return _schema_failure("envelope-schema", errors, f"an envelope valid against the {ctx.version.label} schema")
    return None


@check("body-qualified", "Envelope", "Every child of soap:Body is namespace-qualified (WS-I BP1202).")
def body_qualified(ctx: CheckContext) -> Outcome:
    if not _needs_envelope(ctx):
        return NOT_APPLICABLE
    for child in element_children(ctx.body):
        if not etree.QName(child).namespace:
            return Failure(
                "body-qualified",
                "a namespace-qualified child of soap:Body",
                f"unqualified element <{child.tag}>",
                xpath_of(child),
            )
    return None


@check("nothing-after-body", "Envelope", "No element follows soap:Body in the envelope (WS-I BP1309).")
def nothing_after_body(ctx: CheckContext) -> Outcome:
    if not _needs_envelope(ctx) or ctx.body is None:
        return NOT_APPLICABLE
    after = [c for c in ctx.body.itersiblings() if isinstance(c.tag, str)]
    if after:
        return Failure(
            "nothing-after-body",
            "soap:Body to be the last child of soap:Envelope",
            f"<{etree.QName(after[0]).localname}> after the Body",
            xpath_of(after[0]),
        )
    return None


@check("single-body-child", "Envelope", "soap:Body holds exactly one element (the wrapper or a Fault).")
def single_body_child(ctx: CheckContext) -> Outcome:
    if not _needs_envelope(ctx) or ctx.body is None:
        return NOT_APPLICABLE
    children = element_children(ctx.body)
    if len(children) == 1:
        return None
    names = ", ".join(etree.QName(c).localname for c in children) or "none"
    return Failure(
        "single-body-child", "exactly one element in soap:Body", f"{len(children)} ({names})", xpath_of(ctx.body)
    )


# --- the response message ---------------------------------------------------------------------------


@check("response-element", "Response message", "The body holds RejectResponse in the Services82 namespace, or a Fault.")
def response_element(ctx: CheckContext) -> Outcome:
    child = ctx.body_child
    if child is None or ctx.fault is not None:
        return NOT_APPLICABLE
    if child.tag == qname("RejectResponse"):
        return None
    q = etree.QName(child)
    return Failure(
        "response-element",
        f"{{{SERVICES82_NS}}}RejectResponse (or a soap:Fault)",
        f"{{{q.namespace or ''}}}{q.localname}",
        xpath_of(child),
    )


@check(
    "response-schema",
    "Response message",
    "RejectResponse is valid against the Services82 schema: an empty sequence, so any content is a contract change.",
)
def response_schema(ctx: CheckContext) -> Outcome:
    child = ctx.body_child
    if child is None or child.tag != qname("RejectResponse"):
        return NOT_APPLICABLE
    entity = child.find(qname("Response"))
    if entity is not None:
        return Failure(
            "response-schema",
            "an empty RejectResponse (Services82 WSDL; the prose's 'Updated AppointmentEntity' is not in it)",
            "RejectResponse/Response, an entity in the response: a contract change against Services82",
            xpath_of(entity),
        )
    errors = ctx.schema_errors["body"]
    if errors:
        return _schema_failure("response-schema", errors, "a RejectResponse valid against services82-appointment.xsd")
    return None


@check(
    "response-headers",
    "Response message",
    "ExceptionInfo, ExtraInfo, Succeeded and TimeZone headers, when present, are valid against their declarations.",
)
def response_headers(ctx: CheckContext) -> Outcome:
    if ctx.header is None:
        return NOT_APPLICABLE
    errors = ctx.schema_errors["header"]
    if errors:
        return _schema_failure("response-headers", errors, "response headers valid against services82-appointment.xsd")
    return None


@check("succeeded-consistent", "Response message", "Succeeded=false exactly when an ExceptionInfo is reported.")
def succeeded_consistent(ctx: CheckContext) -> Outcome:
    if not _needs_envelope(ctx) or ctx.fault is not None:
        return NOT_APPLICABLE
    has_exception = ctx.exception_message is not None
    if ctx.succeeded is False and not has_exception:
        return Failure(
            "succeeded-consistent",
            "an ExceptionInfo header saying why Succeeded=false",
            "Succeeded=false and no ExceptionInfo",
            xpath_of(ctx.response_header("Succeeded")),
        )
    if has_exception and ctx.succeeded is not False:
        return Failure(
            "succeeded-consistent",
            "Succeeded=false alongside an ExceptionInfo",
            f"Succeeded={bool_text(ctx.succeeded)} with ExceptionInfo ({ctx.exception_message})",
            xpath_of(ctx.response_header("ExceptionInfo")),
        )
    return None


# --- faults -----------------------------------------------------------------------------------------


@check(
    "fault-schema", "Faults", "A fault is well-formed for its SOAP version (code, reason; 1.2 texts carry xml:lang)."
)
def fault_schema(ctx: CheckContext) -> Outcome:
    if ctx.fault is None:
        return NOT_APPLICABLE
    errors = ctx.schema_errors["fault"]
    if errors:
        return _schema_failure("fault-schema", errors, f"a {ctx.version.label} Fault valid against the envelope schema")
    if ctx.version.name == "1.1":
        code = ctx.fault.find("faultcode")
        value = (code.text or "").strip() if code is not None else ""
        prefix, _, local = value.rpartition(":")
        ns = code.nsmap.get(prefix or None) if code is not None else None
        base = local.split(".")[0]
        if ns != ctx.version.envelope_ns or base not in ("Client", "Server", "VersionMismatch", "MustUnderstand"):
            return Failure(
                "fault-schema",
                "faultcode Client, Server, VersionMismatch or MustUnderstand in the SOAP 1.1 envelope namespace",
                f"faultcode {value!r} ({{{ns}}}{local})",
                xpath_of(code),
            )
    return None


@check(
    "fault-status",
    "Faults",
    "A fault travels with HTTP 500 (SOAP 1.1, WS-I BP1305); SOAP 1.2 Sender faults may use 400 instead.",
)
def fault_status(ctx: CheckContext) -> Outcome:
    if ctx.fault is None:
        return NOT_APPLICABLE
    allowed = ctx.version.fault_status_allowed(ctx.fault_code)
    if ctx.response.status in allowed:
        return None
    return Failure(
        "fault-status",
        f"HTTP {' or '.join(map(str, allowed))} for a {ctx.version.label} {ctx.fault_code or ''} fault".replace(
            "  ", " "
        ),
        f"HTTP {ctx.response.status}",
        "HTTP status line",
    )


# --- outcome: was valid input accepted, invalid input rejected ---------------------------------------


def _rejected(ctx: CheckContext) -> bool:
    return ctx.fault is not None or (ctx.succeeded is False and ctx.exception_message is not None)


@check(
    "positive-acceptance",
    "Outcome",
    "A valid Reject on an allow-listed appointment is neither faulted nor answered with Succeeded=false.",
)
def positive_acceptance(ctx: CheckContext) -> Outcome:
    if ctx.expect is not Expect.ACCEPT or not _needs_envelope(ctx):
        return NOT_APPLICABLE
    if ctx.fault is None and ctx.succeeded is not False and ctx.body_child is not None:
        return None
    return Failure(
        "positive-acceptance",
        "the Reject to be accepted (RejectResponse, Succeeded not false)",
        ctx.outcome_text(),
        xpath_of(ctx.body_child if ctx.body_child is not None else ctx.xml),
    )


def _must_reject(name: str, what: str) -> Callable[[CheckContext], Outcome]:
    def run(ctx: CheckContext) -> Outcome:
        wanted = Expect.REJECT if name == "negative-rejection" else Expect.AUTH
        if ctx.expect is not wanted or not _needs_envelope(ctx):
            return NOT_APPLICABLE
        if _rejected(ctx):
            return None
        return Failure(
            name,
            f"{what} to be rejected (a SOAP fault, or Succeeded=false with ExceptionInfo)",
            ctx.outcome_text(),
            xpath_of(ctx.body_child if ctx.body_child is not None else ctx.xml),
        )

    return run


check("negative-rejection", "Outcome", "Invalid input is rejected: a SOAP fault, or Succeeded=false + ExceptionInfo.")(
    _must_reject("negative-rejection", "the invalid request")
)
check("auth-enforced", "Outcome", "A call with a missing or wrong ticket (or token, in Online mode) is rejected.")(
    _must_reject("auth-enforced", "the unauthenticated call")
)


@check("response-time", "Timing", "The round trip stays within the configured SLA (opt-in: --sla-ms).")
def response_time(ctx: CheckContext) -> Outcome:
    if ctx.sla_seconds is None:
        return NOT_APPLICABLE
    if ctx.exchange.elapsed <= ctx.sla_seconds:
        return None
    return Failure(
        "response-time",
        f"a response within {ctx.sla_seconds * 1000:.0f} ms",
        f"{ctx.exchange.elapsed * 1000:.0f} ms",
        "round trip",
    )


_REJECTION_CHECKS = ("negative-rejection", "auth-enforced")

# --- running them -----------------------------------------------------------------------------------

TRANSPORT = "transport"


class CheckResult(NamedTuple):  # immutable like a frozen dataclass, a fifth of the cost to create (18 per response)
    name: str
    outcome: Outcome

    @property
    def status(self) -> str:
        if isinstance(self.outcome, Failure):
            return "failed"
        return "not-applicable" if self.outcome is NOT_APPLICABLE else "passed"


def run_checks(ctx: CheckContext, names: list[str] | None = None) -> list[CheckResult]:
    """Every registered check (or ``names``) on one exchange. A transport error is the one result when no
    response arrived; a check that crashes is reported as a suite bug rather than as a contract violation."""
    if ctx.exchange.error is not None and ctx.response is None:
        err = ctx.exchange.error
        return [CheckResult(TRANSPORT, Failure(TRANSPORT, "a complete HTTP response", str(err), ctx.exchange.url))]
    if ctx.response.status in ctx.http_refusals and ctx.expect in (Expect.REJECT, Expect.AUTH):
        # refused at the HTTP level (e.g. 415 for a SOAP version the binding does not speak): a valid rejection,
        # and the body is not a SOAP message to judge
        return [
            CheckResult(s.name, None if s.name in _REJECTION_CHECKS else NOT_APPLICABLE)
            for s in REGISTRY.values()
            if names is None or s.name in names
        ]
    results = []
    if ctx.exchange.error is not None:  # a response arrived but is not usable as is (e.g. a redirect)
        results.append(
            CheckResult(
                TRANSPORT,
                Failure(TRANSPORT, "a response from the endpoint itself", str(ctx.exchange.error), ctx.exchange.url),
            )
        )
    for spec in REGISTRY.values():
        if names is not None and spec.name not in names:
            continue
        results.append(CheckResult(spec.name, spec.func(ctx)))
    return results
