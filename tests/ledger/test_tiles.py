"""The ledger as C2SP tlog-tiles, checked by a client written from the specs alone (c2sp.org/tlog-tiles,
c2sp.org/tlog-checkpoint, c2sp.org/signed-note, RFC 6962 / RFC 9162): it shares no code with the server, so a
tile the server gets wrong cannot be read back right by the same mistake."""

import base64
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from openproc.app import create_app
from openproc.checkpointer import Checkpointer
from openproc.settings import Settings
from tests.conftest import fresh_database, load_demo
from tests.helpers import Officers
from tests.schema.mutations.workflow import Desk

PREFIX = "/ledger"
WIDTH = 256
HASH = 32
IMMUTABLE = "public, max-age=31536000, immutable"

# ---- the client: nothing below knows how the server stores or computes anything --------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(entry: bytes) -> bytes:
    return sha256(b"\x00" + entry)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def split(n: int) -> int:
    """RFC 6962's k: the largest power of two smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def tile_path(level: int | str, index: int, width: int = WIDTH) -> str:
    """tlog-tiles: N in zero-padded 3-digit groups, `x` before all but the last; `.p/<W>` for a partial tile."""
    groups = [f"{index % 1000:03d}"]
    while index >= 1000:
        index //= 1000
        groups.insert(0, f"x{index % 1000:03d}")
    suffix = "" if width == WIDTH else f".p/{width}"
    return f"{PREFIX}/tile/{level}/{'/'.join(groups)}{suffix}"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def verified_checkpoint(note: str, verifier_key: str) -> Checkpoint:
    """A signed note (c2sp.org/signed-note) whose text is a tlog-checkpoint, signed with the Ed25519 key
    `<name>+<hex key hash>+<base64(0x01 ‖ public key)>`."""
    name, key_hash, encoded = verifier_key.split("+", 2)
    raw = base64.b64decode(encoded)
    assert raw[:1] == b"\x01", "an Ed25519 key"
    assert sha256(name.encode() + b"\n" + raw)[:4].hex() == key_hash
    text, _, signatures = note.partition("\n\n")
    text += "\n"
    for line in signatures.splitlines():
        signer, _, blob = line.removeprefix("\u2014 ").rpartition(" ")
        signature = base64.b64decode(blob)
        if line.startswith("\u2014 ") and signer == name and signature[:4].hex() == key_hash:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(signature[4:], text.encode())
            break
    else:
        raise AssertionError(f"no signature by {name}")
    origin, size, root, *extensions = text.removesuffix("\n").split("\n")
    assert origin == name, "the key's name is the origin"
    assert size.isascii(), "ASCII decimal"
    assert size == str(int(size)), "no leading zeros"
    assert len(base64.b64decode(root, validate=True)) == HASH
    assert all(extensions), "extension lines are never empty"
    return Checkpoint(origin, int(size), base64.b64decode(root))


class TileClient:
    """Reads the tree of one checkpoint from its tiles. Every hash it returns comes from a tile the checkpoint's
    size requires (full, or partial of the width the spec computes), fetched once."""

    def __init__(self, http: httpx.AsyncClient, size: int) -> None:
        self.http, self.size = http, size
        self.fetched: dict[tuple[int, int], bytes] = {}

    def width(self, level: int, index: int) -> int:
        """How wide tile `index` of `level` is in a tree of `size`: 256, or floor(size / 256**level) mod 256."""
        return min(WIDTH, (self.size >> (8 * level)) - index * WIDTH)  # 256**level is 2**(8·level)

    async def tile(self, level: int, index: int) -> bytes:
        if (level, index) not in self.fetched:
            width = self.width(level, index)
            assert width > 0, f"tile {level}/{index} is not in a tree of {self.size}"
            response = await self.http.get(tile_path(level, index, width))
            assert response.status_code == 200, (response.url, response.status_code)
            assert response.headers["content-type"] == "application/octet-stream"
            assert len(response.content) == width * HASH
            self.fetched[(level, index)] = response.content
        return self.fetched[(level, index)]

    async def hashes(self, level: int, index: int) -> list[bytes]:
        data = await self.tile(level, index)
        return [data[offset : offset + HASH] for offset in range(0, len(data), HASH)]

    async def perfect(self, height: int, index: int) -> bytes:
        """MTH of the 2**height leaves from index·2**height: tiles hold tree levels 0, 8, 16, …; the levels
        between are rebuilt from the hashes of the tile level below."""
        level, rest = divmod(height, 8)
        first = index << rest
        hashes = (await self.hashes(level, first // WIDTH))[first % WIDTH : first % WIDTH + (1 << rest)]
        while len(hashes) > 1:
            hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]

    async def mth(self, start: int, end: int) -> bytes:
        """RFC 6962 MTH(D[start:end]): a perfect aligned subtree from its tile, else split as the RFC does."""
        n = end - start
        if n == 0:
            return sha256(b"")
        if n & (n - 1) == 0 and start % n == 0:
            return await self.perfect(n.bit_length() - 1, start // n)
        k = split(n)
        return node_hash(await self.mth(start, start + k), await self.mth(start + k, end))

    async def root(self) -> bytes:
        return await self.mth(0, self.size)

    async def inclusion_path(self, index: int) -> list[bytes]:
        """RFC 6962 PATH(m, D[0:n]), bottom up, from tiles."""
        path, start, end = [], 0, self.size
        while end - start > 1:
            k = split(end - start)
            if index - start < k:
                path.append(await self.mth(start + k, end))
                end = start + k
            else:
                path.append(await self.mth(start, start + k))
                start += k
        return path[::-1]

    async def entries(self, index: int) -> list[bytes]:
        """Entry bundle `index`: each entry after its length as a big-endian uint16."""
        width = self.width(0, index)
        response = await self.http.get(tile_path("entries", index, width))
        assert response.status_code == 200, (response.url, response.status_code)
        assert response.headers["content-type"] == "application/octet-stream"
        data, entries = response.content, []
        while data:
            length = int.from_bytes(data[:2], "big")
            assert len(data) >= 2 + length, "a truncated bundle"
            entries.append(data[2 : 2 + length])
            data = data[2 + length :]
        assert len(entries) == width
        return entries


def included(index: int, size: int, entry: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    fn, sn, r = index, size - 1, leaf_hash(entry)
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
    return sn == 0 and r == root


async def checkpoint_of(http: httpx.AsyncClient) -> tuple[Checkpoint, httpx.Response]:
    key = (await http.get(f"{PREFIX}/key")).text.strip()
    response = await http.get(f"{PREFIX}/checkpoint")
    assert response.status_code == 200
    return verified_checkpoint(response.text, key), response


# ---- the server under test -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Log:
    url: str
    http: httpx.AsyncClient
    signer: Checkpointer


@pytest.fixture(scope="module")
async def log(as_of: datetime, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Log]:
    """The demo's ~30,000 events on a database of this module's own, the signer driven by the tests alone (its
    background rounds stopped), so that the tree can grow past the latest checkpoint."""
    async for url in fresh_database("tiles"):
        await load_demo(url, as_of)
        app = create_app(url, Settings(db_pool_size=2, data_dir=tmp_path_factory.mktemp("tiles")))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
        ):
            await app.state.checkpointer.stop()
            await app.state.checkpointer.sign_now()
            yield Log(url, http, app.state.checkpointer)


async def test_the_checkpoint_is_served_as_tlog_tiles_asks(log: Log) -> None:
    checkpoint, response = await checkpoint_of(log.http)

    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert checkpoint.size > 2 * WIDTH, "a tree with full tiles and partial ones"


async def test_the_root_rebuilt_from_tiles_is_the_checkpoints(log: Log) -> None:
    checkpoint, _ = await checkpoint_of(log.http)
    client = TileClient(log.http, checkpoint.size)

    assert await client.root() == checkpoint.root
    # The right edge came from partial tiles: level 1 always (the tree is under 65,536 leaves), level 0 unless the
    # size is a multiple of 256.
    assert client.width(1, 0) < WIDTH
    assert (1, 0) in client.fetched
    assert checkpoint.size % WIDTH == 0 or (0, checkpoint.size // WIDTH) in client.fetched


async def test_each_full_tile_hashes_to_its_hash_in_the_level_above(log: Log) -> None:
    checkpoint, _ = await checkpoint_of(log.http)
    client = TileClient(log.http, checkpoint.size)
    above = await client.hashes(1, 0)

    for index in range(checkpoint.size // WIDTH):
        response = await log.http.get(tile_path(0, index))
        assert response.status_code == 200
        assert len(response.content) == WIDTH * HASH
        assert response.headers["cache-control"] == IMMUTABLE
        client.fetched[(0, index)] = response.content
        assert await client.perfect(8, index) == above[index], f"tile 0/{index}"


async def test_entries_are_included_in_the_checkpoints_tree(log: Log) -> None:
    checkpoint, _ = await checkpoint_of(log.http)
    client = TileClient(log.http, checkpoint.size)
    last = checkpoint.size - 1

    for index in sorted({0, 255, 256, 17_000 % checkpoint.size, last}):
        bundle = await client.entries(index // WIDTH)
        entry = bundle[index % WIDTH]
        # The same bytes the other API serves, hashing to the level-0 tile's hash, on a path to the root.
        leaves = (await log.http.get(f"{PREFIX}/leaves", params={"start": index, "end": index + 1})).json()
        assert base64.b64decode(leaves["leaves"][0]["leaf_input"]) == entry
        assert leaf_hash(entry) == (await client.hashes(0, index // WIDTH))[index % WIDTH]
        assert included(index, checkpoint.size, entry, await client.inclusion_path(index), checkpoint.root)
        assert b'"seq":' + str(index + 1).encode() + b"," in entry


async def test_full_and_partial_tiles_are_cached_for_good(log: Log) -> None:
    checkpoint, _ = await checkpoint_of(log.http)
    width = checkpoint.size // WIDTH % WIDTH
    full, partial = await log.http.get(tile_path(0, 0)), await log.http.get(tile_path(1, 0, width))
    bundles = [
        await log.http.get(tile_path("entries", 0), headers={"Accept-Encoding": coding})
        for coding in ["gzip", "identity"]
    ]

    assert full.headers["cache-control"] == partial.headers["cache-control"] == IMMUTABLE
    assert len(partial.content) == width * HASH
    # Entry bundles are compressed at the HTTP layer for whoever accepts it, and the same bytes once decoded.
    assert bundles[0].headers["content-encoding"] == "gzip"
    assert "content-encoding" not in bundles[1].headers
    assert bundles[0].content == bundles[1].content
    assert all(bundle.headers["cache-control"] == IMMUTABLE for bundle in bundles)
    assert all("Accept-Encoding" in bundle.headers["vary"] for bundle in bundles)
    assert int(bundles[0].headers["content-length"]) < len(bundles[1].content) / 3, "JSON leaves shrink"


@pytest.mark.parametrize(
    "path",
    [
        "64/000",  # levels are 0 to 63
        "00/000",  # no leading zeros
        "-1/000",
        "data/000",
        "0/0",  # N in groups of three digits
        "0/0000",
        "0/x000/001",  # a leading zero group
        "0/001/000",  # an `x` before all but the last group
        "0/x001/x000",  # … and not before the last
        "0/000/",
        "0/000.p/0",  # W from 1 to 255
        "0/000.p/256",
        "0/000.p/05",
        "0/000.p/",
        "0/000.p",
        "entries/000.p/300",
        "entries",
        "0/\u0661\u0662\u0663",  # digits, but not ASCII
        "0/x001/x002/x003/x004/x005/x006/x007/000",  # past any BIGINT leaf index
    ],
)
async def test_malformed_tile_paths_are_refused(log: Log, path: str) -> None:
    response = await log.http.get(f"{PREFIX}/tile/{path}")

    assert response.status_code == 400, response.text
    assert "tlog-tiles" in response.json()["error"]


async def test_tiles_beyond_the_checkpoint_are_not_found(log: Log) -> None:
    checkpoint, _ = await checkpoint_of(log.http)
    size = checkpoint.size
    last, width = divmod(size, WIDTH)
    beyond = [
        tile_path(0, last),  # the full tile of the partial one: not yet
        tile_path(0, last, width + 1) if width < WIDTH - 1 else tile_path(0, last + 1, 1),
        tile_path("entries", last),
        tile_path(1, 0),  # level 1 is partial (fewer than 65,536 leaves)
        tile_path(1, 0, size // WIDTH + 1),
        tile_path(2, 0, 1),  # empty tiles are never served
        tile_path(63, 0),
        tile_path(0, 10**18),
        tile_path(0, 999_999_999_999_999_999_999),
    ]

    for path in beyond:
        response = await log.http.get(path)
        assert response.status_code == 404, path
        assert response.headers["cache-control"] == "no-cache", "it may exist after the next signing"


def edge(level: int | str, size: int) -> str:
    """The level-0 tile (or entry bundle) holding the last leaf of a tree of `size`, as that tree's clients ask."""
    index = (size - 1) // WIDTH
    return tile_path(level, index, size - index * WIDTH)


async def test_tiles_follow_the_latest_signed_checkpoint_not_the_growing_tree(log: Log) -> None:
    before, _ = await checkpoint_of(log.http)
    old_edge = (await log.http.get(edge(0, before.size))).content
    await Desk(log.http, Officers(log.url)).register()  # events appended, no checkpoint signed for them yet

    grown = await log.http.get(f"{PREFIX}/leaves", params={"start": before.size, "end": before.size + 1})
    assert grown.json()["leaves"], "the tree in the database has grown"
    assert (await log.http.get(edge(0, before.size + 1))).status_code == 404
    assert (await log.http.get(edge("entries", before.size + 1))).status_code == 404

    await log.signer.sign_now()
    after, _ = await checkpoint_of(log.http)
    client = TileClient(log.http, after.size)

    assert after.size > before.size
    assert await client.root() == after.root
    first_new = (await client.entries(before.size // WIDTH))[before.size % WIDTH]
    assert b'"seq":' + str(before.size + 1).encode() + b"," in first_new
    # The earlier checkpoint's edge tile is still served, byte for byte: what a cache kept stays true.
    assert (await log.http.get(edge(0, before.size))).content == old_edge
