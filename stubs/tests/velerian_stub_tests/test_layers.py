"""
SQL text lives only in ``velerian_stub.store``.

import-linter keeps the layers' imports in order (``pyproject.toml``), but it cannot see
a string: a service module could still hand ``session.one("SELECT ...")`` its own
statement. This walk reads every module outside ``store/`` and fails on any string
constant that starts a SQL statement: a keyword followed by more text. Docstrings are
skipped, the match is case-sensitive (prose such as "Create a key" is not SQL), and a
lone word is not a statement (``"DELETE"`` is also an HTTP method).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import velerian_stub

PACKAGE = Path(velerian_stub.__file__).parent
STORE = PACKAGE / "store"
SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA|ALTER|WITH)\s+\S")


def docstring_nodes(tree: ast.Module) -> set[int]:
    """The ids of the constants that are module, class or function docstrings."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        first = node.body[0] if node.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            found.add(id(first.value))
    return found


def sql_literals(path: Path) -> list[str]:
    """Each SQL-looking string constant of one module, as ``file:line: text``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = docstring_nodes(tree)
    return [
        f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value.strip()[:60]}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and SQL_START.match(node.value)
    ]


def test_sql_text_is_written_only_in_the_store() -> None:
    modules = [path for path in sorted(PACKAGE.rglob("*.py")) if STORE not in path.parents]
    assert len(modules) > 50, "the walk found too few modules: is the package path right?"
    found = [hit for path in modules for hit in sql_literals(path)]
    assert found == [], "SQL outside velerian_stub/store/:\n" + "\n".join(found)


def test_the_walk_sees_the_store_statements() -> None:
    # The check above passes vacuously if the pattern matches nothing at all.
    in_store = [hit for path in sorted(STORE.rglob("*.py")) for hit in sql_literals(path)]
    assert len(in_store) > 50
