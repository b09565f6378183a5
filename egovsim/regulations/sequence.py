"""Each regulation's own portal sequence: its processes and conditions, numbered as that
regulation numbers them, over the stages egovsim runs for every service.

egovsim records what happens under its internal step codes (the catalogue's `step`, the
timeline's entries: P1..P9, C1..C3 in the order of one common sequence, plus the parts no
regulation numbers, such as "gateway"). `STAGE_OF` names the stage each code stands for, and a
regulation's `PortalSequence` says which of its own ids covers each stage, so what a user sees
speaks the regulation's numbers: a Shymkent signature refusal is P4, an Almaty one P5.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from egovsim.errors import EgovsimError
from egovsim.regulations.model import Text

#: The stages of the portal sequence every service walks, in order (SPEC §2's rows).
Stage = Literal[
    "authorization",
    "account-check",
    "authorization-refusal",
    "request",
    "certificate-choice",
    "signature-check",
    "signature-refusal",
    "signing",
    "sending",
    "registration",
    "documents-check",
    "documents-refusal",
    "result",
]
EntryKind = Literal["process", "condition"]

#: The stage each internal step code stands for. The code P7 is the request's way to the
#: provider: the gateway's leg (sent, delivered) unless a timeline event says it was registered.
STAGE_OF: Mapping[str, Stage] = {
    "P1": "authorization",
    "C1": "account-check",
    "P2": "authorization-refusal",
    "P3": "request",
    "P4": "certificate-choice",
    "C2": "signature-check",
    "P5": "signature-refusal",
    "P6": "signing",
    "P7": "sending",
    "C3": "documents-check",
    "P8": "documents-refusal",
    "P9": "result",
}
#: Timeline events under the code P7 that are the registration, not the gateway's leg.
REGISTRATION_EVENTS = frozenset({"registered", "provider_step", "update"})


def stage_of(code: str, event: str | None = None) -> Stage | None:
    """The stage an internal step code (and a timeline event) stands for; None for the parts
    of egovsim no regulation numbers (the gateway, the workstation, HTTP)."""
    if code == "P7" and event in REGISTRATION_EVENTS:
        return "registration"
    return STAGE_OF.get(code)


@dataclass(frozen=True, slots=True)
class PortalEntry:
    """One process or condition of the regulation's portal sequence (Shymkent's "4 процесс")."""

    id: str  # as the regulation numbers it: P4, C2
    kind: EntryKind
    stages: tuple[Stage, ...]  # the first is the one its drawing stands for
    name: Text  # the regulation's wording
    cite: str


@dataclass(frozen=True, slots=True)
class PortalSequence:
    """A regulation's portal sequence: its entries in its own order, each stage in one entry."""

    entries: tuple[PortalEntry, ...]
    cite: str

    def entry(self, stage: Stage) -> PortalEntry:
        """The entry that covers `stage` (the loader guarantees there is one)."""
        for entry in self.entries:
            if stage in entry.stages:
                return entry
        raise KeyError(stage)

    def id_of(self, stage: Stage) -> str:
        """The regulation's id for a stage."""
        return self.entry(stage).id

    def show(self, code: str | None, event: str | None = None) -> str | None:
        """An internal step code as this regulation numbers it; a code no regulation numbers
        ("gateway", "workstation") is shown as it is."""
        if code is None:
            return None
        stage = stage_of(code, event)
        return code if stage is None else self.id_of(stage)

    @contextmanager
    def numbering(self) -> Iterator[None]:
        """Refusals raised inside name their step as this regulation numbers it."""
        try:
            yield
        except EgovsimError as error:
            if error.service_step is None:
                error.service_step = self.show(error.entry.step)
            raise

    def leads(self, stage: Stage) -> bool:
        """Whether `stage` is the one its entry's drawing stands for (the entry's first)."""
        return self.entry(stage).stages[0] == stage
