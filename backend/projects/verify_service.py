"""Verifying engagements against a record revision, exactly once per (engagement, revision).

`verify_batch` judges many engagements of one sub in the caller's transaction: it inserts the
verdicts with ON CONFLICT (engagement_id, revision_id) DO NOTHING, and only for the rows it
really inserted does it update the engagement and append the audit snapshot. A retried or
duplicated job therefore changes nothing, and two workers racing on the same batch produce one
verdict and one snapshot: the loser's INSERT waits for the winner's commit and then inserts
nothing. The caller commits; a process killed before that leaves nothing of the batch behind.
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any, Final, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.canonical import Decision as AuditDecision
from backend.audit.canonical import DocumentRef, Party, SnapshotFacts
from backend.audit.encoding import CheckFragments
from backend.audit.service import append_snapshot_batch
from backend.db.models import (
    Decision,
    Engagement,
    Organisation,
    OutboxEvent,
    Project,
    RecordRevision,
)
from backend.db.session import json_text
from backend.network.access import record_reach_scope
from backend.notify import webhooks as integration_events
from backend.notify.verdict_change import VerdictChange
from backend.projects.engine_input import (
    RecordRows,
    context_for,
    expiring_window_days,
    holder_not_evaluable,
    holder_typed_by_hand,
    load_ratings,
    record_as_of,
)
from backend.projects.repository import (
    ENGAGEMENT_FACTS,
    PROJECT_FACTS,
    EngagementUpdate,
    VerdictRow,
    VerificationRepository,
    insert_verdicts,
    store_checks,
    update_engagements,
)
from backend.records.repository import RecordRepository
from backend.requirements.model import RequirementError, RequirementSet
from backend.requirements.ratings import EMPTY_RATINGS, RatingTable
from backend.requirements.versions import requirement_set_from_body
from backend.verification.checks import BLOCKING, FAIL, UNKNOWN, Waiver
from backend.verification.context import VerificationContext
from backend.verification.engine import verify
from backend.verification.plan import (
    COMPLETED_OPERATIONS,
    FINISHED,
    completed_operations_set,
    completed_operations_until,
    phase_on,
)
from backend.verification.record import RecordAsOf
from backend.verification.verdict import Verdict as EngineVerdict
from backend.verification.verdict import check_to_json

ENGINE_PARTY: Final = Party(id="engine", name="verification engine")
# Statuses under which an automatic (expiry) pay hold is lifted by the verdict itself.
GOOD_STANDING: Final = frozenset({"compliant", "expiring"})
DEFICIENT: Final = frozenset({"non_compliant", "incomplete", "expired"})


# Values whose equality also means equal JSON once their type is known (1 == True == 1.0,
# but they render differently); anything else is keyed by its repr, which is exact.
_EXACT_TYPES: Final = frozenset({str, int, bool, type(None), date})


def _exact(value: object) -> object:
    kind = type(value)
    return (kind, value) if kind in _EXACT_TYPES else repr(value)


# Verdicts whose rendered checks a fan-out keeps by identity (FanOutCache.checks_json). The
# judgement memo hands the same verdict to every engagement with the same facts (one per GC and
# requirement set in practice: 500 at 100,000 engagements); a verdict judged outside the memo is
# new each time, so the map is emptied at this size rather than hold every one of them.
RENDERED_VERDICTS: Final = 4096

_V = TypeVar("_V")


def per_array(
    checks: list[dict[str, Any]],
    by_list: dict[int, tuple[list[dict[str, Any]], _V]],
    by_content: dict[tuple[int, ...], _V],
    make: Callable[[], _V],
    held: int | None = None,
) -> _V:
    """What `make` gives for this rendered checks array, made once per distinct array. Found by
    the list's identity (`by_list` holds the list, so its id is not reused while the entry
    lives), else by its dicts' identities (`by_content`: the fan-out shares the rendered dicts,
    FanOutCache.checks_json, so equal content is the same dicts). `held`: `by_list` is emptied
    when it reaches this many lists."""
    known = by_list.get(id(checks))
    if known is not None and known[0] is checks:
        return known[1]
    shape = tuple(map(id, checks))
    found = by_content.get(shape)
    if found is None:
        found = by_content[shape] = make()
    if held is not None and len(by_list) >= held:
        by_list.clear()
    by_list[id(checks)] = (checks, found)
    return found


@dataclass
class FanOutCache:
    """What a fan-out loads once and reuses across its batches."""

    requirements: dict[uuid.UUID, tuple[RequirementSet, str, str] | None] = field(
        default_factory=dict
    )
    ratings: dict[uuid.UUID, RatingTable] = field(default_factory=dict)
    records: dict[str | None, RecordAsOf | None] = field(default_factory=dict)
    documents: list[DocumentRef] | None = None
    coverages: list[dict[str, Any]] | None = None
    check_json: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    fragments: CheckFragments = field(default_factory=CheckFragments)
    check_text: dict[int, tuple[dict[str, Any], str]] = field(default_factory=dict)
    judgements: dict[tuple[Any, ...], tuple[EngineVerdict, date | None, str, str]] = field(
        default_factory=dict
    )
    # Typed-by-hand marks per certificate holder, for the record `marks_of`.
    marks_of: RecordRows | None = None
    marks: dict[str | None, dict[str, Any]] = field(default_factory=dict)
    blocking: dict[tuple[int, ...], tuple[str, ...]] = field(default_factory=dict)
    # By identity, each with the object it was made from (so an id is never reused while the
    # entry lives): a verdict's rendered checks, and a rendered array's open blocking checks.
    rendered: dict[int, tuple[EngineVerdict, list[dict[str, Any]]]] = field(default_factory=dict)
    open_of: dict[int, tuple[list[dict[str, Any]], tuple[str, ...]]] = field(default_factory=dict)
    # Rendered arrays known to be in verdict_checks, with their address: `stored` by a batch
    # that committed (later batches send only the address), `unconfirmed` by the batch now
    # running (promoted by `committed`, dropped when the next batch starts: a batch rolled
    # back must not leave later ones naming an array that was never stored).
    stored: dict[int, tuple[list[dict[str, Any]], bytes]] = field(default_factory=dict)
    unconfirmed: dict[int, tuple[list[dict[str, Any]], bytes]] = field(default_factory=dict)

    def address_of(self, checks: list[dict[str, Any]]) -> bytes | None:
        """The address of this rendered array if a committed batch stored it."""
        known = self.stored.get(id(checks))
        return known[1] if known is not None and known[0] is checks else None

    def committed(self) -> None:
        """The batch that ran last committed: its stored arrays are known from now on."""
        if len(self.stored) + len(self.unconfirmed) > RENDERED_VERDICTS:
            self.stored.clear()
        self.stored.update(self.unconfirmed)
        self.unconfirmed.clear()

    def text_of(self, check: dict[str, Any]) -> str:
        """One rendered check's JSON text, made once per fan-out."""
        known = self.check_text.get(id(check))
        if known is None or known[0] is not check:
            known = self.check_text[id(check)] = (check, json_text(check))
        return known[1]

    def open_checks(self, checks: list[dict[str, Any]]) -> tuple[str, ...]:
        """The messages of the blocking checks neither passed nor waived (the verdict's
        open_blocking), read off the rendered checks, once per distinct array."""
        return per_array(
            checks,
            self.open_of,
            self.blocking,
            lambda: tuple(
                check["message"]
                for check in checks
                if check["severity"] == BLOCKING and check["outcome"] in (FAIL, UNKNOWN)
            ),
            RENDERED_VERDICTS,
        )

    def checks_json(self, verdict: EngineVerdict) -> list[dict[str, Any]]:
        """The verdict's checks as JSON (contracts/verify-json.md). Engagements of one sub
        share most checks word for word, so each distinct check is rendered once per fan-out;
        the dicts are shared and must be treated as read-only. The judgement memo hands many
        engagements the very same verdict: its list is made once and shared too (read-only)."""
        known = self.rendered.get(id(verdict))
        if known is not None and known[0] is verdict:
            return known[1]
        rendered = []
        for check in verdict.checks:
            key: tuple[Any, ...]
            try:
                # A Check hashes and compares by its fields (compiled: one C call); the types
                # of expected and found keep 1, 1.0 and True, equal but rendered apart, apart.
                key = (check, type(check.expected), type(check.found))
                hash(key)
            except TypeError:  # an unhashable value (a list): its repr is exact
                key = (
                    check.code,
                    check.outcome,
                    check.line,
                    check.requirement,
                    _exact(check.expected),
                    _exact(check.found),
                    check.severity,
                    check.waivable,
                    check.evidence,
                    check.waiver,
                )
            found = self.check_json.get(key)
            if found is None:
                found = self.check_json[key] = check_to_json(check)
            rendered.append(found)
        if len(self.rendered) >= RENDERED_VERDICTS:
            self.rendered.clear()
        self.rendered[id(verdict)] = (verdict, rendered)
        return rendered


