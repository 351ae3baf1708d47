"""Issue 15's "Done when", walked as a GC would, against real processes only: the web app
(`coinet serve`) and a worker (`coinet worker`) on a database of their own, the local Procore
server (tests/procore_server) and a webhook receiver that verifies every delivery with the
standardwebhooks library. Nothing runs in the test's process but HTTP calls and the seeding
of the GC's sub and record.

The GC adds a webhook endpoint, connects Procore with a service account, confirms the vendor
the sub's EIN suggests, links its project and imports the project's two subcontracts with the
sub (which it engaged on the project by invitation before: that engagement becomes the first
contract, history kept; the second is a new engagement). Each contract is judged on its own
requirement set; its compliance shows on our project page and, line by line, in the local
Procore's insurance records, which agree with the accounting feed. A pay hold on one contract
reaches the accounting export and the receiver. Someone then edits our record in Procore:
Procore's webhook (a hint, with a body claiming anything) makes us read the record again and
write ours back. Every delivery verified."""

from __future__ import annotations

import asyncio
import csv
import io
import random
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import select

from backend.db.models import Engagement, ProjectTrade
from backend.records.store import make_store
from tests.integration.factories import make_org, make_project, make_requirement_version
from tests.integration.fanout.helpers import confirm, engage_on_project, initial_change
from tests.integration.fanout.test_fanout import ready_sub
from tests.integration.integrations.conftest import ProcoreServer, Receiver
from tests.integration.integrations.world import RECORD_START
from tests.integration.reads.live import live_stack

COMPANY = 5150
PROCORE_PROJECT = 7301
SUB_VENDOR, OTHER_VENDOR = 801, 802
CLIENT_ID, CLIENT_SECRET = "svc-done-when", "secret-of-the-done-when-walk"
# How long the worker may take for a step (relay cron, Procore gathering, retries) on the
# shared two-core machine; a step that needs more has failed.
STEP_SECONDS = 180
POLL_SECONDS = 0.5
# Our contract status -> the word the project page's badge shows for it.
BADGE = {
    "compliant": "Compliant",
    "expiring": "Expiring",
    "non_compliant": "Non-compliant",
    "expired": "Expired",
    "pending": "Pending review",
    "incomplete": "Incomplete",
}


async def _until(what: str, probe: Callable[[], Any], seconds: float = STEP_SECONDS) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = await probe()
        if found:
            return found
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"never happened: {what}")


def _commitment(commitment_id: int, number: str, title: str) -> dict[str, Any]:
    return {
        "id": commitment_id,
        "project_id": PROCORE_PROJECT,
        "number": number,
        "title": title,
        "status": "Approved",
        "vendor": {"id": SUB_VENDOR, "name": "KEI"},
        "contract_start_date": None,
        "contract_estimated_completion_date": None,
    }


def _records_of(procore: ProcoreServer, engagement_id: str) -> list[dict[str, Any]]:
    return [
        r
        for r in procore.stats()["insurances"]
        if str(r.get("origin_id", "")).startswith(f"coinet:{engagement_id}:")
    ]


