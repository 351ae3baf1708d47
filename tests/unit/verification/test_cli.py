"""`coinet verify`, run in-process through the real `coinet` dispatcher."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backend.cli import main
from backend.requirements.codec import requirements_to_json
from backend.requirements.templates import template
from tests.unit.verification.acord_sample import acord_json

HOLDER = "Meridian Construction Group LLC"


def _write(tmp_path: Path, name: str, content: object) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["verify", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_verdict_json_follows_the_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    certificate = _write(tmp_path, "c.json", acord_json())
    code, verdict = _run(
        capsys,
        "--certificate", certificate, "--tier", "high", "--holder", HOLDER,
        "--additional-insured", HOLDER, "--additional-insured", "Harbor Point Owner LP",
        "--work-start", "2026-04-01", "--project-end", "2027-01-31", "--closeout-days", "28",
        "--on", "2026-11-23", "--json",
    )  # fmt: skip
    assert code == 0
    assert verdict["status"] == "incomplete"  # endorsements are only claimed by the certificate
    assert verdict["on"] == "2026-11-23"
    checks = verdict["checks"]
    assert {"code", "passed", "line", "expected", "found", "severity", "waivable", "message",
            "evidence"} <= set(checks[0])  # fmt: skip
    occurrence = next(c for c in checks if c["code"] == "GL_EACH_OCCURRENCE_MIN")
    assert occurrence["passed"] is True
    assert (occurrence["expected"], occurrence["found"]) == (2000000, 2000000)
    assert occurrence["evidence"]["pointer"] == "/coverages/0/limits/each_occurrence"
    assert occurrence["evidence"]["page"] == 1
    assert occurrence["evidence"]["bbox"] == [420.5, 310.0, 470.0, 318.5]
    holder = next(c for c in checks if c["code"] == "CERTIFICATE_HOLDER_NAME")
    assert holder["passed"] is True


def test_a_short_limit_reads_as_the_contract_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = acord_json()
    document["coverages"][0]["limits"]["each_occurrence"] = 1000000
    certificate = _write(tmp_path, "c.json", document)
    # Each line's minimums met by that line alone: the excess may not make up the shortfall.
    requirements = requirements_to_json(template("elevated"))
    requirements["combined_limits"] = False
    code, verdict = _run(capsys, "--certificate", certificate,
                         "--requirements", _write(tmp_path, "r.json", requirements),
                         "--on", "2026-11-23", "--json")  # fmt: skip
    assert code == 0
    assert verdict["status"] == "non_compliant"
    check = next(c for c in verdict["checks"] if c["code"] == "GL_EACH_OCCURRENCE_MIN")
    assert check["passed"] is False and check["severity"] == "blocking" and check["waivable"]
    assert check["message"] == (
        "General liability each occurrence is $1,000,000; the requirement is $2,000,000."
    )


def test_a_requirement_file_and_a_ratings_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requirements = requirements_to_json(template("standard"))
    requirements["endorsements_on_file"] = False
    ratings = (
        "naic,name,rating,size_class\n24112,Great Lakes Casualty,A,IX\n10677,Buckeye,B+,VIII\n"
    )
    code, verdict = _run(
        capsys,
        "--certificate", _write(tmp_path, "c.json", acord_json()),
        "--requirements", _write(tmp_path, "r.json", requirements),
        "--ratings", _write(tmp_path, "ratings.csv", ratings),
        "--on", "2026-11-23", "--json",
    )  # fmt: skip
    assert code == 0
    by_code = {(c["code"], c["line"]): c for c in verdict["checks"]}
    assert by_code[("GL_INSURER_RATING", "general_liability")]["passed"] is True
    wc_rating = by_code[("WC_INSURER_RATING", "workers_compensation")]
    assert wc_rating["passed"] is False and wc_rating["found"] == "B+ VIII"
    assert verdict["status"] == "non_compliant"


@pytest.mark.parametrize(
    ("argv", "error_code"),
    [
        (["--tier", "high"], "missing_argument"),
        (["--certificate", "{c}"], "missing_argument"),
        (["--certificate", "{c}", "--tier", "high", "--requirements", "{r}"], "missing_argument"),
        (["--certificate", "{missing}", "--tier", "high"], "unreadable_certificate"),
        (["--certificate", "{broken}", "--tier", "high"], "unreadable_certificate"),
        (["--certificate", "{reader_error}", "--tier", "high"], "unusable_certificate"),
        (["--certificate", "{c}", "--requirements", "{bad_r}"], "bad_requirements"),
        (["--certificate", "{c}", "--tier", "high", "--on", "23/11/2026"], "bad_argument"),
        (["--certificate", "{c}", "--tier", "high", "--closeout-days", "-3"], "bad_argument"),
        (["--certificate", "{c}", "--tier", "high", "--ratings", "{bad_csv}"], "bad_ratings"),
        (
            [
                "--certificate",
                "{c}",
                "--tier",
                "high",
                "--work-start",
                "2027-05-01",
                "--project-end",
                "2027-01-31",
            ],
            "bad_context",
        ),
    ],
)
def test_unusable_input_gives_error_json_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], error_code: str
) -> None:
    bad_requirements = requirements_to_json(template("high"))
    bad_requirements["lines"]["general_liability"]["limits"]["each_ocurrence"] = 1
    paths = {
        "c": _write(tmp_path, "c.json", acord_json()),
        "r": _write(tmp_path, "r.json", requirements_to_json(template("high"))),
        "missing": str(tmp_path / "nowhere.json"),
        "broken": _write(tmp_path, "broken.json", "{not json"),
        "reader_error": _write(tmp_path, "e.json", {"error": {"code": "x", "message": "bad"}}),
        "bad_r": _write(tmp_path, "bad_r.json", bad_requirements),
        "bad_csv": _write(tmp_path, "bad.csv", "naic,name,rating,size_class\n123,X,A,IX\n"),
    }
    code, output = _run(capsys, *[arg.format(**paths) for arg in argv], "--json")
    assert code == 2
    assert output["error"]["code"] == error_code
    assert output["error"]["message"]


def test_bad_requirement_file_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requirements = requirements_to_json(template("high"))
    requirements["lines"]["general_liability"]["limits"]["general_aggregate"] = 1000
    code, output = _run(
        capsys,
        "--certificate", _write(tmp_path, "c.json", acord_json()),
        "--requirements", _write(tmp_path, "r.json", requirements), "--json",
    )  # fmt: skip
    assert code == 2
    assert "lines.general_liability.limits.general_aggregate" in output["error"]["message"]


def test_without_json_a_readable_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    certificate = _write(tmp_path, "c.json", acord_json())
    assert main(["verify", "--certificate", certificate, "--tier", "lower", "--on",
                 "2026-11-23"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert out.startswith("INCOMPLETE on 2026-11-23")
    assert "checks passed" in out


@pytest.mark.parametrize(
    ("change", "pointer", "expected"),
    [
        (("coverages", 0, "limits", "each_occurrence", "2,000,000"),
         "/coverages/0/limits/each_occurrence", "whole number"),
        (("coverages", 0, "limits", "general_aggregate", 2000000.0),
         "/coverages/0/limits/general_aggregate", "whole number"),
        (("coverages", 1, "limits", "combined_single_limit", "1000000"),
         "/coverages/1/limits/combined_single_limit", "whole number"),
        (("coverages", 0, "additional_insured", None, "Y"),
         "/coverages/0/additional_insured", "true, false or null"),
        (("coverages", 0, "effective", None, 20260301), "/coverages/0/effective", "YYYY-MM-DD"),
        (("coverages", 2, "line", None, "professional"), "/coverages/2/line", "one of"),
        (("coverages", 0, None, None, "a string"), "/coverages/0", "a coverage object"),
        (("certificate_holder", None, None, None, "Meridian Construction Group LLC"),
         "/certificate_holder", "an object"),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_type_is_refused_with_its_path(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: tuple[Any, ...],
    pointer: str,
    expected: str,
) -> None:
    document = acord_json()
    top, index, key, kind, value = change
    if index is None:
        document[top] = value
    elif key is None:
        document[top][index] = value
    elif kind is None or key != "limits":
        document[top][index][key] = value
    else:
        document[top][index][key][kind] = value
    code, output = _run(capsys, "--certificate", _write(tmp_path, "c.json", document),
                        "--tier", "high", "--json")  # fmt: skip
    assert code == 2
    message = output["error"]["message"]
    assert output["error"]["code"] == "unusable_certificate"
    assert message.startswith(pointer + ":") and expected in message


def test_included_and_null_limits_are_not_type_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = acord_json()
    document["coverages"][0]["limits"]["products_completed_operations_aggregate"] = "INCLUDED"
    document["coverages"][0]["limits"]["medical_expense"] = None
    code, verdict = _run(capsys, "--certificate", _write(tmp_path, "c.json", document),
                         "--tier", "high", "--on", "2026-11-23", "--json")  # fmt: skip
    assert code == 0
    check = next(
        c
        for c in verdict["checks"]
        if c["code"] == "GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN"
    )
    assert check["passed"] is True