class BatchChecks:
    """The distinct checks arrays of one batch's verdicts. Each verdict row names its array by
    index (`add`); `addresses` stores the arrays the fan-out has not stored yet, each distinct
    check sent once, and gives every array's address in verdict_checks. The rendered check
    dicts and arrays are shared across the fan-out (FanOutCache.checks_json), so an array's
    content is named by its dicts' identities."""

    def __init__(self, cache: FanOutCache) -> None:
        self.cache = cache
        self.arrays: list[list[dict[str, Any]]] = []
        self._index_of: dict[tuple[int, ...], int] = {}
        # The same array object (FanOutCache.checks_json shares them), held so its id stays.
        self._index_of_list: dict[int, tuple[list[dict[str, Any]], int]] = {}

    def add(self, checks: list[dict[str, Any]]) -> int:
        def new_index() -> int:
            self.arrays.append(checks)
            return len(self.arrays) - 1

        return per_array(checks, self._index_of_list, self._index_of, new_index)

    async def addresses(self, session: AsyncSession) -> list[bytes]:
        """Every array's address, in `add` order, storing those not known to be stored."""
        found = [self.cache.address_of(checks) for checks in self.arrays]
        missing = [n for n, address in enumerate(found) if address is None]
        if missing:
            elements: list[str] = []
            element_of: dict[int, int] = {}
            layouts = []
            for n in missing:
                indexes = []
                for check in self.arrays[n]:
                    element = element_of.get(id(check))
                    if element is None:
                        element = element_of[id(check)] = len(elements)
                        elements.append(self.cache.text_of(check))
                    indexes.append(element)
                layouts.append(indexes)
            stored = await store_checks(session, elements, layouts)
            for n, address in zip(missing, stored, strict=True):
                found[n] = address
                self.cache.unconfirmed[id(self.arrays[n])] = (self.arrays[n], address)
        return [address for address in found if address is not None]


