"""application types

Revision ID: g1
Revises:
Create Date: 2024-07-01 08:00:00

"""
import myapp.fields
import sqlalchemy as sa
from alembic import op
from myapp.db import types as apptypes

revision = "g1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "thing",
        sa.Column("id", apptypes.GUID(), primary_key=True),
        sa.Column("data", myapp.fields.JsonText, nullable=True),
    )


def downgrade():
    op.drop_table("thing")
