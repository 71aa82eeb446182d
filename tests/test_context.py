"""The runs hand every operation one context and never switch on which operation they hold."""

import ast
import inspect
import re
import textwrap
from pathlib import Path

RUNNER = Path(__file__).resolve().parent.parent / "runner"


def test_the_runs_do_not_switch_on_the_operation_name():
    """executor, offline and the context ask the operation; a name switch there would come back
    as the special cases it replaced (bulk_insert's types, alter_column's enum types)."""
    for path in ("runtime/executor.py", "runtime/offline.py", "runtime/online.py", "runtime/context.py"):
        text = (RUNNER / path).read_text()
        assert not re.search(r"\bop\.name\s*(==|!=|in\b)", text), path


def test_every_operation_takes_one_context():
    """One signature, ddl(context), for every operation: no caller needs to know which it holds."""
    from runner.operations.base import REGISTRY

    for name, cls in REGISTRY.items():
        parameters = list(inspect.signature(cls.ddl).parameters)
        assert parameters == ["self", "context"], name
    assert not any(hasattr(cls, "offline_ddl") for cls in REGISTRY.values())


def test_the_runs_walk_a_plan_only_through_the_context():
    """executor and offline hand the plan to context.run_steps: neither walks the steps or builds
    an operation's statements itself, so online and offline cannot drift apart on either."""
    for path in ("runtime/executor.py", "runtime/offline.py"):
        text = (RUNNER / path).read_text()
        assert ".ddl(" not in text and ".statements(ops" not in text, path
        assert "context.run_steps(" in text and ".run(ops" not in text, path
    from runner.runtime import executor, offline

    for run in (executor.migrate, offline.run_offline):  # a comprehension prepares; no loop runs
        tree = ast.parse(textwrap.dedent(inspect.getsource(run)))
        assert not [node for node in ast.walk(tree) if isinstance(node, ast.For)], run.__name__


def test_only_operations_and_review_rules_name_an_operation():
    """Outside runner/operations/ and the review rules, code asks an operation what it does
    (drops_column, runs_outside_transaction, tables_changed) instead of testing its name: a
    name test elsewhere is a special case the next operation would silently miss. (runner/export
    writes each operation as its Alembic call: a table by name, as the review rules are; and
    runner/rewrite judges, as the rules do, which operations squash may carry or reorder.)"""
    found = []
    for path in sorted(RUNNER.rglob("*.py")):
        relative = path.relative_to(RUNNER).as_posix()
        if relative.startswith(("operations/", "review/rules/", "export/", "rewrite/")):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bop\.name\s*(==|!=|in\b)", line):
                found.append(f"runner/{relative}:{number}: {line.strip()}")
    assert found == []
