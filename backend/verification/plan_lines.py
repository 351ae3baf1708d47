"""The line checks of a plan: for each required line, in the order verdicts list them, what the
set decided (its specs with their severities, minimums and rating floor) and the checks that
judge a record's terms against it.

Per line (CHECKS.md has the full table):
- the line must be on the record (unreadable dates make it unknown);
- coverage is judged on the coverage day; when no term is in force then, the checks that read a
  term are not evaluated rather than read from a neighbouring term;
- with several terms, the newest in force is judged, and gaps and continuous coverage are
  worked out by the helpers in coverage.py; a single term (the usual case) needs no loop.
"""

from __future__ import annotations

from datetime import date
from typing import Final, final

from backend.requirements.model import LineRequirement, RequirementSet
from backend.requirements.ratings import BEST_RATINGS, SIZE_CLASSES, rating_strength, size_order
from backend.requirements.vocabulary import (
    COMBINABLE_WITH_UMBRELLA,
    INCLUDED_WITHIN,
    LINE_CODE_PREFIX,
    UMBRELLA,
    WORKERS_COMPENSATION,
    limit_code,
)
from backend.verification.checks import BLOCKING, FAIL, PASS, SPECS, UNKNOWN, WARNING, CheckSpec
from backend.verification.coverage import (
    included_amount,
    not_in_force_found,
    several_terms,
    split_limits,
    split_limits_floor,
    with_umbrella,
)
from backend.verification.description import state_fund
from backend.verification.plan_line_options import LineOptions, run_options
from backend.verification.plan_run import Run, lookup
from backend.verification.record import Policy, Term

BLANK_POLICY_NUMBERS: Final = frozenset(
    {"", "TBD", "TBA", "N/A", "NA", "NONE", "PENDING", "APPLIED FOR", "BINDER", "TO BE ISSUED"}
)
_COMBINED_SINGLE_LIMIT: Final = "combined_single_limit"


@final
class LimitPlan:
    """One minimum limit of a line."""

    def __init__(self, spec: CheckSpec, line: str, kind: str, minimum: int, combined: bool) -> None:
        self.spec: Final = spec
        self.kind: Final = kind
        self.minimum: Final = minimum
        self.evidence_key: Final = f"limits.{kind}"
        # Split auto limits stand in for a missing combined single limit.
        self.split_fallback: Final = kind == _COMBINED_SINGLE_LIMIT
        # "Included": the limit sits inside this one and is judged through it.
        self.included_within: Final = INCLUDED_WITHIN.get(kind)
        # With combined limits, the umbrella limit that adds to this one, and the underlying
        # line the umbrella must follow form over for it to count.
        pairing = COMBINABLE_WITH_UMBRELLA.get((line, kind)) if combined else None
        self.umbrella_kind: Final = None if pairing is None else pairing[0]
        self.follows_over: Final = None if pairing is None else pairing[1]


@final
class LinePlan:
    """What a requirement set decided for one line."""

    def __init__(self, requirements: RequirementSet, requirement: LineRequirement) -> None:
        line = requirement.line
        prefix = LINE_CODE_PREFIX[line]
        self.line: Final = line
        self.only_with_employees: Final = requirement.only_if_employees_on_site
        self.present: Final = SPECS[f"{prefix}_PRESENT"]
        self.in_force: Final = SPECS[f"{prefix}_IN_FORCE"]
        self.by_work_start: Final = SPECS[f"{prefix}_EFFECTIVE_BY_WORK_START"]
        self.no_gap: Final = SPECS[f"{prefix}_NO_GAP"]
        closeout = requirements.coverage_through_closeout
        self.through_closeout: Final = (
            None
            if closeout == "off"
            else SPECS[f"{prefix}_THROUGH_CLOSEOUT"].with_severity(
                BLOCKING if closeout == BLOCKING else WARNING
            )
        )
        self.expiry_window: Final = SPECS[f"{prefix}_EXPIRY_WINDOW"]
        self.policy_number: Final = SPECS[f"{prefix}_POLICY_NUMBER"]
        insurer = requirements.insurer
        self.insurer_naic: Final = SPECS[f"{prefix}_INSURER_NAIC"].with_severity(
            BLOCKING if insurer.naic_required else WARNING
        )
        rated = insurer.minimum_rating is not None or insurer.minimum_size_class is not None
        self.insurer_rating: Final = SPECS[f"{prefix}_INSURER_RATING"] if rated else None
        self.rating_expected: Final = (
            f"{insurer.minimum_rating or ''} {insurer.minimum_size_class or ''}".strip()
        )
        # ratings.meets_minimum, decided once per rating and size class for this floor.
        minimum_rating = rating_strength(insurer.minimum_rating or "S")
        minimum_size = size_order(insurer.minimum_size_class or "I")
        self.ratings: Final = frozenset(
            r for r in BEST_RATINGS if rating_strength(r) >= minimum_rating
        )
        self.sizes: Final = frozenset(s for s in SIZE_CLASSES if size_order(s) >= minimum_size)
        self.surplus_lines: Final = SPECS[f"{prefix}_INSURER_SURPLUS_LINES"].with_severity(
            WARNING if insurer.surplus_lines_allowed else BLOCKING
        )
        self.surplus_lines_refused: Final = not insurer.surplus_lines_allowed
        # An umbrella counted toward this line's limits has its insurer judged here only when
        # the set has no umbrella line, whose own insurer checks would already judge it.
        self.umbrella_insurer_judged: Final = (
            requirements.combined_limits and rated and requirements.line(UMBRELLA) is None
        )
        self.limits: Final = [
            LimitPlan(
                SPECS[limit_code(line, kind)], line, kind, minimum, requirements.combined_limits
            )
            for kind, minimum in requirement.limits
        ]
        self.options: Final = LineOptions(requirements, requirement, prefix)


