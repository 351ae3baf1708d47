"""Requirement sets: what a GC demands of a sub's insurance on a project, for one trade.

A requirement set is an immutable, versioned value. It validates itself on construction and
refuses contradictions (an aggregate below its each-occurrence limit, a validity that ends
before it starts, an option on a line it does not apply to) with a RequirementError naming the
field, in the JSON path of FORMAT.md, so a GC sees where to look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from backend.requirements.ratings import RatingError, normalise_rating, normalise_size_class
from backend.requirements.vocabulary import (
    AUTO_LIABILITY,
    GENERAL_LIABILITY,
    LIMIT_KINDS,
    REQUIRABLE_LINES,
    THROUGH_CLOSEOUT_LEVELS,
    UMBRELLA,
    US_STATES,
    WORKERS_COMPENSATION,
)

TIERS: Final = ("high", "elevated", "moderate", "standard", "lower")
# Statutes of repose for construction run up to about 12 years in most states (a few longer);
# a completed-operations phase beyond 15 years is a typo rather than a demand.
MAX_COMPLETED_OPERATIONS_YEARS: Final = 15

# An aggregate (second) must not be below the per-event limit (first) on the same line.
_LIMIT_ORDER_RULES: Final = (
    (GENERAL_LIABILITY, "each_occurrence", "general_aggregate"),
    (GENERAL_LIABILITY, "each_occurrence", "products_completed_operations_aggregate"),
    (UMBRELLA, "each_occurrence", "aggregate"),
    (AUTO_LIABILITY, "bodily_injury_per_person", "bodily_injury_per_accident"),
    (WORKERS_COMPENSATION, "el_disease_each_employee", "el_disease_policy_limit"),
)

_FORM_PATTERN: Final = re.compile(r"^([A-Z]{2}) ?(\d{2}) ?(\d{2})(?: ?(\d{2}) ?(\d{2}))?$")
_FORM_SEPARATORS: Final = re.compile(r"[\s\-/.]+")


class RequirementError(ValueError):
    """A requirement set that cannot be accepted; `field` is its JSON path (FORMAT.md)."""

    def __init__(self, field_path: str, message: str) -> None:
        super().__init__(f"{field_path}: {message}")
        self.field = field_path
        self.reason = message


@dataclass(frozen=True, slots=True)
class FormEdition:
    """An endorsement form, e.g. ISO CG 20 10, optionally at one edition (04 13 = April 2013)."""

    form: str
    edition: str | None = None

    def accepts(self, form: str | None, edition: str | None) -> bool:
        return form == self.form and (self.edition is None or edition == self.edition)

    def __str__(self) -> str:
        return self.form if self.edition is None else f"{self.form} {self.edition}"


def parse_form_edition(text: str) -> FormEdition:
    """Read "CG 20 10", "CG2010", "CG 20 10 04 13" or "CG 20 10 04/13" into a FormEdition."""
    cleaned = _FORM_SEPARATORS.sub(" ", text.strip().upper())
    match = _FORM_PATTERN.match(cleaned)
    if match is None:
        raise ValueError(f"{text!r} is not an ISO form like 'CG 20 10' or 'CG 20 10 04 13'")
    prefix, first, second, month, year = match.groups()
    edition = f"{month} {year}" if month else None
    return FormEdition(f"{prefix} {first} {second}", edition)


def normalise_form_number(text: str | None) -> str | None:
    """A record's form number in the FormEdition spelling, or None when it is not an ISO form."""
    if not text:
        return None
    try:
        return parse_form_edition(text).form
    except ValueError:
        return text.strip().upper()


def normalise_carrier_form(text: str) -> str:
    """A carrier's form number as compared: upper case, separators as single spaces."""
    return " ".join(_FORM_SEPARATORS.sub(" ", text.upper()).split())


def normalise_edition(text: str | None) -> str | None:
    """An edition such as "04/13", "0413" or "04 13" spelled "04 13"."""
    if not text:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 4:
        return f"{digits[:2]} {digits[2:]}"
    return text.strip()


