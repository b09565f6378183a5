"""One rendering of a diagram (a layout in one language, lit or not) and the words it says:
the nodes' names, their tooltips, their states and the summary for screen readers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from egovsim.diagrams.lighting import Lighting, State
from egovsim.diagrams.model import Label, Layout, Node
from egovsim.diagrams.words import Words, say
from egovsim.regulations.model import Language


@dataclass(frozen=True, slots=True)
class Scene:
    """What one drawing is made from; deadlines are shown in `zone`, overdue past `now`."""

    layout: Layout
    lang: Language
    words: Words
    lighting: Lighting | None
    zone: tzinfo
    now: datetime | None

    @property
    def uid(self) -> str:
        """The prefix of the drawing's own ids, so two drawings on one page keep theirs."""
        return f"{self.layout.prefix}-{self.layout.regulation}"

    def say(self, label: Label | None) -> str:
        """A label's words in the drawing's language ("" for no label)."""
        return "" if label is None else say(label, self.lang, self.words)

    def word(self, msgid: str, **values: str) -> str:
        """The catalog's words for `msgid` with the named values put in."""
        return say(Label(msgid, params=tuple(values.items())), self.lang, self.words)

    def state(self, element_id: str) -> State:
        """An element's state ("idle" in an unlit drawing)."""
        return self.lighting.state(element_id) if self.lighting else "idle"

    def until(self, moment: datetime) -> str:
        """The words "until <moment>", the moment on the local clock to the minute."""
        local = moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
        return self.word("diagrams.state.until", at=local)

    def deadline_words(self) -> list[str]:
        """The current step's deadline in words, and "overdue" when the clock is past it
        (nothing without a deadline)."""
        lighting = self.lighting
        if lighting is None or lighting.deadline is None:
            return []
        words = [self.until(lighting.deadline)]
        if self.now is not None and self.now > lighting.deadline:
            words.append(self.word("diagrams.state.overdue"))
        return words

    def node_name(self, node: Node) -> str:
        """A node's label, with the step id in front for a step's own node."""
        name = self.say(node.label)
        return f"{node.step}: {name}" if node.primary and node.step == node.id else name

    def description(self) -> str:
        """The diagram's description and, when lit, what is done, current and refused."""
        parts = [self.say(self.layout.description)]
        lighting = self.lighting
        if lighting is None:
            return " ".join(parts)
        done = [self.node_name(n) for n in self.layout.nodes if lighting.state(n.id) == "done"]
        if done:
            parts.append(self.word("diagrams.summary.done", steps="; ".join(done)))
        if lighting.current:
            current = self.node_name(self.layout.node(lighting.current))
            step = ", ".join([current, *self.deadline_words()])
            parts.append(self.word("diagrams.summary.current", step=step))
        if lighting.refused:
            refusal = self.node_name(self.layout.node(lighting.refused))
            if lighting.code:
                refusal = f"{refusal} ({lighting.code})"
            parts.append(self.word("diagrams.summary.refused", step=refusal))
        return " ".join(parts)

    def tooltip(self, node: Node, state: State) -> str:
        """A node's `<title>`: its name, its term, its documentation and its state."""
        text = self.node_name(node)
        if node.note is not None:
            text += f" — {self.say(node.note)}"
        if node.documentation is not None:
            text += f"\n{self.say(node.documentation)}"
        if state != "idle":
            text += f"\n{self.state_words(node, state)}"
        return text

    def state_words(self, node: Node, state: State) -> str:
        """A node's state in words, with the deadline on the current step and the code on the
        refusal taken."""
        words = self.word(f"diagrams.state.{state}")
        lighting = self.lighting
        if lighting is None:
            return words
        if state == "current" and lighting.current == node.id and lighting.deadline:
            words += ", " + self.until(lighting.deadline)
        if state == "refused" and lighting.refused == node.id and lighting.code:
            words += f" {lighting.code}"
        return words
