"""SQLAlchemy type expressions as yamig type strings (runner.schema.types' grammar).

A type is recognised by its import path: `sqlalchemy.<Name>` (and its `types` / `sql.sqltypes`
spellings), `sqlalchemy.dialects.<dialect>.<NAME>`, or an application type the user mapped
(`--type myapp.types.GUID=Uuid`). The string is checked by the grammar and the constructors'
signatures, so a converted type is one yamig can build.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from runner.convert.report import Unmappable
from runner.schema.type_arguments import check_arguments
from runner.schema.types import DIALECT_TYPES, GENERIC_TYPES, TypeGrammarError, parse_type

_GENERIC_PREFIXES = ("sqlalchemy.types.", "sqlalchemy.sql.sqltypes.", "sqlalchemy.")


@dataclass(frozen=True)
class TypeValue:
    """A type as yamig writes it; `enum` holds name/values/schema for create_enum."""

    text: str
    enum: dict | None = field(default=None, compare=False)


def type_name(qualname: str) -> tuple[str | None, str] | None:
    """(dialect or None, NAME) when `qualname` is a SQLAlchemy type yamig knows, else None."""
    parts = qualname.split(".")
    if len(parts) >= 4 and parts[:2] == ["sqlalchemy", "dialects"]:
        dialect, name = parts[2], parts[-1]
        if dialect in DIALECT_TYPES and name in DIALECT_TYPES[dialect] and len(parts) <= 5:
            return dialect, name
        return None
    for prefix in _GENERIC_PREFIXES:
        rest = qualname[len(prefix):] if qualname.startswith(prefix) else None
        if rest and rest in GENERIC_TYPES:
            return None, rest
    return None


def literal(value, node: ast.AST) -> str:
    """A type argument in the grammar's spelling."""
    if isinstance(value, TypeValue):
        return value.text
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"
    raise Unmappable(node, "a type argument", f"{ast.unparse(node)} is not a constant or a type")


def render(dialect: str | None, name: str, args: list, kwargs: dict, node: ast.AST) -> TypeValue:
    """The checked type string of NAME(args, kwargs)."""
    head = f"{dialect}.{name}" if dialect else name
    parts = [literal(a, node) for a in args] + [f"{k}={literal(v, node)}" for k, v in kwargs.items()]
    text = f"{head}({', '.join(parts)})" if parts else head
    try:
        spec = parse_type(text)
        check_arguments(text)
    except TypeGrammarError as error:
        raise Unmappable(node, f"type {ast.unparse(node)}", error.message) from None
    enum = None
    if name.upper() == "ENUM":
        enum = {"name": kwargs.get("name"), "values": [a for a in args if isinstance(a, str)],
                "schema": kwargs.get("schema")}
    return TypeValue(str(spec) if not parts else text, enum)
