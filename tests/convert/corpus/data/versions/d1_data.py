"""seed data and SQL

Revision ID: d1
Revises:
Create Date: 2024-03-01 08:00:00

"""
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.sql import column, table

revision = "d1"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA_TABLE = "country"
PREFIX = "seed"
LIMIT = 3


def upgrade():
    op.create_table(
        SCHEMA_TABLE,
        sa.Column("code", sa.String(2), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
    )
    country = table(SCHEMA_TABLE, column("code", sa.String), column("name", sa.String))
    op.bulk_insert(country, [
        {"code": "fr", "name": "France"},
        {"code": "de", "name": "Germany"},
    ])
    op.execute(f"UPDATE {SCHEMA_TABLE} SET rank = {LIMIT} WHERE code = 'fr'")
    op.execute(sa.text("UPDATE country SET rank = 1 WHERE code = 'de'"))
    for code, name in [("it", "Italy"), ("es", "Spain")]:
        op.execute(f"INSERT INTO {SCHEMA_TABLE} (code, name) VALUES ('{code}', '{name}')")
    if context.get_context().dialect.name == "postgresql":
        op.execute("COMMENT ON TABLE country IS 'pg only'")
    else:
        op.execute("UPDATE country SET name = name")
    bind = op.get_bind()
    if bind.dialect.name in ("sqlite", "mysql"):
        op.execute("UPDATE country SET rank = 2 WHERE code = 'it'")


def downgrade():
    op.drop_table(SCHEMA_TABLE)
