"""Human sentences for checks, written for the sub's bookkeeper: what is wrong, what was
expected and what was found, and what to ask the broker for. Built on demand (not while
verifying) to keep the engine fast.

Checks are read through the `Check` protocol below, so this module needs nothing of checks.py
(which calls it) but the outcome names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Final, Protocol

from backend.requirements.vocabulary import (
    LIMIT_LABEL,
    LINE_CODE_PREFIX,
    LINE_LABEL,
    MONOPOLISTIC_STATES,
)
from backend.verification.outcomes import FAIL, PASS, UNKNOWN, WAIVED

_CLAIM_ONLY: Final = "claimed on certificate only"
_UNREADABLE_LINE: Final = "line shown, dates unreadable"
_REMARKS_ATTACHED: Final = "remarks continue on an attachment not read"
_ATTACHMENT_ASK: Final = (
    " The certificate's remarks continue on an attachment (such as ACORD 101) that was not "
    "read: send it with the certificate, or ask your broker for it."
)
_EL_ON_WC_POLICY: Final = "employer's liability limits on the WC policy, no stop-gap endorsement"


class _Waiver(Protocol):
    @property
    def by(self) -> str: ...
    @property
    def expires_on(self) -> date: ...
    @property
    def reason(self) -> str: ...


class Check(Protocol):
    """What a sentence reads of a check (backend.verification.checks.Check)."""

    @property
    def code(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def line(self) -> str | None: ...
    @property
    def requirement(self) -> str: ...
    @property
    def expected(self) -> object: ...
    @property
    def found(self) -> object: ...
    @property
    def waiver(self) -> _Waiver | None: ...


# What to ask the broker for, per check code (or line-check suffix), when a check is not met.
_ASK: Final[dict[str, str]] = {
    "AI_ONGOING": "Ask your broker for the additional insured endorsement itself (CG 20 10, or "
    "a blanket form such as CG 20 38).",
    "AI_COMPLETED": "Ask your broker for CG 20 37, or a CG 20 10 edition that covers completed "
    "operations (11 85).",
    "AI_ONGOING_FORM": "Ask your broker for an endorsement on a form the contract accepts.",
    "AI_COMPLETED_FORM": "Ask your broker for an endorsement on a form the contract accepts.",
    "AI_ONGOING_PARTIES": "Ask your broker to name each party on the endorsement's schedule, or "
    "for a blanket form that reaches them (CG 20 38 reaches the owner and others above you).",
    "AI_COMPLETED_PARTIES": "Ask your broker to name each party on the completed-operations "
    "endorsement, or for a blanket form that reaches them.",
    "PRIMARY_NONCONTRIBUTORY": "Ask your broker for the primary and non-contributory "
    "endorsement (CG 20 01).",
    "NOTICE_OF_CANCELLATION": "Ask your broker for a notice-of-cancellation endorsement "
    "giving the days required.",
    "RED_FLAG_CONDITIONAL_WORDING": "Ask your broker for the additional insured endorsement "
    "the wording refers to, or to cite its form on the certificate.",
    "RED_FLAG_TO_BE_NAMED": "Ask your broker to name the party now.",
    "GL_PER_PROJECT_AGGREGATE": "Ask your broker for CG 25 03 (aggregate per project).",
    "CERTIFICATE_HOLDER_NAME": "Ask your broker to reissue the certificate to the exact name.",
    "AI_BOX_VS_DESCRIPTION": "Ask your broker for the additional insured endorsement, or a "
    "corrected certificate.",
    "WOS_BOX_VS_DESCRIPTION": "Ask your broker for the waiver of subrogation endorsement (CG 24 "
    "04 on general liability, CA 04 44 on auto, WC 00 03 13 on workers' compensation), or a "
    "corrected certificate.",
    "WC_OWNERS_COVERED": "Ask your broker to include owners and officers, or ask the general "
    "contractor for a waiver (sole proprietors).",
    "WC_STOP_GAP_EL": "Ask your broker for a stop-gap employer's liability endorsement on the "
    "general liability policy.",
    "WC_STATES": "Ask your broker to add the state to item 3.A of the policy and show it on "
    "the certificate.",
    "WAIVER_OF_SUBROGATION": "Ask your broker for the waiver of subrogation endorsement "
    "(CG 24 04 on general liability, CA 04 44 on auto, WC 00 03 13 on workers' compensation).",
    "POLICY_NUMBER": "Ask your broker for a certificate showing the policy number.",
    "EFFECTIVE_BY_WORK_START": "Ask your broker for a certificate of the term covering your "
    "start on site.",
    "NO_GAP": "Ask your broker for proof of coverage for the gap.",
    "THROUGH_CLOSEOUT": "Send the renewal certificate when the policy renews.",
    "EXPIRY_WINDOW": "Send the renewal certificate as soon as your broker issues it.",
    "INSURER_NAIC": "Ask your broker for a certificate showing the insurer's NAIC number.",
    "ANY_AUTO": 'Ask your broker for auto liability with "any auto" (symbol 1).',
    "FOLLOWS_FORM": "Ask your broker to confirm the umbrella follows form over general, auto and "
    "employer's liability.",
    "RETRO_DATE": "Ask your broker for the policy's retroactive date.",
    "TAIL": "Ask your broker to confirm the extended reporting period (tail), or that the "
    "policy will be renewed without a break for the years required.",
    "OCCURRENCE_BASIS": "Ask your broker for an occurrence-basis policy.",
    "STATUTORY": "Ask your broker for a certificate with the statutory box marked.",
    "PRESENT": "Ask your broker for a certificate showing this line.",
}


# The same advice addressed to the broker, who reads the sub's gaps on its own pages (the
# broker's home page, an engagement seen through the sub's grant) and in the sub's forwarded
# e-mail: the broker IS "your broker", so it is told what the general contractor asks for.
# Verdicts keep the bookkeeper's wording (the sub and the GC read it); only its reading for a
# broker changes, phrase by phrase, longest first so a phrase is not cut by a shorter one.
_TO_BROKER: Final[tuple[tuple[str, str], ...]] = (
    (", or ask your broker for it.", "."),
    (
        "Send the renewal certificate as soon as your broker issues it.",
        "Send the renewal certificate as soon as it is issued.",
    ),
    ("Ask your broker for ", "The general contractor asks for "),
    ("Ask your broker to ", "The general contractor asks you to "),
    ("Ask your broker ", "The general contractor asks "),
    (
        ", or ask the general contractor for a waiver",
        ", or the sub may ask the general contractor for a waiver",
    ),
    ("ask your broker for ", "the general contractor asks for "),
)


def addressed_to_broker(message: str) -> str:
    """A check's message as a broker reads it: no "Ask your broker" to the broker itself."""
    for phrase, for_broker in _TO_BROKER:
        message = message.replace(phrase, for_broker)
    return message


