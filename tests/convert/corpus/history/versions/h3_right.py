"""right branch

Revision ID: h3
Revises: h1
Create Date: 2024-06-03 08:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "h3"
down_revision = "h1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("other", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("other")
