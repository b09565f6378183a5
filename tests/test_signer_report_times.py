"""The times a signer's checks used, as a report gives them: formatted when read, the same text
and keys, in the same order, as the JSON report has always carried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from egovsim.signatures.report import CheckTimes, Indication, Report, SignerReport

SIGNED = datetime(2026, 5, 4, 9, 30, 15, 250_000, tzinfo=UTC)
STAMPED = SIGNED - timedelta(days=3)


def test_a_signer_refused_before_its_path_gives_only_the_signature_time() -> None:
    times = CheckTimes(SIGNED)

    assert dict(times) == {"signature": SIGNED.isoformat()}
    with pytest.raises(KeyError):
        times["validity"]
    assert times.get("validity") is None


def test_a_signer_checked_at_the_validation_time_uses_it_for_every_check() -> None:
    times = CheckTimes(SIGNED, checked=True)

    assert list(times) == ["signature", "validity", "revocation"]
    assert set(times.values()) == {SIGNED.isoformat()}


def test_validity_at_a_timestamp_is_its_time_and_revocation_is_judged_there() -> None:
    times = CheckTimes(SIGNED, checked=True, stamp=STAMPED)

    assert dict(times) == {
        "signature": SIGNED.isoformat(),
        "validity": STAMPED.isoformat(),
        "revocation": SIGNED.isoformat(),
        "revocation_judged_at": STAMPED.isoformat(),
    }
    assert list(times) == ["signature", "validity", "revocation", "revocation_judged_at"]


def test_a_time_in_another_zone_keeps_its_own_offset() -> None:
    almaty = SIGNED.astimezone(timezone(timedelta(hours=5)))

    assert CheckTimes(almaty)["signature"] == almaty.isoformat()


def test_the_json_report_carries_the_times_as_a_plain_object() -> None:
    verdict = Report(Indication.TOTAL_PASSED, None, None, SIGNED, ())
    report = SignerReport(1, verdict, None, CheckTimes(SIGNED, checked=True, stamp=STAMPED))

    out = report.to_json()

    assert type(out["times"]) is dict
    assert out["times"]["revocation_judged_at"] == STAMPED.isoformat()
    assert SignerReport(1, verdict).to_json()["times"] is None
