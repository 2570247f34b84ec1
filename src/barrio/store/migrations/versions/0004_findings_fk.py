"""Recommendations link to diagnosis findings through a foreign key.

Revision 0001 created ``recommendation_findings`` before the diagnosis tables existed (0002), so
``finding_id`` was a plain integer. Links to findings that no longer exist are removed first (the
audit trail keeps the recommendation's history); SQLite copies the table (batch mode).

Revision ID: 0004_findings_fk
Revises: 0003_portal
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_findings_fk"
down_revision: str | None = "0003_portal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_recommendation_findings_finding_id_findings"


def upgrade() -> None:
    op.execute(
        "DELETE FROM recommendation_findings WHERE finding_id NOT IN (SELECT id FROM findings)"
    )
    with op.batch_alter_table("recommendation_findings") as batch:
        batch.create_foreign_key(FK, "findings", ["finding_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("recommendation_findings") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
