"""What the line checks call: the term in force among several, gaps and continuous coverage,
split auto limits, and the checks a usual record never reaches (claims-made basis, follows
form, workers' compensation states).

Each check-building helper adds its checks to the verdict's list `out`, in the order the
verdict lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Final

from backend.requirements.vocabulary import FOLLOW_FORM_UNDERLYING, UMBRELLA
from backend.verification.checks import FAIL, PASS, UNKNOWN, Check, CheckSpec
from backend.verification.record import Policy, Term

Pairs = tuple[tuple[Policy, Term], ...]

_FOLLOW_FORM_SET: Final = frozenset(FOLLOW_FORM_UNDERLYING)
FOLLOWS_FORM_EXPECTED: Final = "follows form over " + ", ".join(FOLLOW_FORM_UNDERLYING)
_SPLIT_AUTO_LIMITS: Final = (
    "bodily_injury_per_person",
    "bodily_injury_per_accident",
    "property_damage",
)


def several_terms(
    pairs: Pairs,
    day: date,
    work_start: date | None,
    window_start: date | None,
    window_end: date | None,
) -> tuple[tuple[Policy, Term] | None, date | None, bool, str | None]:
    """What the date checks need of a line with several terms (pairs sorted by effective date):
    the newest (policy, term) in force on `day` or None; the day continuous coverage from `day`
    ends (exclusive), None when `day` is uncovered; whether a term covers `work_start`; and the
    first gap between terms inside the engagement's window, None when there is none."""
    current = None
    at_start = False
    for pair in pairs:
        term = pair[1]
        if term.effective <= day < term.expiration:
            current = pair
        if work_start is not None and term.effective <= work_start < term.expiration:
            at_start = True
    return (
        current,
        _continuous_until(pairs, day),
        at_start,
        _first_gap(pairs, window_start, window_end),
    )


def latest_expiration(pairs: Pairs) -> date:
    return max(pair[1].expiration for pair in pairs)


def _continuous_until(pairs: Pairs, day: date) -> date | None:
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


def _first_gap(pairs: Pairs, window_start: date | None, window_end: date | None) -> str | None:
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


def not_in_force_found(pairs: Pairs, day: date) -> date:
    """What IN_FORCE reports when no term covers `day`: the next term's start when one is
    still to come (a policy not yet started), else the latest term's end."""
    upcoming: date | None = None
    for _policy, term in pairs:
        if term.effective > day and (upcoming is None or term.effective < upcoming):
            upcoming = term.effective
    return upcoming if upcoming is not None else latest_expiration(pairs)


def split_limits(limits: Mapping[str, int | None]) -> dict[str, int | None]:
    """The split auto limits as found, for the verdict to show them as split."""
    return {kind: limits.get(kind) for kind in _SPLIT_AUTO_LIMITS}


def included_amount(term: Term, kind: str, within: str) -> tuple[int | None, object]:
    """(amount judged, found) for a limit shown as "Included" inside `within`; (None, None)
    when the limit is not shown as included."""
    if kind not in term.included_limits:
        return None, None
    amount = term.limits.get(within)
    return amount, {"included_in": within, "amount": amount}


def with_umbrella(
    terms_by_line: Mapping[str, Pairs],
    amount: int,
    found: object,
    minimum: int,
    umbrella_kind: str,
    over: str,
    day: date,
    period_end: date | None,
) -> tuple[str, object]:
    """(outcome, found) of a primary limit below its minimum when an umbrella may count
    toward it: it must be in force on `day` and continuously to `period_end`, and follow form
    over the line. Found shows the arithmetic: primary, umbrella and their total."""
    pairs = terms_by_line.get(UMBRELLA)
    if not pairs:
        return FAIL, found
    current: Term | None = None
    for _policy, term in pairs:
        if term.effective <= day < term.expiration:
            current = term
    if current is None:
        return FAIL, found
    umbrella = current.limits.get(umbrella_kind)
    if umbrella is None:
        return FAIL, found
    total = amount + umbrella
    arithmetic: dict[str, object] = {"primary": amount, "umbrella": umbrella, "total": total}
    if isinstance(found, dict) and "bodily_injury_per_person" in found:
        # The primary is split auto limits: the verdict says so rather than call the lowest of
        # them a combined single limit.
        arithmetic["primary_split"] = found
    if total < minimum:
        return FAIL, arithmetic
    reach = _continuous_until(pairs, day)
    if period_end is not None and (reach is None or reach < period_end):
        return FAIL, {**arithmetic, "umbrella_ends": reach}
    over_lines = current.follows_form_over
    follows = current.follows_form
    if follows is False or (over_lines is not None and over not in over_lines):
        return FAIL, {**arithmetic, "follows_form": False}
    if follows is None:
        # It would make up the shortfall if it follows form; the certificate does not say.
        return UNKNOWN, {**arithmetic, "follows_form": None}
    return PASS, arithmetic


