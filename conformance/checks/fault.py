"""Checks on a SOAP fault: its structure and code, and the HTTP status it travels with."""

from __future__ import annotations

from ..contract.messages import xpath_of
from ..contract.rules import FAULT_STRUCTURE, R1004, R1031, R1126, SOAP12_FAULT_STATUS
from ..contract.soap import SOAP11
from .context import CheckContext
from .envelope import schema_failure
from .registry import NOT_APPLICABLE, Failure, Outcome, check

SOAP11_CODES = ("VersionMismatch", "MustUnderstand", "Client", "Server")


@check("fault-schema", "Faults", FAULT_STRUCTURE, R1004, R1031)
def fault_schema(ctx: CheckContext) -> Outcome:
    """A fault is well-formed for its SOAP version (MUST): SOAP 1.1 ``faultcode`` is a qualified name whose prefix
    resolves, ``faultstring`` is present; SOAP 1.2 ``Code/Value`` is a SOAP 1.2 code, ``Reason/Text`` has xml:lang.

    A SOAP 1.1 faultcode SHOULD be one of the four SOAP codes or a QName in the fault authority's own namespace
    (``a:DeserializationFailed``, as WCF writes, passes), and SHOULD NOT use the dot notation (advisories)."""
    if ctx.fault is None:
        return NOT_APPLICABLE
    version = ctx.reply_version
    errors = ctx.schema_errors["fault"]
    if errors:
        return schema_failure(errors, f"a {version.label} Fault valid against the envelope schema", FAULT_STRUCTURE)
    if version is not SOAP11:
        return None
    node = ctx.fault_code_node
    value = (node.text or "").strip()
    prefix, _, local = value.rpartition(":")
    namespace = node.nsmap.get(prefix or None)
    if prefix and namespace is None:  # the schema refuses this too; kept in case it is not consulted
        return Failure(
            "a faultcode whose prefix is bound to a namespace", f"faultcode {value!r}", xpath_of(node), FAULT_STRUCTURE
        )
    where = xpath_of(node)
    if namespace == version.envelope_ns:
        base, dot, _rest = local.partition(".")
        if base not in SOAP11_CODES:
            return Failure(
                "a SOAP 1.1 fault code (Client, Server, VersionMismatch, MustUnderstand), or a code in the "
                "server's own namespace",
                f"faultcode {value!r}: a code SOAP 1.1 does not define, in the SOAP envelope namespace",
                where,
                R1004,
            )
        if dot:
            return Failure(f"faultcode {base} without a dot refinement", f"faultcode {value!r}", where, R1031)
        return None
    if namespace is None:
        return Failure(
            "a SOAP 1.1 fault code, or a namespace-qualified code",
            f"faultcode {value!r} in no namespace",
            where,
            R1004,
        )
    return None


@check("fault-status", "Faults", R1126, SOAP12_FAULT_STATUS)
def fault_status(ctx: CheckContext) -> Outcome:
    """A SOAP 1.1 fault travels with HTTP 500 (MUST). A SOAP 1.2 fault follows SOAP 1.2's mapping: env:Sender
    with 400 (500 is accepted, as WCF sends), every other code with 500 (advisory: the mapping's keyword is
    not verified)."""
    if ctx.fault is None:
        return NOT_APPLICABLE
    version = ctx.reply_version
    status = ctx.response.status
    if version is SOAP11:
        if status == 500:
            return None
        return Failure(f"HTTP 500 for a {version.label} fault", f"HTTP {status}", "HTTP status line", R1126)
    allowed = version.fault_status_allowed(ctx.fault_code)
    if status in allowed:
        return None
    return Failure(
        f"HTTP {' or '.join(map(str, allowed))} for a {version.label} {ctx.fault_code or ''} fault".replace("  ", " "),
        f"HTTP {status}",
        "HTTP status line",
        SOAP12_FAULT_STATUS,
    )
