"""`coinet demo load`: a realistic demo network, loaded once (running it again changes
nothing). Records go through RecordService so they are real revisions with outbox events.
The loader reads through the domains' repositories; what it made itself (which sub works for
which GC) it keeps in memory rather than reading back the whole table."""

from __future__ import annotations

import os
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import (
    Engagement,
    InsurerRating,
    Invitation,
    Membership,
    Organisation,
    Person,
    Project,
    ProjectTrade,
    RequirementSet,
    RequirementSetVersion,
)
from backend.db.session import make_engine, make_session_factory
from backend.demo import names
from backend.demo.certificates import demo_certificate
from backend.network.actor import Actor
from backend.network.repository import NetworkRepository
from backend.network.requirement_store import version_row
from backend.network.secrets import hash_password, new_token, token_digest
from backend.projects.engine_input import load_record_rows
from backend.projects.repository import ProjectRepository
from backend.projects.verify_service import FanOutCache, verify_batch
from backend.records.repository import RecordRepository
from backend.records.schemas import EndorsementInput, RecordChange, TermInput
from backend.records.service import RecordService
from backend.records.store import make_store
from backend.requirements.versions import requirement_body

DEMO_MARKER = names.GCS[0][0]
SEED = 2026

# How the subs' records are spread, so every dashboard colour shows up.
PROFILES = (
    ("compliant",) * 24
    + ("expiring",) * 5
    + ("non_compliant",) * 6
    + ("expired",) * 2
    + ("pending",) * 3
)


@dataclass
class DemoSummary:
    already_loaded: bool
    counts: dict[str, int] = field(default_factory=dict)
    sign_ins: list[tuple[str, str, str]] = field(default_factory=list)
    password: str = ""

    def render(self) -> str:
        lines = ["Demo network " + ("already loaded." if self.already_loaded else "loaded.")]
        if self.counts:
            lines.append(", ".join(f"{n} {k}" for k, n in self.counts.items()))
        lines.append(f"Demo sign-ins (password: {self.password}):")
        lines.extend(f"  {role:<18} {email:<40} {org}" for role, email, org in self.sign_ins)
        return "\n".join(lines)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "coinet-demo-2026")


def _slug(name: str) -> str:
    return "".join(c for c in name.split()[0].lower() if c.isalnum())


def _sign_ins() -> list[tuple[str, str, str]]:
    gc = names.GCS[0][0]
    sub = f"{names.SUB_STEMS[0]} {names.TRADES[0][0]} {names.SUFFIXES[0]}"
    broker = names.BROKERS[0][0]
    return [
        ("gc_admin", f"admin@{_slug(gc)}.example", gc),
        ("gc_contract_admin", f"contracts@{_slug(gc)}.example", gc),
        ("gc_viewer", f"viewer@{_slug(gc)}.example", gc),
        ("sub_admin", f"owner@{_slug(sub)}.example", sub),
        ("sub_bookkeeper", f"office@{_slug(sub)}.example", sub),
        ("broker_admin", f"principal@{_slug(broker)}.example", broker),
        ("broker_agent", f"agent@{_slug(broker)}.example", broker),
    ]


async def load_demo(settings: Settings, today: date | None = None) -> DemoSummary:
    engine = make_engine(settings)
    try:
        factory = make_session_factory(engine)
        async with factory() as session, session.begin():
            return await populate(session, settings, today or date.today())
    finally:
        await engine.dispose()


