"""Boxed values of the head of the form as OCR reads them: numbers, telephones, e-mails."""

from __future__ import annotations

from backend.acord.geometry import Word
from backend.acord.scan_header import (
    _cut_short,
    _without_label,
    contact_name,
    email_address,
    identifier,
    phone_number,
    value_start,
)
from backend.acord.tick_options import match_options


def test_identifiers_lose_scraps_and_split_digit_groups() -> None:
    assert identifier(": 388 19311-462773448078") == "38819311-462773448078"
    assert identifier("G17594581_") == "G17594581"
    assert identifier("00417730 -251103094512") == "00417730-251103094512"
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


def test_email_addresses_get_back_the_dot_of_a_common_domain() -> None:
    assert email_address("certificates@evergreeninscom") == "certificates@evergreenins.com"
    assert email_address("coi@agency.net") == "coi@agency.net"
    assert email_address("coi@agencyxyz") is None


def test_a_whole_line_reading_replaces_an_address_cut_at_its_start_only() -> None:
    assert _cut_short("rtificates@evergreenins.com", "certificates@evergreenins.com")
    assert _cut_short("orts@paramountins.com", "certs@paramountins.com")
    assert not _cut_short("certs@paramountins.com", "certs@paramountins.com")
    # The label run into the address is no part of it.
    assert not _cut_short("coi@beaconins.com", "aporess.coi@beaconins.com")
    assert not _cut_short("coi@beaconins.com", "coi@beacon.com")
    assert _without_label("aporess.coi@beaconins.com") == "coi@beaconins.com"
    assert _without_label("emaiaporess_service@ins.com") == "service@ins.com"
    assert _without_label("john.smith@ins.com") == "john.smith@ins.com"
    assert _without_label(None) is None


def _line(*texts: str) -> list[Word]:
    x = 300.0
    words = []
    for text in texts:
        words.append(Word(text, x, 10, x + 5 * len(text), 17))
        x += 5 * len(text) + 3
    return words


def test_the_contact_is_the_run_of_capitalised_words_after_the_label() -> None:
    assert [w.text for w in contact_name(_line("conractname:", "Morgan", "Kettering"))] == [
        "Morgan",
        "Kettering",
    ]
    # A label scrap in capitals is not set like the name after it.
    assert [w.text for w in contact_name(_line("AMI", "Elena", "Greaves"))] == [
        "Elena",
        "Greaves",
    ]
    assert [w.text for w in contact_name(_line("CONTACT", "NAME:", "JOHN", "SMITH"))] == [
        "JOHN",
        "SMITH",
    ]
    # The label alone, one word, or a long line of print is no name.
    assert contact_name(_line("CONTACT", "NAME:")) == []
    assert contact_name(_line("contact", "name:", "Certificates")) == []
    assert contact_name(_line("OR", "PRODUCER,", "AND", "THE", "CERTIFICATE", "HOLDER.")) == []
