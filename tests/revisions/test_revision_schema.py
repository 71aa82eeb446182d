"""schemas/revision.schema.json: the contract in machine form, and the errors it gives."""

from __future__ import annotations

import datetime
import inspect
import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "schemas" / "revision.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)

# The operations of the contract's table (shared/revision-format.md).
CONTRACT_OPERATIONS = [
    "create_table", "drop_table", "rename_table", "add_column", "drop_column", "alter_column",
    "create_index", "drop_index", "create_unique_constraint", "create_primary_key",
    "create_foreign_key", "create_check_constraint", "drop_constraint", "create_table_comment",
    "drop_table_comment", "execute", "bulk_insert",
]

# The contract's example revision, as written in shared/revision-format.md.
CONTRACT_EXAMPLE = """\
# yaml-language-server: $schema=../../schemas/revision.schema.json
revision: 3c2f6a1d9b7e            # required: letters, digits, underscore
down_revision: 1975ea83b712       # required key: null (a base), an id, or a list of ids (a merge)
branch_labels: [billing]          # optional: a label or a list of labels
depends_on: [ae1027a6acf]         # optional: ids or branch labels this revision needs applied first
message: add invoice table        # optional
create_date: 2026-11-24 10:00:00  # optional, informational

upgrade:                          # a list of operations, applied in order (may be empty)
  - create_table:
      table_name: invoice
      columns:
        - {name: id, type: Integer, primary_key: true}
        - {name: account_id, type: Integer, nullable: false,
           foreign_key: {column: account.id, ondelete: CASCADE}}
        - {name: total, type: "Numeric(10, 2)", nullable: false, server_default: "0"}
        - {name: status, type: "Enum('open', 'paid', name='invoice_status')"}
        - {name: created_at, type: DateTime(timezone=True), server_default: {sql: CURRENT_TIMESTAMP}}
      constraints:
        - {unique: [account_id, created_at], name: uq_invoice_account_created}
  - create_index: {index_name: ix_invoice_account_id, table_name: invoice, columns: [account_id]}
  - execute: "UPDATE account SET has_invoices = false"

downgrade:                        # optional; see "Downgrades" below
  - drop_index: {index_name: ix_invoice_account_id, table_name: invoice}
  - drop_table: {table_name: invoice}
"""


def load(text: str) -> dict:
    """Like the loader: YAML with timestamps kept as the text they were written as."""
    data = yaml.safe_load(text)
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (datetime.date, datetime.datetime)):
                data[key] = str(value)
    return data


def errors(doc) -> list:
    return list(VALIDATOR.iter_errors(doc))


def best(doc):
    return best_match(VALIDATOR.iter_errors(doc))


# -- the schema itself ----------------------------------------------------------------------------

def test_schema_is_a_valid_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == "https://yamig.dev/schemas/revision.schema.json"
    assert SCHEMA["title"]


def _walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, path + (i,))


def _schemas():
    """Every subschema (not the maps of names, nor enum/examples values)."""
    for path, node in _walk(SCHEMA):
        if path and path[-1] in ("properties", "$defs", "patternProperties", "dependentSchemas"):
            continue
        if any(p in ("enum", "examples", "const", "default", "required") for p in path):
            continue
        yield path, node


def test_every_object_is_closed_and_every_property_described():
    for path, node in _schemas():
        if "properties" in node:
            assert "additionalProperties" in node, path
            for name, sub in node["properties"].items():
                assert sub.get("description"), path + ("properties", name)
    open_maps = {  # data, not structure: column values of rows, dialect option values
        ("$defs", "op_bulk_insert", "properties", "rows", "items"),
        ("$defs", "op_create_index", "properties", "postgresql_ops"),
        ("$defs", "op_create_index", "properties", "postgresql_with"),
        ("$defs", "op_create_index", "properties", "mysql_length"),
    }
    for path, node in _schemas():
        if node.get("type") == "object" or "object" in (node.get("type") or []):
            assert node.get("additionalProperties") is not None or path in open_maps, path


