"""A witness's side of C2SP tlog-witness `add-checkpoint`: parse the request, check it against the logs it
trusts and what it cosigned before, cosign (c2sp.org/tlog-cosignature). No HTTP here: openproc/witness_server.py
turns a `Rejected` into its status code.

The checks, in the specification's order: the origin is a known log (else 404); a signature by one of its keys
verifies and none by its keys fails (else 403); `old` is at most the checkpoint's size (else 400); `old` is the
size last cosigned for that origin, 0 if none (else 409 with that size); an empty tree has the empty root, a
proof from 0 is empty, a proof from `old` is an RFC 6962 consistency proof from the tree last cosigned (else 422).
The first checkpoint of a log is accepted as it comes: trust on first use.
"""

import base64
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from ledger import merkle
from ledger.cosignature import Cosigner
from ledger.note import ED25519, SIGNATURE_PREFIX, VerifierKey, split
from ledger.witness_state import Cosigned, WitnessState

logger = logging.getLogger("openproc.witness")

# c2sp.org/tlog-witness: a client sends at most 63 proof lines; a tree of 2^63 leaves needs no more.
MAX_PROOF_LINES = 63
DECIMAL = re.compile(r"0|[1-9][0-9]*")


class Rejected(Exception):
    """The request is refused with an HTTP status; for 409, `size` is the size last cosigned."""

    def __init__(self, status: int, reason: str, size: int | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.size = status, reason, size


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: str
    signatures: list[tuple[str, bytes]]


@dataclass(frozen=True)
class Submission:
    old: int
    proof: list[bytes]
    checkpoint: Checkpoint


def _decimal(text: str, what: str) -> int:
    if not DECIMAL.fullmatch(text):
        raise Rejected(400, f"{what} is not a decimal without leading zeros")
    return int(text)


def _hash(line: str, what: str) -> bytes:
    try:
        value = base64.b64decode(line, validate=True)
    except ValueError:
        value = b""
    if len(value) != 32:
        raise Rejected(400, f"{what} is not a base64 SHA-256 hash")
    return value


def parse_checkpoint(note: str) -> Checkpoint:
    """A c2sp.org/tlog-checkpoint note: origin, size, root hash, optional non-empty extension lines."""
    try:
        text, signatures = split(note)
    except ValueError as error:
        raise Rejected(400, str(error)) from None
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise Rejected(400, "a checkpoint's text is an origin, a size, a root hash and non-empty extension lines")
    return Checkpoint(lines[0], _decimal(lines[1], "the tree size"), _hash(lines[2], "the root hash"), text, signatures)


def parse_submission(body: bytes) -> Submission:
    """`old <size>`, up to 63 base64 proof hashes, an empty line, then the checkpoint; every line ends in "\\n"."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "the request is not UTF-8") from None
    head, blank, note = text.partition("\n\n")
    if not blank:
        raise Rejected(400, "no empty line between the proof and the checkpoint")
    old_line, *proof_lines = head.split("\n")
    if not old_line.startswith("old "):
        raise Rejected(400, "the first line is not `old <size>`")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise Rejected(400, f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = [_hash(line, "a consistency proof line") for line in proof_lines]
    return Submission(_decimal(old_line[4:], "the old size"), proof, parse_checkpoint(note))


class Witness:
    """Cosigns the checkpoints of the logs it knows (by their Ed25519 verifier keys; origin = key name)."""

    def __init__(
        self,
        cosigner: Cosigner,
        log_keys: Iterable[str],
        state: WitnessState,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cosigner, self.state, self.clock = cosigner, state, clock
        self.logs: dict[str, list[VerifierKey]] = {}
        for text in log_keys:
            key = VerifierKey.parse(text, ED25519)
            self.logs.setdefault(key.name, []).append(key)
        # The check of `old` and the write of the new state are one step: two requests for one log must not
        # interleave, or a smaller checkpoint could overwrite a larger one just cosigned (the specification's race).
        self._lock = threading.Lock()

    def add_checkpoint(self, body: bytes) -> str:
        """The cosignature line(s) for an accepted request; raises Rejected otherwise."""
        submission = parse_submission(body)
        checkpoint = submission.checkpoint
        keys = self.logs.get(checkpoint.origin)
        if keys is None:
            raise Rejected(404, f"unknown log {checkpoint.origin!r}")
        log_signatures = self._verified_signatures(checkpoint, keys)
        if submission.old > checkpoint.size:
            raise Rejected(400, f"old size {submission.old} is larger than the checkpoint's {checkpoint.size}")
        with self._lock:
            known = self.state.get(checkpoint.origin)
            known_size = known.size if known is not None else 0
            if submission.old != known_size:
                raise Rejected(409, f"the size last cosigned is {known_size}", known_size)
            self._check_consistency(submission, known.root if known is not None else merkle.EMPTY_ROOT)
            timestamp = int(self.clock())
            line = self.cosigner.cosign(checkpoint.text, timestamp)
            served = checkpoint.text + "\n" + "".join(log_signatures) + line
            # Persisted before the cosignature is returned: once a log holds it, the witness must never contradict it.
            self.state.put(checkpoint.origin, Cosigned(checkpoint.size, checkpoint.root, served))
        return line

    def latest(self, origin_hash: str) -> str | None:
        """The last cosigned checkpoint of the log whose origin hashes (SHA-256, lowercase hex) to `origin_hash`."""
        for origin in self.state.origins():
            if hashlib.sha256(origin.encode()).hexdigest() == origin_hash:
                cosigned = self.state.get(origin)
                return cosigned.checkpoint if cosigned is not None else None
        return None

    @staticmethod
    def _verified_signatures(checkpoint: Checkpoint, keys: list[VerifierKey]) -> list[str]:
        """The lines of the log's signatures that verify; signatures by unknown keys are ignored, as signed-note
        requires, and one by a known key that fails makes the note malformed."""
        verified = []
        for name, blob in checkpoint.signatures:
            for key in keys:
                if name != key.name or blob[:4] != key.key_id:
                    continue
                try:
                    key.public.verify(blob[4:], checkpoint.text.encode())
                except InvalidSignature:
                    raise Rejected(403, f"the signature by {name} does not verify") from None
                verified.append(f"{SIGNATURE_PREFIX}{name} {base64.b64encode(blob).decode()}\n")
        if not verified:
            raise Rejected(403, f"no signature by a trusted key of {checkpoint.origin!r}")
        return verified

    @staticmethod
    def _check_consistency(submission: Submission, known_root: bytes) -> None:
        """`known_root`: the root of the tree of `old` leaves this witness cosigned (`old` matched its size)."""
        checkpoint, old, proof = submission.checkpoint, submission.old, submission.proof
        if checkpoint.size == 0 and checkpoint.root != merkle.EMPTY_ROOT:
            raise Rejected(422, "a checkpoint of size 0 must have the empty tree's root")
        if old == 0:
            if proof:
                raise Rejected(422, "the empty tree needs no consistency proof")
            return
        if not merkle.verify_consistency(old, checkpoint.size, known_root, checkpoint.root, proof):
            # Kept in the log: a validly signed checkpoint inconsistent with a cosigned one proves a fork.
            logger.warning(
                "refusing a checkpoint of %s inconsistent with the one of %d cosigned before:\n%s",
                checkpoint.origin,
                old,
                checkpoint.text,
            )
            raise Rejected(422, f"the consistency proof from {old} to {checkpoint.size} does not verify")
