"""The Merkle tree of RFC 6962 §2.1 (also RFC 9162 §2.1): tree heads, inclusion proofs and
consistency proofs, with the verification algorithms an outsider runs.

Leaves are hashed as SHA-256(0x00 || data) and interior nodes as SHA-256(0x01 || left || right),
so a leaf can never be passed off as a node. Everything here works on leaf hashes, so that the
log can rebuild the tree from the hashes it stores without re-reading every snapshot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

HASH_SIZE: Final = 32
LEAF_PREFIX: Final = b"\x00"
NODE_PREFIX: Final = b"\x01"
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof was asked for something the tree does not hold (an index past its end)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 6962: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of the leaves, computed level by level.

    Carrying an unpaired last node up unchanged gives exactly RFC 6962's left-heavy split, and
    it avoids deep recursion on large logs.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The audit path PATH(m, D[n]) of RFC 6962 §2.1.1 for leaf `index`."""
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    return _path(index, leaf_hashes, 0, size)


def _path(index: int, leaves: Sequence[bytes], start: int, end: int) -> list[bytes]:
    count = end - start
    if count <= 1:
        return []
    split = _largest_power_of_two_below(count)
    if index < split:
        return [*_path(index, leaves, start, start + split), root_hash(leaves[start + split : end])]
    return [
        *_path(index - split, leaves, start + split, end),
        root_hash(leaves[start : start + split]),
    ]


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 §2.1.2: the tree of `old_size` leaves is a prefix of this one."""
    size = len(leaf_hashes)
    if not 0 <= old_size <= size:
        raise ProofError(f"a tree of {old_size} leaves cannot precede one of {size}")
    if old_size in (0, size):
        return []
    return _subproof(old_size, leaf_hashes, 0, size, complete=True)


def _subproof(
    m: int, leaves: Sequence[bytes], start: int, end: int, *, complete: bool
) -> list[bytes]:
    count = end - start
    if m == count:
        return [] if complete else [root_hash(leaves[start:end])]
    split = _largest_power_of_two_below(count)
    if m <= split:
        return [
            *_subproof(m, leaves, start, start + split, complete=complete),
            root_hash(leaves[start + split : end]),
        ]
    return [
        *_subproof(m - split, leaves, start + split, end, complete=False),
        root_hash(leaves[start : start + split]),
    ]


def _up_the_right_edge(position: int, last: int) -> tuple[int, int]:
    """RFC 9162 §2.1.3.2 and §2.1.4.2, the step after hashing a node on the subtree's right
    edge (fn even and fn == sn): shift fn and sn right together until LSB(fn) is set or fn is
    0. Both proofs climb the same way; a node with fn odd is left as it is."""
    while not position & 1 and position != 0:
        position >>= 1
        last >>= 1
    return position, last


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does `leaf` sit at `index` in the tree of `size` leaves with `root`?"""
    if not 0 <= index < size or any(len(node) != HASH_SIZE for node in proof):
        return False
    position, last = index, size - 1
    computed = leaf
    for sibling in proof:
        if last == 0:
            return False
        if position & 1 or position == last:
            computed = node_hash(sibling, computed)
            position, last = _up_the_right_edge(position, last)
        else:
            computed = node_hash(computed, sibling)
        position >>= 1
        last >>= 1
    return last == 0 and computed == root


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of `old_size` leaves a prefix of the tree of `new_size`?"""
    if not 0 <= old_size <= new_size or any(len(node) != HASH_SIZE for node in proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    if not path:
        return False
    position, last = old_size - 1, new_size - 1
    while position & 1:
        position >>= 1
        last >>= 1
    old_computed = new_computed = path[0]
    for node in path[1:]:
        if last == 0:
            return False
        if position & 1 or position == last:
            old_computed = node_hash(node, old_computed)
            new_computed = node_hash(node, new_computed)
            position, last = _up_the_right_edge(position, last)
        else:
            new_computed = node_hash(new_computed, node)
        position >>= 1
        last >>= 1
    return last == 0 and old_computed == old_root and new_computed == new_root


# A perfect subtree: (level, index, hash), covering leaves index*2^level .. (index+1)*2^level-1.
Node = tuple[int, int, bytes]
NodeKey = tuple[int, int]


def subtree_parts(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees, left to right, whose hashes make MTH(D[start:end]) when `start` is
    where RFC 6962's split puts a subtree (a multiple of every part's size, as in a proof)."""
    parts: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        parts.append((level, start >> level))
        start += 1 << level
    return parts


def proof_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose tree hashes make PATH(index, D[size]), in the proof's order."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:
            ranges.append((split, end))
            end = split
        else:
            ranges.append((start, split))
            start = split
    return ranges[::-1]


def hash_of_parts(parts: Sequence[NodeKey], known: dict[NodeKey, bytes]) -> bytes:
    """MTH of a range from its perfect subtrees' hashes (joined right to left, as RFC 6962)."""
    combined = known[parts[-1]]
    for part in reversed(parts[:-1]):
        combined = node_hash(known[part], combined)
    return combined


@dataclass
class CompactTree:
    """The right edge of a growing tree: one root per perfect subtree, largest first.

    Appending a leaf and computing the root cost O(log n), so the log can be checkpointed after
    every batch without re-reading all earlier leaves.
    """

    size: int = 0
    peaks: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes, completed: list[Node] | None = None) -> None:
        """Add a leaf; each perfect subtree it completes is added to `completed`, if given."""
        self.peaks.append(leaf)
        merged = self.size
        level = 0
        # Each trailing one bit of the old size is a perfect subtree that now has a twin.
        while merged & 1:
            right = self.peaks.pop()
            left = self.peaks.pop()
            self.peaks.append(node_hash(left, right))
            merged >>= 1
            level += 1
            if completed is not None:
                completed.append((level, ((self.size + 1) >> level) - 1, self.peaks[-1]))
        self.size += 1

    def extend(self, leaves: Sequence[bytes], completed: list[Node] | None = None) -> None:
        for leaf in leaves:
            self.append(leaf, completed)

    def root(self) -> bytes:
        if not self.peaks:
            return EMPTY_ROOT
        combined = self.peaks[-1]
        for peak in reversed(self.peaks[:-1]):
            combined = node_hash(peak, combined)
        return combined

    def to_bytes(self) -> bytes:
        return b"".join(self.peaks)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> CompactTree:
        expected = bin(size).count("1")
        if size < 0 or len(data) != expected * HASH_SIZE:
            raise ValueError(f"a compact tree of {size} leaves has {expected} peaks")
        peaks = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        return cls(size=size, peaks=peaks)
