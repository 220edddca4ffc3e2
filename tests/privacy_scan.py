"""The suite-wide privacy scan: every response, WebSocket message and log line the tests see, and every event and
ledger leaf of every test database, checked against the applicants of those databases and against anything shaped
like a resident registration number.

Texts are reduced to their candidate tokens as they arrive (phones, e-mails, registration numbers, Hangul words,
street addresses), since the applicants are known only at the end and the whole suite's text is far too large
to keep; the few secrets of no known shape are searched in full texts, kept once each.
"""

import hashlib
import logging
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from tests.helpers import EMAIL, HANGUL_RUN, PHONE

RESIDENT_NUMBER = re.compile(r"(?<!\d)\d{6}-[1-4]\d{6}(?!\d)")
ADDRESS = re.compile(r"서울특별시 [가-힣]+구 [가-힣0-9]+ \d+")
SHAPES = (PHONE, EMAIL, ADDRESS)


@dataclass
class Finding:
    secret: str
    where: str


@dataclass
class Recorder:
    """What the tests saw; `where` names the first place each token was seen, for the report."""

    responses: int = 0
    private_responses: int = 0
    messages: int = 0
    log_lines: int = 0
    databases: list[str] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    # The demo draws applicants' addresses and cases' public locations from one small pool of street addresses, so
    # some coincide by chance: an address that is a case's location in any test database is public and cannot leak.
    public_locations: set[str] = field(default_factory=set)
    resident_numbers: dict[str, str] = field(default_factory=dict)
    # Per database, the first case whose applicant is Hypothesis's random text rather than a person's data
    # (tests/fuzz): single characters and public codes would "leak" everywhere.
    generated_from: dict[str, int] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)
    _words: dict[str, str] = field(default_factory=dict)
    # Compressed: only the rare secret of no known shape needs them, and the suite's responses run to megabytes.
    _texts: dict[bytes, tuple[bytes, str]] = field(default_factory=dict)

    def response(self, text: str, where: str) -> None:
        """An HTTP answer; one marked `private:` (the applicant's own view, an officer's) is only counted."""
        if where.startswith("private: "):
            self.private_responses += 1
            return
        self.responses += 1
        self._take(text, where)

    def message(self, text: str, where: str) -> None:
        self.messages += 1
        self._take(text, where)

    def _log(self, text: str) -> None:
        """A formatted log line; the handler calls it, and a test plants one to prove the scan reads them."""
        self.log_lines += 1
        self._take(text, "log")

    def database(
        self, name: str, applicants: Iterable[Iterable[str]], texts: Iterable[str], locations: Iterable[str] = ()
    ) -> None:
        self.databases.append(name)
        self.public_locations.update(locations)
        for row in applicants:
            self.secrets.update(value for value in row if value)
        for text in texts:
            self._take(text, f"database {name}")

    def _take(self, text: str, where: str) -> None:
        for shape in SHAPES:
            for token in shape.findall(text):
                self._tokens.setdefault(token, where)
        for token in RESIDENT_NUMBER.findall(text):
            self.resident_numbers.setdefault(token, where)
        for run in HANGUL_RUN.findall(text):
            self._words.setdefault(run, where)
        raw = text.encode("utf-8", "replace")
        digest = hashlib.blake2b(raw, digest_size=16).digest()
        if digest not in self._texts:
            self._texts[digest] = (zlib.compress(raw, 1), where)

    def findings(self) -> list[Finding]:
        found = [
            Finding(f"resident registration number {number}", where) for number, where in self.resident_numbers.items()
        ]
        secrets = self.secrets - self.public_locations
        shaped = {secret for secret in secrets if any(shape.fullmatch(secret) for shape in SHAPES)}
        names = {secret for secret in secrets if HANGUL_RUN.fullmatch(secret) and len(secret) <= 4}
        found += [Finding(secret, self._tokens[secret]) for secret in sorted(shaped & self._tokens.keys())]
        for word, where in self._words.items():
            for size in (2, 3, 4):
                for start in range(len(word) - size + 1):
                    if (part := word[start : start + size]) in names:
                        found.append(Finding(part, where))
                        names.discard(part)
        unshaped = sorted(
            secret for secret in secrets - shaped if not (HANGUL_RUN.fullmatch(secret) and len(secret) <= 4)
        )
        if unshaped:
            for packed, where in self._texts.values():
                text = zlib.decompress(packed).decode("utf-8", "replace")
                found += [Finding(secret, where) for secret in unshaped if secret in text]
        return found

    def report(self) -> str:
        lines = [
            f"privacy scan: {len(self.secrets)} applicant values of {len(self.databases)} databases, against "
            f"{self.responses} public responses ({self.private_responses} private ones not scanned), "
            f"{self.messages} WebSocket messages, {self.log_lines} log lines and every event and ledger leaf"
        ]
        lines += [f"  LEAK {finding.secret!r} in {finding.where}" for finding in self.findings()]
        return "\n".join(lines)


class CapturingHandler(logging.Handler):
    def __init__(self, recorder: Recorder) -> None:
        super().__init__(logging.NOTSET)
        self.recorder = recorder
        # Tracebacks included: an exception's message may carry a statement's parameters.
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.recorder._log(self.format(record))
        except Exception:
            self.handleError(record)


RECORDER = Recorder()
