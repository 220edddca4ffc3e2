#!/usr/bin/env python3
"""openproc-verify: check an OPEN server's ledger without trusting it (and without any of its code).

    python verifier/openproc_verify.py --server http://127.0.0.1:8000 --key 'NAME+HASH+KEY' checkpoint
    python verifier/openproc_verify.py --server … --key … inclusion --seq 17 42
    python verifier/openproc_verify.py --server … --key … monitor
    python verifier/openproc_verify.py --server … --key … pages
    python verifier/openproc_verify.py --server … --key … pages --sample 50
    python verifier/openproc_verify.py --server … --key … pages --case 2026-BLD-PMT-00018

`checkpoint` verifies the latest checkpoint's signature and its consistency with the last one this verifier
stored (in --state); `inclusion` proves that given events, exactly as the server serves them now, are leaves of
it; `monitor` replays every leaf, recomputes the root, and compares every event the server now serves with the
leaf it was hashed as; `pages` does what `monitor` does and then compares every public case page (over GraphQL)
with what the leaves signed, field by field: the case (status, title, location, receipt, due and closing times,
result, task type, department), each step of its line (status, name, role, officer, start, due and signing
times, signer, comment or return reason), its public documents and its next actions. `pages --sample N` checks N
case pages drawn at random against the events the server lists for each, every one proven to be in the signed
tree as served: far faster, but blind to an event the server leaves out of a case's history; `pages --case
RECEIPT_NO` does the same for the cases named (an applicant's own, say).
With `--witness-key` (repeatable), the checkpoint any of these uses must also carry a valid cosignature (C2SP
tlog-cosignature `cosignature/v1`) by each of those witnesses, and how old each cosignature is gets reported.
Any mismatch exits with status 1 and says what failed. Needs Python 3.11+, `cryptography` (Ed25519) and
`rfc8785` (canonical JSON).
"""

import argparse
import base64
import hashlib
import json
import random
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
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


