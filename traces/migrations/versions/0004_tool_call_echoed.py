"""tool_calls.echoed: the calculator printed a program's final expression (a notebook cell's echo)

Set when the program printed nothing and ended with an expression (Calculator.run(..., echo=True)).  Rows
written before this revision ran as plain scripts: echoed false.

Revision ID: 0004_tool_call_echoed
Revises: 0003_levels_derivations
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_tool_call_echoed"
down_revision = "0003_levels_derivations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tool_calls") as batch:
        batch.add_column(sa.Column("echoed", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("tool_calls") as batch:
        batch.drop_column("echoed")
