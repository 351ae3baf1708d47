"""On a scan, the small boxed values of the head of the form read again: the certificate and
revision numbers on the COVERAGES line, and the producer's contact, phone and e-mail.

Their labels are 5-point print that OCR garbles ("REN ISION NU MBER", "untae txaue" for
CONTACT NAME:), so the labels are matched as phrases among the line's words, or the lines are
told apart by what their values look like (an e-mail address, a telephone number); each value
is then read again on its own in grey, with the characters its kind allows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Final

from backend.acord.geometry import BBox, Label, Word, compact, group_lines
from backend.acord.page_labels import PageLabels, joined_text, leading_run, likelier_words
from backend.acord.tick_options import match_options, similarity
from backend.acord.values import clean_text, zero_before_digit

PHONE = re.compile(r"(?:\+?1[\s.-])?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?)\s?\d+)?")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# An address whose domain lost its last dot, ending in a common top-level domain.
_DOTLESS = re.compile(r"([\w.+-]+@[\w-]{2,}?)(com|net|org|edu|gov)\b", re.I)
_DOMAIN_END = re.compile(r"\w{2}\.(?:com|net|org|edu|gov|us|biz|info)\b", re.I)
# An e-mail address's "@", and OCR's "é" for it.
_AT_SIGN = re.compile("@")
_AT_AS_E = re.compile("é")
_PHONE_CHARACTERS = "0123456789()-. +x"
_EMAIL_CHARACTERS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._-+"  # RFC 5322 common
)
# A revision number counts the certificate's revisions.
_REVISION_CHARACTERS = "0123456789"
# Share of a pixel column of a value's cell that a stroke of print inks; specks ink less.
_COLUMN_INK = 0.07
# A reading refused as a certificate number is shown in its warning up to 40 characters
# (twice the longest number agency systems print).
_SHOWN_CHARACTERS: Final = 40
# A certificate number holds three digits or more (a word of the form's print, fewer).
_CERTIFICATE_DIGITS: Final = 3
# The COVERAGES line's labels are 5-7 pt print: a line at least 5 pt tall is looked across.
_LEAST_LINE_PT: Final = 5.0
# The form's right border stands 6 pt inside the page's edge; the revision number's box is
# 60 pt wide; a revision counts revisions, three digits at most.
_BORDER_PT: Final = 6.0
_REVISION_BOX_PT: Final = 60.0
_REVISION_DIGITS: Final = 3
# A value re-read keeps 4 pt around the page pass's words of it (letters cut at the edge read
# as junk); one narrower than 10 pt is a lone character, read as one.
_VALUE_MARGIN_PT: Final = 4.0
_LONE_VALUE_PT: Final = 10.0
# A box's print lies between the rules 3 pt around it, keeping 1.2 pt off each (a rule's
# anti-aliased edge) and at least 2 pt from the middle (a rule through the print is none);
# under 4 pt of height holds no print.
_RULE_SEARCH_PT: Final = 3.0
_RULE_EDGE_PT: Final = 1.2
_MIDDLE_CLEAR_PT: Final = 2.0
_LEAST_PRINT_PT: Final = 4.0
# A pixel column within 1.5 pt of a vertical rule is the rule's; inked columns up to 8 pt
# apart are one value (letters and the spaces between words).
_RULE_COLUMN_PT: Final = 1.5
_VALUE_GAP_PT: Final = 8.0
# A telephone line holds seven digits or more (ten, some perhaps misread).
_PHONE_DIGITS: Final = 7
# Values start 3 pt left of the first value word found; a reading starting 1.5 pt or more
# right of that start lost its first letters.
_VALUE_LEAD_PT: Final = 3.0
_CUT_START_PT: Final = 1.5
# A word is a misread label ("aporess", "untae") at this similarity to its spelling.
_LABEL_LIKENESS: Final = 0.6
# A person's name is two to four words.
_NAME_WORDS: Final = (2, 4)
# An upright stroke inks a fifth of its pixel column; thin print a tenth over two columns.
_STROKE_INK: Final = 0.2
_THIN_STROKE_INK: Final = 0.1
# Words set closer than half a letter's height are one value ("certificates" "@agency.com").
_CLOSE_SHARE: Final = 0.5
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "S": "5"})


def identifier(text: str) -> str | None:
    """A certificate or revision number as OCR read it, without the scraps around it; digit
    groups OCR split with a space are joined again ("388 19311 -4627" -> "38819311-4627")."""
    text = clean_text(re.sub(r"[^\w\s/.-]|_", " ", text)).strip(" .-")
    text = re.sub(r"(?<=\d) (?=-?\d)|(?<=\d-) (?=\d)", "", text)
    # A period between two digits is a speck: numbers are printed without one.
    text = re.sub(r"(?<=\d)\.(?=\d)", "", text)
    return text or None


def certificate_number_like(text: str) -> bool:
    """Whether a reading can be a certificate number: one or two groups of letters, digits
    and dashes, with digits in them ("CX730145", "00417730-251103094512"); not words of the
    form's print ("SAYS. THE INSURANCE") nor a speck's scrap ("qT")."""
    groups = text.split()
    return (
        len(groups) <= 2
        and all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", g) for g in groups)
        and len(re.findall(r"\d", text)) >= _CERTIFICATE_DIGITS
        # Agency systems print the number in capitals and digits: small letters among its
        # digits ("A22is5e8ilt") are OCR's reading of a stamp or a smudge over the line.
        and not re.search(r"[a-z]", text)
    )


def phone_number(text: str) -> str | None:
    """The first telephone number in a reading, letters OCR takes for digits mapped back."""
    found = PHONE.search(text.translate(_DIGIT_LOOKALIKES))
    return found.group(0) if found else None


def email_address(text: str) -> str | None:
    """The e-mail address in a reading, with the spaces OCR set around "@" and "." removed,
    and the dot before a common top-level domain put back when OCR lost it
    ("certificates@evergreeninscom")."""
    joined = re.sub(r"\s*([@.])\s*", r"\1", text)
    found = EMAIL.search(joined)
    if found is not None:
        return found.group(0).lower()
    bare = _DOTLESS.search(joined)
    return f"{bare.group(1)}.{bare.group(2)}".lower() if bare else None


def scan_numbers(p: PageLabels) -> tuple[str | None, str | None] | None:
    """(certificate number, revision number) from the COVERAGES line, read again in grey;
    None when the line's labels cannot be placed."""
    if p.region_ocr is None:
        return None
    coverages = p.coverages_label()
    if coverages is None:
        return None
    height = max(coverages.bottom - coverages.top, _LEAST_LINE_PT)
    line_box = (
        coverages.x1,
        coverages.top - height,
        p.page.width,
        coverages.bottom + height,
    )
    words = [w for w in p.page.words_in(line_box) if abs(w.cy - coverages.cy) < height]
    labels = match_options(
        words,
        {"cert": ("CERTIFICATE NUMBER",), "revision": ("REVISION NUMBER",)},
        any_start=True,
    )
    cert, revision = labels.get("cert"), labels.get("revision")
    if cert is None and revision is None:
        return None
    top, bottom = coverages.top - height, coverages.bottom + height
    cert_value = revision_value = None
    if cert is not None and revision is None:
        # The page pass lost the REVISION NUMBER label (often run into a scrap of the line's
        # rule): the rest of the line, read again in grey between its rules, shows where it is.
        revision = _lost_revision_label(p, (cert.x1 + 1, top, p.page.width - _BORDER_PT, bottom))
    if cert is not None:
        right = revision.x0 - 2 if revision is not None else p.page.width - _BORDER_PT
        cert_value = _reread_value(
            p,
            "/certificate_number",
            (cert.x1 + 1, top, right, bottom),
            valid=certificate_number_like,
        )
        if cert_value is not None:
            cert_value = without_revision_start(cert_value)
        if cert_value is not None and not certificate_number_like(cert_value):
            # Print of the lines around read as words, specks, or a stamp over the box: shown
            # as unread, with what was seen, rather than as a number.
            p.warnings.append(
                f"page {p.page.page_number}: the CERTIFICATE NUMBER box was read as "
                f"{cert_value[:_SHOWN_CHARACTERS]!r}, which is not a certificate number; it was "
                "left unread"
            )
            cert_value = None
            p.evidence.fields.pop("/certificate_number", None)
        if cert_value is not None:
            cert_value = zero_before_digit(cert_value)
    if revision is not None:
        box_right = min(revision.x1 + _REVISION_BOX_PT, p.page.width - _BORDER_PT)
        box = (revision.x1 + 1, top, box_right, bottom)
        revision_value = _reread_value(
            p, "/revision_number", box, _REVISION_CHARACTERS, valid=_revision_like
        )
        if revision_value is not None and len(revision_value) > _REVISION_DIGITS:
            revision_value = None  # the label was matched on other print
    # Both labels placed and nothing read is an answer: the page pass's words there are no
    # value either.
    return cert_value, revision_value


