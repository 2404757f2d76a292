"""The claim model's fit (the second stage of `python -m rag.evaluate.fit_reader`): the reader and the reading model
together decide a claim.

Data: every dev question as written (its perturbed twin is left out here:
each check costs seconds on 2 cores) that the reader would not call
not_found. Its options are the reader's best short candidates by its
*out-of-fold* probability (leave one collection out: a user's collection is
new to the reader, so its probabilities must be read as on an unseen one),
each checked by the reading model against its own sentence. A row per option
(`rag.read.claim.FEATURES`), labelled right when, shown as the answer, it
holds every must_include string (nothing is right for an unanswerable
question). Logistic regression; the threshold is the lowest at which the
leave-one-collection-out claims stay within `TARGET_WRONG` of all questions.
The model, its checker's sha256, threshold and figures go to
`rag/read/claim_model.json`; the checks to the committed cache beside it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from rag.config import load_settings
from rag.llm.cache import CheckCache
from rag.llm.check import CachedChecker, CheckItem, load_checker
from rag.read.claim import CLAIM_FILE, FEATURES, Option, options, rows

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "rag" / "read" / "checks"  # the dev sets' checks, committed: a refit asks the model nothing it asked before
TARGET_WRONG = 0.03
C = 1.0


def dev_checker(model: str = "") -> CachedChecker:
    """The configured checking model (or ``model``), its checks cached in the committed dev cache."""
    settings = load_settings(ROOT / "config.toml", env={})
    settings.check.model = model or settings.check.model
    checker = load_checker(settings)
    checker.cache = CheckCache(CHECKS / f"{checker.name}.jsonl")
    return checker


def check_all(checker: CachedChecker, questions: list, chosen: list[list[Option]]) -> list[list[float]]:
    """P(yes) for every option, question by question (the cache answers what was asked before), with progress."""
    started, answers = time.perf_counter(), []
    for k, (a, found) in enumerate(zip(questions, chosen, strict=True)):
        answers.append(checker.p_yes([CheckItem(a.texts[o.candidate.sentence], a.question, o.text) for o in found]))
        if sys.stderr.isatty() or k % 20 == 0:
            sys.stderr.write(f"\rchecked {k + 1}/{len(questions)} questions ({checker.asked} model calls, {time.perf_counter() - started:.0f} s)   ")
            sys.stderr.flush()
    sys.stderr.write("\n")
    return answers


def _fit(x: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000)).fit(x, y.astype(int))


class _Fitted:
    """A scikit-learn pipeline in the shape `rag.read.claim.best` reads."""

    def __init__(self, pipeline) -> None:
        self.pipeline = pipeline

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return self.pipeline.predict_proba(x)[:, 1] if len(x) else np.zeros(0)


def fit_claim(asked: list, reader_oof: list[np.ndarray], reader_model: dict, checker: CachedChecker | None = None, write: bool = True) -> dict:
    """Fit the claim model for ``checker`` (the configured one) and write it unless ``write`` is false (the bench
    compares checkers so); returns the model and its cross-validated figures."""
    from sklearn.metrics import roc_auc_score

    written = [(a, p) for a, p in zip(asked, reader_oof, strict=True) if not a.perturbed]
    kept = [(a, p) for a, p in written if len(a.candidates) and a.best >= reader_model["not_found_below"] and a.known >= reader_model["known_below"]]
    questions = [a for a, _ in kept]
    chosen = [options(a.candidates, p) for a, p in kept]
    index = [[next(i for i, c in enumerate(a.candidates) if c is o.candidate) for o in found] for a, found in zip(questions, chosen, strict=True)]
    labels = [a.right[ix] if ix else np.zeros(0, dtype=bool) for a, ix in zip(questions, index, strict=True)]
    checker = checker or dev_checker()
    p_yes = check_all(checker, questions, chosen)
    x = [rows(found, p) for found, p in zip(chosen, p_yes, strict=True)]
    names = sorted({a.group.split("/")[0] for a in questions})
    collection = [names.index(a.group.split("/")[0]) for a in questions]
    total = len(written)
    answerable = sum(a.answerable for a, _ in written)

    # leave one collection out: each collection's claims by a model fitted on the others
    oof: list[np.ndarray] = [np.zeros(len(f)) for f in chosen]
    for fold in range(len(names)):
        train = [k for k in range(len(questions)) if collection[k] != fold and len(chosen[k])]
        model = _Fitted(_fit(np.vstack([x[k] for k in train]), np.concatenate([labels[k] for k in train])))
        for k in range(len(questions)):
            if collection[k] == fold and len(chosen[k]):
                oof[k] = model.probabilities(x[k])

    reader_scores = [np.array([o.reader for o in f]) for f in chosen]
    check_scores = [np.asarray(p, dtype=np.float64) for p in p_yes]
    everyone = list(range(len(questions)))

    def at(threshold: float, scores: list[np.ndarray], keep: list[int] = everyone, name: str = "") -> dict[str, float]:
        """Claims when each question's best option by ``scores`` is claimed at ``threshold``, as shares."""
        right = wrong = 0
        for k in keep:
            if len(scores[k]):
                j = int(np.argmax(scores[k]))
                if scores[k][j] >= threshold:
                    right += bool(labels[k][j])
                    wrong += not labels[k][j]
        n = sum(1 for a, _ in written if not name or a.group.startswith(name + "/"))
        m = sum(1 for a, _ in written if (not name or a.group.startswith(name + "/")) and a.answerable)
        return {"lead_accuracy": round(right / max(m, 1), 4), "confidently_wrong_rate": round(wrong / max(n, 1), 4), "claim_rate": round((right + wrong) / max(n, 1), 4)}

    def lowest(scores: list[np.ndarray]) -> float:
        for threshold in sorted({round(float(v), 4) for p in scores for v in p}):
            if at(threshold, scores)["confidently_wrong_rate"] <= TARGET_WRONG:
                return threshold
        return 1.0

    threshold = lowest(oof)
    flat_labels = np.concatenate([y for y in labels if len(y)])
    final = _fit(np.vstack([r for r in x if len(r)]), flat_labels)
    scaler, regression = final.named_steps["standardscaler"], final.named_steps["logisticregression"]
    alone = {which: {"threshold": lowest(scores), **at(lowest(scores), scores)} for which, scores in (("reader", reader_scores), ("check_p_yes", check_scores))}
    figures = {
        "target_wrong": TARGET_WRONG,
        "threshold_from": "leave one dev collection out (reader probabilities out of fold too)",
        "questions": total,
        "checked_questions": sum(bool(f) for f in chosen),
        "checks": int(sum(len(f) for f in chosen)),
        "option_auc": {
            "claim_model": round(float(roc_auc_score(flat_labels, np.concatenate([p for p in oof if len(p)]))), 4),
            "check_p_yes": round(float(roc_auc_score(flat_labels, np.concatenate([p for p in p_yes if len(p)]))), 4),
            "reader": round(float(roc_auc_score(flat_labels, [o.reader for f in chosen for o in f])), 4),
        },
        "ceiling_short_right_among_options": round(sum(bool(y.any()) for y in labels) / answerable, 4),
        "across_collections": at(threshold, oof),
        "across_collections_each": {name: at(threshold, oof, [k for k in everyone if collection[k] == fold], name) for fold, name in enumerate(names)},
        "each_signal_alone_at_target": alone,
    }
    data = {
        "features": list(FEATURES),
        "checker": {"name": checker.name, "key": checker.key},
        "mean": scaler.mean_.round(6).tolist(),
        "scale": scaler.scale_.round(6).tolist(),
        "coef": regression.coef_[0].round(6).tolist(),
        "intercept": round(float(regression.intercept_[0]), 6),
        "threshold": round(threshold, 4),
        "fitted_on": {"gold": "the dev sets of fit_reader, as written", "options": len(flat_labels), "right_options": int(flat_labels.sum())},
        "cv": figures,
    }
    if write:
        CLAIM_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {CLAIM_FILE.relative_to(ROOT)}: threshold {data['threshold']}")
        print(json.dumps(figures, indent=1))
    return data
