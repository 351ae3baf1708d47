"""The forms table is data the engine reads; ENDORSEMENTS.md shows the same rows to people."""

from __future__ import annotations

from pathlib import Path

from backend.requirements.endorsement_forms import COMPLETED, FORMS, ONGOING, form_info, grants

DOC = Path(__file__).resolve().parents[3] / "backend" / "requirements" / "ENDORSEMENTS.md"


def test_every_form_and_edition_is_documented() -> None:
    rows = {
        tuple(cell.strip() for cell in line.strip("|").split("|")[:2])
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| C") or line.startswith("| W")
    }
    assert rows == {(info.form, info.edition or "any") for info in FORMS}


def test_editions_of_cg_20_10() -> None:
    assert grants("CG 20 10", "11 85", COMPLETED) and grants("CG 20 10", "11 85", ONGOING)
    for edition in ("10 01", "07 04", "04 13", None, "01 99"):
        assert not grants("CG 20 10", edition, COMPLETED)
        assert grants("CG 20 10", edition, ONGOING)
    for edition in ("10 01", "07 04", "04 13", None):
        assert grants("CG 20 37", edition, COMPLETED)
    info = form_info("CG 20 10", "04 13")
    assert info is not None and any("no broader" in text for text in info.limits)
    assert form_info("XX 99 99", None) is None
