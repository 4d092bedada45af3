"""Checks on the XML and the SOAP envelope of a reply, judged in the SOAP version the reply is in."""

from __future__ import annotations

from lxml import etree

from ..contract.messages import element_children, xpath_of
from ..contract.parsing import NotXml
from ..contract.rules import NO_DTD, NO_PI, ONE_FAULT, R1011, R1014, R2712, R9980, SIZE_CAP, SOAP_REPLY, VERSION, Rule
from ..contract.schemas import SchemaViolation
from .context import CheckContext
from .registry import NOT_APPLICABLE, Failure, Outcome, check


def schema_failure(errors: list[SchemaViolation], expected: str, rule: Rule) -> Failure:
    first = errors[0]
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return Failure(expected, f"{first.message}{more}", first.path, rule)


@check("well-formed", "Envelope", SOAP_REPLY, NO_DTD, NO_PI, SIZE_CAP)
def well_formed(ctx: CheckContext) -> Outcome:
    """The reply carries a well-formed XML document (MUST): not empty, not an HTML page, no DTD, no processing
    instruction, within the suite's bounds (10 MB, 20,000 tags or attribute values).

    Not applicable to a legitimate HTTP refusal (a 4xx without an envelope, to a request with a format problem)."""
    if ctx.http_refusal:
        return NOT_APPLICABLE
    root = ctx.root
    if not isinstance(root, NotXml):
        instructions = root.xpath("//processing-instruction()")  # the prolog's too; the XML declaration is none
        if instructions:
            first = instructions[0]
            return Failure(
                "a SOAP message without processing instructions",
                f"<?{first.target} …?>" + (f" (+{len(instructions) - 1} more)" if len(instructions) > 1 else ""),
                f"line {first.sourceline}" if first.sourceline else "response body",
                NO_PI,
            )
        return None
    status = ctx.response.status
    rule = {"dtd": NO_DTD, "too-large": SIZE_CAP}.get(root.kind, SOAP_REPLY)
    got = root.reason if root.kind == "syntax" else f"{root.reason} (HTTP {status})"
    return Failure("a SOAP envelope: well-formed XML 1.0, no DTD", got, root.where, rule)


@check("envelope-version", "Envelope", VERSION)
def envelope_version(ctx: CheckContext) -> Outcome:
    """The reply is a SOAP envelope in the version of the request's envelope (MUST); a SOAP 1.1
    VersionMismatch fault answering a SOAP 1.2 envelope is what a SOAP 1.1 node must send, and passes."""
    root = ctx.xml
    if root is None or ctx.http_refusal:
        return NOT_APPLICABLE
    if ctx.reply_version is ctx.version or ctx.version_mismatch_reply:
        return None
    q = etree.QName(root)
    got = f"{{{q.namespace or ''}}}{q.localname}"
    if ctx.reply_version is not None:
        got += f" ({ctx.reply_version.label})"
    expected = f"{{{ctx.version.envelope_ns}}}Envelope ({ctx.version.label}, the request's envelope)"
    return Failure(expected, got, xpath_of(root), VERSION)


@check("envelope-schema", "Envelope", R9980)
def envelope_schema_check(ctx: CheckContext) -> Outcome:
    """The envelope is valid against the SOAP envelope schema of its version (MUST)."""
    if not ctx.is_envelope:
        return NOT_APPLICABLE
    errors = ctx.schema_errors["envelope"]
    if errors:
        return schema_failure(errors, f"an envelope valid against the {ctx.reply_version.label} schema", R9980)
    return None


@check("body-qualified", "Envelope", R1014)
def body_qualified(ctx: CheckContext) -> Outcome:
    """Every child of soap:Body is namespace-qualified (MUST)."""
    if not ctx.is_envelope:
        return NOT_APPLICABLE
    for child in element_children(ctx.body):
        if not etree.QName(child).namespace:
            return Failure(
                "a namespace-qualified child of soap:Body", f"unqualified element <{child.tag}>", xpath_of(child), R1014
            )
    return None


@check("nothing-after-body", "Envelope", R1011)
def nothing_after_body(ctx: CheckContext) -> Outcome:
    """No element follows soap:Body in the envelope (MUST NOT)."""
    if not ctx.is_envelope or ctx.body is None:
        return NOT_APPLICABLE
    after = [c for c in ctx.body.itersiblings() if isinstance(c.tag, str)]
    if after:
        return Failure(
            "soap:Body to be the last child of soap:Envelope",
            f"<{etree.QName(after[0]).localname}> after the Body",
            xpath_of(after[0]),
            R1011,
        )
    return None


@check("single-body-child", "Envelope", R2712, ONE_FAULT)
def single_body_child(ctx: CheckContext) -> Outcome:
    """soap:Body holds exactly one element: the response wrapper, or a single Fault (MUST)."""
    if not ctx.is_envelope or ctx.body is None:
        return NOT_APPLICABLE
    children = element_children(ctx.body)
    if len(children) == 1:
        return None
    names = ", ".join(etree.QName(c).localname for c in children) or "none"
    rule = ONE_FAULT if any(etree.QName(c).localname == "Fault" for c in children) else R2712
    return Failure("exactly one element in soap:Body", f"{len(children)} ({names})", xpath_of(ctx.body), rule)
