"""How the schema's objects are named in text: `[schema.]table` and foreign-key targets.

A foreign key's target is written `[schema.]table.column` (a column's `foreign_key.column`, a
table constraint's `references`), and SQLAlchemy's `target_fullname` has the same shape; a
schema may itself hold dots, so the table and column are the last two parts.
"""

from __future__ import annotations

from dataclasses import dataclass


def qualified(name: str, schema: str | None) -> str:
    """`schema.name`, or just `name` in the default schema."""
    return f"{schema}.{name}" if schema else name


@dataclass(frozen=True, slots=True)
class ForeignKeyRef:
    """The column a foreign key points at."""

    schema: str | None
    table: str
    column: str

    @classmethod
    def parse(cls, text: str) -> ForeignKeyRef:
        parts = text.rsplit(".", 2)
        if len(parts) < 2:
            raise ValueError(f"a foreign key's target is [schema.]table.column, not {text!r}")
        return cls(parts[0] if len(parts) == 3 else None, parts[-2], parts[-1])

    @property
    def key(self) -> tuple[str | None, str]:
        """The referenced table as the state keys it: (schema, name)."""
        return self.schema, self.table

    @property
    def qualified_table(self) -> str:
        return qualified(self.table, self.schema)

    @property
    def qualified(self) -> str:
        """The target as revision files write it: `[schema.]table.column`."""
        return f"{self.qualified_table}.{self.column}"
