"""The last checkpoint this signer signed for a log, kept outside the database the signer polices.

Someone who can write to the database can rewrite leaves, their hashes and the checkpoint table; they cannot
change this file, which lives with the signing key. Before each signature the signer proves that the new tree
extends the larger of this checkpoint and the latest one in the database carrying its own signature (both are
genuine: nobody else holds the key), so a rewritten history is refused even after a restart.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from ledger import note


@dataclass(frozen=True)
class Signed:
    size: int
    root: bytes
    note: str


class LastSigned:
    def __init__(self, path: Path, verifier_key: str) -> None:
        self.path, self.verifier_key = path, verifier_key
        # Once read (or written) it is known without reading and verifying it again at every signing round, which
        # runs after every commit. Should replicas share the file, a copy that lags is no risk: the signer also
        # takes the latest checkpoint in the database that carries its signature.
        self._known: Signed | None = None

    def read(self) -> Signed | None:
        """The checkpoint last written here; a file not signed by this key is an error, not a fresh start."""
        if self._known is None and self.path.exists():
            text = self.path.read_text()
            _, size, root = note.verify(text, self.verifier_key)
            self._known = Signed(size, root, text)
        return self._known

    def write(self, signed: Signed) -> None:
        """Replaces the file atomically and durably: a crash leaves the old checkpoint or the new one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        with partial.open("w") as file:
            file.write(signed.note)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(self.path)
        self._known = signed
