"""Generating mutants of a Python module with the standard library's ``ast``: one small change at a time, written
back into the original source text (so a mutant's diff is one line, comments and layout kept).

Operators (``Mutant.operator``):

- ``cmp``: a comparison flipped (``==``↔``!=``, ``<``↔``>=``, ``<=``↔``>``, ``in``↔``not in``, ``is``↔``is not``)
- ``bool``: ``and``↔``or``
- ``not``: ``not x`` → ``x``
- ``guard``: the test of an ``if`` whose body returns (or raises) replaced with ``False``
- ``return``: ``return None``↔``return NOT_APPLICABLE``
- ``num``: a numeric constant ±1
- ``str``: a string constant compared with (``==``, ``in`` a tuple of …) changed
- ``const``: ``True``↔``False``

A mutant inside a finding's message (the ``expected``/``got``/``where`` arguments of ``Failure(...)``, or an f-string)
is ``message``-only: it cannot make a check misjudge, only misreport, and is counted apart from the score.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field

CMP_FLIPS: dict[type, type] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
MESSAGE_CALLS = ("Failure",)  # calls whose leading arguments are words for a reader, not a judgement
MESSAGE_ARGS = ("expected", "got", "where")
NOT_APPLICABLE = "NOT_APPLICABLE"


@dataclass(frozen=True)
class Mutant:
    """One change to one module: where, what, and the mutated source."""

    module: str  # path relative to the repository, e.g. conformance/checks/http.py
    function: str  # qualified name of the enclosing function (``<module>`` at top level)
    operator: str
    line: int
    original: str  # the source text replaced
    replacement: str
    occurrence: int  # the n-th identical (function, operator, original, replacement) in the module
    message_only: bool
    source: str = field(repr=False, compare=False)  # the whole mutated module

    @property
    def key(self) -> str:
        """Stable across unrelated edits (no line number): module, function, operator, the change, occurrence."""
        suffix = f" #{self.occurrence}" if self.occurrence else ""
        return f"{self.module}::{self.function}::{self.operator}::{self.original} -> {self.replacement}{suffix}"

    @property
    def ident(self) -> str:
        return f"{self.module}:{self.line}:{self.operator}"

    def diff(self, original_source: str) -> str:
        lines = difflib.unified_diff(
            original_source.splitlines(keepends=True),
            self.source.splitlines(keepends=True),
            fromfile=f"a/{self.module}",
            tofile=f"b/{self.module}",
            n=1,
        )
        return "".join(lines)


@dataclass
class _Site:
    node: ast.AST  # the node whose source segment is replaced
    operator: str
    replacement: str  # source text
    function: str
    message_only: bool


def _parenthesised(node: ast.AST) -> str:
    text = ast.unparse(node)
    if isinstance(node, (ast.Name, ast.Constant, ast.Attribute, ast.Call, ast.Subscript, ast.Tuple, ast.List)):
        return text
    return f"({text})"


class _Collector(ast.NodeVisitor):
    def __init__(self, names: set[str]) -> None:
        self.names = names  # names the module binds: ``return NOT_APPLICABLE`` only where it means something
        self.sites: list[_Site] = []
        self._functions: list[str] = []
        self._message_depth = 0
        self._skip_depth = 0  # annotations, docstrings, TYPE_CHECKING blocks

    # --- context -------------------------------------------------------------------------------------
    @property
    def _function(self) -> str:
        return ".".join(self._functions) or "<module>"

    def _add(self, node: ast.AST, operator: str, replacement: ast.AST | str) -> None:
        if self._skip_depth:
            return
        text = replacement if isinstance(replacement, str) else _parenthesised(replacement)
        self.sites.append(_Site(node, operator, text, self._function, self._message_depth > 0))

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self._skip_depth += 1  # @check("name", "group", *rules): registration, not judgement
            self.visit(decorator)
            self._skip_depth -= 1
        self._skip_depth += 1
        self.visit(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        self._skip_depth -= 1
        self._functions.append(node.name)
        self._body(node.body)
        self._functions.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._functions.append(node.name)
        self._body(node.body)
        self._functions.pop()

    def visit_Module(self, node: ast.Module) -> None:
        self._body(node.body)

    def _body(self, body: list[ast.stmt]) -> None:
        for i, stmt in enumerate(body):
            if i == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                continue  # a docstring
            self.visit(stmt)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._skip_depth += 1
        self.visit(node.annotation)
        self._skip_depth -= 1
        if node.value is not None:
            self.visit(node.value)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        return

    def visit_Import(self, node: ast.Import) -> None:
        return

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._message_depth += 1
        self.generic_visit(node)
        self._message_depth -= 1

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name not in MESSAGE_CALLS:
            self.generic_visit(node)
            return
        self.visit(node.func)
        for i, arg in enumerate(node.args):
            message = i < len(MESSAGE_ARGS)
            self._message_depth += message
            self.visit(arg)
            self._message_depth -= message
        for keyword in node.keywords:
            message = keyword.arg in MESSAGE_ARGS
            self._message_depth += message
            self.visit(keyword.value)
            self._message_depth -= message

    # --- operators -----------------------------------------------------------------------------------
    def visit_If(self, node: ast.If) -> None:
        if self._is_type_checking(node.test):
            return
        if any(isinstance(s, (ast.Return, ast.Raise, ast.Continue, ast.Break)) for s in node.body):
            self._add(node.test, "guard", "False")
        self.generic_visit(node)

    @staticmethod
    def _is_type_checking(test: ast.expr) -> bool:
        return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"

    def visit_Compare(self, node: ast.Compare) -> None:
        for i, op in enumerate(node.ops):
            flipped = CMP_FLIPS.get(type(op))
            if flipped is None:
                continue
            ops = list(node.ops)
            ops[i] = flipped()
            self._add(node, "cmp", ast.Compare(node.left, ops, node.comparators))
        for operand in (node.left, *node.comparators):
            for constant in _string_constants(operand):
                self._add(constant, "str", repr(_changed(constant.value)))
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        self._add(node, "bool", ast.BoolOp(other, node.values))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self._add(node, "not", node.operand)
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        value = node.value
        if value is None or (isinstance(value, ast.Constant) and value.value is None):
            if value is not None and NOT_APPLICABLE in self.names:
                self._add(value, "return", NOT_APPLICABLE)
        elif isinstance(value, ast.Name) and value.id == NOT_APPLICABLE:
            self._add(value, "return", "None")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._add(node, "const", repr(not value))
        elif isinstance(value, (int, float)) and not isinstance(value, complex):
            self._add(node, "num", repr(value + 1))
            self._add(node, "num", repr(value - 1))


def _bound_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _string_constants(node: ast.expr) -> list[ast.Constant]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _changed(text: str) -> str:
    return f"{text}_mutated" if text else "mutated"


def _offsets(source: str) -> list[int]:
    """Character offset of the start of each line (1-based line numbers index it directly)."""
    offsets = [0, 0]
    for line in source.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    return offsets


def mutants(source: str, module: str) -> list[Mutant]:
    """Every mutant of ``source`` (the text of ``module``), in source order; each one compiles."""
    tree = ast.parse(source)
    collector = _Collector(_bound_names(tree))
    collector.visit(tree)
    offsets = _offsets(source)
    seen: dict[tuple[str, str, str, str], int] = {}
    result: list[Mutant] = []
    sites = sorted(collector.sites, key=lambda s: (s.node.lineno, s.node.col_offset))
    for site in sites:
        node = site.node
        # ast offsets are in UTF-8 bytes within a line: convert through the encoded line
        start_line = source.splitlines(keepends=True)[node.lineno - 1]
        end_line = source.splitlines(keepends=True)[node.end_lineno - 1]
        start = offsets[node.lineno] + len(start_line.encode()[: node.col_offset].decode())
        end = offsets[node.end_lineno] + len(end_line.encode()[: node.end_col_offset].decode())
        original = source[start:end]
        if original == site.replacement:
            continue
        mutated = source[:start] + site.replacement + source[end:]
        try:
            ast.parse(mutated)
        except SyntaxError:  # pragma: no cover - a replacement that does not fit its place is no mutant
            continue
        shown = " ".join(original.split())
        identity = (site.function, site.operator, shown, site.replacement)
        occurrence = seen.get(identity, 0)
        seen[identity] = occurrence + 1
        result.append(
            Mutant(
                module=module,
                function=site.function,
                operator=site.operator,
                line=node.lineno,
                original=shown,
                replacement=site.replacement,
                occurrence=occurrence,
                message_only=site.message_only,
                source=mutated,
            )
        )
    return result
