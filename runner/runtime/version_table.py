"""Alembic's version table: which revisions a database is at, read and written as Alembic does."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from runner.revisions.revision import VERSION_ID_LENGTH


class VersionTable:
    """Alembic's version table, so a database that Alembic manages reads as it is."""

    def __init__(self, name: str = "alembic_version", schema: str | None = None):
        self.table = sa.Table(
            name, sa.MetaData(),
            sa.Column("version_num", sa.String(VERSION_ID_LENGTH), nullable=False),
            sa.PrimaryKeyConstraint("version_num", name=f"{name}_pkc"),
            schema=schema,
        )
        self._online: tuple[Any, Any, Any] | None = None

    def exists(self, connection: sa.Connection) -> bool:
        return sa.inspect(connection).has_table(self.table.name, schema=self.table.schema)

    def create(self, connection: sa.Connection) -> None:
        self.table.create(connection, checkfirst=True)

    def heads(self, connection: sa.Connection) -> tuple[str, ...]:
        """The rows in the order the database returns them, as Alembic reads them: at several
        heads, `downgrade -1` steps down from the first (Alembic's rule), so sorting them
        would pick another head than Alembic on the same database."""
        if not self.exists(connection):
            return ()
        return tuple(connection.execute(sa.select(self.table.c.version_num)).scalars())

    def write(self, connection: sa.Connection, step) -> bool:
        """Make the step's changes online; False when a row it expected was not there.

        Same statements as `statements()`, but built once with bound parameters, so
        SQLAlchemy compiles them once per run instead of once per revision.
        """
        return self.write_rows(connection, step.update, step.delete, step.insert)

    def write_rows(self, connection: sa.Connection, update=(), delete=(), insert=()) -> bool:
        if self._online is None:
            t, col = self.table, self.table.c.version_num
            self._online = (
                t.update().where(col == sa.bindparam("old")).values(version_num=sa.bindparam("new")),
                t.delete().where(col == sa.bindparam("old")),
                t.insert().values(version_num=sa.bindparam("new")))
        update_rows, delete_rows, insert_rows = self._online
        for old, new in update:
            if connection.execute(update_rows, {"old": old, "new": new}).rowcount != 1:
                return False
        for old in delete:
            if connection.execute(delete_rows, {"old": old}).rowcount != 1:
                return False
        for new in insert:
            connection.execute(insert_rows, {"new": new})
        return True

    def statements(self, step) -> list[tuple[Any, bool]]:
        """The version-table changes of one step, as Alembic makes them.

        Each comes with whether it must touch exactly one existing row.
        """
        t, col = self.table, self.table.c.version_num
        out: list[tuple[Any, bool]] = []
        for old, new in step.update:
            out.append((t.update().where(col == sa.literal(old)).values(version_num=sa.literal(new)), True))
        out += [(t.delete().where(col == sa.literal(old)), True) for old in step.delete]
        out += [(t.insert().values(version_num=sa.literal(new)), False) for new in step.insert]
        return out
