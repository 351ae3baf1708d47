"""A GC's notification settings: the alert thresholds (days before a policy ends), the oldest
certificate it accepts, and whether notices are e-mailed. The settings page reads the form;
the rules of each value and the save are here (engine_input and the sweep read the
thresholds, certificate_review the certificate age)."""

from __future__ import annotations

from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import BadInput
from backend.network.access import require
from backend.network.actor import Actor
from backend.network.company import CompanyService
from backend.projects.certificate_review import (
    CERTIFICATE_MAX_AGE_SETTING,
    parse_certificate_max_age,
)

ALERT_THRESHOLDS_SETTING: Final = "alert_thresholds"
EMAIL_NOTICES_SETTING: Final = "email_notices"
# The earliest alert a GC may set: a year before a policy ends says nothing yet about its
# renewal (certificates run for a year).
MAX_ALERT_DAYS: Final = 365


def parse_alert_days(raw: str) -> list[int]:
    """Days before expiry to alert at, largest first, from "60, 30, 7, 0" (commas, semicolons
    or spaces)."""
    values: set[int] = set()
    for part in raw.replace(";", ",").replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit() or int(part) > MAX_ALERT_DAYS:
            raise BadInput(
                f"{part!r} is not a number of days from 0 to {MAX_ALERT_DAYS}.", field="alert_days"
            )
        values.add(int(part))
    if not values:
        raise BadInput("Give at least one threshold, e.g. 60, 30, 7, 0.", field="alert_days")
    return sorted(values, reverse=True)


async def save_notification_settings(
    session: AsyncSession,
    actor: Actor,
    alert_days: str,
    certificate_max_age: str,
    email_notices: bool,
) -> None:
    """Checks each value (the thresholds first) and saves them into the GC's settings, the
    other settings kept; a refusal saves nothing."""
    require(actor, "project.write")
    values = {
        ALERT_THRESHOLDS_SETTING: parse_alert_days(alert_days),
        CERTIFICATE_MAX_AGE_SETTING: parse_certificate_max_age(certificate_max_age),
        EMAIL_NOTICES_SETTING: email_notices,
    }
    await CompanyService(session).save_settings(actor, values)
