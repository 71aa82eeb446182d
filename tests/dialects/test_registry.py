"""runner.sql.dialects: every dialect name finds its impl, and each impl says what it is."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from runner.sql.dialects import IMPLS, DefaultImpl, impl_for
from runner.sql.dialects.mssql import MSSQLImpl
from runner.sql.dialects.mysql import MariaDBImpl, MySQLImpl
from runner.sql.dialects.oracle import OracleImpl
from runner.sql.dialects.postgresql import PostgresqlImpl
from runner.sql.dialects.sqlite import SQLiteImpl

CLASSES = {"postgresql": PostgresqlImpl, "sqlite": SQLiteImpl, "mysql": MySQLImpl,
           "mariadb": MariaDBImpl, "mssql": MSSQLImpl, "oracle": OracleImpl}


def dialect(name: str):
    return make_url(f"{name}://").get_dialect()()


def test_the_registry_names_each_dialect_once():
    assert IMPLS == CLASSES


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_a_name_and_a_sqlalchemy_dialect_find_the_same_impl(name):
    by_name, by_dialect = impl_for(name), impl_for(dialect(name))
    assert type(by_name) is type(by_dialect) is CLASSES[name]
    assert by_name.name == by_dialect.name == name
    assert by_name.dialect is None and by_dialect.dialect is not None


def test_mariadb_is_served_by_the_mysql_module():
    assert isinstance(impl_for("mariadb"), MySQLImpl)
    mysql_on_mariadb = dialect("mysql")
    mysql_on_mariadb.is_mariadb = True  # what a mysql:// connection to MariaDB reports
    assert type(impl_for(mysql_on_mariadb)) is MariaDBImpl
    assert impl_for(mysql_on_mariadb).execute_names() == {"mysql", "mariadb"}
    assert impl_for("mariadb").execute_names() == {"mysql", "mariadb"}
    assert impl_for("mysql").execute_names() == {"mysql"}


def test_an_unknown_dialect_gets_the_default():
    impl = impl_for("firebird")
    assert type(impl) is DefaultImpl and impl.name == "firebird"
    assert impl.execute_names() == {"firebird"}


CAPABILITIES = {
    #                     postgresql sqlite mysql  mssql  oracle
    "transactional_ddl": (True, True, False, True, False),
    "terminator": (";", ";", ";", ";", ""),
    "batch_separator": (None, None, None, "GO", "/"),
    "begin_text": ("BEGIN", "BEGIN", "BEGIN", "BEGIN TRANSACTION", "BEGIN"),
    "script_transactions": (True, True, False, True, False),
    "default_schema": ("public", "main", None, "dbo", None),
    "supports_comments": (True, False, True, True, True),
    "alters_columns": (True, False, True, True, True),
    "alters_constraints": (True, False, True, True, True),
    "named_enum_types": (True, False, False, False, False),
    "drop_constraint_needs_type": (False, False, True, False, False),
    "drops_foreign_key_first": (False, False, True, True, False),
    "identity_insert": (False, False, False, True, False),
    "shared_server": (True, False, True, True, True),
    "concurrent_indexes": (True, False, False, False, False),
    "volatile_default_rewrites": (True, False, False, False, False),
    "text_widening_rewrites": (False, False, True, False, False),
    "numeric_widening_in_place": (True, False, False, False, False),
}
ORDER = ("postgresql", "sqlite", "mysql", "mssql", "oracle")


@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
def test_each_capability(capability):
    found = tuple(getattr(impl_for(name), capability) for name in ORDER)
    assert found == CAPABILITIES[capability]
    assert getattr(impl_for("mariadb"), capability) == getattr(impl_for("mysql"), capability)


def test_the_default_is_the_plain_case():
    impl = impl_for("firebird")
    assert (impl.transactional_ddl, impl.terminator, impl.batch_separator, impl.begin_text,
            impl.script_transactions, impl.default_schema) == (False, ";", None, "BEGIN", False, None)
    assert impl.runs_outside_transaction({"postgresql_concurrently": True}) is False
    assert impl.create_named_types([sa.Enum("a", name="mood")]) == []
    assert impl.default_constraint_name("t", "primary_key", []) is None


def test_postgresql_specifics():
    impl = impl_for("postgresql")
    assert impl.runs_outside_transaction({"postgresql_concurrently": True})
    assert not impl.runs_outside_transaction({})
    types = [sa.Enum("a", name="mood"), sa.Enum("a"), sa.Enum("a", name="n", native_enum=False), sa.Integer()]
    assert [t.__class__.__name__ for t in impl.create_named_types(types)] == ["CreateEnumType"]
    assert [t.__class__.__name__ for t in impl.drop_named_types(types)] == ["DropEnumType"]
    assert impl.normalise_type("float") == "DOUBLE PRECISION"
    assert impl_for("mysql").normalise_type("float") == "FLOAT"
    assert impl.default_constraint_name("t", "unique", ["a", "b"]) == "t_a_b_key"


def test_mssql_fills_in_the_default_schema_offline():
    mssql = dialect("mssql")
    mssql.default_schema_name = None
    impl_for(mssql).prepare_offline_dialect(mssql)
    assert mssql.default_schema_name == "dbo"


def test_the_review_reads_a_dialects_traits_without_sqlalchemy():
    """validate's rules ask traits_for(name): importing them, and the dialects package, loads no
    SQLAlchemy, so validate stays a graph-only command however validate.dialect is set."""
    import subprocess
    import sys

    code = ("import sys; from runner.review.rules.base import Context; "
            "assert Context('postgresql').takes_concurrent_index; "
            "assert not Context('sqlite').takes_locks; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_each_impl_answers_its_traits():
    from runner.sql.dialects.traits import TRAITS, traits_for

    for name, cls in IMPLS.items():
        assert issubclass(cls, traits_for(name)) and name in TRAITS, name
    assert issubclass(traits_for("mariadb"), traits_for("mysql")) and traits_for(None).names == ()
