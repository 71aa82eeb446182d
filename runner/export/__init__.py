"""The way back to Alembic: a yamig history written as Alembic scripts (`yamig export-alembic`)."""
