"""Column types written as SQLAlchemy writes them, parsed by a small grammar (never `eval`).

    type     := [dialect "."] NAME ["(" [arg ("," arg)* [","]] ")"]
    arg      := [NAME "="] value                  (positional arguments before keywords)
    value    := INT | FLOAT | STRING | True | False | None | type
    dialect  := postgresql | mysql | mariadb | sqlite | mssql | oracle
    STRING   := '...' or "..." with backslash escapes (\\n \\t \\r, anything else is itself)

`parse_type(text)` gives an immutable `TypeSpec` without importing SQLAlchemy: the names it
accepts come from the literal tables below. `str(spec)` is the canonical text
(`parse_type(str(spec)) == spec`), and `spec.to_sqlalchemy()` builds the `TypeEngine`.
A leading `sa.` / `sqlalchemy.` (as Alembic's autogenerate writes) means the generic namespace,
and `Integer()` is the same as `Integer`. The constructors' parameters come from a snapshot
(`signature`, no SQLAlchemy import); runner.schema.type_arguments checks arguments against them.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Union

from runner.errors import RevisionFileError

__all__ = ["DIALECTS", "DIALECT_TYPES", "ENUM_TYPES", "GENERIC_TYPES", "OPTION_PREFIXES", "SIGNATURES_FILE",
           "TypeGrammarError", "TypeSpec", "parse_type", "sqlalchemy_class",
           "type_positions"]

# -- the names a type may have -------------------------------------------------------------------
# Generated once from SQLAlchemy 2.1 (the TypeEngine subclasses that `sqlalchemy.types` and each
# `sqlalchemy.dialects.<name>` module export, less the abstract and internal ones:
# TypeEngine, TypeDecorator, UserDefinedType, Variant, NullType, MatchType, TupleType,
# NamedType, Abstract*Range) and kept as literals so that parsing never imports SQLAlchemy.

GENERIC_TYPES: frozenset[str] = frozenset({
    "ARRAY", "BIGINT", "BINARY", "BLOB", "BOOLEAN", "BigInteger", "Boolean", "CHAR", "CLOB",
    "DATE", "DATETIME", "DECIMAL", "DOUBLE", "DOUBLE_PRECISION", "Date", "DateTime", "Double",
    "Enum", "FLOAT", "Float", "INT", "INTEGER", "Integer", "Interval", "JSON", "LargeBinary",
    "NCHAR", "NUMERIC", "NVARCHAR", "Numeric", "PickleType", "REAL", "SMALLINT", "SmallInteger",
    "String", "TEXT", "TIME", "TIMESTAMP", "Text", "Time", "UUID", "Unicode", "UnicodeText",
    "Uuid", "VARBINARY", "VARCHAR",
})

_MYSQL_TYPES = frozenset({
    "BIGINT", "BINARY", "BIT", "BLOB", "BOOLEAN", "CHAR", "DATE", "DATETIME", "DECIMAL",
    "DOUBLE", "ENUM", "FLOAT", "INET4", "INET6", "INTEGER", "JSON", "LONGBLOB", "LONGTEXT",
    "MEDIUMBLOB", "MEDIUMINT", "MEDIUMTEXT", "NCHAR", "NUMERIC", "NVARCHAR", "REAL", "SET",
    "SMALLINT", "TEXT", "TIME", "TIMESTAMP", "TINYBLOB", "TINYINT", "TINYTEXT", "VARBINARY",
    "VARCHAR", "YEAR",
})

DIALECT_TYPES: dict[str, frozenset[str]] = {
    "postgresql": frozenset({
        "ARRAY", "BIGINT", "BIT", "BOOLEAN", "BYTEA", "CHAR", "CIDR", "CITEXT", "DATE",
        "DATEMULTIRANGE", "DATERANGE", "DOMAIN", "DOUBLE_PRECISION", "ENUM", "FLOAT", "HSTORE",
        "INET", "INT4MULTIRANGE", "INT4RANGE", "INT8MULTIRANGE", "INT8RANGE", "INTEGER", "INTERVAL",
        "JSON", "JSONB", "JSONPATH", "MACADDR", "MACADDR8", "MONEY", "NUMERIC", "NUMMULTIRANGE",
        "NUMRANGE", "OID", "REAL", "REGCLASS", "REGCONFIG", "SMALLINT", "TEXT", "TIME", "TIMESTAMP",
        "TSMULTIRANGE", "TSQUERY", "TSRANGE", "TSTZMULTIRANGE", "TSTZRANGE", "TSVECTOR", "UUID",
        "VARCHAR",
    }),
    "mysql": _MYSQL_TYPES,
    "mariadb": _MYSQL_TYPES,  # SQLAlchemy's MariaDB dialect lives in sqlalchemy.dialects.mysql
    "sqlite": frozenset({
        "BLOB", "BOOLEAN", "CHAR", "DATE", "DATETIME", "DECIMAL", "FLOAT", "INTEGER", "JSON",
        "JSONB", "NUMERIC", "REAL", "SMALLINT", "TEXT", "TIME", "TIMESTAMP", "VARCHAR",
    }),
    "mssql": frozenset({
        "BIGINT", "BINARY", "BIT", "CHAR", "DATE", "DATETIME", "DATETIME2", "DATETIMEOFFSET",
        "DECIMAL", "DOUBLE_PRECISION", "FLOAT", "IMAGE", "INTEGER", "JSON", "MONEY", "NCHAR",
        "NTEXT", "NUMERIC", "NVARCHAR", "REAL", "ROWVERSION", "SMALLDATETIME", "SMALLINT",
        "SMALLMONEY", "SQL_VARIANT", "TEXT", "TIME", "TIMESTAMP", "TINYINT", "UNIQUEIDENTIFIER",
        "VARBINARY", "VARCHAR", "XML",
    }),
    "oracle": frozenset({
        "BFILE", "BINARY_DOUBLE", "BINARY_FLOAT", "BLOB", "BOOLEAN", "CHAR", "CLOB", "DATE",
        "DOUBLE_PRECISION", "FLOAT", "INTERVAL", "JSON", "LONG", "NCHAR", "NCLOB", "NUMBER",
        "NVARCHAR", "NVARCHAR2", "RAW", "REAL", "ROWID", "TIMESTAMP", "VARCHAR", "VARCHAR2",
        "VECTOR",
    }),
}

DIALECTS: tuple[str, ...] = tuple(DIALECT_TYPES)
OPTION_PREFIXES = tuple(f"{name}_" for name in DIALECTS)  # an argument for one dialect: postgresql_where
_GENERIC_PREFIXES = ("sa", "sqlalchemy")  # Alembic's autogenerate writes sa.String(length=50)
_MODULE = {"mariadb": "mysql"}
_CONSTANTS = {"True": True, "False": False, "None": None}
_EXAMPLES = "e.g. Integer, String(255), Numeric(10, 2), DateTime(timezone=True) or postgresql.JSONB"


class TypeGrammarError(RevisionFileError):
    """A column type string that does not parse, names an unknown type, or has bad arguments.

    `offset` is the 0-based position in the type text of the problem.
    """

    def __init__(self, message: str, *, offset: int = 0, text: str | None = None,
                 hint: str | None = None, location: str | None = None):
        super().__init__(message, location=location, hint=hint)
        self.offset = offset
        self.text = text


# -- the AST ------------------------------------------------------------------------------------

Value = Union[int, float, str, bool, None, "TypeSpec"]


def _value_key(value: Value) -> Any:
    if isinstance(value, TypeSpec):
        return value._key
    return (type(value).__name__, value)  # so that 1, 1.0 and True stay different


def quote(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f"'{escaped}'"


def value_text(value: Value) -> str:
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)  # int, bool, None, TypeSpec


class TypeSpec:
    """One parsed type: `dialect.name(args..., key=value...)`; immutable and hashable.

    `dialect` is None for SQLAlchemy's generic types. `args` holds the positional values,
    `kwargs` the keyword ones as (name, value) pairs in the order written; equality does not
    depend on that order. Values are int, float, str, bool, None or nested TypeSpecs.
    """

    __slots__ = ("name", "dialect", "args", "kwargs", "_key", "_text")

    name: str
    dialect: str | None
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]

    def __init__(self, name: str, dialect: str | None = None, args: tuple[Value, ...] = (),
                 kwargs: tuple[tuple[str, Value], ...] | dict[str, Value] = ()):
        if isinstance(kwargs, dict):
            kwargs = tuple(kwargs.items())
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "dialect", dialect)
        set_(self, "args", tuple(args))
        set_(self, "kwargs", tuple(kwargs))
        set_(self, "_key", (dialect, name, tuple(_value_key(a) for a in self.args),
                            tuple(sorted((k, _value_key(v)) for k, v in self.kwargs))))
        parts = [value_text(a) for a in self.args] + [f"{k}={value_text(v)}" for k, v in self.kwargs]
        set_(self, "_text", self.qualname + (f"({', '.join(parts)})" if parts else ""))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("TypeSpec is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("TypeSpec is immutable")

    def __reduce__(self) -> Any:
        return (TypeSpec, (self.name, self.dialect, self.args, self.kwargs))

    @property
    def qualname(self) -> str:
        """`postgresql.JSONB` or, for a generic type, just `String`."""
        return f"{self.dialect}.{self.name}" if self.dialect else self.name

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"TypeSpec({self._text!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TypeSpec):
            return NotImplemented
        return self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def sqlalchemy_class(self) -> type:
        """The SQLAlchemy class this type names (imports SQLAlchemy)."""
        return sqlalchemy_class(self.dialect, self.name)

    def argument(self, name: str) -> tuple[int | str, Value] | None:
        """The constructor's argument `name` as written: (its position or its keyword, the value);
        None when not given. Positions are read from the constructors' snapshot."""
        for key, value in self.kwargs:
            if key == name:
                return key, value
        positional = _positional(self.dialect, self.name)
        if name in positional:
            index = positional.index(name)
            if index < len(self.args):
                return index, self.args[index]
        return None

    def to_sqlalchemy(self) -> Any:
        """A new SQLAlchemy TypeEngine instance for this type (imports SQLAlchemy)."""
        cls = sqlalchemy_class(self.dialect, self.name)
        args = [_to_sqlalchemy(a) for a in self.args]
        kwargs = {k: _to_sqlalchemy(v) for k, v in self.kwargs}
        enum_kwargs = ENUM_KWARGS.get((self.dialect, self.name))
        try:
            if enum_kwargs is not None:  # these swallow unknown keywords: a typo would vanish
                check_enum_keywords(kwargs, enum_kwargs)
            return cls(*args, **kwargs)
        except TypeError as exc:
            raise constructor_error(self, str(exc), enum_kwargs) from None
        except ValueError as exc:
            raise TypeGrammarError(f"bad arguments for {self.qualname} in '{self}': {exc}",
                                   text=str(self)) from None
        except Exception as exc:  # sqlalchemy.exc.ArgumentError and friends
            if type(exc).__module__.startswith("sqlalchemy"):
                raise TypeGrammarError(f"bad arguments for {self.qualname} in '{self}': {exc}",
                                       text=str(self)) from None
            raise


