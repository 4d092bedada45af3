"""Suite strength: the real command line against endpoints that are wrong in exactly one way, and against endpoints
that differ only in ways the contract allows. Each defect must be reported by the check that names it (exit 1);
no conformant variant may be flagged (exit 0), and a third-party client (zeep) must use each one without error.
Runs are spread over workers by pytest-xdist (``-n 2``).
"""

from __future__ import annotations

import pytest

from conformance.checks import REGISTRY, TRANSPORT

from .matrix import VariantRun, run_suite
from .variants import ADVISORY, CONFORMANT, DEFECTIVE, FAMILIES, VARIANTS, VIOLATION, Variant, run_id, runs
from .zeep_check import zeep_verdict


def _params(conformant: bool) -> list:
    params = []
    for variant, version in runs():
        if variant.conformant != conformant:
            continue
        marks = [pytest.mark.xfail(strict=True, reason=f"known gap: {variant.gap}")] if variant.gap else []
        params.append(pytest.param(variant, version, id=run_id(variant, version), marks=marks))
    return params


@pytest.mark.parametrize(("variant", "version"), _params(conformant=False))
def test_each_defect_is_flagged_by_its_intended_check_at_its_level(variant: Variant, version: str, tmp_path):
    """A MUST broken: exit 1 with a violation from the intended check. A SHOULD broken: exit 0 (the run does not
    fail on it) with an advisory from the intended check."""
    server = variant.start(version)
    try:
        run = run_suite(server.url, version, tmp_path, variant.args)
    finally:
        server.stop()
    result = VariantRun(variant, version, run)
    assert result.caught, result.explain()


@pytest.mark.parametrize(("variant", "version"), _params(conformant=True))
def test_each_conformant_variant_passes_the_suite_and_a_zeep_client(variant: Variant, version: str, tmp_path):
    """For ``reference`` this is the cross-check's anchor: zeep and the suite agree the reference endpoint is OK."""
    server = variant.start(version)
    try:
        zeep = zeep_verdict(server.url, online="--online" in variant.args)
        run = run_suite(server.url, version, tmp_path, variant.args)
    finally:
        server.stop()
    result = VariantRun(variant, version, run)
    assert not zeep.raised, f"zeep raised: {zeep.detail}"
    assert result.caught, result.explain()


def test_the_catalogue_covers_every_defect_family_with_enough_variants():
    assert len(DEFECTIVE) >= 25 and len(VARIANTS) - len(DEFECTIVE) >= 6
    assert {v.family for v in DEFECTIVE} == set(FAMILIES)
    assert all(v.conformant == (v.family == CONFORMANT) for v in VARIANTS)
    assert len({v.name for v in VARIANTS}) == len(VARIANTS)


def test_the_reference_endpoint_draws_no_advisory_either(tmp_path):
    """The suite's model of SuperOffice must be spotless: no violation and no advisory, in a default run."""
    reference = next(v for v in VARIANTS if v.name == "reference")
    server = reference.start("1.1")
    try:
        run = run_suite(server.url, "1.1", tmp_path)
    finally:
        server.stop()
    assert run.exit_code == 0 and not run.fired and not run.advised, run.output


def test_advisory_level_defects_say_which_should_they_break():
    for variant in DEFECTIVE:
        assert variant.level in (VIOLATION, ADVISORY)
        assert (variant.level == ADVISORY) <= bool(variant.rule), variant.name


def test_every_intended_check_is_a_check_the_suite_has():
    known = {*REGISTRY, TRANSPORT}
    unknown = {(v.name, c) for v in DEFECTIVE for c in v.checks if c not in known}
    assert not unknown
