"""The constraint rules: NOT NULL, keys and checks added to a table that holds rows, which the
database validates against every row (and indexes) under a lock. Servers only: SQLite's locks
are brief and whole-file."""

from __future__ import annotations

from collections.abc import Iterator

from runner.review.rules.base import Found, Rule, current_column

SET_NOT_NULL = Rule("set-not-null", "warning", "SET NOT NULL scans the whole table under an exclusive "
                    "lock, and fails if any row still holds NULL",
                    "backfill first; on PostgreSQL add CHECK (column IS NOT NULL) NOT VALID, VALIDATE "
                    "CONSTRAINT in a later revision, then set NOT NULL (12+ then skips the scan)")
ADD_FOREIGN_KEY = Rule("add-foreign-key", "warning", "adding a foreign key to an existing table scans "
                       "it to validate every row while blocking writes to both tables",
                       "on PostgreSQL add it NOT VALID, then VALIDATE CONSTRAINT in a later revision "
                       "(that takes a lock that lets writes through)")
ADD_UNIQUE_CONSTRAINT = Rule("add-unique-constraint", "warning", "adding a unique constraint builds its "
                             "index under a lock that blocks reads and writes, and fails on duplicate "
                             "rows", "on PostgreSQL create a unique index with postgresql_concurrently, "
                             "then ADD CONSTRAINT ... UNIQUE USING INDEX")
ADD_CHECK_CONSTRAINT = Rule("add-check-constraint", "warning", "adding a CHECK constraint to an "
                            "existing table scans every row under an exclusive lock",
                            "on PostgreSQL add it NOT VALID, then VALIDATE CONSTRAINT in a later "
                            "revision")
ADD_PRIMARY_KEY = Rule("add-primary-key", "warning", "adding a primary key to an existing table builds "
                       "a unique index and checks NOT NULL under a lock that blocks reads and writes",
                       "on PostgreSQL create a unique index with postgresql_concurrently, then ADD "
                       "CONSTRAINT ... PRIMARY KEY USING INDEX")

RULES = (SET_NOT_NULL, ADD_FOREIGN_KEY, ADD_UNIQUE_CONSTRAINT, ADD_CHECK_CONSTRAINT, ADD_PRIMARY_KEY)


def _alter_column(op, state, ctx) -> Iterator[Found]:
    args = op.args
    name, column = args["table_name"], args["column_name"]
    if args.get("nullable") is not False or not ctx.existing(name, args.get("schema")):
        return
    current = current_column(state, args)
    if current is not None:
        was = current.get("nullable", not current.get("primary_key", False))
    else:
        was = args.get("existing_nullable", True)
    if was is not False and ctx.takes_locks:
        yield "set-not-null", op.location, f"sets NOT NULL on existing column {name}.{column}"


def _add_column(op, state, ctx) -> Iterator[Found]:
    args = op.args
    column, name = args["column"], args["table_name"]
    if not ctx.takes_locks or not ctx.existing(name, args.get("schema")):
        return
    if column.get("primary_key"):
        yield "add-primary-key", op.location, f"adds primary key column {name}.{column['name']}"
    elif column.get("unique"):
        yield ("add-unique-constraint", op.location,
               f"adds unique column {name}.{column['name']} to an existing table")


def _create_foreign_key(op, state, ctx) -> Iterator[Found]:
    args = op.args
    if ctx.takes_locks and ctx.existing(args["source_table"], args.get("source_schema")):
        yield ("add-foreign-key", op.location,
               f"adds foreign key {args.get('constraint_name') or ''} from existing table "
               f"{args['source_table']} to {args['referent_table']}".replace("  ", " "))


def _constraint_rule(rule: Rule, what: str):
    def check(op, state, ctx) -> Iterator[Found]:
        args = op.args
        if ctx.takes_locks and ctx.existing(args["table_name"], args.get("schema")):
            yield (rule.id, op.location,
                   f"adds {what} {args.get('constraint_name') or ''} to existing table "
                   f"{args['table_name']}".replace("  ", " "))
    return check


SAFETY = {
    "alter_column": _alter_column,
    "add_column": _add_column,
    "create_foreign_key": _create_foreign_key,
    "create_unique_constraint": _constraint_rule(ADD_UNIQUE_CONSTRAINT, "unique constraint"),
    "create_check_constraint": _constraint_rule(ADD_CHECK_CONSTRAINT, "check constraint"),
    "create_primary_key": _constraint_rule(ADD_PRIMARY_KEY, "primary key"),
}
