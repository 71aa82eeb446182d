"""The name rules: what the database does to a name longer than its identifier limit.

PostgreSQL cuts a table or column name to 63 bytes without an error (so the database holds a
name no revision wrote, and two long names may become one), and SQLAlchemy refuses an index or
constraint name over the limit. Judged for the database validate judges for (validate.dialect,
else the URL's), and by the checks before a run, for the database it runs on.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.review.rules.base import Context, Found, Rule

IDENTIFIER_LENGTH = Rule("identifier-length", "error", "the database cuts a table or column name "
                         "longer than its identifier limit, and an index or constraint name that long "
                         "is refused", "give it a shorter name")

RULES = (IDENTIFIER_LENGTH,)


def _long_names(op, ctx: Context) -> Iterator[Found]:
    for what, name, keys in op.given_names():
        why = ctx.name_too_long(name)
        if why:
            yield ("identifier-length", op.arg_location(*keys),
                   f"{what} name {name} is {why}")


# every operation that gives names (Operation.given_names)
LIMITS = {name: _long_names for name in ("create_table", "add_column", "alter_column", "rename_table",
                                         "create_index", "create_unique_constraint",
                                         "create_primary_key", "create_foreign_key",
                                         "create_check_constraint")}
