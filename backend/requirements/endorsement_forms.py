"""What the common ISO endorsement forms do, edition by edition, as data.

A reviewer judges an endorsement by its form and edition: CG 20 10 11 85 covers the additional
insured for "your work", completed operations included, while the 10 01 and later editions of
CG 20 10 stop at ongoing operations and need CG 20 37 beside them. The engine reads this table
rather than knowing form numbers in its code; ENDORSEMENTS.md beside this file shows it as a
table for people.

Each entry: the form, its edition (None: what every edition of the form does, used when the
edition is unknown or not listed), what it grants (`grants`: endorsement kinds of
backend.verification.record, spelled here as plain strings), whether it is blanket (True: any
party the written contract requires; False: the parties on its schedule), who qualifies, the
line it amends, and its known limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

ONGOING: Final = "additional_insured_ongoing"
COMPLETED: Final = "additional_insured_completed"
PRIMARY_NONCONTRIBUTORY: Final = "primary_noncontributory"
WAIVER_OF_SUBROGATION: Final = "waiver_of_subrogation"
PER_PROJECT_AGGREGATE: Final = "per_project_aggregate"
PER_LOCATION_AGGREGATE: Final = "per_location_aggregate"
STOP_GAP: Final = "stop_gap_employers_liability"

# Who an additional-insured form makes an insured.
SCHEDULED: Final = "scheduled"  # the persons or organisations named on its schedule
DIRECT: Final = "direct_contract"  # parties the insured contracts with directly, when required
CHAIN: Final = "contract_chain"  # also parties above them (owner, lender) the contract requires

_CAUSED_BY: Final = 'only injury "caused, in whole or in part, by your acts or omissions"'
_NO_BROADER: Final = "no broader than the written contract requires"
_LESSER_LIMIT: Final = "limits are the lesser of those the contract requires and the policy's"

GL: Final = "general_liability"
AUTO: Final = "auto_liability"
WC: Final = "workers_compensation"


@dataclass(frozen=True, slots=True)
class FormInfo:
    form: str
    edition: str | None
    grants: tuple[str, ...]
    line: str
    blanket: bool | None = None
    qualifies: str | None = None
    limits: tuple[str, ...] = ()
    title: str = ""

    @property
    def label(self) -> str:
        return self.form if self.edition is None else f"{self.form} {self.edition}"


FORMS: Final[tuple[FormInfo, ...]] = (
    # Scheduled additional insured, owners, lessees or contractors.
    FormInfo(
        "CG 20 10",
        "11 85",
        (ONGOING, COMPLETED),
        GL,
        False,
        SCHEDULED,
        (),
        'additional insured for "your work", ongoing and completed operations',
    ),
    FormInfo("CG 20 10", "10 01", (ONGOING,), GL, False, SCHEDULED, (), "ongoing operations"),
    FormInfo(
        "CG 20 10", "07 04", (ONGOING,), GL, False, SCHEDULED, (_CAUSED_BY,), "ongoing operations"
    ),
    FormInfo(
        "CG 20 10",
        "04 13",
        (ONGOING,),
        GL,
        False,
        SCHEDULED,
        (_CAUSED_BY, _NO_BROADER, _LESSER_LIMIT),
        "ongoing operations",
    ),
    FormInfo(
        "CG 20 10",
        "12 19",
        (ONGOING,),
        GL,
        False,
        SCHEDULED,
        (_CAUSED_BY, _NO_BROADER, _LESSER_LIMIT),
        "ongoing operations",
    ),
    # Unknown edition: the later editions are the ones in use, so ongoing operations only.
    FormInfo("CG 20 10", None, (ONGOING,), GL, False, SCHEDULED, (), "ongoing operations"),
    # Scheduled additional insured, completed operations.
    FormInfo("CG 20 37", "10 01", (COMPLETED,), GL, False, SCHEDULED, (), "completed operations"),
    FormInfo(
        "CG 20 37",
        "07 04",
        (COMPLETED,),
        GL,
        False,
        SCHEDULED,
        (_CAUSED_BY,),
        "completed operations",
    ),
    FormInfo(
        "CG 20 37",
        "04 13",
        (COMPLETED,),
        GL,
        False,
        SCHEDULED,
        (_CAUSED_BY, _NO_BROADER, _LESSER_LIMIT),
        "completed operations",
    ),
    FormInfo(
        "CG 20 37",
        "12 19",
        (COMPLETED,),
        GL,
        False,
        SCHEDULED,
        (_CAUSED_BY, _NO_BROADER, _LESSER_LIMIT),
        "completed operations",
    ),
    FormInfo("CG 20 37", None, (COMPLETED,), GL, False, SCHEDULED, (), "completed operations"),
    # Blanket ("automatic status") forms.
    FormInfo(
        "CG 20 33",
        None,
        (ONGOING,),
        GL,
        True,
        DIRECT,
        (_CAUSED_BY,),
        "automatic status when required in a construction agreement with you (direct only)",
    ),
    FormInfo(
        "CG 20 38",
        None,
        (ONGOING,),
        GL,
        True,
        CHAIN,
        (_CAUSED_BY, _NO_BROADER),
        "automatic status for other parties (owner, lender) when the contract requires it",
    ),
    FormInfo(
        "CG 20 26",
        None,
        (ONGOING,),
        GL,
        False,
        SCHEDULED,
        (_CAUSED_BY,),
        "designated person or organisation",
    ),
    FormInfo("CA 20 48", None, (ONGOING,), AUTO, False, SCHEDULED, (), "designated insured, auto"),
    FormInfo("CG 20 01", None, (PRIMARY_NONCONTRIBUTORY,), GL, title="primary and noncontributory"),
    FormInfo("CG 24 04", None, (WAIVER_OF_SUBROGATION,), GL, title="waiver of subrogation, GL"),
    FormInfo("CA 04 44", None, (WAIVER_OF_SUBROGATION,), AUTO, title="waiver of subrogation, auto"),
    FormInfo("WC 00 03 13", None, (WAIVER_OF_SUBROGATION,), WC, title="waiver of subrogation, WC"),
    FormInfo(
        "CG 25 03", None, (PER_PROJECT_AGGREGATE,), GL, title="designated construction project"
    ),
    FormInfo("CG 25 04", None, (PER_LOCATION_AGGREGATE,), GL, title="designated location"),
    FormInfo("CG 04 42", None, (STOP_GAP,), GL, title="stop gap, employer's liability"),
)

_BY_LABEL: Final = {(info.form, info.edition): info for info in FORMS}


def form_info(form: str | None, edition: str | None) -> FormInfo | None:
    """The entry of a form at an edition, else the form's entry for any edition, else None."""
    if form is None:
        return None
    return _BY_LABEL.get((form, edition)) or _BY_LABEL.get((form, None))


def grants(form: str | None, edition: str | None, kind: str) -> bool:
    info = form_info(form, edition)
    return info is not None and kind in info.grants


def never_grants(form: str | None, edition: str | None, kind: str) -> bool:
    """The form surely does not grant `kind`: its entry does not, and either the edition is
    listed or no edition of the form does (CG 20 10 with its edition unknown might be 11 85,
    which covers completed operations). False for a form the table does not know."""
    info = form_info(form, edition)
    if info is None or kind in info.grants:
        return False
    return info.edition is not None or kind not in _GRANTED_BY_SOME_EDITION[info.form]


# What any edition of each form grants, for never_grants on an edition that is not listed.
_GRANTED_BY_SOME_EDITION: Final[dict[str, frozenset[str]]] = {
    form: frozenset(kind for entry in FORMS if entry.form == form for kind in entry.grants)
    for form in {entry.form for entry in FORMS}
}
