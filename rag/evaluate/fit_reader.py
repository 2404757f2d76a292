"""`python -m rag.evaluate.fit_reader`: fit the answer scorer on the dev questions, by cross-validation.

Data: every question of the dev gold files (`DEV_SETS`: eval/dev.jsonl over the
seeds, and the two invented dev collections), asked as written and once perturbed
the way users type (seeded apart from the eval's own perturbations), read by
the reader over its own collection. Each candidate answer it scores is a row:
its features (`rag.read.features`) and whether, shown as the answer, it would
hold every must_include string of the gold answer (any candidate of an
unanswerable question is wrong). The held-out files (eval/test.jsonl,
valley-league) are never read here.

Fit: standardised features, logistic regression (scikit-learn). The claim
threshold comes from out-of-fold probabilities, leaving one dev collection
out at a time (a user's collection is new to the model; within a collection
the wrong-claim rate at a given probability was half as large): each
question's answer is chosen as the reader chooses (`reader.choose`), and the
threshold is the lowest at which the wrong claims stay within `TARGET_WRONG`
of all questions (a margin under the 5 % ceiling). The 5-fold CV grouped by
question (a question and its perturbed twin in one fold) is reported beside. The
not-found floors are the lowest best-sentence support and known-word share
of any answerable dev question. Weights, threshold, floors and the figures
they came from are written to `rag/read/answer_model.json`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.assistant import Assistant
from rag.config import Settings, load_settings
from rag.evaluate.gold import GoldItem, load_gold
from rag.evaluate.metrics import includes_all
from rag.evaluate.perturb import perturb
from rag.evaluate.run import collection_settings
from rag.read.candidates import Candidate
from rag.read.features import FEATURES
from rag.read.reader import choose
from rag.read.scorer import MODEL_FILE, AnswerModel

ROOT = Path(__file__).resolve().parents[2]
DEV_SETS = (
    ("eval/dev.jsonl", "seeds"),
    ("eval/collections/larkmoor-budget/gold.jsonl", "eval/collections/larkmoor-budget/articles"),
    ("eval/collections/corvale-health/gold.jsonl", "eval/collections/corvale-health/articles"),
)
TARGET_WRONG = 0.03
FOLDS = 5
C = 1.0  # logistic regression's inverse regularisation: scikit-learn's default, not tuned
READ_ONLY = AnswerModel.fixed(threshold=2.0)  # while the data are read nothing is claimed or found missing


@dataclass
class Asked:
    """One question as asked (as written, or its perturbed twin): its candidates, their rows and labels."""

    group: str  # the gold question: a question and its perturbed twin share it
    answerable: bool
    candidates: list[Candidate]
    rows: np.ndarray
    right: np.ndarray  # per candidate: shown as the answer, it holds the facts
    best: float
    known: float
    question: str = ""  # as the reader read it (normalised): what the check is asked
    texts: dict[int, str] | None = None  # the read sentences' texts, for the check
    perturbed: bool = False


def dev_collection(gold_file: Path, articles: Path, settings: Settings, model: AnswerModel | None = None, checker=None) -> tuple[Assistant, list[GoldItem], str]:
    """One dev collection ingested into a scratch store of its own, its gold items, and its name ("seeds",
    "larkmoor-budget"); ``model`` and ``checker`` as `Assistant` takes them."""
    assistant = Assistant(collection_settings(settings, articles), model, checker)
    assistant.ingest()
    texts = {doc_id: doc.get_content() for doc_id, doc in assistant.store.articles().items()}
    name = articles.parent.name if articles.name == "articles" else articles.name
    return assistant, load_gold(gold_file, texts), name


def read_set(gold_file: Path, articles: Path, settings: Settings | None = None) -> list[Asked]:
    """Every question of one dev file, as written and perturbed, read over its own collection (``settings``: the
    repository's config unless given, e.g. with a reader ablation switched on)."""
    assistant, gold, name = dev_collection(gold_file, articles, settings or load_settings(ROOT / "config.toml", env={}), READ_ONLY)
    asked = []
    for item in gold:
        for question, perturbed in ((item.question, False), (perturb(item.question, f"{item.id}:fit"), True)):
            asked.append(_asked(assistant, item, question, f"{name}/{item.id}", perturbed))
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{gold_file.name} {item.id}   ")
    return asked


def _asked(assistant: Assistant, item: GoldItem, question: str, group: str, perturbed: bool) -> Asked:
    decision, scored = assistant.inspect(question)
    found = scored.candidates if scored else []
    rows = scored.rows if scored else np.zeros((0, len(FEATURES)), dtype=np.float32)
    right = np.array([item.answerable and includes_all(c.text, item.must_include) for c in found], dtype=bool)
    texts = scored.texts if scored else {}
    return Asked(
        group, item.answerable, found, rows, right, decision.reading.best, decision.reading.known, scored.question.text if scored else question, texts, perturbed
    )


def collection(a: Asked) -> str:
    return a.group.split("/")[0]


def out_of_fold(asked: list[Asked], fold_of: dict[str, int]) -> list[np.ndarray]:
    """Per question, its candidates' probabilities from a model fitted without its fold (``fold_of``: group → fold)."""
    probabilities = [np.zeros(len(a.candidates)) for a in asked]
    for fold in sorted(set(fold_of.values())):
        model = _fit([a.rows for a in asked if fold_of[a.group] != fold], [a.right for a in asked if fold_of[a.group] != fold])
        for k, a in enumerate(asked):
            if fold_of[a.group] == fold and len(a.candidates):
                probabilities[k] = model.predict_proba(a.rows)[:, 1]
    return probabilities


def by_question(asked: list[Asked]) -> dict[str, int]:
    """FOLDS folds, round robin over the sorted question ids: each question and its twin whole in one fold."""
    return {g: k % FOLDS for k, g in enumerate(sorted({a.group for a in asked}))}


def by_collection(asked: list[Asked]) -> dict[str, int]:
    """One fold per dev collection: each is read by a model that never saw it, as a user's new collection is."""
    names = sorted({collection(a) for a in asked})
    return {a.group: names.index(collection(a)) for a in asked}


def _fit(rows: list[np.ndarray], labels: list[np.ndarray]):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = np.vstack([r for r in rows if len(r)]), np.concatenate([y for y in labels if len(y)]).astype(int)
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000)).fit(x, y)


