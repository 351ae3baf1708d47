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
from typing import Final, NamedTuple

from backend.requirements.model import LineRequirement, RequirementSet
from backend.requirements.ratings import meets_minimum
from backend.requirements.vocabulary import (
    FOLLOW_FORM_UNDERLYING,
    GENERAL_LIABILITY,
    LIMIT_KINDS,
    LINE_CODE_PREFIX,
    UMBRELLA,
    WORKERS_COMPENSATION,
    limit_code,
)
from backend.verification.checks import (
    BLOCKING,
    FAIL,
    PASS,
    SPECS,
    UNKNOWN,
    WARNING,
    Check,
    CheckSpec,
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


class _LineCodes(NamedTuple):
    """The specs of one line's checks, resolved once instead of looked up per verification."""

    present: CheckSpec
    policy_number: CheckSpec
    in_force: CheckSpec
    effective_by_work_start: CheckSpec
    no_gap: CheckSpec
    through_closeout: CheckSpec
    expiry_window: CheckSpec
    insurer_naic: CheckSpec
    insurer_rating: CheckSpec
    insurer_surplus_lines: CheckSpec
    waiver_of_subrogation: CheckSpec
    occurrence_basis: CheckSpec
    retro_date: CheckSpec
    tail: CheckSpec
    limits: dict[str, CheckSpec]


def _line_codes(line: str) -> _LineCodes:
    prefix = LINE_CODE_PREFIX[line]
    specs: list[object] = [
        SPECS.get(f"{prefix}_{field.upper()}") for field in _LineCodes._fields[:-1]
    ]
    limits = {kind: SPECS[limit_code(line, kind)] for kind in LIMIT_KINDS[line]}
    return _LineCodes._make([*specs, limits])


_LINE_CODES: Final = {line: _line_codes(line) for line in LINE_CODE_PREFIX}
_LIMIT_EVIDENCE: Final = {
    kind: f"limits.{kind}" for kinds in LIMIT_KINDS.values() for kind in kinds
}
# Checks are built with tuple.__new__ from a spec in the hot paths below: a verification makes
# dozens of them and a Python-level constructor call per check would dominate its cost.
_new = tuple.__new__


class _Frame(NamedTuple):
    """What one verification reads, computed once and passed down as one argument."""

    checks: list[Check]
    requirements: RequirementSet
    record: RecordAsOf
    context: VerificationContext
    on: date
    coverage_day: date
    needed_until: date | None
    window_end: date
    closeout_severity: str | None
    rating_expected: str | None


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
        closeout = requirements.coverage_through_closeout
        insurer = requirements.insurer
        rating_expected = None
        if insurer.minimum_rating is not None or insurer.minimum_size_class is not None:
            rating_expected = f"{insurer.minimum_rating or ''} {insurer.minimum_size_class or ''}"
        frame = _Frame(
            checks,
            requirements,
            record,
            context,
            on,
            work_start if work_start is not None and work_start > on else on,
            context.coverage_needed_until,
            on + timedelta(days=context.expiring_window_days),
            None if closeout == "off" else BLOCKING if closeout == BLOCKING else WARNING,
            rating_expected.strip() if rating_expected is not None else None,
        )
        for line_requirement in requirements.lines:
            _check_line(frame, line_requirement)
        _check_holder(checks, requirements, record, context)
        check_endorsements(checks, requirements, record, context, frame.coverage_day)
    return conclude(requirements, on, checks, waivers, context.expiring_window_days)


def _check_line(frame: _Frame, requirement: LineRequirement) -> None:
    line = requirement.line
    codes = _LINE_CODES[line]
    checks = frame.checks
    append = checks.append
    record = frame.record
    if requirement.only_if_employees_on_site and not frame.context.employees_on_site:
        return
    pairs = record.terms_by_line.get(line, ())
    spec = codes.present
    if not pairs:
        if line in record.unreadable_lines:
            append(_emit(spec, UNKNOWN, line, True, "dates unreadable", None))
        else:
            append(_emit(spec, FAIL, line, True, False, None))
        return
    evidence = pairs[-1][1].evidence
    append(_new(Check, (spec.code, PASS, line, spec.requirement, True, True, spec.severity,
                        spec.waivable, evidence.get("effective"), None)))  # fmt: skip

    coverage_day = frame.coverage_day
    current: tuple[Policy, Term] | None = None
    for pair in pairs:
        if pair[1].effective <= coverage_day < pair[1].expiration:
            current = pair  # the newest term in force wins (pairs are sorted by effective)
    _check_dates(frame, line, codes, pairs, current)
    if current is None:
        return
    policy, term = current
    evidence = term.evidence
    number = term.policy_number
    blank = number is None or number.strip().upper() in _BLANK_POLICY_NUMBERS
    spec = codes.policy_number
    append(_new(Check, (spec.code, FAIL if blank else PASS, line, spec.requirement,
                        "a policy number", number, spec.severity, spec.waivable,
                        evidence.get("policy_number"), None)))  # fmt: skip
    _check_insurer(frame, line, codes, policy)
    limits = term.limits
    limit_specs = codes.limits
    for kind, minimum in requirement.limits:
        amount = limits.get(kind)
        if amount is None and kind == "combined_single_limit":
            amount = _split_limits_floor(limits)
        outcome = UNKNOWN if amount is None else PASS if amount >= minimum else FAIL
        spec = limit_specs[kind]
        append(_new(Check, (spec.code, outcome, line, spec.requirement, minimum, amount,
                            spec.severity, spec.waivable, evidence.get(_LIMIT_EVIDENCE[kind]),
                            None)))  # fmt: skip
    if line == GENERAL_LIABILITY or line == UMBRELLA:
        _check_basis(frame, requirement, line, codes, term)
    found: object
    if requirement.waiver_of_subrogation:
        outcome, found, endorsement_evidence = endorsement_outcome(
            record, frame.requirements, WAIVER_OF_SUBROGATION, line, coverage_day
        )
        append(_emit(codes.waiver_of_subrogation, outcome, line, True, found, endorsement_evidence))
    if requirement.per_project_aggregate:
        outcome, found, endorsement_evidence = endorsement_outcome(
            record, frame.requirements, PER_PROJECT_AGGREGATE, line, coverage_day
        )
        if outcome == FAIL and term.aggregate_applies_per is not None:
            found = f"per {term.aggregate_applies_per}"
            endorsement_evidence = evidence.get("aggregate_applies_per")
        append(
            _check(
                "GL_PER_PROJECT_AGGREGATE",
                outcome,
                line,
                "per project",
                found,
                endorsement_evidence,
            )
        )
    if requirement.any_auto:
        autos = term.covered_autos
        outcome = UNKNOWN if not autos else PASS if "any_auto" in autos else FAIL
        append(
            _check(
                "AUTO_ANY_AUTO",
                outcome,
                line,
                "any_auto",
                list(autos) if autos else None,
                evidence.get("covered_autos"),
            )
        )
    if requirement.follows_form:
        _check_follows_form(checks, line, term)
    if line == WORKERS_COMPENSATION:
        _check_workers_compensation(checks, requirement, line, term, frame.context)


def _emit(
    spec: CheckSpec,
    outcome: str,
    line: str | None,
    expected: object,
    found: object,
    evidence: Evidence | None,
    severity: str | None = None,
) -> Check:
    """A check of a resolved spec; `severity` overrides the usual one where the set decides."""
    return _new(
        Check,
        (
            spec.code,
            outcome,
            line,
            spec.requirement,
            expected,
            found,
            severity or spec.severity,
            spec.waivable,
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


def _check_dates(
    frame: _Frame,
    line: str,
    codes: _LineCodes,
    pairs: tuple[tuple[Policy, Term], ...],
    current: tuple[Policy, Term] | None,
) -> None:
    append = frame.checks.append
    coverage_day = frame.coverage_day
    spec = codes.in_force
    if current is None:
        latest = max(term.expiration for _policy, term in pairs)
        append(_emit(spec, FAIL, line, coverage_day, latest, None))
    else:
        term = current[1]
        append(_new(Check, (spec.code, PASS, line, spec.requirement, coverage_day,
                            term.expiration, spec.severity, spec.waivable,
                            term.evidence.get("expiration"), None)))  # fmt: skip
    work_start = frame.context.work_start
    needed_until = frame.needed_until
    if work_start is not None:
        covered = False
        for _policy, term in pairs:
            if term.effective <= work_start < term.expiration:
                covered = True
                break
        first = pairs[0][1]
        spec = codes.effective_by_work_start
        append(_new(Check, (spec.code, PASS if covered else FAIL, line, spec.requirement,
                            work_start, first.effective, spec.severity, spec.waivable,
                            first.evidence.get("effective"), None)))  # fmt: skip
    if len(pairs) > 1:
        gap = _first_gap(pairs, work_start or frame.context.project_start, needed_until)
        append(_emit(codes.no_gap, PASS if gap is None else FAIL, line, "no gap", gap, None))
    if current is None:
        return
    covered_until = _continuous_until(pairs, coverage_day)
    severity = frame.closeout_severity
    if needed_until is not None and severity is not None:
        reaches = covered_until is not None and covered_until >= needed_until
        spec = codes.through_closeout
        append(_new(Check, (spec.code, PASS if reaches else FAIL, line, spec.requirement,
                            needed_until, covered_until, severity, spec.waivable, None,
                            None)))  # fmt: skip
    if covered_until is not None:
        window_end = frame.window_end
        lasts = covered_until > window_end or (
            needed_until is not None and covered_until >= needed_until
        )
        spec = codes.expiry_window
        append(_new(Check, (spec.code, PASS if lasts else FAIL, line, spec.requirement,
                            window_end, covered_until, spec.severity, spec.waivable, None,
                            None)))  # fmt: skip


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


def _check_insurer(frame: _Frame, line: str, codes: _LineCodes, policy: Policy) -> None:
    append = frame.checks.append
    insurer = frame.requirements.insurer
    naic = policy.insurer_naic
    naic_evidence = policy.evidence.get("insurer_naic")
    valid = naic is not None and len(naic) == 5 and naic.isascii() and naic.isdigit()
    spec = codes.insurer_naic
    append(_new(Check, (spec.code, PASS if valid else FAIL, line, spec.requirement,
                        "five-digit NAIC number", naic,
                        BLOCKING if insurer.naic_required else WARNING, spec.waivable,
                        naic_evidence, None)))  # fmt: skip
    rating = frame.context.insurer_ratings.by_naic.get(naic) if naic is not None else None
    if frame.rating_expected is not None:
        if rating is None:
            outcome, found = UNKNOWN, None
        else:
            met = meets_minimum(
                rating.rating,
                rating.size_class,
                insurer.minimum_rating or "S",
                insurer.minimum_size_class or "I",
            )
            outcome, found = (PASS if met else FAIL), rating.label
        spec = codes.insurer_rating
        append(_new(Check, (spec.code, outcome, line, spec.requirement, frame.rating_expected,
                            found, spec.severity, spec.waivable, naic_evidence,
                            None)))  # fmt: skip
    if rating is not None:
        surplus = rating.surplus_lines
        spec = codes.insurer_surplus_lines
        append(_new(Check, (spec.code, FAIL if surplus else PASS, line, spec.requirement,
                            "admitted insurer", "surplus lines" if surplus else "admitted",
                            WARNING if insurer.surplus_lines_allowed else BLOCKING,
                            spec.waivable, naic_evidence, None)))  # fmt: skip


def _split_limits_floor(limits: Mapping[str, int | None]) -> int | None:
    """Split auto limits meet a CSL only if each of them does: the smallest stands for them."""
    per_person = limits.get("bodily_injury_per_person")
    per_accident = limits.get("bodily_injury_per_accident")
    damage = limits.get("property_damage")
    if per_person is None or per_accident is None or damage is None:
        return None
    return min(per_person, per_accident, damage)


def _check_basis(
    frame: _Frame, requirement: LineRequirement, line: str, codes: _LineCodes, term: Term
) -> None:
    checks = frame.checks
    context = frame.context
    basis = term.basis
    evidence = term.evidence.get("basis")
    expected = "occurrence or claims-made" if requirement.claims_made_allowed else "occurrence"
    if basis is None:
        outcome = UNKNOWN
    elif basis == "occurrence":
        outcome = PASS
    else:
        outcome = PASS if requirement.claims_made_allowed else FAIL
    checks.append(_emit(codes.occurrence_basis, outcome, line, expected, basis, evidence))
    if basis != "claims_made" or not requirement.claims_made_allowed:
        return
    retro_needed_by = context.work_start or context.project_start
    retro = term.retro_date
    if retro_needed_by is not None:
        outcome = UNKNOWN if retro is None else PASS if retro <= retro_needed_by else FAIL
        checks.append(
            _emit(
                codes.retro_date,
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
                codes.tail,
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
    if over is not None:
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
        _check(
            "UMB_FOLLOWS_FORM",
            outcome,
            line,
            "follows form over " + ", ".join(FOLLOW_FORM_UNDERLYING),
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
    checks.append(
        _check(
            "WC_STATUTORY",
            UNKNOWN if statutory is None else PASS if statutory else FAIL,
            line,
            True,
            statutory,
            term.evidence.get("statutory"),
        )
    )
    required_states = set(requirement.states)
    if context.state is not None:
        required_states.add(context.state)
    if not required_states:
        return
    expected = sorted(required_states)
    covered = term.wc_states
    if covered is None:
        outcome, found = UNKNOWN, None
    else:
        missing = required_states.difference(covered)
        outcome, found = (FAIL if missing else PASS), sorted(covered)
    checks.append(
        _check("WC_STATES", outcome, line, expected, found, term.evidence.get("wc_states"))
    )


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
    checks.append(
        _check(
            "CERTIFICATE_HOLDER_NAME",
            PASS if same_entity(expected, found) else FAIL,
            None,
            expected,
            found,
            record.evidence.get("certificate_holder_name"),
        )
    )


def verdict_for_missing_record(
    requirements: RequirementSet, context: VerificationContext, on: date
) -> Verdict:
    """Shorthand for an engagement whose sub has no record yet."""
    return verify(requirements, None, context, on)
