"""Notifications, their outbox, users' contact addresses, subscriptions and the scan's marks.

Revision ID: 0007
Revises: 0005 (the lead re-chains at merge)
Created: 2026-12-02

Downgrade LOSES DATA: it drops ``notification``, ``outbox_message``, ``user_contact``,
``subscription`` and ``scan_mark`` with every row in them (subscriptions and contacts keep their
history in the audit trail; notifications and the outbox do not).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LOSES_DATA_ON_DOWNGRADE = (
    "删除表 notification、outbox_message、user_contact、subscription、scan_mark："
    "站内通知、待发送的短信和邮件、用户的联系方式和订阅都会丢失（订阅和联系方式的变更记录保留在审计记录中）"
)


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _user() -> sa.Column:
    return sa.Column(
        "user_id", sa.Integer(), sa.ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user(),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(400), server_default="", nullable=False),
        _created(),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_notification_user_unread", "notification", ["user_id", "read_at"])
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "notification_id",
            sa.Integer(),
            sa.ForeignKey("notification.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user(),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.String(200), nullable=True),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("status", sa.String(10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(400), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        sa.CheckConstraint("channel IN ('sms', 'email')", name="channel"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    )
    op.create_index(op.f("ix_outbox_message_notification_id"), "outbox_message", ["notification_id"])
    op.create_index("ix_outbox_message_status_next", "outbox_message", ["status", "next_attempt_at"])
    op.create_table(
        "user_contact",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user(),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        _created(),
        sa.CheckConstraint("channel IN ('sms', 'email')", name="channel"),
        sa.UniqueConstraint("user_id", "channel", name="uq_user_contact_user_channel"),
    )
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        _created(),
        sa.CheckConstraint("kind IN ('document', 'measure', 'achievement')", name="kind"),
        sa.UniqueConstraint("user_id", "kind", "target", name="uq_subscription_user_kind_target"),
    )
    op.create_index(op.f("ix_subscription_user_id"), "subscription", ["user_id"])
    op.create_table(
        "scan_mark",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scan_mark")
    op.drop_index(op.f("ix_subscription_user_id"), table_name="subscription")
    op.drop_table("subscription")
    op.drop_table("user_contact")
    op.drop_index("ix_outbox_message_status_next", table_name="outbox_message")
    op.drop_index(op.f("ix_outbox_message_notification_id"), table_name="outbox_message")
    op.drop_table("outbox_message")
    op.drop_index("ix_notification_user_unread", table_name="notification")
    op.drop_table("notification")
