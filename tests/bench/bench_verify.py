"""Verifications per second on one core: a realistic four-line record (GL, auto, umbrella, WC,
with its endorsements on file) against a full requirement set (the high-tier template plus a
holder, three additional-insured parties, a project state and a rating table).

Two figures per run: the same record and context verified over and over, and a fresh record and
context (built beforehand, outside the timing) for every verification. The fresh ones also spell
their own parties and description (a number in the names), so that nothing the engine might
remember from an earlier call, on the objects or by their values, can help. The summary line
reports the lower median of the two.

The engine compiles each requirement set once into a plan (backend/verification/plan.py) and
keeps it for later verifications against that set, as a GC's portfolio shares a handful of sets;
the plan is derived from the set alone, and everything read from the record, the context, the
date and the waivers is worked out afresh on every call. What preparing a plan costs is printed
for information, not judged.

Run: uv run python -m tests.bench.bench_verify
"""

from __future__ import annotations

import gc
import statistics
import time
from datetime import date

from backend.requirements.model import RequirementSet
from backend.requirements.ratings import InsurerRating, RatingTable
from backend.requirements.templates import template
from backend.verification.context import VerificationContext
from backend.verification.engine import verify
from backend.verification.native import is_compiled
from backend.verification.plan import prepare_plan
from backend.verification.record import (
    AI_COMPLETED,
    AI_ONGOING,
    NOTICE_OF_CANCELLATION,
    PER_PROJECT_AGGREGATE,
    PRIMARY_NONCONTRIBUTORY,
    STOP_GAP,
    WAIVER_OF_SUBROGATION,
    Endorsement,
    Evidence,
    Policy,
    RecordAsOf,
    Term,
)
from backend.verification.verdict import Verdict

TARGET_PER_SECOND = 20_000
RUNS = 5
SECONDS_PER_RUN = 1.0
BATCH = 500

GC = "Meridian Construction Group LLC"
OWNER = "Harbor Point Owner LP"
LENDER = "First Lakes Bank, N.A."
DOCUMENT = "3f1c" * 16


def _evidence(pointer: str, page: int = 1) -> Evidence:
    return Evidence(document=DOCUMENT, page=page, pointer=pointer, bbox=(40.0, 300.0, 120.0, 310.0))


def _term(index: int, **values: object) -> Term:
    base = f"/coverages/{index}"
    limits = values.pop("limits")
    assert isinstance(limits, dict)
    evidence = {
        "effective": _evidence(f"{base}/effective"),
        "expiration": _evidence(f"{base}/expiration"),
        "policy_number": _evidence(f"{base}/policy_number"),
    }
    for kind in limits:
        evidence[f"limits.{kind}"] = _evidence(f"{base}/limits/{kind}")
    return Term(
        effective=date(2026, 3, 1),
        expiration=date(2027, 3, 1),
        limits=limits,
        evidence=evidence,
        **values,  # type: ignore[arg-type]
    )


def _parties(variant: int | None) -> tuple[str, str, str]:
    """GC, owner and lender; numbered names for a variant (another project's parties)."""
    if variant is None:
        return GC, OWNER, LENDER
    return (
        f"Meridian Construction Group {variant} LLC",
        f"Harbor Point {variant} Owner LP",
        f"First Lakes Bank {variant}, N.A.",
    )


