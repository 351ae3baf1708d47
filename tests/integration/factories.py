"""Small builders for integration tests: organisations with members, signed-in clients."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import (
    Engagement,
    Membership,
    Organisation,
    Person,
    Project,
    RequirementSet,
    RequirementSetVersion,
)
from backend.db.models.vocab import ROLES_BY_ORG_KIND
from backend.network.secrets import hash_password
from backend.requirements.versions import requirement_body, requirement_digest

PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(PASSWORD)


@dataclass
class Org:
    organisation: Organisation
    emails: dict[str, str]  # role -> e-mail of a member with that role

    @property
    def id(self) -> uuid.UUID:
        return self.organisation.id


async def make_org(db: AsyncSession, kind: str, name: str | None = None) -> Org:
    label = name or f"{kind.title()} {uuid.uuid4().hex[:6]} LLC"
    organisation = Organisation(id=uuid.uuid4(), kind=kind, legal_name=label, state="OH")
    db.add(organisation)
    await db.flush()
    emails: dict[str, str] = {}
    for role in ROLES_BY_ORG_KIND[kind]:
        email = f"{role}.{uuid.uuid4().hex[:8]}@example.test"
        person = Person(id=uuid.uuid4(), email=email, full_name=role, password_hash=_PASSWORD_HASH)
        db.add(person)
        await db.flush()
        db.add(
            Membership(
                id=uuid.uuid4(), person_id=person.id, organisation_id=organisation.id, role=role
            )
        )
        emails[role] = email
    await db.flush()
    return Org(organisation, emails)


async def make_project(db: AsyncSession, gc: Org, number: str | None = None) -> Project:
    project = Project(
        id=uuid.uuid4(),
        gc_org_id=gc.id,
        number=number or f"T-{uuid.uuid4().hex[:12]}",
        name="Test project",
        state="IN",
        start_date=date.today(),
        end_date=date.today() + timedelta(days=300),
        closeout_days=30,
        certificate_holder=gc.organisation.legal_name,
        additional_insureds=[gc.organisation.legal_name],
    )
    db.add(project)
    await db.flush()
    return project


async def make_requirement_version(
    db: AsyncSession, gc: Org, tier: str = "moderate"
) -> RequirementSetVersion:
    rs = RequirementSet(
        id=uuid.uuid4(), gc_org_id=gc.id, name=f"{tier} {uuid.uuid4().hex}", template=tier
    )
    db.add(rs)
    await db.flush()
    body = requirement_body(tier)
    version = RequirementSetVersion(
        id=uuid.uuid4(),
        requirement_set_id=rs.id,
        version=1,
        body=body,
        body_sha256=requirement_digest(body),
    )
    db.add(version)
    await db.flush()
    return version


async def engage(
    db: AsyncSession, gc: Org, sub: Org, project: Project | None = None, trade: str = "Drywall"
) -> Engagement:
    project = project or await make_project(db, gc)
    version = await make_requirement_version(db, gc)
    engagement = Engagement(
        id=uuid.uuid4(),
        project_id=project.id,
        gc_org_id=gc.id,
        sub_org_id=sub.id,
        trade=trade,
        requirement_set_version_id=version.id,
        status="pending",
    )
    db.add(engagement)
    await db.flush()
    return engagement


CSRF_INPUT = re.compile(r'name="_csrf" value="([^"]+)"')


async def sign_in(client: AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Signs the client in through the real form; returns the session's CSRF token."""
    page = await client.get("/login")
    token = CSRF_INPUT.search(page.text)
    assert token is not None
    response = await client.post(
        "/login",
        data={"_csrf": token.group(1), "email": email, "password": password, "next": "/"},
    )
    assert response.status_code == 302, response.text
    home = await client.get("/", headers={"accept": "text/html"})
    assert home.status_code == 200, home.text
    session_token = CSRF_INPUT.search(home.text)
    assert session_token is not None
    return session_token.group(1)


def term_payload(**overrides: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "line": "general_liability",
        "insurer_name": "Test Mutual Insurance Company",
        "insurer_naic": "12345",
        "policy_number": "GL-1001",
        "effective": date.today().isoformat(),
        "expiration": (date.today() + timedelta(days=365)).isoformat(),
        "limits": {"each_occurrence": 1_000_000, "general_aggregate": 2_000_000},
    }
    payload.update(overrides)
    return payload
