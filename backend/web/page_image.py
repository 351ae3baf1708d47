"""Highlights over a stored page image, so a person can see where each value was read.

The images themselves are stored and served by backend/records/page_images.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.records.page_images import PageSize


@dataclass(frozen=True, slots=True)
class Box:
    """A highlight over a page image, in percent of the page, so it scales with the image."""

    page: int
    left: float
    top: float
    width: float
    height: float

    @property
    def attribute(self) -> str:
        return f"{self.page},{self.left:.2f},{self.top:.2f},{self.width:.2f},{self.height:.2f}"


def box_for(page: object, bbox: object, sizes: list[PageSize]) -> Box | None:
    """The reader's bbox [x0, top, x1, bottom] in points on a 1-based page, as a Box."""
    if not isinstance(page, int) or not isinstance(bbox, (list, tuple)) or len(bbox) != 4:
        return None
    if not 1 <= page <= len(sizes) or not all(isinstance(v, (int, float)) for v in bbox):
        return None
    size = sizes[page - 1]
    x0, top, x1, bottom = (float(v) for v in bbox)
    if size.width <= 0 or size.height <= 0 or x1 < x0 or bottom < top:
        return None
    pad = 2.0  # points, so a thin box around one line of text stays visible
    return Box(
        page=page,
        left=max(0.0, (x0 - pad) / size.width * 100),
        top=max(0.0, (top - pad) / size.height * 100),
        width=min(100.0, (x1 - x0 + 2 * pad) / size.width * 100),
        height=min(100.0, (bottom - top + 2 * pad) / size.height * 100),
    )
