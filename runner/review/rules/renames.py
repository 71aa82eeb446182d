"""The rename rules: code deployed before the rename still uses the old name. A table created,
or a column added, earlier in the same revision has no such code yet."""

from __future__ import annotations

from collections.abc import Iterator

from runner.review.rules.base import Found, Rule

RENAME_TABLE = Rule("rename-table", "warning", "code still using the old table name fails from the "
                    "moment the rename runs until new code is deployed",
                    "expand and contract: create the new table, write to both, move readers, then "
                    "drop the old one; or accept a short outage with allow: [rename-table]")
RENAME_COLUMN = Rule("rename-column", "warning", "code still using the old column name fails from the "
                     "moment the rename runs until new code is deployed",
                     "add the new column, backfill and write to both, move readers, then drop the old "
                     "one; or accept with allow: [rename-column]")

RULES = (RENAME_TABLE, RENAME_COLUMN)


def _rename_table(op, state, ctx) -> Iterator[Found]:
    args = op.args
    if ctx.existing(args["old_table_name"], args.get("schema")):
        yield ("rename-table", op.location,
               f"renames table {args['old_table_name']} to {args['new_table_name']}")


def _alter_column(op, state, ctx) -> Iterator[Found]:
    args = op.args
    name, column, schema = args["table_name"], args["column_name"], args.get("schema")
    new_name = args.get("new_column_name")
    if (ctx.existing(name, schema) and new_name and new_name != column
            and (schema, name, column) not in ctx.added):
        yield "rename-column", op.location, f"renames column {name}.{column} to {new_name}"


SAFETY = {"rename_table": _rename_table, "alter_column": _alter_column}
