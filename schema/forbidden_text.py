"""Text that no open-data format can carry: NUL (PostgreSQL cannot store it) and the other characters XML 1.0
forbids — C0 controls but tab, line feed and carriage return, and the non-characters U+FFFE and U+FFFF. One
`\\x0b` in a case title would otherwise break every Open311 XML feed that lists it, for every client, for as long
as the case is listed. Every door refuses them (openproc/input_guard.py over HTTP, the subscription server on the
socket); exports escape them as well, for rows written before the guard.

In a JSON body these characters can only be written as `\\u00XX` / `\\uFFFE` escapes (also inside a GraphQL string
escape, `\\\\u000b`), so finding them needs no parsing; GET requests carry them percent-encoded.
"""

import json
import re
from typing import Any

MESSAGE = "text may not contain control characters other than tab and line breaks (nor U+FFFE, U+FFFF)"
ERROR = {"message": MESSAGE, "extensions": {"code": "BAD_USER_INPUT"}}
# The characters XML 1.0 forbids (NUL included), as themselves ...
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# ... and as the JSON or GraphQL escapes that spell them.
ESCAPED = re.compile(rb"\\u(00[01][0-9a-fA-F]|[fF]{3}[eEfF])")
ALLOWED_ESCAPES = {b"0009", b"000a", b"000A", b"000d", b"000D"}


def forbidden_in(raw: bytes) -> bool:
    if FORBIDDEN.search(raw.decode("utf-8", "replace")):
        return True
    return any(match.group(1) not in ALLOWED_ESCAPES for match in ESCAPED.finditer(raw))


def unreadable(raw: bytes) -> str | None:
    """Why a JSON text cannot be read at all, where parsers fail with an error of their own instead of a syntax
    error (an HTTP 500 before): it is not UTF-8, or it nests deeper than they recurse. Other faults are left to
    the GraphQL view, which answers them with 400."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "the request is not UTF-8"
    try:
        json.loads(text)
    except RecursionError:
        return "the request's JSON nests too deep"
    except ValueError:
        return None
    return None


def has_forbidden(value: Any) -> bool:
    """Any forbidden character in a decoded value: a string, or the strings inside lists and objects."""
    if isinstance(value, str):
        return forbidden_in(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, dict):
        return any(has_forbidden(key) or has_forbidden(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_forbidden(item) for item in value)
    return False


def xml_safe(text: str) -> str:
    """The text with every character XML 1.0 forbids replaced by U+FFFD, for writing XML."""
    return FORBIDDEN.sub("\ufffd", text)