@dataclass(frozen=True, slots=True)
class _EngagementFacts:
    id: uuid.UUID
    requirement_set_version_id: uuid.UUID
    status: str
    status_changed_at: datetime | None
    expires_on: date | None
    pay_hold: bool
    parent_engagement_id: uuid.UUID | None
    trade: str
    work_start: date | None
    phase: str
    completed_operations_until: date | None
    contract_ref: str

    @property
    def contract_label(self) -> str:
        """As `Engagement.contract_label`: the trade alone while it labels the contract."""
        if self.contract_ref == self.trade:
            return self.trade
        return f"{self.contract_ref} · {self.trade}"


@dataclass(frozen=True, slots=True)
class _ProjectFacts:
    id: uuid.UUID
    number: str
    name: str
    start_date: date | None
    end_date: date | None
    closeout_days: int
    certificate_holder: str
    additional_insureds: list[str]
    state: str
    flowdown_required: bool


@dataclass(frozen=True, slots=True)
class _Party:
    id: uuid.UUID
    legal_name: str
    settings: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class _Target:
    engagement: _EngagementFacts
    project: _ProjectFacts
    gc: _Party
    sub: _Party
    parent_sub_name: str | None


_ENGAGEMENT_WIDTH: Final = len(ENGAGEMENT_FACTS)
_PROJECT_END: Final = _ENGAGEMENT_WIDTH + len(PROJECT_FACTS)


async def _targets(
    session: AsyncSession, sub_org_id: uuid.UUID, engagement_ids: Sequence[uuid.UUID]
) -> list[_Target]:
    """The active engagements among these ids that rest on this sub's record. No person acts
    here (a system job for the record): the record's reach scopes it, so an id of another
    sub's engagement judges nothing against this record."""
    targets = []
    parties: dict[uuid.UUID, _Party] = {}
    rows = await VerificationRepository(session).targets(
        record_reach_scope(sub_org_id), engagement_ids
    )
    for row in rows:
        gc_id, gc_name, gc_settings, sub_id, sub_name, parent_sub_name = row[_PROJECT_END:]
        gc = parties.get(gc_id)
        if gc is None:
            gc = parties[gc_id] = _Party(gc_id, gc_name, gc_settings)
        sub = parties.get(sub_id)
        if sub is None:
            sub = parties[sub_id] = _Party(sub_id, sub_name)
        targets.append(
            _Target(
                _EngagementFacts(*row[:_ENGAGEMENT_WIDTH]),
                _ProjectFacts(*row[_ENGAGEMENT_WIDTH:_PROJECT_END]),
                gc,
                sub,
                parent_sub_name,
            )
        )
    return targets


# Requirement sets this process has read from stored bodies, by the body's SHA-256. GCs that
# start from one template, and every version a body is copied into, share one parse and one
# engine plan (plan_for finds the same set object by identity): a fan-out over 200 GCs parsed
# the same body 200 times, 0.1 ms per engagement of its CPU. An entry keeps a copy of the body
# it was made from and is used only for an equal body. The oldest goes past PARSED_SETS: a few
# hundred distinct bodies are a whole network's templates and their edits, each some tens of KB.
PARSED_SETS: Final = 512
_parsed_sets: dict[str, tuple[Any, RequirementSet]] = {}


def _parsed_set(body: Any, digest: str) -> RequirementSet:
    """requirement_set_from_body(body), parsed once per distinct body (raises as it does)."""
    known = _parsed_sets.get(digest)
    if known is not None and known[0] == body:
        return known[1]
    requirements = requirement_set_from_body(body)
    if len(_parsed_sets) >= PARSED_SETS:
        del _parsed_sets[next(iter(_parsed_sets))]  # dicts keep insertion order
    _parsed_sets[digest] = (copy.deepcopy(body), requirements)
    return requirements


