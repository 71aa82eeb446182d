"""SQLAlchemy types back into yamig's type strings (`String(50)`, `postgresql.JSONB`).

Autogenerate writes the models' types into revision files, so what it writes must
parse with runner.schema.types' grammar and build the same type again. The renderer
walks the type's constructor parameters, as SQLAlchemy's own repr does, and
builds a TypeSpec, so its text is the grammar's canonical text.
"""

from __future__ import annotations

import inspect
from typing import Any

from runner.schema.types import DIALECT_TYPES, GENERIC_TYPES, TypeGrammarError, TypeSpec, parse_type

# attributes that hold a constructor parameter under another name
_ATTRIBUTE = {"item_type": "item_type", "enums": "enums", "dimensions": "dimensions"}
# parameters never worth writing (defaults SQLAlchemy fills in, internal switches)
_SKIP = {"_expect_unicode", "_warn_on_bytestring", "_enums", "metadata", "values_callable",
         "omit_aliases", "_create_events", "_adapted_from", "sort_key_function",
         "_disable_warnings", "inherit_schema"}


class UnrenderableType(Exception):
    """A type yamig's grammar has no name for (a user-defined type, say)."""


def render_type(type_: Any) -> str:
    """The yamig type string for a SQLAlchemy type instance (or class)."""
    spec = type_spec(type_)
    text = str(spec)
    try:
        parse_type(text)
    except TypeGrammarError as exc:  # pragma: no cover - a renderer bug, not user input
        raise UnrenderableType(f"{text}: {exc.message}") from None
    return text


def type_spec(type_: Any) -> TypeSpec:
    import sqlalchemy as sa

    if isinstance(type_, type):
        type_ = type_()
    if isinstance(type_, sa.types.TypeDecorator) and type(type_).__name__ not in GENERIC_TYPES:
        return type_spec(type_.impl_instance)  # a custom type is written as what it stores
    if type(type_) is sa.Enum:
        return _enum_spec(type_, None)
    cls = type(type_)
    dialect = _dialect_of(cls)
    if cls.__name__ == "ENUM" and dialect is not None:
        return _enum_spec(type_, dialect)
    known = GENERIC_TYPES if dialect is None else DIALECT_TYPES.get(dialect, frozenset())
    if cls.__name__ not in known:
        raise UnrenderableType(f"{cls.__module__}.{cls.__name__}")
    args, kwargs = _arguments(type_, cls)
    return TypeSpec(cls.__name__, dialect, tuple(args), tuple(kwargs))


def _dialect_of(cls: type) -> str | None:
    """None for a class of sqlalchemy.types, else the dialect module it comes from."""
    import sqlalchemy.types as generic

    if getattr(generic, cls.__name__, None) is cls:
        return None
    parts = cls.__module__.split(".")
    if len(parts) >= 3 and parts[:2] == ["sqlalchemy", "dialects"] and parts[2] in DIALECT_TYPES:
        return parts[2]
    if cls.__module__.startswith("sqlalchemy.sql"):
        return None
    raise UnrenderableType(f"{cls.__module__}.{cls.__name__}")


def _arguments(type_: Any, cls: type) -> tuple[list[Any], list[tuple[str, Any]]]:
    """Positional values while they are plain numbers, keywords for the rest; defaults left out."""
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):  # pragma: no cover
        return [], []
    args: list[Any] = []
    kwargs: list[tuple[str, Any]] = []
    positional = True
    for i, param in enumerate(signature.parameters.values()):
        if i == 0 or param.name in _SKIP or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if not hasattr(type_, param.name):
            positional = False
            continue
        value = getattr(type_, param.name)
        default = param.default
        if param.name == "astext_type" and repr(value) == "Text()":
            continue
        if default is not param.empty and _same(value, default):
            positional = False
            continue
        value = _value(value)
        if positional and param.kind is param.POSITIONAL_OR_KEYWORD and (
                isinstance(value, (int, TypeSpec)) and not isinstance(value, bool)):
            args.append(value)
        else:
            positional = False
            kwargs.append((param.name, value))
    return args, kwargs


def _same(value: Any, default: Any) -> bool:
    import sqlalchemy as sa

    if isinstance(value, sa.types.TypeEngine) or isinstance(default, sa.types.TypeEngine):
        if isinstance(default, type):
            default = default()
        return type(value) is type(default) and repr(value) == repr(default)
    try:
        return bool(value == default) and type(value) is type(default)
    except Exception:  # pragma: no cover - odd values compare oddly
        return False


def _value(value: Any) -> Any:
    import sqlalchemy as sa

    if isinstance(value, (sa.types.TypeEngine, type)) and not isinstance(value, (bool, int, str)):
        return type_spec(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise UnrenderableType(f"argument {value!r}")


def _enum_spec(type_: Any, dialect: str | None) -> TypeSpec:
    kwargs: list[tuple[str, Any]] = []
    if type_.name:
        kwargs.append(("name", type_.name))
    if type_.schema:
        kwargs.append(("schema", type_.schema))
    if not type_.native_enum:
        kwargs.append(("native_enum", False))
    if getattr(type_, "create_constraint", False):
        kwargs.append(("create_constraint", True))
    return TypeSpec("Enum" if dialect is None else "ENUM", dialect, tuple(type_.enums), tuple(kwargs))
