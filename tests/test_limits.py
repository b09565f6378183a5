"""What one applicant may keep on the portal: open drafts and the bytes attached to them, each
refused with its code past the limit (set low here; the defaults are 20 drafts and 50 MiB)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from egovsim.clock import Clock
from egovsim.web.app import create_app
from tests.test_portal import DUPLICATE_DOCUMENTS, LICENCE, PDF, working_morning
from tests.test_portal_api import signed_in

DUPLICATE = {"request-kind": "duplicate"}


@pytest.fixture
async def limited(gateway_settings) -> AsyncIterator[TestClient]:
    """The portal with at most 2 open drafts and 3 KiB attached to them per applicant."""
    settings = gateway_settings.with_overrides(max_open_drafts=2, max_draft_attachment_bytes=3072)
    clock = Clock(frozen_at=working_morning())
    async with TestClient(TestServer(create_app(settings, clock), host="127.0.0.1")) as client:
        yield client


async def test_a_draft_past_the_limit_is_refused_and_signing_one_frees_a_place(
    limited, persona
) -> None:
    cabinet = await signed_in(limited, persona, "citizen-valid")
    for _ in range(2):
        await cabinet.start(LICENCE, "duplicate", DUPLICATE)
    refused = await cabinet.start(LICENCE, "duplicate", DUPLICATE, status=409)
    assert refused["error"]["code"] == "DRAFTS_LIMIT_REACHED"
    assert refused["error"]["details"]["limit"] == 2
    other = await signed_in(limited, persona, "citizen-second")
    await other.start(LICENCE, "duplicate", DUPLICATE)  # the limit is each applicant's own


async def test_attachments_past_the_applicants_total_are_refused_and_replacing_is_counted_once(
    limited, persona
) -> None:
    cabinet = await signed_in(limited, persona, "citizen-valid")
    draft = (await cabinet.start(LICENCE, "duplicate", DUPLICATE))["id"]
    document = next(iter(DUPLICATE_DOCUMENTS))
    big = PDF + b"%" * (2000 - len(PDF))
    await cabinet.attach(draft, document, big)
    await cabinet.attach(draft, document, big)  # a replacement does not count twice
    second = (await cabinet.start(LICENCE, "duplicate", DUPLICATE))["id"]
    refused = await cabinet.attach(second, document, big, status=413)
    assert refused["error"]["code"] == "ATTACHMENTS_QUOTA_EXCEEDED"
    assert refused["error"]["details"] == {"attached": 2000, "size": 2000, "limit": 3072}


def test_the_limits_come_from_the_environment_and_a_bad_value_is_a_usage_error(
    monkeypatch, capsys, tmp_path
) -> None:
    from egovsim.cli import main
    from egovsim.config import settings_from_env

    settings = settings_from_env({"EGOVSIM_MAX_OPEN_DRAFTS": "3", "EGOVSIM_MAX_DRAFT_BYTES": "9"})
    assert (settings.max_open_drafts, settings.max_draft_attachment_bytes) == (3, 9)
    monkeypatch.setenv("EGOVSIM_MAX_OPEN_DRAFTS", "many")
    assert main(["serve", "--data-dir", str(tmp_path)]) == 2
    assert "EGOVSIM_MAX_OPEN_DRAFTS must be a positive whole number" in capsys.readouterr().err


def test_the_shared_refresh_comes_from_the_environment_within_its_bounds() -> None:
    from egovsim.config import settings_from_env

    assert settings_from_env({}).shared_refresh == 1.0
    assert settings_from_env({"EGOVSIM_SHARED_REFRESH": "0.25"}).shared_refresh == 0.25
    for wrong in ("0", "61", "soon", "nan"):
        with pytest.raises(ValueError, match="EGOVSIM_SHARED_REFRESH must be seconds"):
            settings_from_env({"EGOVSIM_SHARED_REFRESH": wrong})
