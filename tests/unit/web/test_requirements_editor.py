"""The requirement editor's form over a stored body, checked by the real codec."""

from __future__ import annotations

import pytest

from backend.errors import BadInput
from backend.projects.notification_settings import parse_alert_days
from backend.requirements.codec import requirements_from_json
from backend.requirements.versions import requirement_body
from backend.web.requirements_editor import body_from_form, editor_lines


def form_of(body: dict[str, object]) -> dict[str, list[str]]:
    """What the editor page posts when nothing is changed."""
    form: dict[str, list[str]] = {}
    for line in editor_lines(body):
        if line["required"]:
            form[f"{line['line']}-required"] = ["on"]
        for kind, _, amount in line["limits"]:
            form[f"{line['line']}-limit-{kind}"] = ["" if amount is None else str(amount)]
        for flag, _, on in line["flags"]:
            if on:
                form[f"{line['line']}-{flag}"] = ["on"]
        if line["line"] == "workers_compensation":
            form["workers_compensation-states"] = [line["states"]]
    ai = body["additional_insured"]
    assert isinstance(ai, dict)
    for key, name in (
        ("ongoing", "ai-ongoing"),
        ("completed", "ai-completed"),
        ("blanket_allowed", "ai-blanket"),
    ):
        if ai[key]:
            form[name] = ["on"]
    form["primary_noncontributory"] = ["on"]
    form["notice_days"] = ["30"]
    form["minimum_rating"] = ["A-"]
    form["minimum_size_class"] = ["VII"]
    form["naic_required"] = ["on"]
    form["surplus_lines_allowed"] = ["on"]
    form["coverage_through_closeout"] = ["warning"]
    form["endorsements_on_file"] = ["on"]
    return form


def test_an_unchanged_form_gives_back_the_same_requirements() -> None:
    body = requirement_body("moderate")
    assert requirements_from_json(body_from_form(body, form_of(body))) == requirements_from_json(
        body
    )


def test_dropping_a_line_drops_it_from_additional_insured_lines_too() -> None:
    body = requirement_body("moderate")
    form = form_of(body)
    del form["umbrella-required"]
    edited = requirements_from_json(body_from_form(body, form))
    assert "umbrella" not in {line.line for line in edited.lines}
    assert "umbrella" not in edited.additional_insured.lines


def test_raising_a_limit_is_kept() -> None:
    body = requirement_body("standard")
    form = form_of(body)
    form["general_liability-limit-each_occurrence"] = ["2,000,000"]
    form["general_liability-limit-general_aggregate"] = ["4000000"]
    edited = body_from_form(body, form)
    assert edited["lines"]["general_liability"]["limits"]["each_occurrence"] == 2_000_000
    requirements_from_json(edited)


def test_a_limit_that_is_not_a_number_is_refused() -> None:
    body = requirement_body("standard")
    form = form_of(body)
    form["auto_liability-limit-combined_single_limit"] = ["lots"]
    with pytest.raises(BadInput):
        body_from_form(body, form)


def test_alert_days_are_parsed_sorted_and_checked() -> None:
    assert parse_alert_days("30, 60;7 0 30") == [60, 30, 7, 0]
    for bad in ("", "soon", "400"):
        with pytest.raises(BadInput):
            parse_alert_days(bad)
