"""llm_calls.cached: whether a call was served from the completion cache

Revision ID: 0002_llm_call_cached
Revises: 0001_initial
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_llm_call_cached"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("llm_calls") as batch:
        batch.add_column(sa.Column("cached", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("llm_calls") as batch:
        batch.drop_column("cached")