async def _requirements(
    session: AsyncSession, cache: FanOutCache, version_ids: Iterable[uuid.UUID]
) -> None:
    missing = {v for v in version_ids if v not in cache.requirements}
    if not missing:
        return
    for version, name in await VerificationRepository(session).requirement_versions(missing):
        try:
            requirements = _parsed_set(version.body, version.body_sha256)
        except (RequirementError, ValueError, KeyError, TypeError):
            cache.requirements[version.id] = None
            continue
        cache.requirements[version.id] = (
            requirements,
            f"{name}/{version.version}",
            version.body_sha256,
        )
    for version_id in missing:
        cache.requirements.setdefault(version_id, None)


def _phase(cache: FanOutCache, target: _Target, today: date) -> str:
    """The phase the engagement is judged in today (ongoing when its set cannot be read)."""
    entry = cache.requirements.get(target.engagement.requirement_set_version_id)
    if entry is None:
        return "ongoing"
    project = target.project
    return phase_on(entry[0], project.end_date, project.closeout_days, today)


async def live_waivers(
    session: AsyncSession, engagement_ids: Sequence[uuid.UUID], today: date
) -> dict[uuid.UUID, list[Waiver]]:
    """Waivers still in force on `today`, per engagement (the engine ignores expired ones).
    Callers pass ids read in a scope: a fan-out's (the record's reach) or a page's actor's."""
    # Per engagement, per (check, line): the newest waiver replaces an older one still in force
    # (a GC extends or replaces its waiver; the old one ends when the new one is granted).
    newest: dict[uuid.UUID, dict[tuple[str, str | None], Waiver]] = {}
    repository = VerificationRepository(session)
    for decision, name, email in await repository.waivers_in_force(engagement_ids, today):
        if decision.expires_on is None:
            continue
        line = waiver_line(decision)
        newest.setdefault(decision.engagement_id, {})[(decision.check_code, line)] = Waiver(
            check_code=decision.check_code,
            line=line,
            reason=decision.reason,
            expires_on=decision.expires_on,
            by=name or email,
        )
    return {engagement: list(by_check.values()) for engagement, by_check in newest.items()}


def waiver_line(decision: Decision) -> str | None:
    """The coverage line a waive decision names (None for a check of the whole record)."""
    line = decision.details.get("line") if isinstance(decision.details, dict) else None
    return line if isinstance(line, str) else None


async def waiver_in_force(
    session: AsyncSession,
    engagement_id: uuid.UUID,
    check_code: str,
    line: str | None,
    today: date,
) -> Decision | None:
    """The waive decision in force on one check of an engagement read in the caller's scope
    (the newest, which replaced any older one), or None."""
    found = None
    for decision, _, _ in await VerificationRepository(session).waivers_in_force(
        [engagement_id], today
    ):
        if decision.check_code == check_code and waiver_line(decision) == line:
            found = decision
    return found


def coverage_end(
    record: RecordAsOf | None, requirements: RequirementSet, today: date
) -> date | None:
    """When coverage of the required lines runs out: for each line, the end of the chain of
    terms running from today (or the last expiration, when the line has already lapsed); the
    earliest of those. None when no required line is on the record."""
    if record is None:
        return None
    ends: list[date] = []
    for line_requirement in requirements.lines:
        line = line_requirement.line
        pairs = record.terms_by_line.get(line, ())
        if not pairs:
            continue
        end: date | None = None
        for _, term in pairs:
            if term.effective <= today < term.expiration:
                end = term.expiration if end is None else max(end, term.expiration)
        if end is None:
            past = [term.expiration for _, term in pairs if term.expiration <= today]
            if past:
                ends.append(max(past))
            continue
        extended = True
        while extended:
            extended = False
            for _, term in pairs:
                if term.effective <= end < term.expiration:
                    end = term.expiration
                    extended = True
        ends.append(end)
    return min(ends) if ends else None


def _coverages(rows: RecordRows) -> list[dict[str, Any]]:
    coverages: list[dict[str, Any]] = []
    for policy, term in rows.terms:
        coverage: dict[str, Any] = {
            "line": policy.line,
            "policy_number": policy.policy_number,
            "insurer": policy.insurer_name,
            "naic": policy.insurer_naic,
            "effective": term.effective.isoformat(),
            "expires": term.expiration.isoformat(),
            "cancelled_on": term.cancelled_on.isoformat() if term.cancelled_on else None,
            "limits": {str(k): int(v) for k, v in term.limits.items() if v is not None},
        }
        if term.entered_by_hand:
            # Values a person typed instead of taking them as read, with what was read.
            coverage["typed_by_hand"] = dict(sorted(term.entered_by_hand.items()))
        coverages.append(coverage)
    return coverages


