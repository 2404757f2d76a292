"""What `Assistant.stream` yields: one event type that the CLI, the UI and the eval read the same way.

Every event carries the whole draft so far, so a surface shows ``draft`` and never
has to rebuild text from pieces or tell event kinds apart: a failover empties the
draft and says why in ``notice``; the last event carries the checked ``answer``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.schema import Answer


@dataclass(frozen=True)
class AnswerEvent:
    draft: str = ""  # the answer text so far (unchecked until ``answer`` arrives)
    delta: str = ""  # what this event added to ``draft``: a terminal prints just this
    notice: str = ""  # why the draft was emptied: a backend failed and another starts again
    answer: Answer | None = None  # the checked answer, on the last event only


class Draft:
    """Builds the events of one answer, keeping the draft they all carry."""

    def __init__(self) -> None:
        self.text = ""

    def add(self, delta: str) -> AnswerEvent:
        self.text += delta
        return AnswerEvent(self.text, delta)

    def restart(self, notice: str) -> AnswerEvent:
        self.text = ""
        return AnswerEvent("", "", notice)

    def done(self, answer: Answer) -> AnswerEvent:
        return AnswerEvent(self.text, "", "", answer)
