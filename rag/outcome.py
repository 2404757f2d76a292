"""Decide what a question gets: a claimed `answer`, the `evidence` unclaimed, or `not_found`.

Never mislead: a short answer is claimed only when its calibrated confidence
clears the threshold fitted with it (`rag.confidence`); below that the user
gets the most relevant sentences, quoted and cited, and no claim. `not_found`
is kept for questions that nothing retrieved is about: more of their words
are unknown to the collection, or their best sentence supports them less,
than any answerable dev question (both floors fitted with the confidence). The
same decision stands under every backend: an LLM reads the passages unless
the outcome is `not_found`, and the reader's decision is what stands when
the model's text cannot be verified.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rag.cite import EvidenceSentence
from rag.confidence import Calibrator, reading_features
from rag.question import Plan
from rag.reader import Reader, Reading

ANSWER, EVIDENCE, NOT_FOUND = "answer", "evidence", "not_found"


@dataclass
class Decision:
    outcome: str
    confidence: float  # the calibrated chance the reader's short answer is right (0 when it has none)
    reading: Reading
    relevant: list[int] = field(default_factory=list)  # evidence sentences to quote when nothing is claimed, best first
    features: dict[str, float] = field(default_factory=dict)
    best: float = 0.0  # the best sentence's support for the question: below the calibrator's floor, not found
    known: float = 1.0  # the share of the question's words the collection uses: below the calibrator's floor, not found


def decide(plan: Plan, reading: Reading, evidence: list[EvidenceSentence], reader: Reader, calibrator: Calibrator, quoted: int) -> Decision:
    """The outcome for one reading; ``quoted`` sentences are kept to show when no answer is claimed."""
    if not evidence:
        return Decision(NOT_FOUND, 0.0, reading)
    scores = reader.sentence_scores(reader._known(plan.focus), evidence, with_context=True)
    relevant = _relevant(reading, evidence, scores, quoted)
    best, known = float(scores.max()), reader._known_share(plan.focus)
    if known < calibrator.known_below or best < calibrator.not_found_below:
        return Decision(NOT_FOUND, 0.0, reading, relevant, best=best, known=known)
    if reading.refused or not reading.support:
        return Decision(EVIDENCE, 0.0, reading, relevant, best=best, known=known)
    features = reading_features(plan, reading, evidence, reader)
    confidence = calibrator.probability(features)
    return Decision(ANSWER if confidence >= calibrator.threshold else EVIDENCE, confidence, reading, relevant, features, best, known)


def _relevant(reading: Reading, evidence: list[EvidenceSentence], scores: np.ndarray, quoted: int) -> list[int]:
    """The reader's own sentence first (its best guess), then the best-scoring others; each text once."""
    order = [*reading.support[:1], *(int(j) for j in np.argsort(-scores))]
    chosen: list[int] = []
    seen: set[str] = set()
    for j in order:
        if evidence[j].text not in seen:
            seen.add(evidence[j].text)
            chosen.append(j)
        if len(chosen) == quoted:
            break
    return chosen