def split_limits_floor(limits: Mapping[str, int | None]) -> int | None:
    """Split auto limits meet a CSL only if each of them does: the smallest stands for them."""
    per_person = limits.get("bodily_injury_per_person")
    per_accident = limits.get("bodily_injury_per_accident")
    damage = limits.get("property_damage")
    if per_person is None or per_accident is None or damage is None:
        return None
    return min(per_person, per_accident, damage)


def check_basis(
    out: list[Check],
    line: str,
    specs: tuple[CheckSpec, CheckSpec, CheckSpec],
    claims_made_allowed: bool,
    tail_years: int,
    term: Term,
    retro_needed_by: date | None,
    completed_phase: bool = False,
) -> None:
    """Basis, retro date and tail checks of a term whose basis is not plainly occurrence.

    A claims-made line needs a tail or continuous renewal for the years the contract names
    (DOMAIN.md). In the completed-operations phase a claims-made term in force whose retro date
    still reaches back to the first work is that continuous renewal: it meets the tail check
    without an extended reporting period."""
    basis_spec, retro_spec, tail_spec = specs
    basis = term.basis
    expected = "occurrence or claims-made" if claims_made_allowed else "occurrence"
    if basis is None:
        outcome = UNKNOWN
    elif basis == "occurrence":
        outcome = PASS
    else:
        outcome = PASS if claims_made_allowed else FAIL
    out.append(basis_spec.make(outcome, line, expected, basis, term.evidence.get("basis")))
    if basis != "claims_made" or not claims_made_allowed:
        return
    retro = term.retro_date
    if retro_needed_by is not None:
        outcome = UNKNOWN if retro is None else PASS if retro <= retro_needed_by else FAIL
        evidence = term.evidence.get("retro_date")
        out.append(retro_spec.make(outcome, line, retro_needed_by, retro, evidence))
    if tail_years:
        tail = term.tail_years
        outcome = UNKNOWN if tail is None else PASS if tail >= tail_years else FAIL
        evidence = term.evidence.get("tail_years")
        found: object = tail
        if (
            outcome != PASS
            and completed_phase
            and retro is not None
            and retro_needed_by is not None
            and retro <= retro_needed_by
        ):
            outcome = PASS
            found = f"continuous renewal (retro date {retro.isoformat()})"
            evidence = term.evidence.get("retro_date")
        out.append(tail_spec.make(outcome, line, tail_years, found, evidence))


def check_follows_form(out: list[Check], spec: CheckSpec, line: str, term: Term) -> None:
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
    evidence = term.evidence.get("follows_form")
    out.append(spec.make(outcome, line, FOLLOWS_FORM_EXPECTED, found, evidence))


def check_wc_states(
    out: list[Check],
    spec: CheckSpec,
    line: str,
    states: tuple[str, ...],
    state: str | None,
    term: Term,
    covered: tuple[str, ...] | None,
) -> None:
    """The set's states (sorted, unique) and the project's state must all be `covered` (the
    term's states, or a state fund's own state)."""
    if state is not None and state not in states:
        expected = sorted((*states, state))
    elif states:
        expected = list(states)
    else:
        return
    if covered is None:
        outcome, found = UNKNOWN, None
    else:
        outcome = PASS
        for required in expected:
            if required not in covered:
                outcome = FAIL
                break
        found = sorted(covered)
    out.append(spec.make(outcome, line, expected, found, term.evidence.get("wc_states")))
