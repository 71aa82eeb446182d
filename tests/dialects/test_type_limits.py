"""Each dialect's limits on column types (DefaultImpl.type_problems): what SQLAlchemy builds but
the database refuses, with the offset in the type string of what is wrong."""

from __future__ import annotations

import pytest

from runner.sql.dialects import impl_for

REFUSED = [
    ("postgresql", "String(10485761)", "length 10485761: String holds at most 10485760 on PostgreSQL", 7),
    ("postgresql", "CHAR(length=20000000)", "CHAR holds at most 10485760", 12),
    ("postgresql", "postgresql.ENUM('a', 'b')", "which needs a name", 0),
    ("postgresql", "ARRAY(Enum('a'), dimensions=2)", "which needs a name", 6),
    ("postgresql", f"Enum('{'x' * 64}', name='e')", "is 64 bytes; PostgreSQL takes at most 63", 5),
    ("mysql", "String", "MySQL has no VARCHAR without a length: write String(n)", 0),
    ("mysql", "VARCHAR(16384)", "holds at most 16383 on MySQL (65535 bytes, 4 a character of utf8mb4)", 8),
    ("mysql", "mysql.VARCHAR(65536, charset='latin1')", "holds at most 65535", 14),
    ("mysql", "mysql.VARCHAR(21846, charset='utf8mb3')", "holds at most 21845", 14),
    ("mysql", "NVARCHAR(21846)", "3 a character of utf8", 9),
    ("mysql", "CHAR(256)", "CHAR holds at most 255", 5),
    ("mysql", "Numeric(66, 2)", "precision 66: Numeric allows at most 65 on MySQL", 8),
    ("mysql", "Numeric(40, 31)", "scale 31", 12),
    ("mysql", "Enum('a', 'A')", "the values 'a' and 'A' are the same to MySQL", 10),
    ("mysql", f"Enum('{'x' * 256}')", "is 256 characters; MySQL takes at most 255", 5),
    ("mysql", "mysql.SET(" + ", ".join(f"'v{i}'" for i in range(65)) + ")",
     "it has 65 values; MySQL takes at most 64", 0),
    ("mariadb", "Unicode", "MariaDB has no VARCHAR without a length: write Unicode(n)", 0),
    ("mssql", "String(8001)", "String holds at most 8000 on SQL Server", 7),
    ("mssql", "NVARCHAR(4001)", "NVARCHAR holds at most 4000", 9),
    ("mssql", "Unicode(4001)", "Unicode holds at most 4000", 8),
    ("mssql", "VARBINARY(8001)", "VARBINARY holds at most 8000", 10),
    ("mssql", "Numeric(39)", "precision 39: Numeric allows at most 38 on SQL Server", 8),
    ("oracle", "String", "Oracle has no VARCHAR without a length", 0),
    ("oracle", "oracle.VARCHAR2(4001)", "oracle.VARCHAR2 holds at most 4000 on Oracle", 16),
    ("oracle", "oracle.NVARCHAR2(2001)", "holds at most 2000", 17),
    ("oracle", "oracle.RAW(2001)", "oracle.RAW holds at most 2000", 11),
    ("oracle", "Numeric(39, 2)", "precision 39", 8),
    ("sqlite", "ARRAY(Integer)", "SQLite has no ARRAY type", 0),
    ("mysql", "ARRAY(Integer)", "MySQL has no ARRAY type", 0),
]

ACCEPTED = [
    ("postgresql", "String(10485760)"), ("postgresql", "String"), ("postgresql", "Text"),
    ("postgresql", "Enum('a', name='e')"), ("postgresql", "Enum('a', native_enum=False)"),
    ("postgresql", "mysql.VARCHAR(99999)"),          # another database's type: not judged here
    ("mysql", "String(16383)"), ("mysql", "mysql.VARCHAR(65535, charset='latin1')"),
    ("mysql", "Text"), ("mysql", "CHAR"), ("mysql", "Enum('a', 'b')"),
    ("mysql", "mysql.ENUM('a', 'A', collation='utf8mb4_bin')"),
    ("mysql", "Enum('a', 'A', native_enum=False)"),
    ("mysql", "Numeric(65, 30)"), ("mysql", "postgresql.JSONB"),
    ("mssql", "String"), ("mssql", "Unicode"), ("mssql", "String(8000)"), ("mssql", "NVARCHAR(4000)"),
    ("oracle", "String(4000)"), ("oracle", "Unicode(4000)"), ("oracle", "Numeric(38, 2)"),
    ("sqlite", "String"), ("sqlite", "postgresql.JSONB"), ("sqlite", "Enum('a')"),
    ("", "Enum('a')"), ("", "String(99999999)"),   # no dialect named: nothing to judge against
]


@pytest.mark.parametrize("dialect, text, reason, offset", REFUSED)
def test_refused(dialect, text, reason, offset):
    found = impl_for(dialect).type_problems(text)
    assert len(found) == 1 and reason in found[0][0] and found[0][1] == offset, found


@pytest.mark.parametrize("dialect, text", ACCEPTED)
def test_accepted(dialect, text):
    assert impl_for(dialect).type_problems(text) == []


def test_a_text_that_does_not_parse_is_the_contract_s_to_report():
    assert impl_for("postgresql").type_problems("Strng(") == []