def check_enum_keywords(kwargs: Any, enum_kwargs: frozenset[str]) -> None:
    for key in kwargs:
        if key not in enum_kwargs:
            raise TypeError(f"got an unexpected keyword argument '{key}'")


def constructor_error(spec: TypeSpec, message: str, enum_kwargs: frozenset[str] | None) -> TypeGrammarError:
    """The constructor's TypeError said as what the type takes, the one wording for a real call
    (to_sqlalchemy) and for validate's call of the snapshot (check_arguments)."""
    reason = re.sub(r"^[\w.]*\(\) ", "", message)
    names = _parameters(spec.dialect, spec.name, enum_kwargs)
    if not names:
        return TypeGrammarError(f"{spec.qualname} takes no arguments, got '{spec}'",
                                text=str(spec), hint=f"write {spec.qualname}")
    unexpected = re.search(r"unexpected keyword argument '(\w+)'", reason)
    close = difflib.get_close_matches(unexpected.group(1), names, n=1) if unexpected else []
    if unexpected:
        reason = f"unknown argument '{unexpected.group(1)}'"
        if close:
            reason += f" (did you mean '{close[0]}'?)"
    elif re.search(r"positional arguments? but \d+ (were|was) given", reason):
        reason = f"too many positional arguments ({len(spec.args)})"
    return TypeGrammarError(
        f"bad arguments for {spec.qualname} in '{spec}': {reason}; "
        f"{spec.qualname} takes ({', '.join(names)})",
        text=str(spec),
    )


