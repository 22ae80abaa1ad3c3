"""Fulfilment: evidence files, 公示 batches and objections, budgets, 免申即享 imports and proposals;
the application status "queued" (approved, waiting for budget).

Revision ID: 0006
Revises: 0005
Created: 2026-12-02

Downgrade LOSES DATA: it drops ``evidence``, ``notice_batch``, ``notice_item``, ``objection``,
``budget``, ``budget_line``, ``proactive_import``, ``proactive_record`` and ``proposal`` with every
row in them (their history stays in the audit trail; the evidence files stay on disk), and turns
queued applications back into approved ones.

The application status check gains "queued". PostgreSQL: the constraint is dropped and recreated.
SQLite cannot alter a CHECK constraint; the table is rebuilt the way SQLite documents
(lang_altertable.html, "making other kinds of table schema changes"; alembic's batch mode,
``storage.migration_helpers.rebuild_sqlite_table``) with foreign keys off, so the rows, indexes,
foreign keys and triggers stay and no foreign key action fires in the tables that refer to it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations
from sqlalchemy.dialects.postgresql import JSONB

from biopolicy.storage.migration_helpers import rebuild_sqlite_table

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LOSES_DATA_ON_DOWNGRADE = (
    "删除表 evidence、notice_batch、notice_item、objection、budget、budget_line、proactive_import、"
    "proactive_record、proposal：证明材料登记、公示批次与异议、预算及其占用排队、免申即享导入记录与建议都会丢失"
    "（审计记录保留，证明材料文件仍留在磁盘上）；预算排队中的申报改回“已核定”"
)

OLD_STATUSES = (
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
NEW_STATUSES = (
    "draft",
    "submitted",
    "in_review",
    "more_requested",
    "override_pending",
    "approved",
    "queued",
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


def _application(nullable: bool = False, ondelete: str = "RESTRICT") -> sa.Column:
    return sa.Column(
        "application_id", sa.Integer(), sa.ForeignKey("application.id", ondelete=ondelete), nullable=nullable
    )


def _status_check(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE application DROP CONSTRAINT ck_application_status")
        op.execute(f"ALTER TABLE application ADD CONSTRAINT ck_application_status CHECK (status IN {new!r})")
        return
    stored = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type='table' AND name='application'"
    ).scalar()
    if f"status IN {old!r}" not in stored:
        raise RuntimeError("application 表的状态约束与预期不符，未改动")

    def swap(batch: BatchOperations) -> None:
        batch.drop_constraint(op.f("ck_application_status"), type_="check")
        batch.create_check_constraint(op.f("ck_application_status"), f"status IN {new!r}")

    rebuild_sqlite_table("application", swap)


def upgrade() -> None:
    _status_check(OLD_STATUSES, NEW_STATUSES)
    op.create_table(
        "notice_batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("estimated", sa.Boolean(), server_default=sa.false(), nullable=False),
        _user("created_by"),
        _now("created_at"),
    )
    op.create_table(
        "notice_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "batch_id", sa.Integer(), sa.ForeignKey("notice_batch.id", ondelete="RESTRICT"), nullable=False
        ),
        _application(),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.UniqueConstraint("batch_id", "application_id", name="uq_notice_item_batch_application"),
    )
    op.create_index(op.f("ix_notice_item_batch_id"), "notice_item", ["batch_id"])
    op.create_index(op.f("ix_notice_item_application_id"), "notice_item", ["application_id"])
    op.create_table(
        "objection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "item_id", sa.Integer(), sa.ForeignKey("notice_item.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        _user("raised_by"),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _user("resolved_by"),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'upheld', 'dismissed')", name="status"),
    )
    op.create_index(op.f("ix_objection_item_id"), "objection", ["item_id"])
    op.create_index(op.f("ix_objection_application_id"), "objection", ["application_id"])
    op.create_table(
        "budget",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("measure_id", sa.String(120), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        _user("updated_by"),
        _now("updated_at"),
        sa.UniqueConstraint("measure_id", "fiscal_year", "level", name="uq_budget_measure_year_level"),
        sa.CheckConstraint(f"level IN {LEVELS!r}", name="level"),
        sa.CheckConstraint("amount >= 0", name="amount"),
    )
    op.create_table(
        "budget_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("budget_id", sa.Integer(), sa.ForeignKey("budget.id", ondelete="RESTRICT"), nullable=False),
        _application(),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('committed', 'queued', 'released')", name="state"),
        sa.CheckConstraint("amount >= 0", name="amount"),
    )
    op.create_index(op.f("ix_budget_line_budget_id"), "budget_line", ["budget_id"])
    op.create_index(op.f("ix_budget_line_application_id"), "budget_line", ["application_id"])
    op.create_table(
        "proactive_import",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _now("created_at"),
    )
    op.create_table(
        "proactive_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "import_id",
            sa.Integer(),
            sa.ForeignKey("proactive_import.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        _org(),
        sa.Column("record_type", sa.String(60), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("product", sa.String(200), server_default="", nullable=False),
        sa.Column("figures", _json(), nullable=False),
        sa.UniqueConstraint("row_hash"),
    )
    op.create_index(op.f("ix_proactive_record_import_id"), "proactive_record", ["import_id"])
    op.create_index(op.f("ix_proactive_record_credit_code"), "proactive_record", ["credit_code"])
    op.create_index(op.f("ix_proactive_record_organisation_id"), "proactive_record", ["organisation_id"])
    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "record_id",
            sa.Integer(),
            sa.ForeignKey("proactive_record.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        _org(),
        sa.Column("measure_id", sa.String(120), nullable=False),
        sa.Column("case", _json(), nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _application(nullable=True, ondelete="SET NULL"),
        _now("created_at"),
        sa.UniqueConstraint("record_id", "measure_id", name="uq_proposal_record_measure"),
        sa.CheckConstraint("status IN ('proposed', 'confirmed', 'corrected')", name="status"),
    )
    op.create_index(op.f("ix_proposal_record_id"), "proposal", ["record_id"])
    op.create_index(op.f("ix_proposal_organisation_id"), "proposal", ["organisation_id"])
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org(),
        _application(nullable=True),
        sa.Column("award_id", sa.Integer(), sa.ForeignKey("award.id", ondelete="RESTRICT"), nullable=True),
        sa.Column(
            "proposal_id", sa.Integer(), sa.ForeignKey("proposal.id", ondelete="RESTRICT"), nullable=True
        ),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        _user("uploaded_by"),
        _now("created_at"),
        sa.CheckConstraint("media_type IN ('application/pdf', 'image/png', 'image/jpeg')", name="media_type"),
        sa.CheckConstraint(
            "application_id IS NOT NULL OR award_id IS NOT NULL OR proposal_id IS NOT NULL", name="owner"
        ),
    )
    for column in ("organisation_id", "application_id", "award_id", "proposal_id"):
        op.create_index(op.f(f"ix_evidence_{column}"), "evidence", [column])


def downgrade() -> None:
    # LOSES DATA (see LOSES_DATA_ON_DOWNGRADE)
    for column in ("organisation_id", "application_id", "award_id", "proposal_id"):
        op.drop_index(op.f(f"ix_evidence_{column}"), table_name="evidence")
    op.drop_table("evidence")
    op.drop_index(op.f("ix_proposal_organisation_id"), table_name="proposal")
    op.drop_index(op.f("ix_proposal_record_id"), table_name="proposal")
    op.drop_table("proposal")
    op.drop_index(op.f("ix_proactive_record_organisation_id"), table_name="proactive_record")
    op.drop_index(op.f("ix_proactive_record_credit_code"), table_name="proactive_record")
    op.drop_index(op.f("ix_proactive_record_import_id"), table_name="proactive_record")
    op.drop_table("proactive_record")
    op.drop_table("proactive_import")
    op.drop_index(op.f("ix_budget_line_application_id"), table_name="budget_line")
    op.drop_index(op.f("ix_budget_line_budget_id"), table_name="budget_line")
    op.drop_table("budget_line")
    op.drop_table("budget")
    op.drop_index(op.f("ix_objection_application_id"), table_name="objection")
    op.drop_index(op.f("ix_objection_item_id"), table_name="objection")
    op.drop_table("objection")
    op.drop_index(op.f("ix_notice_item_application_id"), table_name="notice_item")
    op.drop_index(op.f("ix_notice_item_batch_id"), table_name="notice_item")
    op.drop_table("notice_item")
    op.drop_table("notice_batch")
    op.execute("UPDATE application SET status = 'approved' WHERE status = 'queued'")
    _status_check(NEW_STATUSES, OLD_STATUSES)
