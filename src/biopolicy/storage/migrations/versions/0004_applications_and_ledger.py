"""兑现: applications, review actions, the award ledger, payments, idempotency keys, the 失信 list.

Revision ID: 0004
Revises: 0003
Created: 2026-12-02

Downgrade LOSES DATA: it drops ``application``, ``review_action``, ``award``, ``payment``,
``idempotency_key`` and ``credit_blacklist`` with every row in them (their history stays in the
audit trail).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LOSES_DATA_ON_DOWNGRADE = (
    "删除表 application、review_action、award、payment、idempotency_key、credit_blacklist："
    "所有申报、审核记录、奖励台账、支付记录和失信名单都会丢失（审计记录保留）"
)

STATUSES = (
    "draft",
    "submitted",
    "in_review",
    "more_requested",
    "override_pending",
    "approved",
    "public_notice",
    "paying",
    "paid",
    "rejected",
)
LEVELS = ("national", "province", "city", "district")
MONEY = sa.Numeric(16, 2)


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)


def _org() -> sa.Column:
    return sa.Column(
        "organisation_id", sa.Integer(), sa.ForeignKey("organisation.id", ondelete="RESTRICT"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org(),
        sa.Column(
            "case_id", sa.String(16), sa.ForeignKey("saved_case.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("case_version", sa.Integer(), nullable=True),
        sa.Column("measure_id", sa.String(120), nullable=False),
        sa.Column("event", _json(), nullable=False),
        sa.Column("event_key", sa.String(64), nullable=False),
        sa.Column("product_id", sa.String(100), nullable=True),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("department", sa.String(400), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("submitted_facts", _json(), nullable=True),
        sa.Column("verified_facts", _json(), nullable=True),
        sa.Column("credit_commitment", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("engine_amount", MONEY, nullable=True),
        sa.Column("approved_amount", MONEY, nullable=True),
        sa.Column("rules_version", sa.String(80), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        _user("created_by"),
        _user("override_by"),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        sa.UniqueConstraint(
            "organisation_id", "measure_id", "event_key", name="uq_application_org_measure_event"
        ),
    )
    op.create_index(op.f("ix_application_organisation_id"), "application", ["organisation_id"])
    op.create_index(op.f("ix_application_measure_id"), "application", ["measure_id"])
    op.create_index(op.f("ix_application_status"), "application", ["status"])
    op.create_table(
        "review_action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("application.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        _user("actor_id"),
        sa.Column("department", sa.String(100), server_default="", nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", _json(), nullable=True),
        _now("at"),
    )
    op.create_index(op.f("ix_review_action_application_id"), "review_action", ["application_id"])
    op.create_table(
        "award",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org(),
        sa.Column("product_id", sa.String(100), nullable=True),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("measure_id", sa.String(120), nullable=True),
        sa.Column("programme", sa.String(200), nullable=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("event_key", sa.String(64), nullable=True),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("application.id", ondelete="RESTRICT"),
            nullable=True,
        ),
        sa.Column("evidence", sa.Text(), nullable=True),
        _user("created_by"),
        _now("created_at"),
        sa.CheckConstraint(f"level IN {LEVELS!r}", name="level"),
        sa.CheckConstraint("measure_id IS NOT NULL OR programme IS NOT NULL", name="named"),
        sa.CheckConstraint("amount >= 0", name="amount"),
        sa.UniqueConstraint("application_id", name="uq_award_application_id"),
    )
    op.create_index(op.f("ix_award_organisation_id"), "award", ["organisation_id"])
    op.create_index(op.f("ix_award_event_key"), "award", ["event_key"])
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("application.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("instalment", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("receipt_no", sa.String(100), nullable=False),
        _user("paid_by"),
        _now("created_at"),
        sa.UniqueConstraint("application_id", "instalment", name="uq_payment_application_id_instalment"),
        sa.CheckConstraint("amount > 0", name="amount"),
    )
    op.create_index(op.f("ix_payment_application_id"), "payment", ["application_id"])
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("operation", sa.String(40), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("response", _json(), nullable=False),
        _now("created_at"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "credit_blacklist",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=True),
        _now("created_at"),
        sa.UniqueConstraint("credit_code"),
    )


def downgrade() -> None:
    # LOSES DATA (see LOSES_DATA_ON_DOWNGRADE)
    op.drop_table("credit_blacklist")
    op.drop_table("idempotency_key")
    op.drop_index(op.f("ix_payment_application_id"), table_name="payment")
    op.drop_table("payment")
    op.drop_index(op.f("ix_award_event_key"), table_name="award")
    op.drop_index(op.f("ix_award_organisation_id"), table_name="award")
    op.drop_table("award")
    op.drop_index(op.f("ix_review_action_application_id"), table_name="review_action")
    op.drop_table("review_action")
    op.drop_index(op.f("ix_application_status"), table_name="application")
    op.drop_index(op.f("ix_application_measure_id"), table_name="application")
    op.drop_index(op.f("ix_application_organisation_id"), table_name="application")
    op.drop_table("application")