def _to_sqlalchemy(value: Value) -> Any:
    return value.to_sqlalchemy() if isinstance(value, TypeSpec) else value


@lru_cache(maxsize=512)
def sqlalchemy_class(dialect: str | None, name: str) -> type:
    """The SQLAlchemy class for a known name, looked up once (imports SQLAlchemy)."""
    import importlib

    module_name = f"sqlalchemy.dialects.{_MODULE.get(dialect, dialect)}" if dialect else "sqlalchemy.types"
    module = importlib.import_module(module_name)
    cls = getattr(module, name, None)
    if cls is None:
        import sqlalchemy

        raise _not_available(dialect, name, sqlalchemy.__version__)
    return cls


def _not_available(dialect: str | None, name: str, version: str) -> TypeGrammarError:
    qualname = f"{dialect}.{name}" if dialect else name
    return TypeGrammarError(f"type {qualname} is not available in the installed "
                            f"SQLAlchemy {version}", hint="upgrade SQLAlchemy")


@lru_cache(maxsize=512)
def _positional(dialect: str | None, name: str) -> tuple[str, ...]:
    """The names of a type's constructor parameters that a positional argument can fill, in order
    (from the snapshot below: no SQLAlchemy import)."""
    names = []
    for param, kind, _, _ in signature(dialect, name)["params"]:
        if kind not in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD"):
            break
        names.append(param)
    return tuple(names)


