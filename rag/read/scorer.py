"""The fitted answer scorer: a logistic model over `features.FEATURES`, its claim threshold, and its not-found floors.

Its probability that a candidate, shown as the answer, holds the facts is
the confidence the three outcomes use. The weights, the threshold and the
data and cross-validated figures they came from are in `answer_model.json`,
written by `python -m rag.evaluate.fit_reader` (scikit-learn fits it at eval
time; applying it is a dot product, so answering imports no scikit-learn).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.fitted import read_fitted, same_features
from rag.read.features import FEATURES

MODEL_FILE = Path(__file__).with_name("answer_model.json")
REFIT = "rag.evaluate.fit_reader"


@dataclass(frozen=True)
class AnswerModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # claim a candidate at or above this probability
    not_found_below: float  # below this best-sentence support, nothing retrieved is about the question
    known_below: float  # below this share of the question's words the collection uses, the same

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        if not len(rows):
            return np.zeros(0)
        z = self.intercept + ((rows - self.mean) / self.scale) @ self.coef
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def from_dict(cls, data: dict) -> AnswerModel:
        same_features(data, FEATURES, MODEL_FILE, REFIT)
        arrays = (np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef"))
        return cls(FEATURES, *arrays, float(data["intercept"]), float(data["threshold"]), float(data["not_found_below"]), float(data["known_below"]))

    @classmethod
    def fixed(cls, threshold: float, not_found_below: float = -1.0, known_below: float = -1.0) -> AnswerModel:
        """A model with every weight zero (probability 0.5 for every candidate): for reading without a fitted model,
        and for tests that want every reading claimed (threshold 0) or none (above 0.5)."""
        zeros = np.zeros(len(FEATURES))
        return cls(FEATURES, zeros, np.ones(len(FEATURES)), zeros, 0.0, threshold, not_found_below, known_below)


@lru_cache(maxsize=2)
def load_model(path: Path = MODEL_FILE) -> AnswerModel:
    return AnswerModel.from_dict(read_fitted(path, REFIT))
