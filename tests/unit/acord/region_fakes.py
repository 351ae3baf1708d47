"""One stand-in for `page_labels.RegionOcr` shared by the scan unit tests.

Each test says only what a region reads as (an `answer` function of the call); the fake keeps
every call so a test can check which boxes were read, at what zoom and with what whitelist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backend.acord.geometry import BBox, Word


@dataclass(frozen=True)
class RegionCall:
    """One request to read a region, as `RegionOcr` receives it."""

    box: BBox
    single_char: bool = False
    sparse: bool = False
    zoom: float = 1.0
    single_line: bool = False
    whitelist: str | None = None


Answer = Callable[[RegionCall], list[Word]]


def reads_nothing(call: RegionCall) -> list[Word]:
    return []


class FakeRegionOcr:
    """Reads each region as `answer` says and records the calls, in order."""

    def __init__(self, answer: Answer = reads_nothing) -> None:
        self.answer = answer
        self.calls: list[RegionCall] = []

    def __call__(
        self,
        box: BBox,
        single_char: bool = False,
        sparse: bool = False,
        zoom: float = 1.0,
        *,
        single_line: bool = False,
        whitelist: str | None = None,
    ) -> list[Word]:
        call = RegionCall(box, single_char, sparse, zoom, single_line, whitelist)
        self.calls.append(call)
        return self.answer(call)

    @property
    def boxes(self) -> list[BBox]:
        return [call.box for call in self.calls]


def word_inside(
    box: BBox, text: str, confidence: float, inset: tuple[float, float, float, float]
) -> Word:
    """A word read inside `box`, its edges moved in by (left, top, right, bottom)."""
    left, top, right, bottom = inset
    return Word(text, box[0] + left, box[1] + top, box[2] - right, box[3] - bottom, confidence)


def reads_as(
    text: str, confidence: float = 0.9, inset: tuple[float, float, float, float] = (1, 1, 1, 1)
) -> Answer:
    """Every region reads as one word of `text`."""
    return lambda call: [word_inside(call.box, text, confidence, inset)]
