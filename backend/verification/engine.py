"""The verification engine: requirements x record as of D x engagement context -> verdict.

Pure: no I/O, no clock, no randomness; equal inputs give equal verdicts. Every evaluated check
is listed, passed or not, with expected and found values and the evidence it was read from.

Rules worth knowing (CHECKS.md has the full table):
- Coverage is judged on the "coverage day": the verdict date, or the sub's work start when
  that is later (a sub onboarded before starting needs coverage from its first day on site).
- When no term of a line is in force on that day, the line fails LINE_IN_FORCE and the checks
  that read a term (limits, insurer, basis, ...) are not evaluated rather than read from a
  neighbouring term.
- An endorsement known only from a certificate is a claim: with `endorsements_on_file` the
  check is unknown (the verdict is incomplete) until the endorsement is in the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Final

from backend.requirements.model import LineRequirement, RequirementSet
from backend.requirements.ratings import InsurerRating, meets_minimum
from backend.requirements.vocabulary import (
    FOLLOW_FORM_UNDERLYING,
    LIMIT_KINDS,
    LINE_CODE_PREFIX,
    WORKERS_COMPENSATION,
    limit_code,
)
from backend.verification.checks import (
    BLOCKING,
    FAIL,
    PASS,
    PLAIN_SPECS,
    SPECS,
    UNKNOWN,
    WARNING,
    Check,
    Waiver,
)
from backend.verification.checks import make_check as _check
from backend.verification.context import VerificationContext
from backend.verification.endorsements import check_endorsements, endorsement_outcome
from backend.verification.names import same_entity
from backend.verification.record import (
    PER_PROJECT_AGGREGATE,
    WAIVER_OF_SUBROGATION,
    Evidence,
    Policy,
    RecordAsOf,
    Term,
)
from backend.verification.verdict import ENGINE_VERSION, Verdict, conclude

__all__ = ["ENGINE_VERSION", "verify"]

_BLANK_POLICY_NUMBERS: Final = frozenset(
    {"", "TBD", "TBA", "N/A", "NA", "NONE", "PENDING", "APPLIED FOR", "BINDER", "TO BE ISSUED"}
)


# A spec as a plain tuple (code, requirement sentence, usual severity, waivable): unpacking a
# plain tuple into locals is much cheaper than four attribute reads on a NamedTuple, and a
# verification builds about seventy checks.
_Spec = tuple[str, str, str, bool]
# A limit's spec followed by the evidence key its amount is read from.
_LimitSpec = tuple[str, str, str, bool, str]


def _plain(code: str) -> _Spec:
    return PLAIN_SPECS[code]


# The specs of one line's checks, resolved once instead of looked up per verification, as a
# plain tuple that _check_line unpacks into locals in one step: present, policy number, in force,
# effective by work start, no gap, through close-out, expiry window, insurer NAIC, insurer
# rating, surplus lines, waiver of subrogation, occurrence basis, retro date, tail (the last
# three None for lines without a basis), then the limit specs by kind.
_LineCodes = tuple[
    _Spec,
    _Spec,
    _Spec,
    _Spec,
    _Spec,
    _Spec,
    _Spec,
    _Spec,
    _Spec,
    _Spec,
    _Spec,
    _Spec | None,
    _Spec | None,
    _Spec | None,
    dict[str, _LimitSpec],
]


def _line_codes(line: str) -> _LineCodes:
    prefix = LINE_CODE_PREFIX[line]

    def spec(suffix: str) -> _Spec:
        return _plain(f"{prefix}_{suffix}")

    def optional(suffix: str) -> _Spec | None:
        code = f"{prefix}_{suffix}"
        return _plain(code) if code in SPECS else None

    limits = {
        kind: (*_plain(limit_code(line, kind)), f"limits.{kind}") for kind in LIMIT_KINDS[line]
    }
    return (
        spec("PRESENT"),
        spec("POLICY_NUMBER"),
        spec("IN_FORCE"),
        spec("EFFECTIVE_BY_WORK_START"),
        spec("NO_GAP"),
        spec("THROUGH_CLOSEOUT"),
        spec("EXPIRY_WINDOW"),
        spec("INSURER_NAIC"),
        spec("INSURER_RATING"),
        spec("INSURER_SURPLUS_LINES"),
        spec("WAIVER_OF_SUBROGATION"),
        optional("OCCURRENCE_BASIS"),
        optional("RETRO_DATE"),
        optional("TAIL"),
        limits,
    )


_LINE_CODES: Final = {line: _line_codes(line) for line in LINE_CODE_PREFIX}
_PER_PROJECT_AGGREGATE: Final = _plain("GL_PER_PROJECT_AGGREGATE")
_ANY_AUTO: Final = _plain("AUTO_ANY_AUTO")
_FOLLOWS_FORM: Final = _plain("UMB_FOLLOWS_FORM")
_STATUTORY: Final = _plain("WC_STATUTORY")
_WC_STATES: Final = _plain("WC_STATES")
_HOLDER: Final = _plain("CERTIFICATE_HOLDER_NAME")
_FOLLOW_FORM_SET: Final = frozenset(FOLLOW_FORM_UNDERLYING)
_FOLLOWS_FORM_EXPECTED: Final = "follows form over " + ", ".join(FOLLOW_FORM_UNDERLYING)
_DAY_SPANS: Final[dict[int, timedelta]] = {}


def _days(count: int) -> timedelta:
    """timedelta(days=count), each one built once (contexts keep counts within 0..3650)."""
    span = _DAY_SPANS.get(count)
    if span is None:
        span = _DAY_SPANS[count] = timedelta(days=count)
    return span


# Checks are built with tuple.__new__ from a spec in the hot paths below: a verification makes
# dozens of them and a Python-level constructor call per check would dominate its cost.
_new = tuple.__new__


def verify(
    requirements: RequirementSet,
    record: RecordAsOf | None,
    context: VerificationContext,
    on: date,
    waivers: Iterable[Waiver] = (),
) -> Verdict:
    """Judge `record` against `requirements` for the engagement `context` on day `on`."""
    checks: list[Check] = []
    if record is None:
        checks.append(_check("RECORD_PRESENT", UNKNOWN, None, "a record of insurance", None))
    else:
        work_start = context.work_start
        coverage_day = work_start if work_start is not None and work_start > on else on
        closeout = requirements.coverage_through_closeout
        insurer = requirements.insurer
        rating_expected = None
        if insurer.minimum_rating is not None or insurer.minimum_size_class is not None:
            rating_expected = f"{insurer.minimum_rating or ''} {insurer.minimum_size_class or ''}"
        gap_window_start = work_start or context.project_start
        # As VerificationContext.coverage_needed_until, with the day counts' timedeltas reused:
        # building a timedelta costs about as much as a whole check.
        project_end = context.project_end
        needed_until = None if project_end is None else project_end + _days(context.closeout_days)
        window_end = on + _days(context.expiring_window_days)
        closeout_severity = (
            None if closeout == "off" else BLOCKING if closeout == BLOCKING else WARNING
        )
        if rating_expected is not None:
            rating_expected = rating_expected.strip()
        minimum_rating = insurer.minimum_rating or "S"
        minimum_size_class = insurer.minimum_size_class or "I"
        naic_severity = BLOCKING if insurer.naic_required else WARNING
        surplus_lines_severity = WARNING if insurer.surplus_lines_allowed else BLOCKING
        ratings_by_naic = context.insurer_ratings.by_naic
        employees_on_site = context.employees_on_site
        for line_requirement in requirements.lines:
            if line_requirement.only_if_employees_on_site and not employees_on_site:
                continue
            # Everything a line reads is passed as arguments: cheaper than a bundle to unpack.
            _check_line(
                line_requirement,
                checks,
                requirements,
                record,
                context,
                coverage_day,
                work_start,
                gap_window_start,
                needed_until,
                window_end,
                closeout_severity,
                rating_expected,
                minimum_rating,
                minimum_size_class,
                naic_severity,
                surplus_lines_severity,
                ratings_by_naic,
            )
        _check_holder(checks, requirements, record, context)
        check_endorsements(checks, requirements, record, context, coverage_day)
    return conclude(requirements, on, checks, waivers, context.expiring_window_days)


def _check_line(
    requirement: LineRequirement,
    checks: list[Check],
    requirements: RequirementSet,
    record: RecordAsOf,
    context: VerificationContext,
    coverage_day: date,
    work_start: date | None,
    gap_window_start: date | None,
    needed_until: date | None,
    window_end: date,
    closeout_severity: str | None,
    rating_expected: str | None,
    minimum_rating: str,
    minimum_size_class: str,
    naic_severity: str,
    surplus_lines_severity: str,
    ratings_by_naic: Mapping[str, InsurerRating],
) -> None:
    """Every check of one line, in the order verdicts list them.

    One long function on purpose: it runs for each line of each verification, and splitting it
    costs a call and a round of attribute reads per part.
    """
    line = requirement.line
    (
        present,
        policy_number_spec,
        in_force,
        effective_by_work_start,
        no_gap,
        through_closeout,
        expiry_window,
        insurer_naic,
        insurer_rating,
        insurer_surplus_lines,
        waiver_of_subrogation,
        occurrence_basis,
        retro_date,
        tail,
        limit_specs,
    ) = _LINE_CODES[line]
    append = checks.append
    new = _new
    pairs = record.terms_by_line.get(line, ())
    code, text, severity, waivable = present
    if not pairs:
        if line in record.unreadable_lines:
            found: object = "dates unreadable"
            outcome = UNKNOWN
        else:
            found, outcome = False, FAIL
        append(new(Check, (code, outcome, line, text, True, found, severity, waivable, None,
                           None)))  # fmt: skip
        return
    append(new(Check, (code, PASS, line, text, True, True, severity, waivable,
                       pairs[-1][1].evidence.get("effective"), None)))  # fmt: skip

    # Dates: which term is in force, from when, until when, with or without gaps.
    several_terms = len(pairs) > 1
    current: tuple[Policy, Term] | None = pairs[0]
    if several_terms:
        current = None
        for pair in pairs:
            term = pair[1]
            if term.effective <= coverage_day < term.expiration:
                current = pair  # the newest term in force wins (pairs are sorted by effective)
    else:  # one term, the usual case
        term = pairs[0][1]
        if not term.effective <= coverage_day < term.expiration:
            current = None
    code, text, severity, waivable = in_force
    if current is None:
        latest = max(pair[1].expiration for pair in pairs)
        append(new(Check, (code, FAIL, line, text, coverage_day, latest, severity, waivable,
                           None, None)))  # fmt: skip
    else:
        term = current[1]
        append(new(Check, (code, PASS, line, text, coverage_day, term.expiration, severity,
                           waivable, term.evidence.get("expiration"), None)))  # fmt: skip
    if work_start is not None:
        first = pairs[0][1]
        if several_terms:
            covered = False
            for pair in pairs:
                term = pair[1]
                if term.effective <= work_start < term.expiration:
                    covered = True
                    break
        else:
            covered = first.effective <= work_start < first.expiration
        code, text, severity, waivable = effective_by_work_start
        append(new(Check, (code, PASS if covered else FAIL, line, text, work_start,
                           first.effective, severity, waivable, first.evidence.get("effective"),
                           None)))  # fmt: skip
    if several_terms:
        gap = _first_gap(pairs, gap_window_start, needed_until)
        code, text, severity, waivable = no_gap
        append(new(Check, (code, PASS if gap is None else FAIL, line, text, "no gap", gap,
                           severity, waivable, None, None)))  # fmt: skip
    if current is None:
        return
    policy, term = current
    # The term in force covers the coverage day, so continuous coverage reaches at least its end.
    covered_until = _continuous_until(pairs, coverage_day) if several_terms else term.expiration
    if needed_until is not None and closeout_severity is not None:
        reaches = covered_until is not None and covered_until >= needed_until
        code, text, severity, waivable = through_closeout
        append(new(Check, (code, PASS if reaches else FAIL, line, text, needed_until,
                           covered_until, closeout_severity, waivable, None,
                           None)))  # fmt: skip
    if covered_until is not None:
        lasts = covered_until > window_end or (
            needed_until is not None and covered_until >= needed_until
        )
        code, text, severity, waivable = expiry_window
        append(new(Check, (code, PASS if lasts else FAIL, line, text, window_end, covered_until,
                           severity, waivable, None, None)))  # fmt: skip

    evidence = term.evidence
    number = term.policy_number
    blank = number is None or number.strip().upper() in _BLANK_POLICY_NUMBERS
    code, text, severity, waivable = policy_number_spec
    append(new(Check, (code, FAIL if blank else PASS, line, text, "a policy number", number,
                       severity, waivable, evidence.get("policy_number"), None)))  # fmt: skip

    # The insurer: identified, rated at or above the floor, admitted.
    naic = policy.insurer_naic
    naic_evidence = policy.evidence.get("insurer_naic")
    valid = naic is not None and len(naic) == 5 and naic.isascii() and naic.isdigit()
    code, text, severity, waivable = insurer_naic
    append(new(Check, (code, PASS if valid else FAIL, line, text, "five-digit NAIC number", naic,
                       naic_severity, waivable, naic_evidence, None)))  # fmt: skip
    rating = ratings_by_naic.get(naic) if naic is not None else None
    if rating_expected is not None:
        if rating is None:
            outcome, found = UNKNOWN, None
        else:
            met = meets_minimum(
                rating.rating, rating.size_class, minimum_rating, minimum_size_class
            )
            outcome, found = (PASS if met else FAIL), rating.label
        code, text, severity, waivable = insurer_rating
        append(new(Check, (code, outcome, line, text, rating_expected, found, severity,
                           waivable, naic_evidence, None)))  # fmt: skip
    if rating is not None:
        surplus = rating.surplus_lines
        code, text, severity, waivable = insurer_surplus_lines
        append(new(Check, (code, FAIL if surplus else PASS, line, text, "admitted insurer",
                           "surplus lines" if surplus else "admitted", surplus_lines_severity,
                           waivable, naic_evidence, None)))  # fmt: skip

    limits = term.limits
    for kind, minimum in requirement.limits:
        amount = limits.get(kind)
        if amount is None and kind == "combined_single_limit":
            amount = _split_limits_floor(limits)
        outcome = UNKNOWN if amount is None else PASS if amount >= minimum else FAIL
        code, text, severity, waivable, evidence_key = limit_specs[kind]
        append(new(Check, (code, outcome, line, text, minimum, amount, severity, waivable,
                           evidence.get(evidence_key), None)))  # fmt: skip
    if occurrence_basis is not None:  # general liability and umbrella
        basis = term.basis
        if basis == "occurrence":  # the usual case, judged here without a call
            code, text, severity, waivable = occurrence_basis
            expected = (
                "occurrence or claims-made" if requirement.claims_made_allowed else "occurrence"
            )
            append(new(Check, (code, PASS, line, text, expected, basis, severity, waivable,
                               evidence.get("basis"), None)))  # fmt: skip
        else:
            _check_basis(
                checks,
                requirement,
                line,
                occurrence_basis,
                retro_date,
                tail,
                term,
                gap_window_start,
            )
    if requirement.waiver_of_subrogation:
        outcome, found, endorsement_evidence = endorsement_outcome(
            record, requirements, WAIVER_OF_SUBROGATION, line, coverage_day
        )
        code, text, severity, waivable = waiver_of_subrogation
        append(new(Check, (code, outcome, line, text, True, found, severity, waivable,
                           endorsement_evidence, None)))  # fmt: skip
    if requirement.per_project_aggregate:
        outcome, found, endorsement_evidence = endorsement_outcome(
            record, requirements, PER_PROJECT_AGGREGATE, line, coverage_day
        )
        if outcome == FAIL and term.aggregate_applies_per is not None:
            found = f"per {term.aggregate_applies_per}"
            endorsement_evidence = evidence.get("aggregate_applies_per")
        code, text, severity, waivable = _PER_PROJECT_AGGREGATE
        append(new(Check, (code, outcome, line, text, "per project", found, severity, waivable,
                           endorsement_evidence, None)))  # fmt: skip
    if requirement.any_auto:
        autos = term.covered_autos
        outcome = UNKNOWN if not autos else PASS if "any_auto" in autos else FAIL
        code, text, severity, waivable = _ANY_AUTO
        append(new(Check, (code, outcome, line, text, "any_auto", list(autos) if autos else None,
                           severity, waivable, evidence.get("covered_autos"), None)))  # fmt: skip
    if requirement.follows_form:
        _check_follows_form(checks, line, term)
    if line == WORKERS_COMPENSATION:
        _check_workers_compensation(checks, requirement, line, term, context)


def _emit(
    spec: _Spec,
    outcome: str,
    line: str | None,
    expected: object,
    found: object,
    evidence: Evidence | None,
    severity: str | None = None,
) -> Check:
    """A check of a resolved spec; `severity` overrides the usual one where the set decides."""
    code, text, usual_severity, waivable = spec
    return _new(
        Check,
        (
            code,
            outcome,
            line,
            text,
            expected,
            found,
            severity or usual_severity,
            waivable,
            evidence,
            None,
        ),
    )


def _continuous_until(pairs: tuple[tuple[Policy, Term], ...], day: date) -> date | None:
    """The day continuous coverage from `day` ends (exclusive), None when `day` is uncovered."""
    reach: date | None = None
    for _policy, term in pairs:
        if reach is None:
            if term.effective <= day < term.expiration:
                reach = term.expiration
        elif term.effective <= reach:
            if term.expiration > reach:
                reach = term.expiration
        else:
            break
    return reach


def _first_gap(
    pairs: tuple[tuple[Policy, Term], ...], window_start: date | None, window_end: date | None
) -> str | None:
    reach = pairs[0][1].expiration
    for _policy, term in pairs[1:]:
        if term.effective > reach:
            starts_in = window_end is None or reach < window_end
            ends_in = window_start is None or term.effective > window_start
            if starts_in and ends_in:
                return f"{reach.isoformat()} to {term.effective.isoformat()}"
        if term.expiration > reach:
            reach = term.expiration
    return None


def _split_limits_floor(limits: Mapping[str, int | None]) -> int | None:
    """Split auto limits meet a CSL only if each of them does: the smallest stands for them."""
    per_person = limits.get("bodily_injury_per_person")
    per_accident = limits.get("bodily_injury_per_accident")
    damage = limits.get("property_damage")
    if per_person is None or per_accident is None or damage is None:
        return None
    return min(per_person, per_accident, damage)


def _check_basis(
    checks: list[Check],
    requirement: LineRequirement,
    line: str,
    basis_spec: _Spec | None,
    retro_spec: _Spec | None,
    tail_spec: _Spec | None,
    term: Term,
    retro_needed_by: date | None,
) -> None:
    if basis_spec is None or retro_spec is None or tail_spec is None:
        return  # only general liability and umbrella have a basis, and both have all three
    basis = term.basis
    evidence = term.evidence.get("basis")
    expected = "occurrence or claims-made" if requirement.claims_made_allowed else "occurrence"
    if basis is None:
        outcome = UNKNOWN
    elif basis == "occurrence":
        outcome = PASS
    else:
        outcome = PASS if requirement.claims_made_allowed else FAIL
    checks.append(_emit(basis_spec, outcome, line, expected, basis, evidence))
    if basis != "claims_made" or not requirement.claims_made_allowed:
        return
    retro = term.retro_date
    if retro_needed_by is not None:
        outcome = UNKNOWN if retro is None else PASS if retro <= retro_needed_by else FAIL
        checks.append(
            _emit(
                retro_spec,
                outcome,
                line,
                retro_needed_by,
                retro,
                term.evidence.get("retro_date"),
            )
        )
    if requirement.tail_years:
        tail = term.tail_years
        outcome = UNKNOWN if tail is None else PASS if tail >= requirement.tail_years else FAIL
        checks.append(
            _emit(
                tail_spec,
                outcome,
                line,
                requirement.tail_years,
                tail,
                term.evidence.get("tail_years"),
            )
        )


def _check_follows_form(checks: list[Check], line: str, term: Term) -> None:
    follows = term.follows_form
    over = term.follows_form_over
    missing: list[str] = []
    if over is not None and not _FOLLOW_FORM_SET.issubset(over):
        missing = [underlying for underlying in FOLLOW_FORM_UNDERLYING if underlying not in over]
    if follows is None:
        outcome = UNKNOWN
    elif not follows or missing:
        outcome = FAIL
    else:
        outcome = PASS
    found: object = follows
    if follows and missing:
        found = f"follows form but not over {', '.join(missing)}"
    checks.append(
        _emit(
            _FOLLOWS_FORM,
            outcome,
            line,
            _FOLLOWS_FORM_EXPECTED,
            found,
            term.evidence.get("follows_form"),
        )
    )


def _check_workers_compensation(
    checks: list[Check],
    requirement: LineRequirement,
    line: str,
    term: Term,
    context: VerificationContext,
) -> None:
    statutory = term.statutory
    evidence = term.evidence
    checks.append(
        _emit(
            _STATUTORY,
            UNKNOWN if statutory is None else PASS if statutory else FAIL,
            line,
            True,
            statutory,
            evidence.get("statutory"),
        )
    )
    # The set's states are sorted and unique (LineRequirement keeps them so); the project's
    # state joins them when it is not among them.
    states = requirement.states
    state = context.state
    if state is not None and state not in states:
        expected = sorted((*states, state))
    elif states:
        expected = list(states)
    else:
        return
    covered = term.wc_states
    if covered is None:
        outcome, found = UNKNOWN, None
    else:
        outcome = PASS
        for required in expected:
            if required not in covered:
                outcome = FAIL
                break
        found = sorted(covered)
    checks.append(_emit(_WC_STATES, outcome, line, expected, found, evidence.get("wc_states")))


def _check_holder(
    checks: list[Check],
    requirements: RequirementSet,
    record: RecordAsOf,
    context: VerificationContext,
) -> None:
    expected = requirements.certificate_holder_name or context.certificate_holder
    if expected is None:
        return
    found = record.certificate_holder_name
    code, text, severity, waivable = _HOLDER
    checks.append(_new(Check, (code, PASS if same_entity(expected, found) else FAIL, None, text,
                               expected, found, severity, waivable,
                               record.evidence.get("certificate_holder_name"), None)))  # fmt: skip


def verdict_for_missing_record(
    requirements: RequirementSet, context: VerificationContext, on: date
) -> Verdict:
    """Shorthand for an engagement whose sub has no record yet."""
    return verify(requirements, None, context, on)
