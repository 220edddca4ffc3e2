"""RFC 6962 (and RFC 9162 §2.1) Merkle tree hashing and proofs, over stored perfect subtrees.

A tree of n leaves is read through `Nodes`: the hash of the perfect subtree (level L, index i) covering leaves
[i·2^L, (i+1)·2^L). Every range the RFC's recursive definitions ask for splits into such subtrees, so a proof
needs O(log² n) stored hashes at most, fetched in one round trip (see `needed`).
"""

import hashlib
from collections.abc import Callable, Iterable

Node = tuple[int, int]  # (level, index)
Nodes = Callable[[int, int], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(size: int) -> int:
    """The largest power of two smaller than `size` (size ≥ 2): where RFC 6962 splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[Node]:
    """The perfect subtrees that make up leaves [start, end), left to right, as the RFC's MTH splits them.

    `start` is always a multiple of a power of two at least as large as the range's left part.
    """
    subtrees = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1 if size & (size - 1) == 0 else split(size).bit_length() - 1
        subtrees.append((level, start >> level))
        start += 1 << level
    return subtrees


def subtree_root(start: int, end: int, nodes: Nodes) -> bytes:
    """MTH(D[start:end]) from stored perfect subtrees: combine them right to left."""
    if start == end:
        return EMPTY_ROOT
    hashes = [nodes(level, index) for level, index in perfect_subtrees(start, end)]
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


def root(size: int, nodes: Nodes) -> bytes:
    return subtree_root(0, size, nodes)


def inclusion_path(index: int, size: int, nodes: Nodes) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[0:n]), bottom to top."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = split(end - start)
        if m < k:
            path.append(subtree_root(start + k, end, nodes))
            end = start + k
        else:
            path.append(subtree_root(start, start + k, nodes))
            start, m = start + k, m - k
    return list(reversed(path))


def consistency_proof(first: int, second: int, nodes: Nodes) -> list[bytes]:
    """RFC 6962 §2.1.2 PROOF(m, D[0:n])."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    return _subproof(first, 0, second, True, nodes)


def _subproof(m: int, start: int, end: int, complete: bool, nodes: Nodes) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if complete else [subtree_root(start, end, nodes)]
    k = split(n)
    if m <= k:
        return [*_subproof(m, start, start + k, complete, nodes), subtree_root(start + k, end, nodes)]
    return [*_subproof(m - k, start + k, end, False, nodes), subtree_root(start, start + k, nodes)]


def needed(compute: Callable[[Nodes], object]) -> set[Node]:
    """The stored nodes a computation reads: run it once against a recorder to fetch them in one query."""
    wanted: set[Node] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return EMPTY_ROOT

    compute(record)
    return wanted


def appended(index: int, leaf: bytes, left_siblings: Callable[[int, int], bytes]) -> list[tuple[int, int, bytes]]:
    """The nodes a new leaf at `index` completes: itself, and each parent whose left half already exists."""
    created = [(0, index, leaf_hash(leaf))]
    level, position, current = 0, index, created[0][2]
    while position % 2 == 1:
        current = node_hash(left_siblings(level, position - 1), current)
        level, position = level + 1, position // 2
        created.append((level, position, current))
    return created


def left_siblings_of(index: int) -> list[Node]:
    """The stored nodes `appended` needs for a leaf at `index`."""
    wanted, level, position = [], 0, index
    while position % 2 == 1:
        wanted.append((level, position - 1))
        level, position = level + 1, position // 2
    return wanted


def build(leaf_hashes: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
    """Every perfect-subtree node of a tree, for bulk loading."""
    nodes: list[tuple[int, int, bytes]] = []
    levels: list[list[bytes]] = [[]]
    for leaf in leaf_hashes:
        levels[0].append(leaf)
        nodes.append((0, len(levels[0]) - 1, leaf))
        level = 0
        while len(levels[level]) % 2 == 0:
            parent = node_hash(levels[level][-2], levels[level][-1])
            if len(levels) == level + 1:
                levels.append([])
            levels[level + 1].append(parent)
            nodes.append((level + 1, len(levels[level + 1]) - 1, parent))
            level += 1
    return nodes


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf_hash(leaf)
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
