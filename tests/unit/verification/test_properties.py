"""Hypothesis properties of the engine: deterministic, monotone in limits and in coverage."""

from __future__ import annotations

import copy
import dataclasses
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.requirements.flowdown import derive_tier2, tighten
from backend.requirements.model import RequirementSet
from backend.verification.engine import verify
from backend.verification.record import ENDORSEMENT_KINDS, RecordAsOf, Term
from backend.verification.verdict import STATUSES, Verdict
from tests.unit.requirements.strategies import requirement_sets, tightenings
from tests.unit.verification import factories as f

AMOUNTS = st.sampled_from([None, 250_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000])
LINES = (f.GL, f.AUTO, f.UMB, f.WC)


@st.composite
def records(draw: st.DrawFn) -> RecordAsOf:
    """The compliant record with limits, dates, flags and endorsements shuffled. Terms of one
    line never overlap (a renewal starts on or after the previous expiration)."""
    record = f.compliant_record()
    for line in draw(st.lists(st.sampled_from(LINES), unique=True)):
        if draw(st.integers(0, 9)) == 0:
            record = f.drop_line(record, line)
            continue
        current = record.terms_by_line[line][-1][1]
        limits = {kind: draw(AMOUNTS) for kind in current.limits}
        effective = date(2026, 3, 1) + timedelta(days=draw(st.integers(-120, 300)))
        expiration = effective + timedelta(days=draw(st.integers(1, 500)))
        record = f.replace_term(
            record,
            line,
            limits=limits,
            effective=effective,
            expiration=expiration,
            policy_number=draw(st.sampled_from(["P-1", "", "TBD", None])),
            basis=draw(st.sampled_from(["occurrence", "claims_made", None])),
            follows_form=draw(st.sampled_from([True, False, None])),
            statutory=draw(st.sampled_from([True, False, None])),
        )
        if draw(st.booleans()):
            gap = timedelta(days=draw(st.integers(0, 20)))
            prior_end = effective - gap
            prior = f.term(limits, effective=prior_end - timedelta(days=365), expiration=prior_end)
            record = f.add_term(record, line, prior)
    dropped = draw(st.lists(st.sampled_from(ENDORSEMENT_KINDS), unique=True))
    for kind in dropped:
        record = f.drop_endorsements(record, kind)
    return record


def _outcomes(verdict: Verdict) -> dict[tuple[str, str | None], str]:
    outcomes = {(check.code, check.line): check.outcome for check in verdict.checks}
    assert len(outcomes) == len(verdict.checks), "a (code, line) pair is listed twice"
    return outcomes


def _rank(verdict: Verdict) -> int:
    return STATUSES.index(verdict.status)


def _scaled_context(project_end_days: int) -> f.VerificationContext:
    return f.context(project_end=date(2027, 1, 31) + timedelta(days=project_end_days))


@settings(max_examples=120, deadline=None)
@given(record=records(), requirements=requirement_sets(), end=st.integers(-200, 400))
def test_property_same_input_same_verdict(
    record: RecordAsOf, requirements: RequirementSet, end: int
) -> None:
    ctx = _scaled_context(end)
    first = verify(requirements, record, ctx, f.ON)
    again = verify(copy.deepcopy(requirements), copy.deepcopy(record), copy.deepcopy(ctx), f.ON)
    assert first == again
    assert first.to_json() == again.to_json()


def _terms(record: RecordAsOf) -> list[tuple[str, int, Term]]:
    return [
        (policy.line, index, term)
        for policy in record.policies
        for index, term in enumerate(policy.terms)
    ]


def _replace_term_at(record: RecordAsOf, line: str, index: int, term: Term) -> RecordAsOf:
    policies = tuple(
        dataclasses.replace(
            policy, terms=tuple(term if i == index else t for i, t in enumerate(policy.terms))
        )
        if policy.line == line
        else policy
        for policy in record.policies
    )
    return dataclasses.replace(record, policies=policies)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(), record=records(), requirements=requirement_sets(), end=st.integers(-200, 400)
)
def test_property_raising_a_limit_never_turns_a_pass_into_a_fail(
    data: st.DataObject, record: RecordAsOf, requirements: RequirementSet, end: int
) -> None:
    candidates = [
        (line, index, term, kind) for line, index, term in _terms(record) for kind in term.limits
    ]
    if not candidates:
        return
    line, index, term, kind = data.draw(st.sampled_from(candidates))
    raise_by = data.draw(st.sampled_from([1, 250_000, 1_000_000, 20_000_000]))
    old = term.limits[kind]
    raised = dataclasses.replace(term, limits={**term.limits, kind: (old or 0) + raise_by})
    ctx = _scaled_context(end)
    before = verify(requirements, record, ctx, f.ON)
    after = verify(requirements, _replace_term_at(record, line, index, raised), ctx, f.ON)
    after_outcomes = _outcomes(after)
    for key, outcome in _outcomes(before).items():
        if outcome == "pass":
            assert after_outcomes.get(key) == "pass", key
    assert _rank(after) <= _rank(before)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(), record=records(), requirements=requirement_sets(), end=st.integers(-200, 400)
)
def test_property_shortening_coverage_never_turns_a_fail_into_a_pass(
    data: st.DataObject, record: RecordAsOf, requirements: RequirementSet, end: int
) -> None:
    candidates = [
        item for item in _terms(record) if (item[2].expiration - item[2].effective).days > 1
    ]
    if not candidates:
        return
    line, index, term = data.draw(st.sampled_from(candidates))
    length = (term.expiration - term.effective).days
    new_length = data.draw(st.integers(1, length - 1))
    shortened = dataclasses.replace(term, expiration=term.effective + timedelta(days=new_length))
    ctx = _scaled_context(end)
    before = verify(requirements, record, ctx, f.ON)
    after = verify(requirements, _replace_term_at(record, line, index, shortened), ctx, f.ON)
    after_outcomes = _outcomes(after)
    for key, outcome in _outcomes(before).items():
        if outcome == "fail":
            assert after_outcomes.get(key) != "pass", key
    assert _rank(after) >= _rank(before)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), record=records(), parent=requirement_sets())
def test_property_what_a_tier2_set_accepts_its_parent_accepts(
    data: st.DataObject, record: RecordAsOf, parent: RequirementSet
) -> None:
    child = tighten(derive_tier2(parent), parent, **data.draw(tightenings(parent)))
    ctx = f.context()
    child_verdict = verify(child, record, ctx, f.ON)
    if child_verdict.status in ("compliant", "expiring"):
        assert verify(parent, record, ctx, f.ON).status in ("compliant", "expiring")
