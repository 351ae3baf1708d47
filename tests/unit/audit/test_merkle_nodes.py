"""Inclusion proofs from stored perfect-subtree nodes equal the ones computed from all leaves."""

from __future__ import annotations

import hashlib

from backend.audit import merkle


def _leaves(count: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(count)]


def test_proofs_from_stored_nodes_match_the_full_computation() -> None:
    leaves = _leaves(70)
    for size in range(1, len(leaves) + 1):
        completed: list[merkle.Node] = []
        tree = merkle.CompactTree()
        tree.extend(leaves[:size], completed)
        stored = {(level, index): node for level, index, node in completed}
        stored.update({(0, i): leaf for i, leaf in enumerate(leaves[:size])})
        root = merkle.root_hash(leaves[:size])
        assert tree.root() == root
        for index in range(size):
            parts = [merkle.subtree_parts(s, e) for s, e in merkle.proof_ranges(index, size)]
            path = [merkle.hash_of_parts(each, stored) for each in parts]
            assert path == merkle.inclusion_proof(index, leaves[:size])
            assert merkle.verify_inclusion(index, size, leaves[index], path, root)


def test_stored_nodes_are_the_perfect_subtrees_and_a_proof_needs_few() -> None:
    leaves = _leaves(1 << 10)
    completed: list[merkle.Node] = []
    merkle.CompactTree().extend(leaves, completed)
    assert len(completed) == len(leaves) - 1  # every inner node of a perfect tree, once
    for level, index, node in completed:
        span = leaves[index << level : (index + 1) << level]
        assert node == merkle.root_hash(span)
    ranges = merkle.proof_ranges(517, 1000)
    keys = {key for start, end in ranges for key in merkle.subtree_parts(start, end)}
    assert len(keys) <= 2 * 10  # O(log n) nodes read, not 1000 leaves
