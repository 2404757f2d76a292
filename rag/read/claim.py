"""Decide a claim from the reader and the reading model together: which short candidates to check, and the fitted
model over both that says whether the best checked one is claimed.

The reader ranks candidates well but cannot tell when its first choice is
right; the reading model's P(yes) (`rag.answer.models.check`) tells far better, and the
two err on different questions, so a logistic model over both (and their
agreement) is fitted on the dev collections by `python -m rag.evaluate.fit_reader`,
its threshold chosen leaving one collection out for at most 3 % wrong claims.
It is fitted for one checking model (its sha256): another model's P(yes) is
calibrated differently, so without its own fit the reader answers alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Self

import numpy as np

from rag.fitted import NotFitted, read_fitted, same_features
from rag.read.candidates import Candidate

CLAIM_FILE = Path(__file__).with_name("claim_model.json")
MAX_WORDS = 20  # a short answer: a name, figure, date, place, short list or clause — what the user reads first
CHECKED = 3  # candidates checked per question: the reader's best short ones, distinct texts
FEATURES = ("reader_logit", "check_logit", "reader_rank", "check_rank", "agree", "words", "k_sentence", "k_entity")


@dataclass(frozen=True)
class Option:
    """A short candidate put to the check: the reader's candidate and its probability."""

    candidate: Candidate
    reader: float

    @property
    def text(self) -> str:
        return self.candidate.text


def words(text: str) -> int:
    return len(text.split())


def options(found: list[Candidate], probabilities: np.ndarray, n: int = CHECKED) -> list[Option]:
    """The reader's ``n`` most probable short candidates, each text once."""
    chosen: list[Option] = []
    seen: set[str] = set()
    for k in sorted(range(len(found)), key=lambda k: -probabilities[k]):
        text = found[k].text.strip()
        if not text or words(text) > MAX_WORDS or text.lower() in seen:
            continue
        seen.add(text.lower())
        chosen.append(Option(found[k], float(probabilities[k])))
        if len(chosen) == n:
            break
    return chosen


def logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def rows(checked: list[Option], p_yes: list[float]) -> np.ndarray:
    """One row of FEATURES per checked option: both probabilities, both ranks, agreement, length, kind."""
    check_order = sorted(range(len(checked)), key=lambda k: -p_yes[k])
    out = []
    for k, option in enumerate(checked):
        folded = option.text.lower()
        agree = sum(1 for j, other in enumerate(checked) if j != k and p_yes[j] >= 0.5 and (folded in other.text.lower() or other.text.lower() in folded))
        out.append(
            [
                logit(option.reader),
                logit(p_yes[k]),
                k,
                check_order.index(k),
                agree,
                math.log1p(words(option.text)),
                float(option.candidate.kind == "sentence"),
                float(option.candidate.kind == "entity"),
            ]
        )
    return np.asarray(out, dtype=np.float64).reshape(-1, len(FEATURES))


@dataclass(frozen=True)
class FittedLogistic:
    """Logistic regression over ``features`` (the subset of the model's ``ALL`` its fit kept) and the threshold to
    decide at, fitted for one checking model: another model's P(yes) is calibrated differently. The claim model and
    the verifier are each one, read from the JSON their fitting script writes."""

    checker: str  # the checking model's key (sha256) it was fitted for
    checker_name: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    ALL: ClassVar[tuple[str, ...]] = ()
    REFIT: ClassVar[str] = ""  # the script that fits it
    FILE: ClassVar[Path] = Path()  # where that script writes it

    @classmethod
    def from_dict(cls, data: dict, **more: object) -> Self:
        same_features(data, cls.ALL, cls.FILE, cls.REFIT, subset=True)
        arrays = (np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef"))
        return cls(data["checker"]["key"], data["checker"]["name"], tuple(data["features"]), *arrays, float(data["intercept"]), float(data["threshold"]), **more)

    @classmethod
    def load(cls, path: Path | None = None) -> Self | None:
        """The model fitted at ``path`` (default: its own file), or None when none has been fitted yet (the answer
        then says which script fits it); one that cannot be read, or was fitted on other features, raises
        `NotFitted`."""
        path = path or cls.FILE
        try:
            return cls.from_dict(read_fitted(path, cls.REFIT))
        except NotFitted as exc:
            if exc.missing:
                return None
            raise


@dataclass(frozen=True)
class ClaimModel(FittedLogistic):
    """The claim model: over the reader's and the check's view of an option (the fit keeps the variant that claims
    more on collections it never saw, at the same ceiling of wrong claims)."""

    ALL: ClassVar[tuple[str, ...]] = FEATURES
    REFIT: ClassVar[str] = "rag.evaluate.fit_reader"
    FILE: ClassVar[Path] = CLAIM_FILE

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """P(right) per row of all FEATURES."""
        if not len(x):
            return np.zeros(0)
        x = x[:, [FEATURES.index(f) for f in self.features]]
        return 1.0 / (1.0 + np.exp(-(self.intercept + ((x - self.mean) / self.scale) @ self.coef)))


@lru_cache(maxsize=2)
def load_claim_model(path: Path = CLAIM_FILE) -> ClaimModel | None:
    return ClaimModel.load(path)


def best(checked: list[Option], p_yes: list[float], model: ClaimModel) -> tuple[int, float]:
    """The checked option most probably right, and that probability."""
    probabilities = model.probabilities(rows(checked, p_yes))
    k = int(np.argmax(probabilities))
    return k, float(probabilities[k])
