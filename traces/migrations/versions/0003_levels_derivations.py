"""verification levels and the vote's derivations

traces.level (gold | formal | consensus | unverified: after grading against a gold answer),
traces.agent_level (the agent's own, gold-free level) and traces.confidence;
verifications.independent and verifications.formal (which checks can raise a
level); llm_calls.batch and llm_calls.prompt (batched samples, named prompts);
the derivations table (every attempt the vote counted, with its equivalence
cluster).  Rows written before this revision: level 'unverified' unless they
were marked verified (then 'consensus', the meaning `verified` had).

Revision ID: 0003_levels_derivations
Revises: 0002_llm_call_cached
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_levels_derivations"
down_revision = "0002_llm_call_cached"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("traces") as batch:
        batch.add_column(sa.Column("level", sa.String(16), nullable=False, server_default="unverified"))
        batch.add_column(sa.Column("agent_level", sa.String(16), nullable=False, server_default="unverified"))
        batch.add_column(sa.Column("confidence", sa.Float, nullable=True))
        batch.create_index("ix_traces_level", ["level"])
    op.execute("UPDATE traces SET level = 'consensus', agent_level = 'consensus' WHERE verified")
    with op.batch_alter_table("verifications") as batch:
        batch.add_column(sa.Column("independent", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("formal", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("llm_calls") as batch:
        batch.add_column(sa.Column("batch", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("prompt", sa.String(64), nullable=False, server_default=""))
    op.create_table(
        "derivations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("trace_id", sa.String(32), sa.ForeignKey("traces.id", ondelete="CASCADE"), nullable=False),
        sa.Column("index", sa.Integer, nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("prompt", sa.String(64), nullable=False),
        sa.Column("answer", sa.Text, nullable=True),
        sa.Column("valid", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("cluster", sa.Integer, nullable=False),
        sa.Column("step_index", sa.Integer, nullable=False),
    )
    op.create_index("ix_derivations_trace_id", "derivations", ["trace_id"])


def downgrade() -> None:
    op.drop_index("ix_derivations_trace_id", table_name="derivations")
    op.drop_table("derivations")
    with op.batch_alter_table("llm_calls") as batch:
        batch.drop_column("prompt")
        batch.drop_column("batch")
    with op.batch_alter_table("verifications") as batch:
        batch.drop_column("formal")
        batch.drop_column("independent")
    with op.batch_alter_table("traces") as batch:
        batch.drop_index("ix_traces_level")
        batch.drop_column("confidence")
        batch.drop_column("agent_level")
        batch.drop_column("level")
