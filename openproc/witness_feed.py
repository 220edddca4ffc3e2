"""The log's side of C2SP tlog-witness: each signed checkpoint goes to each witness, which cosigns it.

One background task per witness, so that a witness that is down or slow delays nothing but itself: the signer
only hands it the latest checkpoint (`offer`), and a checkpoint signed while a submission is under way replaces the
one waiting. A submission carries a consistency proof from the size the witness last cosigned: learned from its
last success, or from its 409 answer (a first submission says `old 0`, as the specification allows). The answer
is stored only once it verifies with the witness's configured key.
"""

import asyncio
import base64
import contextlib
import logging
import re
import time

import httpx

from ledger.cosignature import CosignatureKey
from ledger.last_signed import Signed
from ledger.note import signature_line, split
from resolvers import cosignatures, ledger
from resolvers.dataloaders import Sessions
from telemetry import LEDGER_COSIGNATURES, LEDGER_WITNESS_FAILURES

logger = logging.getLogger("openproc.ledger")

# After a failed submission, wait this long before the next one, doubling up to the cap: a witness that is down
# is asked again soon, and not after every commit.
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 30.0
SIZE_TYPE = "text/x.tlog.size"
DECIMAL = re.compile(r"0|[1-9][0-9]*")


class WitnessFailure(Exception):
    """A submission that brought no cosignature; `reason` is one of a fixed few (a metric label)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def _status_reason(status: int) -> str:
    if status == 422:
        return "inconsistent"  # the witness holds a tree this checkpoint does not extend: a fork, or its state
    if status in (400, 403, 404):
        return "rejected"  # not a log it knows, not a signature it trusts, or a request it cannot read
    return "server_error"


class WitnessFeed:
    """Submits the latest checkpoint to one witness and stores the cosignature it answers."""

    def __init__(self, sessions: Sessions, url: str, key: CosignatureKey, timeout_s: float, refresh_s: float) -> None:
        self.sessions, self.key, self.timeout_s, self.refresh_s = sessions, key, timeout_s, refresh_s
        self.url = url.rstrip("/") + "/add-checkpoint"
        # The size the witness last cosigned for this log, as far as this process knows (None: ask it).
        self.witness_size: int | None = None
        self._offered: Signed | None = None
        # (size, monotonic time) of this process's last cosignature from the witness.
        self._cosigned: tuple[int, float] | None = None
        self._woken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failing: str | None = None

    def offer(self, signed: Signed) -> None:
        """The latest checkpoint: submitted if the witness has not cosigned it (recently)."""
        self._offered = signed
        self._woken.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"openproc-witness-{self.key.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _due(self, signed: Signed) -> bool:
        return (
            self._cosigned is None
            or self._cosigned[0] != signed.size
            or time.monotonic() - self._cosigned[1] >= self.refresh_s
        )

    async def _run(self) -> None:
        failures = 0
        async with httpx.AsyncClient(timeout=self.timeout_s) as http:
            while True:
                self._woken.clear()
                signed = self._offered
                if signed is not None and self._due(signed):
                    if await self._submit_once(http, signed):
                        failures = 0
                    else:
                        failures += 1
                        await asyncio.sleep(min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** (failures - 1)))
                        continue
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.refresh_s):
                        await self._woken.wait()

    async def _submit_once(self, http: httpx.AsyncClient, signed: Signed) -> bool:
        """One submission, counted and stored; False if it brought no cosignature."""
        try:
            async with asyncio.timeout(self.timeout_s):
                line = await self.submit(http, signed)
            if line is not None:
                await cosignatures.add_cosignature(self.sessions, signed.size, line, self._is_ours)
        except (WitnessFailure, httpx.HTTPError, TimeoutError) as error:
            reason = (
                error.reason
                if isinstance(error, WitnessFailure)
                else "unreachable"
                if isinstance(error, httpx.TransportError | TimeoutError)
                else "server_error"
            )
            LEDGER_WITNESS_FAILURES.labels(self.key.name, reason).inc()
            detail = f"{reason}: {str(error) or type(error).__name__}"
            if self._failing != detail:
                # Once per reason, not once per retry; the counter has every one.
                logger.warning("witness %s did not cosign checkpoint %d (%s)", self.key.name, signed.size, detail)
            self._failing = detail
            # What the witness holds is unknown now (a 422 may mean it moved on): the next try asks again.
            self.witness_size = None
            return False
        except Exception:
            # The log's side (a proof, storing the line) failed: the task must outlive it, as the signer does.
            LEDGER_WITNESS_FAILURES.labels(self.key.name, "internal").inc()
            logger.exception("submitting checkpoint %d to witness %s failed", signed.size, self.key.name)
            self.witness_size = None
            return False
        if self._failing is not None:
            logger.info("witness %s cosigns again", self.key.name)
        self._failing = None
        if line is not None:
            LEDGER_COSIGNATURES.labels(self.key.name).inc()
        # Also when the witness was found ahead of it: this checkpoint is not offered to it again until refresh.
        self._cosigned = (signed.size, time.monotonic())
        return True

    def _is_ours(self, line: str) -> bool:
        try:
            return self.key.owns(*signature_line(line.rstrip("\n")))
        except ValueError:
            return False

    async def submit(self, http: httpx.AsyncClient, signed: Signed) -> str | None:
        """Ask the witness to cosign `signed`; its verified cosignature line. None when the witness has already
        cosigned a larger tree (another replica's checkpoint): nothing to prove to it from this one."""
        for _ in range(2):  # a 409 tells the witness's size; the second request proves consistency from it
            if self.witness_size is not None and self.witness_size > signed.size:
                return None
            old = self.witness_size if self.witness_size is not None else 0
            proof: list[bytes] = []
            if 0 < old < signed.size:
                _, proof = await ledger.consistency(self.sessions, old, signed.size)
            body = f"old {old}\n" + "".join(base64.b64encode(node).decode() + "\n" for node in proof) + "\n"
            response = await http.post(
                self.url, content=(body + signed.note).encode(), headers={"Content-Type": "text/plain; charset=utf-8"}
            )
            if response.status_code == 409:
                self.witness_size = self._size_of(response)
                continue
            if response.status_code != 200:
                raise WitnessFailure(
                    _status_reason(response.status_code), f"HTTP {response.status_code}: {response.text[:200].strip()}"
                )
            try:
                # The answer's lines on the checkpoint's text alone: `signed.note` may already carry this witness's
                # earlier cosignature (the served note), which must not pass for the new one.
                text, _ = split(signed.note)
                line = self.key.line_of(f"{text}\n{response.text}")
            except ValueError as error:
                raise WitnessFailure("invalid_cosignature", str(error)) from None
            self.witness_size = signed.size
            return line
        raise WitnessFailure("conflict", f"the witness's size kept changing (last {self.witness_size})")

    @staticmethod
    def _size_of(response: httpx.Response) -> int:
        text = response.text
        if response.headers.get("content-type", "").split(";")[0].strip() != SIZE_TYPE or not text.endswith("\n"):
            raise WitnessFailure("server_error", "a 409 without a text/x.tlog.size body")
        if not DECIMAL.fullmatch(text[:-1]):
            raise WitnessFailure("server_error", f"a 409 with a malformed size {text[:40]!r}")
        return int(text)
