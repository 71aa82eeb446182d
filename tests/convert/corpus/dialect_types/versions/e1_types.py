"""dialect types

Revision ID: e1
Revises:
Create Date: 2024-04-01 08:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects.postgresql import JSONB

revision = "e1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "doc",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("body", JSONB(), nullable=True),
        sa.Column("tags", pg.ARRAY(sa.String(20)), nullable=True),
        sa.Column("uid", pg.UUID(as_uuid=True), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("ts", sa.types.TIMESTAMP(), nullable=True),
    )
    op.create_table(
        "legacy",
        sa.Column("id", mysql.INTEGER(display_width=11), primary_key=True),
        sa.Column("flag", mysql.TINYINT(1), nullable=True),
        sa.Column("body", mysql.LONGTEXT(), nullable=True),
    )


def downgrade():
    op.drop_table("legacy")
    op.drop_table("doc")
