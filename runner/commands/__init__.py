"""Alembic's commands by family, offered together as runner.command."""
