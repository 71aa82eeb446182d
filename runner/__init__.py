"""yamig: declarative, YAML-driven database migrations with Alembic's command set."""

__version__ = "0.1.0"