def test_operations_are_the_contracts():
    """The contract's operations, and the ones yamig adds (issue 15's enum types ...): each one
    that yamig registers is in the schema, and nothing else."""
    from runner.operations import REGISTRY

    operation = SCHEMA["$defs"]["operation"]
    assert set(CONTRACT_OPERATIONS) <= set(REGISTRY)
    assert set(operation["properties"]) == {"allow", *REGISTRY}
    assert operation["additionalProperties"] is False
    for name in REGISTRY:
        assert operation["properties"][name]["$ref"] == f"#/$defs/op_{name}"


CONTRACT_ARGUMENTS = {
    "create_table": "table_name, columns, constraints, comment, schema",
    "drop_table": "table_name, schema",
    "rename_table": "old_table_name, new_table_name, schema",
    "add_column": "table_name, column, schema",
    "drop_column": "table_name, column_name, schema",
    "alter_column": "table_name, column_name, nullable, type, server_default, new_column_name, comment, "
                    "existing_type, existing_nullable, existing_server_default, existing_comment, schema",
    "create_index": "index_name, table_name, columns, unique, if_not_exists, schema, postgresql_where, "
                    "postgresql_using, postgresql_concurrently",
    "drop_index": "index_name, table_name, if_exists, schema",
    "create_unique_constraint": "constraint_name, table_name, columns, schema",
    "create_primary_key": "constraint_name, table_name, columns, schema",
    "create_foreign_key": "constraint_name, source_table, referent_table, local_cols, remote_cols, "
                          "onupdate, ondelete, deferrable, initially, source_schema, referent_schema",
    "create_check_constraint": "constraint_name, table_name, condition, schema",
    "drop_constraint": "constraint_name, table_name, type, schema",
    "create_table_comment": "table_name, comment, existing_comment, schema",
    "drop_table_comment": "table_name, existing_comment, schema",  # Alembic's takes no `comment`
    "execute": "sqltext, dialects",
    "bulk_insert": "table_name, rows, schema",
}


@pytest.mark.parametrize("name", CONTRACT_OPERATIONS)
def test_every_argument_of_the_contract_is_there(name):
    properties = SCHEMA["$defs"][f"op_{name}"]["properties"]
    for argument in CONTRACT_ARGUMENTS[name].split(", "):
        assert argument in properties, argument


