"""Witness cosignatures: C2SP tlog-cosignature `cosignature/v1`, Ed25519 (signed-note signature type 0x04).

A cosignature is one more signature line on a checkpoint, `— <witness name> base64(key ID ‖ timestamp ‖
signature)`: the key ID is SHA-256(name ‖ "\\n" ‖ 0x04 ‖ public key)[:4], the timestamp a big-endian u64 of POSIX
seconds, and the Ed25519 signature covers "cosignature/v1\\n", "time <timestamp>\\n" and the checkpoint's whole text
(the note without its signature lines). It states that, at that time, this was the largest tree the witness had
seen the log grow consistently to.
"""

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.note import SIGNATURE_PREFIX, NoteKey, VerifierKey, split

COSIGNATURE_V1 = b"\x04"
# key ID (4) ‖ timestamp (8) ‖ Ed25519 signature (64)
COSIGNATURE_BYTES = 4 + 8 + 64


def message(checkpoint_text: str, timestamp: int) -> bytes:
    """What a cosignature signs: the header line, the time line, then the checkpoint's text (final newline
    included, signature lines not)."""
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


@dataclass(frozen=True)
class Cosigner(NoteKey):
    """A witness's signing key and name."""

    TYPE = COSIGNATURE_V1

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """The signature line (newline included) cosigning a checkpoint whose text is `checkpoint_text`."""
        if not 0 < timestamp < 2**63:
            raise ValueError("a cosignature's timestamp is a positive POSIX time below 2^63")
        signature = self.key.sign(message(checkpoint_text, timestamp))
        blob = self.key_hash + timestamp.to_bytes(8, "big") + signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode()}\n"


class CosignatureKey:
    """A witness's verifier key: finds and checks that witness's cosignature on a checkpoint."""

    def __init__(self, verifier_key: str) -> None:
        self.key = VerifierKey.parse(verifier_key, COSIGNATURE_V1)
        self.verifier_key = verifier_key.strip()

    @property
    def name(self) -> str:
        return self.key.name

    def owns(self, name: str, blob: bytes) -> bool:
        """Whether a signature line (name, decoded signature) claims to be this key's: same name and key ID."""
        return name == self.key.name and blob[:4] == self.key.key_id

    def timestamp(self, note: str) -> int:
        """The verified timestamp of this witness's cosignature on `note` (a checkpoint with its signature lines).

        Raises ValueError when the note carries none, or one that does not verify."""
        text, signatures = split(note)
        for name, blob in signatures:
            if not self.owns(name, blob):
                continue
            if len(blob) != COSIGNATURE_BYTES:
                raise ValueError(f"the cosignature by {name} is not a cosignature/v1 signature")
            timestamp = int.from_bytes(blob[4:12], "big")
            try:
                self.key.public.verify(blob[12:], message(text, timestamp))
            except InvalidSignature as error:
                raise ValueError(f"the cosignature by {name} does not verify") from error
            if timestamp == 0:
                raise ValueError(f"the cosignature by {name} has no timestamp")
            return timestamp
        raise ValueError(f"no cosignature by {self.key.name} on this checkpoint")

    def line_of(self, note: str) -> str:
        """This witness's signature line on `note`, once verified (a witness's answer appended to the checkpoint)."""
        self.timestamp(note)
        _, signatures = split(note)
        name, blob = next((name, blob) for name, blob in signatures if self.owns(name, blob))
        return f"{SIGNATURE_PREFIX}{name} {base64.b64encode(blob).decode()}\n"


def load_cosigner(key_file: Path, name: str | None) -> Cosigner:
    """The witness's key from `key_file`, created there (readable by the owner only) on first use.

    The file keeps the name with the seed: the key ID hashes the name, so a witness renamed by a later option
    would change its verifier key under the logs and verifiers that trust it. Asking for another name is an error.
    """
    if key_file.exists():
        stored = json.loads(key_file.read_text())
        if name is not None and name != stored["name"]:
            raise ValueError(f"this witness is named {stored['name']!r}; its key ID depends on the name")
        return Cosigner(stored["name"], Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored["seed"])))
    if name is None:
        raise ValueError(f"no witness key in {key_file.parent}: run the witness once with --name to create it")
    if not name or "+" in name or any(character.isspace() for character in name):
        raise ValueError("a witness name is non-empty, without spaces or '+' (e.g. witness.example.org/w1)")
    key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    # O_EXCL: two first starts at once cannot both write a key; the loser fails instead of using another key.
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(json.dumps({"name": name, "seed": base64.b64encode(seed).decode()}) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return Cosigner(name, Ed25519PrivateKey.from_private_bytes(seed))