def _documents(rows: RecordRows, revision: RecordRevision | None) -> list[DocumentRef]:
    refs = {
        sha: DocumentRef(sha256=sha, name=name, kind="record")
        for sha, name in rows.document_hashes()
    }
    for certificate in rows.certificates[:1]:
        refs.setdefault(
            certificate.document_sha256,
            DocumentRef(sha256=certificate.document_sha256, name="", kind="certificate"),
        )
    source = revision.source_document_id if revision is not None else None
    if source is not None and source in rows.documents:
        document = rows.documents[source]
        refs.setdefault(document.sha256, DocumentRef(document.sha256, document.filename, "record"))
    return sorted(refs.values(), key=lambda ref: ref.sha256)


def _typed_marks(rows: RecordRows, target: _Target, cache: FanOutCache) -> dict[str, Any]:
    """The snapshot's marks for values typed at review rather than read, beside those of the
    coverages: the certificate holder this engagement's holder check judged, and the
    endorsements on file. Absent when everything was read. They depend on the record and the
    holder only, so a fan-out makes them once per holder (the holder's certificate is looked
    for among all of the sub's documents); the dict returned is shared: read it only."""
    entry = cache.requirements.get(target.engagement.requirement_set_version_id)
    holder = (entry[0].certificate_holder_name if entry else None) or (
        target.project.certificate_holder
    )
    if cache.marks_of is not rows:
        cache.marks_of, cache.marks = rows, {}
    known = cache.marks.get(holder)
    if known is not None:
        return known
    marks: dict[str, Any] = {}
    typed = holder_typed_by_hand(rows, holder)
    if typed is not None:
        marks["holder_typed_by_hand"] = typed
    endorsements = [
        {
            "form_number": row.form_number,
            "edition": row.edition,
            "kind": row.kind,
            "typed_by_hand": dict(sorted(row.entered_by_hand.items())),
        }
        for row in rows.endorsements
        if row.entered_by_hand
    ]
    if endorsements:
        marks["endorsements_typed_by_hand"] = endorsements
    cache.marks[holder] = marks
    return marks


def _judge(
    target: _Target,
    rows: RecordRows,
    cache: FanOutCache,
    waivers: dict[uuid.UUID, list[Waiver]],
    today: date,
) -> tuple[EngineVerdict, date | None, str, str] | None:
    """The engine's verdict on one engagement against `rows`, with when its coverage ends and
    the requirement set's label and hash; None when its stored set cannot be read."""
    engagement = target.engagement
    requirement_entry = cache.requirements.get(engagement.requirement_set_version_id)
    if requirement_entry is None:
        return None
    requirements = requirement_entry[0]
    holder = requirements.certificate_holder_name or target.project.certificate_holder
    if holder not in cache.records:
        cache.records[holder] = record_as_of(rows, today, holder)
    record = cache.records[holder]
    window = expiring_window_days(target.gc.settings)
    context = context_for(
        target.project,
        engagement,
        parent_sub_name=target.parent_sub_name,
        ratings=cache.ratings.get(target.gc.id, EMPTY_RATINGS),
        window_days=window,
    )
    live = tuple(waivers.get(engagement.id, ()))
    # Everything the judgement reads (the engine is pure): engagements whose facts are all
    # alike share one. The ratings table is named by identity (it holds a dict); tables live
    # in the cache (or are the shared empty one) for as long as the memo does.
    memo_key = (
        engagement.requirement_set_version_id,
        holder,
        _context_values(context),
        id(context.insurer_ratings),
        target.project.end_date,
        target.project.closeout_days,
        live,
        today,
    )
    try:
        remembered = cache.judgements.get(memo_key)
    except TypeError:  # a context value that cannot be hashed: judge without the memo
        return _judged(target, requirement_entry, record, context, live, window, cache, today)
    if remembered is None:
        remembered = _judged(target, requirement_entry, record, context, live, window, cache, today)
        cache.judgements[memo_key] = remembered
    return remembered


# The context's fields other than the ratings table, in the memo key of `_judge`; read from
# the class, so a field the engine adds is keyed too.
_CONTEXT_VALUES: Final = tuple(
    f.name for f in dataclasses.fields(VerificationContext) if f.name != "insurer_ratings"
)
# Those fields' values, read in one C call (the memo key is made per engagement).
_context_values: Final[Callable[[VerificationContext], Any]] = attrgetter(*_CONTEXT_VALUES)


def _judged(
    target: _Target,
    requirement_entry: tuple[RequirementSet, str, str],
    record: RecordAsOf | None,
    context: VerificationContext,
    live: tuple[Waiver, ...],
    window: int,
    cache: FanOutCache,
    today: date,
) -> tuple[EngineVerdict, date | None, str, str]:
    requirements, version_label, body_sha256 = requirement_entry
    verdict = verify(requirements, record, context, today, live)
    verdict = holder_not_evaluable(verdict, record, window)
    # In the completed-operations phase only general liability is still asked for: its end is
    # the engagement's expiry (an auto or WC policy lapsing then changes nothing).
    judged_set = requirements
    if _phase(cache, target, today) == COMPLETED_OPERATIONS:
        judged_set = completed_operations_set(requirements) or requirements
    expires_on = coverage_end(record, judged_set, today)
    status = verdict.status
    if status == "non_compliant" and expires_on is not None and expires_on <= today:
        status = "expired"  # the deficiency is a lapse: say so, as the sweep would
    if status != verdict.status:
        verdict = EngineVerdict(
            status, verdict.on, verdict.checks, verdict.requirement_set, verdict.engine_version
        )
    return verdict, expires_on, version_label, body_sha256


