"""The small network the browser journeys run in, written through the real services into a
throw-away database: two GCs, three subs with records, a broker firm."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.acord.sandbox import read_once
from backend.chase.schedule import SCHEDULE_SETTING
from backend.db.models import (
    Engagement,
    InsurerRating,
    Membership,
    Organisation,
    Person,
    Project,
    ProjectTrade,
    RequirementSet,
    RequirementSetVersion,
)
from backend.network.actor import Actor
from backend.network.secrets import hash_password
from backend.projects.verify_service import verify_engagement
from backend.records.page_images import save_pages
from backend.records.schemas import EndorsementInput, RecordChange, TermInput
from backend.records.service import RecordService
from backend.records.store import DocumentStore
from backend.requirements.versions import requirement_body, requirement_digest
from tests.e2e.documents import INSURER, Policy, certificate_pdf

PASSWORD = "e2e-journeys-2026"

GC_A = "Harbor Point Builders LLC"
GC_B = "Summit Ridge Construction Inc."
SUB_RENEWING = "Keystone Framing LLC"
SUB_INVITED = "Riverbend Drywall LLC"
SUB_BROKERED = "Cobalt Glazing LLC"
BROKER = "Blue Anchor Insurance Services LLC"
# The chase journey: its own GC (the only one with reminders on) and sub.
GC_CHASING = "Lakefront Builders Inc."
SUB_CHASED = "Lakeshore Masonry LLC"
# The whole loop's journey: a GC and sub of their own, the same gap as journeys 3 and 5.
GC_LOOP = "Granite Bay Builders LLC"
SUB_LOOP = "Pinecrest Roofing LLC"
# The GC's office journey: a GC with a project and nobody on it, and a sub already on the
# network with a full record, engaged by nobody, for the GC to find.
GC_OFFICE = "Cedar Ridge Builders LLC"
SUB_FOUND = "Northgate Electric LLC"
# The newcomers' walk: a GC that has just joined, with no project, no requirement set and no
# insurer ratings of its own yet, as a compliance manager finds the product on day one.
GC_NEWCOMER = "Birchwood Builders LLC"


@dataclass(frozen=True)
class SeedInfo:
    gc_a_admin: str
    gc_b_admin: str
    renewing_bookkeeper: str
    invited_owner: str
    brokered_bookkeeper: str
    broker_agent: str
    today: date
    renewing_expires: date
    brokered_gl_number: str
    chased_bookkeeper: str = "office@lakeshore.e2e"
    chased_gl_number: str = ""
    chasing_gc_admin: str = "admin@lakefront.e2e"
    loop_gc_admin: str = "admin@granitebay.e2e"
    loop_bookkeeper: str = "office@pinecrest.e2e"
    loop_gl_number: str = ""
    office_gc_admin: str = "admin@cedarridge.e2e"
    found_owner: str = "owner@northgate.e2e"
    newcomer_gc_admin: str = "admin@birchwood.e2e"


def lenient_body(name: str, *, completed_ops: bool) -> dict[str, Any]:
    """A small requirement set: GL and auto limits, the holder, and (optionally) completed
    operations additional insured on file: each journey then turns on one known deficiency."""
    body = copy.deepcopy(requirement_body("standard"))
    body["name"] = name
    body["lines"] = {
        "general_liability": {
            "limits": {"each_occurrence": 1_000_000, "general_aggregate": 2_000_000}
        },
        "auto_liability": {"limits": {"combined_single_limit": 1_000_000}, "any_auto": True},
    }
    body["additional_insured"] = {
        "ongoing": False,
        "completed": completed_ops,
        "lines": ["general_liability"],
        "blanket_allowed": True,
        "parties": [],
        "accepted_forms": {"ongoing": [], "completed": ["CG 20 37"] if completed_ops else []},
    }
    body["primary_noncontributory"] = False
    body["notice_of_cancellation_days"] = None
    body["insurer"] = {
        "minimum_rating": None,
        "minimum_size_class": None,
        "naic_required": False,
        "surplus_lines_allowed": True,
    }
    body["coverage_through_closeout"] = "off"
    return body


async def seed(session: AsyncSession, store: DocumentStore, today: date) -> SeedInfo:
    password_hash = hash_password(PASSWORD)

    async def org(kind: str, name: str, email: str, role: str) -> tuple[Organisation, Actor]:
        organisation = Organisation(id=uuid.uuid4(), kind=kind, legal_name=name, state="OH")
        person = Person(
            id=uuid.uuid4(),
            email=email,
            full_name=role.replace("_", " ").title(),
            password_hash=password_hash,
        )
        session.add_all([organisation, person])
        await session.flush()
        session.add(
            Membership(
                id=uuid.uuid4(), person_id=person.id, organisation_id=organisation.id, role=role
            )
        )
        await session.flush()
        actor = Actor(person.id, organisation.id, kind, role, email, person.full_name)
        return organisation, actor

    gc_a, _ = await org("general_contractor", GC_A, "admin@harborpoint.e2e", "gc_admin")
    gc_b, _ = await org("general_contractor", GC_B, "admin@summitridge.e2e", "gc_admin")
    for quiet in (gc_a, gc_b):
        # Their journeys do not test reminders: the chase journey's run leaves them alone.
        quiet.settings = {SCHEDULE_SETTING: {"enabled": False}}
    renewing, renewing_actor = await org(
        "subcontractor", SUB_RENEWING, "office@keystone.e2e", "sub_bookkeeper"
    )
    invited, invited_actor = await org(
        "subcontractor", SUB_INVITED, "owner@riverbend.e2e", "sub_admin"
    )
    brokered, brokered_actor = await org(
        "subcontractor", SUB_BROKERED, "office@cobalt.e2e", "sub_bookkeeper"
    )
    await org("broker", BROKER, "lead@blueanchor.e2e", "broker_agent")
    for gc in (gc_a, gc_b):
        session.add(
            InsurerRating(
                id=uuid.uuid4(),
                gc_org_id=gc.id,
                naic=INSURER.naic,
                insurer_name=INSURER.name,
                rating="A",
                size_class="X",
                surplus_lines=False,
            )
        )
    records = RecordService(session, store, 10 * 1024 * 1024)

    # Journey 1: a record about to expire, engaged by both GCs.
    renewing_expires = today + timedelta(days=6)
    await records.confirm_change(
        renewing_actor,
        renewing.id,
        RecordChange(
            kind="initial",
            summary="Policies entered when the sub joined",
            terms=[
                _term(
                    "general_liability",
                    "GL-50001",
                    today - timedelta(days=359),
                    renewing_expires,
                    {"each_occurrence": 1_000_000, "general_aggregate": 2_000_000},
                ),
                _term(
                    "auto_liability",
                    "AU-50002",
                    today - timedelta(days=359),
                    renewing_expires,
                    {"combined_single_limit": 1_000_000},
                    autos=["any_auto"],
                ),
            ],
        ),
    )
    for gc, number in ((gc_a, "HP-101"), (gc_b, "SR-201")):
        version = await _requirements(
            session,
            gc,
            f"{gc.legal_name[:12]} framing",
            lenient_body("framing", completed_ops=False),
        )
        project = await _project(session, gc, number, "Riverside Lofts", today)
        await _trade(session, project, "Framing", version)
        session.add(_engagement(project, renewing, "Framing", version, today))

    # Journey 2: a full record, with a certificate naming GC A as holder.
    cert_policy = Policy(
        "GL-60001", "AU-60002", today - timedelta(days=100), today + timedelta(days=265)
    )
    document = await _certificate(
        records, invited_actor, invited.id, SUB_INVITED, GC_A, cert_policy
    )
    await records.confirm_change(
        invited_actor, invited.id, _full_record(cert_policy, document, umbrella_each=1_000_000)
    )

    # Journey 3: everything but the completed-operations endorsement.
    brokered_policy = Policy(
        "GL-70001", "AU-70002", today - timedelta(days=30), today + timedelta(days=335)
    )
    document = await _certificate(
        records, brokered_actor, brokered.id, SUB_BROKERED, GC_A, brokered_policy
    )
    await records.confirm_change(
        brokered_actor,
        brokered.id,
        RecordChange(
            kind="initial",
            terms=[
                _term(
                    "general_liability",
                    brokered_policy.gl_number,
                    brokered_policy.effective,
                    brokered_policy.expiration,
                    {"each_occurrence": 1_000_000, "general_aggregate": 2_000_000},
                    document=document,
                ),
                _term(
                    "auto_liability",
                    brokered_policy.auto_number,
                    brokered_policy.effective,
                    brokered_policy.expiration,
                    {"combined_single_limit": 1_000_000},
                    autos=["any_auto"],
                    document=document,
                ),
            ],
            source_document_id=document,
        ),
    )
    version = await _requirements(
        session,
        gc_a,
        "Glazing with completed operations",
        lenient_body("glazing", completed_ops=True),
    )
    project = await _project(session, gc_a, "HP-102", "Canal Street Offices", today)
    await _trade(session, project, "Glazing", version)
    glazing = _engagement(project, brokered, "Glazing", version, today)
    session.add(glazing)
    await session.flush()
    # The GC has already seen this sub's verdict: one deficiency, the missing endorsement.
    await verify_engagement(session, glazing.id, None, today)
    chased_gl = await _chased(session, records, org, today)
    loop_gl = await _loop(session, records, org, today)
    await _office(session, records, org, today)
    newcomer, _ = await org("general_contractor", GC_NEWCOMER, "admin@birchwood.e2e", "gc_admin")
    newcomer.settings = {SCHEDULE_SETTING: {"enabled": False}}
    return SeedInfo(
        gc_a_admin="admin@harborpoint.e2e",
        gc_b_admin="admin@summitridge.e2e",
        renewing_bookkeeper="office@keystone.e2e",
        invited_owner="owner@riverbend.e2e",
        brokered_bookkeeper="office@cobalt.e2e",
        broker_agent="agent@blueanchor.e2e",
        today=today,
        renewing_expires=renewing_expires,
        brokered_gl_number=brokered_policy.gl_number,
        chased_gl_number=chased_gl,
        loop_gl_number=loop_gl,
    )


async def _chased(session: AsyncSession, records: RecordService, org: Any, today: date) -> str:
    """The chase journey's network: a GC with reminders on (the journeys' other GCs have them
    off, so a reminder run touches only this one) and a sub missing the completed-operations
    endorsement, the same gap as journey 3's."""
    gc, _ = await org("general_contractor", GC_CHASING, "admin@lakefront.e2e", "gc_admin")
    sub, actor = await org("subcontractor", SUB_CHASED, "office@lakeshore.e2e", "sub_bookkeeper")
    return await _missing_completed_ops(
        session,
        records,
        gc,
        sub,
        actor,
        ("GL-80001", "AU-80002"),
        ("LF-301", "Harbor Lofts", "Masonry"),
        today,
    )


