"""Autogenerate writes a model column's Identity, Computed and Sequence as `identity`, `computed`
and `sequence`, and a named use_alter key with `use_alter: true`; what it wrote, once run, leaves
`check` nothing to report (online and against the replayed revisions)."""

from __future__ import annotations

import io
import textwrap

import pytest
import sqlalchemy as sa

from runner import command
from runner.revisions.loader import load_revision_file

from ..helpers import EVERY_DATABASE, revision_text, write_project
from .test_autogenerate import check_lines

MODELS = """
    import sqlalchemy as sa
    metadata = sa.MetaData()
    sa.Table("account", metadata, sa.Column("id", sa.Integer, sa.Identity(start=3), primary_key=True))
    sa.Table("line", metadata,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("price", sa.Integer), sa.Column("qty", sa.Integer),
             sa.Column("total", sa.Integer, sa.Computed("price * qty", persisted=True)),
             sa.Column("number", sa.Integer, sa.Sequence("line_number_seq", start=100)),
             sa.Column("account_id", sa.ForeignKey("account.id", name="fk_line_account", use_alter=True)))
"""


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_generated_columns_are_written_and_then_match(tmp_path, db_url):
    config = write_project(tmp_path, {"a1_before.yaml": revision_text("a1", None, "[]")}, db_url)
    (tmp_path / "genmodels.py").write_text(textwrap.dedent(MODELS))
    config.set_main_option("target_metadata", "genmodels:metadata")
    config.stdout = io.StringIO()
    command.upgrade(config, "head")
    path = command.revision(config, message="generated", autogenerate=True, rev_id="b2")
    tables = {op["create_table"]["table_name"]: op["create_table"]
              for op in load_revision_file(path).data["upgrade"] if "create_table" in op}
    assert tables["account"]["columns"][0]["identity"] == {"start": 3}
    columns = {c["name"]: c for c in tables["line"]["columns"]}
    assert columns["total"]["computed"] == {"sqltext": "price * qty", "persisted": True}
    assert columns["number"]["sequence"] == {"name": "line_number_seq", "start": 100}
    assert columns["account_id"]["foreign_key"] == {"column": "account.id", "name": "fk_line_account",
                                                    "use_alter": True}
    command.upgrade(config, "head")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        computed = {c["name"]: c.get("computed") for c in sa.inspect(conn).get_columns("line")}
    engine.dispose()
    assert computed["total"] is not None
    assert check_lines(config, offline=False) == ["No new upgrade operations detected."]
    assert check_lines(config, offline=True) == ["No new upgrade operations detected."]
