"""People, their roles and log-in sessions; saved calculator cases and their versions.

Revision ID: 0003
Revises: 0002
Created: 2026-12-01

Downgrade LOSES DATA: it drops ``app_user``, ``role_assignment``, ``login_session``, ``saved_case``
and ``saved_case_version`` with every row in them (their history stays in the audit trail).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LOSES_DATA_ON_DOWNGRADE = (
    "删除表 app_user、role_assignment、login_session、saved_case、saved_case_version："
    "所有用户、角色、登录会话和保存的测算都会丢失（审计记录保留）"
)

ROLES = ("applicant", "reviewer", "finance", "auditor", "administrator", "service_officer")


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def _when(name: str, nullable: bool = False, now: bool = False) -> sa.Column:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=sa.func.now() if now else None,
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="RESTRICT"),
            nullable=True,
        ),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        _when("locked_until", nullable=True),
        _when("password_changed_at", nullable=True),
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        _when("created_at", now=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.UniqueConstraint("login"),
    )
    op.create_index(op.f("ix_app_user_organisation_id"), "app_user", ["organisation_id"])
    op.create_table(
        "role_assignment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("department", sa.String(100), server_default="", nullable=False),
        _when("created_at", now=True),
        sa.CheckConstraint(f"role IN {ROLES!r}", name="role"),
        sa.UniqueConstraint("user_id", "role", "department", name="uq_role_assignment_user_role_department"),
    )
    op.create_index(op.f("ix_role_assignment_user_id"), "role_assignment", ["user_id"])
    op.create_table(
        "login_session",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        _when("created_at"),
        _when("last_seen_at"),
        _when("expires_at"),
        sa.Column("source_ip", sa.String(64), nullable=True),
    )
    op.create_index(op.f("ix_login_session_user_id"), "login_session", ["user_id"])
    op.create_index(op.f("ix_login_session_expires_at"), "login_session", ["expires_at"])
    op.create_table(
        "saved_case",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "owner_id", sa.Integer(), sa.ForeignKey("app_user.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("latest", sa.Integer(), server_default="1", nullable=False),
        _when("created_at", now=True),
        _when("updated_at", now=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
    )
    op.create_index(op.f("ix_saved_case_organisation_id"), "saved_case", ["organisation_id"])
    op.create_table(
        "saved_case_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.String(16), sa.ForeignKey("saved_case.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("case", _json(), nullable=False),
        sa.Column("rules_version", sa.String(80), nullable=False),
        sa.Column("summary", _json(), nullable=False),
        _when("created_at", now=True),
        sa.Column(
            "created_by", sa.Integer(), sa.ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
        ),
        sa.UniqueConstraint("case_id", "n", name="uq_saved_case_version_case_id_n"),
    )
    op.create_index(op.f("ix_saved_case_version_case_id"), "saved_case_version", ["case_id"])


def downgrade() -> None:
    # LOSES DATA (see LOSES_DATA_ON_DOWNGRADE)
    op.drop_index(op.f("ix_saved_case_version_case_id"), table_name="saved_case_version")
    op.drop_table("saved_case_version")
    op.drop_index(op.f("ix_saved_case_organisation_id"), table_name="saved_case")
    op.drop_table("saved_case")
    op.drop_index(op.f("ix_login_session_expires_at"), table_name="login_session")
    op.drop_index(op.f("ix_login_session_user_id"), table_name="login_session")
    op.drop_table("login_session")
    op.drop_index(op.f("ix_role_assignment_user_id"), table_name="role_assignment")
    op.drop_table("role_assignment")
    op.drop_index(op.f("ix_app_user_organisation_id"), table_name="app_user")
    op.drop_table("app_user")
