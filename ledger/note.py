"""Checkpoints as C2SP signed notes (c2sp.org/tlog-checkpoint, c2sp.org/signed-note) with Ed25519."""

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space open every signature line


@dataclass(frozen=True)
class Signer:
    name: str
    key: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        return self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_hash(self) -> bytes:
        return hashlib.sha256(self.name.encode() + b"\n" + ED25519 + self.public_bytes).digest()[:4]

    @property
    def verifier_key(self) -> str:
        """The public key in the signed-note verifier format: `<name>+<hex key hash>+<base64(type ‖ key)>`."""
        return f"{self.name}+{self.key_hash.hex()}+{base64.b64encode(ED25519 + self.public_bytes).decode()}"

    def sign(self, body: str) -> str:
        signature = self.key.sign(body.encode())
        line = base64.b64encode(self.key_hash + signature).decode()
        return f"{body}\n{SIGNATURE_PREFIX}{self.name} {line}\n"


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