def realistic_record(variant: int | None = None) -> RecordAsOf:
    """A tier-1 sub's record after review: four policies, the prior GL term, endorsements."""
    gc, owner, lender = _parties(variant)
    project = "Harbor Point Tower" if variant is None else f"Harbor Point Tower {variant}"
    gl_limits = {
        "each_occurrence": 2_000_000,
        "general_aggregate": 4_000_000,
        "products_completed_operations_aggregate": 4_000_000,
        "personal_advertising_injury": 2_000_000,
        "damage_to_rented_premises": 300_000,
        "medical_expense": 10_000,
    }
    prior_gl = Term(
        effective=date(2025, 3, 1),
        expiration=date(2026, 3, 1),
        policy_number="GL-4410022-25",
        basis="occurrence",
        limits=gl_limits,
    )
    policies = (
        Policy(
            line="general_liability",
            insurer_name="Great Lakes Casualty Company",
            insurer_naic="24112",
            terms=(
                prior_gl,
                _term(0, policy_number="GL-4410022-26", basis="occurrence", limits=gl_limits),
            ),
        ),
        Policy(
            line="auto_liability",
            insurer_name="Great Lakes Casualty Company",
            insurer_naic="24112",
            terms=(
                _term(
                    1,
                    policy_number="BA-7781204",
                    covered_autos=("any_auto",),
                    limits={"combined_single_limit": 1_000_000},
                ),
            ),
        ),
        Policy(
            line="umbrella",
            insurer_name="Continental Excess Insurance Co",
            insurer_naic="35289",
            terms=(
                _term(
                    2,
                    policy_number="UMB-0091833",
                    basis="occurrence",
                    follows_form=True,
                    follows_form_over=(
                        "general_liability",
                        "auto_liability",
                        "employers_liability",
                    ),
                    limits={"each_occurrence": 10_000_000, "aggregate": 10_000_000},
                ),
            ),
        ),
        Policy(
            line="workers_compensation",
            insurer_name="Buckeye Workers Mutual",
            insurer_naic="10677",
            terms=(
                _term(
                    3,
                    policy_number="WC-5520017",
                    statutory=True,
                    wc_states=("IN", "PA"),
                    officers_excluded=False,
                    limits={
                        "el_each_accident": 1_000_000,
                        "el_disease_each_employee": 1_000_000,
                        "el_disease_policy_limit": 1_000_000,
                    },
                ),
            ),
        ),
    )
    endorsement_page = _evidence("/form", page=2)
    endorsements = (
        Endorsement(
            AI_ONGOING,
            ("general_liability", "umbrella"),
            form_number="CG 20 10",
            edition="04 13",
            blanket=False,
            named_parties=(gc, owner, lender),
            evidence=endorsement_page,
        ),
        Endorsement(
            AI_COMPLETED,
            ("general_liability", "umbrella"),
            form_number="CG 20 37",
            edition="04 13",
            blanket=False,
            named_parties=(gc, owner, lender),
            evidence=endorsement_page,
        ),
        Endorsement(PRIMARY_NONCONTRIBUTORY, ("general_liability",), form_number="CG 20 01"),
        Endorsement(WAIVER_OF_SUBROGATION, ("general_liability",), form_number="CG 24 04"),
        Endorsement(WAIVER_OF_SUBROGATION, ("auto_liability",), form_number="CA 04 44"),
        Endorsement(WAIVER_OF_SUBROGATION, ("workers_compensation",), form_number="WC 00 03 13"),
        Endorsement(PER_PROJECT_AGGREGATE, ("general_liability",), form_number="CG 25 03"),
        Endorsement(
            NOTICE_OF_CANCELLATION,
            ("general_liability", "auto_liability", "umbrella", "workers_compensation"),
            notice_days=30,
        ),
        # The project is in Ohio, a monopolistic state: employer's liability by stop gap on GL.
        Endorsement(STOP_GAP, ("general_liability",), form_number="CG 04 42"),
    )
    return RecordAsOf(
        as_of=date(2026, 11, 23),
        policies=policies,
        endorsements=endorsements,
        insured_name="Apex Mechanical LLC",
        certificate_holder_name=gc,
        description_of_operations=(
            f"Re: {project}. Certificate holder, owner and lender are additional insureds "
            "for ongoing and completed operations on a primary and non-contributory basis."
        ),
        evidence={"certificate_holder_name": _evidence("/certificate_holder/name")},
    )


