"""The default rules: a column added to a table that holds rows gets its value from its server
default; none, for a NOT NULL column, fails; a volatile one rewrites every row."""

from __future__ import annotations

import re
from collections.abc import Iterator

from runner.review.rules.base import Found, Rule

NOT_NULL_WITHOUT_DEFAULT = Rule("not-null-without-default", "error", "NOT NULL column added to an "
                                "existing table without a server default fails on any row",
                                "add a server_default, or add it nullable, backfill, then alter")
VOLATILE_DEFAULT = Rule("volatile-default", "warning", "a column added with a volatile server default "
                        "(random(), clock_timestamp(), gen_random_uuid(), ...) rewrites the whole "
                        "table on PostgreSQL; constant and stable defaults such as now() do not",
                        "add the column without a default (or with a constant one), backfill in "
                        "batches, then set the default")

RULES = (NOT_NULL_WITHOUT_DEFAULT, VOLATILE_DEFAULT)

_VOLATILE = re.compile(r"\b(random|clock_timestamp|timeofday|gen_random_uuid|gen_random_bytes|"
                       r"uuid_generate_v\w+|nextval)\s*\(", re.IGNORECASE)


def _add_column(op, state, ctx) -> Iterator[Found]:
    args = op.args
    column, name, schema = args["column"], args["table_name"], args.get("schema")
    table = state.table(name, schema)
    if not ctx.existing(name, schema):
        return
    if (column.get("nullable") is False and column.get("server_default") is None
            and not column.get("primary_key") and (table is None or table.known)):
        yield ("not-null-without-default", op.location,
               f"{name}.{column['name']} is NOT NULL with no server_default")
    default = column.get("server_default")
    if (ctx.rewrites_for_volatile_default and isinstance(default, dict)
            and _VOLATILE.search(str(default.get("sql", "")))):
        yield ("volatile-default", op.arg_location("column", "server_default"),
               f"{name}.{column['name']} gets the volatile default {default['sql']}: every row is "
               "rewritten")


SAFETY = {"add_column": _add_column}
