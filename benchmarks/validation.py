"""Validation cost per response, against plain lxml ``XMLSchema`` on the same documents: the suite's validation path
from bytes (safe parse, indentation rule, schema gate with path-bearing errors on failure: the target), the gate
alone on a parsed tree, and for information everything ``run_checks`` does (every check, not only validation)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from lxml import etree
from timing import Row, alternate, per_item_us, ratio_row

from conformance.checks import REGISTRY, CheckContext, Expect, Failure, run_checks
from conformance.contract.messages import RejectCall, drop_indentation, outgoing, reject_envelope
from conformance.contract.parsing import parse_xml
from conformance.contract.schemas import envelope_schema
from conformance.contract.soap import SOAP11
from conformance.run.session import SuiteSession
from conformance.transport.http import Exchange

SECTION = "2 validation"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@dataclass(frozen=True)
class Sample:
    name: str
    exchange: Exchange
    expect: Expect
    targeted: bool = True  # the <= 3x target is for conforming responses; a failure pays for xmlschema on purpose


def responses(session: SuiteSession) -> list[Sample]:
    """Real responses of the reference endpoint: a success, an application error (Succeeded=false), a SOAP fault."""
    url = session.target.url

    def reject(call: RejectCall, expect: Expect) -> Exchange:
        request, _ = session.runner.prepare(session.generated_case(call, expect, "validation"))
        return session.transport.send(url, request, SOAP11)

    # an id that does not deserialize: WCF's (and the reference endpoint's) a:DeserializationFailed fault
    broken = outgoing(reject_envelope(RejectCall("abc", "x", "OnlyThis"), SOAP11, session.target.credentials), SOAP11)
    return [
        Sample("success", reject(RejectCall(101, "x", "OnlyThis"), Expect.ACCEPT), Expect.ACCEPT),
        Sample("Succeeded=false", reject(RejectCall(5000, "x", "OnlyThis"), Expect.REJECT), Expect.REJECT),
        Sample("SOAP fault", session.transport.send(url, broken, SOAP11), Expect.REJECT),
    ]


def invalid_sample(success: Sample) -> Sample:
    """The success response with ``Succeeded`` holding a value its xs:boolean type forbids."""
    response = success.exchange.response
    assert response is not None and b">true<" in response.body
    bad = replace(response, body=response.body.replace(b">true<", b">maybe<", 1))
    return Sample("invalid (Succeeded=maybe)", replace(success.exchange, response=bad), success.expect, False)


def invalid_messages(sample: Sample) -> list[str]:
    """What the suite says about an invalid response: the failures ``run_checks`` returns, as printed in reports."""
    results = run_checks(CheckContext(sample.exchange, sample.expect))
    return [str(r.outcome) for r in results if isinstance(r.outcome, Failure)]


def measure(samples: list[Sample], *, count: int, reps: int, block: int) -> list[Row]:
    """µs per response for each sample: suite path vs plain parse+validate; suite gate vs plain validate."""
    rows: list[Row] = []
    schema = envelope_schema(SOAP11)
    plain = schema.lxml  # the very schema the suite compiled, used directly
    for sample in samples:
        body = sample.exchange.response.body
        root = etree.fromstring(body, _PARSER)

        def suite_validation(start: int, stop: int, body: bytes = body) -> None:
            for _ in range(stop - start):
                schema.errors(drop_indentation(parse_xml(body)))

        def suite_path(start: int, stop: int, sample: Sample = sample) -> None:
            for _ in range(stop - start):
                run_checks(CheckContext(sample.exchange, sample.expect))

        def plain_path(start: int, stop: int, body: bytes = body) -> None:
            for _ in range(stop - start):
                plain.validate(etree.fromstring(body, _PARSER))

        def suite_gate(start: int, stop: int, root: etree._Element = root) -> None:
            for _ in range(stop - start):
                schema.errors(root)

        def plain_gate(start: int, stop: int, root: etree._Element = root) -> None:
            for _ in range(stop - start):
                plain.validate(root)

        variants = {
            "validation": suite_validation,
            "suite": suite_path,
            "plain": plain_path,
            "gate": suite_gate,
            "plain gate": plain_gate,
        }
        spent = alternate(variants, count, block=block, reps=reps, warmup=block)
        us = {name: per_item_us(count, s.wall) for name, s in spent.items()}
        valid = bool(plain.validate(root))
        rows.append(
            ratio_row(
                SECTION,
                f"{sample.name}: suite validation path (safe parse + schema) from bytes vs lxml parse+validate",
                "us/response",
                us["validation"],
                us["plain"],
                at_most=3.0 if sample.targeted else None,
                note=f"{len(body)} bytes, {'valid' if valid else 'INVALID'}; {count} x {reps} reps",
            )
        )
        rows.append(
            ratio_row(
                SECTION,
                f"{sample.name}: (info) CheckContext+run_checks, all {len(REGISTRY)} checks, from bytes vs lxml "
                "parse+validate",
                "us/response",
                us["suite"],
                us["plain"],
            )
        )
        rows.append(
            ratio_row(
                SECTION,
                f"{sample.name}: envelope_schema(v).errors(root) vs lxml validate(root)",
                "us/response",
                us["gate"],
                us["plain gate"],
                at_most=3.0 if sample.targeted else None,
            )
        )
    return rows
