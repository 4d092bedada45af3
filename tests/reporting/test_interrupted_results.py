"""After Ctrl-C: each test that was running has exactly one Allure result, and it is *broken*."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.reporting.allure_results import INTERRUPTED_LABEL, NODE_LABEL, mark_interrupted

NODE = "conformance/suite/test_reject.py::test_generated_valid_calls_accepted"


def _result(alluredir: Path, name: str, labels: list[dict[str, str]], status: str = "passed") -> None:
    data = {"uuid": name.replace("/", "-"), "name": name, "status": status, "labels": labels}
    (alluredir / f"{data['uuid']}-result.json").write_text(json.dumps(data), encoding="utf-8")


def _results(alluredir: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(alluredir.glob("*-result.json"))]


def test_a_labelled_test_named_after_its_case_gets_no_second_result(tmp_path: Path) -> None:
    """A generated test's result is named ``generated/<property>``, not after its function: it is found by its
    node id label, and marked broken, instead of a second, empty result written beside it."""
    labels = [{"name": NODE_LABEL, "value": NODE}, {"name": INTERRUPTED_LABEL, "value": "yes"}]
    _result(tmp_path, "generated/valid-calls-accepted", labels)
    mark_interrupted(tmp_path, [NODE])
    results = _results(tmp_path)
    assert [(r["name"], r["status"]) for r in results] == [("generated/valid-calls-accepted", "broken")]


def test_a_running_test_found_by_node_label_alone_is_marked_broken(tmp_path: Path) -> None:
    """Ctrl-C between the test's start and its own interruption label: the node label still finds it."""
    _result(tmp_path, "fixture/corrected-request: the documented example", [{"name": NODE_LABEL, "value": NODE}])
    mark_interrupted(tmp_path, [NODE])
    assert [r["status"] for r in _results(tmp_path)] == ["broken"]


def test_a_running_test_without_any_result_gets_one(tmp_path: Path) -> None:
    _result(tmp_path, "coverage/id-101-OnlyThis", [{"name": NODE_LABEL, "value": "other.py::test_other"}])
    mark_interrupted(tmp_path, [NODE])
    results = {r["name"]: r for r in _results(tmp_path)}
    assert results["test_generated_valid_calls_accepted"]["status"] == "broken"
    assert results["test_generated_valid_calls_accepted"]["fullName"] == NODE
    assert results["coverage/id-101-OnlyThis"]["status"] == "passed", "a test that was not running is left alone"


def test_a_case_cut_short_while_being_labelled_is_filed_under_its_phase(tmp_path: Path) -> None:
    """Ctrl-C can land between two of the labelling calls: the phase and name come from the case's parameters."""
    data = {
        "uuid": "u1",
        "name": "test_negative[mode-numeric]",
        "status": "passed",
        "labels": [
            {"name": "epic", "value": "Services82 Appointment.Reject"},
            {"name": INTERRUPTED_LABEL, "value": "yes"},
        ],
        "parameters": [
            {"name": "conformance_case", "value": "negative/mode-numeric"},
            {"name": "SOAP version", "value": "1.1"},
        ],
    }
    (tmp_path / "u1-result.json").write_text(json.dumps(data), encoding="utf-8")
    mark_interrupted(tmp_path)
    (result,) = _results(tmp_path)
    labels = [(label["name"], label["value"]) for label in result["labels"]]
    assert result["name"] == "negative/mode-numeric" and result["status"] == "broken"
    assert ("subSuite", "SOAP 1.1") in labels and [n for n, _ in labels].count("epic") == 1
    assert {"suite", "feature", "parentSuite"} <= {n for n, _ in labels}
