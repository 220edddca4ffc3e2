"""Applicants' one-time access codes: short enough to type, hashed with scrypt because they are guessable."""

import asyncio
import base64
import functools
import hashlib
import hmac
import secrets

# Crockford's base32 without I, L, O, U: no letters that read as digits.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N, R, P = 2**14, 8, 1


def new_code() -> str:
    """Twelve characters (60 random bits) in three groups: `7KQ2-M9XP-4TRB`."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _normalise(code: str) -> bytes:
    return code.replace("-", "").replace(" ", "").upper().encode()


def hash_code(code: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(_normalise(code), salt=salt, n=N, r=R, p=P)
    return f"scrypt${N}${R}${P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


async def hash_in_thread(code: str) -> str:
    """scrypt takes tens of milliseconds of CPU: keep it off the event loop."""
    return await asyncio.to_thread(hash_code, code)


async def verify_in_thread(code: str, stored: str) -> bool:
    return await asyncio.to_thread(verify, code, stored)


@functools.cache
def _unmatchable() -> str:
    return hash_code(new_code())


async def unmatchable_in_thread() -> str:
    """A stored hash that no code a caller knows matches, made once (in a thread): checking a guess against it
    for a receipt number with no case costs what checking a real one costs, and the event loop nothing."""
    return await asyncio.to_thread(_unmatchable)


def verify(code: str, stored: str) -> bool:
    """Constant-time check; a locked or malformed hash never matches."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    n, r, p = (int(part) for part in parts[1:4])
    salt, expected = base64.b64decode(parts[4]), base64.b64decode(parts[5])
    actual = hashlib.scrypt(_normalise(code), salt=salt, n=n, r=r, p=p, dklen=len(expected))
    return hmac.compare_digest(actual, expected)