async def _loop(session: AsyncSession, records: RecordService, org: Any, today: date) -> str:
    """The whole loop's network: a GC (reminders off, as the other journeys' GCs) and a sub
    missing the completed-operations endorsement, already told so when its verdict was made."""
    gc, _ = await org("general_contractor", GC_LOOP, "admin@granitebay.e2e", "gc_admin")
    gc.settings = {SCHEDULE_SETTING: {"enabled": False}}
    sub, actor = await org("subcontractor", SUB_LOOP, "office@pinecrest.e2e", "sub_bookkeeper")
    return await _missing_completed_ops(
        session,
        records,
        gc,
        sub,
        actor,
        ("GL-90101", "AU-90102"),
        ("GB-501", "Bayview Clinic", "Roofing"),
        today,
    )


async def _office(session: AsyncSession, records: RecordService, org: Any, today: date) -> None:
    """The office journey's network: a GC (reminders off) with project CR-601 and its trades,
    nobody engaged; a sub on the network meeting those requirements, engaged by nobody."""
    gc, _ = await org("general_contractor", GC_OFFICE, "admin@cedarridge.e2e", "gc_admin")
    gc.settings = {SCHEDULE_SETTING: {"enabled": False}}
    sub, actor = await org("subcontractor", SUB_FOUND, "owner@northgate.e2e", "sub_admin")
    session.add(
        InsurerRating(
            id=uuid.uuid4(),
            gc_org_id=gc.id,
            naic=INSURER.naic,
            insurer_name=INSURER.name,
            rating="A",
            size_class="X",
            surplus_lines=False,
        )
    )
    policy = Policy("GL-95001", "AU-95002", today - timedelta(days=60), today + timedelta(days=305))
    document = await _certificate(records, actor, sub.id, SUB_FOUND, GC_OFFICE, policy)
    await records.confirm_change(
        actor,
        sub.id,
        RecordChange(
            kind="initial",
            terms=[
                _term(
                    "general_liability",
                    policy.gl_number,
                    policy.effective,
                    policy.expiration,
                    {"each_occurrence": 1_000_000, "general_aggregate": 2_000_000},
                    document=document,
                ),
                _term(
                    "auto_liability",
                    policy.auto_number,
                    policy.effective,
                    policy.expiration,
                    {"combined_single_limit": 1_000_000},
                    autos=["any_auto"],
                    document=document,
                ),
            ],
            source_document_id=document,
        ),
    )
    version = await _requirements(
        session, gc, "Trades on CR-601", lenient_body("office", completed_ops=False)
    )
    project = await _project(session, gc, "CR-601", "Northgate Library", today)
    for trade in ("Electrical", "Roofing"):
        await _trade(session, project, trade, version)


