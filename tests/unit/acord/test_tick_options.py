"""Check-box options found among OCR's garbled words by matching a cell's closed list."""

from __future__ import annotations

from backend.acord.coverage_ticks import AUTO_OPTIONS, GL_OPTIONS
from backend.acord.geometry import Word
from backend.acord.tick_options import is_box_glyph, match_options, similarity


def _line(top: float, *texts: str, start: float = 50.0, gap: float = 3.0) -> list[Word]:
    """Words laid out left to right on one line, 5 points wide per character."""
    words = []
    x = start
    for text in texts:
        width = 5.0 * len(text)
        words.append(Word(text, x, top, x + width, top + 6))
        x += width + gap
    return words


def test_box_glyphs_are_told_from_words() -> None:
    for glyph in ("[]", "(_]", "{J", "CJ", "O", "L]", "(X]}", "[[", "|"):
        assert is_box_glyph(glyph), glyph
    for word in ("AUTO", "LOC", "WC", "occur", "HIRED"):
        assert not is_box_glyph(word), word


def test_similarity_ignores_case_and_punctuation() -> None:
    assert similarity("claims-made", "CLAIMS MADE") == 1.0
    assert similarity("anv auto", "ANY AUTO") > 0.8
    assert similarity("", "OCCUR") == 0.0


def test_garbled_options_of_the_general_liability_cell_are_placed() -> None:
    words = [
        *_line(100, "[]", "c.ams-mave", "[X]", "occur"),
        *_line(120, "GENL", "AGGREGATE", "LIMIT", "APPLIES", "PER:"),
        *_line(130, "1K]", "roucy", "{J", "prosect", "(_]", "voc"),
        *_line(140, "UD", "omer"),
    ]
    placed = match_options(words, GL_OPTIONS)
    texts = {
        key: next(w.text for w in words if id(w) in label.word_ids) for key, label in placed.items()
    }
    assert texts["claims_made"] == "c.ams-mave"
    assert texts["occurrence"] == "occur"
    assert texts["project"] == "prosect"
    assert texts["location"] == "voc"
    assert texts["_per"] == "GENL"
    # "roucy" is too far from POLICY to be taken for it by spelling alone.
    assert "policy" not in placed


def test_a_tail_of_a_phrase_is_not_taken_for_another_option() -> None:
    # "AUTOS ONLY" follows "RED" without a gap: it cannot start OWNED AUTOS ONLY.
    words = [
        *_line(100, "(X]}", "anv", "auto"),
        *_line(112, "RED", "AUTOS", "ONLY", gap=2.0),
    ]
    placed = match_options(words, AUTO_OPTIONS)
    assert "owned" not in placed
    hired = placed["hired"]
    assert [w.text for w in words if id(w) in hired.word_ids] == ["RED", "AUTOS", "ONLY"]
    assert [w.text for w in words if id(w) in placed["any_auto"].word_ids] == ["anv", "auto"]


def test_words_already_taken_are_skipped() -> None:
    words = _line(100, "[]", "OCCUR")
    placed = match_options(words, GL_OPTIONS, skip={id(words[1])})
    assert "occurrence" not in placed
