"""Operations are complete data: `to_dict()`, written by runner.revisions.emit and read back, is the same
operation, derived downgrades (and what they know from their upgrade) included."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from runner.errors import MigrationError, YamigError
from runner.graph import RevisionGraph
from runner.operations import AS_WRITTEN, REGISTRY, Derived, Operation, from_dict
from runner.revisions import emit
from runner.revisions.checks import operations
from runner.revisions.document import parse_document
from runner.revisions.loader import load_revisions
from runner.schema.state import SchemaState

from ..conftest import SAMPLE
from ..helpers import revision_text, write_project

CORPUS = Path(__file__).parents[1] / "review" / "validate_corpus"

# every operation, and upgrades whose derived downgrades carry what they know from the upgrade
EVERY = {
    "a1_every.yaml": revision_text("a1", None, """
        - create_table:
            table_name: account
            schema: app
            comment: "who pays: \\"them\\""
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: mood, type: "Enum('a', 'b', name='mood')", server_default: a}
              - {name: code, type: String(10), unique: true, index: true, comment: "2024"}
            constraints:
              - {check: "id > 0", name: ck_account_id}
        - create_table:
            table_name: invoice
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: total, type: "Numeric(10, 2)", nullable: false, server_default: {sql: "0"}}
        - add_column: {table_name: invoice, column: {name: account_id, type: Integer,
                       foreign_key: {column: app.account.id, name: fk_invoice_account, ondelete: CASCADE}}}
        - add_column: {table_name: invoice, column: {name: payer_id, type: Integer,
                       foreign_key: {column: app.account.id}}}
        - add_column: {table_name: invoice, column: {name: state, type: "Enum('open', 'paid', name='state')"}}
        - create_index: {index_name: ix_invoice_total, table_name: invoice, columns: [total, {sql: "id + 1"}],
                         unique: true, postgresql_where: "total > 0"}
        - create_unique_constraint: {constraint_name: uq_inv, table_name: invoice, columns: [id, total]}
        - create_check_constraint: {constraint_name: ck_total, table_name: invoice, condition: "total >= 0"}
        - create_foreign_key: {constraint_name: fk_payer, source_table: invoice, referent_table: account,
                               referent_schema: app, local_cols: [payer_id], remote_cols: [id],
                               ondelete: SET NULL}
        - create_table_comment: {table_name: invoice, comment: bills}
        - alter_column: {table_name: invoice, column_name: total, type: "Enum('x', name='kind')",
                         nullable: true, comment: "yes", new_column_name: amount}
        - rename_table: {old_table_name: invoice, new_table_name: bill}
        - bulk_insert: {table_name: bill, rows: [{id: 1, amount: x}, {id: 2, amount: null}]}
        - allow: [execute]
          execute: "UPDATE bill SET amount = 'x'"
        - drop_table_comment: {table_name: bill}
        - drop_constraint: {constraint_name: ck_total, table_name: bill, type: check}
        - drop_index: {index_name: ix_invoice_total, table_name: bill}
        - create_table:
            table_name: extra
            columns: [{name: id, type: Integer, primary_key: true, identity: {start: 2, always: true}},
                      {name: n, type: Integer, sequence: {name: extra_n_seq, start: 10}},
                      {name: twice, type: Integer, computed: {sqltext: "n * 2", persisted: true}},
                      {name: up, type: Integer, foreign_key: {column: bill.id, name: fk_up, use_alter: true}}]
        - create_primary_key: {constraint_name: pk_x, table_name: extra, columns: [id]}
        - drop_column: {table_name: bill, column_name: state}
        - drop_table: {table_name: extra}
        - autocommit_block:
            - create_index: {index_name: ix_bill_amount, table_name: bill, columns: [amount],
                             postgresql_concurrently: true}
            - allow: [index-not-concurrently]
              create_index: {index_name: ix_bill_id, table_name: bill, columns: [id]}
        - run_python: {function: "app.data:fill", reverse: "app.data:empty",
                       sql: "UPDATE bill SET amount = 'y'", reverse_sql: "UPDATE bill SET amount = 'x'"}
        - create_enum: {name: tone, values: [low, high], schema: app}
        - add_enum_value: {name: tone, value: mid, before: high, if_not_exists: true, schema: app}
        - rename_enum_value: {name: tone, old: mid, new: middle, schema: app}
        - drop_enum: {name: tone, schema: app}
    """),
}


def _operations_and_downgrades(versions: Path) -> list[Operation]:
    """Every operation of the project, and the downgrade derived from each upgrade operation."""
    try:
        graph = RevisionGraph(load_revisions([versions], use_cache=False))
    except YamigError:  # the case is about a file or graph yamig refuses
        return []
    state, found = SchemaState(), []
    for step in graph.upgrade_plan((), "heads"):
        try:
            upgrade = operations(step.revision, "upgrade") or []
            found += operations(step.revision, "downgrade") or []
        except YamigError:
            continue
        found += upgrade
        for op in upgrade:
            try:
                found += op.reverse(state)
            except MigrationError:  # not derivable: nothing to write
                pass
            op.state_forwards(state)
    return found


def _written_and_read(op: Operation) -> Operation:
    text = "\n".join(emit.section("upgrade", [op.to_dict()])) + "\n"
    data, _ = parse_document(text)
    return from_dict(data["upgrade"][0])


def _projects() -> list[str]:
    return ["sample", "every", *sorted(p.stem for p in CORPUS.glob("*.yaml") if p.stem != "_base")]


def _versions(name: str, tmp_path: Path) -> Path:
    if name == "sample":
        return SAMPLE / "versions"
    if name == "every":
        write_project(tmp_path, EVERY)
    else:
        spec = yaml.safe_load((CORPUS / f"{name}.yaml").read_text())
        write_project(tmp_path, {"a1_base.yaml": (CORPUS / "_base.yaml").read_text(), **spec["files"]})
    return tmp_path / "versions"


@pytest.mark.parametrize("project", _projects())
def test_every_operation_and_derived_downgrade_round_trips_through_the_yaml_writer(project, tmp_path):
    found = _operations_and_downgrades(_versions(project, tmp_path))
    for op in found:
        again = _written_and_read(op)
        assert again == op, (op, again)
        assert repr(again) == repr(op)


def test_the_cases_cover_every_operation_class_and_what_derived_ones_know(tmp_path):
    found = _operations_and_downgrades(_versions("every", tmp_path))
    assert sorted({op.name for op in found}) == sorted(REGISTRY)
    derived = {(op.name, op.derived) for op in found if op.derived != AS_WRITTEN}
    assert derived == {
        # only the enum types the upgrade made: a plain type makes nothing to drop
        ("drop_table", Derived(owned_types=("Enum('a', 'b', name='mood')",))),
        ("drop_table", Derived(owned_sequences=("extra_n_seq",))),
        ("drop_column", Derived(drops_foreign_key=True, foreign_key_name="fk_invoice_account")),
        ("drop_column", Derived(drops_foreign_key=True)),
        ("drop_column", Derived(owned_types=("Enum('open', 'paid', name='state')",))),
        ("alter_column", Derived(owned_types=("Enum('x', name='kind')",))),
        ("add_column", Derived(creates_types=False)),  # restores a column drop_column (as written) left
        ("create_table", Derived(creates_types=False)),
    }


def test_what_a_derived_downgrade_knows_is_part_of_its_data():
    """Equality, repr and to_dict see it: two drops that differ only in it are not the same."""
    add = REGISTRY["add_column"]({"table_name": "t", "column": {
        "name": "c", "type": "Enum('a', name='e')", "foreign_key": {"column": "u.id", "name": "fk_c"}}})
    (drop,) = add.reverse(SchemaState())
    plain = REGISTRY["drop_column"]({"table_name": "t", "column_name": "c"})
    assert drop.args == plain.args and drop != plain
    assert drop.to_dict() == {"drop_column": {"table_name": "t", "column_name": "c"}, "derived": {
        "owned_types": ["Enum('a', name='e')"], "drops_foreign_key": True, "foreign_key_name": "fk_c"}}
    assert repr(drop) == ("<drop_column {'table_name': 't', 'column_name': 'c'} derived=Derived("
                          "owned_types=(\"Enum('a', name='e')\",), creates_types=True, "
                          "drops_foreign_key=True, foreign_key_name='fk_c', owned_sequences=())>")
    assert _written_and_read(drop) == drop and _written_and_read(plain) == plain