async def populate(session: AsyncSession, settings: Settings, today: date) -> DemoSummary:
    password = demo_password()
    if await NetworkRepository(session).organisation_named(DEMO_MARKER) is not None:
        return DemoSummary(already_loaded=True, sign_ins=_sign_ins(), password=password)

    rng = random.Random(SEED)
    password_hash = hash_password(password)
    people: dict[str, Person] = {}

    def person(email: str, full_name: str) -> Person:
        if email not in people:
            people[email] = Person(
                id=uuid.uuid4(), email=email, full_name=full_name, password_hash=password_hash
            )
            session.add(people[email])
        return people[email]

    pending_members: list[Membership] = []

    def member(p: Person, org: Organisation, role: str) -> None:
        # Added after the people are flushed: without ORM relationships the unit of work
        # cannot order these inserts by itself.
        pending_members.append(
            Membership(id=uuid.uuid4(), person_id=p.id, organisation_id=org.id, role=role)
        )

    gcs: list[Organisation] = []
    for legal_name, city, state, street in names.GCS:
        org = Organisation(
            id=uuid.uuid4(),
            kind="general_contractor",
            legal_name=legal_name,
            address_line=street,
            city=city,
            state=state,
            settings={"alert_days": [60, 30, 7, 0]},
        )
        session.add(org)
        gcs.append(org)
    brokers: list[Organisation] = []
    for legal_name, city, state in names.BROKERS:
        org = Organisation(
            id=uuid.uuid4(), kind="broker", legal_name=legal_name, city=city, state=state
        )
        session.add(org)
        brokers.append(org)
    subs: list[tuple[Organisation, str, str]] = []
    for index, stem in enumerate(names.SUB_STEMS):
        trade, tier = names.TRADES[index % len(names.TRADES)]
        legal_name = f"{stem} {trade} {names.SUFFIXES[index % len(names.SUFFIXES)]}"
        org = Organisation(id=uuid.uuid4(), kind="subcontractor", legal_name=legal_name, state="OH")
        session.add(org)
        subs.append((org, trade, tier))
    await session.flush()

    for role, email, org_name in _sign_ins():
        org = next(o for o in [*gcs, *brokers, *(s[0] for s in subs)] if o.legal_name == org_name)
        member(person(email, role.replace("_", " ").title()), org, role)
    for gc in gcs[1:]:
        member(person(f"admin@{_slug(gc.legal_name)}.example", "GC Admin"), gc, "gc_admin")
        member(
            person(f"contracts@{_slug(gc.legal_name)}.example", "Contract Admin"),
            gc,
            "gc_contract_admin",
        )
    for org, _, _ in subs[1:]:
        member(
            person(f"office@{_slug(org.legal_name)}.example", "Office Manager"),
            org,
            "sub_bookkeeper",
        )
    for broker in brokers[1:]:
        member(person(f"agent@{_slug(broker.legal_name)}.example", "Agent"), broker, "broker_agent")
    await session.flush()
    session.add_all(pending_members)
    await session.flush()

    records = RecordService(session, make_store(settings), settings.max_upload_bytes)
    profiles = list(PROFILES)
    rng.shuffle(profiles)
    profiles[0] = "expiring"  # the demo sub shows a renewal to upload
    sub_profiles: dict[uuid.UUID, str] = {}
    sub_insurers: dict[uuid.UUID, tuple[str, str]] = {}
    for (org, _, tier), profile in zip(subs, profiles, strict=True):
        sub_profiles[org.id] = profile
        if profile == "pending":
            continue
        bookkeeper = people[f"office@{_slug(org.legal_name)}.example"]
        actor = Actor(
            person_id=bookkeeper.id,
            organisation_id=org.id,
            organisation_kind="subcontractor",
            role="sub_bookkeeper",
        )
        change, sub_insurers[org.id] = _initial_record(rng, tier, profile, today)
        await records.confirm_change(actor, org.id, change)

    for (sub, _, _), broker in zip(subs[:6], brokers * 2, strict=True):
        # An accepted broker invitation, so brokers have a record to work in.
        issuer = people[f"office@{_slug(sub.legal_name)}.example"]
        agent = people[f"agent@{_slug(broker.legal_name)}.example"]
        session.add(
            Invitation(
                id=uuid.uuid4(),
                kind="broker_access",
                issuer_org_id=sub.id,
                issued_by_id=issuer.id,
                email=agent.email,
                role="broker_agent",
                token_hash=token_digest(new_token("inv")),
                invitee_org_id=broker.id,
                expires_at=datetime.now(UTC) + timedelta(days=7),
                accepted_at=datetime.now(UTC),
                accepted_by_id=agent.id,
                access_until=datetime.now(UTC) + timedelta(days=60),
            )
        )

    requirement_sets: dict[tuple[uuid.UUID, str], RequirementSetVersion] = {}
    for gc in gcs:
        for tier in ("high", "elevated", "moderate", "standard", "lower"):
            rs = RequirementSet(
                id=uuid.uuid4(), gc_org_id=gc.id, name=f"{tier.title()} risk trades", template=tier
            )
            session.add(rs)
            await session.flush()
            body = requirement_body(tier)
            version = version_row(rs.id, 1, body)
            session.add(version)
            requirement_sets[(gc.id, tier)] = version
    await session.flush()

    made: list[Engagement] = []
    tier2 = 0
    for index, project_name in enumerate(names.PROJECT_NAMES):
        gc = gcs[index % len(gcs)]
        # Work started after the current terms began, as on a live project.
        start = today - timedelta(days=rng.randint(20, 110))
        project = Project(
            id=uuid.uuid4(),
            gc_org_id=gc.id,
            number=f"P-{2400 + index}",
            name=project_name,
            state=gc.state,
            start_date=start,
            end_date=start + timedelta(days=rng.randint(300, 700)),
            closeout_days=rng.choice((30, 60, 90)),
            certificate_holder=gc.legal_name,
            additional_insureds=[gc.legal_name, f"{project_name} Owner LLC"],
            flowdown_required=index % 3 == 0,
        )
        session.add(project)
        await session.flush()
        chosen = rng.sample(subs, 13)
        if index % len(gcs) == 0 and subs[0] not in chosen:
            chosen[0] = subs[0]  # the demo sub works for the demo GC
        tier1: list[Engagement] = []
        mapped_trades: set[str] = set()
        for org, trade, tier in chosen:
            version = requirement_sets[(gc.id, tier)]
            if trade not in mapped_trades:
                mapped_trades.add(trade)
                session.add(
                    ProjectTrade(
                        id=uuid.uuid4(),
                        project_id=project.id,
                        trade=trade,
                        requirement_set_id=version.requirement_set_id,
                    )
                )
            engagement = _engagement(project, gc, org, trade, version, sub_profiles[org.id], today)
            session.add(engagement)
            tier1.append(engagement)
            made.append(engagement)
        await session.flush()
        if project.flowdown_required:
            for parent in tier1[:3]:
                candidates = [s for s in subs if s[0].id not in {e.sub_org_id for e in tier1}]
                org, trade, tier = rng.choice(candidates)
                version = requirement_sets[(gc.id, tier)]
                child = _engagement(project, gc, org, trade, version, sub_profiles[org.id], today)
                child.parent_engagement_id = parent.id
                session.add(child)
                made.append(child)
                tier2 += 1
        await session.flush()

    await _certificates_and_ratings(session, settings, gcs, subs, sub_insurers, people, made, today)
    await _verify_everything(session, made, today)

    return DemoSummary(
        already_loaded=False,
        counts={
            "GCs": len(gcs),
            "subs": len(subs),
            "brokers": len(brokers),
            "projects": len(names.PROJECT_NAMES),
            "engagements": len(made),
            "tier-2 engagements": tier2,
        },
        sign_ins=_sign_ins(),
        password=password,
    )


