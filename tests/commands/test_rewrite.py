"""`yamig squash` and `yamig rebase`: the schema after `upgrade head` is the same before and
after, validate is clean afterwards, and each refusal says exactly what and where."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from runner import command
from runner.config import Config
from runner.convert.inspected import differences, snapshot
from runner.errors import ConfigError, RewriteRefused

from ..helpers import revision_text, validate_code, write_project

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _generated(root: Path, shape: str):
    sys.path.insert(0, str(BENCH))
    try:
        from generate import build, write_yamig
    finally:
        sys.path.remove(str(BENCH))
    nodes = build(60, shape)
    write_yamig(nodes, root)
    return nodes


def _config(root: Path, url: str) -> Config:
    config = Config(str(root / "yamig.ini"))
    config.set_main_option("sqlalchemy.url", url)
    return config


def _urls(tmp_path, request, name: str) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / name}.db"
    server = request.getfixturevalue("postgres_server")
    import sqlalchemy as sa

    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    database = f"yamig_rewrite_{name}_{id(request)}"
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{database}" TEMPLATE template0')
    request.addfinalizer(lambda: _drop(engine, database))
    return sa.engine.make_url(server).set(database=database).render_as_string(hide_password=False)


def _drop(engine, database: str) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def two_urls(tmp_path, request):
    return _urls(tmp_path, request, "before"), _urls(tmp_path, request, "after")


def test_squash_keeps_the_schema_of_a_generated_project(tmp_path, two_urls, capsys):
    before_url, after_url = two_urls
    original, squashed = tmp_path / "original", tmp_path / "squashed"
    nodes = _generated(original, "linear")
    shutil.copytree(original, squashed)
    a, b = nodes[10].rev, nodes[40].rev
    command.upgrade(_config(original, before_url), "head")
    config = _config(squashed, after_url)
    command.upgrade(_config(original, after_url), b)  # a database already at B, with the old files
    path = command.squash(config, f"{a}:{b}", keep=str(tmp_path / "kept"))
    out = capsys.readouterr().out
    assert f"Squashed 31 revisions ({a}..{b}) into {b}: " in out
    assert f"  at {nodes[9].rev} or before: nothing special" in out
    assert f"  at {b} or after: nothing; the new file says it `squashes` the old ones" in out
    assert len(list((squashed / "versions").glob("*.yaml"))) == 30
    assert len(list((tmp_path / "kept").glob("*.yaml"))) == 31
    assert Path(path).name == f"{b}_rev.yaml"
    assert validate_code(config) == 0
    # the database at B: only the revisions after B run, the new file accepted as applied
    command.upgrade(config, "head")
    assert differences(snapshot(before_url), snapshot(after_url), "original", "squashed") == []
    # a fresh database through the squashed revision gets the same schema, and comes back down
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    assert differences(snapshot(before_url), snapshot(after_url), "original", "squashed") == []
    command.downgrade(config, nodes[9].rev)
    command.downgrade(_config(original, before_url), nodes[9].rev)
    assert differences(snapshot(before_url), snapshot(after_url), "original", "squashed") == []


def test_a_database_at_b_has_nothing_to_run(tmp_path, capsys):
    root = tmp_path / "p"
    nodes = _generated(root, "linear")
    config = _config(root, f"sqlite:///{tmp_path / 'at_b.db'}")
    b = nodes[20].rev
    command.upgrade(config, b)
    command.squash(config, f"{nodes[3].rev}:{b}")
    capsys.readouterr()
    command.upgrade(config, b)
    command.current(config, check_changed=True)  # no drift: the squash is taken as applied
    assert capsys.readouterr().out == f"{b}\n"
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT direction, reason FROM yamig_history WHERE revision = :r "
                                        "ORDER BY id"), {"r": b}).all()
    finally:
        engine.dispose()
    assert rows[-1][0] == "baseline" and rows[-1][1].startswith(f"squashed: its file replaces {nodes[3].rev}")


SHOP = {
    "a1.yaml": revision_text("a1", None, """
        - create_table: {table_name: account, columns: [{name: id, type: Integer, primary_key: true},
                                                        {name: name, type: String(50)}]}
        """),
    "a2.yaml": revision_text("a2", "a1", """
        - execute: "INSERT INTO account (id, name) VALUES (1, 'first')"
        """, downgrade="- execute: DELETE FROM account"),
    "a3.yaml": revision_text("a3", "a2", """
        - add_column: {table_name: account, column: {name: email, type: String(100)}}
        """),
    "a4.yaml": revision_text("a4", "a3", """
        - rename_table: {old_table_name: account, new_table_name: member}
        """),
}


def _refusal(tmp_path, revisions: dict[str, str], stretch: str) -> str:
    config = write_project(tmp_path, revisions)
    files = sorted(p.name for p in (tmp_path / "versions").glob("*.yaml"))
    with pytest.raises(RewriteRefused) as refused:
        command.squash(config, stretch)
    assert sorted(p.name for p in (tmp_path / "versions").glob("*.yaml")) == files  # nothing written
    return str(refused.value)


def test_squash_refuses_a_data_operation_on_a_table_changed_later(tmp_path):
    message = _refusal(tmp_path, SHOP, "a1:a3")
    assert message == (
        f"{tmp_path}/versions/a2.yaml:4:5: this execute touches account; add_column at "
        f"{tmp_path}/versions/a3.yaml:4:5 changes account later in the stretch: in the squashed "
        "revision the execute would run on the schema as it is at the end, so it would lose its "
        "meaning\n  hint: squash the revisions before it and after it separately")


def test_squash_refuses_a_rename_of_an_older_table(tmp_path):
    message = _refusal(tmp_path, SHOP, "a3:a4")
    assert message.endswith("a4.yaml:4:5: the stretch renames table account, which exists before it: "
                            "squash derives drops and creates, which would lose its rows\n"
                            "  hint: end the stretch before this revision, or start it after")


def test_squash_refuses_a_branch_point_and_a_dependency(tmp_path):
    revisions = dict(SHOP)
    revisions["b1.yaml"] = revision_text("b1", "a2")
    message = _refusal(tmp_path, revisions, "a1:a3")
    assert message.endswith("b1.yaml:2:16: a2 is a branch point: b1 also build on it\n"
                            "  hint: merge or rebase that branch first, or end the stretch at the "
                            "branch point")
    (tmp_path / "versions" / "b1.yaml").write_text(
        "revision: b1\ndown_revision: a4\ndepends_on: [a2]\nupgrade: []\n")
    message = _refusal(tmp_path, {}, "a1:a3")
    assert message.endswith("b1.yaml:3:13: revision b1 depends on a2, which the squash removes\n"
                            "  hint: make it depend on a3 instead, or end the stretch before it")


def test_squash_refuses_raw_sql_that_changes_the_schema(tmp_path):
    revisions = {"a1.yaml": SHOP["a1.yaml"],
                 "a2.yaml": revision_text("a2", "a1", "- execute: CREATE VIEW v AS SELECT 1",
                                          downgrade="- execute: DROP VIEW v")}
    message = _refusal(tmp_path, revisions, "a1:a2")
    assert message.endswith("a2.yaml:4:5: this execute changes the schema in a way the replay cannot "
                            "follow, so the stretch's net effect cannot be derived\n"
                            "  hint: write the change as operations, or end the stretch before it")


def test_squash_refuses_a_stretch_upside_down(tmp_path):
    message = _refusal(tmp_path, SHOP, "a3:a1")
    assert message.endswith("a1.yaml:2:16: a3 is not below a1 on one line: a1 is a base\n"
                            "  hint: squash a stretch with no merge inside, A:B with A older than B")


def test_squash_carries_data_operations_and_their_written_downgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    config = write_project(tmp_path, {k: SHOP[k] for k in ("a1.yaml", "a2.yaml")}, url)
    command.squash(config, "a1:a2")
    text = (tmp_path / "versions" / "a2.yaml").read_text()
    assert "  - execute: {sqltext: \"INSERT INTO account (id, name) VALUES (1, 'first')\"}" in text
    assert ("downgrade:\n  - execute: {sqltext: \"DELETE FROM account\"}\n"
            "  - drop_table: {table_name: account}") in text
    command.upgrade(config, "head")
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT id, name FROM account").all() == [(1, "first")]
    engine.dispose()
    command.downgrade(config, "base")
    assert list(snapshot(url)) == []


# -- rebase --------------------------------------------------------------------------------

TWO_ON_ONE = {
    "a1.yaml": SHOP["a1.yaml"],
    "b1.yaml": "revision: b1\ndown_revision: a1   # alice\nupgrade:\n"
               "  - create_table: {table_name: invoice, columns: [{name: id, type: Integer, "
               "primary_key: true}]}\n",
    "c1.yaml": "revision: c1\ndown_revision: 'a1'  # bob: keep this comment\nupgrade:\n"
               "  - add_column: {table_name: account, column: {name: email, type: String(100)}}\n",
    "c2.yaml": revision_text("c2", "c1", """
        - create_index: {index_name: ix_account_email, table_name: account, columns: [email]}
        """),
}


def test_rebase_makes_two_lines_one(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    config = write_project(tmp_path, TWO_ON_ONE, url)
    command.rebase(config, "c2")
    assert capsys.readouterr().out.startswith(
        "Rebased 2 revisions (c1, c2) from a1 onto b1: ")
    assert (tmp_path / "versions" / "c1.yaml").read_text() == TWO_ON_ONE["c1.yaml"].replace("'a1'", "'b1'")
    command.heads(config)
    assert capsys.readouterr().out == "c2 (head)\n"
    assert validate_code(config) == 0
    command.upgrade(config, "head")
    tables = snapshot(url)
    assert sorted(tables) == ["account", "invoice"]
    assert [c[0] for c in tables["account"]["columns"]] == ["id", "name", "email"]


def test_rebase_refuses_both_lines_on_one_table(tmp_path):
    revisions = dict(TWO_ON_ONE)
    revisions["b1.yaml"] = revision_text("b1", "a1", """
        - add_column: {table_name: account, column: {name: phone, type: String(20)}}
        """)
    config = write_project(tmp_path, revisions)
    with pytest.raises(RewriteRefused) as refused:
        command.rebase(config, "c2")
    assert str(refused.value).endswith(
        "c1.yaml:2:17: the branch and b1 change the same tables: account (branch: c1, c2; b1's line: b1)\n"
        "  hint: decide the order by hand: merge the heads (yamig merge heads), or edit the revisions "
        "so they no longer overlap")
    assert (tmp_path / "versions" / "c1.yaml").read_text() == TWO_ON_ONE["c1.yaml"]


def test_rebase_puts_the_file_back_when_the_result_does_not_replay(tmp_path):
    revisions = dict(TWO_ON_ONE)
    revisions["b1.yaml"] = revision_text("b1", "a1", """
        - create_table: {table_name: invoice, columns: [{name: id, type: Integer, primary_key: true}]}
        - create_index: {index_name: ix_account_email, table_name: invoice, columns: [id]}
        """)
    config = write_project(tmp_path, revisions)
    with pytest.raises(RewriteRefused) as refused:
        command.rebase(config, "c2")
    assert "on b1 the branch does not replay cleanly: " in str(refused.value)
    assert "ix_account_email" in str(refused.value)
    assert (tmp_path / "versions" / "c1.yaml").read_text() == TWO_ON_ONE["c1.yaml"]


def test_rebase_refuses_what_is_not_a_head(tmp_path):
    config = write_project(tmp_path, TWO_ON_ONE)
    with pytest.raises(ConfigError) as refused:
        command.rebase(config, "c1")
    assert str(refused.value) == "c1 is not a head: rebase moves a branch by its newest revision\n" \
                                 "  hint: the heads are b1, c2"


def test_rebase_of_a_generated_branchy_project(tmp_path):
    """Two lines split off one revision of a generated project: the later one moves onto the
    other's head, and the schema at head is what the merged history gives."""
    root = tmp_path / "p"
    nodes = _generated(root, "linear")
    versions = root / "versions"
    tip = nodes[-1].rev
    (versions / "x1_rev.yaml").write_text(revision_text("x1", tip, """
        - create_table: {table_name: side_a, columns: [{name: id, type: Integer, primary_key: true}]}
        """))
    (versions / "y1_rev.yaml").write_text(revision_text("y1", tip, """
        - create_table: {table_name: side_b, columns: [{name: id, type: Integer, primary_key: true}]}
        """))
    merged = tmp_path / "merged"
    shutil.copytree(root, merged)
    before, after = f"sqlite:///{tmp_path / 'merged.db'}", f"sqlite:///{tmp_path / 'rebased.db'}"
    merged_config = _config(merged, before)
    command.merge(merged_config, "heads", message="m")
    command.upgrade(merged_config, "head")
    config = _config(root, after)
    command.rebase(config, "y1", onto="x1")
    assert validate_code(config) == 0
    command.upgrade(config, "head")
    assert differences(snapshot(before), snapshot(after), "merged", "rebased") == []