def _ask(check: Check) -> str:
    """The request to the broker, when the check is not met."""
    if check.outcome not in (FAIL, UNKNOWN):
        return ""
    code = check.code
    # A short limit says what it needs in its own sentence (contracts/verify-json.md).
    ask = _ASK.get(code) or _ASK.get(code.split("_", 1)[1] if "_" in code else code)
    return "" if ask is None else " " + ask


def money(amount: object) -> str:
    """$1,000,000 for 1000000; anything else as text."""
    if isinstance(amount, int) and not isinstance(amount, bool):
        return f"${amount:,}"
    return "nothing" if amount is None else str(amount)


def _text(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(item) for item in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def describe(check: Check) -> str:
    sentence = _sentence(check)
    if sentence.endswith(".."):  # a name ending in a full stop ("N.A.") closes the sentence
        sentence = sentence[:-1]
    sentence += _ask(check)
    if check.outcome == WAIVED and check.waiver is not None:
        waiver = check.waiver
        sentence += f" Waived by {waiver.by} until {waiver.expires_on.isoformat()}: {waiver.reason}"
    return sentence


def _sentence(check: Check) -> str:
    code = check.code
    if code.endswith("_MIN"):
        return _limit_sentence(check)
    handler = _RECORD_SENTENCES.get(code)
    if handler is not None:
        return handler(check)
    suffix = code.split("_", 1)[1]
    line_handler = _LINE_SENTENCES.get(suffix)
    if line_handler is not None:
        return line_handler(check, LINE_LABEL.get(check.line or "", "The line"))
    return f"{check.requirement}: expected {_text(check.expected)}, found {_text(check.found)}."


def _limit_sentence(check: Check) -> str:
    line = check.line or ""
    prefix = LINE_CODE_PREFIX.get(line, "")
    kind = check.code[len(prefix) + 1 : -len("_MIN")].lower()
    line_label = "Workers' compensation" if line == "workers_compensation" else LINE_LABEL.get(line)
    label = f"{line_label or line} {LIMIT_LABEL.get(kind, kind.replace('_', ' '))}"
    required = money(check.expected)
    found = check.found
    if isinstance(found, dict):
        detail = _limit_detail(label, found, required, check.outcome)
        if check.outcome in (FAIL, UNKNOWN) and "Ask your broker" not in detail:
            detail += f" Ask your broker for a certificate showing at least {required}."
        return detail
    if found is None:
        return (
            f"{label} is not shown or could not be read; the requirement is {required}. Ask "
            "your broker for a certificate showing it."
        )
    # The contract's own example (contracts/verify-json.md): found and required, no more.
    return f"{label} is {money(found)}; the requirement is {required}."


def _limit_detail(label: str, found: dict[str, object], required: str, outcome: str) -> str:
    if "included_in" in found:
        within = LIMIT_LABEL.get(str(found["included_in"]), str(found["included_in"]))
        if found.get("amount") is None:
            return (
                f"{label} is shown as Included (within the {within}, which is not shown); "
                f"the requirement is {required}."
            )
        return (
            f"{label} is shown as Included, within the {within} of {money(found['amount'])}; "
            f"the requirement is {required}."
        )
    if "bodily_injury_per_person" in found:
        return (
            f"{label}: the policy shows split limits instead, bodily injury "
            f"{money(found.get('bodily_injury_per_person'))} per person and "
            f"{money(found.get('bodily_injury_per_accident'))} per accident, property damage "
            f"{money(found.get('property_damage'))}; each must be at least {required}."
        )
    if "primary" in found:
        split = found.get("primary_split")
        primary = money(found["primary"])
        if isinstance(split, dict):
            primary = (
                f"{money(found['primary'])} (the lowest of its split limits: bodily injury "
                f"{money(split.get('bodily_injury_per_person'))} per person, "
                f"{money(split.get('bodily_injury_per_accident'))} per accident, property "
                f"damage {money(split.get('property_damage'))})"
            )
        sums = f"primary {primary} + umbrella {money(found['umbrella'])} = {money(found['total'])}"
        if outcome == PASS:
            return f"{label}: {sums}, at least the {required} required (limits combined)."
        if "umbrella_ends" in found:
            return (
                f"{label}: {sums} would meet the {required} required, but the umbrella ends "
                f"{_text(found['umbrella_ends'])}, before the line's term; it cannot count. "
                "Ask your broker for the umbrella's renewal certificate, or a primary limit of "
                f"at least {required}."
            )
        if found.get("follows_form") is None and "follows_form" in found:
            return (
                f"{label}: {sums} would meet the {required} required if the umbrella follows "
                "form over this line, which the certificate does not say. Ask your broker to "
                "confirm the umbrella follows form over it."
            )
        if found.get("follows_form") is False:
            return (
                f"{label}: the umbrella does not follow form over this line, so only the "
                f"primary {primary} counts; the requirement is {required}. Ask your broker for "
                f"a primary limit of at least {required}, or an umbrella that follows form."
            )
        return (
            f"{label}: {sums}, below the {required} required even with the umbrella. Ask your "
            "broker for higher limits."
        )
    return f"{label} is {_text(found)}; the requirement is {required}."


def _endorsement_sentence(subject: str) -> Callable[[Check], str]:
    def sentence(check: Check) -> str:
        if check.outcome == PASS:
            if check.found == _CLAIM_ONLY:
                return f"{subject}: claimed on the certificate, accepted without the endorsement."
            return f"{subject}: {_text(check.found)}."
        if check.found == _CLAIM_ONLY:
            return (
                f"{subject} is claimed on the certificate, but the endorsement is not on file; "
                "a certificate is evidence, not coverage."
            )
        if check.found == _UNREADABLE_LINE:
            return (
                f"{subject} cannot be judged: the line is on the certificate but its policy "
                "dates could not be read."
            )
        if check.found == _REMARKS_ATTACHED:
            return f"{subject} is not shown on the certificate's page.{_ATTACHMENT_ASK}"
        if isinstance(check.found, str):
            return (
                f"{subject} is required; the record has {check.found}, which covers ongoing "
                "operations only."
            )
        return f"{subject} is required; no such endorsement was found."

    return sentence


def _line_endorsement_sentence(subject: str) -> Callable[[Check, str], str]:
    def sentence(check: Check, label: str) -> str:
        return _endorsement_sentence(f"{label} {subject}")(check)

    return sentence


def _forms_sentence(kind: str) -> Callable[[Check], str]:
    def sentence(check: Check) -> str:
        accepted = _text(check.expected)
        return _said(
            check,
            f"The {kind} additional insured form {_text(check.found)} is accepted.",
            f"The {kind} additional insured form is not identified; accepted: {accepted}.",
            f"The {kind} additional insured form is {_text(check.found)}; "
            f"the contract accepts only {accepted}.",
        )

    return sentence


def _parties_sentence(kind: str) -> Callable[[Check], str]:
    def sentence(check: Check) -> str:
        if check.outcome == PASS:
            return f"Additional insured for {kind} operations covers {_text(check.expected)}."
        found = check.found if isinstance(check.found, dict) else {}
        parts = []
        if found.get("not_covered"):
            parts.append(f"not covered: {_text(found['not_covered'])}")
        if found.get("direct_contract_only"):
            parts.append(
                f"{_text(found['direct_contract_only'])} reaches only the party you contract "
                "with directly"
            )
        if found.get("undetermined"):
            parts.append(
                "the endorsement does not show whether it is blanket or names "
                f"{_text(found['undetermined'])}"
            )
        detail = "; ".join(parts) or "parties not determined"
        return f"Additional insured for {kind} operations must cover each party; {detail}."

    return sentence


def _line_name(check: Check) -> str:
    return LINE_LABEL.get(check.line or "", "The")


def _holder(check: Check) -> str:
    if check.found is None:
        return f"The certificate names no holder; the contract names {_text(check.expected)}."
    if check.outcome == PASS:
        return f"The certificate holder is {_text(check.found)}, as the contract names."
    return (
        f"The certificate holder is {_text(check.found)}; the contract names "
        f"{_text(check.expected)} (the exact legal entity, suffix included)."
    )


def _notice(check: Check) -> str:
    required = f"{check.expected} days' notice of cancellation"
    if check.outcome == PASS:
        return f"Notice of cancellation is {_text(check.found)} days; {required} is required."
    if check.found == _CLAIM_ONLY:
        return (
            f"Notice of cancellation is claimed on the certificate, but no endorsement is on "
            f"file; {required} is required."
        )
    if check.found == _REMARKS_ATTACHED:
        return f"Notice of cancellation is not shown; {required} is required.{_ATTACHMENT_ASK}"
    if check.outcome == UNKNOWN:
        return f"The notice-of-cancellation endorsement does not state its days; {required}."
    if check.found is None:
        return f"No notice-of-cancellation endorsement was found; {required} is required."
    return f"Notice of cancellation is {_text(check.found)} days; {required} is required."


def _conditional(check: Check) -> str:
    if check.found is None:
        return "No conditional wording was found."
    if check.outcome == PASS:
        return (
            f'The wording "{check.found}" is backed by an additional insured endorsement on file.'
        )
    return (
        f'The certificate says "{check.found}": conditional wording is not coverage without the '
        "endorsement itself."
    )


def _box_vs_description(check: Check) -> str:
    if check.outcome == PASS:
        if check.found == "box marked":
            return "The ADDL INSD box and the description agree on the additional insured."
        return "The additional insured endorsement is on file, whatever the ADDL INSD box shows."
    return (
        "The description says there is an additional insured, but the ADDL INSD box for "
        "general liability is not marked; the certificate contradicts itself."
    )


def _waiver_box_vs_description(check: Check) -> str:
    label = LINE_LABEL.get(check.line or "", "The line")
    if check.outcome == PASS:
        return (
            f"{label}: the waiver of subrogation endorsement is on file, whatever the SUBR WVD "
            "box shows."
        )
    return (
        f"The description says the waiver of subrogation applies to {label.lower()}, but that "
        "line's SUBR WVD box is not marked; the certificate contradicts itself."
    )


def _to_be_named(check: Check) -> str:
    if check.found is None:
        return "No party is left to be named."
    return f'The wording "{check.found}" leaves a party unnamed; each party must be named now.'


def _record(check: Check) -> str:
    return "There is no record of insurance for this sub yet; nothing can be verified."


_RECORD_SENTENCES: Final[dict[str, Callable[[Check], str]]] = {
    "RECORD_PRESENT": _record,
    "CERTIFICATE_HOLDER_NAME": _holder,
    "AI_ONGOING": lambda check: _endorsement_sentence(
        f"{_line_name(check)} additional insured for ongoing operations"
    )(check),
    "AI_COMPLETED": lambda check: _endorsement_sentence(
        f"{_line_name(check)} additional insured for completed operations"
    )(check),
    "AI_ONGOING_FORM": _forms_sentence("ongoing-operations"),
    "AI_COMPLETED_FORM": _forms_sentence("completed-operations"),
    "AI_ONGOING_PARTIES": _parties_sentence("ongoing"),
    "AI_COMPLETED_PARTIES": _parties_sentence("completed"),
    "PRIMARY_NONCONTRIBUTORY": _endorsement_sentence("Primary and non-contributory wording"),
    "NOTICE_OF_CANCELLATION": _notice,
    "RED_FLAG_CONDITIONAL_WORDING": _conditional,
    "RED_FLAG_TO_BE_NAMED": _to_be_named,
    "AI_BOX_VS_DESCRIPTION": _box_vs_description,
    "WOS_BOX_VS_DESCRIPTION": _waiver_box_vs_description,
    "GL_PER_PROJECT_AGGREGATE": _endorsement_sentence(
        "General liability per-project aggregate (CG 25 03)"
    ),
}


def _said(check: Check, passed: str, unknown: str, failed: str) -> str:
    """The sentence for the check's outcome: passed, unknown, or (failed, waived) not met."""
    if check.outcome == PASS:
        return passed
    if check.outcome == UNKNOWN:
        return unknown
    return failed


def _state_fund(check: Check) -> bool:
    """A passed insurer check whose insurer is a state fund (found "state fund (name)"): it
    has no NAIC number and no A.M. Best rating, and needs neither."""
    return (
        check.outcome == PASS and isinstance(check.found, str) and check.found.startswith("state")
    )


def _present(check: Check, label: str) -> str:
    return _said(
        check,
        f"{label} is on the record.",
        f"{label} is shown, but its policy dates could not be read.",
        f"{label} is required but not on the record.",
    )


def _policy_number(check: Check, label: str) -> str:
    if check.outcome == PASS:
        return f"{label} policy number is {check.found}."
    if check.found is None or not str(check.found).strip():
        return f"{label} has a blank policy number."
    return f"{label} policy number is {check.found!r}, which is not a policy number."


def _in_force(check: Check, label: str) -> str:
    if check.outcome == PASS:
        return f"{label} is in force on {_text(check.expected)} (term ends {_text(check.found)})."
    day, found = check.expected, check.found
    if isinstance(day, date) and isinstance(found, date) and found > day:
        return (
            f"{label} has not started yet: its term starts {_text(found)}, after "
            f"{_text(day)}, the day coverage is needed. Ask your broker for proof of coverage "
            f"from {_text(day)}, or move the start on site to {_text(found)}."
        )
    return (
        f"{label} is not in force on {_text(day)}: its term ended {_text(found)}. Ask your "
        "broker for the renewal certificate."
    )


def _work_start(check: Check, label: str) -> str:
    verb = "covers" if check.outcome == PASS else "does not cover"
    return (
        f"{label} {verb} the work start {_text(check.expected)} "
        f"(earliest term starts {_text(check.found)})."
    )


def _no_gap(check: Check, label: str) -> str:
    if check.outcome == PASS:
        return f"{label} terms follow one another without a gap."
    return f"{label} coverage has a gap from {_text(check.found)}."


def _through_closeout(check: Check, label: str) -> str:
    verb = "reaches" if check.outcome == PASS else "does not reach"
    return (
        f"{label} continuous coverage ends {_text(check.found)} and {verb} project end plus "
        f"close-out, {_text(check.expected)}."
    )


def _expiry_window(check: Check, label: str) -> str:
    if check.outcome == PASS:
        return f"{label} coverage lasts until {_text(check.found)}, beyond the expiring window."
    return (
        f"{label} coverage ends {_text(check.found)}, within the expiring window "
        f"(to {_text(check.expected)}); a renewal is due."
    )


def _naic(check: Check, label: str) -> str:
    if _state_fund(check):
        return f"{label} insurer is the {check.found}: a state fund shows no NAIC number."
    return _said(
        check,
        f"{label} insurer NAIC number is {check.found}.",
        f"{label} insurer's NAIC number is not shown; a five-digit NAIC number is required.",
        f"{label} insurer has no valid NAIC number (found {_text(check.found)}).",
    )


def _rating(check: Check, label: str) -> str:
    # The ask differs by outcome (send the rating vs move the line), so it is said here, not
    # in _ASK: a bookkeeper must know which of the two the general contractor wants.
    if check.outcome == UNKNOWN:
        return (
            f"{label} insurer's A.M. Best rating is not in the rating table; "
            f"{_text(check.expected)} or better is required. Ask your broker for the insurer's "
            "A.M. Best rating and financial size class."
        )
    if _state_fund(check):
        return f"{label} insurer is the {check.found}, which A.M. Best does not rate."
    if check.outcome == PASS:
        return f"{label} insurer is rated {check.found}, which meets the minimum {check.expected}."
    return (
        f"{label} insurer is rated {check.found}, which is below the minimum {check.expected}. "
        f"Ask your broker to place this line with an insurer rated {check.expected} or better."
    )


def _surplus(check: Check, label: str) -> str:
    if check.outcome == PASS:
        return f"{label} insurer is an admitted carrier."
    return f"{label} insurer is a surplus-lines carrier."


def _basis(check: Check, label: str) -> str:
    if check.outcome == UNKNOWN:
        return f"{label} basis (occurrence or claims-made) is not shown."
    if check.outcome == PASS:
        basis = "an occurrence" if check.found == "occurrence" else "a claims-made"
        return f"{label} is written on {basis} basis."
    return f"{label} is claims-made; the requirement is {_text(check.expected)}."


def _retro(check: Check, label: str) -> str:
    if check.found is None:
        return (
            f"{label} is claims-made, and its retroactive date is not shown; it must be on or "
            f"before the first work, {_text(check.expected)}."
        )
    if check.found == date.min:
        return f"{label} is claims-made with full prior acts (no retroactive date)."
    if check.outcome == PASS:
        return (
            f"{label} retroactive date {_text(check.found)} is on or before the first work, "
            f"{_text(check.expected)}."
        )
    return (
        f"{label} retroactive date {_text(check.found)} is after the first work, "
        f"{_text(check.expected)}: claims from earlier work are not covered."
    )


def _tail(check: Check, label: str) -> str:
    if check.found is None:
        return (
            f"{label} is claims-made and no extended reporting period (tail) is shown; "
            f"{check.expected} years are required."
        )
    if isinstance(check.found, str):
        # Completed-operations phase: the renewal in force keeps the retro date (coverage.py).
        return (
            f"{label} is claims-made and renewed without a tail: the {check.found} keeps the "
            f"finished work covered in place of the {check.expected}-year tail."
        )
    return f"{label} extended reporting period is {check.found} years; {check.expected} required."


def _any_auto(check: Check, label: str) -> str:
    if check.outcome == PASS:
        if isinstance(check.found, list) and "any_auto" not in check.found:
            return f"{label} covers owned, hired and non-owned autos, which together are any auto."
        return f"{label} covers any auto."
    if check.found is None:
        return f"{label} covered autos are not shown; any auto is required."
    return f"{label} covers {_text(check.found)}, not any auto."


def _follows_form(check: Check, label: str) -> str:
    return _said(
        check,
        f"{label} follows form over the underlying policies.",
        f"{label} does not show whether it follows form over general, auto and "
        "employer's liability, as required.",
        f"{label} does not follow form as required ({_text(check.found)}).",
    )


def _statutory(check: Check, label: str) -> str:
    return _said(
        check,
        f"{label} is at statutory limits.",
        f"{label}: the statutory box is not marked.",
        f"{label} is not at statutory limits.",
    )


def _states(check: Check, label: str) -> str:
    if check.outcome == UNKNOWN:
        return (
            f"{label}: the certificate does not show which states the policy covers (item 3.A); "
            f"{_text(check.expected)} required."
        )
    if check.outcome == PASS:
        return f"{label} covers {_text(check.expected)}, as required."
    found = check.found
    shown = _text(found) if not isinstance(found, list) or len(found) <= 8 else "other states"
    monopolistic = [s for s in _listed(check.expected) if s in MONOPOLISTIC_STATES]
    note = ""
    if monopolistic:
        note = (
            f" {', '.join(monopolistic)} insures workers' compensation only through its state "
            "fund: a certificate from the state fund is needed."
        )
    return f"{label} covers {shown}, not {_missing(check)}, which the project requires.{note}"


def _listed(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, (list, tuple)) else []


def _missing(check: Check) -> str:
    covered = set(_listed(check.found))
    missing = [state for state in _listed(check.expected) if state not in covered]
    return ", ".join(missing) or _text(check.expected)


def _owners(check: Check, label: str) -> str:
    if check.outcome == UNKNOWN:
        return (
            f"{label}: the owners/officers excluded box is not marked either way; owners are "
            "taken as covered."
        )
    if check.outcome == PASS:
        if check.found:
            return f"{label} excludes owners or officers, which the requirement allows."
        return f"{label} does not exclude owners or officers."
    return (
        f"{label} excludes owners, partners or officers (the box is marked Y), so they are not "
        "covered; the requirement is that they are."
    )


def _stop_gap(check: Check, label: str) -> str:
    state = _text(check.expected)
    if check.outcome == PASS:
        return (
            f"Stop-gap employer's liability for the project's state, {state}, is on file on the "
            "general liability policy."
        )
    if check.found == _CLAIM_ONLY:
        return (
            f"Stop-gap employer's liability for the project's state, {state}, is claimed on the "
            "certificate, but the endorsement on the general liability policy is not on file."
        )
    if check.found == _REMARKS_ATTACHED:
        return (
            f"The project's state, {state}, is monopolistic: employer's liability there comes "
            "from a stop-gap endorsement on the general liability policy, not shown on the "
            f"certificate's page.{_ATTACHMENT_ASK}"
        )
    if check.found == _EL_ON_WC_POLICY:
        return (
            f"The project's state, {state}, is monopolistic: workers' compensation there comes "
            "from the state fund, which carries no employer's liability. The certificate shows "
            "employer's liability limits on the workers' compensation policy, but no stop-gap "
            "endorsement on the general liability policy was found; expected: the stop-gap "
            "endorsement."
        )
    return (
        f"The project's state, {state}, is monopolistic: its state fund carries no employer's "
        "liability, and no stop-gap employer's liability endorsement on the general liability "
        "policy was found."
    )


_LINE_SENTENCES: Final[dict[str, Callable[[Check, str], str]]] = {
    "PRESENT": _present,
    "POLICY_NUMBER": _policy_number,
    "IN_FORCE": _in_force,
    "EFFECTIVE_BY_WORK_START": _work_start,
    "NO_GAP": _no_gap,
    "THROUGH_CLOSEOUT": _through_closeout,
    "EXPIRY_WINDOW": _expiry_window,
    "INSURER_NAIC": _naic,
    "INSURER_RATING": _rating,
    "INSURER_SURPLUS_LINES": _surplus,
    "WAIVER_OF_SUBROGATION": _line_endorsement_sentence("waiver of subrogation"),
    "OCCURRENCE_BASIS": _basis,
    "RETRO_DATE": _retro,
    "TAIL": _tail,
    "ANY_AUTO": _any_auto,
    "FOLLOWS_FORM": _follows_form,
    "STATUTORY": _statutory,
    "STATES": _states,
    "OWNERS_COVERED": _owners,
    "STOP_GAP_EL": _stop_gap,
}
