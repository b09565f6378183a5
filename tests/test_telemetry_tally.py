"""The verifier's lock-free counters expose what a prometheus_client Counter exposes."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from egovsim.telemetry.tally import Tally


def test_a_tally_exposes_its_children_as_a_counter_total_from_zero() -> None:
    registry = CollectorRegistry()
    tally = Tally("egovsim_things", "Things counted", ["kind", "result"], registry)
    hit = tally.labels("verdicts", "hit")
    tally.labels("verdicts", "miss")
    hit.inc()
    hit.inc()
    text = generate_latest(registry).decode()
    assert "# TYPE egovsim_things_total counter" in text
    assert 'egovsim_things_total{kind="verdicts",result="hit"} 2.0' in text
    assert 'egovsim_things_total{kind="verdicts",result="miss"} 0.0' in text
    assert tally.labels("verdicts", "hit") is hit


def test_a_tally_refuses_the_wrong_number_of_labels_and_a_second_registration() -> None:
    registry = CollectorRegistry()
    tally = Tally("egovsim_things", "Things counted", ["kind"], registry)
    with pytest.raises(ValueError, match="takes labels"):
        tally.labels("a", "b")
    with pytest.raises(ValueError, match="Duplicated"):
        Tally("egovsim_things", "Again", ["kind"], registry)
