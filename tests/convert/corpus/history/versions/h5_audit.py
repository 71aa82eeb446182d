"""audit branch, needs other

Revision ID: h5
Revises:
Create Date: 2024-06-05 08:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "h5"
down_revision = None
branch_labels = ("audit",)
depends_on = "h3"


def upgrade():
    op.create_table("audit", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("other_id", sa.Integer(), sa.ForeignKey("other.id")))


def downgrade():
    op.drop_table("audit")