@pytest.mark.parametrize("name", CONTRACT_OPERATIONS)
def test_required_arguments_are_alembics_positional_parameters(name):
    alembic = pytest.importorskip("alembic.operations")
    signature = inspect.signature(getattr(alembic.Operations, name))
    positional = [p.name.rstrip("_") for p in signature.parameters.values()
                  if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]
    required = [p.name.rstrip("_") for p in signature.parameters.values()
                if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self" and p.default is p.empty]
    rename = {"table": "table_name"}  # bulk_insert takes a Table object; a revision names the table
    definition = SCHEMA["$defs"][f"op_{name}"]
    assert definition.get("required", []) == [rename.get(p, p) for p in required]
    for parameter in positional:
        assert rename.get(parameter, parameter) in definition["properties"]


# -- documents that validate ----------------------------------------------------------------------

def test_the_contracts_example_validates():
    doc = load(CONTRACT_EXAMPLE)
    assert doc["create_date"] == "2026-11-24 10:00:00"
    assert errors(doc) == []


def test_the_example_in_the_shared_contract_file_validates():
    contract = ROOT.parent / "shared" / "revision-format.md"
    if not contract.is_file():
        pytest.skip("shared/revision-format.md is not beside this checkout")
    block = re.search(r"```yaml\n(.*?)```", contract.read_text(encoding="utf-8"), re.DOTALL)
    assert block
    assert errors(load(block.group(1))) == []


@pytest.mark.parametrize("path", sorted((ROOT / "sample_migrations" / "versions").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_the_sample_revisions_validate(path):
    assert errors(load(path.read_text(encoding="utf-8"))) == []


EVERYTHING = """\
revision: abc_123
down_revision: [p1, p2]
branch_labels: billing
depends_on: d1
message: null
create_date: "2026-11-24"
upgrade:
  - create_table:
      table_name: t
      schema: app
      comment: a table
      columns:
        - {name: id, type: BigInteger, primary_key: true, autoincrement: auto, comment: the id}
        - {name: a, type: Integer, nullable: false, unique: true, index: true, server_default: 0}
        - {name: b, type: Boolean, server_default: false}
        - {name: c, type: "Float", server_default: 1.5}
        - {name: d, type: Integer, autoincrement: false,
           foreign_key: {column: app.other.id, ondelete: SET NULL, onupdate: CASCADE, name: fk_t_d,
                         deferrable: true, initially: DEFERRED}}
      constraints:
        - {primary_key: [id], name: pk_t}
        - {unique: [a, b]}
        - {check: "a > 0", name: ck_t_a}
        - {foreign_key: {columns: [a, b], references: [other.a, other.b], ondelete: CASCADE,
                         onupdate: CASCADE, deferrable: false, initially: IMMEDIATE}, name: fk_t_ab}
  - drop_table: {table_name: t, schema: app}
  - rename_table: {old_table_name: t, new_table_name: u, schema: app}
  - add_column: {table_name: t, column: {name: e, type: Text}, schema: app}
  - drop_column: {table_name: t, column_name: e, schema: app}
  - alter_column:
      table_name: t
      column_name: a
      nullable: true
      type: BigInteger
      server_default: null
      new_column_name: aa
      comment: null
      existing_type: Integer
      existing_nullable: false
      existing_server_default: {sql: "0"}
      existing_comment: old
      schema: app
  - create_index:
      index_name: ix_t_a
      table_name: t
      columns: [a, {sql: lower(b)}]
      unique: true
      if_not_exists: true
      schema: app
      postgresql_where: "a > 0"
      postgresql_using: gin
      postgresql_concurrently: true
      postgresql_include: [b]
      postgresql_ops: {a: int4_ops}
      postgresql_with: {fillfactor: 50}
      mysql_length: {a: 10}
      mssql_clustered: false
      oracle_compress: 1
    allow: [index-concurrently]
  - drop_index: {index_name: ix_t_a}
  - drop_index: {index_name: ix_t_a, table_name: t, if_exists: true, schema: app}
  - create_unique_constraint: {constraint_name: uq, table_name: t, columns: [a], schema: app}
  - create_primary_key: {constraint_name: pk, table_name: t, columns: [a, b], schema: app}
  - create_foreign_key:
      constraint_name: fk
      source_table: t
      referent_table: other
      local_cols: [a]
      remote_cols: [id]
      onupdate: CASCADE
      ondelete: RESTRICT
      deferrable: true
      initially: DEFERRED
      source_schema: app
      referent_schema: app
  - create_check_constraint: {constraint_name: ck, table_name: t, condition: "a > 0", schema: app}
  - drop_constraint: {constraint_name: ck, table_name: t, type: check, schema: app}
  - drop_constraint: {constraint_name: ck, table_name: t}
  - create_table_comment: {table_name: t, comment: new, existing_comment: null, schema: app}
  - drop_table_comment: {table_name: t, existing_comment: new, schema: app}
  - execute: "SELECT 1"
  - execute: {sqltext: "VACUUM", dialects: [sqlite, postgresql]}
    allow: [raw-sql]
  - bulk_insert: {table_name: t, rows: [{a: 1, b: true, c: x, d: null}, {a: 2.5}], schema: app}
downgrade: []
"""


def test_every_operation_and_argument_validates():
    doc = load(EVERYTHING)
    assert errors(doc) == []
    used = {name for item in doc["upgrade"] for name in item if name != "allow"}
    assert used == set(CONTRACT_OPERATIONS)


@pytest.mark.parametrize("text", [
    "revision: a\ndown_revision: null\n",
    "revision: a\ndown_revision: null\nupgrade: []\ndowngrade: []\n",
    "revision: A_1\ndown_revision: b\nbranch_labels: [x, y]\ndepends_on: [c, d]\nupgrade: []\n",
])
def test_minimal_documents_validate(text):
    assert errors(load(text)) == []


# -- documents that do not, and what best_match says about them -------------------------------------

HEAD = "revision: a\ndown_revision: null\n"


def ops(text: str) -> str:
    return HEAD + "upgrade:\n" + text


BAD = [
    # (a) unknown operation name: the item, naming the stray key
    ("unknown operation", ops("  - create_tabel: {table_name: t}\n"),
     ["upgrade", 0], "additionalProperties",
     "Additional properties are not allowed ('create_tabel' was unexpected)"),
    ("unknown operation beside allow", ops("  - creat_index: {index_name: i}\n    allow: [x]\n"),
     ["upgrade", 0], "additionalProperties",
     "Additional properties are not allowed ('creat_index' was unexpected)"),
    # (b) unknown argument of a known operation: the arguments mapping (not the missing key)
    ("unknown argument", ops("  - drop_table: {table: t}\n"),
     ["upgrade", 0, "drop_table"], "additionalProperties",
     "Additional properties are not allowed ('table' was unexpected)"),
    ("unknown column key", ops("  - create_table: {table_name: t, columns: [{name: id, type: Integer, "
                               "nulable: false}]}\n"),
     ["upgrade", 0, "create_table", "columns", 0], "additionalProperties",
     "Additional properties are not allowed ('nulable' was unexpected)"),
    ("unknown server_default key", ops("  - add_column: {table_name: t, column: {name: c, type: Integer, "
                                       "server_default: {expr: now()}}}\n"),
     ["upgrade", 0, "add_column", "column", "server_default"], "additionalProperties",
     "Additional properties are not allowed ('expr' was unexpected)"),
    ("unknown execute key", ops("  - execute: {sql: SELECT 1}\n"),
     ["upgrade", 0, "execute"], "additionalProperties",
     "Additional properties are not allowed ('sql' was unexpected)"),
    ("unknown constraint kind", ops("  - create_table: {table_name: t, constraints: [{uniqe: [a]}]}\n"),
     ["upgrade", 0, "create_table", "constraints", 0], "additionalProperties",
     "Additional properties are not allowed ('uniqe' was unexpected)"),
    ("unknown index column key", ops("  - create_index: {index_name: i, table_name: t, "
                                     "columns: [{expr: x}]}\n"),
     ["upgrade", 0, "create_index", "columns", 0], "additionalProperties",
     "Additional properties are not allowed ('expr' was unexpected)"),
    # (c) wrong argument type: the value itself
    ("wrong argument type", ops("  - drop_table: {table_name: 5}\n"),
     ["upgrade", 0, "drop_table", "table_name"], "type", "5 is not of type 'string'"),
    ("wrong column flag type", ops("  - create_table: {table_name: t, columns: [{name: id, type: Integer, "
                                   "nullable: 'no'}]}\n"),
     ["upgrade", 0, "create_table", "columns", 0, "nullable"], "type", "'no' is not of type 'boolean'"),
    ("type not a string", ops("  - add_column: {table_name: t, column: {name: c, type: 5}}\n"),
     ["upgrade", 0, "add_column", "column", "type"], "type", "5 is not of type 'string'"),
    ("arguments not a mapping", ops("  - drop_table: t\n"),
     ["upgrade", 0, "drop_table"], "type", "'t' is not of type 'object'"),
    ("execute not text", ops("  - execute: 5\n"),
     ["upgrade", 0, "execute"], "type", "5 is not of type 'string', 'object'"),
    ("item not a mapping", ops("  - drop_table\n"),
     ["upgrade", 0], "type", "'drop_table' is not of type 'object'"),
    ("upgrade not a list", HEAD + "upgrade: {drop_table: {table_name: t}}\n",
     ["upgrade"], "type", "{'drop_table': {'table_name': 't'}} is not of type 'array'"),
    ("server_default list", ops("  - add_column: {table_name: t, column: {name: c, type: Integer, "
                                "server_default: [1]}}\n"),
     ["upgrade", 0, "add_column", "column", "server_default"], "type",
     "[1] is not of type 'string', 'number', 'boolean', 'object'"),
    ("parent id not a string", "revision: a\ndown_revision: [b, 5]\n",
     ["down_revision", 1], "type", "5 is not of type 'string'"),
    ("bad dialect name", ops("  - execute: {sqltext: x, dialects: [postgres]}\n"),
     ["upgrade", 0, "execute", "dialects", 0], "enum",
     "'postgres' is not one of ['postgresql', 'mysql', 'mariadb', 'sqlite', 'mssql', 'oracle']"),
    ("bad constraint type", ops("  - drop_constraint: {constraint_name: c, table_name: t, type: fk}\n"),
     ["upgrade", 0, "drop_constraint", "type"], "enum",
     "'fk' is not one of ['foreignkey', 'unique', 'check', 'primary']"),
    ("bad autoincrement", ops("  - add_column: {table_name: t, column: {name: c, type: Integer, "
                              "autoincrement: 'yes'}}\n"),
     ["upgrade", 0, "add_column", "column", "autoincrement"], "enum",
     "'yes' is not one of [True, False, 'auto', 'ignore_fk']"),
    ("bad dialect option type", ops("  - create_index: {index_name: i, table_name: t, columns: [a], "
                                    "postgresql_concurrently: 'yes'}\n"),
     ["upgrade", 0, "create_index", "postgresql_concurrently"], "type", "'yes' is not of type 'boolean'"),
    ("bad revision id", "revision: a-b\ndown_revision: null\n",
     ["revision"], "pattern", "'a-b' does not match '^[A-Za-z0-9_]+$'"),
    ("bad foreign key target", ops("  - add_column: {table_name: t, column: {name: c, type: Integer, "
                                   "foreign_key: {column: account}}}\n"),
     ["upgrade", 0, "add_column", "column", "foreign_key", "column"], "pattern",
     "'account' does not match '^[^.]+(\\\\.[^.]+){1,2}$'"),
    # missing required keys: the mapping that lacks it
    ("missing argument", ops("  - drop_table: {schema: s}\n"),
     ["upgrade", 0, "drop_table"], "required", "'table_name' is a required property"),
    ("missing index columns", ops("  - create_index: {index_name: i, table_name: t}\n"),
     ["upgrade", 0, "create_index"], "required", "'columns' is a required property"),
    ("missing column type", ops("  - create_table: {table_name: t, columns: [{name: id}]}\n"),
     ["upgrade", 0, "create_table", "columns", 0], "required", "'type' is a required property"),
    ("missing fk references", ops("  - create_table: {table_name: t, constraints: "
                                  "[{foreign_key: {columns: [a]}}]}\n"),
     ["upgrade", 0, "create_table", "constraints", 0, "foreign_key"], "required",
     "'references' is a required property"),
    ("missing down_revision", "revision: a\nupgrade: []\n",
     [], "required", "'down_revision' is a required property"),
    ("missing revision", "down_revision: null\n", [], "required", "'revision' is a required property"),
    # (d) unknown top-level key
    ("unknown top-level key", HEAD + "upgrade: []\ncolour: red\n",
     [], "additionalProperties", "Additional properties are not allowed ('colour' was unexpected)"),
    ("misspelt downgrade", HEAD + "downgarde: []\n",
     [], "additionalProperties", "Additional properties are not allowed ('downgarde' was unexpected)"),
    # one operation per item
    ("two operations in one item", ops("  - drop_table: {table_name: t}\n    drop_index: {index_name: i}\n"),
     ["upgrade", 0], "enum", "'drop_index' is not one of ['allow', 'drop_table']"),
    ("allow without an operation", ops("  - allow: [x]\n"),
     ["upgrade", 0], "minProperties", "{'allow': ['x']} does not have enough properties"),
    ("empty item", ops("  - {}\n"), ["upgrade", 0], "minProperties", "{} should be non-empty"),
    ("no constraint kind", ops("  - create_table: {table_name: t, constraints: [{name: x}]}\n"),
     ["upgrade", 0, "create_table", "constraints", 0], "anyOf",
     "{'name': 'x'} is not valid under any of the given schemas"),
    ("two constraint kinds", ops("  - create_table: {table_name: t, constraints: "
                                 "[{unique: [a], check: a > 0}]}\n"),
     ["upgrade", 0, "create_table", "constraints", 0], "enum", "'check' is not one of ['unique', 'name']"),
]


@pytest.mark.parametrize(("text", "path", "validator", "message"), [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_best_match_points_at_the_problem(text, path, validator, message):
    error = best(load(text))
    assert error is not None
    assert list(error.absolute_path) == path
    assert error.validator == validator
    assert error.message == message


def test_unknown_argument_error_knows_the_allowed_names():
    """The loader suggests a close name from the schema that reported an unknown key."""
    error = best(load(ops("  - create_index: {index_name: i, tabel_name: t, columns: [a]}\n")))
    assert error.validator == "additionalProperties"
    assert "table_name" in error.schema["properties"]
    error = best(load(ops("  - create_tabel: {table_name: t}\n")))
    assert "create_table" in error.schema["properties"]
