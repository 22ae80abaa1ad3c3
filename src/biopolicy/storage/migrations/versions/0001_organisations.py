"""Organisations and their products.

Revision ID: 0001
Revises:
Created: 2026-12-01

Downgrade LOSES DATA: it drops the tables ``organisation`` and ``product`` with every row in them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LOSES_DATA_ON_DOWNGRADE = "删除表 organisation 和 product：所有机构及其产品都会丢失"

KINDS = ("enterprise", "medical_institution", "platform", "association")


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("province", sa.String(40), nullable=True),
        sa.Column("city", sa.String(40), nullable=True),
        sa.Column("district", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        sa.UniqueConstraint("credit_code"),
    )
    op.create_index(op.f("ix_organisation_name"), "organisation", ["name"])
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("registration_class", sa.String(20), nullable=True),
    )
    op.create_index(op.f("ix_product_organisation_id"), "product", ["organisation_id"])


def downgrade() -> None:
    # LOSES DATA (see LOSES_DATA_ON_DOWNGRADE): every organisation and product is dropped.
    op.drop_index(op.f("ix_product_organisation_id"), table_name="product")
    op.drop_table("product")
    op.drop_index(op.f("ix_organisation_name"), table_name="organisation")
    op.drop_table("organisation")
