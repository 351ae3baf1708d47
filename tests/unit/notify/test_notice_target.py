"""Following a notice leads to a page of this site only (notify.service.notice_target)."""

from __future__ import annotations

import uuid

import pytest

from backend.db.models import Notice
from backend.notify.service import NOTICES_PAGE, notice_target


def _notice(link: str) -> Notice:
    return Notice(id=uuid.uuid4(), link=link)


def test_a_link_of_this_site_is_followed() -> None:
    assert notice_target(_notice("/my/engagements/1#messages")) == "/my/engagements/1#messages"


@pytest.mark.parametrize(
    "link", ["", "https://evil.example/", "//evil.example/", "javascript:alert(1)", "evil"]
)
def test_any_other_link_leads_to_the_notices(link: str) -> None:
    assert notice_target(_notice(link)) == NOTICES_PAGE
