"""The key-length rule: an index key longer than the database takes (MySQL and MariaDB: 3072
bytes, four a character in utf8mb4) fails at its statement, after the ones before it have run,
which on a database whose DDL commits itself leaves the revision half applied. Computed from
the column types the replayed state holds, without SQLAlchemy (validate stays graph-only)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from runner.review.rules.base import Context, Found, Rule
from runner.schema.types import TypeGrammarError, parse_type

INDEX_KEY_LENGTH = Rule("index-key-length", "error", "the index key is longer than the database "
                        "takes (MySQL and MariaDB: 3072 bytes, 4 a character in utf8mb4): the "
                        "statement fails, after the ones before it have run",
                        "index a prefix of the long columns (create_index's mysql_length: "
                        "{column: characters}), or fewer or shorter columns")

RULES = (INDEX_KEY_LENGTH,)

_CHARSET_BYTES = {"latin1": 1, "ascii": 1, "binary": 1, "ucs2": 2, "utf8": 3, "utf8mb3": 3,
                  "utf16": 4, "utf32": 4}
_CHARACTERS = {"String", "VARCHAR", "CHAR", "Unicode", "Enum", "NVARCHAR", "NCHAR"}
_NATIONAL = {"NVARCHAR", "NCHAR"}  # MySQL's NATIONAL VARCHAR: utf8, 3 bytes a character
_BYTES = {"BINARY", "VARBINARY"}
_TEXTS = {"Text", "TEXT", "UnicodeText", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "CLOB", "JSON"}
_BLOBS = {"LargeBinary", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB"}
_FIXED = {"Boolean": 1, "BOOLEAN": 1, "TINYINT": 1, "SmallInteger": 2, "SMALLINT": 2, "MEDIUMINT": 3,
          "Integer": 4, "INTEGER": 4, "INT": 4, "BigInteger": 8, "BIGINT": 8, "Date": 3, "DATE": 3,
          "DateTime": 8, "DATETIME": 8, "TIMESTAMP": 4, "Time": 3, "Float": 8, "Double": 8,
          "Uuid": 128}  # Uuid: CHAR(32)


def _spec(text: Any):
    try:
        return parse_type(text) if isinstance(text, str) else None
    except TypeGrammarError:
        return None


def _charset_bytes(spec, table_options: dict[str, Any]) -> int:
    for key in ("charset", "collation"):
        given = dict(spec.kwargs).get(key)
        if isinstance(given, str):
            return _CHARSET_BYTES.get(given.split("_")[0].lower(), 4)
    if spec.name in _NATIONAL:
        return 3
    given = table_options.get("mysql_charset") or table_options.get("mysql_default_charset")
    return _CHARSET_BYTES.get(str(given).lower(), 4) if given else 4


def key_part(column: str, type_text: Any, prefix: int | None, table_options: dict[str, Any]
             ) -> tuple[int, str] | None:
    """(bytes, how) of one column in an index key; bytes -1: a TEXT or BLOB without a prefix;
    None for a type the rule does not know (counted as nothing: no false alarm)."""
    spec = _spec(type_text)
    if spec is None:
        return None
    if spec.name in _TEXTS or spec.name in _BLOBS:
        if prefix is None:
            return -1, f"{column} {spec}"
        each = 1 if spec.name in _BLOBS else _charset_bytes(spec, table_options)
        return prefix * each, f"{column}({prefix}) × {each}"
    if spec.name in _CHARACTERS or spec.name in _BYTES:
        length = spec.args[0] if spec.args and isinstance(spec.args[0], int) else \
            dict(spec.kwargs).get("length")
        if spec.name == "Enum":
            return 4, f"{column} ENUM"
        if not isinstance(length, int):
            return None
        length = min(length, prefix) if prefix else length
        each = 1 if spec.name in _BYTES else _charset_bytes(spec, table_options)
        return length * each, f"{column} {spec.name}({length}) × {each}"
    fixed = _FIXED.get(spec.name)
    return (fixed, f"{column} {spec}") if fixed else None


def _key(ctx: Context, where: Callable[[], str], what: str, columns: list[str],
         types: dict[str, Any], options: dict[str, Any], lengths: Any = None,
         primary: bool = False) -> Iterator[Found]:
    """`where` is called only for a finding: a location decodes the file's positions."""
    limit = ctx.index_key_bytes
    if limit is None or not columns:
        return
    total, parts = 0, []
    for column in columns:
        if not isinstance(column, str):
            return  # an expression: its length is the database's to work out
        prefix = lengths.get(column) if isinstance(lengths, dict) else lengths
        part = key_part(column, types.get(column), prefix, options)
        if part is None:
            continue
        size, how = part
        if size < 0:
            if ctx.text_keys_need_length:
                yield ("index-key-length", where(),
                       f"{what} is on {how}: MySQL indexes a TEXT or BLOB column by a prefix only "
                       "(error 1170)")
            continue
        total += size
        parts.append(f"{how} = {size}")
    if total <= limit or (len(columns) == 1 and not primary and ctx.long_single_keys_shortened):
        return  # (MariaDB cuts one long column to a prefix, or hashes it for a unique key)
    yield ("index-key-length", where(),
           f"{what} is {total} bytes ({', '.join(parts)}), over the {limit} an index key may have")