def _revision_like(text: str) -> bool:
    """Whether a reading can be a revision number: a few digits."""
    return text.isdigit() and len(text) <= _REVISION_DIGITS


# The shortest start of the REVISION NUMBER label told from a value's last letters ("RE").
_REVISION_START_LETTERS: Final = 2


def without_revision_start(value: str) -> str | None:
    """A certificate number read with the first letters of the REVISION NUMBER label that
    follows it on its line ("CN904734 RE": the label's box as the page pass placed it starts
    a letter or two late) without them: a last word of its own that only starts the label."""
    words = value.split()
    last = words[-1].upper() if words else ""
    if (
        len(words) > 1
        and last.isalpha()
        and len(last) >= _REVISION_START_LETTERS
        and _REVISION_WORDS[0].startswith(last)
    ):
        return " ".join(words[:-1])
    return value


# The REVISION NUMBER label as a grey line reading spells it, its words apart or run
# together and with a scrap of the rule beside them ("REVISIONNUMBER", "NUMBER:").
_REVISION_WORDS: Final = ("REVISION", "NUMBER")


def revision_label_word(text: str) -> bool:
    """Whether a word of the COVERAGES line's reading is (part of) the REVISION NUMBER label."""
    letters = compact(text)
    return "REVISION" in letters or any(
        similarity(text, word) >= _LABEL_LIKENESS for word in _REVISION_WORDS
    )


