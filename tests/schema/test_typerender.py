"""SQLAlchemy types written back as yamig type strings: readable, and the same type again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from runner.schema.typerender import UnrenderableType, render_type
from runner.schema.types import parse_type


class Money(sa.types.TypeDecorator):
    impl = sa.Numeric(12, 2)
    cache_ok = True


CASES = [
    (sa.Integer(), "Integer"), (sa.BigInteger, "BigInteger"), (sa.String(50), "String(50)"),
    (sa.String(), "String"), (sa.String(20, collation="C"), "String(20, collation='C')"),
    (sa.Numeric(10, 2), "Numeric(10, 2)"), (sa.DateTime(timezone=True), "DateTime(timezone=True)"),
    (sa.Enum("a", "b", name="st"), "Enum('a', 'b', name='st')"), (sa.Interval(), "Interval"),
    (sa.Enum("x", native_enum=False), "Enum('x', native_enum=False)"),
    (sa.VARCHAR(20), "VARCHAR(20)"), (sa.Uuid(), "Uuid"), (sa.JSON(), "JSON"),
    (postgresql.JSONB(), "postgresql.JSONB"), (postgresql.ARRAY(sa.Integer), "postgresql.ARRAY(Integer)"),
    (postgresql.TIMESTAMP(timezone=True), "postgresql.TIMESTAMP(timezone=True)"),
    (postgresql.ENUM("x", "y", name="e"), "postgresql.ENUM('x', 'y', name='e')"),
    (mysql.TINYINT(1), "mysql.TINYINT(1)"), (sqlite.DATETIME(), "sqlite.DATETIME"),
    (Money(), "Numeric(12, 2)"),
]


@pytest.mark.parametrize("type_, text", CASES, ids=[t for _, t in CASES])
def test_rendered_text_builds_the_same_type(type_, text):
    assert render_type(type_) == text
    built = parse_type(text).to_sqlalchemy()
    original = type_() if isinstance(type_, type) else type_
    if isinstance(original, Money):
        original = original.impl_instance
    for dialect in (postgresql.dialect(), sqlite.dialect(), mysql.dialect()):
        try:
            expected = original.compile(dialect=dialect)
        except Exception:  # a dialect type another dialect cannot spell
            continue
        assert built.compile(dialect=dialect) == expected


def test_types_without_a_yamig_name_are_refused():
    class Weird(sa.types.UserDefinedType):
        cache_ok = True

        def get_col_spec(self, **kw):
            return "WEIRD"

    with pytest.raises(UnrenderableType):
        render_type(Weird())
