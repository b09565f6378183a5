"""A Prometheus counter for the verifier's hot path: plain integers, read when scraped.

`prometheus_client`'s counter takes a lock and checks its state on every increment, five
Python calls that cost a few per cent of a warm signature check. The verifier counts on the
event loop's thread, so an increment here is one call and a dictionary update, without a lock
(two threads counting the same child at the same instant could lose one count).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector


class TallyChild:
    """One label combination of a `Tally`, bound once by its user."""

    __slots__ = ("_counts", "_key")

    def __init__(self, counts: dict[tuple[str, ...], int], key: tuple[str, ...]) -> None:
        self._counts = counts
        self._key = key
        counts.setdefault(key, 0)  # shown at 0 from the start, as a bound counter child is

    def inc(self) -> None:
        """Count one event."""
        self._counts[self._key] += 1


class Tally(Collector):
    """A labelled counter exposed as `<name>_total`, the same samples a `Counter` gives."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: list[str],
        registry: CollectorRegistry,
    ) -> None:
        self._name = name
        self._documentation = documentation
        self._labelnames = labelnames
        self._counts: dict[tuple[str, ...], int] = {}
        self._children: dict[tuple[str, ...], TallyChild] = {}
        registry.register(self)

    def labels(self, *values: str) -> TallyChild:
        """The child counting events with these label values."""
        if len(values) != len(self._labelnames):
            raise ValueError(f"{self._name} takes labels {self._labelnames}, given {values}")
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = TallyChild(self._counts, values)
        return child

    def describe(self) -> Iterator[CounterMetricFamily]:
        """The metric's name and help, for the registry's duplicate check."""
        yield CounterMetricFamily(self._name, self._documentation, labels=self._labelnames)

    def collect(self) -> Iterator[CounterMetricFamily]:
        """The counts as they stand."""
        family = CounterMetricFamily(self._name, self._documentation, labels=self._labelnames)
        for key, count in list(self._counts.items()):
            family.add_metric(list(key), count)
        yield family
