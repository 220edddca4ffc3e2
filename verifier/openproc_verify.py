#!/usr/bin/env python3
"""openproc-verify: check an OPEN server's ledger without trusting it (and without any of its code).

    python verifier/openproc_verify.py --server http://127.0.0.1:8000 --key 'NAME+HASH+KEY' checkpoint
    python verifier/openproc_verify.py --server … --key … inclusion --seq 17 42
    python verifier/openproc_verify.py --server … --key … monitor

`checkpoint` verifies the latest checkpoint's signature and its consistency with the last one this verifier
stored (in --state); `inclusion` proves that given events, exactly as the server serves them now, are leaves of
it; `monitor` replays every leaf, recomputes the root,
and compares every event the server now serves with the leaf it was hashed as. Any mismatch exits with status 1
and says what failed. Needs Python 3.11+, `cryptography` (Ed25519) and `rfc8785` (canonical JSON).
"""

import argparse
import base64
import hashlib
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PAGE = 1000


class Mismatch(Exception):
    """The ledger does not prove what it should."""


def h_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def h_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def get(server: str, path: str) -> bytes:
    with urllib.request.urlopen(server.rstrip("/") + path, timeout=60) as response:
        body: bytes = response.read()
        return body


def get_json(server: str, path: str) -> Any:
    return json.loads(get(server, path))


