"""The corpus is a pure function of its seed, and its default size and mix are as promised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fixturegen.documents import KINDS, LAYOUTS
from fixturegen.generate import (
    DEFAULT_COUNT,
    MANIFEST_NAME,
    build_document,
    generate_corpus,
    plan_kinds,
)


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_seed_gives_identical_bytes_whatever_the_worker_count(tmp_path: Path) -> None:
    first = generate_corpus(tmp_path / "one", seed=3, count=14, workers=1)
    second = generate_corpus(tmp_path / "two", seed=3, count=14, workers=2)
    assert first == second
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    assert len(_files(tmp_path / "one")) == 15  # 14 documents and the manifest


def test_another_seed_gives_other_values() -> None:
    one = build_document(1, 0, "text").entry["expected"]
    other = build_document(2, 0, "text").entry["expected"]
    assert one["insured"] != other["insured"]
    assert one["coverages"] != other["coverages"]


def test_one_document_rebuilt_alone_matches_the_corpus(corpus: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = corpus
    order = [d["kind"] for d in manifest["documents"]]
    index = 7
    rebuilt = build_document(11, index, order[index], order[:index].count(order[index]))
    assert rebuilt.entry == manifest["documents"][index]
    assert rebuilt.data == (out / rebuilt.entry["file"]).read_bytes()


def test_default_corpus_holds_at_least_300_documents_of_every_kind() -> None:
    order = plan_kinds(DEFAULT_COUNT, KINDS)
    assert len(order) >= 300
    counts = {kind: order.count(kind) for kind in KINDS}
    assert counts == {
        "text": 70,
        "acroform": 45,
        "flattened": 40,
        "packet": 50,
        "scan": 60,
        "endorsement": 35,
        "annotated": 30,
        "digital": 30,
        "livecycle": 30,
        "turned": 25,
        "stamped": 25,
        "photo": 25,
    }


def test_small_corpus_mixes_all_kinds_and_layouts(corpus: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = corpus
    assert (out / MANIFEST_NAME).is_file()
    assert {d["kind"] for d in manifest["documents"]} == set(KINDS)
    assert {d["layout"] for d in manifest["documents"] if d["layout"]} == set(LAYOUTS)
    assert manifest["count"] == len(manifest["documents"]) == 30
    assert len({d["file"] for d in manifest["documents"]}) == 30
    for document in manifest["documents"]:
        assert (out / document["file"]).stat().st_size > 0


def test_a_photo_rebuilt_gives_the_same_bytes() -> None:
    """The camera's every draw (noise, shadow, clutter) comes from the document's own seed."""
    one = build_document(5, 3, "photo", 1)
    assert build_document(5, 3, "photo", 1).data == one.data
    assert build_document(6, 3, "photo", 1).data != one.data
