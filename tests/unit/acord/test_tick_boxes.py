"""Ticked check boxes on a scan: where an option's words end, and which option they spell."""

from __future__ import annotations

from backend.acord.coverage_ticks import AUTO_OPTIONS, GL_OPTIONS
from backend.acord.geometry import Word
from backend.acord.tick_boxes import best_option, option_right, option_run


def _words(*placed: tuple[str, float, float]) -> list[Word]:
    return [Word(text, x0, 100, x1, 106) for text, x0, x1 in placed]


def test_an_option_ends_at_the_next_box() -> None:
    line = _words(("Pokey", 57, 78), ("[_]", 84, 92), ("PRO-JECT", 96, 120), ("LOC", 134, 146))
    run = option_run([line[0], line[2], line[3]], line)
    assert [w.text for w in run] == ["Pokey"]
    assert option_right(line[0], run, line, 166) == 83


def test_an_option_ends_before_the_box_of_the_next_option_set_apart() -> None:
    line = _words(("OWNED", 57, 75), ("AUTOS", 76, 92), ("ONLY", 93, 105), ("SCHEDULED", 125, 150))
    run = option_run(line, line)
    assert [w.text for w in run] == ["OWNED", "AUTOS", "ONLY"]
    # The next option's box sits before its first word.
    assert option_right(line[0], run, line, 166) == 114


def test_the_nearest_option_of_the_cell_is_chosen() -> None:
    assert best_option("OWNED AUTOR ONLY OQ", AUTO_OPTIONS)[1] == "owned"
    assert best_option("MIRED AU", AUTO_OPTIONS)[1] == "hired"
    score, key = best_option("POLICY", GL_OPTIONS)
    assert (score, key) == (1.0, "policy")
    assert best_option("ws", AUTO_OPTIONS)[0] < 0.55
