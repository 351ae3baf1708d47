"""Filled form fields are a source of words read by the same label-and-grid reader."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import BooleanObject, NameObject

from backend.acord.acroform import FieldValue, field_values, field_words, with_field_words
from backend.acord.geometry import Word
from backend.acord.reader import read_bytes
from fixturegen.generate import build_document
from tests.bench.bench_acord import compare_entry


def _acroform(index: int) -> tuple[bytes, dict[str, Any]]:
    built = build_document(21, index, "acroform", index)
    return built.data, built.entry


def _without_appearances(data: bytes, *, need_appearances: bool) -> bytes:
    """The same form as a program that fills values but draws nothing would leave it."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for reference in writer.pages[0]["/Annots"]:
        widget = reference.get_object()
        if "/AP" in widget:
            del widget["/AP"]
    if need_appearances:
        form = writer._root_object["/AcroForm"]
        form[NameObject("/NeedAppearances")] = BooleanObject(True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_filled_form_is_read_from_its_fields_words() -> None:
    data, entry = _acroform(0)
    result = read_bytes(data)
    matched, total, misses = compare_entry(entry, result)
    assert misses == [], misses
    assert matched == total > 0
    assert result["source"] == "acroform"
    assert result["insured"]["name"] == entry["expected"]["insured"]["name"]


def test_fields_without_appearances_are_read_as_a_viewer_would_draw_them() -> None:
    for index, need in ((1, True), (2, False)):
        data, entry = _acroform(index)
        stripped = _without_appearances(data, need_appearances=need)
        result = read_bytes(stripped)
        _, _, misses = compare_entry(entry, result)
        assert misses == [], (need, misses)
        # Evidence points at the widget's box, like any other word's.
        assert result["fields"]["/insured/name"]["bbox"]


def test_only_fields_that_draw_nothing_are_laid_out_here() -> None:
    data, _ = _acroform(0)
    drawn = field_values(PdfReader(io.BytesIO(data)), 0)
    assert drawn and all(f.drawn for f in drawn)
    page_words = [Word("printed", 10, 10, 40, 18)]
    assert with_field_words(page_words, drawn) == page_words
    stripped = _without_appearances(data, need_appearances=True)
    redrawn = field_values(PdfReader(io.BytesIO(stripped)), 0)
    assert len(redrawn) == len(drawn) and not any(f.drawn for f in redrawn)


def _field(value: str, **changes: Any) -> FieldValue:
    base: dict[str, Any] = {
        "name": "F",
        "value": value,
        "kind": "text",
        "box": (100.0, 200.0, 300.0, 212.0),
        "font_size": 8.0,
        "alignment": 0,
        "multiline": False,
    }
    return FieldValue(**(base | changes))


def test_words_sit_in_the_widget_box_as_aligned() -> None:
    left = field_words(_field("1,000,000"))
    right = field_words(_field("1,000,000", alignment=2))
    centred = field_words(_field("1,000,000", alignment=1))
    assert left[0].x0 == 102.0
    assert abs(right[-1].x1 - 298.0) < 1e-6
    assert abs((centred[0].x0 + centred[-1].x1) / 2 - 200.0) < 1e-6
    for word in left + right + centred:
        assert 200.0 <= word.top < word.bottom <= 212.0
        assert word.drawn_by_viewer


def test_long_values_wrap_inside_a_multiline_box() -> None:
    text = "Project: Harbor Point Library Renovation. Waiver of subrogation applies. " * 3
    words = field_words(_field(text, box=(20.0, 600.0, 590.0, 660.0), multiline=True))
    lines = sorted({round(w.top, 2) for w in words})
    assert len(lines) >= 2
    assert all(20.0 <= w.x0 and w.x1 <= 590.0 for w in words)
    assert " ".join(w.text for w in sorted(words, key=lambda w: (w.top, w.x0))) == " ".join(
        text.split()
    )


def test_an_auto_sized_value_shrinks_to_its_box_and_a_tick_is_an_x() -> None:
    words = field_words(_field("A very long insurer name that would overflow", font_size=0.0))
    assert words[-1].x1 <= 298.0 + 1e-6
    [mark] = field_words(_field("/1", kind="check", box=(40.0, 300.0, 48.0, 308.0)))
    assert mark.text == "X" and 40.0 <= mark.x0 < mark.x1 <= 48.0