async def _missing_completed_ops(
    session: AsyncSession,
    records: RecordService,
    gc: Organisation,
    sub: Organisation,
    actor: Actor,
    numbers: tuple[str, str],
    project_named: tuple[str, str, str],
    today: date,
) -> str:
    """A sub with GL and auto on record, engaged by the GC on one project whose requirements
    ask for the completed-operations endorsement (CG 20 37) it lacks; its verdict is made."""
    session.add(
        InsurerRating(
            id=uuid.uuid4(),
            gc_org_id=gc.id,
            naic=INSURER.naic,
            insurer_name=INSURER.name,
            rating="A",
            size_class="X",
            surplus_lines=False,
        )
    )
    policy = Policy(numbers[0], numbers[1], today - timedelta(days=40), today + timedelta(days=325))
    document = await _certificate(records, actor, sub.id, sub.legal_name, gc.legal_name, policy)
    await records.confirm_change(
        actor,
        sub.id,
        RecordChange(
            kind="initial",
            terms=[
                _term(
                    "general_liability",
                    policy.gl_number,
                    policy.effective,
                    policy.expiration,
                    {"each_occurrence": 1_000_000, "general_aggregate": 2_000_000},
                    document=document,
                ),
                _term(
                    "auto_liability",
                    policy.auto_number,
                    policy.effective,
                    policy.expiration,
                    {"combined_single_limit": 1_000_000},
                    autos=["any_auto"],
                    document=document,
                ),
            ],
            source_document_id=document,
        ),
    )
    number, name, trade = project_named
    version = await _requirements(
        session,
        gc,
        f"{trade} with completed operations",
        lenient_body(trade.lower(), completed_ops=True),
    )
    project = await _project(session, gc, number, name, today)
    await _trade(session, project, trade, version)
    engagement = _engagement(project, sub, trade, version, today)
    session.add(engagement)
    await session.flush()
    await verify_engagement(session, engagement.id, None, today)
    return policy.gl_number


