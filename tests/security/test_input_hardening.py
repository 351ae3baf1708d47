"""Hostile values in any part of a request (NUL bytes, over-long strings, integers past what
the record or a JSON reader can hold) get a 422 naming the field, on the API and on the forms,
and nothing is written. Each case here once gave a 500 or was accepted and broke the fan-out."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import rfc8785
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import ApiToken, Invitation, PolicyTerm, Project, RecordRevision
from backend.web_security.bounds import MAX_EXACT_INT, MAX_POLICY_LIMIT_DOLLARS
from tests.integration.factories import make_org, sign_in, term_payload

PROJECT: dict[str, Any] = {
    "number": "H-1",
    "name": "Hardening",
    "state": "IN",
    "start_date": "2027-01-01",
    "end_date": "2027-12-31",
    "certificate_holder": "Holder LLC",
}


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert field in error["message"], error
    assert error.get("field", "").endswith(field) or field in error["message"]


async def _count(db: AsyncSession, model: Any, *where: Any) -> int:
    query = select(func.count()).select_from(model).where(*where)
    return int((await db.execute(query)).scalar_one())


async def test_nul_byte_in_api_token_name(client: AsyncClient, db: AsyncSession) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    response = await client.post(
        "/api/v1/tokens", json={"name": "ci\x00token"}, headers={"x-csrf-token": csrf}
    )
    _refused(response, "name")
    assert "NUL" in response.json()["error"]["message"]
    assert await _count(db, ApiToken, ApiToken.organisation_id == sub.id) == 0


@pytest.mark.parametrize("field", ["number", "name", "certificate_holder"])
async def test_nul_byte_in_project(client: AsyncClient, db: AsyncSession, field: str) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    body = {**PROJECT, field: "A\x00B"}
    response = await client.post("/api/v1/projects", json=body, headers={"x-csrf-token": csrf})
    _refused(response, field)
    assert await _count(db, Project, Project.gc_org_id == gc.id) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"summary": "renewed\x00"}, "summary"),
        ({"terms": [term_payload(policy_number="GL\x00-1")]}, "terms[0].policy_number"),
        ({"terms": [term_payload(limits={"each\x00occurrence": 1})]}, "terms[0].limits"),
    ],
)
async def test_nul_byte_in_revision(
    client: AsyncClient, db: AsyncSession, change: dict[str, Any], field: str
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    body = {"kind": "renewal", "terms": [term_payload()], **change}
    response = await client.post(
        f"/api/v1/subs/{sub.id}/revisions", json=body, headers={"x-csrf-token": csrf}
    )
    _refused(response, field)
    assert await _count(db, RecordRevision, RecordRevision.sub_org_id == sub.id) == 0


async def test_nul_byte_in_broker_invitation(client: AsyncClient, db: AsyncSession) -> None:
    sub = await make_org(db, "subcontractor")
    broker = await make_org(db, "broker")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    response = await client.post(
        "/api/v1/broker-invitations",
        json={"email": "agent\x00@example.test", "broker_org_id": str(broker.id)},
        headers={"x-csrf-token": csrf},
    )
    _refused(response, "email")
    assert await _count(db, Invitation, Invitation.email.like("agent%")) == 0


async def test_over_long_policy_number_names_the_field(
    client: AsyncClient, db: AsyncSession
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    response = await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "renewal", "terms": [term_payload(policy_number="P" * 500)]},
        headers={"x-csrf-token": csrf},
    )
    _refused(response, "policy_number")
    assert await _count(db, PolicyTerm, PolicyTerm.sub_org_id == sub.id) == 0


async def test_over_long_text_anywhere_is_refused(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    response = await client.post(
        "/api/v1/projects",
        json={**PROJECT, "additional_insureds": ["x" * 30_000]},
        headers={"x-csrf-token": csrf},
    )
    _refused(response, "additional_insureds[0]")


@pytest.mark.parametrize(
    "reference", ["99999999999999999999", str(2**63), str(2**53), "%C2%B2", "%D9%A1%D9%A2"]
)
async def test_snapshot_reference_out_of_range(
    client: AsyncClient, db: AsyncSession, reference: str
) -> None:
    gc = await make_org(db, "general_contractor")
    await sign_in(client, gc.emails["gc_admin"])
    response = await client.get(f"/api/v1/audit/snapshots/{reference}/bundle")
    _refused(response, "reference")


async def test_snapshot_reference_with_nul_byte(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    await sign_in(client, gc.emails["gc_admin"])
    response = await client.get("/api/v1/audit/snapshots/12%0034/bundle")
    _refused(response, "reference")


@pytest.mark.parametrize("amount", [2**53 + 1, 2**63, 2**70, MAX_POLICY_LIMIT_DOLLARS + 1])
async def test_policy_limit_beyond_the_maximum(
    client: AsyncClient, db: AsyncSession, amount: int
) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    response = await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "renewal", "terms": [term_payload(limits={"each_occurrence": amount})]},
        headers={"x-csrf-token": csrf},
    )
    _refused(response, "each_occurrence")
    assert await _count(db, PolicyTerm, PolicyTerm.sub_org_id == sub.id) == 0


async def test_largest_accepted_limit_can_be_signed(client: AsyncClient, db: AsyncSession) -> None:
    """The largest limit the API takes is one the canonical JSON of a signed snapshot can
    write, so accepting it cannot break the fan-out that signs the sub's snapshots."""
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    limits = {"each_occurrence": MAX_POLICY_LIMIT_DOLLARS, "general_aggregate": 2}
    response = await client.post(
        f"/api/v1/subs/{sub.id}/revisions",
        json={"kind": "renewal", "terms": [term_payload(limits=limits)]},
        headers={"x-csrf-token": csrf},
    )
    assert response.status_code == 201, response.text
    record = (await client.get(f"/api/v1/subs/{sub.id}/record")).json()
    assert record["terms"][0]["limits"]["each_occurrence"] == MAX_POLICY_LIMIT_DOLLARS
    assert rfc8785.dumps(record)  # raises IntegerDomainError past 2**53
    with pytest.raises(rfc8785.IntegerDomainError):
        rfc8785.dumps({"limit": MAX_EXACT_INT + 2})