def verify_note(note: str, key: str) -> tuple[str, int, bytes]:
    """C2SP signed note with an Ed25519 key `name+hexhash+base64(0x01‖key)`; returns (origin, size, root)."""
    name, key_hash, encoded = key.split("+", 2)
    raw = base64.b64decode(encoded)
    if raw[0] != 1:
        raise Mismatch("the key is not an Ed25519 signed-note key")
    public = Ed25519PublicKey.from_public_bytes(raw[1:])
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() != key_hash:
        raise Mismatch("the key's hash does not match its name and bytes")
    text, separator, signatures = note.partition("\n\n")
    if not separator:
        raise Mismatch("the checkpoint has no signature block")
    body = (text + "\n").encode()
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            continue
        signer, _, blob = line[2:].rpartition(" ")
        data = base64.b64decode(blob)
        if signer != name or data[:4].hex() != key_hash:
            continue
        try:
            public.verify(data[4:], body)
        except InvalidSignature as error:
            raise Mismatch("the checkpoint's signature is invalid") from error
        origin, size, root = text.split("\n")[:3]
        # tlog-checkpoint: the origin is the key's name, the size a decimal without leading zeros.
        if origin != name:
            raise Mismatch(f"the checkpoint's origin {origin!r} is not the key's name {name!r}")
        if not size.isascii() or not size.isdigit() or (size != "0" and size.startswith("0")):
            raise Mismatch(f"the checkpoint's size {size!r} is not a plain decimal")
        return origin, int(size), base64.b64decode(root, validate=True)
    raise Mismatch(f"the checkpoint carries no signature by {name}")


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, h_leaf(leaf)
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = h_node(p, r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = h_node(r, p)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]) -> bool:
    if first == second:
        return first_root == second_root and not proof
    if first == 0 or first > second or not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_root, *proof]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn, sn = fn // 2, sn // 2
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = h_node(c, fr), h_node(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            sr = h_node(sr, c)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and fr == first_root and sr == second_root


class Verifier:
    def __init__(self, server: str, key: str, state: Path) -> None:
        self.server, self.key, self.state = server, key, state

    def checkpoint(self) -> tuple[int, bytes]:
        note = get(self.server, "/ledger/checkpoint").decode()
        _, size, root = verify_note(note, self.key)
        if self.state.exists():
            known = json.loads(self.state.read_text())
            old_size, old_root = known["size"], base64.b64decode(known["root"])
            if size < old_size:
                raise Mismatch(f"the tree shrank from {old_size} to {size} leaves")
            proof = []
            if old_size not in (0, size):
                reply = get_json(self.server, f"/ledger/proof/consistency?first={old_size}&second={size}")
                proof = [base64.b64decode(node) for node in reply["consistency"]]
            if old_size and not verify_consistency(old_size, size, old_root, root, proof):
                raise Mismatch(f"the tree of {size} leaves does not extend the one of {old_size} seen before")
        self.state.parent.mkdir(parents=True, exist_ok=True)
        self.state.write_text(json.dumps({"size": size, "root": base64.b64encode(root).decode()}))
        return size, root

    def leaves(self, start: int, end: int) -> list[bytes]:
        reply = get_json(self.server, f"/ledger/leaves?start={start}&end={end}")
        found = [(item["leaf_index"], base64.b64decode(item["leaf_input"])) for item in reply["leaves"]]
        if [index for index, _ in found] != list(range(start, end)):
            raise Mismatch(f"leaves {start}…{end - 1} are not all there")
        return [leaf for _, leaf in found]

    def served_as_hashed(self, start: int, leaves: list[bytes]) -> None:
        """Every event the server serves now for these leaves, encoded again, must be the leaf's exact bytes."""
        served = get_json(self.server, f"/ledger/events?start={start}&end={start + len(leaves)}")["events"]
        by_sequence = {event["seq"]: event for event in served}
        for index, leaf in enumerate(leaves, start=start):
            event = by_sequence.get(index + 1)
            if event is None:
                raise Mismatch(f"event {index + 1} is in the ledger but the server no longer serves it")
            if rfc8785.dumps({"v": 1, **event}) != leaf:
                raise Mismatch(f"event {index + 1} as served now differs from what was hashed into the ledger")

    def inclusion(self, sequences: list[int]) -> None:
        """Each event, as the server serves it now, is the leaf proven to be in the signed tree."""
        size, root = self.checkpoint()
        for sequence in sequences:
            index = sequence - 1
            if not 0 <= index < size:
                raise Mismatch(f"event {sequence} is not in the signed tree of {size} leaves")
            (leaf,) = self.leaves(index, index + 1)
            self.served_as_hashed(index, [leaf])
            reply = get_json(self.server, f"/ledger/proof/inclusion?leaf_index={index}&tree_size={size}")
            path = [base64.b64decode(node) for node in reply["audit_path"]]
            if not verify_inclusion(index, size, leaf, path, root):
                raise Mismatch(f"event {sequence} is not proven to be in the tree of {size} leaves")

    def monitor(self) -> int:
        size, root = self.checkpoint()
        stack: list[tuple[int, bytes]] = []
        for start in range(0, size, PAGE):
            end = min(start + PAGE, size)
            leaves = self.leaves(start, end)
            self.served_as_hashed(start, leaves)
            for leaf in leaves:
                node = (1, h_leaf(leaf))
                while stack and stack[-1][0] == node[0]:
                    node = (node[0] * 2, h_node(stack.pop()[1], node[1]))
                stack.append(node)
        computed = stack[-1][1] if stack else hashlib.sha256(b"").digest()
        for _, left in reversed(stack[:-1]):
            computed = h_node(left, computed)
        if computed != root:
            raise Mismatch(f"the leaves do not hash to the signed root of the tree of {size}")
        return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True, help="the server's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--key", required=True, help="the published verifier key (NAME+HASH+KEY)")
    parser.add_argument(
        "--state",
        type=Path,
        default=Path.home() / ".openproc-verify" / "checkpoint.json",
        help="where the last verified checkpoint is kept",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("checkpoint", help="verify the latest checkpoint and its consistency with the last one")
    inclusion = commands.add_parser("inclusion", help="prove events are in the latest checkpoint")
    inclusion.add_argument("--seq", type=int, nargs="+", required=True, help="event sequence numbers")
    commands.add_parser("monitor", help="replay every leaf and every served event against the signed root")
    args = parser.parse_args(argv)
    verifier = Verifier(args.server, args.key, args.state)
    try:
        if args.command == "checkpoint":
            size, root = verifier.checkpoint()
            print(f"ok: checkpoint of {size} leaves, root {base64.b64encode(root).decode()}")
        elif args.command == "inclusion":
            verifier.inclusion(args.seq)
            print(f"ok: events {', '.join(map(str, args.seq))} are in the ledger")
        else:
            print(f"ok: all {verifier.monitor()} leaves and events match the signed root")
    except Mismatch as error:
        print(f"MISMATCH: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
