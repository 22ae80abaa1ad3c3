"""The tables of notifications and subscriptions (migration 0007).

- ``Notification``: one message to one user, shown in the app (/notifications) until read.
- ``OutboxMessage``: the same message for one channel (sms / email), waiting for a sender: the
  address known for the user (``UserContact``), the payload, status (pending / sent / failed), how
  many attempts, when to try next. Written in the transaction that made the notification, so a
  sender never sends a message about a change that was rolled back.
- ``UserContact``: a user's mobile number or e-mail address, one per channel.
- ``Subscription``: a user follows a document, a measure or an achievement (an event type of
  policies/_catalogue/events.yaml).
- ``ScanMark``: what the subscription scan has seen (a rule's digest, a document known, a warning
  given): one row per key. The key is the primary key, so two workers scanning at once cannot both
  record, and so cannot both tell, the same thing.

Notifications and the outbox are not audited: they follow from audited changes (an application's
status) or from the policies; a subscription is audited (it is something a user chose).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from biopolicy.storage.models import Audited, Base, utcnow

CHANNELS = ("sms", "email")
OUTBOX_STATUSES = ("pending", "sent", "failed")
SUBSCRIPTION_KINDS = ("document", "measure", "achievement")


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # application_submitted, rule_changed, …
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(400), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    read_at: Mapped[dt.datetime | None] = mapped_column()


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        CheckConstraint(f"status IN {OUTBOX_STATUSES!r}", name="status"),
        Index("ix_outbox_message_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(200))  # None: the user has none for this channel
    payload: Mapped[dict[str, Any]] = mapped_column()  # title, body, link
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(400))
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class UserContact(Audited, Base):
    __tablename__ = "user_contact"
    __audit_entity__ = "user_contact"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        UniqueConstraint("user_id", "channel", name="uq_user_contact_user_channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class Subscription(Audited, Base):
    __tablename__ = "subscription"
    __audit_entity__ = "subscription"
    __table_args__ = (
        CheckConstraint(f"kind IN {SUBSCRIPTION_KINDS!r}", name="kind"),
        UniqueConstraint("user_id", "kind", "target", name="uq_subscription_user_kind_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(200))  # a document id, a measure id or an event type
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())


class ScanMark(Base):
    __tablename__ = "scan_mark"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