# -- what SQLAlchemy's constructors take, without importing it -------------------------------------

SIGNATURES_FILE = Path(__file__).with_name("type_signatures.json")
"""A snapshot of each type's constructor, written by runner.schema.signatures from the installed
SQLAlchemy (a test fails when they differ): validate checks type arguments against it, since
importing SQLAlchemy would cost a graph-only command several times its own run."""


@lru_cache(maxsize=1)
def _snapshot() -> dict[str, Any]:
    return json.loads(SIGNATURES_FILE.read_text(encoding="utf-8"))


def signature(dialect: str | None, name: str) -> dict[str, Any]:
    """`{"params": [[name, kind, has default, annotation], ...], "base": ..., ...}` of a type."""
    snapshot = _snapshot()
    entry = snapshot["types"][dialect or ""].get(name)
    if entry is None:
        raise _not_available(dialect, name, snapshot["sqlalchemy"])
    return entry


UNSET = object()


@lru_cache(maxsize=512)
def stand_in(dialect: str | None, name: str) -> Any:
    """A function with the constructor's parameters (less `self`) that returns those given: called
    as the constructor would be, Python raises the constructor's own TypeErrors."""
    parts: list[str] = []
    star = False
    params = signature(dialect, name)["params"]
    for i, (param, kind, default, _) in enumerate(params):
        if not param.isidentifier():  # pragma: no cover - the snapshot is ours
            raise ValueError(f"bad parameter name {param!r} in {SIGNATURES_FILE.name}")
        if kind == "KEYWORD_ONLY" and not star:
            parts.append("*")
            star = True
        if kind == "VAR_POSITIONAL":
            parts.append(f"*{param}")
            star = True
        elif kind == "VAR_KEYWORD":
            parts.append(f"**{param}")
        else:
            parts.append(f"{param}=__unset" if default else param)
        if kind == "POSITIONAL_ONLY" and (i + 1 == len(params) or params[i + 1][1] != kind):
            parts.append("/")
    namespace: dict[str, Any] = {}
    exec(f"def {name}({', '.join(parts)}):\n    return dict(locals())",  # noqa: S102 - names checked above
         {"__unset": UNSET}, namespace)
    return namespace[name]


def _parameters(dialect: str | None, name: str, enum_kwargs: frozenset[str] | None = None) -> list[str]:
    """The public parameters of a type's constructor, `*name` / `**name` for the variadic ones."""
    names = []
    for param, kind, _, _ in signature(dialect, name)["params"]:
        if param.startswith("_"):
            continue
        if kind == "VAR_POSITIONAL":
            names.append(f"*{param}")
        elif kind == "VAR_KEYWORD":
            if enum_kwargs is None:
                names.append(f"**{param}")
            else:
                names += sorted(k for k in enum_kwargs if k not in names)
        else:
            names.append(param)
    return names


_ENUM_COMMON = frozenset({"name", "schema", "native_enum", "create_constraint", "create_type",
                          "inherit_schema", "length", "quote", "omit_aliases", "validate_strings"})
_MYSQL_STRING = frozenset({"charset", "collation", "ascii", "binary", "unicode", "national"})
ENUM_TYPES = frozenset({(None, "Enum"), ("postgresql", "ENUM")})  # (namespace, name): one with
# a name is a type of its own on PostgreSQL (schema.state.named_type)
ENUM_KWARGS: dict[tuple[str | None, str], frozenset[str]] = {
    (None, "Enum"): _ENUM_COMMON,
    ("postgresql", "ENUM"): _ENUM_COMMON,
    **{(d, "ENUM"): _ENUM_COMMON | _MYSQL_STRING for d in ("mysql", "mariadb")},
    **{(d, "SET"): _MYSQL_STRING | {"retrieve_as_bitwise"} for d in ("mysql", "mariadb")},
}


