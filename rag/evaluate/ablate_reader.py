"""`python -m rag.evaluate.ablate_reader`: what each part of the reader is worth, and where its errors come from.

Each variant is fitted on the dev sets exactly as the shipped scorer is
(`fit_reader`: the same data, the same leave-one-collection-out threshold for
at most 3 % wrong claims) and then scored on the held-out files through the
facade, as `rag eval` scores the system:

- full: the shipped reader;
- no parser: no parse of question or passages, whole sentences the only candidates;
- hand weights: the same features and threshold rule, but the weights set by hand, not fitted;
- no dense features: no embedding similarity anywhere in the reader (lexical support only).

Then, for the full reader, each held-out answerable question is put in the first
bucket that explains it: evidence not retrieved, no candidate holds the facts,
a right candidate not ranked first, ranked first but below the threshold (shown
as evidence), or claimed right; and unanswerable ones: claimed, or not.
Writes eval/ABLATIONS.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rag.assistant import Assistant
from rag.config import Settings, load_settings
from rag.evaluate.fit_reader import DEV_SETS, ROOT, choose_threshold, fit, read_set
from rag.evaluate.gold import load_gold
from rag.evaluate.harness import judge
from rag.evaluate.metrics import includes_all
from rag.evaluate.run import collection_settings
from rag.read.features import FEATURES
from rag.read.reader import READ_SENTENCES, choose
from rag.read.scorer import AnswerModel, load_model
from rag.schema import Outcome

HELD_OUT = (("eval/test.jsonl", "seeds"), ("eval/collections/valley-league/gold.jsonl", "eval/collections/valley-league/articles"))
VARIANTS = {"full": {}, "no parser": {"parse": False}, "hand weights": {}, "no dense features": {"dense": False}}
# Hand weights: what one would write without fitting — support for the question, the asked-for kind present and near
# the question's words, not a repeat of the question.
HAND = {"s_score": 2.0, "c_slot": 1.0, "c_expected": 1.0, "c_near": 1.0, "c_dep": 1.0, "s_rank": 0.5, "repeats": -2.0}


def _settings(read: dict) -> Settings:
    settings = load_settings(ROOT / "config.toml", env={})
    for key, value in read.items():
        setattr(settings.read, key, value)
    return settings


def _hand_model(asked) -> dict:
    """Hand-set weights on the raw features; only the claim threshold is chosen on dev, by the same rule."""
    coef = np.array([HAND.get(name, 0.0) for name in FEATURES])
    mean, scale = np.zeros(len(FEATURES)), np.ones(len(FEATURES))
    raw = AnswerModel(FEATURES, mean, scale, coef, -3.0, 2.0, -1.0, -1.0)
    across = [raw.probabilities(a.rows) for a in asked]
    fitted = fit(asked)  # for the not-found floors only
    return fitted | {"mean": mean.tolist(), "scale": scale.tolist(), "coef": coef.tolist(), "intercept": -3.0, "threshold": choose_threshold(asked, across)}


def variant_model(name: str, read: dict) -> dict:
    asked = [a for gold, articles in DEV_SETS for a in read_set(ROOT / gold, ROOT / articles, _settings(read))]
    return _hand_model(asked) if name == "hand weights" else fit(asked)


def score_held_out(model: AnswerModel, read: dict) -> dict[str, dict[str, float]]:
    """Lead, wrong claims, must_include and refusals on each held-out file, through the facade."""
    figures = {}
    for gold, articles in HELD_OUT:
        assistant = Assistant(collection_settings(_settings(read), ROOT / articles), model)
        assistant.ingest()
        texts = {doc_id: doc.get_content() for doc_id, doc in assistant.store.articles().items()}
        rows = []
        for item in load_gold(ROOT / gold, texts):
            rows.append({"answerable": item.answerable, **judge(item, assistant.ask(item.question, backend="extractive", check=False))})
        answerable = [r for r in rows if r["answerable"]]
        figures[Path(articles).parent.name if articles.endswith("articles") else articles] = {
            "lead_accuracy": sum(r["lead"] for r in answerable) / len(answerable),
            "confidently_wrong_rate": sum(r["confidently_wrong"] for r in rows) / len(rows),
            "must_include_accuracy": sum(r["must_include"] for r in answerable) / len(answerable),
            "claim_rate": sum(r["claimed"] for r in rows) / len(rows),
        }
    return figures


def error_sources(model: AnswerModel) -> dict[str, dict[str, int]]:
    """For the full reader on each held-out file: the first reason each question came out as it did."""
    sources = {}
    for gold, articles in HELD_OUT:
        assistant = Assistant(collection_settings(_settings({}), ROOT / articles), model)
        assistant.ingest()
        texts = {doc_id: doc.get_content() for doc_id, doc in assistant.store.articles().items()}
        counts: dict[str, int] = {}
        for item in load_gold(ROOT / gold, texts):
            decision, scored = assistant.inspect(item.question)
            counts[_bucket(item, decision, scored, model)] = counts.get(_bucket(item, decision, scored, model), 0) + 1
        sources[Path(articles).parent.name if articles.endswith("articles") else articles] = counts
    return sources


def _bucket(item, decision, scored, model: AnswerModel) -> str:
    if not item.answerable:
        return "unanswerable, claimed (wrong)" if decision.outcome == Outcome.ANSWER else "unanswerable, not claimed"
    if decision.outcome == Outcome.NOT_FOUND or scored is None:
        return "not found"
    right = [includes_all(c.text, item.must_include) for c in scored.candidates]
    if not any(right):  # every read sentence is a candidate itself: the facts are in none of them
        return f"facts in none of the {READ_SENTENCES} best sentences read"
    k = choose(scored.candidates, scored.probabilities, model.threshold)
    if not right[k]:
        return "a right candidate, another chosen" + (" and claimed (wrong)" if scored.probabilities[k] >= model.threshold else "")
    return "chosen right, claimed" if scored.probabilities[k] >= model.threshold else "chosen right, below the threshold (shown as evidence)"


def main() -> None:
    from rag.embed.models import offline_environment

    offline_environment()
    results = {}
    for name, read in VARIANTS.items():
        model = load_model() if name == "full" else AnswerModel.from_dict(variant_model(name, read))
        results[name] = score_held_out(model, read)
        print(name, json.dumps(results[name]))
    sources = error_sources(load_model())
    out = ROOT / "eval" / "ABLATIONS.md"
    out.write_text(report(results, sources), encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")


def report(results: dict, sources: dict) -> str:
    keys = ("lead_accuracy", "confidently_wrong_rate", "must_include_accuracy", "claim_rate")
    sets = list(next(iter(results.values())))
    lines = ["# Reader ablations (`python -m rag.evaluate.ablate_reader`)", "", __doc__.split("\n\n", 1)[1].strip(), ""]
    lines += ["| variant | " + " | ".join(f"{s} {k}" for s in sets for k in keys) + " |", "|---|" + "---|" * (len(sets) * len(keys))]
    for name, figures in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{figures[s][k]:.3f}" for s in sets for k in keys) + " |")
    lines += ["", "## Where the full reader's results come from (held-out questions)", ""]
    for name, counts in sources.items():
        lines += [f"### {name}", "", "| bucket | questions |", "|---|---|", *(f"| {b} | {n} |" for b, n in sorted(counts.items(), key=lambda x: -x[1])), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