def revision_label_extent(words: list[Word]) -> Label | None:
    """Where the REVISION NUMBER label stands in a reading of the line right of the
    CERTIFICATE NUMBER label: from its first word to its last; None when the reading holds
    no word of it."""
    marks = [w for w in words if revision_label_word(w.text)]
    if not marks:
        return None
    return Label(
        min(w.x0 for w in marks),
        min(w.top for w in marks),
        max(w.x1 for w in marks),
        max(w.bottom for w in marks),
    )


def _lost_revision_label(p: PageLabels, line: BBox) -> Label | None:
    """The REVISION NUMBER label found in one grey reading of the line right of the
    CERTIFICATE NUMBER label, between the row's rules; None when that reading lacks it."""
    assert p.region_ocr is not None
    band = _between_rules(p, line)
    if band[3] - band[1] < _LEAST_PRINT_PT:
        return None
    return revision_label_extent(p.region_ocr(band, single_line=True))


# A word of print holds a run of three letters or digits (a value's digits, a label's
# letters), or is at least half letters and digits (a lone revision digit, "5."); OCR's
# reading of a rule under a line of values, or of a speck, is marks with a lone letter here
# and there ("O”S”*~*~<C*~‘~*~*d").
_PRINT_RUN: Final = 3
_PRINT_SHARE: Final = 0.5


def rule_scrap(text: str) -> bool:
    """Whether a word of the page pass is OCR's reading of a rule or a speck, not print."""
    letters = len(re.findall(r"[A-Za-z0-9]", text))
    run = re.search(rf"[A-Za-z0-9]{{{_PRINT_RUN}}}", text)
    return run is None and letters < _PRINT_SHARE * len(text)


def _on_one_line(words: list[Word], middle: float) -> list[Word]:
    """The words of the line nearest `middle`: the box round a label's line also reaches the
    print of the lines above and below it (the disclaimer under the COVERAGES line)."""
    lines = group_lines(words)
    if not lines:
        return []
    return min(lines, key=lambda ln: abs((ln.top + ln.bottom) / 2 - middle)).words


