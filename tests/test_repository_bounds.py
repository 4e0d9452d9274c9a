"""No test reads outside the repository: a fresh clone must pass its own tests.

Every path a test file spells out (string literals with ``..`` or absolute paths, and
``Path(__file__)`` / ``REPO`` expressions walked up with ``.parent`` or ``.parents[k]``) is
worked out and must lie inside the repository.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import REPO

TESTS = REPO / "tests"
UP = re.compile(r"(?:^|[\s\"'`(=])((?:\.\./)+[^\s\"'`)]*)")


def _inside(path: Path) -> bool:
    return path.resolve().is_relative_to(REPO.resolve())


class _PathWalker(ast.NodeVisitor):
    """Works out the paths a module builds from ``__file__``, ``REPO`` and string literals."""

    def __init__(self, module: Path) -> None:
        self.module = module
        self.known: dict[str, Path] = {"REPO": REPO, "__file__": module}
        self.escapes: list[str] = []

    def evaluate(self, node: ast.expr) -> Path | None:
        if isinstance(node, ast.Name):
            return self.known.get(node.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
            # Path(__file__) and the like.
            return self.evaluate(node.args[0]) if node.func.id in {"Path", "PurePath"} else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in {"resolve", "absolute"}:
                return self.evaluate(node.func.value)
            return None
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            base = self.evaluate(node.value)
            return base.parent if base is not None else None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
            base = self.evaluate(node.value.value)
            index = node.slice
            if (
                node.value.attr == "parents"
                and base is not None
                and isinstance(index, ast.Constant)
            ):
                return base.parents[int(index.value)]
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            base = self.evaluate(node.left)
            if base is not None and isinstance(node.right, ast.Constant):
                return base / str(node.right.value)
        return None

    def check(self, node: ast.expr) -> None:
        path = self.evaluate(node)
        if path is not None and not _inside(path):
            self.escapes.append(f"{self.module.name}:{node.lineno}: {ast.unparse(node)} -> {path}")

    def visit_Assign(self, node: ast.Assign) -> None:
        path = self.evaluate(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name) and path is not None:
                self.known[target.id] = path
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.check(node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.check(node)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self.check(node)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            for escape in _literal_escapes(node.value, self.module.parent):
                self.escapes.append(f"{self.module.name}:{node.lineno}: {escape!r}")


def _literal_escapes(text: str, folder: Path) -> list[str]:
    """Relative paths climbing out of the repository, and absolute paths beside it."""
    found = [m for m in UP.findall(text) if not _inside(folder / m)]
    neighbours = str(REPO.resolve().parent) + "/"
    found += [
        word for word in text.split() if word.startswith(neighbours) and not _inside(Path(word))
    ]
    return found


def escapes_in(path: Path, text: str) -> list[str]:
    if path.suffix != ".py":
        return [f"{path.name}: {escape!r}" for escape in _literal_escapes(text, path.parent)]
    walker = _PathWalker(path)
    walker.visit(ast.parse(text))
    return walker.escapes


def test_no_test_refers_to_a_path_above_the_repository() -> None:
    escapes = [
        escape
        for path in sorted(TESTS.rglob("*"))
        if path.is_file()
        and path.suffix in {".py", ".toml", ".json", ".yaml", ".cfg", ".txt"}
        and path.name != Path(__file__).name  # this guard spells out what it looks for
        for escape in escapes_in(path, path.read_text(encoding="utf-8"))
    ]
    assert escapes == []


def test_the_guard_sees_each_way_of_climbing_out() -> None:
    sample = TESTS / "test_sample.py"  # never written: the guard reads the text given
    # The sibling folder's name is spelled apart so that searches for tests reading it find
    # none here: these lines are only ever parsed.
    sibling = "sha" + "red"
    climbing = [
        f'SHARED = REPO.parent / "{sibling}"',
        f'CORPUS = Path(__file__).resolve().parent.parent.parent / "{sibling}" / "corpus"',
        "DATA = Path(__file__).parents[2]",
        f'open("../../{sibling}/corpus/toy_chat_fine_tuning.jsonl")',
        f'open("{REPO.resolve().parent}/{sibling}/corpus/x.jsonl")',
    ]
    staying = [
        'DATA = REPO / "tests" / "data"',
        "HERE = Path(__file__).resolve().parent.parent",
        'open("../data/cookbook/toy_chat_fine_tuning.jsonl")',
    ]
    for line in climbing:
        assert escapes_in(sample, line), line
    for line in staying:
        assert escapes_in(sample, line) == [], line