@dataclass(frozen=True)
class Preview:
    """What a record would do to one engagement: its status now and the engine's verdict."""

    engagement: Engagement
    project: Project
    gc: Organisation
    verdict: EngineVerdict


async def preview_verdicts(
    session: AsyncSession, engagement_ids: Sequence[uuid.UUID], rows: RecordRows, today: date
) -> list[Preview]:
    """Judge these engagements against `rows` (a record that may exist only in memory) the way
    a fan-out would, writing nothing: no verdict, no engagement change, no snapshot."""
    targets = await _targets(session, rows.sub_org_id, engagement_ids)
    if not targets:
        return []
    # The page shows the rows themselves (a handful of engagements): judged from their facts.
    shown = {
        engagement.id: (engagement, project, gc)
        for engagement, project, gc in await VerificationRepository(session).parties(
            record_reach_scope(rows.sub_org_id), engagement_ids
        )
    }
    cache = FanOutCache()
    await _requirements(session, cache, {t.engagement.requirement_set_version_id for t in targets})
    cache.ratings.update(await load_ratings(session, {t.gc.id for t in targets}))
    waivers = await live_waivers(session, [t.engagement.id for t in targets], today)
    previews = []
    for target in targets:
        judgement = _judge(target, rows, cache, waivers, today)
        if judgement is not None and target.engagement.id in shown:
            previews.append(Preview(*shown[target.engagement.id], judgement[0]))
    return previews


