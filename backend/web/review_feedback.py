"""What confirming a certificate would do to each engagement resting on the sub's record, shown
on the review page before the person confirms: "Meridian Builders, P-2400: compliant";
"Riverside, RV-12: general liability each occurrence $1,000,000 short".

The record is built in memory from the form as it stands (the record as it is plus the rows the
change would add, the holder as the person would confirm it) and judged by the engine exactly
as the fan-out would judge it; nothing is written."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import Document, RecordRevision
from backend.errors import DomainError
from backend.network.actor import Actor
from backend.projects.engine_input import load_record_rows, with_change
from backend.projects.service import ProjectService
from backend.projects.verify_service import preview_verdicts
from backend.records.schemas import RecordChange
from backend.records.service import RecordService
from backend.requirements.vocabulary import LIMIT_LABEL, LINE_CODE_PREFIX, LINE_LABEL
from backend.verification.checks import BLOCKING, FAIL, UNKNOWN, Check
from backend.web.forms import FormData
from backend.web.review import ReviewView, change_from_form, corrected_read_result

# Engagements judged for the preview. The engine takes well under a millisecond per
# engagement, so a sub on a few hundred projects is judged in one page load; past that the
# page names how many more the confirm will reach (the fan-out judges them all).
MAX_PREVIEWED: Final = 300
# Gaps named per engagement; the rest are counted ("and 3 more").
GAPS_SHOWN: Final = 3
# Statuses that let work and payment go on.
GOOD: Final = frozenset({"compliant", "expiring"})


@dataclass(frozen=True)
class Effect:
    engagement_id: uuid.UUID
    gc_name: str
    project_number: str
    project_name: str
    trade: str
    tier2: bool
    status_now: str
    status_after: str
    gaps: list[str]  # what would still be missing, in words, most serious first
    more_gaps: int

    @property
    def better(self) -> bool:
        return self.status_after in GOOD and self.status_now not in GOOD

    @property
    def worse(self) -> bool:
        return self.status_now in GOOD and self.status_after not in GOOD


@dataclass
class Feedback:
    effects: list[Effect] = field(default_factory=list)
    not_judged: int = 0  # engagements past MAX_PREVIEWED
    problem: str | None = None  # why nothing could be judged yet

    @property
    def good_after(self) -> int:
        return sum(1 for e in self.effects if e.status_after in GOOD)


# Where the engine's message ends its first sentence: a full stop and a space, except after a
# lone capital letter, which is an initial or abbreviation ("A.M. Best", "U.S.") and not the end
# of a sentence: cutting there left "General liability insurer's A.M." on the review page.
SENTENCE_END: Final = re.compile(r"(?<!\b[A-Z])\. ")


def first_sentence(message: str) -> str:
    """The message's first sentence, with its full stop."""
    return SENTENCE_END.split(message, maxsplit=1)[0].rstrip(".") + "."


def short_gap(check: Check) -> str:
    """One failing check in a few words: a limit as its shortfall, anything else as the first
    sentence of the engine's own message."""
    code = check.code
    line = check.line or ""
    prefix = LINE_CODE_PREFIX.get(line)
    if prefix and code.startswith(prefix + "_") and code.endswith("_MIN"):
        kind = code[len(prefix) + 1 : -len("_MIN")].lower()
        label = f"{LINE_LABEL.get(line, line)} {LIMIT_LABEL.get(kind, kind.replace('_', ' '))}"
        expected, found = check.expected, check.found
        if isinstance(expected, int) and isinstance(found, int) and found < expected:
            return f"{label} ${expected - found:,} short (${found:,} of ${expected:,})"
        if isinstance(expected, int) and found is None:
            return f"{label} not shown (${expected:,} required)"
    return first_sentence(check.message)


def _gaps(checks: tuple[Check, ...]) -> list[str]:
    open_checks = [c for c in checks if c.outcome in (FAIL, UNKNOWN)]
    open_checks.sort(key=lambda c: c.severity != BLOCKING)
    return [short_gap(c) for c in open_checks]


