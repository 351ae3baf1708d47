"""Builders for fan-out tests: a sub with a compliant master record and GCs that engage it."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Document, Engagement, InsurerRating, Person, Project, RecordRevision
from backend.network.actor import Actor
from backend.records.schemas import EndorsementInput, RecordChange, TermInput
from backend.records.service import RecordService
from backend.records.store import DocumentStore
from tests.integration.factories import Org, make_project, make_requirement_version

NAICS = {"general_liability": "24112", "auto_liability": "24112", "umbrella": "35289"}
WC_NAIC = "10677"
NOTICE_WORDING = "Thirty: 30 days notice of cancellation applies. Blanket additional insured."


async def person_of(db: AsyncSession, email: str) -> Person:
    person = (await db.execute(select(Person).where(Person.email == email))).scalar_one()
    return person


async def bookkeeper(db: AsyncSession, sub: Org) -> Actor:
    person = await person_of(db, sub.emails["sub_bookkeeper"])
    return Actor(
        person_id=person.id,
        organisation_id=sub.id,
        organisation_kind="subcontractor",
        role="sub_bookkeeper",
        email=person.email,
        full_name=person.full_name,
    )


async def rate_insurers(db: AsyncSession, gc: Org) -> None:
    rows = [
        {
            "id": uuid.uuid4(),
            "gc_org_id": gc.id,
            "naic": naic,
            "insurer_name": name,
            "rating": "A",
            "size_class": "X",
            "surplus_lines": False,
        }
        for naic, name in (
            ("24112", "Great Lakes Casualty Company"),
            ("35289", "Continental Excess Insurance Co"),
            ("10677", "Buckeye Workers Mutual"),
        )
    ]
    await db.execute(insert(InsurerRating).values(rows).on_conflict_do_nothing())


async def certificate(
    db: AsyncSession, sub: Org, holder: str, uploader: uuid.UUID, description: str = NOTICE_WORDING
) -> Document:
    """A read ACORD 25 naming `holder`, stored as the reader would leave it."""
    sha = hashlib.sha256(f"{sub.id}:{holder}:{uuid.uuid4()}".encode()).hexdigest()
    document = Document(
        id=uuid.uuid4(),
        sub_org_id=sub.id,
        sha256=sha,
        size_bytes=1000,
        content_type="application/pdf",
        filename=f"acord25-{holder[:20]}.pdf",
        uploaded_by_id=uploader,
        read_state="read",
        read_result={
            "form": "ACORD 25",
            "certificate_holder": {"name": holder, "address": ""},
            "description_of_operations": description,
            "coverages": [],
            "fields": {"/certificate_holder/name": {"page": 1, "bbox": [30, 600, 250, 612]}},
        },
    )
    db.add(document)
    await db.flush()
    return document


def terms(
    start: date,
    *,
    days: int = 365,
    gl_each: int = 2_000_000,
    number_suffix: str = "1",
    state: str = "IN",
    umbrella_follows_form: bool = True,
) -> list[TermInput]:
    """A full record's terms. A GL shortfall is made up by the follow-form umbrella under the
    engine's combined limits; `umbrella_follows_form=False` keeps the shortfall a failure."""
    end = start + timedelta(days=days)
    return [
        TermInput(
            line="general_liability",
            insurer_name="Great Lakes Casualty Company",
            insurer_naic="24112",
            policy_number=f"GL-{number_suffix}",
            effective=start,
            expiration=end,
            aggregate_applies_per="project",
            limits={
                "each_occurrence": gl_each,
                "general_aggregate": 4_000_000,
                "products_completed_operations_aggregate": 4_000_000,
            },
        ),
        TermInput(
            line="auto_liability",
            insurer_name="Great Lakes Casualty Company",
            insurer_naic="24112",
            policy_number=f"BA-{number_suffix}",
            effective=start,
            expiration=end,
            limits={"combined_single_limit": 1_000_000},
            covered_autos=["any_auto"],
        ),
        TermInput(
            line="umbrella",
            insurer_name="Continental Excess Insurance Co",
            insurer_naic="35289",
            policy_number=f"UMB-{number_suffix}",
            effective=start,
            expiration=end,
            limits={"each_occurrence": 10_000_000, "aggregate": 10_000_000},
            follows_form=umbrella_follows_form,
        ),
        TermInput(
            line="workers_compensation",
            insurer_name="Buckeye Workers Mutual",
            insurer_naic=WC_NAIC,
            policy_number=f"WC-{number_suffix}",
            effective=start,
            expiration=end,
            limits={
                "el_each_accident": 1_000_000,
                "el_disease_each_employee": 1_000_000,
                "el_disease_policy_limit": 1_000_000,
            },
            wc_statutory=True,
            wc_states=[state],
        ),
    ]


def endorsements(start: date | None = None) -> list[EndorsementInput]:
    def form(number: str, edition: str, kind: str) -> EndorsementInput:
        return EndorsementInput(
            form_number=number, edition=edition, kind=kind, blanket=True, effective=start
        )

    return [
        form("CG 20 38", "04 13", "additional_insured_ongoing"),
        form("CG 20 37", "04 13", "additional_insured_completed"),
        form("CG 20 01", "04 13", "primary_noncontributory"),
        form("CG 24 04", "05 09", "waiver_of_subrogation"),
        form("CA 04 44", "10 13", "waiver_of_subrogation"),
        form("WC 00 03 13", "", "waiver_of_subrogation"),
        form("CG 25 03", "05 09", "per_project_aggregate"),
        form("IL 70 01", "", "notice_of_cancellation"),
        # The projects are in Ohio, a monopolistic state: employer's liability by stop gap on GL.
        form("CG 04 42", "", "stop_gap_employers_liability"),
    ]


async def confirm(
    db: AsyncSession,
    store: DocumentStore,
    sub: Org,
    change: RecordChange,
) -> RecordRevision:
    service = RecordService(db, store, 10_000_000)
    return await service.confirm_change(await bookkeeper(db, sub), sub.id, change)


def initial_change(start: date) -> RecordChange:
    return RecordChange(
        kind="initial",
        summary="Record on joining the network",
        terms=terms(start),
        endorsements=endorsements(),
    )


async def engage_on_project(
    db: AsyncSession,
    gc: Org,
    sub: Org,
    *,
    project: Project | None = None,
    parent: Engagement | None = None,
    tier: str = "moderate",
    contract_ref: str | None = None,
) -> Engagement:
    project = project or await make_project(db, gc)
    version = await make_requirement_version(db, gc, tier)
    engagement = Engagement(
        id=uuid.uuid4(),
        project_id=project.id,
        gc_org_id=gc.id,
        sub_org_id=sub.id,
        parent_engagement_id=parent.id if parent is not None else None,
        trade="Drywall",
        requirement_set_version_id=version.id,
        status="pending",
        work_start=project.start_date,
    )
    if contract_ref is not None:
        engagement.contract_ref = contract_ref  # else the trade labels it (migration 0019)
    db.add(engagement)
    await db.flush()
    return engagement
