"""Boxed values of the head of the form as OCR reads them: numbers, telephones, e-mails."""

from __future__ import annotations

from backend.acord.geometry import Word
from backend.acord.scan_header import email_address, identifier, phone_number, value_start
from backend.acord.tick_options import match_options


def test_identifiers_lose_scraps_and_split_digit_groups() -> None:
    assert identifier(": 388 19311-462773448078") == "38819311-462773448078"
    assert identifier("G17594581_") == "G17594581"
    assert identifier("00020291 -240805153106") == "00020291-240805153106"
    assert identifier("CGL 2024-A") == "CGL 2024-A"
    assert identifier(" |; ") is None


def test_phone_numbers_with_letters_read_for_digits() -> None:
    assert phone_number("(O12) 697-5270 FAX") == "(012) 697-5270"
    assert phone_number("1-916-713-0646 1-916-713-0000") == "1-916-713-0646"
    assert phone_number("no number") is None


def test_email_addresses_with_spaces_around_their_marks() -> None:
    assert email_address("Certificates @ halvorsenins . com") == "certificates@halvorsenins.com"
    assert email_address("E-MAIL ADDRESS: coi@libertyins.com") == "coi@libertyins.com"
    assert email_address("certificates halvorsenins com") is None


def test_a_value_starts_at_the_words_set_close_before_its_mark() -> None:
    words = [
        Word("ADDRESS:", 300, 10, 330, 16),
        Word("Caftificates", 362, 10, 399, 18),
        Word("@", 401, 10, 406, 18),
        Word("halvorsenins.com", 408, 10, 460, 18),
    ]
    start = value_start(words, lambda w: "@" in w.text)
    assert start is not None and start.text == "Caftificates"


def test_labels_split_by_ocr_are_matched_as_phrases() -> None:
    words = [
        Word("CN722430", 268, 10, 310, 17),
        Word("REN", 455, 10, 470, 16),
        Word("ISION", 471, 10, 490, 16),
        Word("NU", 492, 10, 500, 16),
        Word("MBER", 501, 10, 518, 16),
        Word("1", 522, 10, 526, 17),
    ]
    placed = match_options(words, {"revision": ("REVISION NUMBER",)}, any_start=True)
    assert [w.text for w in words if id(w) in placed["revision"].word_ids] == [
        "REN",
        "ISION",
        "NU",
        "MBER",
    ]
