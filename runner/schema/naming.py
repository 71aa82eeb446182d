"""The config's naming convention: the names the database gives unnamed constraints and indexes.

SQLAlchemy's `MetaData(naming_convention=...)` names them when the DDL is compiled, and Alembic
uses the one of `target_metadata`; the replayed state must know the same names without
SQLAlchemy (validate does not import it), so this module repeats SQLAlchemy's rules
(sqlalchemy.sql.naming.ConventionDict): the keys `ix`, `uq`, `ck`, `fk`, `pk`, the tokens
`%(table_name)s`, `%(column_0_name)s`, `%(column_0N_name)s`, `%(column_0_N_label)s`,
`%(referred_table_name)s`, `%(referred_column_0_name)s`, `%(constraint_name)s`.

A name written `{f: some_name}` is Alembic's `op.f("some_name")` (SQLAlchemy's `conv`): final,
not passed through the convention. Names the convention makes are final too. The state keeps
final names whole; a dialect shortens one longer than its limit (`shorten`, as SQLAlchemy's
compiler does), and a name written plainly must fit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

KEYS = ("ix", "uq", "ck", "fk", "pk")
# create_table's constraint key (and `index`) -> the convention's key
CONVENTION_KEYS = {"primary_key": "pk", "unique": "uq", "check": "ck", "foreign_key": "fk", "index": "ix"}
# SQLAlchemy's default: what names a column's `index: true` index when the config says nothing
DEFAULT = {"ix": "ix_%(column_0_label)s"}

_TOKEN = re.compile(r"%\(([^)]+)\)s")
_COLUMN = re.compile(r"(referred_)?column_(\d+)(_?N)?_(name|label|key)$")


def final(name: Any) -> str | None:
    """The name as text: `{f: x}` is x; None when no name is given."""
    if isinstance(name, dict):
        return name.get("f")
    return name or None


def is_final(name: Any) -> bool:
    return isinstance(name, dict)


def convention_of(settings: Mapping[str, str] | None) -> dict[str, str]:
    """The convention in use: the config's keys, plus SQLAlchemy's default `ix` when it has none
    (a convention without `ix` would leave a column's `index: true` without a name)."""
    return {**DEFAULT, **dict(settings or {})}


def tokens(template: str) -> list[str]:
    return _TOKEN.findall(template)


def check_template(template: str) -> str | None:
    """What is wrong with a convention's template, or None."""
    for token in tokens(template):
        if token not in ("table_name", "constraint_name", "referred_table_name") and not _COLUMN.match(token):
            return f"unknown token %({token})s"
        if token.startswith("referred_") and not _COLUMN.match(token) and token != "referred_table_name":
            return f"unknown token %({token})s"
    try:
        template % {t: "" for t in tokens(template)}
    except (ValueError, TypeError) as exc:
        return f"not a %-template: {exc}"
    return None


def database_name(convention: Mapping[str, str] | None, kind: str, written: Any, *, table: str,
                  schema: str | None = None, columns: Sequence[str] = (),
                  referred_table: str | None = None, referred_columns: Sequence[str] = ()) -> str | None:
    """The name the database gives a constraint or index of `kind` (create_table's key or
    `index`), written `written` (None, a name, or `{f: name}`): a final name as it is; a plain
    one through the convention when its template has %(constraint_name)s; an unnamed one from
    the convention (None when the convention has no template for it)."""
    if is_final(written):
        return final(written)
    template = (convention or {}).get(CONVENTION_KEYS[kind])
    name = final(written)
    if template is None or (name is not None and "constraint_name" not in tokens(template)):
        return name
    if name is None and "constraint_name" in tokens(template):
        return None  # SQLAlchemy: the token needs a name; the DDL reports it

    def value(token: str) -> str:
        if token == "table_name":
            return table
        if token == "constraint_name":
            return name or ""
        if token == "referred_table_name":
            return referred_table or ""
        match = _COLUMN.match(token)
        referred, index, multiples, attribute = match.groups()  # type: ignore[union-attr]
        names = list(referred_columns if referred else columns)
        if attribute == "label" and not referred:
            prefix = f"{schema.replace('.', '_')}_{table}" if schema else table
            names = [f"{prefix}_{c}" for c in names]
        if multiples:
            return ("_" if multiples.startswith("_") else "").join(names)
        position = int(index)
        return names[position] if position < len(names) else ""

    return template % {token: value(token) for token in tokens(template)}


def shorten(name: str, limit: int) -> str:
    """A final name as a dialect writes it: cut to `limit` with four hex digits of its md5, as
    SQLAlchemy's compiler shortens a `conv` name (_truncate_and_render_maxlen_name)."""
    if len(name) <= limit:
        return name
    return name[: limit - 8] + "_" + hashlib.md5(name.encode("utf-8")).hexdigest()[-4:]
