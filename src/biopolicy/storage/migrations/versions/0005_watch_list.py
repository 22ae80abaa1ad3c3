"""The watch list: products on the 在研在审 list, milestones, service officers and their notes.

Revision ID: 0005
Revises: 0004
Created: 2026-12-02

Downgrade LOSES DATA: it drops ``watch_entry``, ``milestone``, ``service_assignment`` and
``service_note`` with every row in them (their history stays in the audit trail).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LOSES_DATA_ON_DOWNGRADE = (
    "删除表 watch_entry、milestone、service_assignment、service_note："
    "在研在审清单、产品里程碑、服务专员分配和服务记录都会丢失（审计记录保留）"
)


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _product() -> sa.Column:
    return sa.Column(
        "product_id", sa.Integer(), sa.ForeignKey("product.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "watch_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        _product(),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("key_enterprise", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("key_product", sa.Boolean(), server_default=sa.false(), nullable=False),
        _created(),
        sa.UniqueConstraint("product_id"),
    )
    op.create_index(op.f("ix_watch_entry_organisation_id"), "watch_entry", ["organisation_id"])
    op.create_table(
        "milestone",
        sa.Column("id", sa.Integer(), primary_key=True),
        _product(),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), server_default="", nullable=False),
        sa.Column("procedure", sa.String(60), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("clock_stops", _json(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        _created(),
    )
    op.create_index(op.f("ix_milestone_product_id"), "milestone", ["product_id"])
    op.create_index(op.f("ix_milestone_organisation_id"), "milestone", ["organisation_id"])
    op.create_table(
        "service_assignment",
        sa.Column("id", sa.Integer(), primary_key=True),
        _product(),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        _created(),
        sa.UniqueConstraint("product_id", "user_id", name="uq_service_assignment_product_user"),
    )
    op.create_index(op.f("ix_service_assignment_product_id"), "service_assignment", ["product_id"])
    op.create_index(op.f("ix_service_assignment_user_id"), "service_assignment", ["user_id"])
    op.create_table(
        "service_note",
        sa.Column("id", sa.Integer(), primary_key=True),
        _product(),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "author_id", sa.Integer(), sa.ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _created(),
    )
    op.create_index(op.f("ix_service_note_product_id"), "service_note", ["product_id"])


def downgrade() -> None:
    # LOSES DATA (see LOSES_DATA_ON_DOWNGRADE)
    op.drop_index(op.f("ix_service_note_product_id"), table_name="service_note")
    op.drop_table("service_note")
    op.drop_index(op.f("ix_service_assignment_user_id"), table_name="service_assignment")
    op.drop_index(op.f("ix_service_assignment_product_id"), table_name="service_assignment")
    op.drop_table("service_assignment")
    op.drop_index(op.f("ix_milestone_organisation_id"), table_name="milestone")
    op.drop_index(op.f("ix_milestone_product_id"), table_name="milestone")
    op.drop_table("milestone")
    op.drop_index(op.f("ix_watch_entry_organisation_id"), table_name="watch_entry")
    op.drop_table("watch_entry")
