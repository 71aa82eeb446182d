"""SQLite's move-and-copy rebuild, chosen automatically where SQLite cannot alter in place."""

from __future__ import annotations

import sqlalchemy as sa

from runner import command

from ...helpers import revision_text, write_project

REVISIONS = {
    "a.yaml": revision_text("a1", None, """
        - create_table:
            table_name: parent
            columns: [{name: id, type: Integer, primary_key: true}]
        - create_table:
            table_name: item
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: code, type: String(20), unique: true}
              - {name: price, type: "Numeric(10, 2)", nullable: false, server_default: "0"}
              - {name: parent_id, type: Integer, foreign_key: {column: parent.id, ondelete: CASCADE}}
            constraints:
              - {check: "price >= 0", name: ck_item_price}
        - create_index: {index_name: ix_item_price, table_name: item, columns: [price]}
        - execute: "INSERT INTO parent (id) VALUES (1)"
        - execute: "INSERT INTO item (id, code, price, parent_id) VALUES (1, 'A', 2.50, 1), (2, 'B', 4, 1)"
    """, downgrade="[]"),
    "b.yaml": revision_text("b2", "a1", """
        - drop_column: {table_name: item, column_name: code}
    """),
}


def test_dropping_a_unique_column_rebuilds_the_table_and_keeps_the_rest(tmp_path, sqlite_url):
    config = write_project(tmp_path, REVISIONS, sqlite_url)
    command.upgrade(config, "head")
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        assert [c["name"] for c in insp.get_columns("item")] == ["id", "price", "parent_id"]
        assert [i["name"] for i in insp.get_indexes("item")] == ["ix_item_price"]
        fk = insp.get_foreign_keys("item")[0]
        assert (fk["referred_table"], fk["options"]) == ("parent", {"ondelete": "CASCADE"})
        assert insp.get_check_constraints("item") == [{"sqltext": "price >= 0", "name": "ck_item_price"}]
        assert conn.execute(sa.text("SELECT id, price, parent_id FROM item ORDER BY id")).all() == \
            [(1, 2.5, 1), (2, 4, 1)]
        assert not insp.has_table("_yamig_tmp_item")
    command.downgrade(config, "a1")   # derived: the column comes back (unique again, by a rebuild)
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        assert [c["name"] for c in insp.get_columns("item")][-1] == "code"
        assert conn.execute(sa.text("SELECT count(*) FROM item")).scalar() == 2
    engine.dispose()


def test_offline_sqlite_rebuilds_from_the_replayed_state(tmp_path, capsys):
    config = write_project(tmp_path, REVISIONS, "sqlite://")
    command.upgrade(config, "a1:b2", sql=True)
    out = capsys.readouterr().out
    assert "CREATE TABLE _yamig_tmp_item (" in out
    assert ("INSERT INTO _yamig_tmp_item (id, price, parent_id) "
            "SELECT item.id, item.price, item.parent_id") in out
    assert "DROP TABLE item;" in out and "ALTER TABLE _yamig_tmp_item RENAME TO item;" in out
    assert "CREATE INDEX ix_item_price ON item (price);" in out
    assert "DROP COLUMN" not in out
