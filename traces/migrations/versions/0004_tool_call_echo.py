"""tool_calls.echo: whether a program ran as a notebook cell (its final expression's value printed)

Rows written before this revision ran as plain scripts: echo false.

Revision ID: 0004_tool_call_echo
Revises: 0003_levels_derivations
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_tool_call_echo"
down_revision = "0003_levels_derivations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tool_calls") as batch:
        batch.add_column(sa.Column("echo", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("tool_calls") as batch:
        batch.drop_column("echo")
