"""The Merkle tree against the published RFC 6962 test vectors (the certificate-transparency
reference leaves and proofs) and against a direct transcription of the RFC's definitions."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.audit import merkle

# The eight reference leaves of the certificate-transparency test suite.
REFERENCE_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
# Tree heads for the first n reference leaves, n = 0..8.
REFERENCE_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (zero-based leaf index, tree size, audit path)
REFERENCE_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (old size, new size, consistency proof)
REFERENCE_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

LEAF_HASHES = [merkle.leaf_hash(data) for data in REFERENCE_LEAVES]


def rfc_mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) written straight from RFC 6962 §2.1, over raw leaf data, as a cross-check."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + rfc_mth(leaves[:k]) + rfc_mth(leaves[k:])).digest()


def test_leaf_and_node_hashes_use_distinct_prefixes() -> None:
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    left, right = b"\xaa" * 32, b"\xbb" * 32
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


@pytest.mark.parametrize("size", range(9))
def test_root_matches_published_tree_heads(size: int) -> None:
    assert merkle.root_hash(LEAF_HASHES[:size]).hex() == REFERENCE_ROOTS[size]
    compact = merkle.CompactTree()
    compact.extend(LEAF_HASHES[:size])
    assert compact.root().hex() == REFERENCE_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), REFERENCE_INCLUSION)
def test_inclusion_proofs_match_published_paths(index: int, size: int, path: list[str]) -> None:
    proof = merkle.inclusion_proof(index, LEAF_HASHES[:size])
    assert [node.hex() for node in proof] == path
    root = bytes.fromhex(REFERENCE_ROOTS[size])
    assert merkle.verify_inclusion(index, size, LEAF_HASHES[index], proof, root)
    # The same proof says nothing about another leaf, another root or another tree size.
    other_leaf = LEAF_HASHES[(index + 1) % size]
    assert not merkle.verify_inclusion(index, size, other_leaf, proof, root)
    assert not merkle.verify_inclusion(index, size, LEAF_HASHES[index], proof, merkle.EMPTY_ROOT)
    # A proof for a tree of another depth does not fit this one.
    assert not merkle.verify_inclusion(index, size + 8, LEAF_HASHES[index], proof, root)


@pytest.mark.parametrize(("old", "new", "path"), REFERENCE_CONSISTENCY)
def test_consistency_proofs_match_published_paths(old: int, new: int, path: list[str]) -> None:
    proof = merkle.consistency_proof(old, LEAF_HASHES[:new])
    assert [node.hex() for node in proof] == path
    old_root = bytes.fromhex(REFERENCE_ROOTS[old])
    new_root = bytes.fromhex(REFERENCE_ROOTS[new])
    assert merkle.verify_consistency(old, new, proof, old_root, new_root)
    if old != new:
        assert not merkle.verify_consistency(old, new, proof, new_root, new_root)
        assert not merkle.verify_consistency(old, new, proof, old_root, old_root)


def test_out_of_range_requests_are_refused() -> None:
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(3, LEAF_HASHES[:3])
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(4, LEAF_HASHES[:3])
    root = merkle.root_hash(LEAF_HASHES[:3])
    assert not merkle.verify_inclusion(3, 3, LEAF_HASHES[0], [], root)
    assert not merkle.verify_inclusion(0, 3, LEAF_HASHES[0], [b"short"], root)
    assert not merkle.verify_consistency(4, 3, [], root, root)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=12), min_size=1, max_size=40))
def test_every_proof_verifies_in_trees_of_any_shape(leaves: list[bytes]) -> None:
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    size = len(hashes)
    roots = [rfc_mth(leaves[:n]) for n in range(size + 1)]
    assert merkle.root_hash(hashes) == roots[size]
    for index in range(size):
        proof = merkle.inclusion_proof(index, hashes)
        assert merkle.verify_inclusion(index, size, hashes[index], proof, roots[size])
    for old in range(size + 1):
        proof = merkle.consistency_proof(old, hashes)
        assert merkle.verify_consistency(old, size, proof, roots[old], roots[size])


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=70), st.integers(min_value=0, max_value=30))
def test_compact_tree_grows_like_the_full_tree(first: int, more: int) -> None:
    hashes = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(first + more)]
    compact = merkle.CompactTree()
    compact.extend(hashes[:first])
    restored = merkle.CompactTree.from_bytes(first, compact.to_bytes())
    assert restored.root() == merkle.root_hash(hashes[:first])
    restored.extend(hashes[first:])
    assert restored.root() == merkle.root_hash(hashes)


def test_compact_tree_refuses_a_peak_list_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="peaks"):
        merkle.CompactTree.from_bytes(3, b"\x00" * 32)
