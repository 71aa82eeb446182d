"""merge left and right

Revision ID: h4
Revises: h2, h3
Create Date: 2024-06-04 08:00:00

"""
revision = "h4"
down_revision = ("h2", "h3")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
