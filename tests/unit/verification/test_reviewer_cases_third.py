"""A third table of reviewer cases, in the style of `test_reviewer_cases.py`: certificates an
experienced insurance-compliance reviewer would put in an unseen examination, across what the
first two tables leave out: edition pairs (CG 20 10 12 19, CG 20 37 10 01 ... 12 19, CG 20 26
and CG 20 38 beside completed operations), carrier blanket forms, umbrellas that do not follow
form or stop short of the line, WC across several states and the monopolistic four, owners
excluded, claims-made retro dates and tails as brokers write them, notice-of-cancellation and
P&NC wording variants, per-project and per-location aggregates, holder name variants (entity
suffixes spelled out, DBA), policies expired or not started, unreadable dates, "Included",
deductibles and retentions, auto symbols, and additional insured asked on auto and umbrella.

Each case was written from DOMAIN.md ("Finer rules an experienced reviewer applies") and the
seeds before the engine was run; the case's `why` says the rule. Every case starts from the same
clean certificate as the first two tables (elevated tier, claims accepted, Pennsylvania).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, Final

import pytest

from backend.requirements.model import FormEdition, RequirementSet
from backend.requirements.vocabulary import (
    AUTO_LIABILITY,
    GENERAL_LIABILITY,
    UMBRELLA,
    WORKERS_COMPENSATION,
)
from backend.verification.checks import FAIL, PASS, UNKNOWN
from backend.verification.description import (
    NOTICE_WORDING,
    claims_made_terms,
    notice_days,
    owners_excluded_from,
)
from backend.verification.entity_keys import same_legal_name
from backend.verification.verdict import COMPLIANT, INCOMPLETE, NON_COMPLIANT
from tests.unit.verification.test_reviewer_cases import (
    AUTO_ROW,
    GC,
    GL_ROW,
    OWNER,
    UMB_ROW,
    WC_ROW,
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
from tests.unit.verification.test_reviewer_cases_more import (
    AI_SENTENCE,
    LENDER,
    MoreCase,
    insurer,
    judge,
    second_term,
)

GL: Final = GENERAL_LIABILITY
AUTO: Final = AUTO_LIABILITY
UMB: Final = UMBRELLA
WC: Final = WORKERS_COMPENSATION
# The clean certificate's WC states sentence, replaced by the cases about states.
WC_STATES_SENTENCE: Final = "WC covered states 3.A: PA."
NOTICE_SENTENCE: Final = "30 days notice of cancellation."
PNC_WORDS: Final = "on a primary and non-contributory basis"
WAIVER_SENTENCE: Final = (
    "Waiver of subrogation applies to general liability, auto and workers compensation."
)
FOLLOW_FORM_SENTENCE: Final = "Excess follows form."
EL_UNSHOWN: Final = {
    "el_each_accident": None,
    "el_disease_each_employee": None,
    "el_disease_policy_limit": None,
}


def _set(ai: dict[str, Any] | None = None, **lines: dict[str, Any]) -> RequirementSet:
    """The clean set with the additional-insured requirement and some lines changed."""
    base = claims_accepted()
    changed = tuple(
        dataclasses.replace(item, **lines[item.line]) if item.line in lines else item
        for item in base.lines
    )
    additional = base.additional_insured
    if ai:
        additional = dataclasses.replace(additional, **ai)
    return dataclasses.replace(base, lines=changed, additional_insured=additional)


def autos(*symbols: str) -> Edit:
    return row(AUTO_ROW, covered_autos=list(symbols))


CASES: Final = (
    # --- Additional insured: edition pairs ------------------------------------------------
    MoreCase(
        "CG 20 10 04 13 with CG 20 37 12 19",
        "Editions of the two forms need not match: each covers its own phase.",
        (COMPLIANT,),
        edits=(swap("CG 20 37 04 13", "CG 20 37 12 19"),),
        checks={("AI_COMPLETED_FORM", GL): PASS, ("AI_ONGOING_FORM", GL): PASS},
    ),
    MoreCase(
        "CG 20 10 12 19 alone",
        "12 19, like 04 13, covers ongoing operations only; completed operations need CG 20 37.",
        (NON_COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 12 19"),),
        checks={("AI_COMPLETED", GL): FAIL},
        words={"AI_COMPLETED": ("CG 20 37",)},
    ),
    MoreCase(
        "CG 20 10 10 01 with CG 20 37 10 01",
        "The 10 01 pair covers ongoing and completed operations.",
        (COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 10 01 and CG 20 37 10 01"),),
        checks={("AI_COMPLETED", GL): PASS},
    ),
    MoreCase(
        "CG 20 10 11 85 with CG 20 37 07 04",
        "11 85 already covers completed operations; CG 20 37 beside it does no harm.",
        (COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 11 85 and CG 20 37 07 04"),),
    ),
    MoreCase(
        "CG 20 10 (11/85) with its edition in brackets",
        "The edition written '(11/85)' is the 11 85 edition: completed operations included.",
        (COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 (11/85)"),),
        checks={("AI_COMPLETED", GL): PASS},
    ),
    MoreCase(
        "CG 20 10 11-85 written with a hyphen, alone",
        "'11-85' is the 11 85 edition: completed operations included, no words needed.",
        (COMPLIANT,),
        edits=(
            swap("for ongoing and completed operations", "for their work"),
            swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 11-85"),
        ),
        checks={("AI_COMPLETED", GL): PASS},
    ),
    MoreCase(
        "set accepts the 04 13 editions only, certificate shows CG 20 10 11 85",
        "A GC may accept named editions only; 11 85 is not among them for either phase.",
        (NON_COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 11 85"),),
        checks={("AI_ONGOING_FORM", GL): FAIL, ("AI_COMPLETED_FORM", GL): FAIL},
        requirements=lambda: _set(
            ai={
                "ongoing_forms": (FormEdition("CG 20 10", "04 13"),),
                "completed_forms": (FormEdition("CG 20 37", "04 13"),),
            }
        ),
    ),
    MoreCase(
        "GC refuses CG 20 37 07 04, certificate shows the 07 04 pair",
        "A refused edition is refused whatever else the set accepts.",
        (NON_COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 10 07 04 and CG 20 37 07 04"),),
        checks={("AI_COMPLETED_FORM", GL): FAIL},
        requirements=lambda: _set(ai={"refused_forms": (FormEdition("CG 20 37", "07 04"),)}),
    ),
    MoreCase(
        "CG 20 37 alone, for completed operations only",
        "CG 20 37 covers completed operations only and the certificate claims nothing more: "
        "ongoing operations need CG 20 10 (or a blanket form).",
        (NON_COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                f"{GC} and {OWNER} are additional insureds for completed operations under "
                "CG 20 37 04 13",
            ),
        ),
        checks={("AI_ONGOING", GL): FAIL},
    ),
    MoreCase(
        "CG 20 26 for ongoing and completed operations, any form accepted",
        "CG 20 26 (designated person) covers ongoing operations; the words 'completed "
        "operations' do not make it CG 20 37.",
        (NON_COMPLIANT,),
        edits=(swap("CG 20 10 04 13 and CG 20 37 04 13", "CG 20 26 04 13"),),
        checks={("AI_COMPLETED", GL): FAIL},
        requirements=lambda: _set(ai={"ongoing_forms": (), "completed_forms": ()}),
    ),
    MoreCase(
        "CG 20 38 with CG 20 37, owner and lender required",
        "CG 20 38 reaches the parties above the GC that the contract names; CG 20 37 beside it "
        "carries completed operations for the parties it schedules (all three named).",
        (COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                f"Blanket additional insured per CG 20 38 04 13 where required by written "
                f"contract; {GC}, {OWNER} and {LENDER} are additional insureds for completed "
                "operations under CG 20 37 04 13",
            ),
        ),
        parties=(GC, OWNER, LENDER),
    ),
    MoreCase(
        "blanket CG 20 38 ongoing, CG 20 37 scheduling the GC only, owner required",
        "CG 20 37 is a scheduled form: the owner it does not name has no completed-operations "
        "cover, whatever the blanket form beside it does for ongoing operations.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Blanket additional insured for ongoing operations per CG 20 38 04 13 where "
                f"required by written contract. {GC} is additional insured for completed "
                "operations per CG 20 37 04 13",
            ),
        ),
        checks={("AI_COMPLETED_PARTIES", GL): FAIL, ("AI_ONGOING_PARTIES", GL): PASS},
    ),
    MoreCase(
        "blanket AI said in one sentence, the forms listed in the next",
        "'Blanket additional insured applies. Forms: CG 20 10 04 13, CG 20 37 04 13' is one "
        "statement: the listed forms are the blanket endorsements.",
        (COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Blanket additional insured applies, ongoing and completed operations. Forms: "
                "CG 20 10 04 13, CG 20 37 04 13",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GL): PASS, ("AI_COMPLETED_PARTIES", GL): PASS},
    ),
    MoreCase(
        "blanket CG 20 33 for ongoing, owner required",
        "CG 20 33 covers parties the sub contracts with directly: the owner above the GC is "
        "not reached.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Blanket additional insured per CG 20 33 04 13 where required by written "
                f"contract; {GC} and {OWNER} are additional insureds for completed operations "
                "per CG 20 37 04 13",
            ),
        ),
        checks={("AI_ONGOING_PARTIES", GL): FAIL},
    ),
    # --- Carrier blanket forms ---------------------------------------------------------------
    MoreCase(
        "carrier blanket form with a seven-part number, declared equivalent to CG 20 38",
        "A carrier's form the GC has read and declared equivalent counts as that ISO form; "
        "CG 20 37 beside it carries completed operations for the parties it names.",
        (COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Blanket additional insured for ongoing operations where required by written "
                f"contract per endorsement U-GL-1175-F CW 04 13. {GC} and {OWNER} are additional "
                "insureds for completed operations per CG 20 37 04 13",
            ),
        ),
        requirements=lambda: _set(
            ai={
                "equivalent_forms": (("U-GL-1175-F CW", FormEdition("CG 20 38")),),
                "ongoing_forms": (FormEdition("CG 20 38"),),
                "completed_forms": (FormEdition("CG 20 37"),),
            }
        ),
        checks={("RED_FLAG_CONDITIONAL_WORDING", None): PASS},
    ),
    MoreCase(
        "blanket AI where required by written contract, no form at all",
        "Conditional wording with no endorsement cited or on file is the red flag.",
        (NON_COMPLIANT,),
        edits=(
            swap(
                AI_SENTENCE,
                "Additional insured status applies where required by written contract, "
                "ongoing and completed operations,",
            ),
        ),
        checks={("RED_FLAG_CONDITIONAL_WORDING", None): FAIL},
    ),
    # --- Umbrella / excess ---------------------------------------------------------------------
    MoreCase(
        "umbrella explicitly does not follow form",
        "A non-follow-form umbrella may deny what the primary covers: the set asks follow form.",
        (NON_COMPLIANT,),
        edits=(swap(FOLLOW_FORM_SENTENCE, "Umbrella does not follow form."),),
        checks={("UMB_FOLLOWS_FORM", UMB): FAIL},
    ),
    MoreCase(
        "excess follows form over GL, auto and employer's liability, said in full",
        "Naming every underlying line is follow form over the schedule.",
        (COMPLIANT,),
        edits=(
            swap(
                FOLLOW_FORM_SENTENCE,
                "Excess follows form over general liability, auto liability and employers "
                "liability.",
            ),
        ),
        checks={("UMB_FOLLOWS_FORM", UMB): PASS},
    ),
    MoreCase(
        "excess follows form over GL only, auto CSL 500K",
        "The umbrella does not sit over auto: it cannot make up the auto shortfall, and it "
        "does not follow form over auto and EL.",
        (NON_COMPLIANT,),
        edits=(
            swap(FOLLOW_FORM_SENTENCE, "Excess follows form over general liability only."),
            limits(AUTO_ROW, combined_single_limit=500_000),
        ),
        checks={
            ("AUTO_COMBINED_SINGLE_LIMIT_MIN", AUTO): FAIL,
            ("UMB_FOLLOWS_FORM", UMB): FAIL,
        },
    ),
    MoreCase(
        "umbrella excess over the lines, follow form not said",
        "'Excess over GL, auto and EL' schedules the lines but does not say it follows their "
        "form: ask.",
        (INCOMPLETE,),
        edits=(
            swap(
                FOLLOW_FORM_SENTENCE,
                "Umbrella is excess over general liability, auto and employers liability.",
            ),
        ),
        checks={("UMB_FOLLOWS_FORM", UMB): UNKNOWN},
    ),
    MoreCase(
        "auto CSL 500K, follow-form umbrella ends before close-out",
        "An umbrella counts toward a line only when in force over the whole required period.",
        (NON_COMPLIANT,),
        edits=(
            limits(AUTO_ROW, combined_single_limit=500_000),
            renewed("2025-10-01", "2026-10-01", UMB_ROW),
        ),
        checks={("AUTO_COMBINED_SINGLE_LIMIT_MIN", AUTO): FAIL},
    ),
    MoreCase(
        "umbrella term shorter than the project, every primary at its minimum",
        "Annual umbrella renewed mid-project: in force today at its minimum; the short term is "
        "a warning to follow, not a deficiency.",
        (COMPLIANT,),
        edits=(renewed("2025-11-30", "2026-11-30", UMB_ROW),),
        checks={("UMB_THROUGH_CLOSEOUT", UMB): FAIL},
    ),
    MoreCase(
        "umbrella not yet started",
        "An umbrella that starts next month is no umbrella today.",
        (NON_COMPLIANT,),
        edits=(renewed("2026-07-01", "2027-07-01", UMB_ROW),),
        checks={("UMB_IN_FORCE", UMB): FAIL},
    ),
    MoreCase(
        "umbrella 4M on an elevated-tier project (5M)",
        "The umbrella's own limits are below the tier's minimum.",
        (NON_COMPLIANT,),
        edits=(limits(UMB_ROW, each_occurrence=4_000_000, aggregate=4_000_000),),
        checks={("UMB_EACH_OCCURRENCE_MIN", UMB): FAIL},
        words={"UMB_EACH_OCCURRENCE_MIN": ("$5,000,000",)},
    ),
    MoreCase(
        "products aggregate Included in a 2M general aggregate, 10M follow-form umbrella",
        "Included sits inside the general aggregate (2M); with the umbrella's 10M both "
        "aggregates meet 4M under combined limits.",
        (COMPLIANT,),
        edits=(
            limits(
                GL_ROW,
                each_occurrence=1_000_000,
                general_aggregate=2_000_000,
                products_completed_operations_aggregate="Included",
            ),
        ),
        checks={
            ("GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN", GL): PASS,
            ("GL_GENERAL_AGGREGATE_MIN", GL): PASS,
        },
    ),
    # --- Additional insured on auto and umbrella ---------------------------------------------
    MoreCase(
        "AI asked on auto: INSD marked, CA 20 48 cited",
        "Auto AI by CA 20 48 with the auto row's box marked.",
        (COMPLIANT,),
        edits=(
            swap(
                "on a primary and non-contributory basis.",
                "on a primary and non-contributory basis. Auto additional insured per CA 20 48.",
            ),
        ),
        checks={("AI_ONGOING", AUTO): PASS},
        requirements=lambda: _set(ai={"lines": (GL, AUTO, UMB)}),
    ),
    MoreCase(
        "AI asked on auto: auto INSD box empty, nothing said of auto",
        "No AI on the auto policy at all.",
        (NON_COMPLIANT,),
        edits=(row(AUTO_ROW, additional_insured=False),),
        checks={("AI_ONGOING", AUTO): FAIL},
        requirements=lambda: _set(ai={"lines": (GL, AUTO, UMB)}),
    ),
    MoreCase(
        "AI asked on auto: box empty, the description gives it by CA 20 48",
        "The remarks claim auto AI by its form; the empty box is a contradiction to ask "
        "about, as on general liability, not a missing endorsement.",
        (COMPLIANT,),
        edits=(
            row(AUTO_ROW, additional_insured=False),
            swap(
                "on a primary and non-contributory basis.",
                "on a primary and non-contributory basis. Auto liability additional insured "
                "per CA 20 48.",
            ),
        ),
        checks={("AI_ONGOING", AUTO): PASS},
        requirements=lambda: _set(ai={"lines": (GL, AUTO, UMB)}),
    ),
    MoreCase(
        "AI asked on umbrella: its box empty, umbrella follows form",
        "A follow-form umbrella extends the underlying AI status.",
        (COMPLIANT,),
        edits=(row(UMB_ROW, additional_insured=False),),
        checks={("AI_ONGOING", UMB): PASS},
    ),
    MoreCase(
        "AI asked on umbrella: its box empty, umbrella does not follow form",
        "Nothing extends AI to a stand-alone umbrella, and it does not follow form.",
        (NON_COMPLIANT,),
        edits=(
            row(UMB_ROW, additional_insured=False),
            swap(FOLLOW_FORM_SENTENCE, "Umbrella is stand-alone (does not follow form)."),
        ),
        checks={("AI_ONGOING", UMB): FAIL, ("UMB_FOLLOWS_FORM", UMB): FAIL},
    ),
    # --- Auto symbols ------------------------------------------------------------------------
    MoreCase(
        "owned, hired and non-owned autos (symbols 2, 8 and 9)",
        "The set asks 'any auto' (symbol 1); owned, hired and non-owned together cover every "
        "vehicle the sub could be liable for, the way subcontracts word the requirement, so a "
        "reviewer takes them as its equal.",
        (COMPLIANT,),
        edits=(autos("owned", "hired", "non_owned"),),
        checks={("AUTO_ANY_AUTO", AUTO): PASS},
    ),
    MoreCase(
        "hired and non-owned autos only",
        "A sub with no owned vehicles on hired/non-owned cover: not any auto.",
        (NON_COMPLIANT,),
        edits=(autos("hired", "non_owned"),),
        checks={("AUTO_ANY_AUTO", AUTO): FAIL},
    ),
    MoreCase(
        "owned autos only (symbol 2)",
        "A rented truck or an employee's car is not covered.",
        (NON_COMPLIANT,),
        edits=(autos("owned"),),
        checks={("AUTO_ANY_AUTO", AUTO): FAIL},
    ),
    MoreCase(
        "any auto box and hired and non-owned also marked",
        "Any auto marked settles it; the extra boxes change nothing.",
        (COMPLIANT,),
        edits=(autos("any_auto", "hired", "non_owned"),),
        checks={("AUTO_ANY_AUTO", AUTO): PASS},
    ),
    # --- Workers' compensation: states, monopolistic, owners -----------------------------------
    MoreCase(
        "3.A lists PA, NJ and NY on a Pennsylvania project",
        "The project's state is among the states listed.",
        (COMPLIANT,),
        edits=(swap(WC_STATES_SENTENCE, "WC 3.A states: PA, NJ, NY."),),
        checks={("WC_STATES", WC): PASS},
    ),
    MoreCase(
        "set asks NJ, NY and PA, certificate lists PA and NJ",
        "A multi-state sub needs every state the set names.",
        (NON_COMPLIANT,),
        edits=(swap(WC_STATES_SENTENCE, "WC 3.A states: PA, NJ."),),
        checks={("WC_STATES", WC): FAIL},
        requirements=lambda: _set(workers_compensation={"states": ("NJ", "NY", "PA")}),
    ),
    MoreCase(
        "states named in words",
        "'Pennsylvania and New Jersey' are PA and NJ.",
        (COMPLIANT,),
        edits=(
            swap(
                WC_STATES_SENTENCE,
                "Workers compensation states covered: Pennsylvania and New Jersey.",
            ),
        ),
        checks={("WC_STATES", WC): PASS},
    ),
    MoreCase(
        "WC coverage said to apply in PA and NJ",
        "'WC coverage applies in PA and NJ' states the covered states without saying 3.A.",
        (COMPLIANT,),
        edits=(swap(WC_STATES_SENTENCE, "WC coverage applies in PA and NJ."),),
        checks={("WC_STATES", WC): PASS},
    ),
    MoreCase(
        "all states except monopolistic states, Pennsylvania project",
        "Every state a private policy can cover, Pennsylvania among them.",
        (COMPLIANT,),
        edits=(swap(WC_STATES_SENTENCE, "WC: all states except monopolistic states."),),
        checks={("WC_STATES", WC): PASS},
    ),
    MoreCase(
        "all states other than ND, OH, WA and WY, Washington project",
        "The policy says itself it does not cover Washington, where only L&I insures WC.",
        (NON_COMPLIANT,),
        edits=(swap(WC_STATES_SENTENCE, "WC: all states other than ND, OH, WA and WY."),),
        checks={("WC_STATES", WC): FAIL},
        state="WA",
    ),
    MoreCase(
        "no WC state stated",
        "Nothing on the certificate says the project's state is covered: ask.",
        (INCOMPLETE,),
        edits=(swap(WC_STATES_SENTENCE, ""),),
        checks={("WC_STATES", WC): UNKNOWN},
    ),
    MoreCase(
        "states as the reader lists them",
        "A states list read from the certificate is the answer.",
        (COMPLIANT,),
        edits=(swap(WC_STATES_SENTENCE, ""), row(WC_ROW, states=["NJ", "PA"])),
        checks={("WC_STATES", WC): PASS},
    ),
    MoreCase(
        "Ohio project: 3.A lists IN, KY and OH on a private policy, no stop gap",
        "A private policy cannot cover Ohio (state fund only), and nothing gives the EL there.",
        (NON_COMPLIANT,),
        edits=(swap(WC_STATES_SENTENCE, "WC 3.A: IN, KY, OH."),),
        checks={("WC_STATES", WC): FAIL, ("WC_STOP_GAP_EL", WC): FAIL},
        state="OH",
    ),
    MoreCase(
        "Washington project: L&I and a stop gap on GL 1M/1M/1M",
        "L&I insures WC in Washington; the stop gap on GL gives the employer's liability.",
        (COMPLIANT,),
        edits=(
            limits(WC_ROW, **EL_UNSHOWN),
            swap(
                WC_STATES_SENTENCE,
                "Washington workers compensation through the Department of Labor & Industries. "
                "Stop gap employers liability on the GL policy 1,000,000 / 1,000,000 / "
                "1,000,000.",
            ),
        ),
        checks={("WC_STATES", WC): PASS, ("WC_STOP_GAP_EL", WC): PASS},
        state="WA",
    ),
    MoreCase(
        "Wyoming project: Workforce Services and a stop gap $1M/$1M/$1M",
        "Wyoming's fund insures WC; the stop gap gives the employer's liability.",
        (COMPLIANT,),
        edits=(
            limits(WC_ROW, **EL_UNSHOWN),
            swap(
                WC_STATES_SENTENCE,
                "WC in Wyoming through the Department of Workforce Services. Stop gap EL "
                "$1M/$1M/$1M endorsed on general liability.",
            ),
        ),
        checks={("WC_STATES", WC): PASS, ("WC_STOP_GAP_EL", WC): PASS},
        state="WY",
    ),
    MoreCase(
        "North Dakota project: WSI named, EL on the WC row, no stop gap",
        "The state fund carries no employer's liability; EL printed on the WC row is not the "
        "stop-gap endorsement.",
        (NON_COMPLIANT,),
        edits=(swap(WC_STATES_SENTENCE, "North Dakota WC through WSI."),),
        checks={("WC_STOP_GAP_EL", WC): FAIL},
        state="ND",
    ),
    MoreCase(
        "Ohio project: BWC named, stop gap EL 500K/500K/500K under a follow-form umbrella over EL",
        "The stop gap gives EL at 500K each; the umbrella following form over EL makes up "
        "the 1M minimums.",
        (COMPLIANT,),
        edits=(
            limits(WC_ROW, **EL_UNSHOWN),
            swap(
                WC_STATES_SENTENCE,
                "Ohio WC through the Ohio BWC. Stop gap employers liability 500,000 / 500,000 / "
                "500,000 on the GL policy.",
            ),
            swap(
                FOLLOW_FORM_SENTENCE,
                "Excess follows form over general liability, auto and employers liability.",
            ),
        ),
        checks={("WC_STOP_GAP_EL", WC): PASS, ("WC_EL_EACH_ACCIDENT_MIN", WC): PASS},
        state="OH",
    ),
    MoreCase(
        "Ohio project: the WC row's insurer is the Ohio BWC, stop gap on GL",
        "The state fund is the only WC insurer in Ohio: no NAIC number or A.M. Best rating to "
        "show, its state is covered, and the stop gap gives the employer's liability.",
        (COMPLIANT,),
        edits=(
            insurer("B", name="Ohio Bureau of Workers' Compensation", naic=None),
            limits(WC_ROW, **EL_UNSHOWN),
            swap(
                WC_STATES_SENTENCE,
                "Stop gap employers liability endorsement on the GL policy $1,000,000 / "
                "$1,000,000 / $1,000,000.",
            ),
        ),
        checks={
            ("WC_STATES", WC): PASS,
            ("WC_INSURER_RATING", WC): PASS,
            ("WC_STOP_GAP_EL", WC): PASS,
        },
        state="OH",
    ),
    MoreCase(
        "Washington project: WC row written by L&I, no stop gap",
        "L&I covers Washington but carries no employer's liability: the stop gap is missing.",
        (NON_COMPLIANT,),
        edits=(
            insurer("B", name="Washington State Department of Labor & Industries", naic=None),
            limits(WC_ROW, **EL_UNSHOWN),
            swap(WC_STATES_SENTENCE, ""),
        ),
        checks={("WC_STATES", WC): PASS, ("WC_STOP_GAP_EL", WC): FAIL},
        state="WA",
    ),
    MoreCase(
        "owners excluded box left unread",
        "An unmarked exclusion box is the common case: no deficiency.",
        (COMPLIANT,),
        edits=(row(WC_ROW, officers_excluded=None),),
        checks={("WC_OWNERS_COVERED", WC): UNKNOWN},
    ),
    MoreCase(
        "owners excluded, the insured a sole proprietor, the set allows none",
        "Without the set's allowance or a waiver the GC does not accept it.",
        (NON_COMPLIANT,),
        edits=(
            row(WC_ROW, officers_excluded=True),
            swap(WC_STATES_SENTENCE, "WC 3.A: PA. Sole proprietor excluded."),
        ),
        checks={("WC_OWNERS_COVERED", WC): FAIL},
    ),
    MoreCase(
        "officers excluded said in the remarks, the box blank",
        "'Officers excluded: J. Apex, President' is the exclusion in words: the set allows none.",
        (NON_COMPLIANT,),
        edits=(
            row(WC_ROW, officers_excluded=None),
            swap(
                WC_STATES_SENTENCE, f"{WC_STATES_SENTENCE} Officers excluded: J. Apex, President."
            ),
        ),
        checks={("WC_OWNERS_COVERED", WC): FAIL},
    ),
    MoreCase(
        "owners excluded, sole proprietors allowed by the set",
        "The set's allowance is what makes the exclusion acceptable.",
        (COMPLIANT,),
        edits=(row(WC_ROW, officers_excluded=True),),
        checks={("WC_OWNERS_COVERED", WC): PASS},
        requirements=lambda: _set(workers_compensation={"owners_exclusion_allowed": True}),
    ),
    MoreCase(
        "waiver of subrogation on WC by WC 00 03 13, box empty",
        "The WC waiver form named in the description claims it on WC.",
        (COMPLIANT,),
        edits=(
            row(WC_ROW, subrogation_waived=False),
            swap(
                WAIVER_SENTENCE,
                "Waiver of subrogation per CG 24 04, CA 04 44 and WC 00 03 13.",
            ),
        ),
        checks={("WC_WAIVER_OF_SUBROGATION", WC): PASS},
    ),
    MoreCase(
        "waiver of subrogation on GL and auto only, WC box empty",
        "The WC waiver the set asks is neither marked nor said.",
        (NON_COMPLIANT,),
        edits=(
            row(WC_ROW, subrogation_waived=False),
            swap(
                WAIVER_SENTENCE,
                "Waiver of subrogation applies to general liability and auto liability.",
            ),
        ),
        checks={("WC_WAIVER_OF_SUBROGATION", WC): FAIL},
    ),
    MoreCase(
        "waiver of subrogation abbreviated WOS, auto box empty",
        "Brokers write 'WOS': a waiver of subrogation on the lines it names. The auto row's "
        "empty SUBR WVD box contradicts it: a warning that asks for the endorsement.",
        (COMPLIANT,),
        edits=(
            row(AUTO_ROW, subrogation_waived=False),
            swap(WAIVER_SENTENCE, "WOS applies to GL, Auto and WC."),
        ),
        checks={
            ("AUTO_WAIVER_OF_SUBROGATION", AUTO): PASS,
            ("WOS_BOX_VS_DESCRIPTION", AUTO): FAIL,
        },
        words={"WOS_BOX_VS_DESCRIPTION": ("SUBR WVD", "endorsement")},
    ),
    # --- Claims-made ---------------------------------------------------------------------------
    MoreCase(
        "claims-made allowed, retro date 05/01/26 after the work start",
        "Work from April 15 before the retro date is not covered.",
        (NON_COMPLIANT,),
        edits=(
            row(GL_ROW, basis="claims_made"),
            swap(WC_STATES_SENTENCE, f"{WC_STATES_SENTENCE} GL retro date 05/01/26."),
        ),
        checks={("GL_RETRO_DATE", GL): FAIL},
        requirements=lambda: _set(general_liability={"claims_made_allowed": True}),
    ),
    MoreCase(
        "claims-made allowed, retroactive date written with the month's name",
        "'Retroactive date: January 1, 2015' reaches back before the work.",
        (COMPLIANT,),
        edits=(
            row(GL_ROW, basis="claims_made"),
            swap(WC_STATES_SENTENCE, f"{WC_STATES_SENTENCE} GL retroactive date: January 1, 2015."),
        ),
        checks={("GL_RETRO_DATE", GL): PASS},
        requirements=lambda: _set(general_liability={"claims_made_allowed": True}),
    ),
    MoreCase(
        "claims-made allowed, retro date none",
        "'Retro date: none' is full prior acts.",
        (COMPLIANT,),
        edits=(
            row(GL_ROW, basis="claims_made"),
            swap(WC_STATES_SENTENCE, f"{WC_STATES_SENTENCE} GL retro date: none."),
        ),
        checks={("GL_RETRO_DATE", GL): PASS},
        requirements=lambda: _set(general_liability={"claims_made_allowed": True}),
    ),
    MoreCase(
        "claims-made, 3-year tail asked, extended reporting period of 36 months",
        "36 months is three years.",
        (COMPLIANT,),
        edits=(
            row(GL_ROW, basis="claims_made"),
            swap(
                WC_STATES_SENTENCE,
                f"{WC_STATES_SENTENCE} GL retro date 01/01/2012; extended reporting period "
                "36 months.",
            ),
        ),
        checks={("GL_TAIL", GL): PASS},
        requirements=lambda: _set(general_liability={"claims_made_allowed": True, "tail_years": 3}),
    ),
    MoreCase(
        "claims-made, 3-year tail asked, 5 yr ERP",
        "Five years of extended reporting meet three.",
        (COMPLIANT,),
        edits=(
            row(GL_ROW, basis="claims_made"),
            swap(
                WC_STATES_SENTENCE,
                f"{WC_STATES_SENTENCE} GL retro date 01/01/2012, 5 yr ERP.",
            ),
        ),
        checks={("GL_TAIL", GL): PASS},
        requirements=lambda: _set(general_liability={"claims_made_allowed": True, "tail_years": 3}),
    ),
    MoreCase(
        "claims-made, 3-year tail asked, none stated",
        "The tail is not shown: ask for it (or for continuous renewal), do not reject.",
        (INCOMPLETE,),
        edits=(
            row(GL_ROW, basis="claims_made"),
            swap(WC_STATES_SENTENCE, f"{WC_STATES_SENTENCE} GL retro date 01/01/2012."),
        ),
        checks={("GL_TAIL", GL): UNKNOWN},
        requirements=lambda: _set(general_liability={"claims_made_allowed": True, "tail_years": 3}),
    ),
    MoreCase(
        "occurrence or claims-made box unread",
        "The basis is not known: ask.",
        (INCOMPLETE,),
        edits=(row(GL_ROW, basis=None),),
        checks={("GL_OCCURRENCE_BASIS", GL): UNKNOWN},
    ),
    # --- Notice of cancellation -------------------------------------------------------------
    MoreCase(
        "thirty days' notice of cancellation, in words",
        "'Thirty days' is 30 days.",
        (COMPLIANT,),
        edits=(swap(NOTICE_SENTENCE, "Thirty days' notice of cancellation."),),
        checks={("NOTICE_OF_CANCELLATION", None): PASS},
    ),
    MoreCase(
        "30 day NOC",
        "'NOC' is how brokers abbreviate notice of cancellation.",
        (COMPLIANT,),
        edits=(swap(NOTICE_SENTENCE, "30 day NOC except 10 days for non-payment."),),
        checks={("NOTICE_OF_CANCELLATION", None): PASS},
    ),
    MoreCase(
        "notice of cancellation 30 days except 10 days for nonpayment of premium",
        "The usual wording: 30 days, 10 for non-payment.",
        (COMPLIANT,),
        edits=(
            swap(
                NOTICE_SENTENCE,
                "Notice of cancellation: 30 days except 10 days for nonpayment of premium.",
            ),
        ),
        checks={("NOTICE_OF_CANCELLATION", None): PASS},
    ),
    MoreCase(
        "30 days cancellation notice",
        "'Cancellation notice' is notice of cancellation in the other word order.",
        (COMPLIANT,),
        edits=(swap(NOTICE_SENTENCE, "30 days cancellation notice to the certificate holder."),),
        checks={("NOTICE_OF_CANCELLATION", None): PASS},
    ),
    MoreCase(
        "60 days notice of cancellation",
        "More notice than the set asks is fine.",
        (COMPLIANT,),
        edits=(swap(NOTICE_SENTENCE, "60 days written notice of cancellation."),),
        checks={("NOTICE_OF_CANCELLATION", None): PASS},
    ),
    MoreCase(
        "10 days notice of cancellation for any reason",
        "Ten days is less than the 30 the set asks.",
        (NON_COMPLIANT,),
        edits=(swap(NOTICE_SENTENCE, "Notice of cancellation: 10 days."),),
        checks={("NOTICE_OF_CANCELLATION", None): FAIL},
    ),
    # --- Primary and non-contributory --------------------------------------------------------
    MoreCase(
        "primary & noncontributory",
        "'&' and 'noncontributory' in one word are the same wording.",
        (COMPLIANT,),
        edits=(swap(PNC_WORDS, "on a primary & noncontributory basis"),),
        checks={("PRIMARY_NONCONTRIBUTORY", None): PASS},
    ),
    MoreCase(
        "primary/non-contributory",
        "A slash between the words is the same wording.",
        (COMPLIANT,),
        edits=(swap(PNC_WORDS, "on a primary/non-contributory basis"),),
        checks={("PRIMARY_NONCONTRIBUTORY", None): PASS},
    ),
    MoreCase(
        "P&NC abbreviated",
        "'P&NC' is primary and non-contributory as brokers abbreviate it.",
        (COMPLIANT,),
        edits=(swap(PNC_WORDS, "(P&NC)"),),
        checks={("PRIMARY_NONCONTRIBUTORY", None): PASS},
    ),
    MoreCase(
        "non-contributory without primary",
        "Non-contributory alone does not say the policy answers first.",
        (NON_COMPLIANT, INCOMPLETE),
        edits=(swap(PNC_WORDS, "on a non-contributory basis"),),
        checks={("PRIMARY_NONCONTRIBUTORY", None): FAIL},
    ),
    # --- Aggregates ----------------------------------------------------------------------------
    MoreCase(
        "per-location aggregate CG 25 04 cited, per project required",
        "Per location is not per project.",
        (NON_COMPLIANT,),
        edits=(
            row(GL_ROW, aggregate_applies_per="location"),
            swap(WC_STATES_SENTENCE, f"{WC_STATES_SENTENCE} Aggregate per location per CG 25 04."),
        ),
        checks={("GL_PER_PROJECT_AGGREGATE", GL): FAIL},
    ),
    MoreCase(
        "per-project aggregate by CG 25 03 with the box on policy",
        "The form in the description gives the per-project aggregate; a reviewer reads it "
        "over the box.",
        (COMPLIANT,),
        edits=(
            row(GL_ROW, aggregate_applies_per="policy"),
            swap(
                WC_STATES_SENTENCE,
                f"{WC_STATES_SENTENCE} Designated construction project(s) general aggregate "
                "limit CG 25 03 applies.",
            ),
        ),
        checks={("GL_PER_PROJECT_AGGREGATE", GL): PASS},
    ),
    # --- Certificate holder --------------------------------------------------------------------
    MoreCase(
        "holder with a comma before LLC",
        "Punctuation is not part of the entity's name.",
        (COMPLIANT,),
        edits=(holder("Meridian Construction Group, LLC"),),
        checks={("CERTIFICATE_HOLDER_NAME", None): PASS},
    ),
    MoreCase(
        "holder with Limited Liability Company spelled out",
        "'Limited Liability Company' is what 'LLC' abbreviates: the same legal entity.",
        (COMPLIANT,),
        edits=(holder("Meridian Construction Group Limited Liability Company"),),
        checks={("CERTIFICATE_HOLDER_NAME", None): PASS},
    ),
    MoreCase(
        "holder as 'a Limited Liability Company'",
        "', a Limited Liability Company' is how legal documents spell the LLC.",
        (COMPLIANT,),
        edits=(holder("Meridian Construction Group, a Limited Liability Company"),),
        checks={("CERTIFICATE_HOLDER_NAME", None): PASS},
    ),
    MoreCase(
        "holder with its DBA after the legal name",
        "The legal name is there; the trade name after 'dba' does not change the entity.",
        (COMPLIANT,),
        edits=(holder("Meridian Construction Group LLC dba Meridian Builders"),),
        checks={("CERTIFICATE_HOLDER_NAME", None): PASS},
    ),
    MoreCase(
        "holder with 'its parent, subsidiaries and affiliates' after the name",
        "The legal entity is named first; the affiliates after it widen, not change, it.",
        (COMPLIANT,),
        edits=(holder("Meridian Construction Group LLC, its parent, subsidiaries and affiliates"),),
        checks={("CERTIFICATE_HOLDER_NAME", None): PASS},
    ),
    MoreCase(
        "holder as the trade name only",
        "A trade name is not the legal entity the contract names.",
        (NON_COMPLIANT,),
        edits=(holder("Meridian Builders"),),
        checks={("CERTIFICATE_HOLDER_NAME", None): FAIL},
    ),
    MoreCase(
        "holder as a Corp.",
        "A corporation of the same words is a different legal entity than the LLC.",
        (NON_COMPLIANT,),
        edits=(holder("Meridian Construction Group Corp."),),
        checks={("CERTIFICATE_HOLDER_NAME", None): FAIL},
    ),
    MoreCase(
        "holder with the name abbreviated",
        "'Grp' is not the exact legal name.",
        (NON_COMPLIANT,),
        edits=(holder("Meridian Construction Grp LLC"),),
        checks={("CERTIFICATE_HOLDER_NAME", None): FAIL},
    ),
    # --- Dates ---------------------------------------------------------------------------------
    MoreCase(
        "WC expired two weeks before the verdict",
        "No workers' compensation in force today.",
        (NON_COMPLIANT,),
        edits=(renewed("2025-05-15", "2026-05-15", WC_ROW),),
        checks={("WC_IN_FORCE", WC): FAIL},
    ),
    MoreCase(
        "WC renewal listed beside the expired term",
        "The renewal follows the old term without a gap: in force today and from the start.",
        (COMPLIANT,),
        edits=(
            renewed("2025-05-15", "2026-05-15", WC_ROW),
            second_term(WC_ROW, "2026-05-15", "2027-05-15", "WC-5520018"),
        ),
        checks={("WC_IN_FORCE", WC): PASS},
    ),
    MoreCase(
        "auto dates unreadable",
        "The line is shown but not its dates: ask, do not reject.",
        (INCOMPLETE,),
        edits=(row(AUTO_ROW, effective=None, expiration=None),),
        checks={("AUTO_PRESENT", AUTO): UNKNOWN},
    ),
    MoreCase(
        "umbrella expiration unreadable",
        "Half a date is no date: ask.",
        (INCOMPLETE,),
        edits=(row(UMB_ROW, expiration=None),),
        checks={("UMB_PRESENT", UMB): UNKNOWN},
    ),
    MoreCase(
        "verdict ten days before the policies end on the last day of close-out",
        "The policies reach project end plus close-out: nothing more to ask during the job.",
        (COMPLIANT,),
        on=date(2027, 2, 19),
    ),
    # --- Remarks on an attachment; wording variants ----------------------------------------
    MoreCase(
        "remarks listed one to a line, without full stops",
        "Brokers list AI, P&NC, WOS, follow form, NOC and 3.A one to a line: each line says "
        "its own thing, and together they are the clean certificate.",
        (COMPLIANT,),
        edits=(
            row(AUTO_ROW, additional_insured=False),
            description(
                f"Project: Harbor Point Tower\nAdditional Insureds: {GC}; {OWNER} - ongoing & "
                "completed operations per CG 20 10 04 13 & CG 20 37 04 13\nPrimary & "
                "Non-Contributory\nWaiver of Subrogation: GL, Auto, WC\nUmbrella follows "
                "form\n30 Day NOC\nWC 3.A: PA"
            ),
        ),
        checks={("NOTICE_OF_CANCELLATION", None): PASS, ("WC_STATES", WC): PASS},
    ),
    MoreCase(
        "description: see attached ACORD 101",
        "The remarks (AI, P&NC, notice) are on an attachment that did not come with the "
        "certificate: ask for it, do not reject for what it may hold.",
        (INCOMPLETE,),
        edits=(description("See attached ACORD 101 for additional remarks."),),
        checks={
            ("PRIMARY_NONCONTRIBUTORY", None): UNKNOWN,
            ("NOTICE_OF_CANCELLATION", None): UNKNOWN,
            ("AI_COMPLETED", GL): UNKNOWN,
        },
        words={"PRIMARY_NONCONTRIBUTORY": ("attachment",)},
    ),
    MoreCase(
        "description left empty",
        "Nothing says P&NC, completed operations or notice, and nothing points elsewhere.",
        (NON_COMPLIANT,),
        edits=(description(""),),
        checks={("PRIMARY_NONCONTRIBUTORY", None): FAIL},
    ),
    MoreCase(
        "follow-form umbrella, the adjective",
        "'Follow-form umbrella' says it follows form.",
        (COMPLIANT,),
        edits=(swap(FOLLOW_FORM_SENTENCE, "Umbrella is follow-form."),),
        checks={("UMB_FOLLOWS_FORM", UMB): PASS},
    ),
    MoreCase(
        "aggregate limits apply per project, the box left empty",
        "Said in words, the per-project aggregate is claimed.",
        (COMPLIANT,),
        edits=(
            row(GL_ROW, aggregate_applies_per=None),
            swap(WC_STATES_SENTENCE, f"{WC_STATES_SENTENCE} Aggregate limits apply per project."),
        ),
        checks={("GL_PER_PROJECT_AGGREGATE", GL): PASS},
    ),
    # --- Deductibles and retentions -----------------------------------------------------------
    MoreCase(
        "GL with a $25,000 deductible",
        "A deductible does not reduce the limits; the set says nothing of deductibles.",
        (COMPLIANT,),
        edits=(
            swap(WC_STATES_SENTENCE, f"{WC_STATES_SENTENCE} GL subject to a $25,000 deductible."),
        ),
    ),
    MoreCase(
        "umbrella with a $10,000 self-insured retention",
        "The usual umbrella retention; the set says nothing of retentions.",
        (COMPLIANT,),
        edits=(
            swap(
                WC_STATES_SENTENCE,
                f"{WC_STATES_SENTENCE} Umbrella self-insured retention $10,000.",
            ),
        ),
    ),
)


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


def test_the_table_is_large_and_varied() -> None:
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)
    assert {NON_COMPLIANT, INCOMPLETE, COMPLIANT} <= {s for c in CASES for s in c.expected}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thirty days' notice of cancellation.", 30),
        ("Thirty (30) days notice of cancellation.", 30),
        ("Notice of cancellation: forty-five days.", 45),
        ("30 day NOC except 10 days for non-payment.", 30),
        ("NOC: 10 days for nonpayment, sixty days otherwise.", 60),
    ],
)
def test_notice_days_in_words_and_as_noc(text: str, expected: int) -> None:
    notice = NOTICE_WORDING.search(text)
    assert notice is not None
    assert notice_days(text, notice) == expected


def test_noc_is_read_as_a_word_only() -> None:
    assert NOTICE_WORDING.search("30 days to the Nocturne Building") is None


@pytest.mark.parametrize(
    ("text", "retro", "tail"),
    [
        ("Retroactive date: January 1, 2015.", date(2015, 1, 1), None),
        ("Retro date 1 Sept 2019; tail of 3 years.", date(2019, 9, 1), 3),
        ("Retro: 05/01/26. Extended reporting period 36 months.", date(2026, 5, 1), 3),
        ("Retro date: none. 18 months ERP.", date.min, 1),
        ("Extended reporting period endorsement for 3 years.", None, 3),
        ("Retroactive date: February 30, 2015.", None, None),
    ],
)
def test_claims_made_terms_as_brokers_write_them(
    text: str, retro: date | None, tail: int | None
) -> None:
    assert claims_made_terms(text) == (retro, tail)


@pytest.mark.parametrize(
    ("text", "excluded"),
    [
        ("Officers excluded: J. Apex, President.", True),
        ("Owners/officers are excluded from workers compensation.", True),
        ("Excluded officers: J. Apex.", True),
        ("No officers excluded.", False),
        ("Officers are not excluded.", False),
        ("All partners and officers included.", False),
        ("WC covered states 3.A: PA.", None),
    ],
)
def test_owners_excluded_in_words(text: str, excluded: bool | None) -> None:
    assert owners_excluded_from(text) is excluded


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("Meridian Construction Group LLC", "Meridian Construction Group, L.L.C.", True),
        (
            "Meridian Construction Group LLC",
            "Meridian Construction Group Limited Liability Company",
            True,
        ),
        ("Meridian Construction Group LLC", "Meridian Construction Group LLC d/b/a Meridian", True),
        ("Harbor Point Owner LP", "Harbor Point Owner Limited Partnership", True),
        ("Apex Builders Inc.", "Apex Builders Incorporated", True),
        ("Meridian Construction Group LLC", "Meridian Construction Group Inc.", False),
        ("Meridian Construction Group LLC", "Meridian Builders", False),
        ("Meridian Construction Group LLC", "Meridian Construction Group", False),
    ],
)
def test_same_legal_name(left: str, right: str, same: bool) -> None:
    assert same_legal_name(left, right) is same
