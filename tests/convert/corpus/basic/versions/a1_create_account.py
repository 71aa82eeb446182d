"""create account

Revision ID: a1
Revises:
Create Date: 2024-01-02 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1"
down_revision = None
branch_labels = None
depends_on = None

TABLE = "account"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("email", sa.String(120), nullable=True, comment="where we write"),
        sa.Column("balance", sa.Numeric(10, 2), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.current_timestamp()),
        sa.PrimaryKeyConstraint("id", name="pk_account"),
        sa.UniqueConstraint("email", name="uq_account_email"),
        sa.CheckConstraint("balance >= 0", name="ck_account_balance"),
        sa.Index("ix_account_name", "name"),
    )
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.Enum("open", "paid", name="invoice_status"), nullable=False),
        sa.Column("note", sa.Text()),
    )
    op.create_index("ix_invoice_account_id", "invoice", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_invoice_account_id", table_name="invoice")
    op.drop_table("invoice")
    op.drop_table(TABLE)
