"""The ledger as C2SP tlog-tiles (c2sp.org/tlog-tiles): tile paths, what each tile covers, entry bundles.

A tile at level L holds up to 256 consecutive hashes of the tree's level 8·L: the perfect subtrees the ledger
already stores (`ledger_node`), so a tile is one range of stored rows. An entry bundle holds the leaves behind
one level-0 tile, each prefixed with its length as a big-endian uint16.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

WIDTH = 256  # hashes in a full tile, entries in a full bundle
HEIGHT = 8  # tree levels between two tile levels (256 = 2**8)
MAX_LEVEL = 63
MAX_ENTRY = 0xFFFF  # what a uint16 length prefix can say

# The path after `tile/`. Every part is spelled one way only: a level without leading zeros, N in 3-digit groups
# with `x` before all but the last, W from 1 to 255 without leading zeros. [0-9], not \d: no other digits.
# At most 7 groups (N < 10^21): more than any tile of a tree whose leaf indices are BIGINTs, and no unbounded
# arithmetic on what a client sends.
_PATH = re.compile(
    r"(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/){0,6}[0-9]{3})(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


@dataclass(frozen=True)
class Tile:
    """Tile `index` of `level` (None for an entry bundle), `width` hashes or entries wide (256 when full)."""

    level: int | None
    index: int
    width: int

    @property
    def tree_level(self) -> int:
        """The tree level whose hashes the tile holds (an entry bundle's entries are the leaves of level 0)."""
        return HEIGHT * (self.level or 0)

    @property
    def start(self) -> int:
        """The position, within its tree level, of the tile's first hash (or the bundle's first leaf index)."""
        return self.index * WIDTH

    @property
    def end(self) -> int:
        return self.start + self.width

    @property
    def tree_size(self) -> int:
        """The smallest tree that holds all of the tile: its last hash covers leaves up to here."""
        return self.end << self.tree_level


def encode_index(index: int) -> str:
    """N as the spec writes it: 1234067 is `x001/x234/067`."""
    groups = [f"{index % 1000:03d}"]
    while index >= 1000:
        index //= 1000
        groups.insert(0, f"x{index % 1000:03d}")
    return "/".join(groups)


def parse(tile_path: str) -> Tile | None:
    """The tile a path (after `tile/`) names, or None when the path is not one the spec allows."""
    match = _PATH.fullmatch(tile_path)
    if match is None:
        return None
    index = int(match["index"].replace("x", "").replace("/", ""))
    if encode_index(index) != match["index"]:
        return None  # a leading `x000/`: each N has one path only
    level = None if match["level"] == "entries" else int(match["level"])
    width = WIDTH if match["width"] is None else int(match["width"])
    if (level is not None and level > MAX_LEVEL) or (match["width"] is not None and width >= WIDTH):
        return None  # a partial tile is 1 to 255 wide; 256 is the full tile, which has no `.p/`
    return Tile(level, index, width)


def bundle(leaves: Iterable[bytes]) -> bytes:
    """An entry bundle: each leaf after its length as a big-endian uint16."""
    parts = []
    for leaf in leaves:
        if len(leaf) > MAX_ENTRY:
            # Never a bundle a client would misread; input limits keep leaves far below this.
            raise ValueError(f"a leaf of {len(leaf)} bytes does not fit an entry bundle")
        parts += [len(leaf).to_bytes(2, "big"), leaf]
    return b"".join(parts)
