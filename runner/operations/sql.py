"""execute: raw SQL, the escape hatch. It makes the schema state opaque.

`dialects: [postgresql, ...]` limits it to those databases (SQLAlchemy dialect names; `mysql`
includes MariaDB, `mariadb` is MariaDB only); elsewhere it emits nothing, online and offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runner.operations.base import Operation
from runner.schema.state import SchemaState

if TYPE_CHECKING:
    from runner.runtime.context import MigrationContext


class Execute(Operation):
    name = "execute"
    reversible = False

    def runs_on(self, dialect: Any) -> bool:
        dialects = self.args.get("dialects")
        if not dialects:
            return True
        from runner.sql.dialects import impl_for

        return bool(impl_for(dialect).execute_names() & set(dialects))

    def state_forwards(self, state: SchemaState) -> None:
        state.opaque = True

    def ddl(self, context: MigrationContext) -> list[Any]:
        import sqlalchemy as sa

        dialect = context.dialect
        if not self.runs_on(dialect):
            return []
        # text() would read ':name' as a bind parameter; in a migration it is literal SQL
        return [sa.text(self.args["sqltext"].replace(":", "\\:"))]
