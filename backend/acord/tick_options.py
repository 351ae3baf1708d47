"""The small printed options beside the check boxes of a coverage row (OCCUR, CLAIMS-MADE, ANY
AUTO, PER STATUTE, ...), found on a scan whose OCR garbled them.

A scan at 150-200 dpi leaves the form's 5-point print barely legible ("roucy" for POLICY,
"anv auto" for ANY AUTO). Each cell prints a short, known list of options, so the words of the
cell are matched against that closed list: every option takes the run of words that spells it
most nearly, best matches first, no word shared. Whether an option is ticked is still decided
from the ink of the box printed before it, so a wrong match cannot tick a box by itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher

from backend.acord.geometry import Label, Word, compact, group_lines

# What a check box itself comes out as ("[]", "(_]", "{J", "1X)", "CJ"): not a word of a label.
_BOX_GLYPH = re.compile(r"[\[\](){}|_1lIiJjCcOoUuXxKk0?!']{1,4}")
_BRACKETS = re.compile(r"[\[\](){}|]")


def is_box_glyph(text: str) -> bool:
    stripped = text.strip()
    if not stripped:
        return True
    if _BRACKETS.search(stripped) and len(stripped) <= 4:
        return True
    return len(stripped) <= 2 and bool(_BOX_GLYPH.fullmatch(stripped))


def similarity(printed: str, option: str) -> float:
    """How nearly OCR's text spells an option, on letters and digits only (0..1)."""
    a, b = compact(printed), compact(option)
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _least(option: str) -> float:
    # Short options ("LOC", "DED") must be read almost right; long ones survive a few letters.
    length = len(compact(option))
    return 0.66 if length <= 4 else (0.62 if length <= 8 else 0.58)


def _phrase_runs(words: Sequence[Word], longest: int, any_start: bool) -> list[list[Word]]:
    """Runs of consecutive words on one line that start a phrase: at the line's start, or after
    a check box or a wide gap (so "AUTOS ONLY" alone is no candidate for OWNED AUTOS ONLY);
    with `any_start`, runs starting at any word."""
    runs: list[list[Word]] = []
    for line in group_lines(words):
        kept = [w for w in line.words if not is_box_glyph(w.text)]
        for start, word in enumerate(kept):
            position = line.words.index(word)
            before = line.words[position - 1] if position > 0 else None
            opens = (
                any_start
                or before is None
                or is_box_glyph(before.text)
                or word.x0 - before.x1 > 0.8 * max(word.height, 4.0)
            )
            if not opens:
                continue
            for end in range(start + 1, min(start + longest, len(kept)) + 1):
                runs.append(kept[start:end])
    return runs


def match_options(
    words: Sequence[Word],
    options: Mapping[str, Sequence[str]],
    skip: set[int] | None = None,
    *,
    any_start: bool = False,
) -> dict[str, Label]:
    """Each option (key -> its spellings) placed on the run of words that spells it best.

    Keys may include printed words that are not wanted (decoys such as "OTHER"), so that their
    garbled print is not taken for a wanted option; the caller ignores them.
    """
    skip = skip or set()
    free = [w for w in words if id(w) not in skip]
    # OCR may split a word of the option in two, or three with `any_start` (garbled labels).
    longest = max(len(s.split()) for spellings in options.values() for s in spellings)
    longest += 2 if any_start else 1
    scored: list[tuple[float, str, list[Word]]] = []
    for run in _phrase_runs(free, longest, any_start):
        text = " ".join(w.text for w in run)
        for key, spellings in options.items():
            best = max(similarity(text, s) - _least(s) for s in spellings)
            if best >= 0:
                scored.append((best, key, run))
    scored.sort(key=lambda item: -item[0])
    placed: dict[str, Label] = {}
    used: set[int] = set()
    for _, key, run in scored:
        if key in placed or any(id(w) in used for w in run):
            continue
        used.update(id(w) for w in run)
        placed[key] = Label(
            min(w.x0 for w in run),
            min(w.top for w in run),
            max(w.x1 for w in run),
            max(w.bottom for w in run),
            frozenset(id(w) for w in run),
        )
    return placed