def _reread_value(
    p: PageLabels,
    pointer: str,
    box: BBox,
    whitelist: str | None = None,
    valid: Callable[[str], bool] | None = None,
) -> str | None:
    """One boxed value read again as a line in grey; the page pass's words without it. The
    page pass's reading is kept instead where it is a value (`valid`) and the grey one is not
    (a digit dropped, a speck read as a period), or, for a lone character, where it is clearly
    surer (a "1" the grey reading of the cell read as "4")."""
    assert p.region_ocr is not None
    printed = [w for w in p.values_in(box) if not rule_scrap(w.text)]
    seen = _on_one_line(printed, (box[1] + box[3]) / 2)
    if seen:
        # Only where the page pass saw the value: a value set in another font sits off its
        # label's line, a letter cut at the edge reads as junk, and so does the label's colon.
        # Never past the row's rules, whose scraps would be read with it.
        ruled = _between_rules(p, box)
        tight: BBox | None = (
            max(box[0], min(w.x0 for w in seen) - _VALUE_MARGIN_PT),
            max(min(w.top for w in seen) - 2, ruled[1]),
            min(box[2], max(w.x1 for w in seen) + _VALUE_MARGIN_PT),
            min(max(w.bottom for w in seen) + 2, ruled[3]),
        )
        # A lone character reads better as one (Tesseract's line mode often drops it).
        lone = len("".join(w.text for w in seen)) <= 2
    else:
        # The page pass lost the value (set in another font, a few points above the
        # label's line): where the box holds print, that print is read.
        tight = _printed_extent(p, box)
        lone = tight is not None and tight[2] - tight[0] < _LONE_VALUE_PT
    if tight is None:
        return None
    fresh = p.region_ocr(tight, single_char=lone, single_line=not lone, whitelist=whitelist)
    words = [w for w in fresh if re.search(r"[A-Za-z0-9]", w.text) and not _speck(w)]
    page_words = seen
    if whitelist is not None:
        # The box prints only the value's characters: a letter the page pass read there is
        # one of them misread ("T" for a "1").
        page_words = [replace(w, text=w.text.translate(_WHITELIST_LOOKALIKES)) for w in seen]
        page_words = [w for w in page_words if w.text and all(c in whitelist for c in w.text)]
    grey_value = identifier(joined_text(words)) if words else None
    page_value = identifier(joined_text(page_words)) if page_words else None
    if page_value is not None and page_value != grey_value:
        fits = valid if valid is not None else bool
        page_fits, grey_fits = fits(page_value), grey_value is not None and fits(grey_value)
        surer = lone and _confidence(page_words) - _confidence(words) > _PAGE_SURER
        if page_fits and (not grey_fits or surer):
            words = page_words
    if not words:
        return None
    p.evidence.note(pointer, words)
    return identifier(joined_text(words))


# A letter the page pass read in a box that prints digits only, and the digit it stands for.
_WHITELIST_LOOKALIKES = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "T": "1", "|": "1", "S": "5"}
)
# A word of one or two characters read at a tenth of Tesseract's confidence or less is a
# speck or a rule's end beside a value ("i", "t—"), never part of a number.
_SPECK_CHARACTERS: Final = 2
_SPECK_CONFIDENCE: Final = 0.1
# The page pass's reading of a lone character is kept over a differing grey one when it is
# this much surer (Tesseract's confidence, one engine and model for both). Only a lone
# character's: a longer word's confidence is its least sure character's, and a page pass word
# read surely may still hold a digit the black-and-white cut broke ("8487" for "8687").
_PAGE_SURER: Final = 0.15


def _speck(word: Word) -> bool:
    letters = len(re.sub(r"[^A-Za-z0-9]", "", word.text))
    return letters <= _SPECK_CHARACTERS and word.confidence <= _SPECK_CONFIDENCE


