"""The grid read from a PDF's vector paths matches what pdfplumber and the rendered page see."""

from __future__ import annotations

import io

import pdfplumber
import pypdfium2 as pdfium
import pytest

from backend.acord.pdftext import InkMeter, render_gray
from backend.acord.vector_grid import RULE_MIN_LENGTH_PT, VectorGrid, page_grid
from fixturegen.generate import build_document

# pdfplumber and PDFium round a rule's position differently by a fraction of a point.
AGREE_PT = 0.6
# The rendered test finds a rule to within a pixel at 100 dpi (0.72 pt) plus its half width.
PIXEL_AGREE_PT = 1.5


def _document(kind: str, ordinal: int) -> bytes:
    return build_document(31, ordinal, kind, ordinal).data


def _plumber_rules(data: bytes) -> tuple[list[float], list[float]]:
    """y of each long horizontal and x of each long vertical edge pdfplumber reports."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        edges = page.edges
    ys = [e["top"] for e in edges if e["orientation"] == "h" and e["width"] >= RULE_MIN_LENGTH_PT]
    xs = [e["x0"] for e in edges if e["orientation"] == "v" and e["height"] >= RULE_MIN_LENGTH_PT]
    return ys, xs


@pytest.mark.parametrize(
    ("kind", "ordinal"),
    [("text", 1), ("text", 3), ("text", 5), ("livecycle", 1), ("annotated", 1)],
)
def test_pdfium_rules_are_the_rules_pdfplumber_reports(kind: str, ordinal: int) -> None:
    data = _document(kind, ordinal)
    document = pdfium.PdfDocument(data)
    try:
        grid = page_grid(document[0])
    finally:
        document.close()
    assert grid.usable
    ys, xs = _plumber_rules(data)
    assert ys and xs
    ours_y = [y for y, _, _ in grid.horizontal]
    ours_x = [x for x, _, _ in grid.vertical]
    assert all(any(abs(y - o) <= AGREE_PT for o in ours_y) for y in ys)
    assert all(any(abs(x - o) <= AGREE_PT for o in ours_x) for x in xs)
    assert all(any(abs(y - o) <= AGREE_PT for o in ys) for y in ours_y)
    assert all(any(abs(x - o) <= AGREE_PT for o in xs) for x in ours_x)


def test_vector_rules_match_the_rendered_page_across_the_coverage_table() -> None:
    data = _document("text", 1)
    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        grid = page_grid(page)
        pixels = InkMeter(render_gray(page, 100), 100 / 72)
    finally:
        document.close()
    # The table's column rules between its header (y 300) and the remarks (y 560) on a page
    # drawn by fixturegen (official 2016/03 geometry, top-left points).
    band = (0.0, 612.0, 300.0, 560.0)
    vector = grid.vertical_rules(*band)
    rendered = pixels.vertical_rules(*band)
    assert len(vector) >= 8
    assert len(vector) == len(rendered)
    assert all(abs(a - b) <= PIXEL_AGREE_PT for a, b in zip(vector, rendered, strict=True))


def test_pieces_of_one_rule_join_and_short_or_missing_coverage_does_not_count() -> None:
    grid = VectorGrid(
        horizontal=[(100.0, 0.0, 50.0), (100.3, 50.0, 100.0), (200.0, 0.0, 60.0)],
        vertical=[(30.0, 0.0, 300.0)],
    )
    assert grid.horizontal_rules(0.0, 100.0, 90.0, 210.0) == [100.15]
    assert grid.vertical_rules(0.0, 100.0, 10.0, 290.0) == [30.0]
    assert grid.vertical_rules(40.0, 100.0, 10.0, 290.0) == []


def test_a_page_without_a_vector_grid_leaves_the_rules_to_the_pixels() -> None:
    data = _document("scan", 0)
    document = pdfium.PdfDocument(data)
    try:
        assert not page_grid(document[0]).usable
    finally:
        document.close()
