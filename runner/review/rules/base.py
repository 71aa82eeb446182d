"""What every rule family is made of: a rule's metadata (Rule), what a check yields (Found), and
the context the safety checks read (Context: what the revision did so far, and the dialect).

A rule asks what the database does (builds indexes concurrently, copies a table to widen
VARCHAR to TEXT), not which database it is: Context's predicates read the dialect's traits
(runner.sql.dialects.traits, plain Python: validate imports no SQLAlchemy), the one place that knows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from runner.sql.dialects.traits import traits_for

Found = tuple[str, str, str]  # (rule id, location, message)


@dataclass(frozen=True)
class Rule:
    """One rule as validate's outputs and the README name it."""

    id: str
    severity: str  # "error" or "warning": the default; validate.multiple_heads or a finding may differ
    reason: str    # why it matters, in one line
    fix: str       # what to do


# A safety check: an operation, the schema state just before it and the Context; a reference
# check (runner.review.rules.replay) takes no Context; a limit check (the database's limits,
# which the checks before a run apply too) takes the operation and the Context.
Check = Callable[..., Iterator[Found]]


class Context:
    """What the revision did so far: the tables it created (they are empty) and the columns it
    added (no deployed code uses them yet); and what the production database does."""

    def __init__(self, dialect: str | None, judge_types: bool = True):
        self._dialect = dialect
        self._judge_types = judge_types  # type_problems judges (it imports SQLAlchemy)
        self._traits = traits_for(dialect)  # no dialect named: a shared server, as the default
        self.created: set[tuple[str | None, str]] = set()
        self.added: set[tuple[str | None, str, str]] = set()  # columns: no code reads them yet

    # -- the dialect: the only place that reads its name ------------------------------------------
    @property
    def takes_locks(self) -> bool:
        """Locks, scans and rewrites hold up other sessions: a server, not SQLite."""
        return self._traits.shared_server

    @property
    def takes_concurrent_index(self) -> bool:
        """CREATE and DROP INDEX can run CONCURRENTLY (PostgreSQL's postgresql_concurrently)."""
        return self._traits.concurrent_indexes

    @property
    def rewrites_for_volatile_default(self) -> bool:
        """A column added with a volatile default rewrites the table (a constant one does not)."""
        return self._traits.volatile_default_rewrites

    @property
    def widens_numeric_in_place(self) -> bool:
        """More NUMERIC precision at the same scale changes the type without a rewrite."""
        return self._traits.numeric_widening_in_place

    @property
    def copies_table_to_text(self) -> bool:
        """VARCHAR to TEXT copies the table (MySQL and MariaDB)."""
        return self._traits.text_widening_rewrites

    @property
    def index_key_bytes(self) -> int | None:
        """The longest index key the database takes, in bytes (None: no limit judged)."""
        return self._traits.index_key_bytes

    @property
    def long_single_keys_shortened(self) -> bool:
        """A key too long on one column is cut to a prefix or hashed, not refused (MariaDB)."""
        return self._traits.long_single_keys_shortened

    @property
    def text_keys_need_length(self) -> bool:
        """An index on a TEXT or BLOB column needs a prefix length (MySQL)."""
        return self._traits.text_keys_need_length

    @property
    def rebuilds_for_constraints(self) -> bool:
        """Constraints change by rebuilding the table, consecutive changes in one rebuild (SQLite)."""
        return self._traits.rebuilds_for_constraints

    def name_too_long(self, name: str) -> str | None:
        """Why the database refuses or cuts `name`, longer than its identifier limit (Traits.
        identifier_too_long); None if it takes it, or no dialect with a limit is named."""
        why = self._traits.identifier_too_long(name)
        return f"{why} on {self._dialect}" if why else None

    def type_problems(self, text: str) -> list[tuple[str, int]]:
        """What the database refuses in a column type: (reason, offset in `text`); see
        DefaultImpl.type_problems. Only a named dialect judges (it needs SQLAlchemy, so a
        validate with no dialect stays free of it)."""
        if not self._traits.names or not self._judge_types:
            return []
        from runner.sql.dialects import impl_for

        return impl_for(self._dialect).type_problems(text)

    # -- the revision so far --------------------------------------------------------------------------
    def existing(self, table: str, schema: str | None) -> bool:
        return (schema, table) not in self.created

    def applied(self, op) -> None:
        args = op.args
        if op.name == "create_table":
            self.created.add((args.get("schema"), args["table_name"]))
        elif op.name == "rename_table" and (args.get("schema"), args["old_table_name"]) in self.created:
            self.created.add((args.get("schema"), args["new_table_name"]))
        elif op.name == "add_column":
            self.added.add((args.get("schema"), args["table_name"], args["column"]["name"]))


def current_column(state, args: dict[str, Any]) -> dict[str, Any] | None:
    """The spec of the column alter_column names, as the state has it (None if unknown)."""
    table = state.table(args["table_name"], args.get("schema"))
    return table.columns.get(args["column_name"]) if table is not None else None
