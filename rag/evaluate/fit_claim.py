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
leave-one-collection-out claims of every dev collection stay within `TARGET_WRONG` of its questions.
The model, its checker's sha256, threshold and figures go to
`rag/read/claim_model.json`; the checks to the committed cache beside it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from rag.answer.models.cache import CheckCache
from rag.answer.models.check import CachedChecker, CheckItem, load_checker
from rag.config import load_settings
from rag.read.claim import CLAIM_FILE, FEATURES, Option, options, rows
from rag.read.claim import logit as claim_logit

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
        """The lowest threshold at which *each* dev collection, read by a model that never saw it, keeps its wrong
        claims within TARGET_WRONG (the pooled rate let one collection reach 4.4 % at 2.9 % overall)."""
        for threshold in sorted({round(float(v), 4) for p in scores for v in p}):
            worst = max(at(threshold, scores, [k for k in everyone if collection[k] == fold], name)["confidently_wrong_rate"] for fold, name in enumerate(names))
            if worst <= TARGET_WRONG:
                return threshold
        return 1.0

    def each(threshold: float, scores: list[np.ndarray]) -> dict[str, dict[str, float]]:
        return {name: at(threshold, scores, [k for k in everyone if collection[k] == fold], name) for fold, name in enumerate(names)}

    flat_labels = np.concatenate([y for y in labels if len(y)])
    variants = {}
    for variant, features in (("reader_and_check", FEATURES), ("check_alone", ("check_logit",))):
        columns = [FEATURES.index(f) for f in features]
        xs = [r[:, columns] for r in x]
        # leave one collection out: each collection's claims by a model fitted on the others
        oof: list[np.ndarray] = [np.zeros(len(f)) for f in chosen]
        for fold in range(len(names)):
            train = [k for k in everyone if collection[k] != fold and len(chosen[k])]
            model = _fit(np.vstack([xs[k] for k in train]), np.concatenate([labels[k] for k in train]))
            for k in everyone:
                if collection[k] == fold and len(chosen[k]):
                    oof[k] = model.predict_proba(xs[k])[:, 1]
        final = _fit(np.vstack([r for r in xs if len(r)]), flat_labels)
        if variant == "check_alone":
            # one feature, monotone: no fold's calibration is needed to decide, so the threshold is set on P(yes) itself
            # and mapped through the final fit (the confidence shown is its calibrated probability)
            raw = lowest(check_scores)
            threshold = float(final.predict_proba(np.array([[claim_logit(raw)]]))[0, 1])
            figures = {"check_threshold": raw, "across_collections": at(raw, check_scores), "across_collections_each": each(raw, check_scores)}
            auc = roc_auc_score(flat_labels, np.concatenate([p for p in check_scores if len(p)]))
        else:
            threshold = lowest(oof)
            figures = {"across_collections": at(threshold, oof), "across_collections_each": each(threshold, oof)}
            auc = roc_auc_score(flat_labels, np.concatenate([p for p in oof if len(p)]))
        variants[variant] = {"features": list(features), "threshold": round(threshold, 4), "option_auc": round(float(auc), 4), **figures, "_final": final}
    # the variant that claims more on unseen collections, at the same ceiling (ties: the one with both signals)
    chosen_variant = max(variants, key=lambda v: (variants[v]["across_collections"]["lead_accuracy"], v == "reader_and_check"))
    final = variants[chosen_variant].pop("_final")
    for v in variants.values():
        v.pop("_final", None)
    scaler, regression = final.named_steps["standardscaler"], final.named_steps["logisticregression"]
    figures = {
        "target_wrong": TARGET_WRONG,
        "threshold_from": "leave one dev collection out (reader probabilities out of fold too); every collection within target_wrong",
        "questions": total,
        "checked_questions": sum(bool(f) for f in chosen),
        "checks": int(sum(len(f) for f in chosen)),
        "ceiling_short_right_among_options": round(sum(bool(y.any()) for y in labels) / answerable, 4),
        "chosen": chosen_variant,
        "variants": variants,
        "reader_alone_at_target": {"threshold": lowest(reader_scores), **at(lowest(reader_scores), reader_scores)},
        "reader_auc": round(float(roc_auc_score(flat_labels, [o.reader for f in chosen for o in f])), 4),
    }
    data = {
        "features": variants[chosen_variant]["features"],
        "checker": {"name": checker.name, "key": checker.key},
        "mean": scaler.mean_.round(6).tolist(),
        "scale": scaler.scale_.round(6).tolist(),
        "coef": regression.coef_[0].round(6).tolist(),
        "intercept": round(float(regression.intercept_[0]), 6),
        "threshold": variants[chosen_variant]["threshold"],
        "fitted_on": {"gold": "the dev sets of fit_reader, as written", "options": len(flat_labels), "right_options": int(flat_labels.sum())},
        "cv": figures,
    }
    if write:
        CLAIM_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {CLAIM_FILE.relative_to(ROOT)}: threshold {data['threshold']}")
        print(json.dumps(figures, indent=1))
    return data