async def _certificates_and_ratings(
    session: AsyncSession,
    settings: Settings,
    gcs: list[Organisation],
    subs: list[tuple[Organisation, str, str]],
    sub_insurers: dict[uuid.UUID, tuple[str, str]],
    people: dict[str, Person],
    engagements: list[Engagement],
    today: date,
) -> None:
    """Each GC rates the demo insurers, and each sub holds one certificate per GC it works
    for, so the engine judges the demo records on everything a GC checks."""
    for gc in gcs:
        for index, (insurer_name, naic) in enumerate(names.INSURERS):
            session.add(
                InsurerRating(
                    id=uuid.uuid4(),
                    gc_org_id=gc.id,
                    naic=naic,
                    insurer_name=insurer_name,
                    rating=("A++", "A+", "A")[index % 3],
                    size_class=("XV", "XIV", "XII")[index % 3],
                )
            )
    # Each (sub, GC) pair once, in the order the engagements were made.
    pairs = dict.fromkeys((e.sub_org_id, e.gc_org_id) for e in engagements)
    by_id = {org.id: org for org, _, _ in subs}
    gc_by_id = {gc.id: gc for gc in gcs}
    store = make_store(settings)
    for sub_id, gc_id in pairs:
        if sub_id not in sub_insurers:
            continue  # a sub with no record yet has no certificate either
        sub = by_id[sub_id]
        uploader = people[f"office@{_slug(sub.legal_name)}.example"]
        session.add(
            demo_certificate(store, sub, gc_by_id[gc_id], sub_insurers[sub_id], uploader.id, today)
        )
    await session.flush()


async def _verify_everything(
    session: AsyncSession, engagements: list[Engagement], today: date
) -> None:
    """Judge every engagement with the real engine, as the fan-out would (each sub's record
    against the active engagements it reaches), so the demo's colours are verdicts rather than
    labels."""
    projects = ProjectRepository(session)
    records = RecordRepository(session)
    for sub_id in dict.fromkeys(e.sub_org_id for e in engagements):
        rows = await load_record_rows(session, sub_id)
        revision = await records.latest_revision(sub_id)
        engagement_ids = await projects.active_engagement_ids_of_sub(sub_id)
        await verify_batch(session, engagement_ids, rows, revision, today, FanOutCache())


