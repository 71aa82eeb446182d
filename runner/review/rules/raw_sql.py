"""The raw SQL rule: execute, whose effect on the schema yamig cannot see; and which raw SQL
only reads or writes rows, so that the replay keeps knowing the schema after it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from runner.review.rules.base import Found, Rule

EXECUTE = Rule("execute", "warning", "raw SQL that changes the schema cannot be checked or reversed by "
               "yamig, and the checks after it assume less", "prefer operations; write its downgrade; "
               "allow: [execute] to accept")

RULES = (EXECUTE,)

_DATA = {"INSERT", "UPDATE", "DELETE", "SELECT", "WITH", "MERGE", "SET", "RESET", "ANALYZE"}


def _execute(op, state, ctx) -> Iterator[Found]:
    if not data_only(op):
        yield "execute", op.location, "raw SQL: yamig cannot check what it does to the schema"


def data_only(op) -> bool:
    """Whether the operation is raw SQL that only reads or writes rows (so the schema stays known)."""
    if op.name != "execute":
        return False
    statements = _statements(op.args.get("sqltext", ""))
    return statements is not None and bool(statements) and all(
        s.split(None, 1)[0].upper() in _DATA for s in statements)


def _statements(sql: str) -> list[str] | None:
    """The statements of a script, comments removed; None when it quotes with $$ (function bodies)."""
    if "$" in sql:
        return None
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.DOTALL)
    statements, current, quote = [], [], None
    i = 0
    while i < len(sql):
        char = sql[i]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif char == ";":
            statements.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


SAFETY = {"execute": _execute}