async def test_a_gc_connects_procore_imports_contracts_and_every_party_hears(
    tmp_path: Path, procore: ProcoreServer, receiver: Receiver
) -> None:
    extra_env = {
        "PROCORE_API_URL": procore.base,
        "PROCORE_LOGIN_URL": procore.base,
        "WEBHOOKS_ALLOW_PRIVATE": "1",  # the receiver listens on this machine
        "INTEGRATIONS_KEY": Fernet.generate_key().decode(),
    }
    async with live_stack(tmp_path, extra_env=extra_env) as stack:
        # The world before the GC acts: a sub with a confirmed record and an EIN given at
        # sign-up, a project with two trades held to different requirement sets.
        ein = f"{random.randrange(10**8, 10**9)}"
        async with stack.factory() as db, db.begin():
            gc = await make_org(db, "general_contractor")
            sub = await ready_sub(db, gc)
            sub.organisation.tax_id = ein
            project = await make_project(db, gc)
            for trade, tier in (("Drywall", "moderate"), ("Concrete", "high")):
                version = await make_requirement_version(db, gc, tier)
                db.add(
                    ProjectTrade(
                        id=uuid.uuid4(),
                        project_id=project.id,
                        trade=trade,
                        requirement_set_id=version.requirement_set_id,
                    )
                )
            # The sub joined the project by invitation before the GC used Procore: that
            # engagement becomes its first contract when the subcontracts are imported.
            invited = await engage_on_project(db, gc, sub, project=project)
            await confirm(db, make_store(stack.settings), sub, initial_change(RECORD_START))

        async def judged() -> bool:
            """The worker's fan-out of the sub's record has judged the invited engagement."""
            async with stack.factory() as db:
                status = await db.scalar(
                    select(Engagement.status).where(Engagement.id == invited.id)
                )
            return status != "pending"

        await _until("the invited engagement judged by the worker", judged)
        procore.control(
            "seed",
            {
                "clients": {CLIENT_ID: CLIENT_SECRET},
                "companies": [
                    {
                        "id": COMPANY,
                        "vendors": [
                            # Procore knows the sub by a trade name, and by its EIN.
                            {"id": SUB_VENDOR, "name": "KEI", "tax_id": f"{ein[:2]}-{ein[2:]}"},
                            {"id": OTHER_VENDOR, "name": "Stranger Supply Co"},
                        ],
                        "projects": [PROCORE_PROJECT],
                    }
                ],
                "work_order_contracts": [
                    _commitment(31, "SC-100", "Drywall partitions, levels 1-4"),
                    _commitment(32, "SC-200", "Concrete slab on grade"),
                ],
            },
        )

        async with stack.signed_in(gc.emails["gc_admin"]) as (http, csrf):
            headers = {"x-csrf-token": csrf}
            api = "/api/v1/integrations/procore"

            # A webhook endpoint for every event; the receiver holds its secret.
            endpoint = await http.post(
                "/api/v1/webhooks/endpoints", json={"url": receiver.url("/coi")}, headers=headers
            )
            assert endpoint.status_code == 201, endpoint.text
            receiver.secrets(endpoint.json()["secret"])

            # Connect Procore, map the vendor (suggested by the EIN) and the project.
            connected = await http.put(
                f"{api}/connection",
                json={
                    "company_id": COMPANY,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                },
                headers=headers,
            )
            assert connected.status_code == 200, connected.text
            hook_url = connected.json()["webhook_url"]
            hook_authorization = connected.json()["webhook_authorization"]
            refreshed = await http.post(f"{api}/vendors/refresh", headers=headers)
            assert refreshed.json() == {"vendors": 2, "not_looked_up": 0}, refreshed.text
            vendors = {v["procore_vendor_id"]: v for v in (await http.get(f"{api}/vendors")).json()}
            assert vendors[SUB_VENDOR]["state"] == "suggested"
            assert vendors[SUB_VENDOR]["sub_org_id"] == str(sub.id)
            assert vendors[SUB_VENDOR]["match_reason"] == "tax id"
            assert vendors[OTHER_VENDOR]["state"] == "unmatched"
            confirmed = await http.post(f"{api}/vendors/{SUB_VENDOR}/confirm", headers=headers)
            assert confirmed.json()["state"] == "confirmed", confirmed.text
            linked = await http.post(
                f"{api}/projects",
                json={"project_id": str(project.id), "procore_project_id": PROCORE_PROJECT},
                headers=headers,
            )
            assert linked.status_code == 201, linked.text

            # Import the project's subcontracts: one engagement per contract.
            imported = await http.post(
                f"{api}/commitments/import", json={"project_id": str(project.id)}, headers=headers
            )
            assert imported.status_code == 200, imported.text
            report = imported.json()
            assert (report["attached"], report["created"]) == (1, 1), imported.text
            listed = await http.get("/api/v1/engagements", params={"project_id": str(project.id)})
            contracts = {row["contract_ref"]: row for row in listed.json()["data"]}
            assert set(contracts) == {"SC-100", "SC-200"}
            assert {row["sub_org_id"] for row in contracts.values()} == {str(sub.id)}
            assert contracts["SC-100"]["id"] == str(invited.id)
            assert all(row["status"] != "pending" for row in contracts.values())

            # Each contract's compliance on our project page ...
            page = await http.get(f"/projects/{project.id}", headers={"accept": "text/html"})
            for ref, row in contracts.items():
                shown = re.search(
                    rf'href="/engagements/{row["id"]}".*?</tr>', page.text, flags=re.DOTALL
                )
                assert shown is not None, ref
                assert ref in shown.group(0) and BADGE[row["status"]] in shown.group(0), ref

            # ... and in Procore, one record per contract and coverage line, written by the
            # worker from the status change events, agreeing with the accounting feed.
            codes = (await http.get("/api/v1/accounting/compliance-codes")).json()
            for ref, row in contracts.items():
                lines = [
                    c for c in codes if c["engagement_id"] == row["id"] and c["code"] != "HOLD"
                ]
                assert lines, ref

                async def written(row: dict[str, Any] = row, count: int = len(lines)) -> bool:
                    return len(_records_of(procore, row["id"])) == count

                await _until(f"{ref}'s lines in Procore", written)
                records = _records_of(procore, row["id"])
                assert all(r["vendor_id"] == SUB_VENDOR for r in records), ref
                assert all(r["origin_data"].endswith(f"/engagements/{row['id']}") for r in records)
                assert all(ref in r["notes"] for r in records), ref
                # The feed describes a line as "<label> insurance, policy <number> (<state>)".
                met = {
                    c["description"].split(" insurance")[0] for c in lines if c["complied"] == "Y"
                }
                in_procore = {r["insurance_type"] for r in records if r["status"] == "compliant"}
                assert in_procore == met, (ref, in_procore, met)
                if row["status"] == "compliant":
                    assert {r["status"] for r in records} == {"compliant"}, ref

            # A pay hold on one contract: accounting sees it, the receiver hears it.
            held_ref = "SC-200"
            held = await http.post(
                f"/api/v1/engagements/{contracts[held_ref]['id']}/decisions",
                json={"kind": "pay_hold", "reason": "Umbrella certificate outstanding"},
                headers=headers,
            )
            assert held.status_code == 201, held.text
            sheet = await http.get("/api/v1/accounting/holds.csv")
            rows = list(csv.DictReader(io.StringIO(sheet.text)))
            assert [(r["engagement_id"], r["reason"]) for r in rows] == [
                (contracts[held_ref]["id"], "Umbrella certificate outstanding")
            ]
            assert (
                rows[0]["subcontract"].startswith(f"{project.number}/")
                and held_ref in (rows[0]["subcontract"])
            )
            assert rows[0]["vendor"] == sub.organisation.legal_name
            # The same vendor and contract as Procore (and the ERP it syncs with) name them.
            assert (rows[0]["procore_vendor_id"], rows[0]["procore_commitment_id"]) == (
                str(SUB_VENDOR),
                "32",
            )
            hold_codes = [
                c
                for c in (await http.get("/api/v1/accounting/compliance-codes")).json()
                if c["code"] == "HOLD"
            ]
            assert [c["engagement_id"] for c in hold_codes] == [contracts[held_ref]["id"]]

            async def hold_heard() -> bool:
                return any(
                    e["body"]["type"] == "hold.placed"
                    and e["body"]["data"]["engagement_id"] == contracts[held_ref]["id"]
                    for e in receiver.log()
                )

            await _until("hold.placed at the receiver", hold_heard)

            # Someone edits one of our records in Procore; Procore's webhook is only a hint
            # (its body claims nothing we use): we read the record again and write ours back.
            drifted = next(r for r in _records_of(procore, contracts["SC-100"]["id"]) if r["limit"])
            async with httpx.AsyncClient(base_url=procore.base) as outside:
                token = (
                    await outside.post(
                        "/oauth/token",
                        data={
                            "grant_type": "client_credentials",
                            "client_id": CLIENT_ID,
                            "client_secret": CLIENT_SECRET,
                        },
                    )
                ).json()["access_token"]
                edited = await outside.patch(
                    f"/rest/v1.0/companies/{COMPANY}/vendors/{SUB_VENDOR}/insurances/{drifted['id']}",
                    json={"insurance": {"limit": "1.00", "status": "non_compliant"}},
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Procore-Company-Id": str(COMPANY),
                    },
                )
                assert edited.status_code == 200, edited.text
            hint = {
                "api_version": "v2",
                "company_id": COMPANY,
                "project_id": PROCORE_PROJECT,
                "event_type": "update",
                "resource_name": "Insurances",
                "resource_id": drifted["id"],
                "id": 1,
                "metadata": {"status": "non_compliant", "limit": "1.00"},
            }
            async with httpx.AsyncClient() as procore_side:
                forged = await procore_side.post(
                    hook_url, json=hint, headers={"authorization": "Bearer not-the-value"}
                )
                assert forged.status_code == 401, forged.text
                sent = await procore_side.post(
                    hook_url, json=hint, headers={"authorization": hook_authorization}
                )
                assert sent.status_code == 202, sent.text

            async def repaired() -> bool:
                now = next(
                    r
                    for r in _records_of(procore, contracts["SC-100"]["id"])
                    if r["id"] == drifted["id"]
                )
                return bool(now["limit"] == drifted["limit"] and now["status"] == drifted["status"])

            await _until("the edited Procore record written back", repaired)

            # Every delivery the receiver got was verified, and our log says each succeeded.
            log = receiver.log()
            assert log and all(e["verified_with"] == [0] and e["answered"] == 204 for e in log)
            heard = {e["body"]["type"] for e in log}
            assert {"engagement.status_changed", "decision.made", "hold.placed"} <= heard
            deliveries = (
                await http.get("/api/v1/webhooks/deliveries", params={"limit": 200})
            ).json()
            assert deliveries["data"] and all(
                d["state"] == "succeeded" for d in deliveries["data"]
            ), deliveries
            assert len({d["message_id"] for d in deliveries["data"]}) == len(log)
