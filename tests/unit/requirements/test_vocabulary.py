"""The tables spell the engine's vocabulary themselves (so that backend.db imports nothing of
the engine); the two spellings must stay equal."""

from __future__ import annotations

from backend.db.models import vocab
from backend.requirements import vocabulary


def test_the_tables_vocabulary_is_the_engines() -> None:
    assert vocab.COVERED_AUTOS == vocabulary.COVERED_AUTOS
    engine_kinds = {line: kinds for line, kinds in vocab.LIMIT_KINDS.items() if line != "other"}
    assert engine_kinds == vocabulary.LIMIT_KINDS
    assert "other" in vocab.LIMIT_KINDS
