"""SQL the operations emit: SQLAlchemy constructs (ddl), alter_column's spellings (ddl_alter)
and SQLite's move-and-copy rebuild (rebuild)."""
