"""Hospitals' duty records and profiles, catalogue versions and entries, the ethics-review registry.

Revision ID: 0008
Revises: 0005 (the lead re-chains the migrations of parallel work at merge time)
Created: 2026-12-02

Downgrade LOSES DATA: it drops ``hospital_profile``, ``duty_record``, ``catalogue_version``,
``catalogue_entry``, ``ethics_approval`` and ``ethics_recognition`` with every row in them (their
history stays in the audit trail; uploaded files stay under <data_dir>/records/).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LOSES_DATA_ON_DOWNGRADE = (
    "删除表 hospital_profile、duty_record、catalogue_version、catalogue_entry、ethics_approval、"
    "ethics_recognition：医疗机构档案、会议与接待日记录、目录版本与条目、伦理审查互认登记都会丢失"
    "（审计记录保留，已上传的文件留在 records 文件夹）"
)


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _org(name: str = "organisation_id", ondelete: str = "CASCADE", pk: bool = False) -> sa.Column:
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey("organisation.id", ondelete=ondelete),
        nullable=False,
        primary_key=pk,
        autoincrement=False if pk else "auto",
    )


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)


def upgrade() -> None:
    op.create_table(
        "hospital_profile",
        _org(pk=True),
        sa.Column("grade", sa.String(16), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=True),
        sa.Column("runs_trials", sa.Boolean(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "duty_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("file_name", sa.String(200), nullable=True),
        sa.Column("file_type", sa.String(40), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("file_sha256", sa.String(64), nullable=True),
        _user("created_by"),
        _created(),
        sa.UniqueConstraint("organisation_id", "kind", "held_on", name="uq_duty_record_org_kind_day"),
    )
    op.create_index(op.f("ix_duty_record_organisation_id"), "duty_record", ["organisation_id"])
    op.create_table(
        "catalogue_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("catalogue", sa.String(60), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        _user("created_by"),
        _created(),
        sa.UniqueConstraint("catalogue", "label", name="uq_catalogue_version_catalogue_label"),
    )
    op.create_index(op.f("ix_catalogue_version_catalogue"), "catalogue_version", ["catalogue"])
    op.create_table(
        "catalogue_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "version_id",
            sa.Integer(),
            sa.ForeignKey("catalogue_version.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "product_id", sa.Integer(), sa.ForeignKey("product.id", ondelete="RESTRICT"), nullable=True
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("note", sa.String(500), server_default="", nullable=False),
    )
    op.create_index(op.f("ix_catalogue_entry_version_id"), "catalogue_entry", ["version_id"])
    op.create_index(op.f("ix_catalogue_entry_product_id"), "catalogue_entry", ["product_id"])
    op.create_table(
        "ethics_approval",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org("lead_organisation_id", ondelete="RESTRICT"),
        sa.Column("project", sa.String(300), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(100), server_default="", nullable=False),
        _created(),
    )
    op.create_index(
        op.f("ix_ethics_approval_lead_organisation_id"), "ethics_approval", ["lead_organisation_id"]
    )
    op.create_table(
        "ethics_recognition",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "approval_id",
            sa.Integer(),
            sa.ForeignKey("ethics_approval.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _org(ondelete="RESTRICT"),
        sa.Column("recognised_on", sa.Date(), nullable=False),
        _created(),
        sa.UniqueConstraint("approval_id", "organisation_id", name="uq_ethics_recognition_approval_org"),
    )
    op.create_index(op.f("ix_ethics_recognition_approval_id"), "ethics_recognition", ["approval_id"])


def downgrade() -> None:
    # LOSES DATA (see LOSES_DATA_ON_DOWNGRADE)
    op.drop_index(op.f("ix_ethics_recognition_approval_id"), table_name="ethics_recognition")
    op.drop_table("ethics_recognition")
    op.drop_index(op.f("ix_ethics_approval_lead_organisation_id"), table_name="ethics_approval")
    op.drop_table("ethics_approval")
    op.drop_index(op.f("ix_catalogue_entry_product_id"), table_name="catalogue_entry")
    op.drop_index(op.f("ix_catalogue_entry_version_id"), table_name="catalogue_entry")
    op.drop_table("catalogue_entry")
    op.drop_index(op.f("ix_catalogue_version_catalogue"), table_name="catalogue_version")
    op.drop_table("catalogue_version")
    op.drop_index(op.f("ix_duty_record_organisation_id"), table_name="duty_record")
    op.drop_table("duty_record")
    op.drop_table("hospital_profile")