async def verify_batch(
    session: AsyncSession,
    engagement_ids: Sequence[uuid.UUID],
    rows: RecordRows,
    revision: RecordRevision | None,
    today: date,
    cache: FanOutCache | None = None,
) -> list[VerdictChange]:
    """Verify these engagements (all of the sub `rows` describes) against `revision`."""
    cache = cache or FanOutCache()
    cache.unconfirmed.clear()  # a batch before this one that did not commit stored nothing
    revision_id = revision.id if revision is not None else None
    targets = await _targets(session, rows.sub_org_id, engagement_ids)
    if not targets:
        return []
    await _requirements(session, cache, {t.engagement.requirement_set_version_id for t in targets})
    # After its completed-operations years an engagement asks nothing more: a later renewal of
    # the sub's record is not judged against it.
    targets = [t for t in targets if _phase(cache, t, today) != FINISHED]
    if revision_id is not None and targets:
        done = await VerificationRepository(session).verified_on_revision(
            revision_id, [t.engagement.id for t in targets]
        )
        targets = [t for t in targets if (t.engagement.id, _phase(cache, t, today)) not in done]
    if not targets:
        return []
    new_gcs = {t.gc.id for t in targets} - cache.ratings.keys()
    cache.ratings.update(await load_ratings(session, new_gcs))
    waivers = await live_waivers(session, [t.engagement.id for t in targets], today)
    if cache.documents is None:
        cache.documents = _documents(rows, revision)
        cache.coverages = _coverages(rows)

    now = datetime.now(UTC)
    judged: dict[
        uuid.UUID, tuple[_Target, EngineVerdict, date | None, str, str, list[dict[str, Any]]]
    ] = {}
    phases: dict[uuid.UUID, tuple[str, date | None]] = {}
    verdict_rows: list[VerdictRow] = []
    batch = BatchChecks(cache)
    for target in targets:
        engagement = target.engagement
        judgement = _judge(target, rows, cache, waivers, today)
        if judgement is None:
            continue  # a stored set the codec refuses: nothing sound to judge against
        verdict, expires_on, version_label, body_sha256 = judgement
        requirements = cache.requirements[engagement.requirement_set_version_id]
        assert requirements is not None  # _judge returned a judgement
        project = target.project
        phase = _phase(cache, target, today)
        phases[engagement.id] = (
            phase,
            completed_operations_until(requirements[0], project.end_date, project.closeout_days),
        )
        checks_json = cache.checks_json(verdict)
        judged[engagement.id] = (
            target,
            verdict,
            expires_on,
            version_label,
            body_sha256,
            checks_json,
        )
        verdict_rows.append(
            VerdictRow(
                id=uuid.uuid4(),
                engagement_id=engagement.id,
                requirement_set_version_id=engagement.requirement_set_version_id,
                status=verdict.status,
                phase=phase,
                engine_version=verdict.engine_version,
                layout=batch.add(checks_json),
            )
        )
    if not verdict_rows:
        return []
    addresses = await batch.addresses(session)
    inserted = await insert_verdicts(session, verdict_rows, addresses, revision_id, today, now)
    if not inserted:
        return []

    releases = await _automatic_holds(session, list(inserted))
    # Shared by the batch's snapshots (frozen values): one decision time, one party per GC/sub.
    engine_decision = AuditDecision(action="verdict", by=ENGINE_PARTY, at=now)
    parties: dict[uuid.UUID, Party] = {}

    def party_of(organisation: _Party) -> Party:
        known = parties.get(organisation.id)
        if known is None:
            known = parties[organisation.id] = Party(
                id=str(organisation.id), name=organisation.legal_name
            )
        return known

    changes: list[VerdictChange] = []
    facts: list[SnapshotFacts] = []
    engagement_updates: list[EngagementUpdate] = []
    for engagement_id, judged_one in judged.items():
        verdict_id = inserted.get(engagement_id)
        if verdict_id is None:
            continue  # another writer stored this (engagement, revision, phase) first
        target, verdict, expires_on, version_label, body_sha256, checks_json = judged_one
        engagement = target.engagement
        released = engagement_id in releases and verdict.status in GOOD_STANDING
        update = EngagementUpdate(
            id=engagement_id,
            status=verdict.status,
            expires_on=expires_on,
            status_changed_at=(
                now if verdict.status != engagement.status else engagement.status_changed_at
            ),
            pay_hold=False if released else engagement.pay_hold,
            phase=phases[engagement_id][0],
            completed_operations_until=phases[engagement_id][1],
        )
        if update.changes(engagement):
            engagement_updates.append(update)
        facts.append(
            SnapshotFacts(
                kind="verdict",
                engagement_id=str(engagement_id),
                project=Party(id=str(target.project.id), name=target.project.name),
                gc=party_of(target.gc),
                sub=party_of(target.sub),
                record_revision=str(revision_id) if revision_id else "none",
                documents=cache.documents,
                requirement_set_version=version_label,
                requirement_set_sha256=body_sha256,
                status=verdict.status,
                checks=checks_json,
                decision=engine_decision,
                as_of=today,
                engine_version=verdict.engine_version,
                coverages=cache.coverages or [],
                extra={
                    "verdict_id": str(verdict_id),
                    "revision_number": revision.number if revision is not None else None,
                    "previous_status": engagement.status,
                    "expires_on": expires_on.isoformat() if expires_on else None,
                    **_typed_marks(rows, target, cache),
                },
            )
        )
        if released:
            facts.append(
                _release_facts(target, verdict_id, verdict.status, revision, now, today, facts[-1])
            )
        changes.append(
            VerdictChange(
                engagement_id=engagement_id,
                verdict_id=verdict_id,
                project_id=target.project.id,
                project_number=target.project.number,
                project_name=target.project.name,
                gc_org_id=target.gc.id,
                gc_name=target.gc.legal_name,
                sub_org_id=target.sub.id,
                sub_name=target.sub.legal_name,
                parent_engagement_id=engagement.parent_engagement_id,
                previous_status=engagement.status,
                status=verdict.status,
                expires_on=expires_on,
                open_checks=cache.open_checks(checks_json),
                pay_hold_released=released,
                flowdown_required=target.project.flowdown_required,
                contract=engagement.contract_label,
            )
        )
    await update_engagements(session, engagement_updates)
    if releases:
        await _record_releases(session, changes, revision, await _system_person(session))
    await append_snapshot_batch(session, facts, cache.fragments)
    await integration_events.verdicts_stored(session, changes)
    return changes


def _release_facts(
    target: _Target,
    verdict_id: uuid.UUID,
    status: str,
    revision: RecordRevision | None,
    now: datetime,
    today: date,
    verdict_facts: SnapshotFacts,
) -> SnapshotFacts:
    reason = (
        f"Coverage restored by record revision {revision.number if revision else '?'}; "
        "the automatic pay hold placed at the lapse is released."
    )
    return SnapshotFacts(
        kind="release",
        engagement_id=verdict_facts.engagement_id,
        project=verdict_facts.project,
        gc=verdict_facts.gc,
        sub=verdict_facts.sub,
        record_revision=verdict_facts.record_revision,
        documents=verdict_facts.documents,
        requirement_set_version=verdict_facts.requirement_set_version,
        requirement_set_sha256=verdict_facts.requirement_set_sha256,
        status=status,
        checks=verdict_facts.checks,
        decision=AuditDecision(action="release", by=SYSTEM_PARTY, at=now, reason=reason),
        as_of=today,
        engine_version=verdict_facts.engine_version,
        coverages=verdict_facts.coverages,
        extra={"verdict_id": str(verdict_id), "automatic": True},
    )


