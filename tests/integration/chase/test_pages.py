"""The GC's reminder schedule page: defaults shown, a valid schedule saved, a bad one refused
with a message naming the field and nothing changed; only the GC's writers may change it."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.chase.schedule import SCHEDULE_SETTING, schedule_of
from tests.integration.factories import make_org, sign_in

HTML = {"accept": "text/html"}


async def test_a_gc_sets_its_reminder_schedule_and_bad_values_change_nothing(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    page = await client.get("/settings/reminders", headers=HTML)
    assert page.status_code == 200
    assert 'value="30, 14, 7, 1"' in page.text
    assert 'value="3"' in page.text

    saved = await client.post(
        "/settings/reminders",
        data={
            "_csrf": csrf,
            "before_days": "21; 7 , 2",
            "every_days": "5",
            "escalate_after": "4",
            "enabled": "on",
        },
    )
    assert saved.status_code in (302, 303)
    await db.refresh(gc.organisation)
    schedule = schedule_of(gc.organisation.settings)
    assert (schedule.before_days, schedule.every_days, schedule.escalate_after) == (
        (21, 7, 2),
        5,
        4,
    )
    assert schedule.enabled

    bad = [
        ({"before_days": "", "every_days": "3", "escalate_after": "3"}, "at least one day"),
        ({"before_days": "30, soon", "every_days": "3", "escalate_after": "3"}, "whole number"),
        ({"before_days": "400", "every_days": "3", "escalate_after": "3"}, "from 1 to 365"),
        ({"before_days": "0", "every_days": "3", "escalate_after": "3"}, "from 1 to 365"),
        ({"before_days": "30", "every_days": "0", "escalate_after": "3"}, "from 1 to 90"),
        ({"before_days": "30", "every_days": "-3", "escalate_after": "3"}, "whole number"),
        ({"before_days": "30", "every_days": "3", "escalate_after": "99"}, "from 1 to 20"),
        ({"before_days": "30", "every_days": "9" * 40, "escalate_after": "3"}, "whole number"),
        (
            {
                "before_days": ",".join(str(d) for d in range(1, 20)),
                "every_days": "3",
                "escalate_after": "3",
            },
            "At most 12",
        ),
    ]
    for fields, message in bad:
        response = await client.post(
            "/settings/reminders", data={"_csrf": csrf, **fields}, headers=HTML
        )
        assert response.status_code == 422, (fields, response.status_code)
        assert message in response.text, (fields, response.text[:500])
        await db.refresh(gc.organisation)
        assert gc.organisation.settings[SCHEDULE_SETTING]["every_days"] == 5

    # Turned off, it is kept off.
    await client.post(
        "/settings/reminders",
        data={"_csrf": csrf, "before_days": "30", "every_days": "3", "escalate_after": "3"},
    )
    await db.refresh(gc.organisation)
    assert not schedule_of(gc.organisation.settings).enabled


async def test_only_a_gcs_writers_change_the_schedule(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    form = {"before_days": "5", "every_days": "1", "escalate_after": "1", "enabled": "on"}
    for email, status in ((gc.emails["gc_viewer"], 403), (sub.emails["sub_admin"], 403)):
        client.cookies.clear()
        csrf = await sign_in(client, email)
        response = await client.post(
            "/settings/reminders", data={"_csrf": csrf, **form}, headers=HTML
        )
        assert response.status_code == status
    # Without the form's token, not even the GC's admin.
    client.cookies.clear()
    await sign_in(client, gc.emails["gc_admin"])
    forged = await client.post("/settings/reminders", data=form, headers=HTML)
    assert forged.status_code == 403
    await db.refresh(gc.organisation)
    assert SCHEDULE_SETTING not in (gc.organisation.settings or {})


async def test_the_reminders_sent_show_to_whoever_sees_the_engagement(
    client: AsyncClient, db: AsyncSession
) -> None:
    from datetime import date

    from backend.chase.reminders import run_reminders
    from backend.projects.verify_service import verify_engagement
    from tests.integration.fanout.helpers import engage_on_project

    gc = await make_org(db, "general_contractor")
    sub = await make_org(db, "subcontractor")
    stranger = await make_org(db, "general_contractor")
    engagement = await engage_on_project(db, gc, sub)
    await verify_engagement(db, engagement.id, None, date.today())
    path = f"/engagements/{engagement.id}/reminders"
    await sign_in(client, gc.emails["gc_viewer"])
    empty = await client.get(path, headers={**HTML, "hx-request": "true"})
    assert 'id="no-reminders"' in empty.text
    assert (await run_reminders(db, date.today(), "http://coinet.test")).engagements == 1
    for email in (gc.emails["gc_viewer"], sub.emails["sub_bookkeeper"]):
        client.cookies.clear()
        await sign_in(client, email)
        box = await client.get(path, headers={**HTML, "hx-request": "true"})
        assert box.status_code == 200
        assert "open deficiency" in box.text and "<html" not in box.text
        assert date.today().isoformat() in box.text
    client.cookies.clear()
    await sign_in(client, stranger.emails["gc_admin"])
    assert (await client.get(path, headers=HTML)).status_code == 404
