"""Pay holds and compliance codes for accounting, over the API as JSON and CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from tests.integration.factories import engage, make_org, sign_in
from tests.integration.integrations.world import RECORD_END, a_gc, verified_engagements


async def test_holds_and_compliance_codes_for_accounting(
    db: AsyncSession, client: AsyncClient, session_factory: Any, settings: Settings
) -> None:
    gc = await a_gc(db)
    sub, (met, held) = await verified_engagements(db, session_factory, settings, gc, count=2)
    assert met.status == "compliant"
    other_gc = await make_org(db, "general_contractor")
    foreign = await engage(db, other_gc, sub)
    foreign.pay_hold = True
    await db.commit()

    headers = {"x-csrf-token": await sign_in(client, gc.emails["gc_admin"])}
    placed = await client.post(
        f"/api/v1/engagements/{held.id}/decisions",
        json={"kind": "pay_hold", "reason": "=HYPERLINK(lien waiver missing)"},
        headers=headers,
    )
    assert placed.status_code == 201, placed.text

    holds = (await client.get("/api/v1/accounting/holds")).json()
    assert [h["engagement_id"] for h in holds] == [str(held.id)]
    assert holds[0]["vendor"] == sub.organisation.legal_name
    assert holds[0]["reason"] == "=HYPERLINK(lien waiver missing)"
    assert holds[0]["hold_since"] and holds[0]["automatic"] is False
    assert holds[0]["evidence_link"].endswith(f"/engagements/{held.id}")

    exported = await client.get("/api/v1/accounting/holds.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 1 and rows[0]["subcontract"].endswith("/Drywall")
    assert rows[0]["reason"] == "'=HYPERLINK(lien waiver missing)"  # no formula in a sheet

    codes = (await client.get("/api/v1/accounting/compliance-codes")).json()
    mine = [c for c in codes if c["engagement_id"] == str(met.id)]
    assert {c["code"] for c in mine} >= {"GL", "AUTO", "WC"}
    assert all(c["verify"] == "Y" and c["complied"] == "Y" for c in mine)
    assert all(c["expiry"] == RECORD_END.isoformat() for c in mine)
    hold_rows = [c for c in codes if c["code"] == "HOLD"]
    assert [(c["engagement_id"], c["complied"]) for c in hold_rows] == [(str(held.id), "N")]
    assert str(foreign.id) not in {c["engagement_id"] for c in codes}
    sheet = await client.get("/api/v1/accounting/compliance-codes.csv")
    header = sheet.text.splitlines()[0]
    assert (
        header
        == "vendor,vendor_id,subcontract,engagement_id,code,description,expiry,verify,complied,"
        "procore_vendor_id,procore_commitment_id"
    )
    # Not connected to Procore: those two are empty.
    assert {(c["procore_vendor_id"], c["procore_commitment_id"]) for c in codes} == {("", "")}

    client.cookies.clear()
    await sign_in(client, sub.emails["sub_admin"])
    refused = await client.get("/api/v1/accounting/holds")
    assert refused.status_code == 403
