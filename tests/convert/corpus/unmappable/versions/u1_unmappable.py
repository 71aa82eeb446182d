"""what convert cannot map

Revision ID: u1
Revises:
Create Date: 2024-08-01 08:00:00

"""
import sqlalchemy as sa
from alembic import op
from myapp import helpers
from myapp.models import User
from sqlalchemy.orm import Session

revision = "u1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("user", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("name", sa.String(50)))
    helpers.backfill_names(op)
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM user")).fetchall()
    for row in rows:
        op.execute(f"UPDATE user SET name = '{row.name}' WHERE id = {row.id}")
    session = Session(bind=conn)
    session.add(User(name="admin"))
    op.add_column("user", sa.Column("created", sa.DateTime(), server_default=sa.func.now()))


def downgrade():
    op.drop_table("user")
