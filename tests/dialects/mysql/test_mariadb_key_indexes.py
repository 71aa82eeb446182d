"""A foreign key needs an index on MariaDB (InnoDB): yamig keeps it one, as InnoDB's rule would.

InnoDB makes the index for a key itself, drops it when another index serves the key, and
refuses to drop the last index that serves one (error 1553). A drop_index that would leave a key
without one first makes the index InnoDB would have made; a later index that serves the key
drops it again, and dropping the key drops it too (runner.schema.key_indexes).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command

from ...helpers import revision_text, write_project

START = """
- create_table:
    table_name: account
    columns:
      - {name: id, type: Integer, primary_key: true}
- create_table:
    table_name: item
    columns:
      - {name: id, type: Integer, primary_key: true}
      - {name: account_id, type: Integer, nullable: false}
      - {name: kind, type: String(10)}
      - {name: owner_id, type: Integer, foreign_key: {column: account.id}}
    constraints:
      - {foreign_key: {columns: [account_id], references: [account.id]}, name: fk_item_account}
- create_index: {index_name: ix_item_account, table_name: item, columns: [account_id]}
- create_index: {index_name: ix_item_owner, table_name: item, columns: [owner_id, kind]}
"""

SWAP = """
- drop_index: {index_name: ix_item_account, table_name: item}
- create_index: {index_name: ix_item_account_kind, table_name: item, columns: [account_id, kind]}
"""


def indexes(url: str) -> list[tuple[str, tuple[str, ...]]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted((i["name"], tuple(i["column_names"])) for i in sa.inspect(conn).get_indexes("item"))
    finally:
        engine.dispose()


def project(tmp_path, url, second: str):
    return write_project(tmp_path, {"r1_start.yaml": revision_text("r1", None, START),
                                    "r2_case.yaml": revision_text("r2", "r1", second)}, url)


def test_drop_then_create_an_index_a_key_uses(tmp_path, mariadb_url):
    config = project(tmp_path, mariadb_url, SWAP)
    command.upgrade(config, "head")
    assert indexes(mariadb_url) == [("ix_item_account_kind", ("account_id", "kind")),
                                    ("ix_item_owner", ("owner_id", "kind"))]
    command.downgrade(config, "r1")   # derived: drop ix_item_account_kind, create ix_item_account
    assert indexes(mariadb_url) == [("ix_item_account", ("account_id",)),
                                    ("ix_item_owner", ("owner_id", "kind"))]
    command.downgrade(config, "base")


def test_dropping_the_last_index_of_a_key_leaves_innodbs_own(tmp_path, mariadb_url):
    config = project(tmp_path, mariadb_url, """
        - drop_index: {index_name: ix_item_account, table_name: item}
        - drop_index: {index_name: ix_item_owner, table_name: item}
        """)
    command.upgrade(config, "head")
    # named as InnoDB names the index it makes: after the constraint, else after the first column
    assert indexes(mariadb_url) == [("fk_item_account", ("account_id",)), ("owner_id", ("owner_id",))]
    command.downgrade(config, "r1")
    assert indexes(mariadb_url) == [("ix_item_account", ("account_id",)),
                                    ("ix_item_owner", ("owner_id", "kind"))]
    command.downgrade(config, "base")


def test_the_script_says_the_same(tmp_path, capsys):
    config = project(tmp_path, "mysql://", SWAP)
    capsys.readouterr()
    command.upgrade(config, "r1:r2", sql=True)
    out = capsys.readouterr().out
    made, dropped = out.index("CREATE INDEX fk_item_account ON item (account_id)"), \
        out.index("DROP INDEX ix_item_account ON item")
    assert made < dropped < out.index("DROP INDEX fk_item_account ON item")
    for dialect in ("postgresql", "sqlite"):   # they need no index for a key
        config = project(tmp_path / dialect, f"{dialect}://", SWAP)
        capsys.readouterr()
        command.upgrade(config, "r1:r2", sql=True)
        assert "fk_item_account" not in capsys.readouterr().out


def test_dropping_a_key_drops_the_index_that_was_only_for_it(tmp_path, mariadb_url):
    config = project(tmp_path, mariadb_url, """
        - drop_index: {index_name: ix_item_account, table_name: item}
        - drop_constraint: {constraint_name: fk_item_account, table_name: item, type: foreignkey}
        """)
    command.upgrade(config, "head")
    assert indexes(mariadb_url) == [("ix_item_owner", ("owner_id", "kind"))]
    command.downgrade(config, "r1")
    assert indexes(mariadb_url) == [("ix_item_account", ("account_id",)),
                                    ("ix_item_owner", ("owner_id", "kind"))]
    command.downgrade(config, "base")


def test_an_index_key_too_long_is_refused_before_anything_runs(tmp_path, mariadb_url):
    """MariaDB refuses a key of several columns over 3072 bytes (error 1071) after the DDL
    before it has committed: upgrade says so first, at the index, and runs nothing."""
    from runner.errors import MigrationError

    config = write_project(tmp_path, {
        "r1.yaml": revision_text("r1", None, """
            - create_table:
                table_name: doc
                columns:
                  - {name: id, type: Integer, primary_key: true}
                  - {name: title, type: String(500)}
                  - {name: slug, type: String(500)}
            - create_index: {index_name: ix_doc_title_slug, table_name: doc, columns: [title, slug]}
            """),
    }, mariadb_url)
    with pytest.raises(MigrationError) as refused:
        command.upgrade(config, "head")
    assert "index-key-length" in str(refused.value) and "r1.yaml:10:" in refused.value.location
    engine = sa.create_engine(mariadb_url)
    try:
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []
    finally:
        engine.dispose()
