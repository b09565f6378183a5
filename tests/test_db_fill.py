"""`egovsim db fill`: a history of every kind, copied from applications played for real, with
numbers, messageIds and applicants of their own, that the simulator then starts on."""

from __future__ import annotations

import sqlite3
from collections import Counter

from aiohttp import web

from egovsim.cli.fill_command import _weights, fill
from egovsim.cli.fill_templates import KINDS
from egovsim.config import Settings
from egovsim.storage.database import DATABASE_FILE
from egovsim.storage.history import Template
from egovsim.web.app import create_app


async def test_fill_writes_every_kind_of_history_that_the_simulator_then_starts_on(
    settings: Settings,
) -> None:
    written = await fill(settings, 300, {"almaty", "shymkent"}, 0.2, seed=7)
    assert written == 300

    with sqlite3.connect(settings.data_dir / DATABASE_FILE) as db:
        provider = Counter(dict(db.execute("SELECT status, COUNT(*) FROM applications GROUP BY 1")))
        portal = Counter(
            dict(db.execute("SELECT status, COUNT(*) FROM portal_applications GROUP BY 1"))
        )
        centre = Counter(
            dict(db.execute("SELECT status, COUNT(*) FROM statecorp_packages GROUP BY 1"))
        )
        open_steps = {
            row[0]
            for row in db.execute("SELECT step_id FROM application_steps WHERE outcome IS NULL")
        }
        numbers = [row[0] for row in db.execute("SELECT number FROM applications")]
        message_ids = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT message_id) FROM gateway_messages"
        ).fetchone()
        owners = db.execute(
            "SELECT COUNT(DISTINCT account_id) FROM portal_applications"
        ).fetchone()[0]

    assert provider["completed"] and provider["refused"] and provider["in_progress"]
    assert portal["draft"], "refused at C2: the draft stays with its refusal"
    assert centre["handed_out"], "collected at the State Corporation"
    assert len(open_steps) >= 4, f"open at several steps, got {open_steps}"
    assert len(numbers) == len(set(numbers))
    assert message_ids[0] == message_ids[1] > 300
    assert owners > 10, "spread over generated applicants"

    runner = web.AppRunner(create_app(settings.with_overrides(gateway_worker=False)))
    await runner.setup()
    await runner.cleanup()


def test_a_history_of_one_provider_has_none_of_the_other_and_keeps_the_open_share() -> None:
    templates = [Template(kind.name) for kind in KINDS]
    weights = _weights(templates, {"almaty"}, 0.1)
    by_name = dict(zip([kind.name for kind in KINDS], weights, strict=True))
    assert by_name["delivered-shymkent"] == by_name["open-at-assign"] == 0
    assert by_name["delivered-almaty"] > 0 and by_name["open-at-check"] > 0
    opened = sum(w for kind, w in zip(KINDS, weights, strict=True) if kind.share is None)
    assert abs(opened - 0.1) < 1e-9 and abs(sum(weights) - 1) < 1e-9