@dataclass(frozen=True, slots=True)
class LineRequirement:
    """Minimums and conditions for one line of coverage.

    `limits` holds (kind, minimum dollars) pairs in the order of vocabulary.LIMIT_KINDS. Options
    that belong to one line only (any auto, follows form, states, ...) are refused elsewhere.
    """

    line: str
    limits: tuple[tuple[str, int], ...] = ()
    waiver_of_subrogation: bool = False
    claims_made_allowed: bool = False
    tail_years: int = 0
    per_project_aggregate: bool = False
    any_auto: bool = False
    follows_form: bool = False
    states: tuple[str, ...] = ()
    only_if_employees_on_site: bool = False
    owners_exclusion_allowed: bool = False

    def __post_init__(self) -> None:
        path = f"lines.{self.line}"
        if self.line not in REQUIRABLE_LINES:
            raise RequirementError(
                path, f"unknown line; expected one of {', '.join(REQUIRABLE_LINES)}"
            )
        known_kinds = LIMIT_KINDS[self.line]
        seen: set[str] = set()
        for kind, amount in self.limits:
            kind_path = f"{path}.limits.{kind}"
            if kind not in known_kinds:
                raise RequirementError(
                    kind_path,
                    f"unknown limit kind for {self.line}; expected one of {', '.join(known_kinds)}",
                )
            if kind in seen:
                raise RequirementError(kind_path, "limit kind given twice")
            seen.add(kind)
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                raise RequirementError(kind_path, "a minimum limit is a positive whole dollar sum")
        ordered = tuple(sorted(self.limits, key=lambda pair: known_kinds.index(pair[0])))
        object.__setattr__(self, "limits", ordered)
        _refuse_option_off_line(self, path)
        if self.tail_years < 0 or self.tail_years > 20:
            raise RequirementError(f"{path}.tail_years", "tail years must be between 0 and 20")
        if self.tail_years and not self.claims_made_allowed:
            raise RequirementError(
                f"{path}.tail_years", "a tail only applies when claims_made_allowed is true"
            )
        for state in self.states:
            if state not in US_STATES:
                raise RequirementError(f"{path}.states", f"{state!r} is not a US state code")
        object.__setattr__(self, "states", tuple(sorted(set(self.states))))
        limits = dict(self.limits)
        for line, lower_kind, upper_kind in _LIMIT_ORDER_RULES:
            if line != self.line or lower_kind not in limits or upper_kind not in limits:
                continue
            if limits[upper_kind] < limits[lower_kind]:
                raise RequirementError(
                    f"{path}.limits.{upper_kind}",
                    f"{upper_kind} ({limits[upper_kind]}) is below {lower_kind} "
                    f"({limits[lower_kind]}); an aggregate cannot be less than one event",
                )

    def minimum(self, kind: str) -> int | None:
        for known_kind, amount in self.limits:
            if known_kind == kind:
                return amount
        return None


def _refuse_option_off_line(requirement: LineRequirement, path: str) -> None:
    line = requirement.line
    misplaced: list[tuple[str, bool, tuple[str, ...]]] = [
        (
            "claims_made_allowed",
            requirement.claims_made_allowed,
            (GENERAL_LIABILITY, UMBRELLA),
        ),
        ("tail_years", requirement.tail_years > 0, (GENERAL_LIABILITY, UMBRELLA)),
        ("per_project_aggregate", requirement.per_project_aggregate, (GENERAL_LIABILITY,)),
        ("any_auto", requirement.any_auto, (AUTO_LIABILITY,)),
        ("follows_form", requirement.follows_form, (UMBRELLA,)),
        ("states", bool(requirement.states), (WORKERS_COMPENSATION,)),
        (
            "only_if_employees_on_site",
            requirement.only_if_employees_on_site,
            (WORKERS_COMPENSATION,),
        ),
        (
            "owners_exclusion_allowed",
            requirement.owners_exclusion_allowed,
            (WORKERS_COMPENSATION,),
        ),
        (
            "waiver_of_subrogation",
            requirement.waiver_of_subrogation,
            (GENERAL_LIABILITY, AUTO_LIABILITY, UMBRELLA, WORKERS_COMPENSATION),
        ),
    ]
    for option, is_set, allowed_lines in misplaced:
        if is_set and line not in allowed_lines:
            raise RequirementError(
                f"{path}.{option}",
                f"{option} does not apply to {line}; only to " + ", ".join(allowed_lines),
            )