def _term(
    line: str,
    number: str,
    effective: date,
    expiration: date,
    limits: dict[str, int],
    *,
    autos: list[str] | None = None,
    document: uuid.UUID | None = None,
    **extra: Any,
) -> TermInput:
    return TermInput(
        line=line,
        insurer_name=INSURER.name,
        insurer_naic=INSURER.naic,
        policy_number=number,
        effective=effective,
        expiration=expiration,
        limits=limits,
        covered_autos=autos or [],
        source_document_id=document,
        **extra,
    )


def _full_record(policy: Policy, document: uuid.UUID, umbrella_each: int) -> RecordChange:
    start, end = policy.effective, policy.expiration
    endorsements = [
        ("CG 20 10", "04 13", "additional_insured_ongoing"),
        ("CG 20 37", "04 13", "additional_insured_completed"),
        ("CG 20 01", "04 13", "primary_noncontributory"),
        ("CG 24 04", "05 09", "waiver_of_subrogation"),
        ("CA 04 44", "10 13", "waiver_of_subrogation"),
        ("WC 00 03 13", "04 84", "waiver_of_subrogation"),
        ("IL 02 70", "09 08", "notice_of_cancellation"),
        # The projects are in Ohio, a monopolistic state: employer's liability by stop gap on GL.
        ("CG 04 42", "", "stop_gap_employers_liability"),
    ]
    return RecordChange(
        kind="initial",
        summary="Full record from the 2026 certificate",
        terms=[
            _term(
                "general_liability",
                policy.gl_number,
                start,
                end,
                {
                    "each_occurrence": 1_000_000,
                    "general_aggregate": 2_000_000,
                    "products_completed_operations_aggregate": 2_000_000,
                },
                document=document,
                additional_insured=True,
                subrogation_waived=True,
            ),
            _term(
                "auto_liability",
                policy.auto_number,
                start,
                end,
                {"combined_single_limit": 1_000_000},
                autos=["any_auto"],
                document=document,
                subrogation_waived=True,
            ),
            _term(
                "umbrella",
                "UM-60003",
                start,
                end,
                {"each_occurrence": umbrella_each, "aggregate": 2_000_000},
                follows_form=True,
            ),
            _term(
                "workers_compensation",
                "WC-60004",
                start,
                end,
                {
                    "el_each_accident": 1_000_000,
                    "el_disease_each_employee": 1_000_000,
                    "el_disease_policy_limit": 1_000_000,
                },
                wc_states=["IN"],
                wc_statutory=True,
                subrogation_waived=True,
            ),
        ],
        endorsements=[
            EndorsementInput(
                form_number=form, edition=edition, kind=kind, blanket=True, effective=start
            )
            for form, edition, kind in endorsements
        ],
        source_document_id=document,
    )


