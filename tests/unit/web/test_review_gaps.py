"""The review page's one-line gaps: the first sentence of the engine's own message, never cut
inside an abbreviation."""

from __future__ import annotations

from backend.verification.checks import BLOCKING, UNKNOWN, Check
from backend.web.review_feedback import first_sentence, short_gap


def test_a_rating_gap_keeps_the_rating_agencys_name_whole() -> None:
    # Seen on the review page of a GC with no rating table yet: the gap read "General liability
    # insurer's A.M." because the sentence was cut at the first full stop and space.
    check = Check(
        "GL_INSURER_RATING",
        UNKNOWN,
        "general_liability",
        "The insurer's A.M. Best rating and size class are at or above the minimum",
        "A- VII",
        None,
        BLOCKING,
        True,
    )
    gap = short_gap(check)
    assert gap.startswith("General liability insurer's A.M. Best rating is not in the rating table")
    assert gap.endswith("A- VII or better is required.")


def test_first_sentence_ends_at_a_full_stop_after_a_word() -> None:
    assert first_sentence("Each occurrence is $1,000,000. Ask your broker.") == (
        "Each occurrence is $1,000,000."
    )
    assert first_sentence("Covers work in the U.S. only. Then more.") == (
        "Covers work in the U.S. only."
    )
    assert first_sentence("No full stop at all") == "No full stop at all."
