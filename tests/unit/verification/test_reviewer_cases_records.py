"""Reviewer cases on master records: what an experienced insurance-compliance reviewer decides
when the sub's endorsements are on file, as the templates demand.

The three certificate tables (`test_reviewer_cases*.py`) judge ACORD 25s with certificate claims
accepted. These cases judge the sub's master record itself (policies, terms and the endorsement
forms filed, built with `factories`), under the high-tier template with its "endorsements on
file", so that what decides a case is the form, edition, schedule, term or insurer on file:
AI editions and who a blanket form reaches, names on schedules and the holder, combined limits,
WC owners excluded, states and the monopolistic four, claims-made retro dates, tails and
continuous renewal, "Included", conditional wording, the box against the description, gaps,
close-out, ratings and surplus lines, notice, per-project aggregate, any auto and WOS per line.

Each case was written from DOMAIN.md ("What a GC checks", "Finer rules an experienced reviewer
applies") before the engine was run on it; its `why` is the reviewer's reason. Every case starts
from one clean record for a Pennsylvania project (`base_record`, `base_context`).

Left out on purpose, where DOMAIN.md leaves the answer open or another layer gives it: a tail
asked while the work goes on (the engine asks for it, unknown); a state on item 3.C only; the
close-out check's severity (the set's choice); AI on a follow-form umbrella from the GL's
endorsements (the records loader, backend/projects/engine_input.py, extends them); a private
policy whose typed states list a monopolistic state (the certificate reader drops it unless the
state fund is named; a typed record cannot say which, and the factories' clean Ohio record
relies on it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import pytest

from backend.requirements.model import FormEdition, RequirementSet
from backend.requirements.ratings import InsurerRating, RatingTable
from backend.verification.checks import FAIL, PASS, UNKNOWN, WAIVED, Waiver
from backend.verification.context import VerificationContext
from backend.verification.engine import verify
from backend.verification.record import (
    AI_COMPLETED,
    AI_ONGOING,
    NOTICE_OF_CANCELLATION,
    PER_PROJECT_AGGREGATE,
    SOURCE_CERTIFICATE,
    STOP_GAP,
    WAIVER_OF_SUBROGATION,
    Endorsement,
    Policy,
    RecordAsOf,
    Term,
)
from backend.verification.verdict import COMPLIANT, INCOMPLETE, NON_COMPLIANT, Verdict
from tests.unit.verification import factories as f
from tests.unit.verification.factories import AUTO, GC, GL, LENDER, OWNER, UMB, WC

PARTIES: Final = (GC, OWNER, LENDER)
# The insurers of the clean record and the few the rating cases swap in.
RATED_B_PLUS: Final = InsurerRating("31194", "Prairie Mutual Casualty", "B+", "VIII")
RATINGS: Final = RatingTable.of(
    [
        InsurerRating("24112", "Great Lakes Casualty Company", "A", "IX"),
        InsurerRating("35289", "Continental Excess Insurance Co", "A+", "XV"),
        InsurerRating("10677", "Buckeye Workers Mutual", "A-", "VIII"),
        InsurerRating("20990", "Keystone Indemnity Company", "A-", "X"),
        InsurerRating("21660", "Valley Forge Assurance Co", "A-", "VI"),
        InsurerRating("22500", "Liberty Bell Insurance Co", "B++", "XV"),
        InsurerRating("39810", "Ironbridge Specialty Insurance Co", "A", "XII", surplus_lines=True),
        RATED_B_PLUS,
    ]
)
# The completed-operations phase: after project end (2027-01-31) plus close-out (28 days).
IN_PHASE: Final = date(2027, 6, 1)


def base_record() -> RecordAsOf:
    """The factories' clean record moved to Pennsylvania: WC covers PA, and no stop gap (PA is
    not monopolistic)."""
    record = f.replace_term(f.compliant_record(), WC, wc_states=("PA",))
    return f.drop_endorsements(record, STOP_GAP)


def base_context(**changes: Any) -> VerificationContext:
    values: dict[str, Any] = {"state": "PA", "insurer_ratings": RATINGS}
    values.update(changes)
    return f.context(**values)


def base_set(**changes: Any) -> RequirementSet:
    """The high-tier template (endorsements on file), each minimum met by its line alone."""
    return f.requirements(**changes)


def with_ai(requirements: RequirementSet, **changes: Any) -> RequirementSet:
    return dataclasses.replace(
        requirements,
        additional_insured=dataclasses.replace(requirements.additional_insured, **changes),
    )


def with_line(requirements: RequirementSet, line: str, **changes: Any) -> RequirementSet:
    lines = tuple(
        dataclasses.replace(item, **changes) if item.line == line else item
        for item in requirements.lines
    )
    return dataclasses.replace(requirements, lines=lines)


def without_line(requirements: RequirementSet, line: str) -> RequirementSet:
    """The set without `line`, nor additional insured asked on it."""
    ai = requirements.additional_insured
    return dataclasses.replace(
        requirements,
        lines=tuple(item for item in requirements.lines if item.line != line),
        additional_insured=dataclasses.replace(
            ai, lines=tuple(item for item in ai.lines if item != line)
        ),
    )


def ai_forms(*endorsements: Endorsement) -> RecordAsOf:
    """The clean record with its AI endorsements replaced."""
    record = f.drop_endorsements(f.drop_endorsements(base_record(), AI_ONGOING), AI_COMPLETED)
    return dataclasses.replace(record, endorsements=(*record.endorsements, *endorsements))


def ongoing(
    form: str, edition: str | None, parties: tuple[str, ...] = PARTIES, **values: Any
) -> Endorsement:
    blanket = values.pop("blanket", not parties)
    return Endorsement(
        AI_ONGOING,
        (GL, UMB),
        form_number=form,
        edition=edition,
        blanket=blanket,
        named_parties=parties,
        **values,
    )


def completed(
    form: str, edition: str | None, parties: tuple[str, ...] = PARTIES, **values: Any
) -> Endorsement:
    blanket = values.pop("blanket", not parties)
    return Endorsement(
        AI_COMPLETED,
        (GL, UMB),
        form_number=form,
        edition=edition,
        blanket=blanket,
        named_parties=parties,
        **values,
    )


def terms(line: str, *new_terms: Term) -> Callable[[RecordAsOf], RecordAsOf]:
    def edit(record: RecordAsOf) -> RecordAsOf:
        policies = tuple(
            dataclasses.replace(policy, terms=new_terms) if policy.line == line else policy
            for policy in record.policies
        )
        return dataclasses.replace(record, policies=policies)

    return edit


def gl_term(effective: date, expiration: date, **values: Any) -> Term:
    fields: dict[str, Any] = {"policy_number": "GL-1", "basis": "occurrence"}
    fields.update(values)
    return f.term(f.GL_LIMITS, effective=effective, expiration=expiration, **fields)


def umbrella_term(limits: dict[str, int] = f.UMB_LIMITS, **values: Any) -> Term:
    fields: dict[str, Any] = {
        "policy_number": "UMB-1",
        "basis": "occurrence",
        "follows_form": True,
        "follows_form_over": (GL, AUTO, "employers_liability"),
    }
    fields.update(values)
    return f.term(limits, **fields)


def edited(*edits: Callable[[RecordAsOf], RecordAsOf]) -> Callable[[], RecordAsOf]:
    def build() -> RecordAsOf:
        record = base_record()
        for edit in edits:
            record = edit(record)
        return record

    return build


def term_change(line: str, **changes: Any) -> Callable[[RecordAsOf], RecordAsOf]:
    return lambda record: f.replace_term(record, line, **changes)


def gl_limits(**changes: int | None) -> Callable[[RecordAsOf], RecordAsOf]:
    return term_change(GL, limits={**f.GL_LIMITS, **changes})


def insurer(line: str, name: str, naic: str) -> Callable[[RecordAsOf], RecordAsOf]:
    return lambda record: f.replace_policy(record, line, insurer_name=name, insurer_naic=naic)


def holder(name: str) -> Callable[[RecordAsOf], RecordAsOf]:
    return lambda record: dataclasses.replace(record, certificate_holder_name=name)


def described(text: str) -> Callable[[RecordAsOf], RecordAsOf]:
    return lambda record: dataclasses.replace(record, description_of_operations=text)


def dropped(kind: str, line: str | None = None) -> Callable[[RecordAsOf], RecordAsOf]:
    return lambda record: f.drop_endorsements(record, kind, line)


def added(*endorsements: Endorsement) -> Callable[[RecordAsOf], RecordAsOf]:
    return lambda record: dataclasses.replace(
        record, endorsements=(*record.endorsements, *endorsements)
    )


def renamed(kind: str, **changes: Any) -> Callable[[RecordAsOf], RecordAsOf]:
    return lambda record: f.replace_endorsements(record, kind, **changes)


@dataclass(frozen=True)
class RecordCase:
    name: str
    why: str
    expected: str
    record: Callable[[], RecordAsOf] = base_record
    requirements: Callable[[], RequirementSet] = base_set
    context: Callable[[], VerificationContext] = base_context
    on: date = f.ON
    checks: dict[tuple[str, str | None], str] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    # Words each named check's message must contain, so that the sub's bookkeeper can act.
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)


def judge(case: RecordCase) -> Verdict:
    return verify(case.requirements(), case.record(), case.context(), case.on, case.waivers)


def _stop_gap_on_wc() -> Endorsement:
    return Endorsement(STOP_GAP, (WC,))


CASES: Final = (
    RecordCase(
        "clean record, Pennsylvania",
        "Every line, limit, form and party on file as the template asks.",
        COMPLIANT,
    ),
    # --- Additional insured: editions ---------------------------------------------------------
    RecordCase(
        "CG 20 10 11 85 on file alone",
        "The 11 85 edition covers 'your work', ongoing and completed operations: no CG 20 37.",
        COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 10", "11 85")),
        checks={("AI_COMPLETED", GL): PASS, ("AI_COMPLETED_FORM", GL): PASS},
    ),
    RecordCase(
        "CG 20 10 10 01 on file alone",
        "10 01 covers ongoing operations only; completed operations need CG 20 37.",
        NON_COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 10", "10 01")),
        checks={("AI_ONGOING", GL): PASS, ("AI_COMPLETED", GL): FAIL},
    ),
    RecordCase(
        "CG 20 10 07 04 with CG 20 37 07 04 on file",
        "The 07 04 pair covers both phases (for injury caused by the sub's acts or omissions).",
        COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 10", "07 04"), completed("CG 20 37", "07 04")),
    ),
    RecordCase(
        "CG 20 10 04 13 filed under completed operations too, set accepts any form",
        "04 13 covers ongoing operations only, whatever the kind it was filed under: completed "
        "operations still need CG 20 37.",
        NON_COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 10", "04 13"), completed("CG 20 10", "04 13")),
        requirements=lambda: with_ai(base_set(), ongoing_forms=(), completed_forms=()),
        checks={("AI_COMPLETED", GL): FAIL},
    ),
    RecordCase(
        "CG 20 37 04 13 filed under ongoing operations, no CG 20 10",
        "CG 20 37 covers completed operations only: ongoing operations have no endorsement.",
        NON_COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 37", "04 13"), completed("CG 20 37", "04 13")),
        requirements=lambda: with_ai(base_set(), ongoing_forms=(), completed_forms=()),
        checks={("AI_ONGOING", GL): FAIL, ("AI_COMPLETED", GL): PASS},
    ),
    RecordCase(
        "contract accepts the 11 85 edition only, 04 13 pair on file",
        "Some contracts accept only certain editions: the 04 13 pair is not the one asked.",
        NON_COMPLIANT,
        requirements=lambda: with_ai(
            base_set(),
            ongoing_forms=(FormEdition("CG 20 10", "11 85"),),
            completed_forms=(FormEdition("CG 20 10", "11 85"),),
        ),
        checks={("AI_ONGOING_FORM", GL): FAIL, ("AI_COMPLETED_FORM", GL): FAIL},
    ),
    # --- Additional insured: who a form reaches -----------------------------------------------
    RecordCase(
        "blanket CG 20 33, owner and lender required",
        "CG 20 33 reaches the parties the sub contracts with directly (the GC), not the owner "
        "or lender above it.",
        NON_COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 33", None, ()), completed("CG 20 37", "04 13")),
        checks={("AI_ONGOING_PARTIES", GL): FAIL, ("AI_COMPLETED_PARTIES", GL): PASS},
    ),
    RecordCase(
        "blanket CG 20 33, only the GC required",
        "When the GC is the only party the contract names, the direct-contract blanket form "
        "covers it.",
        COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 33", None, ()), completed("CG 20 37", "04 13")),
        context=lambda: base_context(additional_insured_parties=(GC,)),
    ),
    RecordCase(
        "blanket CG 20 38 with CG 20 37 naming all three",
        "CG 20 38 reaches the owner and lender above the GC when the written contract requires "
        "it; CG 20 37 names them for completed operations.",
        COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 38", "04 13", ()), completed("CG 20 37", "04 13")),
    ),
    RecordCase(
        "blanket CG 20 38 where the contract demands named AI",
        "A contract that accepts only named AI is not met by a blanket form, however broad.",
        NON_COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 38", "04 13", ()), completed("CG 20 37", "04 13")),
        requirements=lambda: with_ai(base_set(), blanket_allowed=False),
        checks={("AI_ONGOING_PARTIES", GL): FAIL},
    ),
    RecordCase(
        "CG 20 26 naming all three, set accepts CG 20 10 / 20 33 / 20 38",
        "CG 20 26 names a designated person; the contract accepts other forms only.",
        NON_COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 26", "04 13"), completed("CG 20 37", "04 13")),
        checks={("AI_ONGOING_FORM", GL): FAIL},
    ),
    RecordCase(
        "CG 20 26 naming all three, set accepts CG 20 26",
        "The designated-person form is accepted here; CG 20 37 covers completed operations.",
        COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 26", "04 13"), completed("CG 20 37", "04 13")),
        requirements=lambda: with_ai(base_set(), ongoing_forms=(FormEdition("CG 20 26"),)),
    ),
    RecordCase(
        "CG 20 26 naming all three, no completed-operations form",
        "CG 20 26 covers ongoing operations; completed operations need CG 20 37.",
        NON_COMPLIANT,
        record=lambda: ai_forms(ongoing("CG 20 26", "04 13")),
        requirements=lambda: with_ai(base_set(), ongoing_forms=(FormEdition("CG 20 26"),)),
        checks={("AI_COMPLETED", GL): FAIL},
    ),
    RecordCase(
        "CG 20 38 on file, its blanket mark not typed",
        "CG 20 38 is a blanket form by its nature: it reaches the owner and lender above the GC "
        "whether or not the record says 'blanket'.",
        COMPLIANT,
        record=lambda: ai_forms(
            ongoing("CG 20 38", "04 13", (), blanket=None), completed("CG 20 37", "04 13")
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS},
    ),
    RecordCase(
        "carrier blanket form the GC declared equivalent to CG 20 38, mark unset",
        "The GC has read the carrier form as CG 20 38: blanket, reaching owner and lender.",
        COMPLIANT,
        record=lambda: ai_forms(
            ongoing("CG D3 60", "09 15", (), blanket=None), completed("CG 20 37", "04 13")
        ),
        requirements=lambda: with_ai(
            base_set(), equivalent_forms=(("CG D3 60 09 15", FormEdition("CG 20 38")),)
        ),
        checks={("AI_ONGOING_FORM", GL): PASS, ("AI_ONGOING_PARTIES", GL): PASS},
    ),
    RecordCase(
        "CG 20 10 naming the GC only beside a blanket CG 20 38",
        "The blanket form reaches the owner and lender the schedule leaves out.",
        COMPLIANT,
        record=lambda: ai_forms(
            ongoing("CG 20 10", "04 13", (GC,)),
            ongoing("CG 20 38", "04 13", ()),
            completed("CG 20 37", "04 13"),
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS},
    ),
    RecordCase(
        "CG 20 37 naming the GC only beside a blanket CG 20 38",
        "CG 20 38 covers ongoing operations only: the owner and lender lack completed operations.",
        NON_COMPLIANT,
        record=lambda: ai_forms(
            ongoing("CG 20 38", "04 13", ()), completed("CG 20 37", "04 13", (GC,))
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS, ("AI_COMPLETED_PARTIES", GL): FAIL},
    ),
    RecordCase(
        "last year's AI endorsements ended, this year's on file",
        "The endorsement in effect today decides; the old one is history.",
        COMPLIANT,
        record=lambda: ai_forms(
            ongoing("CG 20 10", "07 04", expiration=date(2026, 3, 1)),
            completed("CG 20 37", "07 04", expiration=date(2026, 3, 1)),
            ongoing("CG 20 10", "04 13", effective=date(2026, 3, 1)),
            completed("CG 20 37", "04 13", effective=date(2026, 3, 1)),
        ),
    ),
    RecordCase(
        "AI endorsements on file ended with last year's policy, no renewal",
        "An endorsement is part of the policy it amends: the renewal needs its own.",
        NON_COMPLIANT,
        record=lambda: ai_forms(
            ongoing("CG 20 10", "04 13", expiration=date(2026, 3, 1)),
            completed("CG 20 37", "04 13", expiration=date(2026, 3, 1)),
        ),
        checks={("AI_ONGOING", GL): FAIL, ("AI_COMPLETED", GL): FAIL},
    ),
    # --- Names: schedules and the holder ------------------------------------------------------
    RecordCase(
        "schedule spells the owner's suffix out: Limited Partnership",
        "'Limited Partnership' is what 'LP' abbreviates: the same legal entity.",
        COMPLIANT,
        record=lambda: ai_forms(
            ongoing("CG 20 10", "04 13", (GC, "Harbor Point Owner Limited Partnership", LENDER)),
            completed("CG 20 37", "04 13", (GC, "Harbor Point Owner Limited Partnership", LENDER)),
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS, ("AI_COMPLETED_PARTIES", GL): PASS},
    ),
    RecordCase(
        "schedule names the lender as a National Association",
        "'N.A.' abbreviates 'National Association', a national bank's legal suffix.",
        COMPLIANT,
        record=lambda: ai_forms(
            ongoing("CG 20 10", "04 13", (GC, OWNER, "First Lakes Bank, National Association")),
            completed("CG 20 37", "04 13", (GC, OWNER, "First Lakes Bank, National Association")),
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS},
    ),
    RecordCase(
        "schedule names the lender with ISAOA/ATIMA",
        "'Its successors and/or assigns, as their interests may appear' follows a lender's "
        "legal name; the entity is the one named before it.",
        COMPLIANT,
        record=lambda: ai_forms(
            ongoing("CG 20 10", "04 13", (GC, OWNER, "First Lakes Bank, N.A. ISAOA/ATIMA")),
            completed("CG 20 37", "04 13", (GC, OWNER, "First Lakes Bank, N.A. ISAOA/ATIMA")),
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS},
    ),
    RecordCase(
        "schedule names the owner as an LLC",
        "A different suffix is a different legal entity: the owner LP is not covered.",
        NON_COMPLIANT,
        record=lambda: ai_forms(
            ongoing("CG 20 10", "04 13", (GC, "Harbor Point Owner LLC", LENDER)),
            completed("CG 20 37", "04 13", (GC, "Harbor Point Owner LLC", LENDER)),
        ),
        checks={("AI_ONGOING_PARTIES", GL): FAIL, ("AI_COMPLETED_PARTIES", GL): FAIL},
    ),
    RecordCase(
        "holder as 'Limited Liability Co.'",
        "'Limited Liability Co.' is a statutory spelling of 'LLC': the same entity.",
        COMPLIANT,
        record=edited(holder("Meridian Construction Group Limited Liability Co.")),
        checks={("CERTIFICATE_HOLDER_NAME", None): PASS},
    ),
    RecordCase(
        "holder in capitals with L.L.C.",
        "Case and punctuation are not part of the legal name.",
        COMPLIANT,
        record=edited(holder("MERIDIAN CONSTRUCTION GROUP, L.L.C.")),
    ),
    RecordCase(
        "holder as Inc.",
        "LLC and Inc. are different legal entities.",
        NON_COMPLIANT,
        record=edited(holder("Meridian Construction Group Inc.")),
        checks={("CERTIFICATE_HOLDER_NAME", None): FAIL},
    ),
    RecordCase(
        "holder without its suffix",
        "'Meridian Construction Group' is not the exact legal entity.",
        NON_COMPLIANT,
        record=edited(holder("Meridian Construction Group")),
        checks={("CERTIFICATE_HOLDER_NAME", None): FAIL},
    ),
    # --- Combined limits ----------------------------------------------------------------------
    RecordCase(
        "GL 1M each occurrence under a 10M follow-form umbrella, set allows combining",
        "$1M primary plus a follow-form umbrella in force for the same period meets $2M.",
        COMPLIANT,
        record=edited(gl_limits(each_occurrence=1_000_000)),
        requirements=lambda: base_set(combined_limits=True),
        checks={("GL_EACH_OCCURRENCE_MIN", GL): PASS},
    ),
    RecordCase(
        "GL 1M each occurrence under a 10M umbrella, set does not allow combining",
        "The requirement set says whether the umbrella may count; this one says no.",
        NON_COMPLIANT,
        record=edited(gl_limits(each_occurrence=1_000_000)),
        checks={("GL_EACH_OCCURRENCE_MIN", GL): FAIL},
    ),
    RecordCase(
        "GL 1M, umbrella 500K over it, set allows combining",
        "$1M + $0.5M is short of $2M.",
        NON_COMPLIANT,
        record=edited(
            gl_limits(each_occurrence=1_000_000),
            terms(UMB, umbrella_term(limits={"each_occurrence": 500_000, "aggregate": 500_000})),
        ),
        requirements=lambda: without_line(base_set(combined_limits=True), UMB),
        checks={("GL_EACH_OCCURRENCE_MIN", GL): FAIL},
    ),
    RecordCase(
        "GL 1M, umbrella ends before the GL term and the project, set allows combining",
        "The umbrella must be in force for the same period as the primary it completes.",
        NON_COMPLIANT,
        record=edited(
            gl_limits(each_occurrence=1_000_000),
            term_change(UMB, expiration=date(2026, 12, 31)),
        ),
        requirements=lambda: base_set(combined_limits=True),
        checks={("GL_EACH_OCCURRENCE_MIN", GL): FAIL},
    ),
    RecordCase(
        "GL 1M, follow-form umbrella from a B+ insurer, no umbrella line required",
        "An umbrella counted toward a minimum is coverage the GC relies on: its insurer must "
        "meet the A- VII floor like any other.",
        NON_COMPLIANT,
        record=edited(
            gl_limits(each_occurrence=1_000_000),
            insurer(UMB, RATED_B_PLUS.name, RATED_B_PLUS.naic),
        ),
        requirements=lambda: without_line(base_set(combined_limits=True), UMB),
        checks={("GL_EACH_OCCURRENCE_MIN", GL): FAIL},
    ),
    RecordCase(
        "EL 500K each accident, umbrella schedules employer's liability",
        "Employer's liability may be completed by an umbrella that schedules EL.",
        COMPLIANT,
        record=edited(
            term_change(WC, limits={**f.WC_LIMITS, "el_each_accident": 500_000}),
        ),
        requirements=lambda: base_set(combined_limits=True),
        checks={("WC_EL_EACH_ACCIDENT_MIN", WC): PASS},
    ),
    RecordCase(
        "auto CSL 500K, umbrella follows form over GL and EL only",
        "An umbrella that does not sit over auto cannot complete the auto limit.",
        NON_COMPLIANT,
        record=edited(
            term_change(AUTO, limits={**f.AUTO_LIMITS, "combined_single_limit": 500_000}),
            term_change(UMB, follows_form_over=(GL, "employers_liability")),
        ),
        requirements=lambda: base_set(combined_limits=True),
        checks={("AUTO_COMBINED_SINGLE_LIMIT_MIN", AUTO): FAIL},
    ),
    RecordCase(
        "GL 1M, follow-form umbrella with a two-week gap at its renewal, set allows combining",
        "The umbrella completes the limit only if it lasts, without a gap, as long as the line.",
        NON_COMPLIANT,
        record=edited(
            gl_limits(each_occurrence=1_000_000),
            terms(
                UMB,
                umbrella_term(effective=date(2026, 3, 1), expiration=date(2027, 1, 1)),
                umbrella_term(
                    effective=date(2027, 1, 15), expiration=date(2028, 1, 15), policy_number="UMB-2"
                ),
            ),
        ),
        requirements=lambda: base_set(combined_limits=True),
        checks={("GL_EACH_OCCURRENCE_MIN", GL): FAIL, ("UMB_NO_GAP", UMB): FAIL},
    ),
    # --- Workers' compensation ----------------------------------------------------------------
    RecordCase(
        "officers excluded Y",
        "Owners are not covered; a GC accepts that only for sole proprietors or by waiver.",
        NON_COMPLIANT,
        record=edited(term_change(WC, officers_excluded=True)),
        checks={("WC_OWNERS_COVERED", WC): FAIL},
    ),
    RecordCase(
        "officers excluded Y, waived by the GC",
        "The GC's waiver accepts the exclusion until its expiry.",
        COMPLIANT,
        record=edited(term_change(WC, officers_excluded=True)),
        waivers=(
            Waiver("WC_OWNERS_COVERED", WC, "sole owner works alone", date(2027, 3, 1), "gc"),
        ),
        checks={("WC_OWNERS_COVERED", WC): WAIVED},
    ),
    RecordCase(
        "New Jersey project, WC covers Pennsylvania only",
        "WC is per state (item 3.A): the project's state must be listed.",
        NON_COMPLIANT,
        context=lambda: base_context(state="NJ"),
        checks={("WC_STATES", WC): FAIL},
    ),
    RecordCase(
        "New Jersey project, WC covers PA and NJ",
        "Every state of the work is on the policy.",
        COMPLIANT,
        record=edited(term_change(WC, wc_states=("PA", "NJ"))),
        context=lambda: base_context(state="NJ"),
    ),
    RecordCase(
        "Washington project, WC by Washington L&I, stop gap on GL",
        "The state fund insures WC there and carries no employer's liability: the stop-gap "
        "endorsement on the GL policy supplies it.",
        COMPLIANT,
        record=edited(
            insurer(WC, "Washington State Department of Labor & Industries", ""),
            lambda r: f.replace_policy(r, WC, insurer_naic=None),
            term_change(WC, wc_states=None),
            added(Endorsement(STOP_GAP, (GL,))),
        ),
        context=lambda: base_context(state="WA"),
        checks={("WC_STOP_GAP_EL", WC): PASS, ("WC_STATES", WC): PASS},
    ),
    RecordCase(
        "Washington project, WC by Washington L&I, no stop gap",
        "Without the stop-gap endorsement the sub has no employer's liability in Washington.",
        NON_COMPLIANT,
        record=edited(
            insurer(WC, "Washington State Department of Labor & Industries", ""),
            lambda r: f.replace_policy(r, WC, insurer_naic=None),
            term_change(WC, wc_states=None),
        ),
        context=lambda: base_context(state="WA"),
        checks={("WC_STOP_GAP_EL", WC): FAIL},
    ),
    RecordCase(
        "Oregon project, WC by Washington L&I",
        "A state fund insures its own state only: Oregon work needs Oregon coverage.",
        NON_COMPLIANT,
        record=edited(
            insurer(WC, "Washington State Department of Labor & Industries", ""),
            lambda r: f.replace_policy(r, WC, insurer_naic=None),
            term_change(WC, wc_states=None),
        ),
        context=lambda: base_context(state="OR"),
        checks={("WC_STATES", WC): FAIL},
    ),
    RecordCase(
        "contract names PA and NJ, WC covers PA only",
        "A multi-state sub needs every state the contract names, not only the project's.",
        NON_COMPLIANT,
        requirements=lambda: with_line(base_set(), WC, states=("PA", "NJ")),
        checks={("WC_STATES", WC): FAIL},
    ),
    RecordCase(
        "officers excluded Y, the set accepts exclusions",
        "The GC has accepted owners excluded for this set (sole proprietors).",
        COMPLIANT,
        record=edited(term_change(WC, officers_excluded=True)),
        requirements=lambda: with_line(base_set(), WC, owners_exclusion_allowed=True),
        checks={("WC_OWNERS_COVERED", WC): PASS},
    ),
    RecordCase(
        "North Dakota project, WC by WSI, stop gap on GL",
        "The state fund insures WC in North Dakota; the stop gap on GL gives employer's liability.",
        COMPLIANT,
        record=edited(
            insurer(WC, "North Dakota Workforce Safety & Insurance", ""),
            lambda r: f.replace_policy(r, WC, insurer_naic=None),
            term_change(WC, wc_states=None),
            added(Endorsement(STOP_GAP, (GL,))),
        ),
        context=lambda: base_context(state="ND"),
        checks={("WC_STATES", WC): PASS, ("WC_STOP_GAP_EL", WC): PASS},
    ),
    RecordCase(
        "Ohio project, stop gap filed on the WC policy",
        "The stop gap the reviewer asks for is an endorsement on the general liability policy.",
        NON_COMPLIANT,
        record=lambda: dataclasses.replace(
            f.compliant_record(),
            endorsements=(
                *f.drop_endorsements(f.compliant_record(), STOP_GAP).endorsements,
                _stop_gap_on_wc(),
            ),
        ),
        context=lambda: base_context(state="OH"),
        checks={("WC_STOP_GAP_EL", WC): FAIL},
    ),
    # --- Claims-made --------------------------------------------------------------------------
    RecordCase(
        "claims-made GL, retro date on the work start",
        "A retroactive date on or before the first work reaches back far enough.",
        COMPLIANT,
        record=edited(term_change(GL, basis="claims_made", retro_date=date(2026, 4, 1))),
        requirements=lambda: with_line(base_set(), GL, claims_made_allowed=True),
        checks={("GL_RETRO_DATE", GL): PASS},
    ),
    RecordCase(
        "claims-made GL, retro date a month after the work start",
        "Work done before the retro date is not covered.",
        NON_COMPLIANT,
        record=edited(term_change(GL, basis="claims_made", retro_date=date(2026, 5, 1))),
        requirements=lambda: with_line(base_set(), GL, claims_made_allowed=True),
        checks={("GL_RETRO_DATE", GL): FAIL},
    ),
    RecordCase(
        "claims-made GL, 3-year tail asked, 1-year tail on file",
        "The extended reporting period must last the years the contract names.",
        NON_COMPLIANT,
        record=edited(
            term_change(GL, basis="claims_made", retro_date=date(2020, 1, 1), tail_years=1)
        ),
        requirements=lambda: with_line(base_set(), GL, claims_made_allowed=True, tail_years=3),
        checks={("GL_TAIL", GL): FAIL},
    ),
    RecordCase(
        "claims-made umbrella allowed, retro date before the work",
        "A claims-made umbrella the set allows, reaching back before the first work.",
        COMPLIANT,
        record=edited(term_change(UMB, basis="claims_made", retro_date=date(2026, 1, 1))),
        requirements=lambda: with_line(base_set(), UMB, claims_made_allowed=True),
        checks={("UMB_RETRO_DATE", UMB): PASS},
    ),
    RecordCase(
        "completed-operations phase: occurrence GL renewed, products Included",
        "After close-out the GC asks only the GL renewal with its products-completed "
        "operations aggregate and completed-operations AI; 'Included' sits in the 4M aggregate.",
        COMPLIANT,
        record=edited(
            terms(
                GL,
                gl_term(date(2026, 3, 1), date(2027, 3, 1)),
                f.term(
                    {**f.GL_LIMITS, "products_completed_operations_aggregate": None},
                    effective=date(2027, 3, 1),
                    expiration=date(2028, 3, 1),
                    policy_number="GL-2",
                    basis="occurrence",
                    included_limits=("products_completed_operations_aggregate",),
                ),
            )
        ),
        on=IN_PHASE,
        checks={("GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN", GL): PASS},
    ),
    RecordCase(
        "verdict inside the close-out period",
        "Punch-list work after project end is still the work: every line is judged as before.",
        COMPLIANT,
        on=date(2027, 2, 15),
        checks={("GL_THROUGH_CLOSEOUT", GL): PASS},
    ),
    RecordCase(
        "claims-made GL during the work, 3-year tail asked, none stated",
        "While the work goes on neither a tail nor years of renewal can be shown yet: the "
        "reviewer asks how the sub will cover the years after completion.",
        INCOMPLETE,
        record=edited(term_change(GL, basis="claims_made", retro_date=date(2020, 1, 1))),
        requirements=lambda: with_line(base_set(), GL, claims_made_allowed=True, tail_years=3),
        checks={("GL_TAIL", GL): UNKNOWN},
    ),
    RecordCase(
        "completed-operations phase: claims-made GL renewed, retro date kept, no tail",
        "A tail or continuous renewal: a renewal in force after the job with the retro date "
        "still before the first work is the continuous renewal the contract allows.",
        COMPLIANT,
        record=edited(
            terms(
                GL,
                gl_term(
                    date(2026, 3, 1),
                    date(2027, 3, 1),
                    basis="claims_made",
                    retro_date=date(2020, 1, 1),
                ),
                gl_term(
                    date(2027, 3, 1),
                    date(2028, 3, 1),
                    policy_number="GL-2",
                    basis="claims_made",
                    retro_date=date(2020, 1, 1),
                ),
            )
        ),
        requirements=lambda: with_line(base_set(), GL, claims_made_allowed=True, tail_years=3),
        on=IN_PHASE,
        checks={("GL_TAIL", GL): PASS, ("GL_RETRO_DATE", GL): PASS},
        words={"GL_TAIL": ("continuous renewal",)},
    ),
    RecordCase(
        "completed-operations phase: claims-made renewal moved its retro date",
        "A renewal whose retro date is after the first work leaves the finished work uncovered.",
        NON_COMPLIANT,
        record=edited(
            terms(
                GL,
                gl_term(
                    date(2026, 3, 1),
                    date(2027, 3, 1),
                    basis="claims_made",
                    retro_date=date(2020, 1, 1),
                ),
                gl_term(
                    date(2027, 3, 1),
                    date(2028, 3, 1),
                    policy_number="GL-2",
                    basis="claims_made",
                    retro_date=date(2027, 3, 1),
                ),
            )
        ),
        requirements=lambda: with_line(base_set(), GL, claims_made_allowed=True, tail_years=3),
        on=IN_PHASE,
        checks={("GL_RETRO_DATE", GL): FAIL},
    ),
    # --- "Included" ---------------------------------------------------------------------------
    RecordCase(
        "products-completed operations aggregate Included in a 4M general aggregate",
        "'Included' sits inside the general aggregate: shown, not missing.",
        COMPLIANT,
        record=edited(
            gl_limits(products_completed_operations_aggregate=None),
            term_change(GL, included_limits=("products_completed_operations_aggregate",)),
        ),
        checks={("GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN", GL): PASS},
    ),
    RecordCase(
        "products Included, general aggregate unreadable",
        "The limit it sits in is not shown: ask, do not reject.",
        INCOMPLETE,
        record=edited(
            gl_limits(products_completed_operations_aggregate=None, general_aggregate=None),
            term_change(GL, included_limits=("products_completed_operations_aggregate",)),
        ),
        checks={("GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN", GL): UNKNOWN},
    ),
    # --- Conditional wording and the box against the description ------------------------------
    RecordCase(
        "'where required by written contract' beside a blanket CG 20 38 on file",
        "That is how blanket endorsements read: the filed form backs the wording.",
        COMPLIANT,
        record=lambda: dataclasses.replace(
            ai_forms(ongoing("CG 20 38", "04 13", ()), completed("CG 20 37", "04 13")),
            description_of_operations=(
                "Re: Harbor Point Tower. Additional insured where required by written contract."
            ),
        ),
        checks={("RED_FLAG_CONDITIONAL_WORDING", None): PASS},
    ),
    RecordCase(
        "'if required by written contract' with no AI endorsement at all",
        "Conditional wording that no endorsement backs is the red flag.",
        NON_COMPLIANT,
        record=lambda: dataclasses.replace(
            ai_forms(),
            description_of_operations="Additional insured if required by written contract.",
        ),
        checks={("RED_FLAG_CONDITIONAL_WORDING", None): FAIL, ("AI_ONGOING", GL): FAIL},
    ),
    RecordCase(
        "'per written contract', the blanket form on file ended before today",
        "An endorsement no longer in effect backs nothing.",
        NON_COMPLIANT,
        record=lambda: dataclasses.replace(
            ai_forms(
                ongoing("CG 20 38", "04 13", (), expiration=date(2026, 9, 1)),
                completed("CG 20 37", "04 13", expiration=date(2026, 9, 1)),
            ),
            description_of_operations="Additional insured per written contract.",
        ),
        checks={("RED_FLAG_CONDITIONAL_WORDING", None): FAIL},
    ),
    RecordCase(
        "additional insureds 'to be named'",
        "Parties to be named are not insured.",
        NON_COMPLIANT,
        record=edited(described("Additional insureds to be named upon request.")),
        checks={("RED_FLAG_TO_BE_NAMED", None): FAIL},
    ),
    RecordCase(
        "ADDL INSD unmarked, description says AI, endorsements on file",
        "The box contradicts the description; the endorsement on file settles it.",
        COMPLIANT,
        record=edited(
            term_change(GL, additional_insured_flag=False),
            described("The certificate holder is an additional insured per CG 20 10 04 13."),
        ),
        checks={("AI_BOX_VS_DESCRIPTION", GL): PASS},
    ),
    RecordCase(
        "ADDL INSD unmarked, description says AI, AI only claimed",
        "The certificate is only evidence: with no endorsement on file the reviewer asks for it.",
        INCOMPLETE,
        record=lambda: dataclasses.replace(
            ai_forms(
                ongoing("CG 20 10", "04 13", source=SOURCE_CERTIFICATE),
                completed("CG 20 37", "04 13", source=SOURCE_CERTIFICATE),
            ),
            policies=f.replace_term(base_record(), GL, additional_insured_flag=False).policies,
            description_of_operations="The certificate holder is an additional insured.",
        ),
        checks={("AI_BOX_VS_DESCRIPTION", GL): FAIL, ("AI_ONGOING", GL): UNKNOWN},
    ),
    # --- Dates: gaps and close-out -------------------------------------------------------------
    RecordCase(
        "one-day gap between GL terms mid-engagement",
        "No gap between consecutive terms while the sub works.",
        NON_COMPLIANT,
        record=edited(
            terms(
                GL,
                gl_term(date(2026, 3, 1), date(2026, 9, 1)),
                gl_term(date(2026, 9, 2), date(2027, 9, 2), policy_number="GL-2"),
            )
        ),
        checks={("GL_NO_GAP", GL): FAIL},
    ),
    RecordCase(
        "renewal effective on the expiration day",
        "Policies end at 12:01 a.m. on the expiration date: a renewal that day leaves no gap.",
        COMPLIANT,
        record=edited(
            terms(
                GL,
                gl_term(date(2026, 3, 1), date(2026, 9, 1)),
                gl_term(date(2026, 9, 1), date(2027, 9, 1), policy_number="GL-2"),
            )
        ),
        checks={("GL_NO_GAP", GL): PASS},
    ),
    RecordCase(
        "gap between GL terms before the sub's work start",
        "A gap before the sub was on site is outside the engagement.",
        COMPLIANT,
        record=edited(
            terms(
                GL,
                gl_term(date(2025, 3, 1), date(2026, 3, 1), policy_number="GL-0"),
                gl_term(date(2026, 3, 15), date(2027, 3, 15)),
            )
        ),
        checks={("GL_NO_GAP", GL): PASS},
    ),
    RecordCase(
        "GL ends inside the close-out period, set makes close-out blocking",
        "Coverage must reach project end plus the close-out / punch-list period.",
        NON_COMPLIANT,
        record=edited(term_change(GL, expiration=date(2027, 2, 15))),
        requirements=lambda: base_set(coverage_through_closeout="blocking"),
        checks={("GL_THROUGH_CLOSEOUT", GL): FAIL},
    ),
    RecordCase(
        "every line ends in 17 days, no renewal on the record",
        "Coverage ends within the GC's 30-day window: expiring, not yet non-compliant.",
        "expiring",
        record=lambda: dataclasses.replace(
            base_record(),
            policies=tuple(
                dataclasses.replace(
                    policy,
                    terms=(dataclasses.replace(policy.terms[-1], expiration=date(2026, 12, 10)),),
                )
                for policy in base_record().policies
            ),
        ),
        checks={("GL_EXPIRY_WINDOW", GL): FAIL, ("GL_IN_FORCE", GL): PASS},
    ),
    # --- Insurer ------------------------------------------------------------------------------
    RecordCase(
        "GL insurer A- X",
        "A- in size class X is above A- VII (size classes compare as numerals, not text).",
        COMPLIANT,
        record=edited(insurer(GL, "Keystone Indemnity Company", "20990")),
        checks={("GL_INSURER_RATING", GL): PASS},
    ),
    RecordCase(
        "GL insurer A- VI",
        "Size class VI is below VII.",
        NON_COMPLIANT,
        record=edited(insurer(GL, "Valley Forge Assurance Co", "21660")),
        checks={("GL_INSURER_RATING", GL): FAIL},
    ),
    RecordCase(
        "auto insurer B++ XV",
        "B++ is below A-, whatever the size.",
        NON_COMPLIANT,
        record=edited(insurer(AUTO, "Liberty Bell Insurance Co", "22500")),
        checks={("AUTO_INSURER_RATING", AUTO): FAIL},
    ),
    RecordCase(
        "umbrella with a surplus-lines carrier, set allows them",
        "Surplus-lines carriers are flagged, not refused, where the set allows them.",
        COMPLIANT,
        record=edited(insurer(UMB, "Ironbridge Specialty Insurance Co", "39810")),
        checks={("UMB_INSURER_SURPLUS_LINES", UMB): FAIL},
    ),
    RecordCase(
        "umbrella with a surplus-lines carrier, set refuses them",
        "Where the contract refuses non-admitted carriers, the flag blocks.",
        NON_COMPLIANT,
        record=edited(insurer(UMB, "Ironbridge Specialty Insurance Co", "39810")),
        requirements=lambda: base_set(
            insurer=dataclasses.replace(base_set().insurer, surplus_lines_allowed=False)
        ),
        checks={("UMB_INSURER_SURPLUS_LINES", UMB): FAIL},
    ),
    RecordCase(
        "GL insurer's NAIC not in the GC's rating table",
        "The rating cannot be checked: ask for it, do not reject.",
        INCOMPLETE,
        record=edited(insurer(GL, "Unlisted Mutual", "99999")),
        checks={("GL_INSURER_RATING", GL): UNKNOWN},
    ),
    RecordCase(
        "GL insurer NAIC written with four digits",
        "An insurer is identified by its five-digit NAIC number; '2411' identifies nobody.",
        NON_COMPLIANT,
        record=edited(insurer(GL, "Great Lakes Casualty Company", "2411")),
        checks={("GL_INSURER_NAIC", GL): FAIL},
    ),
    # --- Notice, per-project aggregate, any auto, WOS -----------------------------------------
    RecordCase(
        "notice of cancellation endorsement of 10 days",
        "30 days are asked (10 is for non-payment only).",
        NON_COMPLIANT,
        record=edited(renamed(NOTICE_OF_CANCELLATION, notice_days=10)),
        checks={("NOTICE_OF_CANCELLATION", None): FAIL},
    ),
    RecordCase(
        "notice of cancellation endorsement ended with last year's policy",
        "An endorsement no longer in effect gives no notice.",
        NON_COMPLIANT,
        record=edited(renamed(NOTICE_OF_CANCELLATION, expiration=date(2026, 3, 1))),
        checks={("NOTICE_OF_CANCELLATION", None): FAIL},
    ),
    RecordCase(
        "CG 25 03 on file, the certificate's box says per policy",
        "The endorsement is the coverage; the certificate box is only evidence.",
        COMPLIANT,
        record=edited(term_change(GL, aggregate_applies_per="policy")),
        checks={("GL_PER_PROJECT_AGGREGATE", GL): PASS},
    ),
    RecordCase(
        "CG 25 04 filed as the per-project aggregate",
        "CG 25 04 makes the aggregate apply per location, not per project (CG 25 03).",
        NON_COMPLIANT,
        record=edited(renamed(PER_PROJECT_AGGREGATE, form_number="CG 25 04")),
        checks={("GL_PER_PROJECT_AGGREGATE", GL): FAIL},
    ),
    RecordCase(
        "no per-project aggregate, the aggregate applies per policy",
        "Per-project aggregate required and absent.",
        NON_COMPLIANT,
        record=edited(
            dropped(PER_PROJECT_AGGREGATE), term_change(GL, aggregate_applies_per="policy")
        ),
        checks={("GL_PER_PROJECT_AGGREGATE", GL): FAIL},
    ),
    RecordCase(
        "auto on owned, hired and non-owned autos",
        "Symbols 2, 8 and 9 together leave no auto uncovered: any auto.",
        COMPLIANT,
        record=edited(term_change(AUTO, covered_autos=("owned", "hired", "non_owned"))),
        checks={("AUTO_ANY_AUTO", AUTO): PASS},
    ),
    RecordCase(
        "auto on scheduled, hired and non-owned autos",
        "Scheduled autos are not any auto: a new truck is uncovered until scheduled.",
        NON_COMPLIANT,
        record=edited(term_change(AUTO, covered_autos=("scheduled", "hired", "non_owned"))),
        checks={("AUTO_ANY_AUTO", AUTO): FAIL},
    ),
    RecordCase(
        "WOS on GL and auto, none on WC",
        "Waiver of subrogation is required per line: WC too (WC 00 03 13).",
        NON_COMPLIANT,
        record=edited(dropped(WAIVER_OF_SUBROGATION, WC)),
        checks={("WC_WAIVER_OF_SUBROGATION", WC): FAIL, ("GL_WAIVER_OF_SUBROGATION", GL): PASS},
    ),
    RecordCase(
        "one waiver endorsement amending GL, auto and WC",
        "A waiver per line: one endorsement may amend several lines.",
        COMPLIANT,
        record=edited(
            dropped(WAIVER_OF_SUBROGATION),
            added(Endorsement(WAIVER_OF_SUBROGATION, (GL, AUTO, WC))),
        ),
        checks={("AUTO_WAIVER_OF_SUBROGATION", AUTO): PASS, ("WC_WAIVER_OF_SUBROGATION", WC): PASS},
    ),
    RecordCase(
        "P&NC endorsement on the auto policy only",
        "Primary and non-contributory is asked of the GL policy (CG 20 01).",
        NON_COMPLIANT,
        record=edited(renamed("primary_noncontributory", lines=(AUTO,))),
        checks={("PRIMARY_NONCONTRIBUTORY", GL): FAIL},
    ),
    RecordCase(
        "WOS asked on the umbrella too, none there",
        "Each line the contract names needs its own waiver.",
        NON_COMPLIANT,
        requirements=lambda: with_line(base_set(), UMB, waiver_of_subrogation=True),
        checks={("UMB_WAIVER_OF_SUBROGATION", UMB): FAIL},
    ),
    RecordCase(
        "WOS form CA 04 44 filed as the GL waiver, no CG 24 04",
        "CA 04 44 is the auto waiver form; it does not amend general liability.",
        NON_COMPLIANT,
        record=edited(
            dropped(WAIVER_OF_SUBROGATION, GL),
            added(Endorsement(WAIVER_OF_SUBROGATION, (GL,), form_number="CA 04 44")),
        ),
        checks={("GL_WAIVER_OF_SUBROGATION", GL): FAIL},
    ),
)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_reviewer_case_on_a_master_record(case: RecordCase) -> None:
    verdict = judge(case)
    outcomes = {(c.code, c.line): c.outcome for c in verdict.checks}
    for key, expected in case.checks.items():
        assert outcomes.get(key) == expected, (case.why, key, outcomes.get(key))
    for code, needed in case.words.items():
        message = next(c.message for c in verdict.checks if c.code == code)
        for word in needed:
            assert word in message, (code, word, message)
    assert verdict.status == case.expected, (
        case.why,
        [(c.code, c.line, c.outcome, c.found) for c in verdict.checks if c.outcome != PASS],
    )


def test_the_table_is_a_reviewers_examination() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)
    assert all(case.why for case in CASES)


def test_the_clean_record_changes_only_the_state() -> None:
    policies: tuple[Policy, ...] = base_record().policies
    assert [policy.line for policy in policies] == [GL, AUTO, UMB, WC]
