"""What a start opens from disk: the test PKI in the certs directory and the saved clock."""

from __future__ import annotations

import logging
from datetime import timedelta

from egovsim.clock import Clock, in_range
from egovsim.config import Settings
from egovsim.pki.authority import Publication, TestPki
from egovsim.pki.personas import create_personas
from egovsim.storage.clock_state import ClockStore

log = logging.getLogger("egovsim")


def publication(settings: Settings) -> Publication:
    """How long the test CA's CRLs and OCSP answers last, from the settings."""
    return Publication(settings.crl_validity, settings.delta_crl_validity, settings.ocsp_validity)


def open_pki(settings: Settings, clock: Clock) -> TestPki:
    """The test PKI in the certs directory, created with the demo personas if there is none."""
    if TestPki.exists(settings.certs_dir):
        pki = TestPki.open(settings.certs_dir, publication(settings))
        if pki.base_url != settings.base_url:
            log.warning(
                "the test PKI's certificates point at %s, not at %s; run 'egovsim pki init "
                "--force' to issue them for this address",
                pki.base_url,
                settings.base_url,
            )
        return pki
    now = clock.now()
    pki = TestPki.init(settings.certs_dir, settings.base_url, now, publication(settings))
    create_personas(pki, now, settings.persona_password)
    return pki


async def restore_clock(store: ClockStore, clock: Clock, settings: Settings) -> None:
    """A restart keeps the simulated time, unless the settings freeze the clock explicitly."""
    saved = await store.clock_state()
    if saved is not None and settings.clock_frozen_at is None:
        restored = Clock(frozen_at=saved.frozen_at)
        try:
            restored.restore(saved.frozen_at, timedelta(seconds=saved.offset_seconds))
            in_range(restored.now())
        except (ValueError, OverflowError):
            # A clock saved outside the range (by a version that let it be) would leave every
            # page failing: the start goes on real time instead.
            log.warning("the saved clock is outside its range; starting on real time")
            return
        clock.restore(saved.frozen_at, timedelta(seconds=saved.offset_seconds))
