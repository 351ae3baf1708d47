"""What the engine reads: a sub's master record as of a date.

These are plain immutable values so that any source can build them: the ACORD 25 reader's JSON
(`backend.verification.acord_adapter.record_from_acord_json`) or, later, the database rows of the
records domain. Every value that came from a document may carry an Evidence saying where.

Dates follow the certificate: a term covers `effective` up to, but not including, `expiration`
(policies end at 12:01 a.m. on the expiration date), so a renewal effective on the previous
term's expiration date leaves no gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Final

from backend.requirements.names import normalise_entity_name
from backend.requirements.vocabulary import EXCESS, UMBRELLA

# Endorsement kinds.
AI_ONGOING: Final = "additional_insured_ongoing"
AI_COMPLETED: Final = "additional_insured_completed"
PRIMARY_NONCONTRIBUTORY: Final = "primary_noncontributory"
WAIVER_OF_SUBROGATION: Final = "waiver_of_subrogation"
PER_PROJECT_AGGREGATE: Final = "per_project_aggregate"
NOTICE_OF_CANCELLATION: Final = "notice_of_cancellation"
# Employer's liability for a monopolistic state, whose state fund carries none (on GL or WC).
STOP_GAP: Final = "stop_gap_employers_liability"
OTHER: Final = "other"
ENDORSEMENT_KINDS: Final = (
    AI_ONGOING,
    AI_COMPLETED,
    PRIMARY_NONCONTRIBUTORY,
    WAIVER_OF_SUBROGATION,
    PER_PROJECT_AGGREGATE,
    NOTICE_OF_CANCELLATION,
    STOP_GAP,
    OTHER,
)

# Where an endorsement is known from: the endorsement document itself, or only a certificate's
# claim about it (a "Y" in INSD / SUBR WVD, or wording in the description of operations).
SOURCE_ENDORSEMENT: Final = "endorsement"
SOURCE_CERTIFICATE: Final = "certificate"


def init_values(value: Any) -> tuple[object, ...]:
    """The values a dataclass instance was made from, in its constructor's order.

    The engine compiles these classes with mypyc (backend/verification/native.py), whose frozen
    dataclasses cannot be copied or pickled field by field; each class's __reduce__ rebuilds the
    instance from these values instead, whether compiled or not.
    """
    return tuple(getattr(value, item.name) for item in fields(value) if item.init)


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a value was read: the document (SHA-256 or id), page, JSON pointer, box in points."""

    document: str | None = None
    page: int | None = None
    pointer: str | None = None
    bbox: tuple[float, float, float, float] | None = None

    def __reduce__(self) -> tuple[type[Evidence], tuple[object, ...]]:
        return (Evidence, init_values(self))


@dataclass(frozen=True, slots=True)
class Term:
    """One policy period and what it carries.

    `limits` maps limit kinds (vocabulary.LIMIT_KINDS) to whole dollars, None when unreadable;
    `included_limits` are the kinds shown as "Included" (inside another limit, judged through it).
    `officers_excluded` is the WC row's "proprietor/partner/officer/member excluded" mark.
    Optional facts are None when unknown, which the engine reports as "cannot be evaluated",
    never as a pass. `evidence` maps a field name ("effective", "policy_number",
    "limits.each_occurrence", "covered_autos", ...) to where it was read.
    """

    effective: date
    expiration: date
    policy_number: str | None = None
    basis: str | None = None
    retro_date: date | None = None
    tail_years: int | None = None
    limits: Mapping[str, int | None] = field(default_factory=dict)
    covered_autos: tuple[str, ...] | None = None
    follows_form: bool | None = None
    follows_form_over: tuple[str, ...] | None = None
    statutory: bool | None = None
    wc_states: tuple[str, ...] | None = None
    aggregate_applies_per: str | None = None
    additional_insured_flag: bool | None = None
    subrogation_waived_flag: bool | None = None
    evidence: Mapping[str, Evidence] = field(default_factory=dict)
    included_limits: tuple[str, ...] = ()
    officers_excluded: bool | None = None

    def covers(self, day: date) -> bool:
        return self.effective <= day < self.expiration

    def __reduce__(self) -> tuple[type[Term], tuple[object, ...]]:
        return (Term, init_values(self))


