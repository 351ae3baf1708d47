"""More reviewer cases: a second table in the style of `test_reviewer_cases.py`, written as an
experienced insurance-compliance reviewer would write an unseen examination, across the rules
of DOMAIN.md the first table leaves out (AI editions and blanket forms, P&NC, waiver of
subrogation per line, notice of cancellation, per-project aggregate, umbrella follow-form, auto
symbols, WC statutory and monopolistic states, claims-made, dates, insurer rating and NAIC,
certificate holder, "Included", split auto limits).

Each case starts from the same clean certificate as the first table; `ratings`, `work_start`
and `holder_name` let a case change the insurer table and the engagement.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import pytest

from backend.requirements.model import FormEdition, RequirementSet
from backend.requirements.ratings import RatingTable, ratings_from_csv
from backend.requirements.vocabulary import (
    AUTO_LIABILITY,
    GENERAL_LIABILITY,
    UMBRELLA,
    WORKERS_COMPENSATION,
)
from backend.verification.acord_adapter import record_from_acord_json
from backend.verification.checks import FAIL, PASS, UNKNOWN
from backend.verification.context import VerificationContext
from backend.verification.description import NOTICE_WORDING, notice_days
from backend.verification.engine import verify
from backend.verification.verdict import COMPLIANT, EXPIRING, INCOMPLETE, NON_COMPLIANT, Verdict
from tests.unit.verification.acord_sample import acord_json
from tests.unit.verification.test_reviewer_cases import (
    AUTO_ROW,
    CLEAN_DESCRIPTION,
    CLOSEOUT_DAYS,
    GC,
    GL_ROW,
    OWNER,
    PROJECT_END,
    RATINGS,
    UMB_ROW,
    WC_ROW,
    WORK_START,
    Case,
    Edit,
    claims_accepted,
    description,
    disagreement,
    holder,
    limits,
    renewed,
    row,
    swap,
)

LENDER: Final = "First Lakes Bank, N.A."
WC: Final = WORKERS_COMPENSATION
AUTO: Final = AUTO_LIABILITY
GL: Final = GENERAL_LIABILITY
# The clean certificate's AI sentence, replaced by the cases about forms and parties.
AI_SENTENCE: Final = (
    "Meridian Construction Group LLC and Harbor Point Owner LP are additional insureds for "
    "ongoing and completed operations under CG 20 10 04 13 and CG 20 37 04 13"
)
# A weaker insurer and a smaller one, beside the sample's two (NAIC numbers invented).
WEAK_RATINGS: Final = ratings_from_csv(
    "naic,name,rating,size_class,surplus_lines\n"
    "24112,Great Lakes Casualty Company,B++,XV,n\n"
    "10677,Buckeye Workers Mutual,A,X,n\n"
)
SMALL_RATINGS: Final = ratings_from_csv(
    "naic,name,rating,size_class,surplus_lines\n"
    "24112,Great Lakes Casualty Company,A-,VI,n\n"
    "10677,Buckeye Workers Mutual,A,X,n\n"
)
FLOOR_RATINGS: Final = ratings_from_csv(
    "naic,name,rating,size_class,surplus_lines\n"
    "24112,Great Lakes Casualty Company,A-,VII,n\n"
    "10677,Buckeye Workers Mutual,A,X,n\n"
)
SURPLUS_RATINGS: Final = ratings_from_csv(
    "naic,name,rating,size_class,surplus_lines\n"
    "24112,Great Lakes Casualty Company,A,XV,y\n"
    "10677,Buckeye Workers Mutual,A,X,n\n"
)


@dataclass(frozen=True)
class MoreCase(Case):
    ratings: RatingTable = RATINGS
    work_start: date = WORK_START
    employees_on_site: bool = True


def insurer(letter: str, **values: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        for entry in document["insurers"]:
            if entry["letter"] == letter:
                entry.update(values)

    return edit


def second_term(index: int, effective: str, expiration: str, policy_number: str) -> Edit:
    """The same line again on the certificate: a renewal (or earlier) term of the policy."""

    def edit(document: dict[str, Any]) -> None:
        term = copy.deepcopy(document["coverages"][index])
        term.update(effective=effective, expiration=expiration, policy_number=policy_number)
        document["coverages"].append(term)

    return edit


def _ai(**changes: Any) -> RequirementSet:
    base = claims_accepted()
    return dataclasses.replace(
        base, additional_insured=dataclasses.replace(base.additional_insured, **changes)
    )


def _line(line: str, **changes: Any) -> RequirementSet:
    base = claims_accepted()
    lines = tuple(
        dataclasses.replace(item, **changes) if item.line == line else item for item in base.lines
    )
    return dataclasses.replace(base, lines=lines)


CASES: Final = (
    # --- Additional insured: editions and forms -------------------------------------------
    MoreCase(
        "CG 20 10 10 01 alone",
        "The 10 01 edition covers ongoing operations only; completed operations need CG 20 37.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                AI_SENTENCE.replace("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 10 01"),
            ),
        ),
        checks={("AI_ONGOING", GL): PASS, ("AI_COMPLETED", GL): FAIL},
        words={"AI_COMPLETED": ("CG 20 37",)},
    ),
    MoreCase(
        "CG 20 10 07 04 alone",
        "07 04 is ongoing operations only ('caused in whole or in part'); CG 20 37 is missing.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                AI_SENTENCE.replace("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 07 04"),
            ),
        ),
        checks={("AI_COMPLETED", GL): FAIL},
        words={"AI_COMPLETED": ("CG 20 37",)},
    ),
    MoreCase(
        "CG 20 10 without its edition for both phases",
        "Without the edition the form may be 11 85 (both phases) or a later one (ongoing only): "
        "ask for the edition or CG 20 37, do not reject.",
        (INCOMPLETE,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10"),),
        checks={("AI_COMPLETED_FORM", GL): UNKNOWN},
    ),
    MoreCase(
        "CG 20 10 12 19 with CG 20 37 12 19",
        "The 12 19 pair, like 04 13, covers ongoing and completed operations.",
        (COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 12 19 and CG 20 37 12 19"),),
        checks={("AI_COMPLETED_FORM", GL): PASS, ("AI_ONGOING_FORM", GL): PASS},
    ),
    MoreCase(
        "editions written with slashes",
        "'CG 20 10 04/13' is how brokers often print the edition: the same form.",
        (COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 04/13 and CG 20 37 04/13"),),
        checks={("AI_COMPLETED", GL): PASS, ("AI_ONGOING_FORM", GL): PASS},
    ),
    MoreCase(
        "CG 20 26 designated person where the GC accepts CG 20 10, 20 33 or 20 38 only",
        "CG 20 26 names a designated person for ongoing operations; the set does not accept it.",
        (NON_COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 26 04 13 and CG 20 37 04 13"),),
        checks={("AI_ONGOING_FORM", GL): FAIL},
        words={"AI_ONGOING_FORM": ("CG 20 26",)},
    ),
    MoreCase(
        "CG 20 33 blanket where only the GC must be insured",
        "CG 20 33 reaches the party the sub contracts with directly: the GC, the holder.",
        (COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Blanket additional insured where required by written contract "
                "per CG 20 33 04 13 and CG 20 37 04 13, ongoing and completed operations,",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS, ("RED_FLAG_CONDITIONAL_WORDING", None): PASS},
        parties=(GC,),
    ),
    MoreCase(
        "CG 20 38 blanket reaches owner and lender",
        "CG 20 38 reaches the parties above the sub that the written contract requires.",
        (COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Blanket additional insured where required by written contract "
                "per CG 20 38 04 13 and CG 20 37 04 13, ongoing and completed operations,",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS, ("AI_COMPLETED_PARTIES", GL): PASS},
        parties=(GC, OWNER, LENDER),
    ),
    MoreCase(
        "blanket CG 20 38 where the contract demands named AI",
        "A set that refuses blanket AI needs each party scheduled by name.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Blanket additional insured where required by written contract "
                "per CG 20 38 04 13 and CG 20 37 04 13, ongoing and completed operations,",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GL): FAIL},
        requirements=lambda: _ai(blanket_allowed=False),
    ),
    MoreCase(
        "scheduled AI names the GC only, the owner is required",
        "A scheduled CG 20 10 covers only the parties it names: the owner is missing.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                "Meridian Construction Group LLC and Harbor Point Owner LP are additional insureds",
                "Meridian Construction Group LLC is an additional insured",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GL): FAIL},
        words={"AI_ONGOING_PARTIES": (OWNER,)},
    ),
    MoreCase(
        "owner named without its LP",
        "Named AI by exact legal entity: 'Harbor Point Owner' is not 'Harbor Point Owner LP'.",
        (NON_COMPLIANT,),
        edits=(swap("Harbor Point Owner LP are", "Harbor Point Owner are"),),
        checks={("AI_ONGOING_PARTIES", GL): FAIL},
        words={"AI_ONGOING_PARTIES": (OWNER,)},
    ),
    MoreCase(
        "scheduled AI forms cited, nobody named",
        "CG 20 10 and CG 20 37 are scheduled forms, but the certificate does not say whom they "
        "schedule: ask for the schedule, do not reject.",
        (INCOMPLETE,),
        edits=(
            swap(
                "Meridian Construction Group LLC and Harbor Point Owner LP are additional insureds",
                "Additional insured",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GL): UNKNOWN},
    ),
    MoreCase(
        "carrier blanket AI form declared equivalent by the GC",
        "A carrier's contractor blanket form the GC has read and declared equivalent to CG 20 38 "
        "counts as that form; 'where required by written contract' beside it is how blanket AI "
        "reads (DOMAIN.md rule 8).",
        (COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Blanket additional insured where required by written contract "
                "per form CG D3 60 09 15 and CG 20 37 04 13, ongoing and completed operations,",
            ),
        ),
        checks={
            ("RED_FLAG_CONDITIONAL_WORDING", None): PASS,
            ("AI_ONGOING_FORM", GL): PASS,
        },
        requirements=lambda: _ai(equivalent_forms=(("CG D3 60", FormEdition("CG 20 38")),)),
    ),
    MoreCase(
        "carrier blanket AI form alone, not declared by the GC",
        "Blanket wording beside a cited carrier blanket form is no red flag (DOMAIN.md rule 8), "
        "but the set accepts ISO forms only: the form is refused by its number until the GC "
        "declares it equivalent.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Blanket additional insured where required by written contract per form "
                "CG D3 60 09 15, ongoing and completed operations,",
            ),
        ),
        checks={
            ("RED_FLAG_CONDITIONAL_WORDING", None): PASS,
            ("AI_ONGOING_FORM", GL): FAIL,
        },
        words={"AI_ONGOING_FORM": ("CG D3 60",)},
    ),
    MoreCase(
        "no AI anywhere on the certificate",
        "The INSD box is empty and the description says nothing of additional insureds.",
        (NON_COMPLIANT,),
        edits=(
            row(GL_ROW, additional_insured=False),
            row(UMB_ROW, additional_insured=False),
            description(
                "Project: Harbor Point Tower. Waiver of subrogation applies to general "
                "liability, auto and workers compensation. Primary and non-contributory. Excess "
                "follows form. 30 days notice of cancellation. WC covered states 3.A: PA."
            ),
        ),
        checks={("AI_ONGOING", GL): FAIL, ("AI_COMPLETED", GL): FAIL},
    ),
    # --- Primary and non-contributory ----------------------------------------------------
    MoreCase(
        "primary only, not non-contributory",
        "'Primary' alone lets the sub's insurer ask the GC's insurer to contribute: CG 20 01 "
        "(primary and non-contributory) is what the set asks.",
        (NON_COMPLIANT, INCOMPLETE),
        edits=(swap("on a primary and non-contributory basis", "on a primary basis"),),
        checks={("PRIMARY_NONCONTRIBUTORY", None): FAIL},
    ),
    MoreCase(
        "P&NC not mentioned",
        "Nothing on the certificate claims primary and non-contributory.",
        (NON_COMPLIANT,),
        edits=(swap(" on a primary and non-contributory basis", ""),),
        checks={("PRIMARY_NONCONTRIBUTORY", None): FAIL},
    ),
    MoreCase(
        "P&NC by form CG 20 01",
        "CG 20 01 cited is the primary and non-contributory endorsement.",
        (COMPLIANT,),
        edits=(
            swap(
                " on a primary and non-contributory basis",
                "; primary and non-contributory per CG 20 01 04 13",
            ),
        ),
        checks={("PRIMARY_NONCONTRIBUTORY", None): PASS},
    ),
    # --- Waiver of subrogation per line --------------------------------------------------
    MoreCase(
        "waiver of subrogation missing on auto",
        "WOS is required per line: the auto row's SUBR WVD is empty and the description names "
        "GL and WC only.",
        (NON_COMPLIANT,),
        edits=(
            row(AUTO_ROW, subrogation_waived=False),
            swap(
                "general liability, auto and workers compensation",
                "general liability and workers compensation",
            ),
        ),
        checks={
            ("AUTO_WAIVER_OF_SUBROGATION", AUTO): FAIL,
            ("GL_WAIVER_OF_SUBROGATION", GL): PASS,
            ("WC_WAIVER_OF_SUBROGATION", WC): PASS,
        },
    ),
    MoreCase(
        "waiver of subrogation missing on workers' compensation",
        "WC 00 03 13 is required on WC: the WC box is empty and the description names GL and "
        "auto only.",
        (NON_COMPLIANT,),
        edits=(
            row(WC_ROW, subrogation_waived=False),
            swap("general liability, auto and workers compensation", "general liability and auto"),
        ),
        checks={("WC_WAIVER_OF_SUBROGATION", WC): FAIL},
    ),
    MoreCase(
        "waiver of subrogation required on the umbrella and claimed there",
        "A set asking WOS on the umbrella is met by the umbrella row's SUBR WVD Y.",
        (COMPLIANT,),
        edits=(row(UMB_ROW, subrogation_waived=True),),
        checks={("UMB_WAIVER_OF_SUBROGATION", UMBRELLA): PASS},
        requirements=lambda: _line(UMBRELLA, waiver_of_subrogation=True),
    ),
    MoreCase(
        "waiver of subrogation required on the umbrella, not given",
        "The umbrella's box is empty and the description names GL, auto and WC only.",
        (NON_COMPLIANT,),
        checks={("UMB_WAIVER_OF_SUBROGATION", UMBRELLA): FAIL},
        requirements=lambda: _line(UMBRELLA, waiver_of_subrogation=True),
    ),
    # --- Notice of cancellation ----------------------------------------------------------
    MoreCase(
        "30 days notice, 10 for non-payment",
        "DOMAIN.md: notice of cancellation is 30 days (10 for non-payment of premium).",
        (COMPLIANT,),
        edits=(
            swap(
                "30 days notice of cancellation.",
                "30 days notice of cancellation, 10 days for non-payment of premium.",
            ),
        ),
        checks={("NOTICE_OF_CANCELLATION", None): PASS},
    ),
    MoreCase(
        "10 days for non-payment written first",
        "The order of the words does not change the 30 days.",
        (COMPLIANT,),
        edits=(
            swap(
                "30 days notice of cancellation.",
                "Notice of cancellation: 10 days for non-payment, 30 days for any other reason.",
            ),
        ),
        checks={("NOTICE_OF_CANCELLATION", None): PASS},
    ),
    MoreCase(
        "45 days notice of cancellation",
        "More days than required.",
        (COMPLIANT,),
        edits=(swap("30 days notice", "45 days notice"),),
        checks={("NOTICE_OF_CANCELLATION", None): PASS},
    ),
    MoreCase(
        "notice of cancellation not mentioned",
        "Nothing claims the notice the set requires.",
        (NON_COMPLIANT, INCOMPLETE),
        edits=(swap(" 30 days notice of cancellation.", ""),),
        checks={("NOTICE_OF_CANCELLATION", None): FAIL},
    ),
    # --- Per-project aggregate -------------------------------------------------------------
    MoreCase(
        "per-project aggregate claimed by CG 25 03 in the description",
        "The box unread but CG 25 03 cited: the aggregate applies per project.",
        (COMPLIANT,),
        edits=(
            row(GL_ROW, aggregate_applies_per=None),
            swap(
                "Excess follows form.",
                "General aggregate applies per project per CG 25 03. Excess follows form.",
            ),
        ),
        checks={("GL_PER_PROJECT_AGGREGATE", GL): PASS},
        requirements=lambda: claims_accepted("high"),
    ),
    MoreCase(
        "per-policy aggregate where the set does not ask per project",
        "The moderate tier does not ask CG 25 03.",
        (COMPLIANT,),
        edits=(row(GL_ROW, aggregate_applies_per="policy"),),
        requirements=lambda: claims_accepted("moderate"),
    ),
    # --- Umbrella -------------------------------------------------------------------------
    MoreCase(
        "umbrella 5M on a high-tier project",
        "The high tier asks $10M of umbrella.",
        (NON_COMPLIANT,),
        edits=(limits(UMB_ROW, each_occurrence=5_000_000, aggregate=5_000_000),),
        checks={("UMB_EACH_OCCURRENCE_MIN", UMBRELLA): FAIL},
        words={"UMB_EACH_OCCURRENCE_MIN": ("$5,000,000", "$10,000,000")},
        requirements=lambda: claims_accepted("high"),
    ),
    MoreCase(
        "umbrella silent on follow form",
        "Neither the box nor the description says the umbrella follows form: ask, do not reject.",
        (INCOMPLETE,),
        edits=(swap(" Excess follows form.", ""),),
        checks={("UMB_FOLLOWS_FORM", UMBRELLA): UNKNOWN},
    ),
    MoreCase(
        "umbrella expired mid-project",
        "The umbrella ended before the verdict day: the line is not in force.",
        (NON_COMPLIANT,),
        edits=(row(UMB_ROW, effective="2025-05-01", expiration="2026-05-01"),),
        checks={("UMB_IN_FORCE", UMBRELLA): FAIL},
    ),
    MoreCase(
        "claims-made umbrella where occurrence is required",
        "The templates accept occurrence basis only, on the umbrella too.",
        (NON_COMPLIANT,),
        edits=(row(UMB_ROW, basis="claims_made"),),
        checks={("UMB_OCCURRENCE_BASIS", UMBRELLA): FAIL},
    ),
    MoreCase(
        "auto CSL 500K under a follow-form umbrella",
        "Combined limits: $500,000 + $10,000,000 follow-form umbrella meets the $1M auto CSL.",
        (COMPLIANT,),
        edits=(limits(AUTO_ROW, combined_single_limit=500_000),),
        checks={("AUTO_COMBINED_SINGLE_LIMIT_MIN", AUTO): PASS},
        words={"AUTO_COMBINED_SINGLE_LIMIT_MIN": ("$500,000", "umbrella")},
    ),
    MoreCase(
        "GL aggregate 2M under a follow-form umbrella",
        "The umbrella's aggregate makes up the GL general and products aggregates.",
        (COMPLIANT,),
        edits=(
            limits(
                GL_ROW,
                general_aggregate=2_000_000,
                products_completed_operations_aggregate=2_000_000,
            ),
        ),
        checks={("GL_GENERAL_AGGREGATE_MIN", GL): PASS},
    ),
    # --- Auto ---------------------------------------------------------------------------------
    MoreCase(
        "scheduled, hired and non-owned autos",
        "Symbols 7, 8, 9 are not symbol 1 'any auto'.",
        (NON_COMPLIANT,),
        edits=(row(AUTO_ROW, covered_autos=["scheduled", "hired", "non_owned"]),),
        checks={("AUTO_ANY_AUTO", AUTO): FAIL},
    ),
    MoreCase(
        "covered autos not marked",
        "No auto box read: ask which autos are covered.",
        (INCOMPLETE,),
        edits=(row(AUTO_ROW, covered_autos=[]),),
        checks={("AUTO_ANY_AUTO", AUTO): UNKNOWN},
    ),
    MoreCase(
        "split auto limits, one short, combined limits off",
        "BI per person $500,000 is short of $1M; no umbrella may make it up here.",
        (NON_COMPLIANT,),
        edits=(
            limits(
                AUTO_ROW,
                combined_single_limit=None,
                bodily_injury_per_person=500_000,
                bodily_injury_per_accident=1_000_000,
                property_damage=1_000_000,
            ),
        ),
        checks={("AUTO_COMBINED_SINGLE_LIMIT_MIN", AUTO): FAIL},
        words={"AUTO_COMBINED_SINGLE_LIMIT_MIN": ("split", "$500,000")},
        requirements=lambda: claims_accepted(combined_limits=False),
    ),
    # --- Workers' compensation ----------------------------------------------------------
    MoreCase(
        "WC statutory box not marked",
        "The PER STATUTE box unread: ask, do not reject.",
        (INCOMPLETE,),
        edits=(row(WC_ROW, statutory=None),),
        checks={("WC_STATUTORY", WC): UNKNOWN},
    ),
    MoreCase(
        "EL 1M / 1M / 500K with no umbrella over EL",
        "EL disease policy limit $500,000 is short and the stand-alone excess cannot make it up.",
        (NON_COMPLIANT,),
        edits=(
            limits(WC_ROW, el_disease_policy_limit=500_000),
            swap("Excess follows form.", "Stand-alone excess."),
        ),
        checks={("WC_EL_DISEASE_POLICY_LIMIT_MIN", WC): FAIL},
    ),
    MoreCase(
        "North Dakota: WSI and a stop gap on GL",
        "North Dakota WSI insures WC; the stop gap on GL gives the employer's liability.",
        (COMPLIANT,),
        edits=(
            swap(
                "WC covered states 3.A: PA.",
                "Workers compensation through North Dakota WSI. Stop gap employers "
                "liability endorsement on the general liability policy.",
            ),
        ),
        checks={("WC_STATES", WC): PASS, ("WC_STOP_GAP_EL", WC): PASS},
        state="ND",
    ),
    MoreCase(
        "Wyoming project on a private policy listing WY",
        "Wyoming is monopolistic: a private carrier cannot write its WC; ask for the state "
        "fund's certificate and a stop gap.",
        (NON_COMPLIANT,),
        edits=(swap("3.A: PA", "3.A: PA, WY"),),
        checks={("WC_STATES", WC): FAIL},
        words={"WC_STATES": ("state fund",)},
        state="WY",
    ),
    MoreCase(
        "Washington project: L&I named beside the 3.A list",
        "The state fund named gives Washington; the stop gap on GL gives employer's liability.",
        (COMPLIANT,),
        edits=(
            swap(
                "WC covered states 3.A: PA.",
                "WC covered states 3.A: WA, workers compensation through Washington L&I. Stop "
                "gap employers liability endorsement on the general liability policy.",
            ),
        ),
        checks={("WC_STATES", WC): PASS},
        state="WA",
    ),
    MoreCase(
        "all states except Ohio on a Pennsylvania project",
        "The exception does not touch the project's state.",
        (COMPLIANT,),
        edits=(swap("WC covered states 3.A: PA.", "WC 3.A: all states except OH."),),
        checks={("WC_STATES", WC): PASS},
    ),
    MoreCase(
        "all states except Pennsylvania on a Pennsylvania project",
        "The exception is the project's state.",
        (NON_COMPLIANT,),
        edits=(swap("WC covered states 3.A: PA.", "WC 3.A: all states except PA."),),
        checks={("WC_STATES", WC): FAIL},
    ),
    # --- Claims-made ----------------------------------------------------------------------
    MoreCase(
        "claims-made allowed, retro date on the work start",
        "On or before the first work: the day itself is enough.",
        (COMPLIANT,),
        edits=(
            row(GL_ROW, basis="claims_made"),
            swap("WC covered", "GL retro date: 04/15/2026. WC covered"),
        ),
        checks={("GL_RETRO_DATE", GL): PASS},
        requirements=lambda: _line(GL, claims_made_allowed=True),
    ),
    MoreCase(
        "claims-made allowed, full prior acts",
        "'Full prior acts' means no retroactive date limits the cover.",
        (COMPLIANT,),
        edits=(
            row(GL_ROW, basis="claims_made"),
            swap("WC covered", "GL full prior acts. WC covered"),
        ),
        checks={("GL_RETRO_DATE", GL): PASS},
        requirements=lambda: _line(GL, claims_made_allowed=True),
    ),
    MoreCase(
        "claims-made allowed, 3-year tail asked, 1-year tail shown",
        "A one-year extended reporting period is short of the three years the set names.",
        (NON_COMPLIANT,),
        edits=(
            row(GL_ROW, basis="claims_made"),
            swap(
                "WC covered",
                "GL retro date: 01/15/2019. 1-year extended reporting period. WC covered",
            ),
        ),
        checks={("GL_TAIL", GL): FAIL},
        requirements=lambda: _line(GL, claims_made_allowed=True, tail_years=3),
    ),
    # --- Dates ----------------------------------------------------------------------------
    MoreCase(
        "verdict before the work start, policies start before it",
        "Judged on the work start: coverage will be in force on the first day on site.",
        (COMPLIANT,),
        edits=(renewed("2026-04-01", "2027-04-01", GL_ROW, AUTO_ROW, UMB_ROW, WC_ROW),),
        checks={("GL_EFFECTIVE_BY_WORK_START", GL): PASS},
        on=date(2026, 3, 15),
    ),
    MoreCase(
        "GL starts two weeks after the work start",
        "The first two weeks on site were uninsured on this certificate.",
        (NON_COMPLIANT,),
        edits=(renewed("2026-05-01", "2027-05-01", GL_ROW),),
        checks={("GL_EFFECTIVE_BY_WORK_START", GL): FAIL},
        words={"GL_EFFECTIVE_BY_WORK_START": ("2026-05-01",)},
    ),
    MoreCase(
        "policies expire within the GC's window",
        "Coverage ends in 19 days with no renewal on the record: expiring, not yet red.",
        (EXPIRING,),
        edits=(renewed("2025-06-20", "2026-06-20", GL_ROW, AUTO_ROW, UMB_ROW, WC_ROW),),
        checks={("GL_EXPIRY_WINDOW", GL): FAIL},
    ),
    MoreCase(
        "policies expire mid-project, outside the window",
        "Annual policies renew during a long project: a warning, still compliant today.",
        (COMPLIANT,),
        edits=(renewed("2025-09-01", "2026-09-01", GL_ROW, AUTO_ROW, UMB_ROW, WC_ROW),),
        checks={("GL_THROUGH_CLOSEOUT", GL): FAIL},
    ),
    MoreCase(
        "renewal on the certificate beside an expiring term",
        "The renewal term continues the cover: not expiring.",
        (COMPLIANT,),
        edits=(
            renewed("2025-06-20", "2026-06-20", GL_ROW),
            second_term(GL_ROW, "2026-06-20", "2027-06-20", "GL-4410023"),
        ),
        checks={("GL_EXPIRY_WINDOW", GL): PASS, ("GL_NO_GAP", GL): PASS},
    ),
    MoreCase(
        "two weeks' gap between GL terms",
        "The old term ended 2026-05-01 and the new one began 2026-05-15, during the work.",
        (NON_COMPLIANT,),
        edits=(
            renewed("2025-05-01", "2026-05-01", GL_ROW),
            second_term(GL_ROW, "2026-05-15", "2027-05-15", "GL-4410023"),
        ),
        checks={("GL_NO_GAP", GL): FAIL},
    ),
    # --- Insurer ----------------------------------------------------------------------------
    MoreCase(
        "insurer rated B++",
        "Below the A- VII floor.",
        (NON_COMPLIANT,),
        checks={("GL_INSURER_RATING", GL): FAIL},
        words={"GL_INSURER_RATING": ("B++", "A-")},
        ratings=WEAK_RATINGS,
    ),
    MoreCase(
        "insurer A- in size class VI",
        "The rating letter is enough but the financial size is below VII.",
        (NON_COMPLIANT,),
        checks={("GL_INSURER_RATING", GL): FAIL},
        words={"GL_INSURER_RATING": ("VI",)},
        ratings=SMALL_RATINGS,
    ),
    MoreCase(
        "insurer exactly A- VII",
        "At the floor is at or above it.",
        (COMPLIANT,),
        checks={("GL_INSURER_RATING", GL): PASS},
        ratings=FLOOR_RATINGS,
    ),
    MoreCase(
        "insurer not in the GC's rating table",
        "The rating cannot be looked up: ask, do not reject.",
        (INCOMPLETE,),
        edits=(insurer("A", naic="19999", name="Unlisted Casualty Company"),),
        checks={("GL_INSURER_RATING", GL): UNKNOWN},
    ),
    MoreCase(
        "NAIC number blank",
        "The NAIC box unread or left empty: ask for it, do not reject (issue 14: never "
        "non-compliant for lack of reading).",
        (INCOMPLETE,),
        edits=(insurer("A", naic=None),),
        checks={("GL_INSURER_NAIC", GL): UNKNOWN},
    ),
    MoreCase(
        "surplus-lines insurer where the set allows them",
        "Flagged as a warning only.",
        (COMPLIANT,),
        checks={("GL_INSURER_SURPLUS_LINES", GL): FAIL},
        ratings=SURPLUS_RATINGS,
    ),
    # --- Certificate holder -----------------------------------------------------------------
    MoreCase(
        "holder as an Inc. instead of the LLC",
        "Another entity type is another legal entity.",
        (NON_COMPLIANT,),
        edits=(holder("Meridian Construction Group, Inc."),),
        checks={("CERTIFICATE_HOLDER_NAME", None): FAIL},
    ),
    MoreCase(
        "holder with L.L.C. in periods",
        "Punctuation inside the suffix does not change the entity.",
        (COMPLIANT,),
        edits=(holder("Meridian Construction Group, L.L.C."),),
        checks={("CERTIFICATE_HOLDER_NAME", None): PASS},
    ),
    # --- "Included" and red flags ---------------------------------------------------------
    MoreCase(
        "products aggregate printed as the word Included",
        "'Included' in the amount sits inside the general aggregate.",
        (COMPLIANT,),
        edits=(limits(GL_ROW, products_completed_operations_aggregate="Included"),),
        checks={("GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN", GL): PASS},
    ),
    MoreCase(
        "workers' compensation policy number pending",
        "'Pending' is not a policy.",
        (NON_COMPLIANT,),
        edits=(row(WC_ROW, policy_number="Pending"),),
        checks={("WC_POLICY_NUMBER", WC): FAIL},
    ),
    # --- Second batch ---------------------------------------------------------------------
    MoreCase(
        "owner named as L.P.",
        "Punctuation inside the suffix does not change the entity.",
        (COMPLIANT,),
        edits=(swap("Harbor Point Owner LP are", "Harbor Point Owner, L.P. are"),),
        checks={("AI_ONGOING_PARTIES", GL): PASS},
    ),
    MoreCase(
        "umbrella aggregate not shown",
        "A blank aggregate box is unread: ask.",
        (INCOMPLETE,),
        edits=(limits(UMB_ROW, aggregate=None),),
        checks={("UMB_AGGREGATE_MIN", UMBRELLA): UNKNOWN},
    ),
    MoreCase(
        "non-contributory and primary, reversed",
        "The order of the two words does not change the endorsement.",
        (COMPLIANT,),
        edits=(
            swap(
                "on a primary and non-contributory basis", "on a non-contributory and primary basis"
            ),
        ),
        checks={("PRIMARY_NONCONTRIBUTORY", None): PASS},
    ),
    MoreCase(
        "thirty (30) days notice",
        "The days spelled out with the figure in brackets are thirty days.",
        (COMPLIANT,),
        edits=(
            swap("30 days notice of cancellation.", "Thirty (30) days notice of cancellation."),
        ),
        checks={("NOTICE_OF_CANCELLATION", None): PASS},
    ),
    MoreCase(
        "general aggregate applies per project, said in words",
        "The box unread; 'general aggregate applies per project' is the CG 25 03 claim.",
        (COMPLIANT,),
        edits=(
            row(GL_ROW, aggregate_applies_per=None),
            swap(
                "Excess follows form.",
                "General aggregate applies per project. Excess follows form.",
            ),
        ),
        checks={("GL_PER_PROJECT_AGGREGATE", GL): PASS},
        requirements=lambda: claims_accepted("high"),
    ),
    MoreCase(
        "waiver of subrogation on all policies, auto box empty",
        "'Applies to all policies listed' names every line, auto included.",
        (COMPLIANT,),
        edits=(
            row(AUTO_ROW, subrogation_waived=False),
            swap(
                "Waiver of subrogation applies to general liability, auto and workers "
                "compensation.",
                "Waiver of subrogation applies to all policies listed above.",
            ),
        ),
        checks={("AUTO_WAIVER_OF_SUBROGATION", AUTO): PASS},
    ),
    MoreCase(
        "the certificate holder is the additional insured",
        "'The certificate holder is an additional insured' names the holder, the GC, the only "
        "party required here.",
        (COMPLIANT,),
        edits=(
            swap(
                "Meridian Construction Group LLC and Harbor Point Owner LP are additional insureds",
                "The certificate holder is an additional insured",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS, ("AI_COMPLETED_PARTIES", GL): PASS},
        parties=(GC,),
    ),
    MoreCase(
        "the certificate holder is the additional insured, owner also required",
        "The holder is named by reference; the owner is not, and the forms are scheduled.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                "Meridian Construction Group LLC and Harbor Point Owner LP are additional insureds",
                "The certificate holder is an additional insured",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GL): FAIL},
        words={"AI_ONGOING_PARTIES": (OWNER,)},
    ),
    MoreCase(
        "EL 500K disease policy, umbrella follows form over GL and auto only",
        "An umbrella that does not schedule employer's liability cannot make up its limits.",
        (NON_COMPLIANT,),
        edits=(
            limits(WC_ROW, el_disease_policy_limit=500_000),
            swap(
                "Excess follows form.",
                "Excess follows form over general liability and auto liability only.",
            ),
        ),
        checks={("WC_EL_DISEASE_POLICY_LIMIT_MIN", WC): FAIL},
    ),
    # --- Third batch ----------------------------------------------------------------------
    MoreCase(
        "CG 20 38 alone for ongoing and completed operations",
        "CG 20 38 is a blanket form for ongoing operations; completed operations need CG 20 37.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Blanket additional insured where required by written contract, ongoing and "
                "completed operations, per CG 20 38 04 13,",
            ),
        ),
        checks={("AI_ONGOING", GL): PASS, ("AI_COMPLETED", GL): FAIL},
        words={"AI_COMPLETED": ("CG 20 37",)},
    ),
    MoreCase(
        "waiver of subrogation by form numbers only",
        "CG 24 04, CA 04 44 and WC 00 03 13 are the GL, auto and WC waiver forms: the auto box "
        "left empty does not undo CA 04 44 cited.",
        (COMPLIANT,),
        edits=(
            row(AUTO_ROW, subrogation_waived=False),
            swap(
                "Waiver of subrogation applies to general liability, auto and workers "
                "compensation.",
                "Waiver of subrogation per CG 24 04, CA 04 44 and WC 00 03 13.",
            ),
        ),
        checks={("AUTO_WAIVER_OF_SUBROGATION", AUTO): PASS},
    ),
    MoreCase(
        "lender with N.A. named beside GC and owner",
        "Every required party named by its exact legal name, periods included.",
        (COMPLIANT,),
        edits=(
            swap(
                "Meridian Construction Group LLC and Harbor Point Owner LP are",
                "Meridian Construction Group LLC, Harbor Point Owner LP and First Lakes Bank, "
                "N.A. are",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS, ("AI_COMPLETED_PARTIES", GL): PASS},
        parties=(GC, OWNER, LENDER),
    ),
    MoreCase(
        "lower tier, no employees on site, no WC",
        "The lower tier asks statutory WC only with employees on site.",
        (COMPLIANT,),
        edits=(lambda document: document["coverages"].pop(WC_ROW),),
        requirements=lambda: claims_accepted("lower"),
        employees_on_site=False,
    ),
    MoreCase(
        "lower tier, employees on site, no WC",
        "With employees on site WC is required.",
        (NON_COMPLIANT,),
        edits=(lambda document: document["coverages"].pop(WC_ROW),),
        checks={("WC_PRESENT", WC): FAIL},
        requirements=lambda: claims_accepted("lower"),
    ),
    MoreCase(
        "any auto said in the description, boxes unread",
        "'Any auto (symbol 1)' in the description answers the question the unread boxes leave.",
        (COMPLIANT,),
        edits=(
            row(AUTO_ROW, covered_autos=[]),
            swap(
                "Excess follows form.",
                "Auto liability covers any auto (symbol 1). Excess follows form.",
            ),
        ),
        checks={("AUTO_ANY_AUTO", AUTO): PASS},
    ),
    MoreCase(
        "WC statutory box marked no",
        "The PER STATUTE box read as not marked: ask whether the policy is at statutory limits.",
        (INCOMPLETE, NON_COMPLIANT),
        edits=(row(WC_ROW, statutory=False),),
    ),
    MoreCase(
        "GL expiration before its effective date",
        "Dates that contradict each other are unread: ask for a corrected certificate.",
        (INCOMPLETE,),
        edits=(row(GL_ROW, effective="2027-03-01", expiration="2026-03-01"),),
        checks={("GL_PRESENT", GL): UNKNOWN},
    ),
    MoreCase(
        "split auto limits with PD short under a follow-form umbrella",
        "BI $1M / $1M and PD $500,000: the follow-form umbrella makes up the shortfall.",
        (COMPLIANT,),
        edits=(
            limits(
                AUTO_ROW,
                combined_single_limit=None,
                bodily_injury_per_person=1_000_000,
                bodily_injury_per_accident=1_000_000,
                property_damage=500_000,
            ),
        ),
        checks={("AUTO_COMBINED_SINGLE_LIMIT_MIN", AUTO): PASS},
    ),
    MoreCase(
        "mixed editions: CG 20 10 04 13 with CG 20 37 10 01",
        "Any CG 20 37 edition beside a CG 20 10 for ongoing operations covers both phases.",
        (COMPLIANT,),
        edits=(swap("CG 20 37 04 13", "CG 20 37 10 01"),),
        checks={("AI_COMPLETED_FORM", GL): PASS},
    ),
    MoreCase(
        "certificate holder named as additional insured, '&' between the forms",
        "'Certificate holder is named as additional insured per CG 20 10 04 13 & CG 20 37 04 13'.",
        (COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Certificate holder is named as additional insured for ongoing and completed "
                "operations per CG 20 10 04 13 & CG 20 37 04 13",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS, ("AI_COMPLETED", GL): PASS},
        parties=(GC,),
    ),
    MoreCase(
        "verdict on the expiration day",
        "A policy ends at the start of its expiration day (12:01 a.m.): not in force that day.",
        (NON_COMPLIANT,),
        edits=(renewed("2025-06-01", "2026-06-01", GL_ROW),),
        checks={("GL_IN_FORCE", GL): FAIL},
    ),
    MoreCase(
        "WC row without its insurer letter",
        "The insurer of the line is not identified: ask, do not reject.",
        (INCOMPLETE,),
        edits=(row(WC_ROW, insurer_letter=None),),
        checks={("WC_INSURER_RATING", WC): UNKNOWN},
    ),
    MoreCase(
        "WC insurer rated B+ while GL's is A",
        "The rating is judged per line: only WC's insurer is below the floor.",
        (NON_COMPLIANT,),
        checks={("WC_INSURER_RATING", WC): FAIL, ("GL_INSURER_RATING", GL): PASS},
        ratings=ratings_from_csv(
            "naic,name,rating,size_class,surplus_lines\n"
            "24112,Great Lakes Casualty Company,A,XV,n\n"
            "10677,Buckeye Workers Mutual,B+,X,n\n"
        ),
    ),
)


def judge(case: MoreCase) -> Verdict:
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
        work_start=case.work_start,
        employees_on_site=case.employees_on_site,
        insurer_ratings=case.ratings,
    )
    return verify(case.requirements(), record, context, case.on)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_engine_agrees_with_the_reviewer(case: MoreCase) -> None:
    problems = disagreement(case, judge(case))
    assert not problems, f"{case.name} ({case.why}): " + "; ".join(problems)


def test_every_open_check_tells_the_bookkeeper_what_to_do() -> None:
    """A failed or unknown blocking check says what to ask for, or quotes found and required."""
    for case in CASES:
        for check in judge(case).checks:
            if check.outcome == PASS or check.severity != "blocking":
                continue
            if check.code.endswith("_MIN") and isinstance(check.found, int):
                assert "the requirement is $" in check.message, check.message
                continue
            assert "Ask" in check.message or "ask" in check.message, (
                f"{case.name}: {check.code} does not say what to ask for: {check.message}"
            )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 days notice of cancellation.", 30),
        ("30 days notice of cancellation, 10 days for non-payment of premium.", 30),
        ("30 days notice of cancellation (10 days for nonpayment).", 30),
        ("Notice of cancellation: 10 days for non-payment, 30 days for any other reason.", 30),
        ("10 days notice of cancellation for non-payment of premium.", 10),
        ("Notice of cancellation: 10 days.", 10),
    ],
)
def test_notice_days_leave_out_the_non_payment_days(text: str, expected: int) -> None:
    notice = NOTICE_WORDING.search(text)
    assert notice is not None
    assert notice_days(text, notice) == expected


def test_a_form_cited_once_is_named_once() -> None:
    """The INSD box and the description citing CG 20 26 are one endorsement to the reader."""
    case = next(case for case in CASES if case.name.startswith("CG 20 26"))
    check = next(c for c in judge(case).checks if c.code == "AI_ONGOING_FORM")
    assert check.found == ("CG 20 26 04 13",)
    assert check.message.count("CG 20 26") == 1, check.message
