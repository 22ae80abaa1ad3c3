"""Enterprise requests (诉求) with their messages and attachments; actual values of targets.

Revision ID: 0009
Revises: 0005 (the lead re-chains the migrations of parallel work at merge time)
Created: 2026-12-02

Downgrade LOSES DATA: it drops ``enterprise_request``, ``request_message``, ``request_attachment``
and ``target_actual`` with every row in them (their history stays in the audit trail; the attached
files stay in ``<data_dir>/requests/``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

LOSES_DATA_ON_DOWNGRADE = (
    "删除表 enterprise_request、request_message、request_attachment、target_actual："
    "企业诉求及其答复、附件记录和目标实际值都会丢失（审计记录保留）"
)


def _created(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)


def _request() -> sa.Column:
    return sa.Column(
        "request_id",
        sa.Integer(),
        sa.ForeignKey("enterprise_request.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "enterprise_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("respond_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("escalated_to", sa.String(100), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_note", sa.Text(), nullable=True),
        sa.Column("routing_version", sa.String(40), nullable=False),
        _user("created_by"),
        _created(),
        _created("updated_at"),
        sa.CheckConstraint("status IN ('open', 'answered', 'closed')", name="status"),
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
    )
    for col in ("organisation_id", "department", "status"):
        op.create_index(op.f(f"ix_enterprise_request_{col}"), "enterprise_request", [col])
    op.create_table(
        "request_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        _request(),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("department", sa.String(100), server_default="", nullable=False),
        _user("author_id"),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _created("at"),
        sa.CheckConstraint("kind IN ('answer', 'note', 'escalation', 'close', 'rating')", name="kind"),
    )
    op.create_index(op.f("ix_request_message_request_id"), "request_message", ["request_id"])
    op.create_table(
        "request_attachment",
        sa.Column("id", sa.Integer(), primary_key=True),
        _request(),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        _created(),
    )
    op.create_index(op.f("ix_request_attachment_request_id"), "request_attachment", ["request_id"])
    op.create_table(
        "target_actual",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("target_id", sa.String(120), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(20, 4), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        _user("entered_by"),
        _created(),
        sa.UniqueConstraint("target_id", "year", name="uq_target_actual_target_id_year"),
        sa.CheckConstraint("value >= 0", name="value"),
    )
    op.create_index(op.f("ix_target_actual_target_id"), "target_actual", ["target_id"])


def downgrade() -> None:
    # LOSES DATA (see LOSES_DATA_ON_DOWNGRADE)
    op.drop_index(op.f("ix_target_actual_target_id"), table_name="target_actual")
    op.drop_table("target_actual")
    op.drop_index(op.f("ix_request_attachment_request_id"), table_name="request_attachment")
    op.drop_table("request_attachment")
    op.drop_index(op.f("ix_request_message_request_id"), table_name="request_message")
    op.drop_table("request_message")
    for col in ("status", "department", "organisation_id"):
        op.drop_index(op.f(f"ix_enterprise_request_{col}"), table_name="enterprise_request")
    op.drop_table("enterprise_request")