def _columns_of(state, args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    table = state.table(args["table_name"], args.get("schema"))
    if table is None:
        return {}, {}
    return {n: c.get("type") for n, c in table.columns.items()}, table.options


def _create_index(op, state, ctx) -> Iterator[Found]:
    args = op.args
    types, options = _columns_of(state, args)
    columns = [c if isinstance(c, str) else c.get("name", c) for c in args.get("columns", [])]
    yield from _key(ctx, lambda: op.arg_location("columns"), f"index {args['index_name']}", columns,
                    types, options, args.get("mysql_length"))


def _create_unique(op, state, ctx) -> Iterator[Found]:
    args = op.args
    types, options = _columns_of(state, args)
    name = args.get("constraint_name") or "the unique constraint"
    yield from _key(ctx, lambda: op.arg_location("columns"), f"{name}", list(args.get("columns", [])),
                    types, options)


def _create_primary_key(op, state, ctx) -> Iterator[Found]:
    args = op.args
    types, options = _columns_of(state, args)
    yield from _key(ctx, lambda: op.arg_location("columns"), f"the primary key of {args['table_name']}",
                    list(args.get("columns", [])), types, options, primary=True)


def _create_table(op, state, ctx) -> Iterator[Found]:
    args = op.args
    columns = args.get("columns", [])
    types = {c.get("name"): c.get("type") for c in columns}
    options = {k: v for k, v in args.items() if k.startswith("mysql_")}
    keys = [c.get("name") for c in columns if c.get("primary_key")]
    if keys:
        yield from _key(ctx, lambda: op.arg_location("columns"),
                        f"the primary key of {args['table_name']}", keys, types, options, primary=True)
    for i, column in enumerate(columns):
        if column.get("unique") or column.get("index"):
            yield from _key(ctx, lambda i=i: op.arg_location("columns", i),
                            f"the index on {column.get('name')}", [column.get("name")], types, options)
    for i, constraint in enumerate(args.get("constraints", [])):
        for kind in ("unique", "primary_key"):
            if isinstance(constraint.get(kind), list):
                what = constraint.get("name") or ("the primary key" if kind == "primary_key"
                                                  else "the unique constraint")
                yield from _key(ctx, lambda i=i: op.arg_location("constraints", i), what,
                                constraint[kind], types, options, primary=kind == "primary_key")


def _add_column(op, state, ctx) -> Iterator[Found]:
    column = op.args["column"]
    if column.get("unique") or column.get("index") or column.get("primary_key"):
        _, options = _columns_of(state, op.args)
        yield from _key(ctx, lambda: op.arg_location("column"), f"the index on {column.get('name')}",
                        [column.get("name")], {column.get("name"): column.get("type")}, options,
                        primary=bool(column.get("primary_key")))


KEY_LIMITS = {"create_index": _create_index, "create_unique_constraint": _create_unique,
              "create_primary_key": _create_primary_key, "create_table": _create_table,
              "add_column": _add_column}