@dataclass(frozen=True, slots=True)
class AdditionalInsuredRequirement:
    """Additional-insured status for the project's parties (GC, owner, lender, ...).

    `parties` are names required on every project using this set, on top of the project's own
    list. Empty `*_forms` accept any form; otherwise only the forms (and editions) listed.
    `refused_forms` are refused whatever else is accepted (a GC refusing CG 20 10 07 04, say).
    `equivalent_forms` pairs a carrier's own form number with the ISO form the GC accepts it
    as (the GC has read it); the engine then judges the carrier form as that ISO form.
    """

    ongoing: bool = False
    completed: bool = False
    lines: tuple[str, ...] = (GENERAL_LIABILITY,)
    blanket_allowed: bool = True
    parties: tuple[str, ...] = ()
    ongoing_forms: tuple[FormEdition, ...] = ()
    completed_forms: tuple[FormEdition, ...] = ()
    refused_forms: tuple[FormEdition, ...] = ()
    equivalent_forms: tuple[tuple[str, FormEdition], ...] = ()
    ongoing_form_labels: tuple[str, ...] = field(init=False, repr=False, compare=False)
    completed_form_labels: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Spelled once here: verdicts quote them as the expected value of every form check.
        labels = tuple(str(form) for form in self.ongoing_forms)
        object.__setattr__(self, "ongoing_form_labels", labels)
        labels = tuple(str(form) for form in self.completed_forms)
        object.__setattr__(self, "completed_form_labels", labels)
        for line in self.lines:
            if line not in (GENERAL_LIABILITY, AUTO_LIABILITY, UMBRELLA):
                raise RequirementError(
                    "additional_insured.lines",
                    f"{line!r}: additional insured applies to general_liability, "
                    "auto_liability or umbrella",
                )
        if len(set(self.lines)) != len(self.lines):
            raise RequirementError("additional_insured.lines", "a line is listed twice")
        for party in self.parties:
            if not party.strip():
                raise RequirementError("additional_insured.parties", "a party name is empty")
        carriers = [normalise_carrier_form(carrier) for carrier, _iso in self.equivalent_forms]
        if any(not carrier for carrier in carriers):
            raise RequirementError("additional_insured.equivalent_forms", "a form number is empty")
        if len(set(carriers)) != len(carriers):
            raise RequirementError("additional_insured.equivalent_forms", "a form is given twice")
        object.__setattr__(
            self,
            "equivalent_forms",
            tuple(
                (carrier, iso)
                for carrier, (_given, iso) in zip(carriers, self.equivalent_forms, strict=True)
            ),
        )

    @property
    def required(self) -> bool:
        return self.ongoing or self.completed


@dataclass(frozen=True, slots=True)
class InsurerRequirement:
    """The insurer's A.M. Best floor; None means no floor for that part."""

    minimum_rating: str | None = None
    minimum_size_class: str | None = None
    naic_required: bool = False
    surplus_lines_allowed: bool = True

    def __post_init__(self) -> None:
        try:
            if self.minimum_rating is not None:
                object.__setattr__(self, "minimum_rating", normalise_rating(self.minimum_rating))
        except RatingError as exc:
            raise RequirementError("insurer.minimum_rating", str(exc)) from None
        try:
            if self.minimum_size_class is not None:
                normalised = normalise_size_class(self.minimum_size_class)
                object.__setattr__(self, "minimum_size_class", normalised)
        except RatingError as exc:
            raise RequirementError("insurer.minimum_size_class", str(exc)) from None