def _confidence(words: list[Word]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def _between_rules(p: PageLabels, box: BBox) -> BBox:
    """The box cut down to the print between the ruled lines just above and below its middle
    (the form's rows are ruled; print of the next rows lies beyond the rules)."""
    x0, top, x1, bottom = box
    if p.ink is None:
        return box
    middle = (top + bottom) / 2
    rules = p.ink.horizontal_rules(x0, x1, top - _RULE_SEARCH_PT, bottom + _RULE_SEARCH_PT)
    top = max([r + _RULE_EDGE_PT for r in rules if r < middle - _MIDDLE_CLEAR_PT] + [top])
    bottom = min([r - _RULE_EDGE_PT for r in rules if r > middle + _MIDDLE_CLEAR_PT] + [bottom])
    return x0, top, x1, bottom


def _printed_extent(p: PageLabels, box: BBox) -> BBox | None:
    """The part of a box holding print, or None: between the rules above and below its
    middle, from the first to the last pixel column with ink (rules crossing the box are
    not print; specks are too small to count)."""
    if p.ink is None:
        return None
    x0, top, x1, bottom = _between_rules(p, box)
    if bottom - top < _LEAST_PRINT_PT:
        return None
    ruled = p.ink.vertical_rules(x0, x1, top, bottom)
    inked: list[tuple[float, float]] = []
    x = x0
    while x < x1:
        if all(abs(x + 0.5 - r) > _RULE_COLUMN_PT for r in ruled):
            share = p.ink.ink(x, top, x + 1, bottom)
            if share >= _COLUMN_INK:
                inked.append((x, share))
        x += 1
    # The value: the first run of inked columns (letters a few points apart at most) with a
    # stroke of print in it.
    runs: list[list[tuple[float, float]]] = []
    for column in inked:
        if runs and column[0] - runs[-1][-1][0] <= _VALUE_GAP_PT:
            runs[-1].append(column)
        else:
            runs.append([column])
    run = next((r for r in runs if _stroke(r)), None)
    if run is None:
        return None
    return (run[0][0] - 2, top, run[-1][0] + 3, bottom)


def _scan_contact(p: PageLabels, top: float, bottom: float, left: float) -> dict[str, str | None]:
    """The producer's contact, phone and e-mail from the lines of the contact box (between
    `top` and `bottom`, right of `left`), told apart by their values, each read again."""
    assert p.region_ocr is not None
    right = p.page.width - _BORDER_PT
    lines = group_lines(p.page.words_in((left, top, right, bottom)))
    found: dict[str, str | None] = {"contact": None, "phone": None, "email": None}
    # The e-mail's line holds its "@", or OCR's "é" for it, or at least the end of a domain
    # name when OCR read the "@" as a letter ("servicealindqvistins.com"); an "@" first: a
    # label of the box's small print garbled by OCR may hold an "é" too ("cosractsamé" for
    # CONTACT NAME:) and sets no address.
    email_line = next(
        (ln for sign in (_AT_SIGN, _AT_AS_E, _DOMAIN_END) for ln in lines if sign.search(ln.text)),
        None,
    )
    # A telephone line holds ten digits or so, some of them perhaps misread.
    phone_line = next(
        (
            ln
            for ln in lines
            if ln is not email_line and len(re.findall(r"\d", ln.text)) >= _PHONE_DIGITS
        ),
        None,
    )
    starts = [
        value_start(ln.words, lambda w: "@" in w.text or "é" in w.text)
        for ln in (email_line,)
        if ln is not None
    ] + [
        value_start(ln.words, lambda w: bool(re.search(r"\d{3}", w.text)))
        for ln in (phone_line,)
        if ln is not None
    ]
    anchors = [w for w in starts if w is not None]
    if not anchors:
        return found
    # Values line up at the left after their labels.
    value_left = min(w.x0 for w in anchors) - _VALUE_LEAD_PT
    if email_line is not None:
        found["email"] = _scan_email(p, email_line.words, left, value_left, right)
    if phone_line is not None:
        fresh = _reread_line(p, phone_line.words, value_left, right, _PHONE_CHARACTERS)
        # The FAX number may share the line, far right after its label: the phone's
        # number is the first run of words.
        number = leading_run(fresh)
        found["phone"] = phone_number(joined_text(number))
        if found["phone"]:
            p.evidence.note("/producer/phone", number)
    first_value_line = min(
        (ln for ln in (email_line, phone_line) if ln is not None), key=lambda ln: ln.top
    )
    above = [ln for ln in lines if ln.bottom <= first_value_line.top + 1]
    # The contact's line is the last above the values; on forms that set values a few
    # points above their labels, the one before it.
    for line in reversed(above[-2:]):
        again = _reread_line(p, line.words, left, right, None)
        # The line read again may give nothing at all where its box cuts through the print
        # of the label set a few points below the value: the page pass's words of it then.
        name = contact_name(likelier_words(again, line.words) if again else line.words)
        if name:
            found["contact"] = clean_text(joined_text(name))
            p.evidence.note("/producer/contact", name)
            break
    return found


def _scan_email(
    p: PageLabels, words: list[Word], left: float, value_left: float, right: float
) -> str | None:
    """The e-mail address of its line, read again from where the values start and as the
    whole line (with its label, which comes out as words of its own): a value start placed
    inside the address cuts its first letters off ("rtificates@"), which the whole line's
    reading shows."""
    cut = _reread_line(p, words, value_left, right, _EMAIL_CHARACTERS)
    address = email_address(joined_text(cut))
    chosen = cut
    # Paper read before the address's first letter: its start was not cut.
    if address is None or min(w.x0 for w in cut) < value_left + _CUT_START_PT:
        whole = _reread_line(p, words, left, right, _EMAIL_CHARACTERS + " ")
        fuller = _without_label(email_address(joined_text(whole)))
        if fuller is not None and (address is None or _cut_short(address, fuller)):
            address, chosen = fuller, whole
    if address:
        p.evidence.note("/producer/email", chosen)
    return address


def _reread_line(
    p: PageLabels, words: list[Word], left: float, right: float, whitelist: str | None
) -> list[Word]:
    assert p.region_ocr is not None
    values = [w for w in words if w.x0 >= left - 1]
    if not values:
        return []
    top = min(w.top for w in values) - 2
    bottom = max(w.bottom for w in values) + 2
    box = (left, top, min(max(w.x1 for w in values) + _VALUE_MARGIN_PT, right), bottom)
    return p.region_ocr(box, single_line=True, whitelist=whitelist)


def _cut_short(address: str, fuller: str) -> bool:
    """Whether `address` is `fuller` with a letter or a few of its name cut off the start (the
    letter cut through is misread as often as not: "orts@" for "certs@")."""
    name, _, domain = address.partition("@")
    full_name, _, full_domain = fuller.partition("@")
    lost = full_name[: len(full_name) - len(name) + 1]
    return (
        domain == full_domain
        and full_name.endswith(name[1:])
        and re.fullmatch(r"[a-z0-9]{2,4}", lost) is not None
    )


_EMAIL_LABEL = ("EMAIL", "ADDRESS", "EMAIL ADDRESS")


def _without_label(address: str | None) -> str | None:
    """An address read with its line's label run into it, the label's colon read as a dot or
    an underscore ("aporess.coi@beaconins.com"), without the label."""
    if address is None:
        return None
    name, _, domain = address.partition("@")
    parts = re.split(r"[._]", name)
    while len(parts) > 1 and any(
        similarity(parts[0], label) >= _LABEL_LIKENESS for label in _EMAIL_LABEL
    ):
        name = name[len(parts[0]) + 1 :]
        parts.pop(0)
    return f"{name}@{domain}"


_CONTACT_LABEL = ("CONTACT", "NAME")


def contact_name(words: list[Word]) -> list[Word]:
    """The words of a person's name at the end of the contact line as OCR read it: the run of
    capitalised words after the CONTACT NAME label (its small capitals read as lower case,
    or as capitals that the label's spelling tells apart), all set alike (capitalised, or all
    capitals); [] unless two to four such words (a longer run is the print of a form without
    the box, such as the 2001 edition's disclaimer)."""
    run: list[Word] = []
    for word in sorted(words, key=lambda w: w.x0, reverse=True):
        text = word.text.strip(" ,;")
        if (
            not re.fullmatch(r"[A-Z][A-Za-z'-]*|[A-Z][a-z]?\.", text)
            or any(similarity(text, label) >= _LABEL_LIKENESS for label in _CONTACT_LABEL)
            or (run and text.isupper() != run[0].text.strip(" ,;").isupper())
        ):
            break
        run.insert(0, word)
    fewest, most = _NAME_WORDS
    return run if fewest <= len(run) <= most else []


def _stroke(run: list[tuple[float, float]]) -> bool:
    """Whether a run of inked pixel columns (x, share of the column inked) holds a stroke of
    print: an upright stroke inks a fifth of its column or more ("1"), thin print a tenth over
    two columns or more; specks of a scanned page ink less than a tenth of one column."""
    most = max(share for _, share in run)
    return most >= _STROKE_INK or (len(run) >= 2 and most >= _THIN_STROKE_INK)


def value_start(words: list[Word], is_value: Callable[[Word], bool]) -> Word | None:
    """The first word of the value a line holds: from its first word that looks like the
    value, back over the words set close before it ("certificates" before "@ agency.com")."""
    ordered = sorted(words, key=lambda w: w.x0)
    index = next((i for i, w in enumerate(ordered) if is_value(w)), None)
    if index is None:
        return None
    while (
        index > 0
        and ordered[index].x0 - ordered[index - 1].x1 < _CLOSE_SHARE * ordered[index].height
    ):
        index -= 1
    return ordered[index]
