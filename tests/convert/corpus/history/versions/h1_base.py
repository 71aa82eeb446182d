"""base

Revision ID: h1
Revises:
Create Date: 2024-06-01 08:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "h1"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade():
    op.create_table("item", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("item")
