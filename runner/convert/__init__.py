"""Coming from Alembic: its histories read as yamig revisions, and verified against yamig."""
