"""The GC's pages over the real app: the dashboard is scoped, filtered, sorted and exported;
projects are made from templates; sub invitations lead to an engagement with a verdict."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from arq.connections import ArqRedis
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Engagement,
    Notice,
    Project,
    ProjectTrade,
    RequirementSet,
    RequirementSetVersion,
    Verdict,
)
from backend.projects.verify_service import verify_engagement
from tests.integration.factories import engage, make_org, make_project, sign_in
from tests.integration.mailbox import mailed_link

HTML = {"accept": "text/html"}


async def test_dashboard_shows_only_the_gcs_own_engagements_and_filters_them(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    other_gc = await make_org(db, "general_contractor")
    red = await make_org(db, "subcontractor", name="Red Walls LLC")
    green = await make_org(db, "subcontractor", name="Green Tile LLC")
    hidden = await make_org(db, "subcontractor", name="Elsewhere Roofing LLC")
    late = await engage(db, gc, red)
    late.status, late.expires_on = "expired", date.today() - timedelta(days=2)
    fine = await engage(db, gc, green)
    fine.status, fine.expires_on = "compliant", date.today() + timedelta(days=200)
    await engage(db, other_gc, hidden)
    await db.flush()
    await sign_in(client, gc.emails["gc_contract_admin"])

    page = await client.get("/dashboard", headers=HTML)
    assert page.status_code == 200
    assert "Red Walls LLC" in page.text and "Green Tile LLC" in page.text
    assert "Elsewhere Roofing LLC" not in page.text
    assert page.text.index("Red Walls LLC") < page.text.index("Green Tile LLC")  # worst first

    only_red = await client.get("/dashboard?status=red", headers={**HTML, "hx-request": "true"})
    assert "Red Walls LLC" in only_red.text and "Green Tile LLC" not in only_red.text
    assert "<html" not in only_red.text  # an htmx fragment, not a page
    window = await client.get("/dashboard?window=30", headers=HTML)
    assert "Red Walls LLC" in window.text and "Green Tile LLC" not in window.text
    by_sub = await client.get("/dashboard?sort=sub&order=asc", headers=HTML)
    assert by_sub.text.index("Green Tile LLC") < by_sub.text.index("Red Walls LLC")
    bad = await client.get("/dashboard?status=purple", headers=HTML)
    assert bad.status_code == 422


async def test_csv_export_has_a_header_the_rows_and_a_conventional_name(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor", name="Harbor Point Builders LLC")
    sub = await make_org(db, "subcontractor", name="Apex Framing LLC")
    await engage(db, gc, sub)
    await sign_in(client, gc.emails["gc_admin"])
    response = await client.get("/dashboard.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        f"PORTFOLIO_HARBOR-POINT-BUILDERS-LLC_{date.today().isoformat()}.csv"
        in (response.headers["content-disposition"])
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:3] == ["project_number", "project_name", "subcontractor"]
    assert rows[0][-2:] == ["open_deficiencies", "last_decision"]
    assert [r[2] for r in rows[1:]] == ["Apex Framing LLC"]


async def test_a_sub_or_signed_out_visitor_cannot_open_the_dashboard(
    client: AsyncClient, db: AsyncSession
) -> None:
    anonymous = await client.get("/dashboard", headers=HTML)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    sub = await make_org(db, "subcontractor")
    await sign_in(client, sub.emails["sub_bookkeeper"])
    assert (await client.get("/dashboard", headers=HTML)).status_code == 403


async def _create_project_form(
    client: AsyncClient, csrf: str, number: str, **overrides: str
) -> object:
    data = {
        "_csrf": csrf,
        "number": number,
        "name": "Canal Street Offices",
        "state": "IN",
        "start_date": date.today().isoformat(),
        "end_date": (date.today() + timedelta(days=300)).isoformat(),
        "closeout_days": "30",
        "certificate_holder": "Harbor Point Builders LLC",
        "additional_insureds": "Harbor Point Builders LLC\nCanal Street Owner LLC",
        "trade_1": "Drywall",
        "set_1": "template:moderate",
        "trade_2": "Glazing",
        "set_2": "template:elevated",
        **overrides,
    }
    return await client.post("/projects", data=data)


async def test_project_from_templates_then_invite_and_accept_gives_a_verdict(
    client: AsyncClient, db: AsyncSession, redis: ArqRedis
) -> None:
    gc = await make_org(db, "general_contractor", name="Harbor Point Builders LLC")
    sub = await make_org(db, "subcontractor", name="Riverbend Drywall LLC")
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    created = await _create_project_form(client, csrf, "HP-900")
    assert created.status_code == 302  # type: ignore[attr-defined]
    project = (await db.execute(select(Project).where(Project.number == "HP-900"))).scalar_one()
    trades = (
        await db.execute(select(ProjectTrade.trade).where(ProjectTrade.project_id == project.id))
    ).scalars()
    assert sorted(trades) == ["Drywall", "Glazing"]
    assert project.additional_insureds == ["Harbor Point Builders LLC", "Canal Street Owner LLC"]

    page = await client.get(f"/projects/{project.id}", headers=HTML)
    assert "Moderate risk trades" in page.text and "Elevated risk trades" in page.text
    invited = await client.post(
        f"/projects/{project.id}/invitations",
        data={"_csrf": csrf, "email": sub.emails["sub_admin"], "trade": "Drywall"},
    )
    assert invited.status_code == 200 and "Invitation e-mailed" in invited.text
    assert "token=" not in invited.text  # the link goes to the sub's address only
    link = await mailed_link(redis, sub.emails["sub_admin"])

    client.cookies.clear()
    sub_csrf = await sign_in(client, sub.emails["sub_admin"])
    joined = await client.get(link, headers=HTML)
    assert joined.status_code == 200 and "Accept invitation to HP-900" in joined.text
    depends = await client.get("/depends", headers=HTML)
    invitation_id = re.search(r"/project-invitations/([0-9a-f-]+)/accept", depends.text)
    assert invitation_id and "HP-900" in depends.text
    accepted = await client.post(
        f"/project-invitations/{invitation_id.group(1)}/accept", data={"_csrf": sub_csrf}
    )
    assert accepted.status_code == 302
    engagement = (
        await db.execute(select(Engagement).where(Engagement.project_id == project.id))
    ).scalar_one()
    assert engagement.sub_org_id == sub.id and engagement.trade == "Drywall"
    pinned = await db.get(RequirementSetVersion, engagement.requirement_set_version_id)
    assert pinned is not None and pinned.body["tier"] == "moderate"
    verdicts = await db.scalar(select(func.count()).where(Verdict.engagement_id == engagement.id))
    assert verdicts == 1  # the empty record was judged at once
    checklists = (
        (
            await db.execute(
                select(Notice).where(
                    Notice.engagement_id == engagement.id, Notice.kind == "checklist"
                )
            )
        )
        .scalars()
        .all()
    )
    assert len(checklists) == 2  # the sub's admin and bookkeeper, the moment it joined
    checklist = checklists[0]
    assert checklist.link == f"/my/engagements/{engagement.id}"
    assert "Still needed:" in checklist.body and "requires:" in checklist.body
    again = await client.post(
        f"/project-invitations/{invitation_id.group(1)}/accept", data={"_csrf": sub_csrf}
    )
    assert again.status_code == 410


async def test_a_refused_project_form_keeps_the_values_and_writes_nothing(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    refused = await _create_project_form(client, csrf, "HP-901", state="ZZ")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "not a US state code" in refused.text  # type: ignore[attr-defined]
    assert 'value="HP-901"' in refused.text  # type: ignore[attr-defined]
    no_trade = await _create_project_form(client, csrf, "HP-902", trade_1="", trade_2="")
    assert no_trade.status_code == 422  # type: ignore[attr-defined]
    count = await db.scalar(
        select(func.count()).select_from(Project).where(Project.gc_org_id == gc.id)
    )
    assert count == 0


async def test_the_trade_rules_refuse_a_repeat_an_unknown_set_and_no_trade_writing_nothing(
    client: AsyncClient, db: AsyncSession
) -> None:
    """The trade rules (ProjectService.create_project_with_trades) answer the form with the
    row they refuse, and the project and any template copy made before it roll back."""
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    repeated = await _create_project_form(client, csrf, "HP-903", trade_2=" drywall ")
    assert repeated.status_code == 422  # type: ignore[attr-defined]
    assert "The trade &#39;drywall&#39; is listed twice." in repeated.text  # type: ignore[attr-defined]
    unchosen = await _create_project_form(client, csrf, "HP-904", set_2="not a set")
    assert unchosen.status_code == 422  # type: ignore[attr-defined]
    assert "Choose the requirements for the trade." in unchosen.text  # type: ignore[attr-defined]
    other_gc = await make_org(db, "general_contractor")
    other_set = await _create_project_form(
        client, csrf, "HP-905", set_1=str(other_gc.id), trade_2=""
    )
    assert other_set.status_code == 404  # type: ignore[attr-defined]
    assert "No such requirement set" in other_set.text  # type: ignore[attr-defined]
    no_trade = await _create_project_form(client, csrf, "HP-906", trade_1="", trade_2="")
    assert "Map at least one trade to its requirements." in no_trade.text  # type: ignore[attr-defined]
    projects = await db.scalar(
        select(func.count()).select_from(Project).where(Project.gc_org_id == gc.id)
    )
    sets = await db.scalar(
        select(func.count()).select_from(RequirementSet).where(RequirementSet.gc_org_id == gc.id)
    )
    assert (projects, sets) == (0, 0)


async def test_forms_without_the_csrf_token_are_refused(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    await sign_in(client, gc.emails["gc_admin"])
    refused = await _create_project_form(client, "forged", "HP-903")
    assert refused.status_code == 403  # type: ignore[attr-defined]


async def test_engagement_page_lists_checks_refuses_an_open_approval_and_holds_pay(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor", name="Short Limits LLC")
    project = await make_project(db, gc)
    engagement = await engage(db, gc, sub, project=project)
    await verify_engagement(db, engagement.id, None, date.today())
    csrf = await sign_in(client, gc.emails["gc_contract_admin"])
    page = await client.get(f"/engagements/{engagement.id}", headers=HTML)
    assert page.status_code == 200
    assert "Short Limits LLC" in page.text
    assert "needing attention or waived" in page.text and "passed checks" in page.text
    assert 'data-snapshot-kind="verdict"' in page.text
    refused = await client.post(
        f"/engagements/{engagement.id}/decisions", data={"_csrf": csrf, "kind": "approve"}
    )
    assert refused.status_code in (409, 422) and "Not saved" in refused.text
    held = await client.post(
        f"/engagements/{engagement.id}/decisions",
        data={"_csrf": csrf, "kind": "pay_hold", "reason": "No certificate on file"},
    )
    assert held.status_code == 302
    after = await client.get(f"/engagements/{engagement.id}", headers=HTML)
    assert "Pay hold placed" in after.text and 'data-snapshot-kind="pay_hold"' in after.text