def run_line(plan: LinePlan, run: Run) -> None:
    """The checks of one line: presence, dates, and, for the term in force, the rest."""
    line = plan.line
    out = run.checks
    pairs = lookup(run.terms_by_line, line)
    if not pairs:
        if line in run.record.unreadable_lines:
            out.append(plan.present.make(UNKNOWN, line, True, "dates unreadable", None))
        else:
            out.append(plan.present.make(FAIL, line, True, False, None))
        return
    out.append(
        plan.present.make(PASS, line, True, True, lookup(pairs[-1][1].evidence, "effective"))
    )
    coverage_day = run.coverage_day
    work_start = run.work_start
    current: tuple[Policy, Term] | None
    covered_until: date | None
    if len(pairs) == 1:
        current = pairs[0]
        first = current[1]
        if first.effective <= coverage_day < first.expiration:
            covered_until = first.expiration
            evidence = lookup(first.evidence, "expiration")
            out.append(plan.in_force.make(PASS, line, coverage_day, covered_until, evidence))
        else:
            covered_until = None
            # A term not yet started is reported by its start, one that ended by its end.
            found = first.effective if coverage_day < first.effective else first.expiration
            out.append(plan.in_force.make(FAIL, line, coverage_day, found, None))
            current = None
        if work_start is not None:
            outcome = PASS if first.effective <= work_start < first.expiration else FAIL
            evidence = lookup(first.evidence, "effective")
            out.append(
                plan.by_work_start.make(outcome, line, work_start, first.effective, evidence)
            )
    else:
        current, covered_until, covered_at_start, gap = several_terms(
            pairs, coverage_day, work_start, run.gap_window_start, run.needed_until
        )
        if current is None:
            found = not_in_force_found(pairs, coverage_day)
            out.append(plan.in_force.make(FAIL, line, coverage_day, found, None))
        else:
            term = current[1]
            evidence = lookup(term.evidence, "expiration")
            out.append(plan.in_force.make(PASS, line, coverage_day, term.expiration, evidence))
        if work_start is not None:
            first = pairs[0][1]
            outcome = PASS if covered_at_start else FAIL
            evidence = lookup(first.evidence, "effective")
            out.append(
                plan.by_work_start.make(outcome, line, work_start, first.effective, evidence)
            )
        outcome = PASS if gap is None else FAIL
        out.append(plan.no_gap.make(outcome, line, "no gap", gap, None))
    if current is not None:
        _term_checks(plan, run, current[0], current[1], covered_until)


def _term_checks(
    plan: LinePlan, run: Run, policy: Policy, term: Term, covered_until: date | None
) -> None:
    """Everything read from the term in force: duration, number, insurer, limits, options."""
    line = plan.line
    out = run.checks
    needed_until = run.needed_until
    through_closeout = plan.through_closeout
    if through_closeout is not None and needed_until is not None:
        reaches = covered_until is not None and covered_until >= needed_until
        outcome = PASS if reaches else FAIL
        out.append(through_closeout.make(outcome, line, needed_until, covered_until, None))
    if covered_until is not None:
        window_end = run.window_end
        lasts = covered_until > window_end or (
            needed_until is not None and covered_until >= needed_until
        )
        outcome = PASS if lasts else FAIL
        out.append(plan.expiry_window.make(outcome, line, window_end, covered_until, None))
    evidence = term.evidence
    number = term.policy_number
    blank = number is None or number.strip().upper() in BLANK_POLICY_NUMBERS
    out.append(
        plan.policy_number.make(
            FAIL if blank else PASS,
            line,
            "a policy number",
            number,
            lookup(evidence, "policy_number"),
        )
    )
    _insurer_checks(plan, run, policy)
    limits = term.limits
    for limit in plan.limits:
        amount = lookup(limits, limit.kind)
        if amount is not None and amount >= limit.minimum:  # the usual case
            out.append(
                limit.spec.make(
                    PASS, line, limit.minimum, amount, lookup(evidence, limit.evidence_key)
                )
            )
            continue
        found: object = amount
        if amount is None and limit.split_fallback:
            amount = split_limits_floor(limits)
            if amount is not None:
                found = split_limits(limits)
        if amount is None and limit.included_within is not None:
            amount, found = included_amount(term, limit.kind, limit.included_within)
        if amount is None:
            outcome = UNKNOWN
        elif amount >= limit.minimum:
            outcome = PASS
        elif limit.umbrella_kind is not None and limit.follows_over is not None:
            outcome, found = with_umbrella(
                run.terms_by_line,
                amount,
                found,
                limit.minimum,
                limit.umbrella_kind,
                limit.follows_over,
                run.coverage_day,
                _period_end(covered_until, needed_until),
            )
            if outcome != FAIL and plan.umbrella_insurer_judged:
                outcome, found = _umbrella_insurer(plan, run, outcome, found)
        else:
            outcome = FAIL
        out.append(
            limit.spec.make(
                outcome, line, limit.minimum, found, lookup(evidence, limit.evidence_key)
            )
        )
    run_options(plan.options, run, term, policy.insurer_name)


