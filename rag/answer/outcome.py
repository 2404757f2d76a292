"""Decide what a question gets: a claimed `answer`, the `evidence` unclaimed, or `not_found`.

Never mislead: a short answer is claimed only when the fitted scorer's
probability that it holds the answer clears the threshold fitted with it
(`rag.read.scorer`); below that the user gets the most relevant sentences,
quoted and cited, and no claim. `not_found` is kept for questions that
nothing retrieved is about: more of their words are unknown to the
collection, or their best sentence supports them less, than any answerable
dev question (both floors fitted with the scorer). The same decision stands
under every backend: an LLM reads the passages unless the outcome is
`not_found`, and the reader's decision is what stands when the model's text
cannot be verified.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.read.reader import Reading
from rag.read.scorer import AnswerModel

ANSWER, EVIDENCE, NOT_FOUND = "answer", "evidence", "not_found"


@dataclass
class Decision:
    outcome: str
    reading: Reading

    @property
    def confidence(self) -> float:
        """The claimed answer's probability of being right; 0 when nothing is claimed."""
        return self.reading.confidence if self.outcome == ANSWER else 0.0

    @property
    def relevant(self) -> list[int]:
        return self.reading.relevant


def decide(reading: Reading, model: AnswerModel, has_evidence: bool) -> Decision:
    if not has_evidence or reading.known < model.known_below or reading.best < model.not_found_below:
        return Decision(NOT_FOUND, reading)
    if reading.short and reading.confidence >= model.threshold:
        return Decision(ANSWER, reading)
    return Decision(EVIDENCE, reading)
