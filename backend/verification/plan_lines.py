"""The line checks of a plan: for each required line, in the order verdicts list them, the source
of its checks with the set's minimums and options written in.

What the source does at run time, per line (CHECKS.md has the full table):
- the line must be on the record (unreadable dates make it unknown);
- coverage is judged on the coverage day; when no term is in force then, the checks that read a
  term are not evaluated rather than read from a neighbouring term;
- with several terms, the newest in force is judged, and gaps and continuous coverage are
  worked out by the helpers in coverage.py; a single term (the usual case) needs no loop.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Final

from backend.requirements.model import LineRequirement, RequirementSet
from backend.requirements.ratings import BEST_RATINGS, SIZE_CLASSES, rating_strength, size_order
from backend.requirements.vocabulary import LINE_CODE_PREFIX, limit_code
from backend.verification.checks import BLOCKING, WARNING
from backend.verification.entity_keys import entity_key
from backend.verification.plan_line_options import add_option_checks
from backend.verification.plan_source import FAILED, PASSED, UNKNOWN_, Source, check

BLANK_POLICY_NUMBERS: Final = frozenset(
    {"", "TBD", "TBA", "N/A", "NA", "NONE", "PENDING", "APPLIED FOR", "BINDER", "TO BE ISSUED"}
)


def add_line_checks(
    src: Source, requirements: RequirementSet, requirement: LineRequirement
) -> None:
    line = requirement.line
    prefix = LINE_CODE_PREFIX[line]
    src.add(f"# {line}")
    only_with_employees = requirement.only_if_employees_on_site
    with src.block("if employees_on_site:") if only_with_employees else nullcontext():
        src.add(f"pairs = terms_by_line.get({line!r})")
        present = f"{prefix}_PRESENT"
        with src.block("if not pairs:"):
            with src.block(f"if {line!r} in record.unreadable_lines:"):
                src.add(check(present, UNKNOWN_, line, "True", "'dates unreadable'", "None"))
            with src.block("else:"):
                src.add(check(present, FAILED, line, "True", "False", "None"))
        with src.block("else:"):
            effective = "pairs[-1][1].evidence.get('effective')"
            src.add(check(present, PASSED, line, "True", "True", effective))
            _add_dates(src, line, prefix)
            with src.block("if term is not None:"):
                _add_term_checks(src, requirements, requirement, prefix)


def _add_dates(src: Source, line: str, prefix: str) -> None:
    """In force on the coverage day, in force on work start, no gap between terms; leaves the
    term in force (or None) in `policy`, `term`, and how long cover lasts in `covered_until`."""
    in_force, by_work_start = f"{prefix}_IN_FORCE", f"{prefix}_EFFECTIVE_BY_WORK_START"
    with src.block("if len(pairs) == 1:"):
        src.add("policy, term = pairs[0]", "first = term")
        with src.block("if term.effective <= coverage_day < term.expiration:"):
            src.add("covered_until = term.expiration")
            evidence = "term.evidence.get('expiration')"
            src.add(check(in_force, PASSED, line, "coverage_day", "covered_until", evidence))
        with src.block("else:"):
            src.add(check(in_force, FAILED, line, "coverage_day", "term.expiration", "None"))
            src.add("term = None")
        covered = "first.effective <= work_start < first.expiration"
        with src.block("if work_start is not None:"):
            src.add(
                check(
                    by_work_start,
                    f"{PASSED} if {covered} else {FAILED}",
                    line,
                    "work_start",
                    "first.effective",
                    "first.evidence.get('effective')",
                )
            )
    with src.block("else:"):
        src.add(
            "current, covered_until, covered_at_start, gap = several_terms("
            "pairs, coverage_day, work_start, gap_window_start, needed_until)"
        )
        with src.block("if current is None:"):
            src.add("term = None")
            latest = "latest_expiration(pairs)"
            src.add(check(in_force, FAILED, line, "coverage_day", latest, "None"))
        with src.block("else:"):
            src.add("policy, term = current")
            evidence = "term.evidence.get('expiration')"
            src.add(check(in_force, PASSED, line, "coverage_day", "term.expiration", evidence))
        with src.block("if work_start is not None:"):
            src.add("first = pairs[0][1]")
            src.add(
                check(
                    by_work_start,
                    f"{PASSED} if covered_at_start else {FAILED}",
                    line,
                    "work_start",
                    "first.effective",
                    "first.evidence.get('effective')",
                )
            )
        outcome = f"{PASSED} if gap is None else {FAILED}"
        src.add(check(f"{prefix}_NO_GAP", outcome, line, "'no gap'", "gap", "None"))


def _add_term_checks(
    src: Source, requirements: RequirementSet, requirement: LineRequirement, prefix: str
) -> None:
    """Everything read from the term in force: duration, number, insurer, limits, options."""
    line = requirement.line
    closeout = requirements.coverage_through_closeout
    if closeout != "off":
        reaches = "covered_until is not None and covered_until >= needed_until"
        with src.block("if needed_until is not None:"):
            src.add(
                check(
                    f"{prefix}_THROUGH_CLOSEOUT",
                    f"{PASSED} if {reaches} else {FAILED}",
                    line,
                    "needed_until",
                    "covered_until",
                    "None",
                    severity=BLOCKING if closeout == BLOCKING else WARNING,
                )
            )
    lasts = (
        "covered_until > window_end or (needed_until is not None and covered_until >= needed_until)"
    )
    with src.block("if covered_until is not None:"):
        src.add(
            check(
                f"{prefix}_EXPIRY_WINDOW",
                f"{PASSED} if {lasts} else {FAILED}",
                line,
                "window_end",
                "covered_until",
                "None",
            )
        )
    src.add("evidence = term.evidence", "number = term.policy_number")
    blanks = src.constant("BLANK_POLICY_NUMBERS", BLANK_POLICY_NUMBERS)
    blank = f"number is None or number.strip().upper() in {blanks}"
    src.add(
        check(
            f"{prefix}_POLICY_NUMBER",
            f"{FAILED} if {blank} else {PASSED}",
            line,
            "'a policy number'",
            "number",
            "evidence.get('policy_number')",
        )
    )
    _add_insurer_checks(src, requirements, line, prefix)
    _add_limit_checks(src, requirement, prefix)
    add_option_checks(src, requirements, requirement, prefix)


def _add_insurer_checks(src: Source, requirements: RequirementSet, line: str, prefix: str) -> None:
    """Identified by NAIC number, rated at or above the floor, admitted."""
    insurer = requirements.insurer
    src.add("naic = policy.insurer_naic", "naic_evidence = policy.evidence.get('insurer_naic')")
    valid = "naic is not None and len(naic) == 5 and naic.isascii() and naic.isdigit()"
    src.add(
        check(
            f"{prefix}_INSURER_NAIC",
            f"{PASSED} if {valid} else {FAILED}",
            line,
            "'five-digit NAIC number'",
            "naic",
            "naic_evidence",
            severity=BLOCKING if insurer.naic_required else WARNING,
        )
    )
    src.add("rating = None if naic is None else ratings_by_naic.get(naic)")
    if insurer.minimum_rating is not None or insurer.minimum_size_class is not None:
        expected = f"{insurer.minimum_rating or ''} {insurer.minimum_size_class or ''}".strip()
        # ratings.meets_minimum, decided once per rating and size class for this floor.
        minimum_rating = rating_strength(insurer.minimum_rating or "S")
        minimum_size = size_order(insurer.minimum_size_class or "I")
        ratings = frozenset(r for r in BEST_RATINGS if rating_strength(r) >= minimum_rating)
        sizes = frozenset(size for size in SIZE_CLASSES if size_order(size) >= minimum_size)
        met = (
            f"rating.rating in {src.constant('RATINGS', ratings)}"
            f" and rating.size_class in {src.constant('SIZES', sizes)}"
        )
        src.add(
            check(
                f"{prefix}_INSURER_RATING",
                f"{UNKNOWN_} if rating is None else {PASSED} if {met} else {FAILED}",
                line,
                repr(expected),
                "None if rating is None else rating.label",
                "naic_evidence",
            )
        )
    with src.block("if rating is not None:"):
        src.add(
            check(
                f"{prefix}_INSURER_SURPLUS_LINES",
                f"{FAILED} if rating.surplus_lines else {PASSED}",
                line,
                "'admitted insurer'",
                "'surplus lines' if rating.surplus_lines else 'admitted'",
                "naic_evidence",
                severity=WARNING if requirements.insurer.surplus_lines_allowed else BLOCKING,
            )
        )


def _add_limit_checks(src: Source, requirement: LineRequirement, prefix: str) -> None:
    line = requirement.line
    if requirement.limits:
        src.add("limits = term.limits")
    for kind, minimum in requirement.limits:
        src.add(f"amount = limits.get({kind!r})")
        if kind == "combined_single_limit":
            with src.block("if amount is None:"):
                src.add("amount = split_limits_floor(limits)")
        src.add(
            check(
                limit_code(line, kind),
                f"{UNKNOWN_} if amount is None else {PASSED} if amount >= {minimum!r} "
                f"else {FAILED}",
                line,
                repr(minimum),
                "amount",
                f"evidence.get('limits.{kind}')",
            )
        )


def add_holder_check(src: Source, requirements: RequirementSet) -> None:
    """The certificate holder: the set's name when it gives one, else the project's."""
    evidence = "record.evidence.get('certificate_holder_name')"
    src.add("found = record.certificate_holder_name")
    holder = requirements.certificate_holder_name
    if holder is not None:
        # The set's own name is folded once, with the plan; the record's on every verification.
        key = entity_key(holder)
        same = f"found is not None and (found == {holder!r} or entity_key(found) == {key!r})"
        outcome = f"{PASSED} if {same} else {FAILED}"
        src.add(check("CERTIFICATE_HOLDER_NAME", outcome, None, repr(holder), "found", evidence))
        return
    src.add("holder = context.certificate_holder")
    with src.block("if holder is not None:"):
        outcome = f"{PASSED} if same_name(holder, found) else {FAILED}"
        src.add(check("CERTIFICATE_HOLDER_NAME", outcome, None, "holder", "found", evidence))
