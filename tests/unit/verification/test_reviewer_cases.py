"""Reviewer cases: certificates as the reader prints them, judged through the same path as
`coinet verify`, each with the verdict an experienced insurance-compliance reviewer gives and
why (DOMAIN.md, "Finer rules an experienced reviewer applies", and the symptoms of issue 14).

Every case starts from one clean certificate for a Pennsylvania project and changes what the
case is about. Unless a case says otherwise the set is the elevated-tier template with
certificate claims accepted (`endorsements_on_file` off), so that a case can reach "compliant"
and its verdict turns on the rule it tests; the cases that keep the template's "endorsements on
file" show that a certificate alone is never enough there.

A case names the status the reviewer gives (or the statuses a reviewer accepts, when the
certificate leaves a question open), the checks that decide it with their outcomes, and words
each deciding message must contain so that a sub's bookkeeper can act on it.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import pytest

from backend.requirements.model import RequirementSet, parse_form_edition
from backend.requirements.ratings import ratings_from_csv
from backend.requirements.templates import template
from backend.requirements.vocabulary import GENERAL_LIABILITY
from backend.verification.acord_adapter import record_from_acord_json
from backend.verification.checks import FAIL, PASS, UNKNOWN
from backend.verification.context import VerificationContext
from backend.verification.description import EL_KINDS, stop_gap_limits
from backend.verification.engine import verify
from backend.verification.verdict import COMPLIANT, INCOMPLETE, NON_COMPLIANT, Verdict
from tests.unit.verification.acord_sample import acord_json

GC: Final = "Meridian Construction Group LLC"
OWNER: Final = "Harbor Point Owner LP"
# The day of the verdicts: inside the policies' year and the project's work.
ON: Final = date(2026, 6, 1)
WORK_START: Final = date(2026, 4, 15)
PROJECT_END: Final = date(2026, 12, 31)
CLOSEOUT_DAYS: Final = 60
# Both insurers of the sample are rated well above the templates' A- VII floor.
RATINGS: Final = ratings_from_csv(
    "naic,name,rating,size_class\n"
    "24112,Great Lakes Casualty Company,A,XV\n"
    "10677,Buckeye Workers Mutual,A,X\n"
)
CLEAN_DESCRIPTION: Final = (
    "Project: Harbor Point Tower. Meridian Construction Group LLC and Harbor Point Owner LP are "
    "additional insureds for ongoing and completed operations under CG 20 10 04 13 and "
    "CG 20 37 04 13 on a primary and non-contributory basis. Waiver of subrogation applies to "
    "general liability, auto and workers compensation. Excess follows form. 30 days notice of "
    "cancellation. WC covered states 3.A: PA."
)
GL_ROW: Final = 0
AUTO_ROW: Final = 1
UMB_ROW: Final = 2
WC_ROW: Final = 3


def claims_accepted(tier: str = "elevated", **changes: Any) -> RequirementSet:
    return dataclasses.replace(template(tier), endorsements_on_file=False, **changes)


def _with_gl(requirements: RequirementSet, **changes: Any) -> RequirementSet:
    lines = tuple(
        dataclasses.replace(line, **changes) if line.line == GENERAL_LIABILITY else line
        for line in requirements.lines
    )
    return dataclasses.replace(requirements, lines=lines)


Edit = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Case:
    name: str
    why: str
    expected: tuple[str, ...]
    edits: tuple[Edit, ...] = ()
    checks: dict[tuple[str, str | None], str] = field(default_factory=dict)
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    requirements: Callable[[], RequirementSet] = claims_accepted
    state: str = "PA"
    on: date = ON
    parties: tuple[str, ...] = (GC, OWNER)


def description(text: str) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        document["description_of_operations"] = text

    return edit


def swap(old: str, new: str) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        document["description_of_operations"] = document["description_of_operations"].replace(
            old, new
        )

    return edit


def row(index: int, **values: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        document["coverages"][index].update(values)

    return edit


def limits(index: int, **values: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        document["coverages"][index]["limits"].update(values)

    return edit


def holder(name: str) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        document["certificate_holder"]["name"] = name

    return edit


def renewed(effective: str, expiration: str, *rows: int) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        for index in rows:
            document["coverages"][index].update(effective=effective, expiration=expiration)

    return edit


CASES: Final = (
    Case(
        "clean certificate",
        "Every line, limit, endorsement and party as the set asks, claims accepted.",
        (COMPLIANT,),
    ),
    Case(
        "certificate alone under the template",
        "Under the template's 'endorsements on file', a certificate is only evidence: the "
        "reviewer asks for the endorsements before approving, never rejects for them.",
        (INCOMPLETE,),
        checks={("AI_ONGOING", GENERAL_LIABILITY): UNKNOWN},
        words={"AI_ONGOING": ("not on file", "Ask your broker")},
        requirements=lambda: template("elevated"),
    ),
    Case(
        "CG 20 10 11 85 alone",
        "The 11 85 edition covers 'your work', completed operations included: no CG 20 37.",
        (COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 11 85"),),
        checks={("AI_COMPLETED", GENERAL_LIABILITY): PASS},
    ),
    Case(
        "CG 20 10 04 13 alone for ongoing operations",
        "Ongoing operations only; completed operations need CG 20 37.",
        (NON_COMPLIANT,),
        edits=(
            swap("for ongoing and completed operations", "for ongoing operations"),
            swap(" and CG 20 37 04 13", ""),
        ),
        checks={("AI_COMPLETED", GENERAL_LIABILITY): FAIL},
        words={"AI_COMPLETED": ("CG 20 37",)},
    ),
    Case(
        "CG 20 10 07 04 with CG 20 37 07 04",
        "The 07 04 pair covers ongoing and completed operations.",
        (COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 07 04 and CG 20 37 07 04"),),
        checks={("AI_COMPLETED_FORM", GENERAL_LIABILITY): PASS},
    ),
    Case(
        "blanket CG 20 38 where required by written contract",
        "Blanket wording next to a cited blanket form is how blanket AI reads; CG 20 38 reaches "
        "the owner above the GC when the contract requires it.",
        (COMPLIANT,),
        edits=(
            swap(
                "Meridian Construction Group LLC and Harbor Point Owner LP are additional "
                "insureds for ongoing and completed operations under CG 20 10 04 13 and "
                "CG 20 37 04 13",
                "Blanket additional insured where required by written contract, ongoing and "
                "completed operations, per CG 20 38 04 13 and CG 20 37 04 13,",
            ),
        ),
        checks={("RED_FLAG_CONDITIONAL_WORDING", None): PASS},
    ),
    Case(
        "conditional wording without any form",
        "'If required by written contract' with no endorsement cited or on file is the red flag.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                "are additional insureds for ongoing and completed operations under "
                "CG 20 10 04 13 and CG 20 37 04 13",
                "are additional insureds if required by written contract",
            ),
        ),
        checks={("RED_FLAG_CONDITIONAL_WORDING", None): FAIL},
        words={"RED_FLAG_CONDITIONAL_WORDING": ("written contract",)},
    ),
    Case(
        "blanket CG 20 33 when the owner must be insured",
        "CG 20 33 reaches only the party the sub contracts with; the owner above the GC is not "
        "covered.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                "Meridian Construction Group LLC and Harbor Point Owner LP are additional "
                "insureds for ongoing and completed operations under CG 20 10 04 13 and "
                "CG 20 37 04 13",
                "Blanket additional insured where required by written contract per CG 20 33 "
                "04 13 and CG 20 37 04 13, ongoing and completed operations,",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GENERAL_LIABILITY): FAIL},
        words={"AI_ONGOING_PARTIES": (OWNER,)},
    ),
    Case(
        "GL 1M/2M under a 10M follow-form umbrella",
        "Combined limits (on in the templates): primary $1M plus follow-form umbrella meets "
        "$2M each occurrence.",
        (COMPLIANT,),
        edits=(
            limits(
                GL_ROW,
                each_occurrence=1_000_000,
                general_aggregate=2_000_000,
                products_completed_operations_aggregate=2_000_000,
            ),
        ),
        checks={("GL_EACH_OCCURRENCE_MIN", GENERAL_LIABILITY): PASS},
        words={"GL_EACH_OCCURRENCE_MIN": ("$1,000,000", "umbrella")},
    ),
    Case(
        "GL 1M under an umbrella that does not follow form",
        "The umbrella may not be counted: the primary line is short.",
        (NON_COMPLIANT,),
        edits=(
            limits(GL_ROW, each_occurrence=1_000_000),
            swap("Excess follows form. ", "Excess does not follow form. "),
            row(UMB_ROW, follows_form=False),
        ),
        checks={("GL_EACH_OCCURRENCE_MIN", GENERAL_LIABILITY): FAIL},
    ),
    Case(
        "GL 1M, umbrella ends before the GL term",
        "An umbrella that lapses mid-term cannot make up the line for the whole period.",
        (NON_COMPLIANT,),
        edits=(
            limits(GL_ROW, each_occurrence=1_000_000),
            row(UMB_ROW, expiration="2026-09-01"),
        ),
        checks={("GL_EACH_OCCURRENCE_MIN", GENERAL_LIABILITY): FAIL},
    ),
    Case(
        "combined limits turned off by the GC",
        "A set that refuses combined limits leaves GL 1M short of 2M.",
        (NON_COMPLIANT,),
        edits=(limits(GL_ROW, each_occurrence=1_000_000),),
        checks={("GL_EACH_OCCURRENCE_MIN", GENERAL_LIABILITY): FAIL},
        words={"GL_EACH_OCCURRENCE_MIN": ("$1,000,000", "$2,000,000")},
        requirements=lambda: claims_accepted(combined_limits=False),
    ),
    Case(
        "products-completed operations aggregate Included",
        "'Included' sits inside the general aggregate ($4M): shown, not missing.",
        (COMPLIANT,),
        edits=(
            limits(GL_ROW, products_completed_operations_aggregate=None),
            row(GL_ROW, included_limits=["products_completed_operations_aggregate"]),
        ),
        checks={
            ("GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN", GENERAL_LIABILITY): PASS,
        },
    ),
    Case(
        "products-completed operations aggregate left blank",
        "A blank box is unread, not zero: ask for it, do not reject.",
        (INCOMPLETE,),
        edits=(limits(GL_ROW, products_completed_operations_aggregate=None),),
        checks={
            ("GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN", GENERAL_LIABILITY): UNKNOWN,
        },
    ),
    Case(
        "owners and officers excluded",
        "The 'excluded' Y leaves the owners uncovered: accepted only for a sole proprietor or "
        "by waiver.",
        (NON_COMPLIANT,),
        edits=(row(WC_ROW, officers_excluded=True),),
        checks={("WC_OWNERS_COVERED", "workers_compensation"): FAIL},
        words={"WC_OWNERS_COVERED": ("excludes owners", "Ask your broker")},
    ),
    Case(
        "owners excluded, allowed by the set",
        "A set for sole proprietors allows the exclusion.",
        (COMPLIANT,),
        edits=(row(WC_ROW, officers_excluded=True),),
        checks={("WC_OWNERS_COVERED", "workers_compensation"): PASS},
        requirements=lambda: _owners_allowed(),
    ),
    Case(
        "KY-only WC on an Indiana project",
        "Item 3.A lists Kentucky only; the project's state is not covered.",
        (NON_COMPLIANT,),
        edits=(swap("3.A: PA", "3.A: KY"),),
        checks={("WC_STATES", "workers_compensation"): FAIL},
        words={"WC_STATES": ("IN", "KY")},
        state="IN",
    ),
    Case(
        "IN and KY listed on an Indiana project",
        "'3.A: IN, KY' covers the project's state.",
        (COMPLIANT,),
        edits=(swap("3.A: PA", "3.A: IN, KY"),),
        checks={("WC_STATES", "workers_compensation"): PASS},
        state="IN",
    ),
    Case(
        "all states on a Pennsylvania project",
        "'All states' covers every state a private policy can insure.",
        (COMPLIANT,),
        edits=(swap("WC covered states 3.A: PA.", "WC 3.A: all states."),),
        checks={("WC_STATES", "workers_compensation"): PASS},
    ),
    Case(
        "all states on a Washington project",
        "Washington is monopolistic: 'all states' on a private policy cannot include it; the "
        "state fund's certificate is needed.",
        (NON_COMPLIANT,),
        edits=(swap("WC covered states 3.A: PA.", "WC 3.A: all states."),),
        checks={("WC_STATES", "workers_compensation"): FAIL},
        state="WA",
    ),
    Case(
        "Ohio project: private WC with employer's liability, no stop gap",
        "Ohio's fund carries no EL and the EL must come from a stop-gap endorsement on GL; EL "
        "limits on a WC row are not that endorsement.",
        (NON_COMPLIANT,),
        edits=(swap("3.A: PA", "3.A: OH"),),
        checks={("WC_STOP_GAP_EL", "workers_compensation"): FAIL},
        words={"WC_STOP_GAP_EL": ("stop-gap", "general liability", "OH")},
        state="OH",
    ),
    Case(
        "Ohio project: state fund and stop gap on GL",
        "Ohio BWC covers WC, the stop gap on GL gives employer's liability.",
        (COMPLIANT,),
        edits=(
            swap(
                "WC covered states 3.A: PA.",
                "Workers compensation through the Ohio BWC. Stop gap employers liability "
                "endorsement on the general liability policy.",
            ),
        ),
        checks={
            ("WC_STOP_GAP_EL", "workers_compensation"): PASS,
            ("WC_STATES", "workers_compensation"): PASS,
        },
        state="OH",
    ),
    Case(
        "Ohio project: state fund row without EL, stop-gap limits in the description",
        "The state fund's row carries no employer's liability; the stop gap on GL gives it, at "
        "the limits the description states.",
        (COMPLIANT,),
        edits=(
            limits(
                WC_ROW,
                el_each_accident=None,
                el_disease_each_employee=None,
                el_disease_policy_limit=None,
            ),
            swap(
                "WC covered states 3.A: PA.",
                "Workers compensation through the Ohio BWC. Stop gap employers liability on the "
                "general liability policy: $1,000,000 each accident / $1,000,000 disease each "
                "employee / $1,000,000 disease policy limit.",
            ),
        ),
        checks={
            ("WC_EL_EACH_ACCIDENT_MIN", "workers_compensation"): PASS,
            ("WC_STOP_GAP_EL", "workers_compensation"): PASS,
        },
        state="OH",
    ),
    Case(
        "Ohio project: state fund row without EL, stop gap without limits",
        "The stop gap is there but its limits are not shown: ask for them, do not reject.",
        (INCOMPLETE,),
        edits=(
            limits(
                WC_ROW,
                el_each_accident=None,
                el_disease_each_employee=None,
                el_disease_policy_limit=None,
            ),
            swap(
                "WC covered states 3.A: PA.",
                "Workers compensation through the Ohio BWC. Stop gap employers liability "
                "endorsement on the general liability policy.",
            ),
        ),
        checks={("WC_EL_EACH_ACCIDENT_MIN", "workers_compensation"): UNKNOWN},
        state="OH",
    ),
    Case(
        "claims-made GL where occurrence is required",
        "The templates accept occurrence basis only.",
        (NON_COMPLIANT,),
        edits=(row(GL_ROW, basis="claims_made"),),
        checks={("GL_OCCURRENCE_BASIS", GENERAL_LIABILITY): FAIL},
    ),
    Case(
        "claims-made allowed, retro date after the work start",
        "A retroactive date after the first day of work leaves the early work uninsured.",
        (NON_COMPLIANT,),
        edits=(
            row(GL_ROW, basis="claims_made"),
            swap("WC covered", "GL retro date: 05/01/2026. WC covered"),
        ),
        checks={("GL_RETRO_DATE", GENERAL_LIABILITY): FAIL},
        words={"GL_RETRO_DATE": ("2026-05-01",)},
        requirements=lambda: _with_gl(claims_accepted(), claims_made_allowed=True),
    ),
    Case(
        "claims-made allowed, full prior acts and a 3-year tail",
        "Retro date reaches back before the work; the tail covers the years asked for.",
        (COMPLIANT,),
        edits=(
            row(GL_ROW, basis="claims_made"),
            swap(
                "WC covered",
                "GL retro date: 01/15/2019. 3-year extended reporting period. WC covered",
            ),
        ),
        checks={
            ("GL_RETRO_DATE", GENERAL_LIABILITY): PASS,
            ("GL_TAIL", GENERAL_LIABILITY): PASS,
        },
        requirements=lambda: _with_gl(claims_accepted(), claims_made_allowed=True, tail_years=3),
    ),
    Case(
        "claims-made allowed, retro date not shown",
        "An unshown retro date is a question for the broker, not a rejection.",
        (INCOMPLETE,),
        edits=(row(GL_ROW, basis="claims_made"),),
        checks={("GL_RETRO_DATE", GENERAL_LIABILITY): UNKNOWN},
        requirements=lambda: _with_gl(claims_accepted(), claims_made_allowed=True),
    ),
    Case(
        "GL dates unreadable",
        "Unread dates leave the line and the wording on it unknown: incomplete, never "
        "non-compliant for lack of reading.",
        (INCOMPLETE,),
        edits=(row(GL_ROW, effective=None, expiration=None),),
        checks={("GL_PRESENT", GENERAL_LIABILITY): UNKNOWN},
    ),
    Case(
        "ADDL INSD unchecked but the description names the holder",
        "The contradiction is flagged and the reviewer asks for the endorsement; the claim in "
        "the description still stands under a set that accepts claims.",
        (COMPLIANT,),
        edits=(row(GL_ROW, additional_insured=False),),
        checks={("AI_BOX_VS_DESCRIPTION", GENERAL_LIABILITY): FAIL},
        words={"AI_BOX_VS_DESCRIPTION": ("endorsement",)},
    ),
    Case(
        "policies not started yet",
        "A term that begins after the work start is not coverage on the first day on site.",
        (NON_COMPLIANT,),
        edits=(renewed("2026-09-01", "2027-09-01", GL_ROW),),
        checks={("GL_IN_FORCE", GENERAL_LIABILITY): FAIL},
        words={"GL_IN_FORCE": ("2026-09-01",)},
    ),
    Case(
        "all policies expired",
        "Terms that ended before the verdict date are no coverage.",
        (NON_COMPLIANT,),
        edits=(renewed("2025-03-01", "2026-03-01", GL_ROW, AUTO_ROW, UMB_ROW, WC_ROW),),
        checks={("GL_IN_FORCE", GENERAL_LIABILITY): FAIL},
        words={"GL_IN_FORCE": ("2026-03-01",)},
    ),
    Case(
        "split auto limits at the minimum",
        "BI per person, BI per accident and PD each at $1M stand in for a $1M CSL.",
        (COMPLIANT,),
        edits=(
            limits(
                AUTO_ROW,
                combined_single_limit=None,
                bodily_injury_per_person=1_000_000,
                bodily_injury_per_accident=1_000_000,
                property_damage=1_000_000,
            ),
        ),
        checks={("AUTO_COMBINED_SINGLE_LIMIT_MIN", "auto_liability"): PASS},
    ),
    Case(
        "split auto limits short",
        "Split limits of $500,000 are short of a $1M CSL; an umbrella that does not say it "
        "follows form may make them up, so the reviewer asks (or rejects); the message must "
        "call them split.",
        (NON_COMPLIANT, INCOMPLETE),
        edits=(
            limits(
                AUTO_ROW,
                combined_single_limit=None,
                bodily_injury_per_person=500_000,
                bodily_injury_per_accident=500_000,
                property_damage=500_000,
            ),
            row(UMB_ROW, follows_form=False),
            swap("Excess follows form. ", ""),
        ),
        words={"AUTO_COMBINED_SINGLE_LIMIT_MIN": ("split", "$500,000")},
    ),
    Case(
        "holder without its LLC",
        "The holder must be the exact legal entity; 'Meridian Construction Group' is another.",
        (NON_COMPLIANT,),
        edits=(holder("Meridian Construction Group"),),
        checks={("CERTIFICATE_HOLDER_NAME", None): FAIL},
        words={"CERTIFICATE_HOLDER_NAME": ("Meridian Construction Group LLC",)},
    ),
    Case(
        "holder in capitals with a comma",
        "Case and punctuation do not change the entity.",
        (COMPLIANT,),
        edits=(holder("MERIDIAN CONSTRUCTION GROUP, LLC"),),
        checks={("CERTIFICATE_HOLDER_NAME", None): PASS},
    ),
    Case(
        "GL policy number TBD",
        "A policy number to be determined is a binder at best: red flag.",
        (NON_COMPLIANT,),
        edits=(row(GL_ROW, policy_number="TBD"),),
        checks={("GL_POLICY_NUMBER", GENERAL_LIABILITY): FAIL},
    ),
    Case(
        "auto on owned, hired and non-owned autos",
        "Owned, hired and non-owned together leave no auto uncovered: reviewers take them as any "
        "auto.",
        (COMPLIANT,),
        edits=(row(AUTO_ROW, covered_autos=["owned", "hired", "non_owned"]),),
        checks={("AUTO_ANY_AUTO", "auto_liability"): PASS},
    ),
    Case(
        "auto on scheduled, hired and non-owned autos",
        "Scheduled autos (symbol 7) leave an owned vehicle off the schedule uncovered: not any "
        "auto.",
        (NON_COMPLIANT,),
        edits=(row(AUTO_ROW, covered_autos=["scheduled", "hired", "non_owned"]),),
        checks={("AUTO_ANY_AUTO", "auto_liability"): FAIL},
    ),
    Case(
        "10 days notice of cancellation",
        "Thirty days are required (ten only for non-payment).",
        (NON_COMPLIANT,),
        edits=(swap("30 days notice", "10 days notice"),),
        checks={("NOTICE_OF_CANCELLATION", None): FAIL},
        words={"NOTICE_OF_CANCELLATION": ("10", "30")},
    ),
    Case(
        "notice of cancellation per policy provisions",
        "'Per policy provisions' states no days: ask for the endorsement, do not reject.",
        (INCOMPLETE,),
        edits=(
            swap("30 days notice of cancellation.", "Notice of cancellation per policy terms."),
        ),
        checks={("NOTICE_OF_CANCELLATION", None): UNKNOWN},
    ),
    Case(
        "additional insureds to be named",
        "'To be named' parties are no parties.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                "Meridian Construction Group LLC and Harbor Point Owner LP are",
                "Owner and lender to be named are",
            ),
        ),
        checks={("RED_FLAG_TO_BE_NAMED", None): FAIL},
    ),
    Case(
        "aggregate per policy where per project is required",
        "The high tier demands CG 25 03 (per project aggregate).",
        (NON_COMPLIANT,),
        edits=(row(GL_ROW, aggregate_applies_per="policy"),),
        checks={("GL_PER_PROJECT_AGGREGATE", GENERAL_LIABILITY): FAIL},
        requirements=lambda: claims_accepted("high"),
    ),
    Case(
        "edition the GC refuses",
        "A GC may refuse the 04 13 editions ('no broader than the contract requires'); the form "
        "check fails even though the pair otherwise covers both phases.",
        (NON_COMPLIANT,),
        checks={("AI_ONGOING_FORM", GENERAL_LIABILITY): FAIL},
        words={"AI_ONGOING_FORM": ("CG 20 10 04 13",)},
        requirements=lambda: _refusing("CG 20 10 04 13"),
    ),
    Case(
        "employer's liability 500K under a follow-form umbrella",
        "The umbrella follows form over employer's liability: $500,000 + $10,000,000 meets $1M.",
        (COMPLIANT,),
        edits=(
            limits(
                WC_ROW,
                el_each_accident=500_000,
                el_disease_each_employee=500_000,
                el_disease_policy_limit=500_000,
            ),
        ),
        checks={("WC_EL_EACH_ACCIDENT_MIN", "workers_compensation"): PASS},
        words={"WC_EL_EACH_ACCIDENT_MIN": ("$500,000", "umbrella")},
    ),
    Case(
        "employer's liability 500K, umbrella stand-alone",
        "A stand-alone umbrella does not sit over employer's liability: $500,000 is short.",
        (NON_COMPLIANT,),
        edits=(
            limits(WC_ROW, el_each_accident=500_000),
            swap("Excess follows form.", "Stand-alone excess."),
        ),
        checks={("WC_EL_EACH_ACCIDENT_MIN", "workers_compensation"): FAIL},
        words={"WC_EL_EACH_ACCIDENT_MIN": ("does not follow form", "Ask your broker")},
    ),
    Case(
        "aggregate per location where per project is required",
        "CG 25 04 (per location) is not CG 25 03 (per project).",
        (NON_COMPLIANT,),
        edits=(row(GL_ROW, aggregate_applies_per="location"),),
        checks={("GL_PER_PROJECT_AGGREGATE", GENERAL_LIABILITY): FAIL},
        words={"GL_PER_PROJECT_AGGREGATE": ("location",)},
        requirements=lambda: claims_accepted("high"),
    ),
    Case(
        "completed-operations phase: GL renewal with CG 20 37",
        "A year after close-out only GL with completed-operations AI and the products-completed "
        "operations aggregate is asked; the auto, umbrella and WC that lapsed no longer count.",
        (COMPLIANT,),
        edits=(
            renewed("2027-03-01", "2028-03-01", GL_ROW),
            renewed("2026-03-01", "2027-03-01", AUTO_ROW, UMB_ROW, WC_ROW),
        ),
        checks={("AI_COMPLETED", GENERAL_LIABILITY): PASS},
        on=date(2027, 9, 1),
    ),
    Case(
        "completed-operations phase: renewal without completed-operations AI",
        "The phase exists to keep completed-operations AI; ongoing-only AI is not enough.",
        (NON_COMPLIANT,),
        edits=(
            renewed("2027-03-01", "2028-03-01", GL_ROW),
            swap("for ongoing and completed operations", "for ongoing operations"),
            swap(" and CG 20 37 04 13", ""),
        ),
        checks={("AI_COMPLETED", GENERAL_LIABILITY): FAIL},
        on=date(2027, 9, 1),
    ),
    Case(
        "completed-operations phase: GL lapsed",
        "No GL in force during the phase: the completed-operations cover has lapsed.",
        (NON_COMPLIANT,),
        on=date(2027, 9, 1),
        checks={("GL_IN_FORCE", GENERAL_LIABILITY): FAIL},
        words={"GL_IN_FORCE": ("2027-03-01",)},
    ),
)


def _refusing(form: str) -> RequirementSet:
    base = claims_accepted()
    refused = (*base.additional_insured.refused_forms, parse_form_edition(form))
    return dataclasses.replace(
        base,
        additional_insured=dataclasses.replace(base.additional_insured, refused_forms=refused),
    )


def _owners_allowed() -> RequirementSet:
    base = claims_accepted()
    lines = tuple(
        dataclasses.replace(line, owners_exclusion_allowed=True)
        if line.line == "workers_compensation"
        else line
        for line in base.lines
    )
    return dataclasses.replace(base, lines=lines)


def judge(case: Case) -> Verdict:
    document = copy.deepcopy(acord_json(description_of_operations=CLEAN_DESCRIPTION))
    for edit in case.edits:
        edit(document)
    record = record_from_acord_json(document, document_id=None)
    context = VerificationContext(
        project_start=date(2026, 4, 1),
        project_end=PROJECT_END,
        closeout_days=CLOSEOUT_DAYS,
        certificate_holder=GC,
        additional_insured_parties=case.parties,
        state=case.state,
        work_start=WORK_START,
        insurer_ratings=RATINGS,
    )
    return verify(case.requirements(), record, context, case.on)


def _check(verdict: Verdict, code: str, line: str | None) -> Any:
    for check in verdict.checks:
        if check.code == code and (line is None or check.line == line):
            return check
    raise AssertionError(f"{code} ({line}) not in the verdict")


def disagreement(case: Case, verdict: Verdict) -> list[str]:
    """What the engine says differently from the reviewer (empty: they agree)."""
    found: list[str] = []
    if verdict.status not in case.expected:
        open_checks = [
            f"{c.code}/{c.line}={c.outcome}" for c in verdict.checks if c.outcome != PASS
        ]
        found.append(f"status {verdict.status}, reviewer {case.expected}; open: {open_checks}")
    for (code, line), outcome in case.checks.items():
        check = _check(verdict, code, line)
        if check.outcome != outcome:
            found.append(f"{code}: {check.outcome}, reviewer {outcome} ({check.message})")
    for code, words in case.words.items():
        message = _check(verdict, code, None).message
        missing = [w for w in words if w not in message]
        if missing:
            found.append(f"{code} message lacks {missing}: {message}")
    return found


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_engine_agrees_with_the_reviewer(case: Case) -> None:
    problems = disagreement(case, judge(case))
    assert not problems, f"{case.name} ({case.why}): " + "; ".join(problems)


def test_every_open_check_tells_the_bookkeeper_what_to_do() -> None:
    """A failed or unknown blocking check names what was expected and what to ask for."""
    for case in CASES:
        for check in judge(case).checks:
            if check.outcome == PASS or check.severity != "blocking":
                continue
            assert check.message.strip(), f"{case.name}: {check.code} has no message"
            if check.code.endswith("_MIN") and isinstance(check.found, int):
                # A plain short limit reads as the contract's example: found and required.
                assert "the requirement is $" in check.message, check.message
                continue
            assert "Ask" in check.message or "ask" in check.message, (
                f"{case.name}: {check.code} does not say what to ask for: {check.message}"
            )


def test_the_table_is_large_enough_to_mean_something() -> None:
    assert len(CASES) >= 30
    assert {NON_COMPLIANT, INCOMPLETE, COMPLIANT} <= {s for c in CASES for s in c.expected}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stop Gap EL 1M/1M/1M.", (1_000_000, 1_000_000, 1_000_000)),
        (
            "Stop gap employers liability $500,000 / $500,000 / $1,000,000.",
            (500_000, 500_000, 1_000_000),
        ),
        ("Stop gap employers liability applies to Ohio operations.", None),
        ("Stop gap EL $1,000,000 each accident.", None),
    ],
)
def test_stop_gap_limits_are_read_only_when_all_three_are_stated(
    text: str, expected: tuple[int, int, int] | None
) -> None:
    found = stop_gap_limits(text)
    assert (None if found is None else tuple(found[kind] for kind in EL_KINDS)) == expected
