"""How sure the reader's short answer is: a few interpretable features and a logistic model fitted on dev questions.

A claim is shown as the answer only when this probability clears the
threshold chosen with it (the one that kept wrong claims rare on dev under
cross-validation); otherwise the user gets the evidence, unclaimed. The
weights, the threshold and the data and figures they came from live in
`answer_confidence.json`, written by `python -m rag.evaluate.calibrate`;
nothing here is hand-tuned. Hand-written: a calibrated answer score is not
something the stack provides (the fit itself is scikit-learn's, at eval time;
applying it is a dot product, so the question path imports no scikit-learn).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.cite import EvidenceSentence
from rag.question import Plan
from rag.reader import Reader, Reading
from rag.support import content_terms

MODEL_FILE = Path(__file__).with_name("answer_confidence.json")
KIND_GROUPS = {
    "entity": ("person", "organisation", "place", "role"),
    "number": ("amount", "count", "quantity", "duration"),
    "date": ("date",),
    "list": ("list",),
    "compute": ("compute",),
}
FEATURES = (
    "support", "best", "margin", "coverage", "cosine", "local", "short_is_sentence", "short_words", "repeats_question",
    "articles", "disagreement", "known_share", *(f"kind_{group}" for group in KIND_GROUPS),
)  # fmt: skip
WINDOW = 8  # words either side of the short answer that say what it is about


def reading_features(plan: Plan, reading: Reading, evidence: list[EvidenceSentence], reader: Reader) -> dict[str, float]:
    """The features of one claimed reading (not a refusal): how well its sentence matches the question, how clearly
    it beats the next sentence, whether the short answer sits among the question's words, what kind was asked."""
    focus = plan.focus
    scores = reader.sentence_scores(reader._known(focus), evidence, with_context=True)
    j = reading.support[0]
    sentence = evidence[j].text
    distinct = sorted({float(s) for s, e in zip(scores, evidence, strict=True) if e.text != sentence}, reverse=True)
    short = reading.short.strip()
    question_terms = set(content_terms(focus))
    short_terms = set(content_terms(short))
    vectors = reader.scorer.embed([focus, sentence]) if reader.scorer.embedding is not None else None
    features = {
        "support": float(scores[j]),
        "best": float(scores.max()),
        "margin": float(scores[j]) - (distinct[0] if distinct else 0.0),
        "coverage": reader.scorer.coverage(focus, sentence),
        "cosine": float(vectors[0] @ vectors[1]) if vectors is not None else 0.0,
        "local": _local_coverage(focus, sentence, short, reader),
        "short_is_sentence": float(short == sentence),
        "short_words": math.log1p(len(short.split())),
        "repeats_question": len(short_terms & question_terms) / len(short_terms) if short_terms else 1.0,
        "articles": float(len({evidence[k].passage for k in reading.support})),
        "disagreement": float("differ" in (reading.note + reading.short).lower()),
        "known_share": reader._known_share(focus),
    }
    kind = plan.parts[0].kind if plan.parts else plan.kind
    for group, kinds in KIND_GROUPS.items():
        features[f"kind_{group}"] = float(kind in kinds)
    return features


def _local_coverage(question: str, sentence: str, short: str, reader: Reader) -> float:
    """Share of the question's (idf-weighted) terms said within a few words of the short answer in its sentence."""
    at = sentence.find(short)
    if at < 0 or short == sentence:
        return reader.scorer.coverage(question, sentence)
    words_before = sentence[:at].split()[-WINDOW:]
    words_after = sentence[at + len(short) :].split()[:WINDOW]
    return reader.scorer.coverage(question, " ".join([*words_before, short, *words_after]))


@dataclass(frozen=True)
class Calibrator:
    """A fitted logistic model over `FEATURES`: its probability is the confidence the outcomes use."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # claim at or above this probability
    not_found_below: float  # below this best support nothing retrieved is about the question
    known_below: float  # below this share of words the collection uses, the question is about something it does not hold

    def probability(self, features: dict[str, float]) -> float:
        x = (np.array([features[name] for name in self.features]) - self.mean) / self.scale
        return float(1.0 / (1.0 + math.exp(-(self.intercept + float(x @ self.coef)))))

    @classmethod
    def from_dict(cls, data: dict) -> Calibrator:
        return cls(
            tuple(data["features"]),
            np.array(data["mean"]),
            np.array(data["scale"]),
            np.array(data["coef"]),
            float(data["intercept"]),
            float(data["threshold"]),
            float(data["not_found_below"]),
            float(data["known_below"]),
        )


def claim_everything() -> Calibrator:
    """A calibrator that claims every reading and finds everything: for testing what the reader would answer."""
    zeros = np.zeros(len(FEATURES))
    return Calibrator(FEATURES, zeros, np.ones(len(FEATURES)), zeros, 0.0, 0.0, -1.0, -1.0)


@lru_cache(maxsize=4)
def load_calibrator(path: Path = MODEL_FILE) -> Calibrator:
    return Calibrator.from_dict(json.loads(path.read_text(encoding="utf-8")))
