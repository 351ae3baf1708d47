"""Fillable ACORD 25s whose fields are still filled in: their values as words with boxes.

A filled field is a value typed into a box of the form, like a value printed there or typed on
as an annotation, so it is read the same way, by the label-and-grid reader. A widget that draws
its value (an appearance stream) is merged into the page with the other annotations
(word_sources), each glyph with its box. A widget that does not, or every widget of a form that
asks the viewer to redraw its fields (/NeedAppearances), has its value laid out here in the
widget's rectangle as a viewer would (the field's font size and alignment, wrapped when
multi-line), a ticked check box becoming an "X" in its box. The official field names are not
needed: on the generated AcroForm family, reading the fields' words by the printed labels gives
every value the official names gave (100 % either way, and 100 % with the appearances removed
and /NeedAppearances set), so the separate reading by official names was removed: a cross-check
that never disagrees helps nothing and would be a second path to keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from backend.acord.geometry import BBox, Word

# A field with font size 0 ("auto") is drawn as large as fits its box, at most this size: the
# viewers' own ceiling for auto-sized single-line text.
AUTO_FONT_MAX_PT = 12.0
# Auto-sized text fills this share of the box height (the rest is the border and padding).
AUTO_FONT_HEIGHT_SHARE = 0.75
# Viewers inset field text by the border width plus one point on each side.
FIELD_PADDING_PT = 2.0
# Multi-line text runs at this many times the font size from line to line.
LINE_SPACING = 1.15
# Field flag bit 13 (PDF 32000-1, table 228): the text field may hold several lines.
MULTILINE_FLAG = 1 << 12
# Glyph width, in thousandths of the font size, used for a character the metrics lack.
DEFAULT_GLYPH_WIDTH = 556
_CENTRE, _RIGHT = 1, 2


@dataclass(frozen=True)
class FieldValue:
    """One widget of a filled field: its name, value, kind and rectangle (top-left origin)."""

    name: str
    value: str
    kind: str  # "text", "check" or "choice"
    box: BBox
    font_size: float
    alignment: int
    multiline: bool
    # The widget draws its value itself (an appearance stream a viewer shows as it is).
    drawn: bool = False


def _inherited(widget: DictionaryObject, key: str, form: DictionaryObject | None) -> Any:
    """A field attribute from the widget, its parent chain, or the form's default."""
    node: Any = widget
    for _ in range(8):  # field trees are shallow; a loop in a broken file must not hang
        if node is None:
            break
        node = node.get_object()
        if not isinstance(node, DictionaryObject):
            break
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return form.get(key) if form is not None else None


def _font_size(appearance: Any) -> float:
    found = re.search(r"([\d.]+)\s+Tf", str(appearance or ""))
    return float(found.group(1)) if found else 0.0


def field_values(reader: PdfReader, page_index: int) -> list[FieldValue]:
    """The filled widgets of page `page_index` (0-based), each with its value and rectangle."""
    root = reader.trailer["/Root"].get_object()
    form_ref = root.get("/AcroForm") if isinstance(root, DictionaryObject) else None
    form = form_ref.get_object() if form_ref is not None else None
    form = form if isinstance(form, DictionaryObject) else None
    # The form asks viewers to draw every field afresh from its value: appearances are stale.
    redraw = bool(form is not None and form.get("/NeedAppearances"))
    page = reader.pages[page_index]
    height = float(page.mediabox.top)
    found: list[FieldValue] = []
    annotations = page.get("/Annots")
    for reference in annotations.get_object() if annotations is not None else []:
        widget = reference.get_object()
        if not isinstance(widget, DictionaryObject) or widget.get("/Subtype") != "/Widget":
            continue
        name = _inherited(widget, "/T", None)
        value = _inherited(widget, "/V", None)
        field_type = _inherited(widget, "/FT", form)
        rect = widget.get("/Rect")
        if name is None or value is None or rect is None:
            continue
        x0, y0, x1, y1 = (float(v) for v in rect)
        x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        box = (x0, height - y1, x1, height - y0)
        if field_type == "/Btn":
            # A check box or radio button is on when its appearance state is not Off.
            state = str(widget.get("/AS", value))
            if state in ("/Off", "Off", ""):
                continue
            text, kind = "X", "check"
        else:
            if isinstance(value, list):
                value = " ".join(str(v) for v in value)
            text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
            kind = "choice" if field_type == "/Ch" else "text"
        if not text:
            continue
        flags = int(_inherited(widget, "/Ff", None) or 0)
        appearance = widget.get("/AP")
        appearance = appearance.get_object() if appearance is not None else None
        drawn = isinstance(appearance, DictionaryObject) and "/N" in appearance and not redraw
        found.append(
            FieldValue(
                name=str(name).split(".")[-1],
                value=text,
                kind=kind,
                box=box,
                font_size=_font_size(_inherited(widget, "/DA", form)),
                alignment=int(_inherited(widget, "/Q", form) or 0),
                multiline=bool(flags & MULTILINE_FLAG),
                drawn=drawn,
            )
        )
    return found