@dataclass(frozen=True, slots=True)
class Policy:
    """A policy of one line with its terms (renewals under the same number are new terms)."""

    line: str
    terms: tuple[Term, ...]
    insurer_name: str | None = None
    insurer_naic: str | None = None
    evidence: Mapping[str, Evidence] = field(default_factory=dict)

    def __reduce__(self) -> tuple[type[Policy], tuple[object, ...]]:
        return (Policy, init_values(self))


@dataclass(frozen=True, slots=True)
class Endorsement:
    """An endorsement form, or a certificate's claim that one exists (see `source`).

    `lines` are the lines it amends. `blanket` is true for "automatic status when required by
    written contract" wording, false for a schedule of `named_parties`, None when unknown.
    `effective` / `expiration` None mean "as the policy". `wording` keeps text that matters
    (conditional language is a red flag). Derived: `party_keys`, the named parties as
    names.normalise_entity_name folds them; `form_label`, e.g. "CG 20 10 04 13".
    """

    kind: str
    lines: tuple[str, ...]
    source: str = SOURCE_ENDORSEMENT
    form_number: str | None = None
    edition: str | None = None
    blanket: bool | None = None
    named_parties: tuple[str, ...] = ()
    effective: date | None = None
    expiration: date | None = None
    notice_days: int | None = None
    wording: str | None = None
    evidence: Evidence | None = None
    party_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    form_label: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = frozenset(normalise_entity_name(name) for name in self.named_parties)
        object.__setattr__(self, "party_keys", keys)
        label = self.form_number
        if label is not None and self.edition is not None:
            label = f"{label} {self.edition}"
        object.__setattr__(self, "form_label", label)

    @property
    def on_file(self) -> bool:
        return self.source == SOURCE_ENDORSEMENT

    def in_effect(self, day: date) -> bool:
        if self.effective is not None and day < self.effective:
            return False
        return self.expiration is None or day < self.expiration

    def __reduce__(self) -> tuple[type[Endorsement], tuple[object, ...]]:
        return (Endorsement, init_values(self))


@dataclass(frozen=True, slots=True)
class RecordAsOf:
    """A sub's master record as it stood on `as_of`, seen from one engagement.

    `certificate_holder_name` is the holder of the certificate issued for this engagement's GC
    (a master record holds one certificate per holder). `unreadable_lines` are lines a document
    shows but whose policy dates could not be read (checked as unknown, not as absent).
    `remarks_attached`: the certificate's description says its remarks continue on an
    attachment ("see attached ACORD 101") that is not part of what was read, so an endorsement
    the certificate does not show may be claimed there (checked as unknown, not as absent).
    `terms_by_line` is derived: for each
    line, (policy, term) pairs sorted by effective date, an excess policy counting as umbrella;
    `endorsements_by_kind` groups the endorsements by kind.
    """

    as_of: date
    policies: tuple[Policy, ...]
    endorsements: tuple[Endorsement, ...] = ()
    insured_name: str | None = None
    certificate_holder_name: str | None = None
    description_of_operations: str | None = None
    unreadable_lines: tuple[str, ...] = ()
    evidence: Mapping[str, Evidence] = field(default_factory=dict)
    remarks_attached: bool = False
    terms_by_line: Mapping[str, tuple[tuple[Policy, Term], ...]] = field(
        init=False, repr=False, compare=False
    )
    endorsements_by_kind: Mapping[str, tuple[Endorsement, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        grouped: dict[str, list[tuple[Policy, Term]]] = {}
        for policy in self.policies:
            line = UMBRELLA if policy.line == EXCESS else policy.line
            bucket = grouped.setdefault(line, [])
            bucket.extend((policy, term) for term in policy.terms)
        index = {
            line: tuple(sorted(pairs, key=lambda pair: (pair[1].effective, pair[1].expiration)))
            for line, pairs in grouped.items()
        }
        object.__setattr__(self, "terms_by_line", index)
        by_kind: dict[str, list[Endorsement]] = {}
        for endorsement in self.endorsements:
            by_kind.setdefault(endorsement.kind, []).append(endorsement)
        kinds = {kind: tuple(items) for kind, items in by_kind.items()}
        object.__setattr__(self, "endorsements_by_kind", kinds)

    def __reduce__(self) -> tuple[type[RecordAsOf], tuple[object, ...]]:
        return (RecordAsOf, init_values(self))
