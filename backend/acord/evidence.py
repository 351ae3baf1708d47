"""Where each value of a certificate was read: its page, box and confidence, by JSON pointer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.acord.geometry import BBox, Word, union_bbox


@dataclass
class Evidence:
    page_number: int
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)

    def note(self, pointer: str, words: list[Word], confidence: float | None = None) -> None:
        if not words:
            return
        x0, top, x1, bottom = union_bbox(words)
        conf = confidence if confidence is not None else min(w.confidence for w in words)
        self.fields[pointer] = {
            "confidence": round(conf, 3),
            "page": self.page_number,
            "bbox": [round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1)],
        }

    def note_box(self, pointer: str, box: BBox, confidence: float) -> None:
        self.fields[pointer] = {
            "confidence": round(confidence, 3),
            "page": self.page_number,
            "bbox": [round(v, 1) for v in box],
        }
