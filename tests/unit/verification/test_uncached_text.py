"""The engine reads names and wording afresh on every verification, by shortcuts that must give
what the plain functions give: the ASCII fold of entity names, and the word look-up that spares
a red-flag regex search on text that cannot match."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from backend.requirements.names import normalise_entity_name, same_entity
from backend.verification import endorsements
from backend.verification.entity_keys import entity_key, entity_keys, same_name

fold = normalise_entity_name.__wrapped__
ASCII = st.text(alphabet=st.characters(max_codepoint=127))
NAMEISH = st.text(alphabet=st.sampled_from("Aa Zz.,-/&'()\t\n\x1c\x00\x7fÉé·’ſ\u2028ﬁ"))


def test_every_ascii_character_folds_as_the_general_rule() -> None:
    for code in range(128):
        text = f"Ab{chr(code)}cD {chr(code)}"
        assert entity_key(text) == fold(text), repr(text)


@given(st.one_of(ASCII, NAMEISH, st.text()))
def test_entity_key_is_the_uncached_normal_form(name: str) -> None:
    assert entity_key(name) == fold(name)


@given(st.lists(st.one_of(ASCII, NAMEISH), max_size=5))
def test_entity_keys_fold_each_name(names: list[str]) -> None:
    assert entity_keys(tuple(names)) == [fold(name) for name in names]


@given(st.one_of(st.none(), NAMEISH), st.one_of(st.none(), NAMEISH))
def test_same_name_is_same_entity(left: str | None, right: str | None) -> None:
    assert same_name(left, right) == same_entity(left, right)


def test_the_looked_up_words_need_no_case_folding_beyond_lower() -> None:
    """A case-insensitive match of a word's letter is a character lower() maps to that letter,
    over all of Unicode; so any match of a red-flag pattern leaves its word in text.lower()."""
    letters = set("".join(endorsements._CONDITIONAL_WORDS + endorsements._TO_BE_NAMED_WORDS))
    everything = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    for letter in sorted(letters):
        for char in re.findall(letter, everything, re.IGNORECASE):
            assert char.lower() == letter, (letter, char)


def test_each_pattern_needs_one_of_its_words() -> None:
    for pattern, words in (
        (endorsements._CONDITIONAL_WORDING, endorsements._CONDITIONAL_WORDS),
        (endorsements._TO_BE_NAMED, endorsements._TO_BE_NAMED_WORDS),
    ):
        # Every alternative of the pattern ends in one of the words, spelt out in its source.
        assert all(word in pattern.pattern for word in words)
    samples = (
        "Owner is additional insured as required by written contract.",
        "AI where specified in the agreement",
        "per contract",
        "Additional insured: to be named.",
        "to be determined",
        "TO BE ADVISED",
        "to   be added",
        "will be named",
        "TBD",
        "tba",
    )
    for text in samples:
        conditional = endorsements._CONDITIONAL_WORDING.search(text)
        to_be_named = endorsements._TO_BE_NAMED.search(text)
        assert conditional or to_be_named, text
        for match, words in (
            (conditional, endorsements._CONDITIONAL_WORDS),
            (to_be_named, endorsements._TO_BE_NAMED_WORDS),
        ):
            if match:
                assert any(word in match.group(0).lower() for word in words), text


WORDING = st.lists(
    st.sampled_from(
        ("to", "be", "named", "TBD", "tba", "per", "written", "contract", "AGREEMENT", "as",
         "required", "by", "will", "advised", "determined", "added", " ", "\n", ".", "İ", "ſ")
    ),
    max_size=12,
).map(" ".join)  # fmt: skip


@given(st.one_of(WORDING, st.text()))
def test_scans_find_what_the_regexes_find(text: str) -> None:
    for pattern, words in (
        (endorsements._CONDITIONAL_WORDING, endorsements._CONDITIONAL_WORDS),
        (endorsements._TO_BE_NAMED, endorsements._TO_BE_NAMED_WORDS),
    ):
        match = pattern.search(text)
        assert endorsements._scan(pattern, words, text, text.lower()) == (
            match.group(0) if match else None
        )
