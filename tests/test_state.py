"""The replayed schema state: copies are independent, however they share underneath."""

from __future__ import annotations

import copy

from runner.state import SchemaState, TableState


def _state() -> SchemaState:
    state = SchemaState()
    state.add_table(TableState(name="t", columns={"id": {"name": "id", "type": "Integer"}},
                               indexes={"ix_t_id": {"columns": ["id"]}}))
    state.add_table(TableState(name="u", columns={"id": {"name": "id", "type": "Integer"}}))
    return state


def test_a_copy_and_its_original_change_independently():
    original = _state()
    other = original.copy()
    other.table("t").columns["id"]["type"] = "BigInteger"
    other.require_table("u", None, "here").columns["extra"] = {"name": "extra"}
    other.remove_index(other.find_index("ix_t_id"), "ix_t_id")
    assert original.table("t").columns["id"]["type"] == "Integer"
    assert "extra" not in original.table("u").columns
    assert original.find_index("ix_t_id") is original.table("t")
    original.remove_table("u")
    assert other.table("u") is not None and original.table("u") is None
    assert other.find_index("ix_t_id") is None


def test_a_copy_shares_tables_until_one_is_handed_out():
    original = _state()
    other = original.copy()
    assert other.tables[(None, "t")] is original.tables[(None, "t")]
    assert other.table("t") is not original.tables[(None, "t")]


def test_table_deepcopy_is_deep_and_keeps_every_field():
    table = TableState(name="t", schema="s", columns={"id": {"name": "id", "type": "Integer"}},
                       constraints=[{"name": "pk", "primary_key": ["id"]}], comment="c", known=False)
    twin = copy.deepcopy(table)
    assert twin == table and twin is not table
    twin.columns["id"]["type"] = "Text"
    twin.constraints[0]["name"] = "other"
    assert table.columns["id"]["type"] == "Integer" and table.constraints[0]["name"] == "pk"