# -- the tokenizer and parser ---------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op>[().,=])
""", re.VERBOSE | re.DOTALL)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_EOF = "end"


def _describe(kind: str, value: str) -> str:
    if kind == _EOF:
        return "the end of the type"
    if kind == "string":
        return "a string"
    if kind == "number":
        return f"the number {value}"
    return f"'{value}'"


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos, end = 0, len(text)
    match = _TOKEN.match
    while pos < end:
        m = match(text, pos)
        if m is None:
            char = text[pos]
            if char in "'\"":
                raise TypeGrammarError(f"unterminated string starting at offset {pos} of '{text}'",
                                       offset=pos, text=text, hint=f"close it with {char}")
            raise TypeGrammarError(f"unexpected character {char!r} at offset {pos} of '{text}'",
                                   offset=pos, text=text, hint=_EXAMPLES)
        kind = m.lastgroup
        if kind != "ws":
            tokens.append((kind, m.group(), pos))  # type: ignore[arg-type]
        pos = m.end()
    tokens.append((_EOF, "", end))
    return tokens


MAX_NESTING = 8
"""How deeply types may nest (ARRAY(ARRAY(...))): PostgreSQL arrays are one type whatever
their dimensions, and a parser without a bound recurses until Python gives up."""


class _Parser:
    __slots__ = ("text", "tokens", "i", "depth", "path", "positions")

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0
        self.path: tuple[int | str, ...] = ()  # where the value being parsed is (type_positions)
        self.positions: dict[tuple[int | str, ...], int] = {}

    def error(self, message: str, offset: int, hint: str | None = None) -> TypeGrammarError:
        return TypeGrammarError(message, offset=offset, text=self.text, hint=hint)

    def peek(self, ahead: int = 0) -> tuple[str, str, int]:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def unexpected(self, expected: str) -> TypeGrammarError:
        kind, value, pos = self.peek()
        return self.error(f"expected {expected} at offset {pos} of '{self.text}', "
                          f"found {_describe(kind, value)}", pos)

    def parse(self) -> TypeSpec:
        if self.peek()[0] == _EOF:
            raise self.error("the column type is empty", 0, hint=_EXAMPLES)
        spec = self.type_expr()
        kind, value, pos = self.peek()
        if kind != _EOF:
            if value == ")":
                raise self.error(f"unbalanced ')' at offset {pos} of '{self.text}'", pos)
            raise self.error(f"unexpected {_describe(kind, value)} at offset {pos} of '{self.text}' "
                             "after the type", pos)
        return spec

    def type_expr(self) -> TypeSpec:
        kind, name, start = self.peek()
        if kind != "name":
            raise self.unexpected("a type name")
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(f"types nest more than {MAX_NESTING} deep at offset {start} of "
                             f"'{self.text[:60]}...'", start,
                             hint="ARRAY(Integer, dimensions=2) is a two-dimensional array")
        self.positions[self.path] = start
        try:
            return self.type_body(kind, name, start)
        finally:
            self.depth -= 1

    def type_body(self, kind: str, name: str, start: int) -> TypeSpec:
        self.i += 1
        dialect = None
        name_pos = start
        if self.peek()[1] == ".":
            self.i += 1
            kind2, name2, name_pos = self.peek()
            if kind2 != "name":
                raise self.unexpected(f"a type name after '{name}.'")
            self.i += 1
            if name in _GENERIC_PREFIXES:
                dialect = None
            elif name in DIALECT_TYPES:
                dialect = name
            else:
                raise self.error(_unknown_dialect(name), start,
                                 hint="dialects: " + ", ".join(DIALECTS))
            name = name2
        self.check_name(dialect, name, name_pos)
        args: list[Value] = []
        kwargs: list[tuple[str, Value]] = []
        if self.peek()[1] == "(":
            open_pos = self.peek()[2]
            self.i += 1
            while self.peek()[1] != ")":
                kind, value, pos = self.peek()
                if kind == _EOF:
                    raise self.error(f"'(' at offset {open_pos} of '{self.text}' is never closed",
                                     open_pos, hint="add ')'")
                if kind == "name" and self.peek(1)[1] == "=":
                    if value in _CONSTANTS:
                        raise self.error(f"{value} cannot be an argument name", pos)
                    if any(k == value for k, _ in kwargs):
                        raise self.error(f"argument '{value}' given twice in '{self.text}'", pos)
                    self.i += 2
                    kwargs.append((value, self.argument(value)))
                else:
                    if kwargs:
                        raise self.error(f"positional argument after keyword arguments at offset {pos} "
                                         f"of '{self.text}'", pos)
                    args.append(self.argument(len(args)))
                kind, value, pos = self.peek()
                if value == ",":
                    self.i += 1
                elif value != ")":
                    if kind == _EOF:
                        raise self.error(f"'(' at offset {open_pos} of '{self.text}' is never closed",
                                         open_pos, hint="add ')'")
                    raise self.unexpected("',' or ')'")
            self.i += 1
        return TypeSpec(name, dialect, tuple(args), tuple(kwargs))

    def argument(self, key: int | str) -> Value:
        """An argument's value, its offset kept under its path (its position or keyword)."""
        outer = self.path
        self.path = outer + (key,)
        self.positions[self.path] = self.peek()[2]
        try:
            return self.value()
        finally:
            self.path = outer

    def value(self) -> Value:
        kind, value, pos = self.peek()
        if kind == "number":
            self.i += 1
            if any(c in value for c in ".eE"):
                number = float(value)
                if not math.isfinite(number):
                    raise self.error(f"number {value} out of range at offset {pos} of '{self.text}'", pos)
                return number
            return int(value)
        if kind == "string":
            self.i += 1
            return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), value[1:-1])
        if kind == "name":
            if value in _CONSTANTS:
                self.i += 1
                return _CONSTANTS[value]
            if value in ("true", "false", "none", "null"):
                right = "None" if value in ("none", "null") else value.capitalize()
                raise self.error(f"'{value}' is not a value in a type; did you mean '{right}'?", pos)
            return self.type_expr()
        raise self.unexpected("a value (a number, a quoted string, True, False, None or a type)")

    def check_name(self, dialect: str | None, name: str, pos: int) -> None:
        known = DIALECT_TYPES[dialect] if dialect else GENERIC_TYPES
        if name in known:
            return
        qualname = f"{dialect}.{name}" if dialect else name
        suggestion = _suggest(dialect, name)
        if suggestion:
            raise self.error(f"unknown type '{qualname}'; did you mean '{suggestion}'?", pos)
        raise self.error(f"unknown type '{qualname}'", pos, hint=_EXAMPLES)


