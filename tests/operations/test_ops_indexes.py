"""create_index's dialect options (`postgresql_*`, `mssql_*`, ...): checked against the dialect, compiled."""

from __future__ import annotations

import pytest

from runner.errors import RevisionFileError

from ..helpers import ACCOUNT, offline_script, revision_text


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
@pytest.mark.parametrize("option, expected", [
    ("postgresql_wher: 'qty > 0'", "create_index takes no option `postgresql_wher`: SQLAlchemy's "
                                   "postgresql dialect does not know it\n  hint: did you mean "
                                   "`postgresql_where`?"),
    ("sqlite_using: btree", "create_index takes no option `sqlite_using`: SQLAlchemy's sqlite dialect "
                            "does not know it\n  hint: sqlite index options: sqlite_where"),
])
def test_a_misspelt_index_dialect_option_is_an_error_at_it(tmp_path, option, expected):
    """The JSON Schema lets any `postgresql_*` key through, and SQLAlchemy then raised ArgumentError
    while building the index: `yamig: internal error`."""
    index = revision_text("a2", "a1", f"- create_index: {{index_name: ix_a, table_name: account, "
                                      f"columns: [phone], {option}}}")
    with pytest.raises(RevisionFileError) as err:
        offline_script(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_index.yaml": index}, "postgresql://")
    line = (tmp_path / "versions" / "a2_index.yaml").read_text().splitlines()[3]
    assert str(err.value).endswith(f"a2_index.yaml:4:{line.index(option) + 1}: {expected}")


def test_index_include_columns_on_postgresql_and_mssql(tmp_path):
    """postgresql_include / mssql_include name columns SQLAlchemy looks up on the index's table,
    which yamig's stub table lacked: KeyError, `yamig: internal error`."""
    index = revision_text("a2", "a1", """
        - create_index: {index_name: ix_a, table_name: account, columns: [email],
                         postgresql_include: [phone, email], mssql_include: [phone]}
    """)
    revisions = {"a1_account.yaml": ACCOUNT, "a2_index.yaml": index}
    assert "CREATE INDEX ix_a ON account (email) INCLUDE (phone, email);" in \
        offline_script(tmp_path, revisions, "postgresql://")
    assert "CREATE INDEX ix_a ON account (email) INCLUDE (phone);" in offline_script(tmp_path, revisions, "mssql://")