def at_threshold(asked: list[Asked], probabilities: list[np.ndarray], threshold: float) -> dict[str, float]:
    """What users of these questions would see with this threshold: right and wrong claims, as shares."""
    right = wrong = 0
    for a, p in zip(asked, probabilities, strict=True):
        k = choose(a.candidates, p, threshold)
        if k is not None and p[k] >= threshold:
            right += bool(a.right[k])
            wrong += not a.right[k]
    answerable = sum(a.answerable for a in asked)
    return {"lead_accuracy": right / answerable, "confidently_wrong_rate": wrong / len(asked), "claim_rate": (right + wrong) / len(asked)}


def choose_threshold(asked: list[Asked], probabilities: list[np.ndarray]) -> float:
    """The lowest threshold whose out-of-fold wrong claims stay within TARGET_WRONG of all questions."""
    for threshold in sorted({round(float(x), 4) for p in probabilities for x in p}):
        if at_threshold(asked, probabilities, threshold)["confidently_wrong_rate"] <= TARGET_WRONG:
            return threshold
    return 1.0


def _figures(asked: list[Asked], probabilities: list[np.ndarray], threshold: float) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    labels = np.concatenate([a.right for a in asked if len(a.candidates)])
    scores = np.concatenate([p for a, p in zip(asked, probabilities, strict=True) if len(a.candidates)])
    top = [bool(a.right[int(np.argmax(p))]) for a, p in zip(asked, probabilities, strict=True) if a.answerable and len(a.candidates)]
    return {
        "candidate_auc": round(float(roc_auc_score(labels, scores)), 4),
        "top_candidate_right": round(sum(top) / sum(a.answerable for a in asked), 4),
        **{k: round(v, 4) for k, v in at_threshold(asked, probabilities, threshold).items()},
    }


def fit(asked: list[Asked]) -> dict:
    """The model on all dev data; its threshold from leave-one-collection-out probabilities (a new collection reads
    less surely than a new question on a known one: on dev, the wrong-claim rate at a given probability doubled)."""
    across = out_of_fold(asked, by_collection(asked))
    threshold = choose_threshold(asked, across)
    within = out_of_fold(asked, by_question(asked))
    model = _fit([a.rows for a in asked], [a.right for a in asked])
    scaler, regression = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
    answerable = [a for a in asked if a.answerable]
    per_collection = {}
    for name in sorted({collection(a) for a in asked}):
        keep = [k for k, a in enumerate(asked) if collection(a) == name]
        per_collection[name] = {k: round(v, 4) for k, v in at_threshold([asked[k] for k in keep], [across[k] for k in keep], threshold).items()}
    return {
        "features": list(FEATURES),
        "mean": scaler.mean_.round(6).tolist(),
        "scale": scaler.scale_.round(6).tolist(),
        "coef": regression.coef_[0].round(6).tolist(),
        "intercept": round(float(regression.intercept_[0]), 6),
        "threshold": round(threshold, 4),
        "not_found_below": round(min(a.best for a in answerable), 4),
        "known_below": round(min(a.known for a in answerable), 4),
        "fitted_on": {
            "gold": [g for g, _ in DEV_SETS],
            "questions": len({a.group for a in asked}),
            "asked": len(asked),
            "candidates": int(sum(len(a.candidates) for a in asked)),
            "right_candidates": int(sum(a.right.sum() for a in asked)),
            "perturbed_twin_per_question": True,
            "model": f"StandardScaler + LogisticRegression(C={C}), scikit-learn",
        },
        "cv": {
            "target_wrong": TARGET_WRONG,
            "threshold_from": "leave one dev collection out",
            "across_collections": _figures(asked, across, threshold),
            "across_collections_each": per_collection,
            f"within_collections_{FOLDS}_fold_by_question": _figures(asked, within, threshold),
        },
    }


def main() -> None:
    from rag.embed.models import offline_environment
    from rag.evaluate.fit_claim import fit_claim

    offline_environment()
    asked = [a for gold, articles in DEV_SETS for a in read_set(ROOT / gold, ROOT / articles)]
    model = fit(asked)
    MODEL_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {MODEL_FILE.relative_to(ROOT)}: threshold {model['threshold']}, not found below {model['not_found_below']}")
    print(json.dumps(model["cv"], indent=1))
    if "--no-claim" not in sys.argv:
        fit_claim(asked, out_of_fold(asked, by_collection(asked)), model)


if __name__ == "__main__":
    main()