def _unknown_dialect(name: str) -> str:
    close = difflib.get_close_matches(name, DIALECTS + _GENERIC_PREFIXES, n=1)
    if not close and name.lower() in ("postgres", "pg", "psql"):
        close = ["postgresql"]
    text = f"unknown dialect '{name}'"
    return f"{text}; did you mean '{close[0]}'?" if close else text


def _suggest(dialect: str | None, name: str) -> str | None:
    """The closest known name: same namespace ignoring case, another namespace, then difflib."""
    known = DIALECT_TYPES[dialect] if dialect else GENERIC_TYPES
    prefix = f"{dialect}." if dialect else ""
    lower = name.lower()
    same_case = sorted((k for k in known if k.lower() == lower), key=lambda k: (k.isupper(), k))
    if same_case:
        return prefix + same_case[0]
    if dialect is None:
        for other in DIALECTS:
            if name in DIALECT_TYPES[other]:
                return f"{other}.{name}"
    elif name in GENERIC_TYPES:
        return name
    close = difflib.get_close_matches(name, sorted(known), n=1)
    if close:
        return prefix + close[0]
    if dialect is None:
        for other in DIALECTS:
            close = [k for k in DIALECT_TYPES[other] if k.lower() == lower]
            if close:
                return f"{other}.{close[0]}"
    return None


@lru_cache(maxsize=8192)
def _parse(text: str) -> TypeSpec:
    return _Parser(text).parse()


@lru_cache(maxsize=1024)
def type_positions(text: str) -> dict[tuple[int | str, ...], int]:
    """Where each part of a type string starts (0-based offsets): () is the type, (0,) its first
    positional argument, ("name",) its `name=` value, (0, "length") a keyword of the type that
    is its first argument. For pointing a finding into the string; `text` must parse."""
    parser = _Parser(text)
    parser.parse()
    return parser.positions


def parse_type(text: Any) -> TypeSpec:
    """Parse a column type string; raise TypeGrammarError (with `.offset`) if it is not one."""
    if not isinstance(text, str):
        kind = "null" if text is None else type(text).__name__
        raise TypeGrammarError(f"a column type must be a string, not {kind} ({text!r})",
                               hint=_EXAMPLES)
    return _parse(text)
