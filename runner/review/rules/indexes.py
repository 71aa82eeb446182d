"""The index rules: CREATE and DROP INDEX lock a table that holds rows where the database can
do it CONCURRENTLY instead (postgresql_concurrently)."""

from __future__ import annotations

from collections.abc import Iterator

from runner.review.rules.base import Found, Rule
from runner.schema.naming import final

INDEX_NOT_CONCURRENTLY = Rule("index-not-concurrently", "warning", "CREATE INDEX blocks writes to the "
                              "table on PostgreSQL while the index is built",
                              "add postgresql_concurrently: true (yamig runs it outside the "
                              "revision's transaction)")
DROP_INDEX_NOT_CONCURRENTLY = Rule("drop-index-not-concurrently", "warning", "DROP INDEX takes an "
                                   "exclusive lock on the table on PostgreSQL, queued behind every "
                                   "running query", "add postgresql_concurrently: true (yamig runs it "
                                   "outside the revision's transaction)")

RULES = (INDEX_NOT_CONCURRENTLY, DROP_INDEX_NOT_CONCURRENTLY)


def _create_index(op, state, ctx) -> Iterator[Found]:
    args = op.args
    if (ctx.takes_concurrent_index and not args.get("postgresql_concurrently")
            and ctx.existing(args["table_name"], args.get("schema"))):
        yield ("index-not-concurrently", op.location,
               f"index {final(args.get('index_name')) or '(unnamed)'} on existing table {args['table_name']} "
               "is built without postgresql_concurrently")


def _drop_index(op, state, ctx) -> Iterator[Found]:
    args = op.args
    if not ctx.takes_concurrent_index or args.get("postgresql_concurrently"):
        return
    table = state.find_index(op.dropped(state) or "", args.get("schema"))
    table_name = table.name if table is not None else args.get("table_name")
    if table_name is None or ctx.existing(table_name, args.get("schema")):
        yield ("drop-index-not-concurrently", op.location,
               f"index {final(args.get('index_name')) or '(unnamed)'} is dropped without "
               "postgresql_concurrently")


SAFETY = {"create_index": _create_index, "drop_index": _drop_index}
