"""drop a type

Revision ID: f3
Revises: f2
Create Date: 2024-05-03 08:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "f3"
down_revision = "f2"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_column("person", "feeling")
    sa.Enum("happy", "sad", name="mood").drop(op.get_bind())


def downgrade():
    raise RuntimeError()
