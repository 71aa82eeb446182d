"""format features

Revision ID: f1
Revises:
Create Date: 2024-05-01 08:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "f1"
down_revision = None
branch_labels = None
depends_on = None

mood = postgresql.ENUM("happy", "sad", name="mood", create_type=False)


def upgrade():
    mood.create(op.get_bind())
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), sa.Identity(start=10, increment=5), primary_key=True),
        sa.Column("a", sa.Integer(), nullable=True),
        sa.Column("b", sa.Integer(), sa.Computed("a * 2", persisted=True), nullable=True),
        sa.Column("n", sa.Integer(), sa.Sequence("person_n_seq", start=1), nullable=True),
        sa.Column("feeling", mood, nullable=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("person.id", use_alter=True, name="fk_parent")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    with op.batch_alter_table("person") as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_person_a"), ["a"])
    op.create_index(op.f("ix_person_b"), "person", ["b"])
    with op.get_context().autocommit_block():
        op.create_index("ix_person_a", "person", ["a"], postgresql_concurrently=True)


def downgrade():
    raise NotImplementedError("the moods cannot be taken back")
