"""runner.schema.types: the column type grammar, its canonical text, and the SQLAlchemy types it builds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import mssql, mysql, oracle, postgresql, sqlite

from runner.errors import RevisionFileError
from runner.schema.types import (
    DIALECT_TYPES,
    DIALECTS,
    GENERIC_TYPES,
    TypeGrammarError,
    TypeSpec,
    parse_type,
    sqlalchemy_class,
)

ROOT = Path(__file__).resolve().parents[2]


# -- every example of the contract, and what SQLAlchemy makes of it ------------------------------

def _attrs(**expected):
    def check(t):
        for name, value in expected.items():
            assert getattr(t, name) == value, (name, getattr(t, name), value)
    return check


EXAMPLES = [
    ("Integer", sa.Integer, _attrs()),
    ("BigInteger", sa.BigInteger, _attrs()),
    ("SmallInteger", sa.SmallInteger, _attrs()),
    ("String(255)", sa.String, _attrs(length=255, collation=None)),
    ("String(length=50, collation='C')", sa.String, _attrs(length=50, collation="C")),
    ("Text", sa.Text, _attrs(length=None)),
    ("Unicode(200)", sa.Unicode, _attrs(length=200)),
    ("UnicodeText", sa.UnicodeText, _attrs()),
    ("Numeric(10, 2)", sa.Numeric, _attrs(precision=10, scale=2, asdecimal=True)),
    ("Numeric(precision=12, scale=4, asdecimal=False)", sa.Numeric,
     _attrs(precision=12, scale=4, asdecimal=False)),
    ("Float", sa.Float, _attrs(precision=None)),
    ("Float(53)", sa.Float, _attrs(precision=53)),
    ("Double", sa.Double, _attrs()),
    ("Boolean", sa.Boolean, _attrs()),
    ("Date", sa.Date, _attrs()),
    ("DateTime", sa.DateTime, _attrs(timezone=False)),
    ("DateTime(timezone=True)", sa.DateTime, _attrs(timezone=True)),
    ("Time", sa.Time, _attrs(timezone=False)),
    ("Interval", sa.Interval, _attrs(native=True)),
    ("LargeBinary", sa.LargeBinary, _attrs()),
    ("JSON", sa.JSON, _attrs(none_as_null=False)),
    ("Uuid", sa.Uuid, _attrs(as_uuid=True)),
    ("Enum('a', 'b', name='t')", sa.Enum, _attrs(enums=["a", "b"], name="t", native_enum=True)),
    ("Enum('open', 'paid', name='invoice_status', native_enum=False)", sa.Enum,
     _attrs(enums=["open", "paid"], name="invoice_status", native_enum=False)),
    ("VARCHAR(20)", sa.VARCHAR, _attrs(length=20)),
    ("TIMESTAMP", sa.TIMESTAMP, _attrs(timezone=False)),
    ("TIMESTAMP(timezone=True)", sa.TIMESTAMP, _attrs(timezone=True)),
    ("INTEGER", sa.INTEGER, _attrs()),
    ("CHAR(2)", sa.CHAR, _attrs(length=2)),
    ("NUMERIC(8, 3)", sa.NUMERIC, _attrs(precision=8, scale=3)),
    ("ARRAY(String(20))", sa.ARRAY, lambda t: isinstance(t.item_type, sa.String)
     and t.item_type.length == 20),
    ("postgresql.JSONB", postgresql.JSONB, _attrs()),
    ("postgresql.ARRAY(Integer)", postgresql.ARRAY, lambda t: isinstance(t.item_type, sa.Integer)),
    ("postgresql.ARRAY(String(20), dimensions=2)", postgresql.ARRAY,
     lambda t: t.item_type.length == 20 and t.dimensions == 2),
    ("postgresql.UUID(as_uuid=True)", postgresql.UUID, _attrs(as_uuid=True)),
    ("postgresql.TSVECTOR", postgresql.TSVECTOR, _attrs()),
    ("postgresql.INET", postgresql.INET, _attrs()),
    ("postgresql.TIMESTAMP(timezone=True, precision=3)", postgresql.TIMESTAMP,
     _attrs(timezone=True, precision=3)),
    ("postgresql.ENUM('x', 'y', name='xy', create_type=False)", postgresql.ENUM,
     _attrs(enums=["x", "y"], name="xy", create_type=False)),
    ("postgresql.JSONB(astext_type=Text())", postgresql.JSONB,
     lambda t: isinstance(t.astext_type, sa.Text)),
    ("mysql.TINYINT(1)", mysql.TINYINT, _attrs(display_width=1)),
    ("mysql.INTEGER(display_width=11, unsigned=True)", mysql.INTEGER,
     _attrs(display_width=11, unsigned=True)),
    ("mysql.LONGTEXT", mysql.LONGTEXT, _attrs()),
    ("mysql.SET('r', 'w')", mysql.SET, _attrs(values=("r", "w"))),
    ("mariadb.INET6", mysql.INET6, _attrs()),
    ("sqlite.JSON", sqlite.JSON, _attrs()),
    ("mssql.NVARCHAR(100)", mssql.NVARCHAR, _attrs(length=100)),
    ("mssql.DATETIME2(precision=3)", mssql.DATETIME2, _attrs(precision=3)),
    ("oracle.NUMBER(10, 2)", oracle.NUMBER, _attrs(precision=10, scale=2)),
    ("oracle.VARCHAR2(30)", oracle.VARCHAR2, _attrs(length=30)),
    ("sa.String(length=50)", sa.String, _attrs(length=50)),
    ("sqlalchemy.Integer()", sa.Integer, _attrs()),
]


@pytest.mark.parametrize(("text", "cls", "check"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_examples_build_the_right_sqlalchemy_type(text, cls, check):
    spec = parse_type(text)
    built = spec.to_sqlalchemy()
    assert type(built) is cls
    check(built)
    assert parse_type(str(spec)) == spec
    assert type(parse_type(str(spec)).to_sqlalchemy()) is cls


def test_the_ast():
    spec = parse_type("postgresql.ARRAY(String(20, collation='C'), dimensions=2)")
    assert spec.dialect == "postgresql"
    assert spec.name == "ARRAY"
    assert spec.qualname == "postgresql.ARRAY"
    assert spec.args == (TypeSpec("String", None, (20,), (("collation", "C"),)),)
    assert spec.kwargs == (("dimensions", 2),)
    assert parse_type("Integer").args == () and parse_type("Integer").dialect is None


@pytest.mark.parametrize(("text", "canonical"), [
    ("Integer", "Integer"),
    ("Integer()", "Integer"),
    ("  Numeric( 10 ,2 , ) ", "Numeric(10, 2)"),
    ("sa.String(length=50)", "String(length=50)"),
    ('Enum("a", "b", name="t")', "Enum('a', 'b', name='t')"),
    ("Enum('it''s')", None),  # two adjacent strings are not one: rejected below
    ("String(collation='it\\'s')", "String(collation='it\\'s')"),
    ('String(collation="it\'s")', "String(collation='it\\'s')"),
    ("Float(1e3)", "Float(1000.0)"),
    ("Numeric(-1)", "Numeric(-1)"),
    ("postgresql.JSONB(astext_type=sa.Text())", "postgresql.JSONB(astext_type=Text)"),
    ("DateTime(timezone=True)", "DateTime(timezone=True)"),
    ("String(None, collation=None)", "String(None, collation=None)"),
])
def test_canonical_text(text, canonical):
    if canonical is None:
        with pytest.raises(TypeGrammarError):
            parse_type(text)
        return
    spec = parse_type(text)
    assert str(spec) == canonical
    assert parse_type(canonical) == spec
    assert repr(spec) == f"TypeSpec({canonical!r})"


def test_equality_is_exact_about_values_and_loose_about_keyword_order():
    assert parse_type("String(length=5, collation='C')") == parse_type("String(collation='C', length=5)")
    assert hash(parse_type("String(length=5, collation='C')")) == hash(
        parse_type("String(collation='C', length=5)"))
    assert parse_type("String(1)") != parse_type("String(True)")
    assert parse_type("Float(1)") != parse_type("Float(1.0)")
    assert parse_type("Numeric(10, 2)") != parse_type("Numeric(precision=10, scale=2)")
    assert parse_type("postgresql.JSON") != parse_type("JSON")
    assert parse_type("Integer") != "Integer"


def test_spec_is_immutable_and_cached():
    spec = parse_type("Numeric(10, 2)")
    with pytest.raises(AttributeError):
        spec.name = "String"
    assert parse_type("Numeric(10, 2)") is spec
    assert spec.to_sqlalchemy() is not spec.to_sqlalchemy()  # each call a fresh TypeEngine


def test_type_grammar_error_is_a_revision_file_error():
    assert issubclass(TypeGrammarError, RevisionFileError)


# -- errors: exact messages and offsets -------------------------------------------------------------

@pytest.mark.parametrize(("text", "offset", "message"), [
    ("Strng(20)", 0, "unknown type 'Strng'; did you mean 'String'?"),
    ("Integr", 0, "unknown type 'Integr'; did you mean 'Integer'?"),
    ("integer", 0, "unknown type 'integer'; did you mean 'Integer'?"),
    ("varchar(20)", 0, "unknown type 'varchar'; did you mean 'VARCHAR'?"),
    ("JSONB", 0, "unknown type 'JSONB'; did you mean 'postgresql.JSONB'?"),
    ("TINYINT(1)", 0, "unknown type 'TINYINT'; did you mean 'mysql.TINYINT'?"),
    ("Foo", 0, "unknown type 'Foo'"),
    ("postgresql.JSONBB", 11, "unknown type 'postgresql.JSONBB'; did you mean 'postgresql.JSONB'?"),
    ("postgresql.String(5)", 11, "unknown type 'postgresql.String'; did you mean 'String'?"),
    ("postgresql.jsonb", 11, "unknown type 'postgresql.jsonb'; did you mean 'postgresql.JSONB'?"),
    ("postgres.JSONB", 0, "unknown dialect 'postgres'; did you mean 'postgresql'?"),
    ("pg.JSONB", 0, "unknown dialect 'pg'; did you mean 'postgresql'?"),
    ("mysq.TINYINT", 0, "unknown dialect 'mysq'; did you mean 'mysql'?"),
    ("postgresql.ARRAY(Strng)", 17, "unknown type 'Strng'; did you mean 'String'?"),
    ("String(20", 6, "'(' at offset 6 of 'String(20' is never closed"),
    ("postgresql.ARRAY(String(20)", 16, "'(' at offset 16 of 'postgresql.ARRAY(String(20)' is never closed"),
    ("String(20,", 6, "'(' at offset 6 of 'String(20,' is never closed"),
    ("String(20))", 10, "unbalanced ')' at offset 10 of 'String(20))'"),
    ("String)", 6, "unbalanced ')' at offset 6 of 'String)'"),
    ("String('abc)", 7, "unterminated string starting at offset 7 of 'String('abc)'"),
    ('Enum("a, "b")', 11, "unterminated string starting at offset 11 of 'Enum(\"a, \"b\")'"),
    ("String(20) x", 11, "unexpected 'x' at offset 11 of 'String(20) x' after the type"),
    ("String(@)", 7, "unexpected character '@' at offset 7 of 'String(@)'"),
    ("String;", 6, "unexpected character ';' at offset 6 of 'String;'"),
    ("Numeric(10 2)", 11, "expected ',' or ')' at offset 11 of 'Numeric(10 2)', found the number 2"),
    ("Numeric(10,, 2)", 11,
     "expected a value (a number, a quoted string, True, False, None or a type) at offset 11 of "
     "'Numeric(10,, 2)', found ','"),
    ("String(length=)", 14,
     "expected a value (a number, a quoted string, True, False, None or a type) at offset 14 of "
     "'String(length=)', found ')'"),
    ("(20)", 0, "expected a type name at offset 0 of '(20)', found '('"),
    ("postgresql.", 11, "expected a type name after 'postgresql.' at offset 11 of 'postgresql.', "
     "found the end of the type"),
    ("String(length=1, 5)", 17, "positional argument after keyword arguments at offset 17 of "
     "'String(length=1, 5)'"),
    ("String(length=1, length=2)", 17, "argument 'length' given twice in 'String(length=1, length=2)'"),
    ("DateTime(timezone=true)", 18, "'true' is not a value in a type; did you mean 'True'?"),
    ("String(null)", 7, "'null' is not a value in a type; did you mean 'None'?"),
    ("String(True=1)", 7, "True cannot be an argument name"),
    ("Float(1e999)", 6, "number 1e999 out of range at offset 6 of 'Float(1e999)'"),
    ("", 0, "the column type is empty"),
    ("   ", 0, "the column type is empty"),
])
def test_syntax_and_name_errors(text, offset, message):
    with pytest.raises(TypeGrammarError) as info:
        parse_type(text)
    assert info.value.message == message
    assert info.value.offset == offset
    assert info.value.text == text


@pytest.mark.parametrize(("value", "message"), [
    (None, "a column type must be a string, not null (None)"),
    (5, "a column type must be a string, not int (5)"),
    (["Integer"], "a column type must be a string, not list (['Integer'])"),
])
def test_a_type_must_be_a_string(value, message):
    with pytest.raises(TypeGrammarError) as info:
        parse_type(value)
    assert info.value.message == message


def test_unknown_type_without_a_close_match_gets_examples_as_hint():
    with pytest.raises(TypeGrammarError) as info:
        parse_type("Zebra")
    assert info.value.hint.startswith("e.g. Integer, String(255)")


@pytest.mark.parametrize(("text", "message"), [
    ("String(lenght=50)",
     "bad arguments for String in 'String(lenght=50)': unknown argument 'lenght' "
     "(did you mean 'length'?); String takes (length, collation, collation_schema)"),
    ("String(1, 2, 3, 4)",
     "bad arguments for String in 'String(1, 2, 3, 4)': too many positional arguments (4); "
     "String takes (length, collation, collation_schema)"),
    ("Integer(5)", "Integer takes no arguments, got 'Integer(5)'"),
    ("DateTime(tz=True)",
     "bad arguments for DateTime in 'DateTime(tz=True)': unknown argument 'tz'; DateTime takes (timezone)"),
    ("Enum('a', nmae='x')",
     "bad arguments for Enum in 'Enum('a', nmae='x')': unknown argument 'nmae' (did you mean 'name'?); "
     "Enum takes (*enums, create_constraint, create_type, inherit_schema, length, name, native_enum, "
     "omit_aliases, quote, schema, validate_strings)"),
    ("postgresql.ARRAY", "bad arguments for postgresql.ARRAY in 'postgresql.ARRAY': missing 1 required "
     "positional argument: 'item_type'; postgresql.ARRAY takes (item_type, as_tuple, dimensions, "
     "zero_indexes)"),
    ("postgresql.ARRAY(String(x=1))",
     "bad arguments for String in 'String(x=1)': unknown argument 'x'; String takes (length, collation, "
     "collation_schema)"),
])
def test_constructor_errors_say_what_the_type_takes(text, message):
    spec = parse_type(text)  # the grammar is fine; the arguments are not
    with pytest.raises(TypeGrammarError) as info:
        spec.to_sqlalchemy()
    assert info.value.message == message
    assert isinstance(info.value, RevisionFileError)


# -- the name tables ----------------------------------------------------------------------------------

def test_every_name_in_the_tables_resolves_to_a_sqlalchemy_type():
    for name in GENERIC_TYPES:
        assert issubclass(sqlalchemy_class(None, name), sa.types.TypeEngine), name
    for dialect in DIALECTS:
        for name in DIALECT_TYPES[dialect]:
            assert issubclass(sqlalchemy_class(dialect, name), sa.types.TypeEngine), (dialect, name)
    assert set(DIALECTS) == {"postgresql", "mysql", "mariadb", "sqlite", "mssql", "oracle"}


def test_importing_and_parsing_does_not_import_sqlalchemy():
    code = ("import sys, runner.schema.types as t; "
            "t.parse_type(\"postgresql.ARRAY(Numeric(10, 2), dimensions=2)\"); "
            "str(t.parse_type('Enum(\\'a\\', name=\\'t\\')')); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# -- properties -----------------------------------------------------------------------------------

_ALL_NAMES = [(None, n) for n in sorted(GENERIC_TYPES)] + [
    (d, n) for d in DIALECTS for n in sorted(DIALECT_TYPES[d])]
_KWARG_NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True).filter(
    lambda s: s not in ("True", "False", "None"))

literals = st.one_of(
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
)


def _spec_from(name, args, kwargs):
    dialect, type_name = name
    unique = dict(kwargs)
    return TypeSpec(type_name, dialect, tuple(args), tuple(unique.items()))


specs = st.recursive(
    st.builds(_spec_from, st.sampled_from(_ALL_NAMES), st.just(()), st.just(())),
    lambda children: st.builds(
        _spec_from,
        st.sampled_from(_ALL_NAMES),
        st.lists(st.one_of(literals, children), max_size=3),
        st.lists(st.tuples(_KWARG_NAMES, st.one_of(literals, children)), max_size=3),
    ),
    max_leaves=8,
)


def _render(value, draw):
    """Any well-formed spelling of a value: spacing, quotes, `()` and `sa.` chosen at random."""
    if isinstance(value, TypeSpec):
        generic = st.sampled_from(["", "", "sa.", "sqlalchemy."])
        prefix = value.dialect + "." if value.dialect else draw(generic)
        parts = [_render(a, draw) for a in value.args]
        parts += [f"{k}{draw(_SPACE)}={draw(_SPACE)}{_render(v, draw)}" for k, v in value.kwargs]
        if not parts and not draw(st.booleans()):
            return prefix + value.name
        sep = draw(st.sampled_from([",", ", ", " , ", ",\n"]))
        trailing = draw(st.sampled_from(["", ","])) if parts else ""
        return f"{prefix}{value.name}{draw(_SPACE)}({draw(_SPACE)}{sep.join(parts)}{trailing}{draw(_SPACE)})"
    if isinstance(value, str):
        quote = draw(st.sampled_from(["'", '"']))
        escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
        if draw(st.booleans()):
            escaped = escaped.replace("\n", "\\n").replace("\t", "\\t")
        return quote + escaped + quote
    if isinstance(value, float):
        return draw(st.sampled_from([repr(value), f"{value:.17e}"]))
    return str(value)


_SPACE = st.sampled_from(["", "", " ", "  "])


@st.composite
def spellings(draw):
    spec = draw(specs)
    return spec, draw(_SPACE) + _render(spec, draw) + draw(_SPACE)


@settings(max_examples=300, deadline=None)
@given(spellings())
def test_round_trip_of_well_formed_expressions(case):
    spec, text = case
    parsed = parse_type(text)
    assert parsed == spec
    canonical = str(parsed)
    assert parse_type(canonical) == spec
    assert str(parse_type(canonical)) == canonical


_LENGTH = st.integers(min_value=1, max_value=4000)


@st.composite
def valid_generic_types(draw):
    """Generic types with arguments their constructors take, as text."""
    plain = ["Integer", "BigInteger", "SmallInteger", "Text", "UnicodeText", "Boolean", "Date",
             "Time", "Float", "Double", "LargeBinary", "JSON", "Uuid", "Interval", "INTEGER",
             "BIGINT", "SMALLINT", "TEXT", "DATE", "TIME", "TIMESTAMP", "BOOLEAN", "REAL", "FLOAT",
             "DATETIME", "BLOB", "CLOB", "DECIMAL", "NUMERIC"]
    kind = draw(st.sampled_from(["plain", "string", "numeric", "datetime", "enum"]))
    if kind == "plain":
        name = draw(st.sampled_from(plain))
        return name + draw(st.sampled_from(["", "()"]))
    if kind == "string":
        name = draw(st.sampled_from(["String", "Unicode", "VARCHAR", "CHAR", "NVARCHAR", "NCHAR"]))
        length = draw(_LENGTH)
        return draw(st.sampled_from([f"{name}({length})", f"{name}(length={length})"]))
    if kind == "numeric":
        precision = draw(st.integers(min_value=1, max_value=38))
        scale = draw(st.integers(min_value=0, max_value=precision))
        name = draw(st.sampled_from(["Numeric", "NUMERIC", "DECIMAL"]))
        return draw(st.sampled_from([f"{name}({precision}, {scale})",
                                     f"{name}(precision={precision}, scale={scale})",
                                     f"{name}({precision})"]))
    if kind == "datetime":
        name = draw(st.sampled_from(["DateTime", "Time", "TIMESTAMP"]))
        return f"{name}(timezone={draw(st.booleans())})"
    values = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1,
                           max_size=4, unique=True))
    name = draw(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True))
    return "Enum(" + ", ".join(repr(v) for v in values) + f", name='{name}')"


GENERIC_DIALECTS = [sqlite.dialect(), postgresql.dialect(), mysql.dialect(), mssql.dialect(),
                    oracle.dialect()]


@settings(max_examples=200, deadline=None)
@given(valid_generic_types())
def test_generic_types_compile_on_every_dialect(text):
    spec = parse_type(text)
    assert parse_type(str(spec)) == spec
    built = spec.to_sqlalchemy()
    for dialect in GENERIC_DIALECTS:
        ddl = built.compile(dialect=dialect)
        assert isinstance(ddl, str) and ddl


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([
    ("postgresql", "postgresql.JSONB"), ("postgresql", "postgresql.ARRAY({})"),
    ("postgresql", "postgresql.UUID(as_uuid={b})"), ("postgresql", "postgresql.TSVECTOR"),
    ("postgresql", "postgresql.INET"), ("postgresql", "postgresql.TIMESTAMP(timezone={b})"),
    ("postgresql", "ARRAY({})"),
    ("mysql", "mysql.TINYINT({n})"), ("mysql", "mysql.LONGTEXT"), ("mysql", "mysql.VARCHAR({n})"),
    ("mysql", "mysql.INTEGER(display_width={n}, unsigned={b})"),
    ("sqlite", "sqlite.JSON"), ("sqlite", "sqlite.DATETIME"),
    ("mssql", "mssql.NVARCHAR({n})"), ("mssql", "mssql.DATETIME2"), ("mssql", "mssql.UNIQUEIDENTIFIER"),
    ("oracle", "oracle.NUMBER({n}, 2)"), ("oracle", "oracle.VARCHAR2({n})"),
]), valid_generic_types(), st.integers(min_value=3, max_value=200), st.booleans())
def test_dialect_types_compile_on_their_dialect(template, item, n, flag):
    dialect_name, text = template
    if "ARRAY" in text and item.startswith("Enum"):
        item = "Integer"
    text = text.format(item, n=n, b=flag)
    spec = parse_type(text)
    assert parse_type(str(spec)) == spec
    dialect = {"postgresql": postgresql, "mysql": mysql, "sqlite": sqlite, "mssql": mssql,
               "oracle": oracle}[dialect_name].dialect()
    assert spec.to_sqlalchemy().compile(dialect=dialect)
