"""One question on its way through the answer steps, what it is answered with, and what it yields.

`Pipeline` is what one published store version answers with; `Turn` carries a question through the steps of
`Assistant.stream` (rag/answer/outcome.py, model_answer.py), gathering its timings and who checked
it. `AnswerEvent` is what `Assistant.stream` yields: one event type that the CLI, the UI and the eval read the same
way. Every event carries the whole draft so far, so a surface shows ``draft`` and never has to rebuild text from
pieces or tell event kinds apart: a failover empties the draft and says why in ``notice``; the last event carries the
checked ``answer``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from rag.answer.backends.base import Generator
from rag.config import Settings
from rag.read.question import Question
from rag.read.reader import Reader
from rag.read.support import SupportScorer
from rag.schema import Answer
from rag.text.vocabulary import Vocabulary

if TYPE_CHECKING:
    from rag.retrieve import HybridRetriever


@dataclass(frozen=True)
class Pipeline:
    """What answering needs, all built from one published version of the store: they never disagree."""

    version: str
    retriever: HybridRetriever
    scorer: SupportScorer
    vocabulary: Vocabulary
    reader: Reader


@dataclass
class Turn:
    """One question on its way through the steps: what was asked, how it was read, who will word the answer."""

    question: str
    history: list[tuple[str, str]] | None
    asked: str  # the question as the collection words it (normalised, condensed with the history)
    pipeline: Pipeline
    settings: Settings  # the assistant's, or a copy with this question's Ollama model
    requested: str  # the backend asked for ("auto" may fail over)
    generator: Generator
    top_k: int | None
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    checked_by: str = ""  # which model checked the reader's candidates, or why none did (shown with the answer)

    @cached_property
    def parsed(self) -> Question:
        """The question as the reader parses it, only when the reader needs it: retrieval and embedding go first,
        while a one-shot command's parser process is still parsing (rag.read.parse_ahead)."""
        return self.pipeline.reader.question(self.asked)

    def took(self, step: str, since: float) -> float:
        """Record ``step``'s time in milliseconds since ``since`` (a `time.perf_counter()` reading)."""
        self.timings[step] = elapsed_ms(since)
        return self.timings[step]


def elapsed_ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


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
