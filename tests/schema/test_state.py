"""The replayed schema state: a copy and its original change independently, renames included."""

from __future__ import annotations

import copy

import pytest

from runner.schema.state import SchemaState, TableState


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


def _referencing_state() -> SchemaState:
    """account, and invoice referencing it from a column and from a table constraint."""
    from runner.operations.tables import CreateTable

    state = SchemaState()
    CreateTable({"table_name": "account", "columns": [
        {"name": "id", "type": "Integer", "primary_key": True}]}).state_forwards(state)
    CreateTable({"table_name": "invoice", "columns": [
        {"name": "id", "type": "Integer", "primary_key": True},
        {"name": "account_id", "type": "Integer", "foreign_key": {"column": "account.id"}},
        {"name": "payer_id", "type": "Integer"}],
        "constraints": [{"foreign_key": {"columns": ["payer_id"], "references": ["account.id"]},
                         "name": "fk_payer"}]}).state_forwards(state)
    return state


def _targets(state: SchemaState) -> tuple[list[str], str, list[str]]:
    invoice = state.table("invoice")
    return (sorted(name for _, name in state.tables), invoice.columns["account_id"]["foreign_key"]["column"],
            invoice.constraints[0]["foreign_key"]["references"])


RENAMES = {
    "rename_table": ("rename_table", {"old_table_name": "account", "new_table_name": "client"},
                     (["client", "invoice"], "client.id", ["client.id"])),
    "rename_column": ("alter_column", {"table_name": "account", "column_name": "id", "new_column_name": "no"},
                      (["account", "invoice"], "account.no", ["account.no"])),
}


@pytest.mark.parametrize("renamed_side", ["original", "copy"])
@pytest.mark.parametrize("rename", RENAMES)
def test_a_rename_on_one_side_of_a_copy_leaves_the_other_as_it_was(rename, renamed_side):
    """A rename re-points foreign keys in every table; the other state's tables stay as they were."""
    from runner.operations import REGISTRY

    original = _referencing_state()
    other = original.copy()
    name, args, expected = RENAMES[rename]
    renamed, untouched = (original, other) if renamed_side == "original" else (other, original)
    REGISTRY[name](args).state_forwards(renamed)
    assert not renamed.problems
    assert _targets(renamed) == expected
    assert _targets(untouched) == (["account", "invoice"], "account.id", ["account.id"])
    assert list(untouched.table("account").columns) == ["id"]


def test_table_deepcopy_is_deep_and_keeps_every_field():
    table = TableState(name="t", schema="s", columns={"id": {"name": "id", "type": "Integer"}},
                       constraints=[{"name": "pk", "primary_key": ["id"]}], comment="c", known=False)
    twin = copy.deepcopy(table)
    assert twin == table and twin is not table
    twin.columns["id"]["type"] = "Text"
    twin.constraints[0]["name"] = "other"
    assert table.columns["id"]["type"] == "Integer" and table.constraints[0]["name"] == "pk"


@pytest.mark.parametrize("text, parsed", [
    ("account.id", (None, "account", "id")),
    ("app.account.id", ("app", "account", "id")),
    ("db.owner.account.id", ("db.owner", "account", "id")),  # a schema may hold dots
])
def test_a_foreign_key_target_is_read_and_written_one_way(text, parsed):
    from runner.schema.references import ForeignKeyRef

    ref = ForeignKeyRef.parse(text)
    assert (ref.schema, ref.table, ref.column) == parsed
    assert ref.qualified == text and ref.key == parsed[:2]


def test_a_target_without_a_table_is_refused():
    from runner.schema.references import ForeignKeyRef

    with pytest.raises(ValueError, match=r"\[schema\.\]table\.column, not 'id'"):
        ForeignKeyRef.parse("id")