@dataclass(frozen=True, slots=True)
class RequirementSet:
    """Everything one trade must carry on a project. Hashable, so the engine can memoise the
    checks it compiles from a set.

    `coverage_through_closeout` is the severity ("off", "warning", "blocking") of the check that
    each policy reaches project end + close-out: annual policies are usually renewed during a
    longer project, so templates warn and a GC may make it blocking.

    `combined_limits`: an umbrella or excess policy that follows form over a line and is in force
    for as long as the line's term counts toward that line's minimums (GL each occurrence and
    aggregates, auto, employer's liability), as most subcontracts allow.

    `completed_operations_years`: after project end plus close-out, the engagement continues for
    that many years in a completed-operations phase, in which each renewal of general liability
    must still show completed-operations AI and the products-completed operations aggregate.

    `endorsements_on_file`: when true, a certificate's mention of an endorsement (the INSD / SUBR
    WVD "Y", or wording in the description) is a claim only, and the check stays unverified until
    the endorsement itself is in the record; when false, the certificate's claim is accepted.
    """

    name: str
    lines: tuple[LineRequirement, ...]
    version: int = 1
    tier: str | None = None
    owner: str | None = None
    additional_insured: AdditionalInsuredRequirement = field(
        default_factory=AdditionalInsuredRequirement
    )
    primary_noncontributory: bool = False
    notice_of_cancellation_days: int | None = None
    insurer: InsurerRequirement = field(default_factory=InsurerRequirement)
    certificate_holder_name: str | None = None
    coverage_through_closeout: str = "warning"
    endorsements_on_file: bool = True
    combined_limits: bool = False
    completed_operations_years: int = 0
    valid_from: date | None = None
    valid_until: date | None = None
    derived_from: tuple[str, int] | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise RequirementError("name", "a requirement set needs a name")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise RequirementError("version", "version is a whole number from 1")
        if self.tier is not None and self.tier not in TIERS:
            raise RequirementError("tier", f"unknown tier; expected one of {', '.join(TIERS)}")
        names = [requirement.line for requirement in self.lines]
        if len(set(names)) != len(names):
            raise RequirementError("lines", "a line is given twice")
        ordered = tuple(sorted(self.lines, key=lambda item: REQUIRABLE_LINES.index(item.line)))
        object.__setattr__(self, "lines", ordered)
        for line in self.additional_insured.lines:
            if self.additional_insured.required and line not in names:
                raise RequirementError(
                    "additional_insured.lines",
                    f"additional insured is required on {line}, which the set does not require",
                )
        if self.notice_of_cancellation_days is not None and not (
            1 <= self.notice_of_cancellation_days <= 365
        ):
            raise RequirementError(
                "notice_of_cancellation_days", "notice days must be between 1 and 365"
            )
        years = self.completed_operations_years
        if (
            isinstance(years, bool)
            or not isinstance(years, int)
            or not (0 <= years <= MAX_COMPLETED_OPERATIONS_YEARS)
        ):
            raise RequirementError(
                "completed_operations_years",
                f"a whole number of years from 0 to {MAX_COMPLETED_OPERATIONS_YEARS}",
            )
        if self.coverage_through_closeout not in THROUGH_CLOSEOUT_LEVELS:
            raise RequirementError(
                "coverage_through_closeout",
                f"expected one of {', '.join(THROUGH_CLOSEOUT_LEVELS)}",
            )
        if self.certificate_holder_name is not None and not self.certificate_holder_name.strip():
            raise RequirementError("certificate_holder_name", "give a name or leave it out")
        if (
            self.valid_from is not None
            and self.valid_until is not None
            and self.valid_until < self.valid_from
        ):
            raise RequirementError(
                "valid_until",
                f"ends {self.valid_until.isoformat()}, before it starts "
                f"{self.valid_from.isoformat()}",
            )

    def line(self, line: str) -> LineRequirement | None:
        for requirement in self.lines:
            if requirement.line == line:
                return requirement
        return None

    @property
    def required_lines(self) -> tuple[str, ...]:
        return tuple(requirement.line for requirement in self.lines)
