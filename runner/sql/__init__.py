"""SQL the operations emit: SQLAlchemy constructs (ddl), alter_column's elements (ddl_alter),
each dialect's knowledge and spellings (dialects: `impl_for(dialect)`) and SQLite's
move-and-copy rebuild (rebuild, which SQLite's impl runs)."""
