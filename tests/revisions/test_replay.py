"""The one replay (runner.revisions.replay) every consumer of "the schema at revision X" uses."""

from __future__ import annotations

from runner.graph import RevisionGraph
from runner.revisions.derive import downgrade_operations
from runner.revisions.loader import load_revisions
from runner.revisions.replay import replay, state_at

from ..helpers import revision_text, write_project

BRANCHY = {
    "a.yaml": revision_text("a", None, """
        - create_table: {table_name: item, columns: [{name: id, type: Integer, primary_key: true}]}
    """),
    "b.yaml": revision_text("b", "a", """
        - add_column: {table_name: item, column: {name: price, type: Integer}}
    """),
    "c.yaml": revision_text("c", "a", """
        - create_table: {table_name: tag, columns: [{name: id, type: Integer, primary_key: true}]}
        - drop_column: {table_name: item, column_name: id}
    """),
}


def _graph(tmp_path):
    config = write_project(tmp_path, BRANCHY)
    return RevisionGraph(load_revisions(config.version_locations, use_cache=False))


def test_each_operation_is_seen_with_the_state_just_before_it(tmp_path):
    graph = _graph(tmp_path)
    seen = [(step.revision.revision, op.name, sorted(t for _, t in state.tables))
            for step, op, state in replay(graph, ("b", "c"))]
    assert seen == [("a", "create_table", []), ("b", "add_column", ["item"]),
                    ("c", "create_table", ["item"]), ("c", "drop_column", ["item", "tag"])]


def test_state_at_applies_every_needed_revision_once(tmp_path):
    graph = _graph(tmp_path)
    assert sorted(state_at(graph, ("b",)).table("item", None).columns) == ["id", "price"]
    both = state_at(graph, ("b", "c"))
    assert sorted(both.table("item", None).columns) == ["price"]
    assert both.table("tag", None) is not None
    assert state_at(graph, ()).tables == {}


def test_a_derived_downgrade_is_reversed_against_the_replayed_state(tmp_path):
    """drop_column comes back with the column as the replay had it before the drop."""
    graph = _graph(tmp_path)
    down = downgrade_operations(graph, ["c"])["c"]
    assert [op.name for op in down] == ["add_column", "drop_table"]
    assert down[0].args["column"]["name"] == "id" and down[0].args["column"]["primary_key"] is True
