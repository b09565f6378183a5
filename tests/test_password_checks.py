"""The gateway's remembered password checks: one scrypt per sender and password, even when a
first burst of messages asks all at once, and a failed check is not remembered; the demo's
seeded logins share one hash of their password a process."""

from __future__ import annotations

import asyncio

import pytest

from egovsim import passwords
from egovsim.passwords import PasswordChecks, check_password, demo_password_hash, hash_password


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password `check_password` hashes, in order."""
    hashed: list[str] = []
    real = passwords.check_password

    def counting(password: str, stored: str) -> bool:
        hashed.append(password)
        return real(password, stored)

    monkeypatch.setattr(passwords, "check_password", counting)
    return hashed


async def test_a_burst_of_checks_of_one_password_hashes_it_once(counted: list[str]) -> None:
    stored = hash_password("sender-secret-1")
    checks = PasswordChecks()
    results = await asyncio.gather(*(checks.check("sender-secret-1", stored) for _ in range(50)))
    assert results == [True] * 50
    assert counted == ["sender-secret-1"]
    assert await checks.check("sender-secret-1", stored)
    assert counted == ["sender-secret-1"]


async def test_a_wrong_password_is_refused_each_time_and_hashed_once(counted: list[str]) -> None:
    stored = hash_password("sender-secret-1")
    checks = PasswordChecks()
    assert not await checks.check("guess-2", stored)
    assert not await checks.check("guess-2", stored)
    assert await checks.check("sender-secret-1", stored)
    assert counted == ["guess-2", "sender-secret-1"]


async def test_a_changed_hash_is_checked_anew(counted: list[str]) -> None:
    checks = PasswordChecks()
    assert await checks.check("sender-secret-1", hash_password("sender-secret-1"))
    assert not await checks.check("sender-secret-1", hash_password("sender-secret-2"))
    assert len(counted) == 2


async def test_a_check_that_failed_is_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = hash_password("sender-secret-1")
    calls = 0

    def failing_once(password: str, stored: str) -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise MemoryError("scrypt could not have its 16 MiB")
        return True

    monkeypatch.setattr(passwords, "check_password", failing_once)
    checks = PasswordChecks()
    with pytest.raises(MemoryError):
        await checks.check("sender-secret-1", stored)
    assert await checks.check("sender-secret-1", stored)
    assert calls == 2


async def test_a_waiter_given_up_on_leaves_the_check_to_the_others() -> None:
    stored = hash_password("sender-secret-1")
    checks = PasswordChecks()
    first = asyncio.create_task(checks.check("sender-secret-1", stored))
    second = asyncio.create_task(checks.check("sender-secret-1", stored))
    await asyncio.sleep(0)
    first.cancel()
    assert await second


def test_the_demo_password_is_hashed_once_a_process_and_the_hash_checks() -> None:
    hashed = demo_password_hash("Demo-pass-1")
    assert demo_password_hash("Demo-pass-1") is hashed
    assert hashed.startswith("scrypt$")
    assert check_password("Demo-pass-1", hashed)
    assert not check_password("Demo-pass-2", hashed)
    assert demo_password_hash("Demo-pass-2") != hashed