async def test_out_of_range_integer_path_parameter(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    await sign_in(client, gc.emails["gc_admin"])
    response = await client.get(
        f"/engagements/{uuid.uuid4()}/evidence/99999999999999999999999",
        headers={"accept": "application/json"},
    )
    _refused(response, "index")


async def test_out_of_range_day_count_in_json(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    response = await client.post(
        "/api/v1/projects",
        json={**PROJECT, "closeout_days": 2**40},
        headers={"x-csrf-token": csrf},
    )
    _refused(response, "closeout_days")


async def test_nul_byte_in_query_parameter(client: AsyncClient, db: AsyncSession) -> None:
    gc = await make_org(db, "general_contractor")
    await sign_in(client, gc.emails["gc_admin"])
    response = await client.get("/api/v1/engagements", params={"status": "ok\x00"})
    _refused(response, "status")


CSRF_INPUT = re.compile(r'name="_csrf" value="([^"]+)"')


async def test_nul_byte_in_sign_in_form(client: AsyncClient, db: AsyncSession) -> None:
    sub = await make_org(db, "subcontractor")
    page = await client.get("/login")
    token = CSRF_INPUT.search(page.text)
    assert token is not None
    response = await client.post(
        "/login",
        data={"_csrf": token.group(1), "email": sub.emails["sub_admin"] + "\x00", "password": "x"},
        headers={"accept": "application/json"},
    )
    _refused(response, "email")


async def test_web_project_form_refuses_nul_and_huge_numbers(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    form = {**PROJECT, "_csrf": csrf, "closeout_days": "30"}
    nul = await client.post("/projects", data={**form, "name": "N\x00"})
    assert nul.status_code == 422 and "NUL" in nul.text
    huge = await client.post("/projects", data={**form, "closeout_days": "9" * 30})
    assert huge.status_code == 422
    assert await _count(db, Project, Project.gc_org_id == gc.id) == 0


async def test_nul_byte_in_upload_file_name(client: AsyncClient, db: AsyncSession) -> None:
    sub = await make_org(db, "subcontractor")
    csrf = await sign_in(client, sub.emails["sub_admin"])
    # Written by hand: httpx would percent-encode the NUL in the file name.
    body = (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="file"; filename="cert\x00.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--b0undary--\r\n"
    )
    response = await client.post(
        f"/api/v1/subs/{sub.id}/documents",
        content=body,
        headers={"x-csrf-token": csrf, "content-type": "multipart/form-data; boundary=b0undary"},
    )
    _refused(response, "file")


async def test_value_the_database_refuses_is_a_422_not_a_500(
    client: AsyncClient, db: AsyncSession
) -> None:
    """The last line behind the declared bounds: PostgreSQL's refusal of a value (SQLSTATE
    class 22: too long, out of range, bad encoding) is recognised as the caller's mistake and
    answered with a 422 by the app's handler."""
    from sqlalchemy.exc import DBAPIError

    from backend.http import _is_data_exception

    try:
        await db.execute(select(func.length("x")).where(Project.number == "\x00"))
    except DBAPIError as exc:
        assert _is_data_exception(exc)
    else:
        raise AssertionError("PostgreSQL took a NUL byte")
    await db.rollback()


async def test_number_too_large_for_a_duration_is_a_422(
    client: AsyncClient, db: AsyncSession
) -> None:
    """Found by the fuzzer: an overlap of 10^11 hours overflowed Python's timedelta (a 500)."""
    gc = await make_org(db, "general_contractor")
    csrf = await sign_in(client, gc.emails["gc_admin"])
    response = await client.post(
        f"/api/v1/webhooks/endpoints/{uuid.uuid4()}/secret/rotate",
        json={"overlap_hours": 233254016549},
        headers={"x-csrf-token": csrf},
    )
    assert response.status_code == 422, response.text
    assert "out of range" in response.json()["error"]["message"]
