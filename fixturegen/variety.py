"""Value variety seen on certificates from agency systems and carriers' own systems.

Real issuers print the same values differently: limits without thousands separators, the
sender's account number typed on the holder box's first line above the name, a template's
holder placeholders (and its "MM/DD/YYYY" in the DATE box) left printed when nobody filled the
box in, and the insured's trade name ("DBA ...") under its legal name. Each family that models
such issuers applies this to its plan; `expected` keeps saying what a person reads on the page.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from fixturegen import wordlists as words
from fixturegen.documents import AcordPlan, JSONDict, with_replaced_style


@dataclass(frozen=True)
class VarietyRates:
    """How often each oddity shows on one document of a family."""

    bare_digit_limits: float
    placeholder_holder: float
    account_line: float  # of the documents whose holder is filled in
    dba: float
    # The DATE box left with the template's "MM/DD/YYYY" (current layouts only).
    date_placeholder: float = 0.0


# The layouts whose holder and insured boxes can show these oddities: the 2001/08 drawing
# prints its holder and insured lines its own way and has no room for them.
_HOLDER_VARIETY_LAYOUTS = ("current_a", "current_b", "digital_c", "livecycle_2014")


def vary_as_in_life(
    rng: random.Random, plan: AcordPlan, rates: VarietyRates
) -> tuple[AcordPlan, str | None]:
    """The plan with this document's oddities chosen; also the trade name printed, if any.

    The draws happen in the same order whatever the layout, so a document's other values do
    not depend on whether its layout can show the oddity."""
    plan = with_replaced_style(plan, money_commas=rng.random() >= rates.bare_digit_limits)
    can_show = plan.layout in _HOLDER_VARIETY_LAYOUTS
    if rng.random() < rates.placeholder_holder:
        if can_show:
            plan.options.holder_placeholders = True
            plan.options.holder_visible = False
    elif rng.random() < rates.account_line and can_show:
        plan.options.holder_account = f"Acct #: {rng.randint(100_000, 9_999_999)}"
    dba = None
    if rng.random() < rates.dba and not plan.cert.insured.address.line_two:
        dba = f"DBA {rng.choice(words.SURNAMES)} {rng.choice(words.TRADES)}"
        if can_show:
            plan.options.insured_dba = dba
        else:
            dba = None
    # Drawn only where a family asks for it, so earlier families keep their bytes.
    if rates.date_placeholder and rng.random() < rates.date_placeholder and can_show:
        plan.options.date_placeholder = True
    return plan, dba


def note_dba(entry: JSONDict, dba: str | None) -> JSONDict:
    """A person reads a printed trade name as the insured's second name line."""
    if dba is not None and entry.get("expected") is not None:
        entry["expected"]["insured"]["name_line_2"] = dba
    return entry
