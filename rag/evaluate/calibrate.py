"""`python -m rag.evaluate.calibrate`: fit the answer-confidence model on the dev questions, by cross-validation.

Data: every question of the dev gold files (`DEV_SETS`: eval/dev.jsonl over the
seeds, and the invented dev collection), asked as written and once perturbed
the way users type (seeded apart from the eval's own perturbations). For each,
the reader's reading: its features (`rag.confidence`) and whether the short
answer it would claim holds the gold facts (any claim on an unanswerable
question is wrong). The held-out files (eval/test.jsonl, valley-league) are
never read here.

Fit: standardised features, logistic regression (scikit-learn), out-of-fold
probabilities from 5-fold cross-validation grouped by question (a question and
its perturbed twin are always in the same fold). The claim threshold is the
lowest at which the out-of-fold wrong claims stay within `TARGET_WRONG` of all
questions (a margin under the 5 % ceiling); the not-found floors are the
highest best-support and known-word share that no answerable dev question
falls below. Both, the weights and
the figures they came from are written to `rag/answer_confidence.json`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.assistant import Assistant
from rag.confidence import FEATURES, MODEL_FILE, Calibrator
from rag.config import load_settings
from rag.evaluate.gold import GoldItem, load_gold
from rag.evaluate.metrics import includes_all
from rag.evaluate.perturb import perturb
from rag.evaluate.run import collection_settings

ROOT = Path(__file__).resolve().parents[2]
DEV_SETS = (("eval/dev.jsonl", "seeds"), ("eval/collections/larkmoor-budget/gold.jsonl", "eval/collections/larkmoor-budget/articles"))
TARGET_WRONG = 0.03
FOLDS = 5
C = 1.0  # logistic regression's inverse regularisation: scikit-learn's default, not tuned
# While the data are read, nothing is claimed or refused: the reading and its features are what is wanted.
READ_ONLY = Calibrator(FEATURES, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), np.zeros(len(FEATURES)), 0.0, 2.0, -1.0, -1.0)


@dataclass
class Row:
    group: str  # the gold question's id within its file: a question and its perturbed twin share it
    answerable: bool
    features: dict[str, float] | None  # None: the reader has no short answer to claim
    right: bool  # the short answer holds every must_include string
    best: float
    known: float


def read_set(gold_file: Path, articles: Path, progress: bool = True) -> list[Row]:
    """Every question of one dev file, as written and perturbed, read by the reader over its own collection."""
    assistant = Assistant(collection_settings(load_settings(ROOT / "config.toml", env={}), articles), READ_ONLY)
    assistant.ingest()
    texts = {doc_id: doc.get_content() for doc_id, doc in assistant.store.articles().items()}
    rows = []
    for item in load_gold(gold_file, texts):
        for question in (item.question, perturb(item.question, f"{item.id}:calibrate")):
            rows.append(_row(assistant, item, question, f"{gold_file.parent.name}/{gold_file.stem}/{item.id}"))
        if progress and sys.stderr.isatty():
            sys.stderr.write(f"\r{gold_file.name} {item.id}   ")
    return rows


def _row(assistant: Assistant, item: GoldItem, question: str, group: str) -> Row:
    decision, short = assistant.reading(question)
    right = item.answerable and bool(short) and includes_all(short, item.must_include)
    return Row(group, item.answerable, decision.features or None, right, decision.best, decision.known)


def out_of_fold(x: np.ndarray, y: np.ndarray, groups: list[str]) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probabilities = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000)).fit(x[train], y[train])
        probabilities[test] = model.predict_proba(x[test])[:, 1]
    return probabilities


def at_threshold(rows: list[Row], claimable: list[Row], probabilities: np.ndarray, threshold: float) -> dict[str, float]:
    """What the users of these rows would see with this threshold: right and wrong claims, as shares."""
    claimed = probabilities >= threshold
    right = sum(bool(c and r.right) for c, r in zip(claimed, claimable, strict=True))
    wrong = sum(bool(c and not r.right) for c, r in zip(claimed, claimable, strict=True))
    answerable = sum(r.answerable for r in rows)
    return {"lead_accuracy": right / answerable, "confidently_wrong_rate": wrong / len(rows), "claim_rate": (right + wrong) / len(rows)}


def choose_threshold(rows: list[Row], claimable: list[Row], probabilities: np.ndarray) -> float:
    """The lowest threshold whose out-of-fold wrong claims stay within TARGET_WRONG of all questions."""
    for threshold in sorted(set(np.round(probabilities, 4))):
        if at_threshold(rows, claimable, probabilities, threshold)["confidently_wrong_rate"] <= TARGET_WRONG:
            return float(threshold)
    return 1.0


def fit(rows: list[Row]) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.preprocessing import StandardScaler

    claimable = [r for r in rows if r.features is not None]
    x = np.array([[r.features[name] for name in FEATURES] for r in claimable])
    y = np.array([r.right for r in claimable], dtype=int)
    probabilities = out_of_fold(x, y, [r.group for r in claimable])
    threshold = choose_threshold(rows, claimable, probabilities)
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=C, max_iter=1000).fit(scaler.transform(x), y)
    cv = {
        "auc": round(float(roc_auc_score(y, probabilities)), 4),
        "brier": round(float(brier_score_loss(y, probabilities)), 4),
        **{k: round(v, 4) for k, v in at_threshold(rows, claimable, probabilities, threshold).items()},
        "lead_accuracy_if_every_reading_were_claimed": round(sum(r.right for r in claimable) / sum(r.answerable for r in rows), 4),
        "confidently_wrong_if_every_reading_were_claimed": round(sum(not r.right for r in claimable) / len(rows), 4),
    }
    return {
        "features": list(FEATURES),
        "mean": scaler.mean_.round(6).tolist(),
        "scale": scaler.scale_.round(6).tolist(),
        "coef": model.coef_[0].round(6).tolist(),
        "intercept": round(float(model.intercept_[0]), 6),
        "threshold": round(threshold, 4),
        "not_found_below": round(min(r.best for r in rows if r.answerable), 4),
        "known_below": round(min(r.known for r in rows if r.answerable), 4),
        "fitted_on": {
            "gold": [g for g, _ in DEV_SETS],
            "questions": len({r.group for r in rows}),
            "rows": len(rows),
            "claimable_rows": len(claimable),
            "right_rows": int(y.sum()),
            "perturbed_twin_per_question": True,
            "model": f"StandardScaler + LogisticRegression(C={C}), scikit-learn",
        },
        "cv": {"folds": FOLDS, "grouped_by": "question", "target_wrong": TARGET_WRONG, **cv},
    }


def main() -> None:
    from rag.embed import offline_environment

    offline_environment()
    rows = [row for gold, articles in DEV_SETS for row in read_set(ROOT / gold, ROOT / articles)]
    model = fit(rows)
    MODEL_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {MODEL_FILE.relative_to(ROOT)}: threshold {model['threshold']}, not found below {model['not_found_below']}")
    print(json.dumps(model["cv"], indent=1))


if __name__ == "__main__":
    main()
