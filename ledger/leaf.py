"""Leaf bytes: an event's public content as canonical JSON (RFC 8785), version-tagged.

A leaf holds the sequence, type, case, step and actor ids, both instants (ISO 8601, UTC) and the public payload.
Version 2 (docs/ledger.md) added what a registration and a resumption change on the case page; leaves already
hashed keep the version they were written with. Nothing from the applicant table ever goes into a leaf, so
correcting private data never breaks a proof.
"""

from datetime import UTC, datetime
from typing import Any

import rfc8785

VERSION = 2


def instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def content(
    seq: int,
    type: str,
    case_id: int | None,
    step_id: int | None,
    actor_id: int | None,
    occurred_at: datetime,
    recorded_at: datetime,
    payload: dict[str, Any],
    version: int = VERSION,
) -> dict[str, Any]:
    return {
        "v": version,
        "seq": seq,
        "type": type,
        "case": case_id,
        "step": step_id,
        "actor": actor_id,
        "occurredAt": instant(occurred_at),
        "recordedAt": instant(recorded_at),
        "payload": payload,
    }


def encode(value: dict[str, Any]) -> bytes:
    return rfc8785.dumps(value)
