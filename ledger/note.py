"""Checkpoints as C2SP signed notes (c2sp.org/tlog-checkpoint, c2sp.org/signed-note) with Ed25519."""

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space open every signature line


@dataclass(frozen=True)
class NoteKey:
    """A named Ed25519 key of a signed note; `TYPE` is its signature type (0x01 a log's, 0x04 a witness's)."""

    TYPE: ClassVar[bytes]
    name: str
    key: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        return self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_hash(self) -> bytes:
        """The key ID signature lines carry: SHA-256(name ‖ "\\n" ‖ type ‖ public key)[:4]."""
        return hashlib.sha256(self.name.encode() + b"\n" + self.TYPE + self.public_bytes).digest()[:4]

    @property
    def verifier_key(self) -> str:
        """The public key in the signed-note verifier format: `<name>+<hex key hash>+<base64(type ‖ key)>`."""
        return f"{self.name}+{self.key_hash.hex()}+{base64.b64encode(self.TYPE + self.public_bytes).decode()}"


@dataclass(frozen=True)
class Signer(NoteKey):
    """The log's key: it signs checkpoints."""

    TYPE = ED25519

    def sign(self, body: str) -> str:
        signature = self.key.sign(body.encode())
        line = base64.b64encode(self.key_hash + signature).decode()
        return f"{body}\n{SIGNATURE_PREFIX}{self.name} {line}\n"


@dataclass(frozen=True)
class VerifierKey:
    """A signed-note verifier key, `<name>+<hex key ID>+<base64(signature type ‖ Ed25519 public key)>`."""

    name: str
    key_id: bytes
    public: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str, signature_type: bytes) -> "VerifierKey":
        """Raises ValueError unless `text` is an Ed25519 key of `signature_type` whose key ID matches its name
        and bytes: a key ID that does not is a typing error, and would silently match no signature."""
        try:
            name, key_id_hex, encoded = text.strip().split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
            key_id = bytes.fromhex(key_id_hex)
        except ValueError as error:
            raise ValueError(f"not a verifier key (name+hex key ID+base64 key): {text!r}") from error
        if raw[:1] != signature_type or len(raw) != 33:
            raise ValueError(f"{name}: not an Ed25519 key of signature type 0x{signature_type.hex()}")
        if not name or any(character.isspace() for character in name) or len(key_id) != 4:
            raise ValueError(f"{name!r}: a key name without spaces and a four-byte key ID are required")
        if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4] != key_id:
            raise ValueError(f"{name}: the key ID does not match the key's name and bytes")
        return cls(name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:]))


def split(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """A signed note's text (with its final newline) and its signatures as (key name, key ID ‖ signature).

    c2sp.org/signed-note: the text ends at the note's last blank line; each signature line is an em dash, a
    space, the key name, a space and base64. Raises ValueError on anything else.
    """
    if any(ord(character) < 0x20 and character != "\n" for character in note):
        raise ValueError("a signed note holds no control character but newline")
    text, blank, block = note.rpartition("\n\n")
    if not blank or not block.endswith("\n"):
        raise ValueError("not a signed note: no blank line before newline-terminated signature lines")
    return text + "\n", [signature_line(line) for line in block[:-1].split("\n")]


def signature_line(line: str) -> tuple[str, bytes]:
    """(key name, key ID ‖ signature) of one signature line, without its newline; ValueError if it is none."""
    name, space, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
    if not line.startswith(SIGNATURE_PREFIX) or not space or not name or "+" in name:
        raise ValueError(f"not a signature line: {line[:80]!r}")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except ValueError as error:
        raise ValueError(f"a signature by {name} is not base64") from error
    if len(blob) < 5:
        raise ValueError(f"a signature by {name} is too short")
    return name, blob


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def load_signer(name: str, seed_base64: str | None, key_file: Path) -> Signer:
    """The key from configuration, else from `key_file`, created there (readable by the owner only) if absent."""
    if seed_base64:
        seed = base64.b64decode(seed_base64)
    elif key_file.exists():
        seed = base64.b64decode(key_file.read_text().strip())
    else:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        key_file.touch(mode=0o600)
        key_file.write_text(base64.b64encode(seed).decode() + "\n")
    return Signer(name, Ed25519PrivateKey.from_private_bytes(seed))


def verify(note: str, verifier_key: str) -> tuple[str, int, bytes]:
    """Check a checkpoint's signature; return (origin, size, root). Raises ValueError on any mismatch."""
    name, key_hash_hex, encoded = verifier_key.split("+", 2)
    raw = base64.b64decode(encoded)
    if raw[:1] != ED25519:
        raise ValueError("not an Ed25519 verifier key")
    public = Ed25519PublicKey.from_public_bytes(raw[1:])
    body, _, signatures = note.partition("\n\n")
    body += "\n"
    for line in signatures.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            continue
        signer, _, blob = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        data = base64.b64decode(blob)
        if signer == name and data[:4].hex() == key_hash_hex:
            try:
                public.verify(data[4:], body.encode())
            except InvalidSignature as error:
                raise ValueError("the checkpoint's signature does not verify") from error
            origin, size, root = body.splitlines()[:3]
            return origin, int(size), base64.b64decode(root)
    raise ValueError(f"no signature by {name} on this checkpoint")
