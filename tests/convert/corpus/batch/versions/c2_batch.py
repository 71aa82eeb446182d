"""batch changes on person

Revision ID: c2
Revises: c1
Create Date: 2024-02-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c2"
down_revision = "c1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person", schema=None, recreate="auto") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=100), nullable=True))
        batch_op.create_index("ix_person_email", ["email"], unique=True)
        batch_op.alter_column("name", existing_type=sa.String(length=40), nullable=False,
                              existing_server_default=None)
        batch_op.drop_index("ix_person_old")
        batch_op.drop_column("old")
        batch_op.create_check_constraint("ck_person_age", "age >= 0")
        batch_op.create_unique_constraint("uq_person_name", ["name"])


def downgrade():
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_constraint("uq_person_name", type_="unique")
        batch_op.drop_constraint("ck_person_age", type_="check")
        batch_op.add_column(sa.Column("old", sa.Integer(), nullable=True))
        batch_op.create_index("ix_person_old", ["old"])
        batch_op.alter_column("name", existing_type=sa.String(length=40), nullable=True)
        batch_op.drop_index("ix_person_email")
        batch_op.drop_column("email")