def _engagement(
    project: Project,
    gc: Organisation,
    sub: Organisation,
    trade: str,
    version: RequirementSetVersion,
    profile: str,
    today: date,
) -> Engagement:
    return Engagement(
        id=uuid.uuid4(),
        project_id=project.id,
        gc_org_id=gc.id,
        sub_org_id=sub.id,
        trade=trade,
        requirement_set_version_id=version.id,
        status="pending",
        work_start=project.start_date,
    )


def _expiry(profile: str, today: date) -> date | None:
    return {
        "compliant": today + timedelta(days=245),
        "expiring": today + timedelta(days=18),
        "non_compliant": today + timedelta(days=200),
        "expired": today - timedelta(days=9),
    }.get(profile)


TIER_LIMITS = {
    "high": (2_000_000, 4_000_000, 10_000_000),
    "elevated": (2_000_000, 4_000_000, 5_000_000),
    "moderate": (1_000_000, 2_000_000, 5_000_000),
    "standard": (1_000_000, 2_000_000, 2_000_000),
    "lower": (1_000_000, 2_000_000, 2_000_000),
}


def _initial_record(
    rng: random.Random, tier: str, profile: str, today: date
) -> tuple[RecordChange, tuple[str, str]]:
    expiration = _expiry(profile, today) or today + timedelta(days=200)
    effective = expiration - timedelta(days=365)
    occurrence, aggregate, umbrella = TIER_LIMITS[tier]
    if profile == "non_compliant":
        occurrence, aggregate = occurrence // 2, aggregate // 2
    insurer_name, naic = rng.choice(names.INSURERS)
    number = rng.randint(100000, 999999)

    def term(line: str, prefix: str, limits: dict[str, int], **extra: object) -> TermInput:
        return TermInput(
            line=line,
            insurer_name=insurer_name,
            insurer_naic=naic,
            policy_number=f"{prefix}-{number}",
            effective=effective,
            expiration=expiration,
            limits=limits,
            additional_insured=line in ("general_liability", "auto_liability"),
            subrogation_waived=profile != "non_compliant",
            **extra,  # type: ignore[arg-type]
        )

    terms = [
        term(
            "general_liability",
            "GL",
            {
                "each_occurrence": occurrence,
                "general_aggregate": aggregate,
                "products_completed_operations_aggregate": aggregate,
                "personal_advertising_injury": occurrence,
                "damage_to_rented_premises": 300_000,
                "medical_expense": 10_000,
            },
        ),
        term(
            "auto_liability", "CA", {"combined_single_limit": 1_000_000}, covered_autos=["any_auto"]
        ),
        term(
            "umbrella",
            "UMB",
            {"each_occurrence": umbrella, "aggregate": umbrella},
            follows_form=True,
        ),
        term(
            "workers_compensation",
            "WC",
            {
                "el_each_accident": 1_000_000,
                "el_disease_each_employee": 1_000_000,
                "el_disease_policy_limit": 1_000_000,
            },
            wc_states=["IN", "MD", "CO"],
            wc_statutory=True,
        ),
    ]
    endorsements = [
        EndorsementInput(
            form_number="CG 20 10", edition="04 13", kind="additional_insured_ongoing", blanket=True
        ),
        EndorsementInput(
            form_number="CG 20 37",
            edition="04 13",
            kind="additional_insured_completed",
            blanket=True,
        ),
        EndorsementInput(
            form_number="CG 20 01", edition="04 13", kind="primary_noncontributory", blanket=True
        ),
    ]
    endorsements.append(
        EndorsementInput(
            form_number="IL 70 21",
            edition="09 15",
            kind="notice_of_cancellation",
            blanket=True,
            notice_days=30,
        )
    )
    # The subs work in Ohio, a monopolistic state: employer's liability by stop gap on GL.
    endorsements.append(
        EndorsementInput(
            form_number="CG 04 42", edition="", kind="stop_gap_employers_liability", blanket=True
        )
    )
    if profile != "non_compliant":
        # Waiver of subrogation on each line that carries it: GL, auto and WC forms.
        for form, edition in (
            ("CG 24 04", "05 09"),
            ("CA 04 44", "10 13"),
            ("WC 00 03 13", "04 84"),
        ):
            endorsements.append(
                EndorsementInput(
                    form_number=form, edition=edition, kind="waiver_of_subrogation", blanket=True
                )
            )
    if tier in ("high", "elevated"):
        endorsements.append(
            EndorsementInput(
                form_number="CG 25 03", edition="05 09", kind="per_project_aggregate", blanket=True
            )
        )
    change = RecordChange(
        kind="initial", summary="Initial record", terms=terms, endorsements=endorsements
    )
    return change, (insurer_name, naic)