def graphql(server: str, query: str, variables: dict[str, Any]) -> Any:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(
        server.rstrip("/") + "/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    if answer.get("errors"):
        raise Mismatch(f"the server did not answer the case pages: {answer['errors'][0]['message']}")
    return answer["data"]


# Every public field of a case page that the leaves speak for (docs/ledger.md, "What a case page must show").
CASE_FIELDS = """
id receiptNo title location status receivedAt dueAt closedAt result taskType { code } department { id }
steps { id sequence name role status startedAt dueAt signedAt comment officer { id } signer { id } }
documents { id title kind registeredAt registeredBy { id } }
nextActions { id description scheduledFor status completedAt }
"""
CASE_PAGES = (
    "query($after: String) { cases(first: 50, after: $after) { pageInfo { hasNextPage endCursor } edges { node {"
    + CASE_FIELDS
    + "} } } }"
)
CASE_IDS = (
    "query($after: String) { cases(first: 100, after: $after) { pageInfo { hasNextPage endCursor }"
    " edges { node { id } } } }"
)
CASE_BY_RECEIPT = "query($receiptNo: String!) { case(receiptNo: $receiptNo) { id } }"
CASE_PAGE = "query($id: ID!) { node(id: $id) { ... on Case {" + CASE_FIELDS + "} } }"
CASE_EVENTS = (
    "query($id: ID!, $after: Int) { node(id: $id) { ... on Case { events(first: 100, after: $after) {"
    " pageInfo { hasNextPage } edges { node { sequence } } } } } }"
)
# The leaf format versions this verifier knows (docs/ledger/leaf-v<v>.schema.json).
VERSIONS = (1, 2)
# Leaf types that register a case, and that close it with its `result`.
REGISTERING = {"case_registered", "application_submitted"}
CLOSING = {"case_closed", "case_rejected", "case_withdrawn"}
ACTION_STATUS = {"action_completed": "done", "action_cancelled": "cancelled"}


def database_id(global_id: str) -> int:
    """GraphQL's global ID (base64 of "Type:id") as the leaves' integer id."""
    return int(base64.b64decode(global_id).decode().split(":", 1)[1])


def same_instant(served: str | None, signed: str | None) -> bool:
    """GraphQL shows instants in Seoul time, leaves in UTC: the same instant either way."""
    if served is None or signed is None:
        return served is signed
    return datetime.fromisoformat(served) == datetime.fromisoformat(signed)


def officer_id(officer: dict[str, Any] | None) -> int | None:
    return None if officer is None else database_id(officer["id"])


class SignedFacts:
    """What the leaves say the case pages must show: the last word of the signed events on each case, step
    (by case and sequence), document and next action. Fed leaves in sequence order."""

    def __init__(self) -> None:
        self.cases: dict[int, dict[str, Any]] = {}
        self.steps: dict[int, dict[int, dict[str, Any]]] = {}
        self.documents: dict[int, dict[int, dict[str, Any]]] = {}
        self.actions: dict[int, dict[int, dict[str, Any]]] = {}

    def add(self, leaf: bytes) -> None:
        event = json.loads(leaf)
        kind, payload, case_id = event["type"], event["payload"], event["case"]
        if case_id is None:
            return
        case = self.cases.setdefault(case_id, {})
        steps = self.steps.setdefault(case_id, {})
        if "case" in payload:
            case["status"], case["dueAt"] = payload["case"]["status"], payload["case"]["dueAt"]
        if kind in REGISTERING:
            case["registered"] = event
            if "line" in payload:  # version 2 on
                case["line"] = True
            for planned in payload.get("line", []):
                steps[planned["sequence"]] = {
                    "name": planned["name"],
                    "role": planned["role"],
                    "officerId": planned["officerId"],
                    "dueAt": planned["dueAt"],
                    "status": "pending",
                }
        if kind in CLOSING:
            case["closing"] = event
            for step in steps.values():
                if step.get("status") not in ("signed", "skipped"):
                    step["status"] = "skipped"
        shown = payload.get("step")
        if shown is not None:
            step = steps.setdefault(shown["sequence"], {})
            step.update(
                id=event["step"],
                name=shown["name"],
                status=shown["status"],
                officerId=shown["officerId"],
                dueAt=shown["dueAt"],
            )
            if kind in REGISTERING or kind == "step_started":
                step["startedAt"] = event["occurredAt"]
            if kind == "step_signed":
                step["text"], step["signing"] = payload["comment"], event
            elif kind == "step_returned":
                step["text"] = payload["reason"]
        for moved in payload.get("laterSteps", []):
            steps.setdefault(moved["sequence"], {})["dueAt"] = moved["dueAt"]
        if kind == "document_registered":
            document = payload["document"]
            self.documents.setdefault(case_id, {})[document["id"]] = {
                **document,
                "at": event["occurredAt"],
                "by": event["actor"],
            }
        if kind.startswith("action_"):
            action = payload["action"]
            self.actions.setdefault(case_id, {})[action["id"]] = {
                **action,
                "status": ACTION_STATUS.get(kind, "scheduled"),
                "completedAt": event["occurredAt"] if kind == "action_completed" else None,
            }

    def differences(self, page: dict[str, Any]) -> list[str]:
        """Where the served page differs from the signed facts: the case's first difference, each step's first,
        and each document and next action that differs (the same list `openproc ledger-check` gives)."""
        case_id, where = database_id(page["id"]), f"case {page['receiptNo']}"
        steps = self.steps.get(case_id, {})
        found = [f"{where} {problem}"] if (problem := self._case_problem(page, steps)) else []
        for step in page["steps"]:
            if problem := _step_problem(step, steps.get(step["sequence"], {})):
                found.append(f"{where}, step {step['sequence']} {problem}")
        found += [f"{where}, document {key} is not what the ledger signed" for key in self._documents_differing(page)]
        found += [f"{where}, next action {key} is not what the ledger signed" for key in self._actions_differing(page)]
        return found

    def _case_problem(self, page: dict[str, Any], steps: dict[int, dict[str, Any]]) -> str | None:
        case = self.cases.get(database_id(page["id"]), {})
        registered, closing = case.get("registered"), case.get("closing")
        if registered is None or "status" not in case:
            return "is served but no signed event concerns it"
        said = registered["payload"]
        if page["status"].lower() != case["status"]:
            return f"shows status {page['status'].lower()}, the ledger signed {case['status']}"
        if closing is not None and (
            page["result"] != closing["payload"]["result"] or not same_instant(page["closedAt"], closing["occurredAt"])
        ):
            return "shows a result or closing time the ledger did not sign"
        if (
            not same_instant(page["receivedAt"], registered["occurredAt"])
            or page["taskType"]["code"] != said["taskType"]
            or database_id(page["department"]["id"]) != said["departmentId"]
        ):
            return "shows a receipt time, task type or department the ledger did not sign"
        if "title" in said and (page["title"], page["location"]) != (said["title"], said["location"]):
            return "shows a title or location the ledger did not sign"
        if not same_instant(page["dueAt"], case["dueAt"]):
            return "shows a due time the ledger did not sign"
        if case.get("line") and sorted(step["sequence"] for step in page["steps"]) != sorted(steps):
            return "shows an approval line the ledger did not sign"
        return None

    def _documents_differing(self, page: dict[str, Any]) -> list[int]:
        """The page lists exactly the public documents the leaves registered, each as registered."""
        signed = {key: fact for key, fact in self.documents.get(database_id(page["id"]), {}).items() if fact["public"]}
        served = {database_id(document["id"]): document for document in page["documents"]}
        return [
            key
            for key in sorted(signed.keys() | served.keys())
            if (fact := signed.get(key)) is None
            or (document := served.get(key)) is None
            or document["kind"].lower() != fact["kind"]
            or document["title"] != fact["title"]
            or not same_instant(document["registeredAt"], fact["at"])
            or officer_id(document["registeredBy"]) != fact["by"]
        ]

    def _actions_differing(self, page: dict[str, Any]) -> list[int]:
        """The page lists exactly the next actions the leaves scheduled, each as its last leaf left it."""
        signed = self.actions.get(database_id(page["id"]), {})
        served = {database_id(action["id"]): action for action in page["nextActions"]}
        return [
            key
            for key in sorted(signed.keys() | served.keys())
            if (fact := signed.get(key)) is None
            or (action := served.get(key)) is None
            or action["description"] != fact["description"]
            or not same_instant(action["scheduledFor"], fact["scheduledFor"])
            or action["status"].lower() != fact["status"]
            or not same_instant(action["completedAt"], fact["completedAt"])
        ]


def _step_problem(step: dict[str, Any], fact: dict[str, Any]) -> str | None:
    """A step's first difference from what the leaves say of it, in the order docs/ledger.md lists the rules."""
    signing, status = fact.get("signing"), fact.get("status")
    if "id" in fact and database_id(step["id"]) != fact["id"]:
        return "is not the step the ledger signed"
    if (status is not None or step["status"] in ("SIGNED", "RETURNED")) and step["status"].lower() != status:
        return f"shows status {step['status'].lower()}, the ledger signed {status}"
    if step["comment"] != fact.get("text"):
        return "shows a comment the ledger did not sign"
    signed = (signing["occurredAt"], signing["actor"]) if signing else (None, None)
    if not same_instant(step["signedAt"], signed[0]) or officer_id(step["signer"]) != signed[1]:
        return "shows a signing time or signer the ledger did not sign"
    if not same_instant(step["startedAt"], fact.get("startedAt")):
        return "shows a start time the ledger did not sign"
    if "name" in fact and (
        step["name"] != fact["name"]
        or officer_id(step["officer"]) != fact["officerId"]
        or ("role" in fact and step["role"].lower() != fact["role"])
    ):
        return "shows a name, role or officer the ledger did not sign"
    if "dueAt" in fact and not same_instant(step["dueAt"], fact["dueAt"]):
        return "shows a due time the ledger did not sign"
    return None


def _report(differences: list[str]) -> None:
    """Every difference found, one per line."""
    if differences:
        raise Mismatch("\n".join(differences))


def signatures_by(note: str, name: str, key_hash: str) -> tuple[str, list[bytes]]:
    """A signed note's text (without its final newline) and the decoded signatures of the lines by `name` whose
    key hash is `key_hash`: signed-note's text ends at the last blank line, signature lines follow it."""
    text, separator, lines = note.rpartition("\n\n")
    if not separator:
        raise Mismatch("the checkpoint has no signature block")
    found = []
    for line in lines.splitlines():
        if line.startswith("\u2014 "):
            signer, _, blob = line[2:].rpartition(" ")
            data = base64.b64decode(blob)
            if signer == name and data[:4].hex() == key_hash:
                found.append(data)
    return text, found


def verify_note(note: str, key: str) -> tuple[str, int, bytes]:
    """C2SP signed note with an Ed25519 key `name+hexhash+base64(0x01‖key)`; returns (origin, size, root)."""
    name, key_hash, encoded = key.split("+", 2)
    raw = base64.b64decode(encoded)
    if raw[0] != 1:
        raise Mismatch("the key is not an Ed25519 signed-note key")
    public = Ed25519PublicKey.from_public_bytes(raw[1:])
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() != key_hash:
        raise Mismatch("the key's hash does not match its name and bytes")
    text, signed = signatures_by(note, name, key_hash)
    body = (text + "\n").encode()
    for data in signed:
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


class MissingCosignature(Mismatch):
    """The checkpoint carries no cosignature by a required witness (yet: it is cosigned shortly after signing)."""


# A witness's clock may run a little ahead of this machine's; a cosignature from further in the future is refused.
FUTURE_SKEW_S = 300


def verify_cosignature(note: str, witness_key: str) -> int:
    """C2SP tlog-cosignature `cosignature/v1` (Ed25519, signature type 0x04) by the witness of `witness_key`
    (`name+hexid+base64(0x04‖key)`) on this checkpoint; returns its timestamp (POSIX seconds)."""
    name, key_id, encoded = witness_key.split("+", 2)
    raw = base64.b64decode(encoded)
    if raw[:1] != b"\x04" or len(raw) != 33:
        raise Mismatch(f"the witness key of {name} is not a cosignature/v1 (Ed25519, type 0x04) key")
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() != key_id:
        raise Mismatch(f"the witness key of {name}: its ID does not match its name and bytes")
    public = Ed25519PublicKey.from_public_bytes(raw[1:])
    text, signed = signatures_by(note, name, key_id)
    body = (text + "\n").encode()
    for data in signed:
        # key ID (4) ‖ timestamp (8, big-endian) ‖ Ed25519 signature over the header, the time line and the body.
        if len(data) != 4 + 8 + 64:
            raise Mismatch(f"the cosignature by {name} is not a cosignature/v1 signature")
        timestamp = int.from_bytes(data[4:12], "big")
        try:
            public.verify(data[12:], f"cosignature/v1\ntime {timestamp}\n".encode() + body)
        except InvalidSignature as error:
            raise Mismatch(f"the cosignature by {name} is invalid") from error
        if timestamp == 0 or timestamp > time.time() + FUTURE_SKEW_S:
            raise Mismatch(f"the cosignature by {name} has no timestamp or one in the future ({timestamp})")
        return timestamp
    raise MissingCosignature(f"the checkpoint carries no cosignature by witness {name}")


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
    def __init__(
        self,
        server: str,
        key: str,
        state: Path,
        witness_keys: list[str] | None = None,
        witness_wait_s: float = 0,
        witness_max_age_s: float | None = None,
    ) -> None:
        self.server, self.key, self.state = server, key, state
        self.witness_keys, self.witness_wait_s, self.witness_max_age_s = (
            witness_keys or [],
            witness_wait_s,
            witness_max_age_s,
        )
        # Witness name → the timestamp of its cosignature on the last checkpoint verified.
        self.cosigned_at: dict[str, int] = {}

    def witnessed_note(self) -> str:
        """The served checkpoint once it carries every required cosignature: a witness cosigns a checkpoint
        shortly after the log signs it, so one just signed is fetched again, for up to --witness-wait seconds."""
        deadline = time.monotonic() + self.witness_wait_s
        while True:
            note = get(self.server, "/ledger/checkpoint").decode()
            try:
                cosigned = {key.split("+", 1)[0]: verify_cosignature(note, key) for key in self.witness_keys}
            except MissingCosignature:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)
                continue
            for name, timestamp in cosigned.items():
                if self.witness_max_age_s is not None and time.time() - timestamp > self.witness_max_age_s:
                    raise Mismatch(
                        f"witness {name} cosigned this checkpoint {time.time() - timestamp:.0f} s ago, more than"
                        f" {self.witness_max_age_s:.0f} s: the log (or the witness) has stopped"
                    )
            self.cosigned_at = cosigned
            return note

    def checkpoint(self) -> tuple[int, bytes]:
        note = self.witnessed_note()
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
            # A leaf keeps the format version it was hashed with; the event is encoded again in that version.
            version = json.loads(leaf).get("v")
            if version not in VERSIONS:
                raise Mismatch(f"leaf {index} is of format version {version}, which this verifier does not know")
            if rfc8785.dumps({"v": version, **event}) != leaf:
                raise Mismatch(f"event {index + 1} as served now differs from what was hashed into the ledger")

    def inclusion(self, sequences: list[int]) -> None:
        """Each event, as the server serves it now, is the leaf proven to be in the signed tree."""
        size, root = self.checkpoint()
        for sequence in sequences:
            index = sequence - 1
            if not 0 <= index < size:
                raise Mismatch(f"event {sequence} is not in the signed tree of {size} leaves")
            self._proven_leaf(sequence, size, root)

    def monitor(self, read: Callable[[bytes], None] | None = None, signed: tuple[int, bytes] | None = None) -> int:
        """Replay every leaf of the `signed` checkpoint (else the latest one), handing each to `read`."""
        size, root = signed or self.checkpoint()
        stack: list[tuple[int, bytes]] = []
        for start in range(0, size, PAGE):
            end = min(start + PAGE, size)
            leaves = self.leaves(start, end)
            self.served_as_hashed(start, leaves)
            for leaf in leaves:
                if read is not None:
                    read(leaf)
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

    def _listed(self, query: str, variables: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every case node of a `cases` listing, page after page."""
        after = None
        while True:
            page = graphql(self.server, query, {**variables, "after": after})["cases"]
            yield from (edge["node"] for edge in page["edges"])
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def signed_through(self, sequence: int, wait_s: float = 30) -> tuple[int, bytes]:
        """The first verified checkpoint that covers `sequence` (the server signs new events within a second)."""
        deadline = time.monotonic() + wait_s
        while (signed := self.checkpoint())[0] < sequence:
            if time.monotonic() > deadline:
                raise Mismatch(f"no checkpoint covers event {sequence} after {wait_s:.0f} s")
            time.sleep(0.5)
        return signed

    def log_end(self, end: int) -> int:
        """The last event the server serves, signed or not yet, looking from sequence `end` on."""
        while served := get_json(self.server, f"/ledger/events?start={end}&end={end + PAGE}")["events"]:
            end = served[-1]["seq"]
        return end

    def pages(self) -> tuple[int, int]:
        """Every public case page against the facts all the leaves signed; returns (leaves, cases)."""
        pages = list(self._listed(CASE_PAGES, {}))
        # What the pages show happened by now: compare them with a tree that holds all of it.
        signed = self.signed_through(self.log_end(self.checkpoint()[0]))
        facts = SignedFacts()
        size = self.monitor(facts.add, signed)
        _report([difference for case in pages for difference in facts.differences(case)])
        return size, len(pages)

    def sample(self, count: int, seed: int | None) -> list[str]:
        """The global IDs of `count` cases drawn at random from every case the server lists."""
        ids = [node["id"] for node in self._listed(CASE_IDS, {})]
        return random.Random(seed).sample(ids, min(count, len(ids)))

    def receipts(self, receipts: list[str]) -> list[str]:
        """The global IDs of the cases with these receipt numbers."""
        ids = []
        for receipt in receipts:
            found = graphql(self.server, CASE_BY_RECEIPT, {"receiptNo": receipt})["case"]
            if found is None:
                raise Mismatch(f"the server shows no case {receipt}")
            ids.append(found["id"])
        return ids

    def case_pages(self, ids: list[str]) -> tuple[int, int]:
        """Each given case page against the facts of the events the server lists for it, each event proven to be
        in the signed tree exactly as served; returns (leaves, cases). Unlike `pages`, this cannot see an event of
        the case that the server leaves out of the case's history."""
        read = [
            (graphql(self.server, CASE_PAGE, {"id": case_id})["node"], self._case_events(case_id)) for case_id in ids
        ]
        # One checkpoint that covers every event read proves them all.
        size, root = self.signed_through(max((max(events, default=0) for _, events in read), default=0))
        found = []
        for page, sequences in read:
            facts = SignedFacts()
            for sequence in sequences:
                facts.add(self._proven_leaf(sequence, size, root))
            found += facts.differences(page)
        _report(found)
        return sum(len(sequences) for _, sequences in read), len(ids)

    def _case_events(self, case_id: str) -> list[int]:
        sequences: list[int] = []
        while True:
            history = graphql(self.server, CASE_EVENTS, {"id": case_id, "after": max(sequences, default=None)})
            events = history["node"]["events"]
            sequences += [edge["node"]["sequence"] for edge in events["edges"]]
            if not events["pageInfo"]["hasNextPage"]:
                return sequences

    def _proven_leaf(self, sequence: int, size: int, root: bytes) -> bytes:
        """Event `sequence`'s leaf, proven to be in the tree of `size` and to be the event as served now."""
        index = sequence - 1
        (leaf,) = self.leaves(index, index + 1)
        self.served_as_hashed(index, [leaf])
        reply = get_json(self.server, f"/ledger/proof/inclusion?leaf_index={index}&tree_size={size}")
        path = [base64.b64decode(node) for node in reply["audit_path"]]
        if not verify_inclusion(index, size, leaf, path, root):
            raise Mismatch(f"event {sequence} is not proven to be in the tree of {size} leaves")
        return leaf


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
    parser.add_argument(
        "--witness-key",
        action="append",
        default=[],
        help="a witness's verifier key (NAME+ID+KEY, type 0x04): the checkpoint must carry its valid cosignature;"
        " repeatable",
    )
    parser.add_argument(
        "--witness-wait",
        type=float,
        default=10,
        help="seconds to wait for a just-signed checkpoint to be cosigned by the witnesses (default 10)",
    )
    parser.add_argument(
        "--witness-max-age",
        type=float,
        default=None,
        help="refuse a cosignature older than this many seconds (a frozen log's cosignatures only grow old)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("checkpoint", help="verify the latest checkpoint and its consistency with the last one")
    inclusion = commands.add_parser("inclusion", help="prove events are in the latest checkpoint")
    inclusion.add_argument("--seq", type=int, nargs="+", required=True, help="event sequence numbers")
    commands.add_parser("monitor", help="replay every leaf and every served event against the signed root")
    pages = commands.add_parser(
        "pages", help="monitor, then compare every public case page with what the leaves signed"
    )
    pages.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="instead, compare N case pages drawn at random with their own events, each proven in the signed tree",
    )
    pages.add_argument("--seed", type=int, help="the random draw's seed, to repeat a sample")
    pages.add_argument(
        "--case",
        action="append",
        default=[],
        metavar="RECEIPT_NO",
        help="instead, compare this case's page with its own events, each proven in the signed tree; repeatable",
    )
    args = parser.parse_args(argv)
    verifier = Verifier(args.server, args.key, args.state, args.witness_key, args.witness_wait, args.witness_max_age)
    try:
        if args.command == "checkpoint":
            size, root = verifier.checkpoint()
            print(f"ok: checkpoint of {size} leaves, root {base64.b64encode(root).decode()}")
        elif args.command == "inclusion":
            verifier.inclusion(args.seq)
            print(f"ok: events {', '.join(map(str, args.seq))} are in the ledger")
        elif args.command == "pages":
            if args.case or args.sample is not None:
                chosen = verifier.receipts(args.case) if args.case else verifier.sample(args.sample, args.seed)
                leaves, cases = verifier.case_pages(chosen)
            else:
                leaves, cases = verifier.pages()
            print(f"ok: {cases} case pages show what {leaves} signed leaves say")
        else:
            print(f"ok: all {verifier.monitor()} leaves and events match the signed root")
    except Mismatch as error:
        for line in str(error).splitlines():
            print(f"MISMATCH: {line}", file=sys.stderr)
        return 1
    for name, timestamp in verifier.cosigned_at.items():
        at = datetime.fromtimestamp(timestamp, UTC).isoformat()
        print(f"witness {name}: cosigned {time.time() - timestamp:.0f} s ago ({at})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
