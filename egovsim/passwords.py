"""Password hashes with scrypt (memory-hard, in the standard library) and session tokens."""

from __future__ import annotations

import base64
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


def new_token() -> tuple[str, str]:
    """A session token for the client and the hash the server keeps of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """What the server stores of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()
