"""A GC's reminder schedule: when its subs (and their brokers) are reminded, and after how
many reminders the GC's own admins are told. Kept in the GC organisation's settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from backend.errors import BadInput

SCHEDULE_SETTING: Final = "reminder_schedule"
# Four reminders before a policy ends, a month out down to the last day: a month gives a broker
# time to get a renewal bound, a day is the last chance before pay applications are held.
DEFAULT_BEFORE_DAYS: Final = (30, 14, 7, 1)
# Then every three days while the gap stays open: often enough to keep it on the desk of a
# broker, rarely enough not to be filtered as noise.
DEFAULT_EVERY_DAYS: Final = 3
# After three unanswered reminders the GC's admins are told, and from then on each reminder.
DEFAULT_ESCALATE_AFTER: Final = 3
# Bounds for what a GC may type: reminders earlier than a year before expiry would fire on a
# policy just renewed; a gap of more than 90 days between reminders is no chase at all.
MAX_BEFORE_DAYS: Final = 365
MAX_EVERY_DAYS: Final = 90
MAX_ESCALATE_AFTER: Final = 20
# A dozen reminders before expiry is already more than anyone reads.
MAX_BEFORE_COUNT: Final = 12


@dataclass(frozen=True)
class Schedule:
    before_days: tuple[int, ...] = DEFAULT_BEFORE_DAYS
    every_days: int = DEFAULT_EVERY_DAYS
    escalate_after: int = DEFAULT_ESCALATE_AFTER
    enabled: bool = True

    def as_setting(self) -> dict[str, Any]:
        return {
            "before_days": list(self.before_days),
            "every_days": self.every_days,
            "escalate_after": self.escalate_after,
            "enabled": self.enabled,
        }


def schedule_of(gc_settings: Mapping[str, Any] | None) -> Schedule:
    """The GC's schedule; anything missing or malformed in the stored value falls back to
    the default, so a bad row never stops the daily run."""
    raw = (gc_settings or {}).get(SCHEDULE_SETTING)
    if not isinstance(raw, dict):
        return Schedule()
    before = raw.get("before_days")
    days = (
        tuple(sorted({d for d in before if isinstance(d, int) and 0 < d <= MAX_BEFORE_DAYS}))[::-1]
        if isinstance(before, list)
        else ()
    )
    every = raw.get("every_days")
    escalate = raw.get("escalate_after")
    return Schedule(
        before_days=days or DEFAULT_BEFORE_DAYS,
        every_days=every
        if isinstance(every, int) and 1 <= every <= MAX_EVERY_DAYS
        else DEFAULT_EVERY_DAYS,
        escalate_after=escalate
        if isinstance(escalate, int) and 1 <= escalate <= MAX_ESCALATE_AFTER
        else DEFAULT_ESCALATE_AFTER,
        enabled=raw.get("enabled", True) is not False,
    )


def _whole(raw: str, field: str, label: str, low: int, high: int) -> int:
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(high)):
        raise BadInput(f"{label}: {value[:20]!r} is not a whole number.", field=field)
    number = int(value)
    if not low <= number <= high:
        raise BadInput(f"{label} must be from {low} to {high}.", field=field)
    return number


def parse_schedule(before: str, every: str, escalate: str, enabled: bool) -> Schedule:
    """The schedule typed on the settings page; a clear message naming the field otherwise."""
    days: set[int] = set()
    for part in before.replace(";", ",").replace(" ", ",").split(","):
        if part:
            days.add(
                _whole(part, "before_days", "Days before expiry", 1, MAX_BEFORE_DAYS),
            )
    if not days:
        raise BadInput(
            "Give at least one day before expiry, e.g. 30, 14, 7, 1.", field="before_days"
        )
    if len(days) > MAX_BEFORE_COUNT:
        raise BadInput(f"At most {MAX_BEFORE_COUNT} reminders before expiry.", field="before_days")
    return Schedule(
        before_days=tuple(sorted(days, reverse=True)),
        every_days=_whole(every, "every_days", "Days between reminders", 1, MAX_EVERY_DAYS),
        escalate_after=_whole(
            escalate, "escalate_after", "Reminders before the GC is told", 1, MAX_ESCALATE_AFTER
        ),
        enabled=enabled,
    )
