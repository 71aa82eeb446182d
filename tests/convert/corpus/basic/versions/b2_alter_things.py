"""alter things

Revision ID: b2
Revises: a1
Create Date: 2024-01-03 10:00:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2"
down_revision: str | None = "a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("account", sa.Column("nickname", sa.String(30), nullable=True))
    op.alter_column("account", "name", existing_type=sa.String(length=50), type_=sa.String(length=80),
                    existing_nullable=False)
    op.create_table("tag", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("account_id", sa.Integer(), nullable=True))
    op.create_foreign_key("fk_tag_account", "tag", "account", ["account_id"], ["id"], ondelete="SET NULL")
    op.create_unique_constraint("uq_tag_account", "tag", ["account_id"])
    op.create_check_constraint("ck_tag_id", "tag", sa.text("id > 0"))
    op.create_index("ix_account_lower_email", "account", [sa.text("lower(email)")])
    op.rename_table("tag", "label")
    op.create_table_comment("label", "labels of accounts")


def downgrade() -> None:
    op.drop_table_comment("label", existing_comment="labels of accounts")
    op.rename_table("label", "tag")
    op.drop_index("ix_account_lower_email", table_name="account")
    op.drop_constraint("ck_tag_id", "tag", type_="check")
    op.drop_constraint("uq_tag_account", "tag", type_="unique")
    op.drop_constraint("fk_tag_account", "tag", type_="foreignkey")
    op.drop_table("tag")
    op.alter_column("account", "name", existing_type=sa.String(length=80), type_=sa.String(length=50),
                    existing_nullable=False)
    op.drop_column("account", "nickname")