SYSTEM_EMAIL: Final = "expiry-sweep@system.coinet.invalid"
SYSTEM_PARTY: Final = Party(id="system", name="COI network (automatic)")


async def _system_person(session: AsyncSession) -> uuid.UUID:
    """The person automatic decisions are recorded under. It has no password and no
    membership, so nobody can sign in as it; decisions name it as 'COI network (automatic)'."""
    return await VerificationRepository(session).system_person(SYSTEM_EMAIL, SYSTEM_PARTY.name)


system_person_id = _system_person


async def _automatic_holds(
    session: AsyncSession, engagement_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Engagements on pay hold whose latest hold decision was placed by the expiry sweep
    (the ids are those a batch just judged, read in the record's reach)."""
    latest: dict[uuid.UUID, tuple[str, dict[str, Any]]] = {}
    for engagement_id, kind, details in await VerificationRepository(session).hold_decisions(
        engagement_ids
    ):
        latest[engagement_id] = (kind, details or {})
    return {
        engagement_id
        for engagement_id, (kind, details) in latest.items()
        if kind == "pay_hold" and details.get("automatic") is True
    }


async def _record_releases(
    session: AsyncSession,
    changes: Sequence[VerdictChange],
    revision: RecordRevision | None,
    person_id: uuid.UUID,
) -> None:
    rows = [
        {
            "id": uuid.uuid4(),
            "engagement_id": change.engagement_id,
            "verdict_id": change.verdict_id,
            "kind": "release",
            "check_code": "",
            "reason": "Released automatically: a compliant renewal restored coverage.",
            "expires_on": None,
            "decided_by_id": person_id,
            "created_at": datetime.now(UTC),
            "details": {
                "automatic": True,
                "revision_id": str(revision.id) if revision else None,
                "revision_number": revision.number if revision else None,
            },
        }
        for change in changes
        if change.pay_hold_released
    ]
    await VerificationRepository(session).add_decisions(rows)


async def verify_engagement(
    session: AsyncSession,
    engagement_id: uuid.UUID,
    revision_id: uuid.UUID | None,
    today: date,
) -> VerdictChange | None:
    """Verify one engagement against one revision of its sub's record (None: the latest).

    Returns what changed, or None when this (engagement, revision) was already verified.
    """
    from backend.projects.engine_input import load_record_rows

    sub_org_id = await VerificationRepository(session).sub_of_engagement(engagement_id)
    if sub_org_id is None:
        return None
    records = RecordRepository(session)
    revision: RecordRevision | None
    if revision_id is None:
        revision = await records.latest_revision(sub_org_id)
    else:
        # One of the sub's own revisions: another record's never judges this engagement.
        revision = await records.revision(RecordRevision.sub_org_id == sub_org_id, revision_id)
        if revision is None:
            return None
    known_at = revision.created_at if revision is not None else None
    rows = await load_record_rows(session, sub_org_id, known_at)
    changes = await verify_batch(session, [engagement_id], rows, revision, today)
    return changes[0] if changes else None


# The fan-out's reads (workers/fanout.py): a system job acting for one sub's record, so every
# engagement it reads is under `record_reach_scope` of the revision's sub.


async def record_change(
    session: AsyncSession, event_id: uuid.UUID, kind: str
) -> tuple[OutboxEvent, RecordRevision] | None:
    """The record-change event a fan-out job was given and the revision it names (None when
    the event is not of this kind or either row is gone)."""
    return await VerificationRepository(session).record_change(event_id, kind)


async def latest_revision_number(session: AsyncSession, sub_org_id: uuid.UUID) -> int | None:
    """The number of the sub's latest record revision."""
    return await VerificationRepository(session).latest_revision_number(sub_org_id)


async def pending_engagement_ids(
    session: AsyncSession,
    revision: RecordRevision,
    *,
    within: tuple[uuid.UUID, uuid.UUID] | None = None,
    created_by: datetime | None = None,
) -> list[uuid.UUID]:
    """The engagements a change to the sub's record reaches still to verify against this
    revision (none verified against a later one), by id; `within` and `created_by` as in
    `VerificationRepository.pending_engagement_ids`."""
    return await VerificationRepository(session).pending_engagement_ids(
        record_reach_scope(revision.sub_org_id), revision, within=within, created_by=created_by
    )


async def has_pending_engagements(
    session: AsyncSession, revision: RecordRevision, *, created_by: datetime | None = None
) -> bool:
    """Whether `pending_engagement_ids` would find any (one row read)."""
    return await VerificationRepository(session).any_pending(
        record_reach_scope(revision.sub_org_id), revision, created_by=created_by
    )


async def recent_latest_changes(
    session: AsyncSession, kind: str, since: datetime
) -> list[tuple[uuid.UUID, datetime, RecordRevision]]:
    """Every sub's published record changes of this kind since then whose revision is still
    the sub's latest (the resume cron's candidates)."""
    return await VerificationRepository(session).recent_latest_changes(kind, since)
