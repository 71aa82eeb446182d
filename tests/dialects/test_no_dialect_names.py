"""A dialect's name is tested only where its knowledge lives: runner/sql/dialects/ (and, until
they ask impl_for too, runner/runtime/ and runner/review/). Elsewhere a dialect-name string
literal is a name comparison in waiting: ask the impl for the capability instead."""

from __future__ import annotations

import ast
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[2] / "runner"
NAMES = {"postgresql", "sqlite", "mysql", "mariadb", "mssql", "oracle"}
ALLOWED_DIRECTORIES = ("sql/dialects",)
# files that may hold the names, each with its reason
ALLOWED_FILES = {
    # the type grammar's namespaces (`postgresql.JSONB`) and their arguments: data the parser reads,
    # kept literal so that parsing imports neither SQLAlchemy nor the dialect layer above it
    "schema/types.py": "grammar data",
}


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value.lower() in NAMES and id(node) not in docstrings]


def test_dialect_names_appear_only_in_the_dialect_layer():
    found = []
    for path in sorted(RUNNER.rglob("*.py")):
        relative = path.relative_to(RUNNER).as_posix()
        if relative.startswith(ALLOWED_DIRECTORIES) or relative in ALLOWED_FILES:
            continue
        found += [f"runner/{relative}:{line}: {value!r}" for line, value in _literals(path)]
    assert found == [], "ask impl_for(dialect) instead of naming the dialect:\n" + "\n".join(found)


def test_the_allowed_files_still_hold_names():
    for relative in ALLOWED_FILES:
        assert _literals(RUNNER / relative), f"runner/{relative} no longer needs its exception"
