"""Password hashes with scrypt (memory-hard, in the standard library) and session tokens."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import secrets

# N=2**14, r=8: 16 MiB and tens of milliseconds a hash, as OWASP suggests for scrypt.
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """A self-describing scrypt hash: `scrypt$N$r$p$salt$hash` (base64)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


@functools.lru_cache(maxsize=4)
def demo_password_hash(password: str) -> str:
    """The hash of the demo's one documented password that every seeded login gets: made once
    a process, not at every start and reset (each scrypt costs tens of milliseconds)."""
    return hash_password(password)


def check_password(password: str, stored: str) -> bool:
    """Whether `password` matches a hash made by `hash_password` (constant-time compare)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


class PasswordChecks:
    """`check_password` remembered per (hash, password): a busy sender's thousands of messages
    cost one scrypt, not one each. Single flight: while the first check of a pair runs beside
    the event loop, every other check of the same pair awaits that one instead of starting its
    own 16 MiB scrypt."""

    def __init__(self, limit: int = 10_000) -> None:
        self._limit = limit
        self._checks: dict[tuple[str, bytes], asyncio.Future[bool]] = {}

    async def check(self, password: str, stored: str) -> bool:
        """Whether `password` matches `stored`, hashed at most once per pair."""
        key = (stored, hashlib.sha256(password.encode()).digest())
        check = self._checks.get(key)
        if check is None:
            if len(self._checks) >= self._limit:
                self._checks.clear()
            loop = asyncio.get_running_loop()
            check = loop.run_in_executor(None, check_password, password, stored)
            self._checks[key] = check
        try:
            # Shielded: a waiter given up on does not cancel the check the others await.
            return await asyncio.shield(check)
        except Exception:
            if self._checks.get(key) is check:
                del self._checks[key]  # the next message tries again
            raise


def new_token() -> tuple[str, str]:
    """A session token for the client and the hash the server keeps of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """What the server stores of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()
