"""nothing to undo

Revision ID: f2
Revises: f1
Create Date: 2024-05-02 08:00:00

"""
from alembic import op

revision = "f2"
down_revision = "f1"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE person SET a = 1")


def downgrade():
    pass
