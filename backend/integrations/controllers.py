"""Accounting feeds over HTTP: pay holds and compliance codes, as JSON or CSV, per GC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.integrations import accounting
from backend.network.actor import Actor


def _csv(body: str, name: str) -> Response[str]:
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


class AccountingController(Controller):
    path = "/api/v1/accounting"

    @get("/holds")
    async def holds(
        self, actor: Actor, db: AsyncSession, settings: Settings
    ) -> list[dict[str, Any]]:
        """Pay holds in force for accounts payable: vendor, project, subcontract, since, why."""
        return [row.__dict__ for row in await accounting.holds(db, settings, actor)]

    @get("/holds.csv")
    async def holds_csv(self, actor: Actor, db: AsyncSession, settings: Settings) -> Response[str]:
        rows = await accounting.holds(db, settings, actor)
        return _csv(accounting.to_csv(accounting.HOLD_COLUMNS, rows), "pay-holds.csv")

    @get("/compliance-codes")
    async def codes(self, actor: Actor, db: AsyncSession) -> list[dict[str, Any]]:
        """Compliance codes per vendor and subcontract (code, description, expiry, verify)."""
        today = datetime.now(UTC).date()
        return [row.__dict__ for row in await accounting.compliance_codes(db, actor, today)]

    @get("/compliance-codes.csv")
    async def codes_csv(self, actor: Actor, db: AsyncSession) -> Response[str]:
        rows = await accounting.compliance_codes(db, actor, datetime.now(UTC).date())
        return _csv(accounting.to_csv(accounting.CODE_COLUMNS, rows), "compliance-codes.csv")
