"""Expected JSON follows the reader contract's shape and says what the drawn form shows."""

from __future__ import annotations

import copy
import random
from datetime import date
from pathlib import Path
from typing import Any

from fixturegen.expected import FormCapabilities, expected_coverage, shape_problems
from fixturegen.values import INCLUDED_WORDINGS, generate_certificate


def test_every_expected_document_has_the_contract_shape(
    corpus: tuple[Path, dict[str, Any]],
) -> None:
    _, manifest = corpus
    checked = 0
    for document in manifest["documents"]:
        if document["expected"] is None:
            assert document["kind"] == "endorsement"
            continue
        assert shape_problems(document["expected"]) == [], document["file"]
        checked += 1
    assert checked >= 20


def test_source_matches_the_kind(corpus: tuple[Path, dict[str, Any]]) -> None:
    _, manifest = corpus
    wanted = {
        "text": "text",
        "flattened": "text",
        "packet": "text",
        "acroform": "acroform",
        "scan": "ocr",
        "annotated": "text",
        "digital": "ocr",
        "livecycle": "text",
        "turned": "ocr",
        "stamped": "ocr",
        "photo": "ocr",
    }
    for document in manifest["documents"]:
        if document["expected"]:
            assert document["expected"]["source"] == wanted[document["kind"]]


def test_shape_check_catches_departures(corpus: tuple[Path, dict[str, Any]]) -> None:
    _, manifest = corpus
    good = next(d["expected"] for d in manifest["documents"] if d["expected"])
    breakages = [
        ("certificate_date", "11/20/2026"),
        ("source", "pdf"),
        ("insurers", [{"letter": "A", "name": "X", "naic": "123"}]),
    ]
    for key, value in breakages:
        broken = copy.deepcopy(good)
        broken[key] = value
        assert shape_problems(broken), key
    broken = copy.deepcopy(good)
    broken["coverages"][0]["limits"][next(iter(broken["coverages"][0]["limits"]))] = "1,000,000"
    assert shape_problems(broken)
    broken = copy.deepcopy(good)
    broken["coverages"][0]["line"] = "property"
    assert shape_problems(broken)
    broken = copy.deepcopy(good)
    del broken["producer"]["email"]
    assert shape_problems(broken)
    # "Included" names a limit of the row that has no amount of its own.
    broken = copy.deepcopy(good)
    first = broken["coverages"][0]
    filled = next(k for k, v in first["limits"].items() if v is not None)
    first["included_limits"] = [filled]
    assert shape_problems(broken)


def test_older_edition_has_no_subrogation_column_nor_certificate_number(
    corpus: tuple[Path, dict[str, Any]],
) -> None:
    _, manifest = corpus
    legacy = [d for d in manifest["documents"] if d["layout"] == "legacy_2001"]
    assert legacy
    for document in legacy:
        expected = document["expected"]
        assert expected["form_edition"] == "2001/08"
        assert expected["certificate_number"] is None
        assert all(c["subrogation_waived"] is None for c in expected["coverages"])


def test_generated_values_are_plausible() -> None:
    rng = random.Random(5)
    for _ in range(200):
        cert = generate_certificate(rng)
        letters = [i.letter for i in cert.insurers]
        assert 1 <= len(letters) <= 4
        assert letters == list("ABCD")[: len(letters)]
        assert all(len(i.naic) == 5 and i.naic.isdigit() for i in cert.insurers)
        assert len({i.naic for i in cert.insurers}) == len(letters)
        assert {c.insurer_letter for c in cert.coverages} == set(letters)
        assert cert.coverages
        for coverage in cert.coverages:
            assert coverage.expiration > coverage.effective
            assert coverage.policy_number
            assert all(v is None or v > 0 for v in coverage.limits.values())
        assert cert.certificate_date > date(2022, 1, 1)


def test_three_year_terms_and_included_limits_reach_the_expected_json() -> None:
    cert = generate_certificate(random.Random(9), three_year_term=True, included_products=True)
    gl = cert.coverage("general_liability")
    assert gl is not None
    assert gl.expiration.year - gl.effective.year == 3
    assert gl.limits["products_completed_operations_aggregate"] is None
    assert "products_completed_operations_aggregate" in gl.printed_words
    assert set(gl.printed_words.values()) <= set(INCLUDED_WORDINGS)
    expected = expected_coverage(gl, FormCapabilities("2016/03"))
    assert expected["included_limits"] == sorted(gl.printed_words)
    assert all(expected["limits"][kind] is None for kind in expected["included_limits"])
