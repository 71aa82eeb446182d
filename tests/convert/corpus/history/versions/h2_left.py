"""left branch

Revision ID: h2
Revises: h1
Create Date: 2024-06-02 08:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "h2"
down_revision = "h1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("item", sa.Column("left", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("item", "left")
