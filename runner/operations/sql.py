"""execute: raw SQL, the escape hatch. It makes the schema state opaque."""

from __future__ import annotations

from typing import Any

from runner.operations.base import Operation
from runner.state import SchemaState


class Execute(Operation):
    name = "execute"
    reversible = False

    def runs_on(self, dialect_name: str) -> bool:
        dialects = self.args.get("dialects")
        return not dialects or dialect_name in dialects

    def state_forwards(self, state: SchemaState) -> None:
        state.opaque = True

    def ddl(self, dialect: Any) -> list[Any]:
        import sqlalchemy as sa

        if not self.runs_on(dialect.name):
            return []
        # text() would read ':name' as a bind parameter; in a migration it is literal SQL
        return [sa.text(self.args["sqltext"].replace(":", "\\:"))]