def default_form(view: ReviewView) -> FormData:
    """The review form as it first appears (every value as read): what the certificate would do
    if the person confirmed it untouched."""
    form: FormData = {"kind": [view.suggested_kind]}
    if view.holder is not None:
        form[view.holder.name] = [view.holder.value]
    for coverage in view.coverages:
        prefix = f"cov-{coverage.index}-"
        form[prefix + "line"] = [coverage.line]
        if coverage.include:
            form[prefix + "include"] = ["on"]
        for f in coverage.fields:
            if f.kind != "checkbox" or f.value == "on":
                form[f.name] = [f.value]
        form[prefix + "covered_autos"] = list(coverage.covered_autos)
    for endorsement in view.endorsements:
        if endorsement.include:
            form[f"end-{endorsement.index}-include"] = ["on"]
        for f in endorsement.fields:
            if f.kind != "checkbox" or f.value == "on":
                form[f.name] = [f.value]
    return form


async def feedback_for_form(
    db: AsyncSession,
    actor: Actor,
    records: RecordService,
    document: Document,
    view: ReviewView,
    form: FormData,
    today: date,
) -> Feedback:
    """What confirming `form` would do; a form that could not be confirmed as it stands says
    why instead (the same message the confirm would give)."""
    try:
        change = change_from_form(form, document.id, view)
        if not change.terms and not change.endorsements:
            return Feedback(
                problem="Nothing is ticked to go into the record yet: tick each policy the "
                "certificate shows to see what it would do."
            )
        read_result = corrected_read_result(document.read_result, form, actor.person_id)
        return await feedback(db, actor, records, document, change, read_result, today)
    except DomainError as exc:
        return Feedback(problem=exc.message)


async def feedback(
    db: AsyncSession,
    actor: Actor,
    records: RecordService,
    document: Document,
    change: RecordChange,
    read_result: dict[str, Any] | None,
    today: date,
) -> Feedback:
    """Each active engagement of the document's sub, judged against the record this change
    would make. `read_result` is the document's result with the person's corrections (None:
    as read)."""
    terms, endorsements = await records.draft_rows(actor, document.sub_org_id, change)
    # The document as it would be confirmed, built beside the stored one: the stored row is
    # never changed here, so nothing reaches the database.
    would_be = Document(
        id=document.id,
        sub_org_id=document.sub_org_id,
        sha256=document.sha256,
        filename=document.filename,
        read_state=document.read_state,
        read_result=read_result if read_result is not None else document.read_result,
    )
    engagement_ids = await ProjectService(db).reached_by_change(actor, document.sub_org_id)
    if not engagement_ids:
        return Feedback()
    rows = with_change(
        await load_record_rows(db, document.sub_org_id), terms, endorsements, would_be
    )
    judged = await preview_verdicts(db, engagement_ids[:MAX_PREVIEWED], rows, today)
    effects = []
    for preview in judged:
        gaps = _gaps(preview.verdict.checks)
        effects.append(
            Effect(
                engagement_id=preview.engagement.id,
                gc_name=preview.gc.legal_name,
                project_number=preview.project.number,
                project_name=preview.project.name,
                # The contract label, which tells apart several contracts on one project.
                trade=preview.engagement.contract_label,
                tier2=preview.engagement.parent_engagement_id is not None,
                status_now=preview.engagement.status,
                status_after=preview.verdict.status,
                gaps=gaps[:GAPS_SHOWN],
                more_gaps=max(0, len(gaps) - GAPS_SHOWN),
            )
        )
    effects.sort(key=lambda e: (e.status_after in GOOD, e.gc_name, e.project_number))
    return Feedback(effects=effects, not_judged=max(0, len(engagement_ids) - MAX_PREVIEWED))


async def review_effects(
    db: AsyncSession,
    actor: Actor,
    records: RecordService,
    document: Document,
    view: ReviewView,
    values: FormData,
    confirmed: RecordRevision | None,
) -> Feedback | None:
    """The review page's look ahead: for the form as typed (`values`), else as first shown.
    None where there is nothing to confirm: already confirmed, or a reader who may not change
    the record."""
    if confirmed is not None or not await records.may_change_record(actor, document.sub_org_id):
        return None
    form = values or default_form(view)
    return await feedback_for_form(db, actor, records, document, view, form, date.today())
