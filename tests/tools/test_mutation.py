"""The mutation tool (``tools/mutation.py``) finds the mutants it promises in a tiny module, with keys that survive
unrelated edits, and tells a killed mutant from a survivor by running a tiny test against a private copy."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # tools/ is no installed package: importable from the repository's root

from tools.mutants import mutants  # noqa: E402
from tools.mutation import Sandbox, load_equivalent, modules, score  # noqa: E402

SAMPLE = '''"""A judge."""

from registry import NOT_APPLICABLE, Failure

LIMIT = 200


def judge(status, flags, mode="a"):
    """Whether ``status`` is right."""
    if status is None:
        return NOT_APPLICABLE
    if not flags and status == LIMIT:
        return None
    if mode in ("a", "b") or status < 300:
        return True
    return Failure("expected 200", f"got {status + 1}", "here", "R1")
'''

EXPECTED = {
    ("judge", "guard", "status is None", "False"),
    ("judge", "cmp", "status is None", "(status is not None)"),
    ("judge", "return", "NOT_APPLICABLE", "None"),
    ("judge", "guard", "not flags and status == LIMIT", "False"),
    ("judge", "bool", "not flags and status == LIMIT", "(not flags or status == LIMIT)"),
    ("judge", "not", "not flags", "flags"),
    ("judge", "cmp", "status == LIMIT", "(status != LIMIT)"),
    ("judge", "return", "None", "NOT_APPLICABLE"),
    ("judge", "guard", 'mode in ("a", "b") or status < 300', "False"),
    ("judge", "bool", 'mode in ("a", "b") or status < 300', "(mode in ('a', 'b') and status < 300)"),
    ("judge", "cmp", 'mode in ("a", "b")', "(mode not in ('a', 'b'))"),
    ("judge", "str", '"a"', "'a_mutated'"),
    ("judge", "str", '"b"', "'b_mutated'"),
    ("judge", "cmp", "status < 300", "(status >= 300)"),
    ("judge", "num", "300", "301"),
    ("judge", "num", "300", "299"),
    ("judge", "const", "True", "False"),
    ("judge", "num", "1", "2"),  # in the finding's wording: message-only
    ("judge", "num", "1", "0"),
    ("<module>", "num", "200", "201"),
    ("<module>", "num", "200", "199"),
}


def test_the_mutator_makes_every_promised_mutant_of_a_tiny_module_and_nothing_else():
    found = mutants(SAMPLE, "sample/judge.py")
    assert {(m.function, m.operator, m.original, m.replacement) for m in found} == EXPECTED
    messages = {(m.operator, m.original) for m in found if m.message_only}
    assert messages == {("num", "1")}  # f"got {status + 1}" inside Failure(...): wording, not judgement
    for m in found:
        compile(m.source, "judge.py", "exec")
        assert m.source != SAMPLE and m.source.count("\n") == SAMPLE.count("\n")
        assert m.diff(SAMPLE).count("\n-") == 1  # one line changed, layout and comments kept


def test_keys_do_not_depend_on_line_numbers():
    keys = [m.key for m in mutants(SAMPLE, "sample/judge.py")]
    moved = [m.key for m in mutants(SAMPLE.replace('"""A judge."""', '"""A judge."""\n\n# moved\n'), "sample/judge.py")]
    assert keys == moved and len(set(keys)) == len(keys)


def test_the_checks_modules_and_the_exchange_view_are_mutated_but_not_the_table_printer():
    names = {p.name for p in modules(ROOT)}
    assert {"context.py", "registry.py", "outcome.py", "effect.py"} <= names and "__main__.py" not in names


def test_an_equivalent_mutant_needs_a_reason(tmp_path):
    listed = tmp_path / "equivalent.toml"
    listed.write_text('[[equivalent]]\nkey = "a::b::cmp::x -> y"\nreason = "x and y cannot differ here"\n')
    assert load_equivalent(listed) == {"a::b::cmp::x -> y": "x and y cannot differ here"}
    listed.write_text('[[equivalent]]\nkey = "a::b::cmp::x -> y"\nreason = " "\n')
    with pytest.raises(SystemExit, match="needs a reason"):
        load_equivalent(listed)


def test_the_committed_allow_list_names_only_existing_mutants_with_reasons():
    every = {
        m.key for path in modules(ROOT) for m in mutants((ROOT / path).read_text(encoding="utf-8"), path.as_posix())
    }
    listed = load_equivalent()
    assert set(listed) <= every, sorted(set(listed) - every)


def test_a_mutant_the_tests_notice_is_killed_and_one_they_do_not_survives(tmp_path):
    repo = tmp_path / "repo"
    (repo / "sample").mkdir(parents=True)
    (repo / "sample" / "__init__.py").write_text("")
    (repo / "sample" / "registry.py").write_text("NOT_APPLICABLE = object()\nFailure = tuple\n")
    (repo / "sample" / "judge.py").write_text(SAMPLE.replace("from registry", "from sample.registry"))
    (repo / "tests").mkdir()
    (repo / "tests" / "test_judge.py").write_text(
        "from sample.judge import judge\n"
        "from sample.registry import NOT_APPLICABLE\n\n"
        "def test_judge():\n"
        "    assert judge(None, False) is NOT_APPLICABLE\n"
        "    assert judge(200, False) is None\n"
    )
    box = Sandbox(repo, tmp_path / "box", ("tests/test_judge.py",), copied=("sample", "tests"))
    source = (repo / "sample" / "judge.py").read_text()
    found = {(m.operator, m.original, m.replacement): m for m in mutants(source, "sample/judge.py")}
    try:
        assert box.run(None, None, 60)[0] == "survived"  # the unmutated module passes
        noticed = found[("cmp", "status is None", "(status is not None)")]
        unnoticed = found[("num", "300", "301")]
        status, _seconds, detail = box.run(noticed.module, noticed.source, 60)
        assert status == "killed" and "test_judge" in detail
        assert box.run(unnoticed.module, unnoticed.source, 60)[0] == "survived"
        assert box.run(None, None, 60)[0] == "survived"  # the original is back, not the mutant's bytecode
    finally:
        box.close()
    assert (tmp_path / "box" / "sample" / "judge.py").read_text() == source  # put back after each mutant
    assert (repo / "sample" / "judge.py").read_text() == source  # the original is never touched
    assert score({"killed": 1, "timeout": 1, "survived": 2, "equivalent": 5, "message": 3}) == (2, 4, 50.0)
