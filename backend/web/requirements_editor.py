"""The requirement-set editor's form: the fields a contract admin changes most (required
lines, minimum limits, endorsements, insurer floor) laid over the stored JSON body. Fields the
form does not show are kept as they were; the codec then refuses anything contradictory."""

from __future__ import annotations

import copy
from typing import Any, Final

from backend.requirements.vocabulary import LIMIT_KINDS, LIMIT_LABEL, LINE_LABEL, REQUIRABLE_LINES
from backend.web.forms import FormData, checked, optional_amount, text

LINE_FLAGS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "general_liability": (
        ("waiver_of_subrogation", "Waiver of subrogation"),
        ("per_project_aggregate", "Per-project aggregate (CG 25 03)"),
    ),
    "auto_liability": (
        ("waiver_of_subrogation", "Waiver of subrogation"),
        ("any_auto", "Covers any auto"),
    ),
    "umbrella": (("follows_form", "Follows form over GL, auto and EL"),),
    "workers_compensation": (("waiver_of_subrogation", "Waiver of subrogation"),),
}
RATINGS: Final = ("", "A++", "A+", "A", "A-", "B++", "B+", "B")
SIZE_CLASSES: Final = ("", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV")
SEVERITIES: Final = ("off", "warning", "blocking")


def editor_lines(body: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per requirable line for the template: required?, limits, flags."""
    lines = body.get("lines") or {}
    result = []
    for line in REQUIRABLE_LINES:
        current = lines.get(line) or {}
        limits = current.get("limits") or {}
        result.append(
            {
                "line": line,
                "label": LINE_LABEL[line],
                "required": line in lines,
                "limits": [(k, LIMIT_LABEL.get(k, k), limits.get(k)) for k in LIMIT_KINDS[line]],
                "flags": [(k, label, bool(current.get(k))) for k, label in LINE_FLAGS[line]],
                "states": ", ".join(current.get("states") or []),
            }
        )
    return result


def body_from_form(previous: dict[str, Any], form: FormData) -> dict[str, Any]:
    body = copy.deepcopy(previous)
    lines: dict[str, Any] = {}
    for line in REQUIRABLE_LINES:
        if not checked(form, f"{line}-required"):
            continue
        current = copy.deepcopy((previous.get("lines") or {}).get(line) or {})
        limits = {}
        for kind in LIMIT_KINDS[line]:
            label = f"{LINE_LABEL[line]}: {LIMIT_LABEL.get(kind, kind)}"
            amount = optional_amount(form, f"{line}-limit-{kind}", label)
            if amount is not None:
                limits[kind] = amount
        current["limits"] = limits
        for flag, _ in LINE_FLAGS[line]:
            current[flag] = checked(form, f"{line}-{flag}")
        if line == "workers_compensation":
            states = text(form, f"{line}-states").replace(";", ",")
            current["states"] = [s.strip().upper() for s in states.split(",") if s.strip()]
        lines[line] = current
    body["lines"] = lines
    ai = copy.deepcopy(body.get("additional_insured") or {})
    ai["ongoing"] = checked(form, "ai-ongoing")
    ai["completed"] = checked(form, "ai-completed")
    ai["blanket_allowed"] = checked(form, "ai-blanket")
    # AI may only name lines the set still requires.
    ai["lines"] = [line for line in ai.get("lines") or ["general_liability"] if line in lines]
    body["additional_insured"] = ai
    body["primary_noncontributory"] = checked(form, "primary_noncontributory")
    notice = text(form, "notice_days")
    body["notice_of_cancellation_days"] = int(notice) if notice.isdigit() else None
    insurer = copy.deepcopy(body.get("insurer") or {})
    insurer["minimum_rating"] = text(form, "minimum_rating") or None
    insurer["minimum_size_class"] = text(form, "minimum_size_class") or None
    insurer["naic_required"] = checked(form, "naic_required")
    insurer["surplus_lines_allowed"] = checked(form, "surplus_lines_allowed")
    body["insurer"] = insurer
    body["coverage_through_closeout"] = text(form, "coverage_through_closeout", "warning")
    body["endorsements_on_file"] = checked(form, "endorsements_on_file")
    return body