async def _certificate(
    records: RecordService,
    actor: Actor,
    sub_id: uuid.UUID,
    insured: str,
    holder: str,
    policy: Policy,
) -> uuid.UUID:
    """A certificate stored and read as an upload would be, its holder confirmed by a person."""
    pdf = certificate_pdf(
        insured, holder, policy, "30 days notice of cancellation will be given to the holder."
    )
    stored = await records.upload(
        actor, sub_id, f"{insured.split()[0]}-certificate.pdf", "application/pdf", pdf
    )
    # Read as the worker reads an upload, page images included (the review and evidence pages
    # show only the images stored at read time).
    outcome = read_once(pdf, filename=stored.document.filename, render=True)
    save_pages(records.store, stored.document.sha256, outcome.pages)
    result = outcome.result
    result["certificate_holder"] = {**(result.get("certificate_holder") or {}), "name": holder}
    stored.document.read_state = "read"
    stored.document.read_result = result
    return stored.document.id


async def _requirements(
    session: AsyncSession, gc: Organisation, name: str, body: dict[str, Any]
) -> RequirementSetVersion:
    body = {**body, "name": name, "owner": str(gc.id)}
    requirement_set = RequirementSet(id=uuid.uuid4(), gc_org_id=gc.id, name=name, template="")
    session.add(requirement_set)
    await session.flush()
    version = RequirementSetVersion(
        id=uuid.uuid4(),
        requirement_set_id=requirement_set.id,
        version=1,
        body=body,
        body_sha256=requirement_digest(body),
    )
    session.add(version)
    await session.flush()
    return version


async def _project(
    session: AsyncSession, gc: Organisation, number: str, name: str, today: date
) -> Project:
    project = Project(
        id=uuid.uuid4(),
        gc_org_id=gc.id,
        number=number,
        name=name,
        state="IN",
        start_date=today - timedelta(days=20),
        end_date=today + timedelta(days=200),
        closeout_days=30,
        certificate_holder=gc.legal_name,
        additional_insureds=[gc.legal_name],
    )
    session.add(project)
    await session.flush()
    return project


async def _trade(
    session: AsyncSession, project: Project, trade: str, version: RequirementSetVersion
) -> None:
    session.add(
        ProjectTrade(
            id=uuid.uuid4(),
            project_id=project.id,
            trade=trade,
            requirement_set_id=version.requirement_set_id,
        )
    )
    await session.flush()


def _engagement(
    project: Project, sub: Organisation, trade: str, version: RequirementSetVersion, today: date
) -> Engagement:
    return Engagement(
        id=uuid.uuid4(),
        project_id=project.id,
        gc_org_id=project.gc_org_id,
        sub_org_id=sub.id,
        trade=trade,
        requirement_set_version_id=version.id,
        status="pending",
        work_start=project.start_date,
    )