def _umbrella_insurer(plan: LinePlan, run: Run, outcome: str, found: object) -> tuple[str, object]:
    """An umbrella counted toward a line's minimum is coverage the GC relies on for that line:
    its insurer must meet the set's rating floor (and be admitted where the set refuses surplus
    lines) as the line's own insurer must. Called when the set has no umbrella line of its own
    to judge that insurer. Below the floor fails; an insurer missing from the rating table
    leaves it unknown."""
    pairs = lookup(run.terms_by_line, UMBRELLA) or ()
    policy: Policy | None = None
    for pair in pairs:
        if pair[1].covers(run.coverage_day):
            policy = pair[0]
    if policy is None:
        return outcome, found
    naic = policy.insurer_naic
    rating = None if naic is None else lookup(run.ratings_by_naic, naic)
    label = None if rating is None else rating.label
    detail = {**found, "umbrella_insurer": label} if isinstance(found, dict) else found
    if rating is None:
        return UNKNOWN, detail
    below = rating.rating not in plan.ratings or rating.size_class not in plan.sizes
    if below or (rating.surplus_lines and plan.surplus_lines_refused):
        return FAIL, detail
    return outcome, found


def _period_end(covered_until: date | None, needed_until: date | None) -> date | None:
    """The end of the period an umbrella must last to count toward a line's limits: the
    line's own continuous coverage, cut at project end plus close-out."""
    if covered_until is None:
        return needed_until
    if needed_until is None:
        return covered_until
    return min(covered_until, needed_until)


def _insurer_checks(plan: LinePlan, run: Run, policy: Policy) -> None:
    """Identified by NAIC number, rated at or above the floor, admitted."""
    line = plan.line
    out = run.checks
    naic = policy.insurer_naic
    naic_evidence = lookup(policy.evidence, "insurer_naic")
    valid = naic is not None and len(naic) == 5 and naic.isascii() and naic.isdigit()
    rating = None if naic is None else lookup(run.ratings_by_naic, naic)
    if (
        rating is None
        and line == WORKERS_COMPENSATION
        and policy.insurer_name is not None
        and state_fund(policy.insurer_name) is not None
    ):
        # A monopolistic state's fund (Ohio BWC, Washington L&I, North Dakota WSI, Wyoming
        # Workforce Services) is the state itself: it has no NAIC number or A.M. Best rating
        # to show, and is the only insurer there is for WC in its state.
        found = f"state fund ({policy.insurer_name})"
        out.append(
            plan.insurer_naic.make(PASS, line, "five-digit NAIC number", found, naic_evidence)
        )
        if plan.insurer_rating is not None:
            out.append(
                plan.insurer_rating.make(PASS, line, plan.rating_expected, found, naic_evidence)
            )
        return
    # No NAIC at all (the box or the insurer letter unread, or not given) is a question for the
    # broker, never a rejection for lack of reading; a number that is not five digits fails.
    outcome = PASS if valid else UNKNOWN if naic is None else FAIL
    out.append(plan.insurer_naic.make(outcome, line, "five-digit NAIC number", naic, naic_evidence))
    rating_spec = plan.insurer_rating
    if rating_spec is not None:
        if rating is None:
            outcome = UNKNOWN
        elif rating.rating in plan.ratings and rating.size_class in plan.sizes:
            outcome = PASS
        else:
            outcome = FAIL
        label = None if rating is None else rating.label
        out.append(rating_spec.make(outcome, line, plan.rating_expected, label, naic_evidence))
    if rating is not None:
        surplus = rating.surplus_lines
        out.append(
            plan.surplus_lines.make(
                FAIL if surplus else PASS,
                line,
                "admitted insurer",
                "surplus lines" if surplus else "admitted",
                naic_evidence,
            )
        )
