"""base

Revision ID: c1
Revises:
Create Date: 2024-02-01 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(40), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("old", sa.Integer(), nullable=True),
    )
    op.create_index("ix_person_old", "person", ["old"])


def downgrade():
    op.drop_table("person")