def _widths() -> dict[str, int]:
    from pdfminer.fontmetrics import FONT_METRICS

    # Viewers draw a field in Helvetica unless its font is embedded; other fonts differ by a
    # few per cent, well inside the reader's tolerances.
    widths: dict[str, int] = FONT_METRICS["Helvetica"][1]
    return widths


def _text_width(text: str, size: float, widths: dict[str, int]) -> float:
    return sum(widths.get(c, DEFAULT_GLYPH_WIDTH) for c in text) * size / 1000


def _wrap(text: str, size: float, width: float, widths: dict[str, int]) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and _text_width(candidate, size, widths) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return [line for line in lines if line.strip()]


def _line_words(
    line: str, left: float, top: float, size: float, widths: dict[str, int]
) -> list[Word]:
    words: list[Word] = []
    x = left
    space = _text_width(" ", size, widths)
    for part in line.split(" "):
        if part:
            starts = []
            cursor = x
            for char in part:
                starts.append(cursor)
                cursor += _text_width(char, size, widths)
            words.append(
                Word(part, x, top, cursor, top + size, char_x0s=starts, drawn_by_viewer=True)
            )
            x = cursor
        x += space
    return words


def field_words(field: FieldValue) -> list[Word]:
    """The words a viewer shows for the field, placed in its rectangle."""
    widths = _widths()
    x0, top, x1, bottom = field.box
    inner = max(x1 - x0 - 2 * FIELD_PADDING_PT, 1.0)
    height = bottom - top
    if field.kind == "check":
        side = min(x1 - x0, height) * AUTO_FONT_HEIGHT_SHARE
        cx, cy = (x0 + x1) / 2, (top + bottom) / 2
        half = side / 2
        mark = Word("X", cx - half, cy - half, cx + half, cy + half, char_x0s=[cx - half])
        mark.drawn_by_viewer = True
        return [mark]
    size = field.font_size or min(AUTO_FONT_MAX_PT, height * AUTO_FONT_HEIGHT_SHARE)
    # A value holding line breaks is shown on several lines whatever the flag says.
    multiline = field.multiline or "\n" in field.value
    if multiline:
        lines = _wrap(field.value, size, inner, widths)
    else:
        lines = [" ".join(field.value.split())]
        natural = _text_width(lines[0], size, widths)
        if not field.font_size and natural > inner:
            size *= inner / natural
    words: list[Word] = []
    for number, line in enumerate(lines):
        if multiline:
            line_top = top + FIELD_PADDING_PT + number * size * LINE_SPACING
        else:
            line_top = top + (height - size) / 2
        width = _text_width(line, size, widths)
        left = x0 + FIELD_PADDING_PT
        if field.alignment == _CENTRE:
            left = x0 + (x1 - x0 - width) / 2
        elif field.alignment == _RIGHT:
            left = x1 - FIELD_PADDING_PT - width
        words.extend(_line_words(line, left, line_top, size, widths))
    return words


def with_field_words(words: list[Word], fields: list[FieldValue]) -> list[Word]:
    """The page's words with the value of each filled field that does not draw itself placed
    in its widget box, in place of anything else there (words whose centre lies in the box).

    A widget with an appearance is already in `words`: word_sources merged it into the page as
    a viewer shows it, glyph by glyph. One without (or when the form asks the viewer to redraw
    every field) would show nothing there, though a viewer draws its value."""
    fields = [f for f in fields if not f.drawn]
    if not fields:
        return words

    def inside(word: Word, box: BBox) -> bool:
        return box[0] <= word.cx <= box[2] and box[1] <= word.cy <= box[3]

    kept = [w for w in words if not any(inside(w, f.box) for f in fields)]
    return kept + [word for field in fields for word in field_words(field)]
