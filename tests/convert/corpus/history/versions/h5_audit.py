"""audit branch, needs other

Revision ID: h5
Revises:
Create Date: 2024-06-05 08:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "h5"
down_revision = None
branch_labels = ("audit",)
depends_on = "h3"


def upgrade():
    op.create_table("audit", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("other_id", sa.Integer(), sa.ForeignKey("other.id")))


def downgrade():
    op.drop_table("audit")
