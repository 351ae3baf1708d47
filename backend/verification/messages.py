"""Human sentences for checks. Built on demand (not while verifying) to keep the engine fast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Final

from backend.requirements.vocabulary import LIMIT_LABEL, LINE_CODE_PREFIX, LINE_LABEL
from backend.verification.checks import PASS, UNKNOWN, WAIVED, Check

_CLAIM_ONLY: Final = "claimed on certificate only"


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
    if check.found is None:
        return f"{label} is not shown or could not be read; the requirement is {required}."
    return f"{label} is {money(check.found)}; the requirement is {required}."


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
        return f"{subject} is required; no such endorsement was found."

    return sentence


def _line_endorsement_sentence(subject: str) -> Callable[[Check, str], str]:
    def sentence(check: Check, label: str) -> str:
        return _endorsement_sentence(f"{label} {subject}")(check)

    return sentence


def _forms_sentence(kind: str) -> Callable[[Check], str]:
    def sentence(check: Check) -> str:
        accepted = _text(check.expected)
        if check.outcome == PASS:
            return f"The {kind} additional insured form {_text(check.found)} is accepted."
        if check.outcome == UNKNOWN:
            return f"The {kind} additional insured form is not identified; accepted: {accepted}."
        return (
            f"The {kind} additional insured form is {_text(check.found)}; "
            f"the contract accepts only {accepted}."
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
        if found.get("undetermined"):
            parts.append(f"cannot tell (blanket or named unknown): {_text(found['undetermined'])}")
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
    "GL_PER_PROJECT_AGGREGATE": _endorsement_sentence(
        "General liability per-project aggregate (CG 25 03)"
    ),
}


def _present(check: Check, label: str) -> str:
    if check.outcome == PASS:
        return f"{label} is on the record."
    if check.outcome == UNKNOWN:
        return f"{label} is shown, but its policy dates could not be read."
    return f"{label} is required but not on the record."


def _policy_number(check: Check, label: str) -> str:
    if check.outcome == PASS:
        return f"{label} policy number is {check.found}."
    if check.found is None or not str(check.found).strip():
        return f"{label} has a blank policy number."
    return f"{label} policy number is {check.found!r}, which is not a policy number."


def _in_force(check: Check, label: str) -> str:
    if check.outcome == PASS:
        return f"{label} is in force on {_text(check.expected)} (term ends {_text(check.found)})."
    return (
        f"{label} is not in force on {_text(check.expected)}; "
        f"the latest term ends {_text(check.found)}."
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
    if check.outcome == PASS:
        return f"{label} insurer NAIC number is {check.found}."
    return f"{label} insurer has no valid NAIC number (found {_text(check.found)})."


def _rating(check: Check, label: str) -> str:
    if check.outcome == UNKNOWN:
        return (
            f"{label} insurer's A.M. Best rating is not in the rating table; "
            f"{_text(check.expected)} or better is required."
        )
    verb = "meets" if check.outcome == PASS else "is below"
    return f"{label} insurer is rated {check.found}, which {verb} the minimum {check.expected}."


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
        return f"{label} is claims-made without a retro date shown."
    verb = "precedes" if check.outcome == PASS else "is after"
    return f"{label} retro date {_text(check.found)} {verb} the work start {_text(check.expected)}."


def _tail(check: Check, label: str) -> str:
    if check.found is None:
        return f"{label} extended reporting period is unknown; {check.expected} years required."
    return f"{label} extended reporting period is {check.found} years; {check.expected} required."


def _any_auto(check: Check, label: str) -> str:
    if check.outcome == PASS:
        return f"{label} covers any auto."
    if check.found is None:
        return f"{label} covered autos are not shown; any auto is required."
    return f"{label} covers {_text(check.found)}, not any auto."


def _follows_form(check: Check, label: str) -> str:
    if check.outcome == PASS:
        return f"{label} follows form over the underlying policies."
    if check.outcome == UNKNOWN:
        return (
            f"{label} does not show whether it follows form over general, auto and "
            "employer's liability, as required."
        )
    return f"{label} does not follow form as required ({_text(check.found)})."


def _statutory(check: Check, label: str) -> str:
    if check.outcome == PASS:
        return f"{label} is at statutory limits."
    if check.outcome == UNKNOWN:
        return f"{label}: the statutory box is not marked."
    return f"{label} is not at statutory limits."


def _states(check: Check, label: str) -> str:
    if check.outcome == UNKNOWN:
        return f"{label} states are not shown; {_text(check.expected)} required."
    return f"{label} covers {_text(check.found)}; {_text(check.expected)} required."


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
}