def realistic_context(variant: int | None = None) -> VerificationContext:
    gc, owner, lender = _parties(variant)
    ratings = RatingTable.of(
        [
            InsurerRating("24112", "Great Lakes Casualty Company", "A", "IX"),
            InsurerRating("35289", "Continental Excess Insurance Co", "A+", "XV"),
            InsurerRating("10677", "Buckeye Workers Mutual", "A-", "VIII"),
        ]
    )
    return VerificationContext(
        project_start=date(2026, 2, 1),
        project_end=date(2027, 1, 31),
        closeout_days=28,
        certificate_holder=gc,
        additional_insured_parties=(gc, owner, lender),
        state="IN",
        trade="HVAC",
        work_start=date(2026, 4, 1),
        insurer_ratings=ratings,
    )


def _rate_reused(
    requirements: RequirementSet, record: RecordAsOf, context: VerificationContext, on: date
) -> float:
    """Verifications per CPU second of the same record and context objects over and over."""
    count = 0
    started = time.process_time()
    deadline = started + SECONDS_PER_RUN
    while True:
        for _ in range(BATCH):
            verify(requirements, record, context, on)
        count += BATCH
        now = time.process_time()
        if now >= deadline:
            return count / (now - started)


def _rate_fresh(requirements: RequirementSet, on: date) -> float:
    """Verifications per CPU second when every verification gets a record and a context built
    for it alone (built outside the timed part), so that nothing the engine might keep on
    those objects from an earlier call can help."""
    count = 0
    spent = 0.0
    while spent < SECONDS_PER_RUN:
        batch = [(realistic_record(count + i), realistic_context(count + i)) for i in range(BATCH)]
        # Settle the collector over the new objects here, not inside the timed loop.
        gc.collect()
        started = time.process_time()
        for record, context in batch:
            verify(requirements, record, context, on)
        spent += time.process_time() - started
        count += BATCH
    return count / spent


def _outcomes(verdict: Verdict) -> list[tuple[str, str | None, str]]:
    return [(check.code, check.line, check.outcome) for check in verdict.checks]


def _plan_cost(requirements: RequirementSet) -> float:
    """Median CPU microseconds to prepare the set's plan (what its first verification adds)."""
    costs = []
    for _ in range(21):
        started = time.process_time()
        prepare_plan(requirements)
        costs.append(time.process_time() - started)
    return statistics.median(costs) * 1e6


def main() -> None:
    requirements = template("high")
    record = realistic_record()
    context = realistic_context()
    on = date(2026, 11, 23)
    verdict = verify(requirements, record, context, on)
    fresh_verdict = verify(requirements, realistic_record(1), realistic_context(1), on)
    assert _outcomes(fresh_verdict) == _outcomes(verdict)
    engine = "compiled with mypyc" if is_compiled() else "interpreted (no current build)"
    print(f"engine: {engine}")
    print(f"record: {len(record.policies)} policies, {len(record.endorsements)} endorsements")
    print(f"verdict: {verdict.status}, {len(verdict.checks)} checks")
    print(f"plan: prepared once per requirement set in {_plan_cost(requirements):,.0f} us")
    reused: list[float] = []
    fresh: list[float] = []
    for run in range(RUNS):
        reused.append(_rate_reused(requirements, record, context, on))
        fresh.append(_rate_fresh(requirements, on))
        print(
            f"run {run + 1}: {reused[-1]:,.0f} verifications/s same objects, "
            f"{fresh[-1]:,.0f}/s a fresh record and context each (CPU time of one process)"
        )
    median_reused = statistics.median(reused)
    median_fresh = statistics.median(fresh)
    print(f"median: {median_reused:,.0f}/s same objects, {median_fresh:,.0f}/s fresh objects")
    # The figure judged is the lower of the two, so reuse of objects can never flatter it.
    median = min(median_reused, median_fresh)
    verdict_word = "ok" if median >= TARGET_PER_SECOND else "SHORT"
    print(f"bench verify: per_second={median:.0f}/s target >={TARGET_PER_SECOND}/s {verdict_word}")


if __name__ == "__main__":
    main()
