"""RFC 6962 reference vectors, corrupted proofs, and properties over random trees.

The server builds proofs with `ledger.merkle`; they are checked here with the standalone verifier's own code.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import merkle
from verifier import openproc_verify as independent

LEAVES = [
    bytes.fromhex(h)
    for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")
]
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (0, 1): [],
}
CONSISTENCY = {
    (1, 1): [],
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def stored(leaves: list[bytes]) -> merkle.Nodes:
    nodes = {(level, index): digest for level, index, digest in merkle.build(merkle.leaf_hash(x) for x in leaves)}
    return lambda level, index: nodes[(level, index)]


NODES = stored(LEAVES)


def test_the_empty_tree_hashes_to_sha256_of_nothing() -> None:
    assert merkle.root(0, NODES).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("size", sorted(ROOTS))
def test_reference_roots(size: int) -> None:
    assert merkle.root(size, NODES).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size"), sorted(INCLUSION))
def test_reference_inclusion_proofs(index: int, size: int) -> None:
    path = merkle.inclusion_path(index, size, NODES)
    root = bytes.fromhex(ROOTS[size])
    assert [node.hex() for node in path] == INCLUSION[(index, size)]
    assert independent.verify_inclusion(index, size, LEAVES[index], path, root)
    assert merkle.verify_inclusion(index, size, LEAVES[index], path, root)


@pytest.mark.parametrize(("first", "second"), sorted(CONSISTENCY))
def test_reference_consistency_proofs(first: int, second: int) -> None:
    proof = merkle.consistency_proof(first, second, NODES) if first < second else []
    assert [node.hex() for node in proof] == CONSISTENCY[(first, second)]
    roots = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert independent.verify_consistency(first, second, *roots, proof)
    assert merkle.verify_consistency(first, second, *roots, proof)


def _flip(data: bytes) -> bytes:
    return bytes([data[0] ^ 1]) + data[1:]


@pytest.mark.parametrize(("index", "size"), [key for key in sorted(INCLUSION) if INCLUSION[key]])
def test_corrupted_inclusion_proofs_are_rejected(index: int, size: int) -> None:
    path = [bytes.fromhex(node) for node in INCLUSION[(index, size)]]
    root, leaf = bytes.fromhex(ROOTS[size]), LEAVES[index]
    other_root = bytes.fromhex(ROOTS[size - 1])
    corruptions = [
        (index + 1, size, leaf, path, root),  # wrong index
        (index, size * 2, leaf, path, root),  # wrong tree height (sizes of the same shape cannot be told apart)
        (index, size // 2, leaf, path, root),
        (index, size, leaf, path[:-1], root),  # truncated
        (index, size, leaf, [*path, path[0]], root),  # extended
        (index, size, leaf, [_flip(path[0]), *path[1:]], root),  # flipped bit
        (index, size, _flip(leaf) if leaf else b"\x01", path, root),  # another leaf
        (index, size, leaf, path, other_root),  # another root
        (index, size, leaf, list(reversed(path)), root) if len(path) > 1 else (size, size, leaf, path, root),
    ]
    for corrupted in corruptions:
        assert not independent.verify_inclusion(*corrupted), corrupted
        assert not merkle.verify_inclusion(*corrupted), corrupted


@pytest.mark.parametrize(("first", "second"), [key for key in sorted(CONSISTENCY) if CONSISTENCY[key]])
def test_corrupted_consistency_proofs_are_rejected(first: int, second: int) -> None:
    proof = [bytes.fromhex(node) for node in CONSISTENCY[(first, second)]]
    first_root, second_root = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    corruptions = [
        (first + 1, second, first_root, second_root, proof),
        (first, second * 2, first_root, second_root, proof),
        (first, second, second_root, first_root, proof),  # swapped roots
        (first, second, first_root, second_root, proof[:-1]),
        (first, second, first_root, second_root, [*proof, proof[0]]),
        (first, second, first_root, second_root, [_flip(proof[0]), *proof[1:]]),
        (first, second, first_root, second_root, []),
    ]
    for corrupted in corruptions:
        assert not independent.verify_consistency(*corrupted), corrupted
        assert not merkle.verify_consistency(*corrupted), corrupted


@settings(max_examples=60, deadline=None)
@given(size=st.integers(min_value=1, max_value=300), data=st.data())
def test_every_proof_of_a_random_tree_verifies(size: int, data: st.DataObject) -> None:
    leaves = [index.to_bytes(4, "big") for index in range(size)]
    nodes = stored(leaves)
    root = merkle.root(size, nodes)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    assert independent.verify_inclusion(index, size, leaves[index], merkle.inclusion_path(index, size, nodes), root)
    first = data.draw(st.integers(min_value=1, max_value=size))
    proof = merkle.consistency_proof(first, size, nodes) if first < size else []
    assert independent.verify_consistency(first, size, merkle.root(first, nodes), root, proof)


@settings(max_examples=30, deadline=None)
@given(size=st.integers(min_value=1, max_value=200))
def test_appending_leaf_by_leaf_stores_the_same_nodes_as_building(size: int) -> None:
    leaves = [index.to_bytes(4, "big") for index in range(size)]
    stored_nodes: dict[tuple[int, int], bytes] = {}
    for index, leaf in enumerate(leaves):
        for level, position, digest in merkle.appended(index, leaf, lambda lv, ps: stored_nodes[(lv, ps)]):
            stored_nodes[(level, position)] = digest
    built = {(level, index): digest for level, index, digest in merkle.build(merkle.leaf_hash(x) for x in leaves)}
    assert stored_nodes == built
