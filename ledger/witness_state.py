"""What a witness remembers of each log it cosigns: the size and root hash it last cosigned, and that checkpoint
with its cosignature (served to monitors), in one JSON file of the witness's state directory.

A witness that forgot would cosign a fork (it accepts a log's first checkpoint as it is), so the file is
replaced atomically and durably before a cosignature leaves the process, and one process at a time may use it.
"""

import base64
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Cosigned:
    size: int
    root: bytes
    # The checkpoint with the log's verified signature(s) and this witness's cosignature.
    checkpoint: str


class StateInUse(Exception):
    """Another witness process holds this state directory."""


class WitnessState:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Held for the life of the process: a second witness on the same state would check `old` against a
        # size the first one is about to change, the race c2sp.org/tlog-witness warns of.
        self._lock = path.with_suffix(".lock").open("a")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StateInUse(f"another witness process uses {path.parent}") from None
        self._logs: dict[str, Cosigned] = {}
        if path.exists():
            stored = json.loads(path.read_text())
            self._logs = {
                origin: Cosigned(entry["size"], base64.b64decode(entry["root"]), entry["checkpoint"])
                for origin, entry in stored["logs"].items()
            }

    def get(self, origin: str) -> Cosigned | None:
        return self._logs.get(origin)

    def origins(self) -> list[str]:
        return list(self._logs)

    def put(self, origin: str, cosigned: Cosigned) -> None:
        """Records the new latest cosigned checkpoint of `origin`: a crash leaves the old file or the new one."""
        logs = {**self._logs, origin: cosigned}
        text = json.dumps(
            {
                "v": 1,
                "logs": {
                    name: {
                        "size": entry.size,
                        "root": base64.b64encode(entry.root).decode(),
                        "checkpoint": entry.checkpoint,
                    }
                    for name, entry in sorted(logs.items())
                },
            },
            ensure_ascii=False,
            indent=1,
        )
        partial = self.path.with_suffix(".partial")
        with partial.open("w") as file:
            file.write(text + "\n")
            file.flush()
            os.fsync(file.fileno())
        partial.replace(self.path)
        # The rename itself is durable only once the directory is.
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self._logs = logs

    def close(self) -> None:
        self._lock.close()
