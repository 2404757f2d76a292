"""`python -m rag.evaluate.fit_verify`: fit the verifier of generated answers (`rag.answer.verify`) on the dev sets.

Data: every dev question (`fit_reader.DEV_SETS`) answered through the answer
path by the oracle (the reference answer: right), the liar (the reference
answer with its key fact swapped for another of the same kind from the shown
passages: wrong) and the real packaged models (`MODELS`, generating behind the
Ollama stand-in, right or wrong by the gold: their answers cached in the
committed `rag/answer/generations/`), each read by the verifier as `ask` reads
it, with the reading model's check asked of the fact and its rivals (cached in
the committed dev cache, `rag/read/checks/`). Questions the reader calls
not_found are never put to a model (`ask` gates them), and a rule's veto
refuses a claim whatever the check says; neither is fitted. Logistic
regression over `rag.answer.verify.FEATURES`; the threshold is the lowest at
which, leaving one dev collection out, on *every* dev collection each real
model's wrong claims stay within `TARGET_WRONG` of its questions, the liar's
within `LIAR_WRONG`, and the 85/15 mix of oracle and liar within `MIX_WRONG`.
The figures beside it: what the oracle keeps (delivered), what each model gets
claimed right and wrong, and what the liar gets through, per collection, out of
fold, and the ablations (no rules, no rival margin, the rules alone).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from dataclasses import dataclass

import numpy as np

from rag.answer.backends.registry import make_generator
from rag.answer.facts import lead_of
from rag.answer.verify import FEATURES, VERIFY_FILE
from rag.config import load_settings
from rag.errors import RagError
from rag.evaluate.fit_claim import _fit, dev_checker, logistic_fields
from rag.evaluate.fit_reader import DEV_SETS, ROOT, dev_collection
from rag.evaluate.liar import LiarGenerator
from rag.evaluate.metrics import includes_all, is_short
from rag.evaluate.oracle import OracleGenerator
from rag.evaluate.run import served

TARGET_WRONG = 0.05  # a real model's wrong claims, of its questions
LIAR_WRONG = 0.10
MIX_WRONG = 0.03  # 0.85 x the oracle's wrong claims + 0.15 x the liar's
MIX = 0.85
MODELS = ("qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b")
GENERATIONS = ROOT / "rag" / "answer" / "generations"


@dataclass
class Row:
    collection: str
    id: str
    who: str  # oracle, liar, or the real model's name
    answerable: bool
    right: bool  # the lead holds every must_include string (and is short): claimed, it is a right answer
    verified: bool  # the verifier read it (not gated, not declined)
    vetoes: list[str]
    features: list[float]


def read_dev(checker, models: tuple[str, ...] = MODELS) -> list[Row]:
    settings = load_settings(ROOT / "config.toml", env={})
    rows: list[Row] = []
    started = time.perf_counter()
    for gold_file, articles in DEV_SETS:
        assistant, gold, name = dev_collection(ROOT / gold_file, ROOT / articles, settings, checker=checker)
        writers = [("oracle", contextlib.nullcontext(OracleGenerator(gold))), ("liar", contextlib.nullcontext(LiarGenerator(gold)))]
        writers += [(model, _served_generator(assistant, model)) for model in models]
        for who, writing in writers:
            with writing as generator:
                for item in gold:
                    try:
                        found, _, text = assistant.verdict(item.question, generator)
                    except RagError:  # the model's answer cut at max_tokens (a 0.5B repeating itself): nothing to judge
                        found, text = None, ""
                    lead = lead_of(text)
                    right = item.answerable and includes_all(lead, item.must_include) and is_short(lead, item.answer)
                    rows.append(
                        Row(name, item.id, who, item.answerable, bool(right), found is not None, found.vetoes if found else [], found.features() if found else [])
                    )
                    sys.stderr.write(f"\r{name} {who} {item.id} ({checker.asked} model calls, {time.perf_counter() - started:.0f} s)   ")
                    sys.stderr.flush()
    sys.stderr.write("\n")
    return rows


@contextlib.contextmanager
def _served_generator(assistant, model: str):
    """``model`` behind the Ollama stand-in, asked by the real Ollama backend, its answers in the committed cache."""
    with served(assistant, model, GENERATIONS):
        yield make_generator("ollama", assistant.settings)


def claims(rows: list[Row], scores: np.ndarray, threshold: float, rules: bool = True, outranked: bool = False) -> np.ndarray:
    """Which rows are claimed at ``threshold``: verified, no rule's veto (``rules``), and, with ``outranked``, no rival
    the check confirms more strongly than the fact (a negative margin)."""
    return np.array([r.verified and (not rules or not r.vetoes) and (not outranked or r.features[1] >= 0) and s >= threshold for r, s in zip(rows, scores, strict=True)])


def figures(rows: list[Row], claimed: np.ndarray, name: str = "") -> dict[str, float]:
    """What the oracle delivered (its right answers claimed, of answerable questions) and the liar got through (its
    wrong answers claimed, of all questions), in one collection or all."""
    pick = [k for k, r in enumerate(rows) if not name or r.collection == name]
    oracle = [k for k in pick if rows[k].who == "oracle"]
    liar = [k for k in pick if rows[k].who == "liar"]
    answerable = [k for k in oracle if rows[k].answerable]
    wrong = lambda ks: round(sum(claimed[k] and not rows[k].right for k in ks) / max(len(ks), 1), 4)  # noqa: E731
    found = {
        "oracle_delivered": round(sum(claimed[k] and rows[k].right for k in answerable) / max(len(answerable), 1), 4),
        "oracle_refusals_kept": round(sum(not claimed[k] for k in oracle if not rows[k].answerable) / max(sum(not rows[k].answerable for k in oracle), 1), 4),
        "liar_claimed_wrong": wrong(liar),
        "mix_claimed_wrong": round(MIX * wrong(oracle) + (1 - MIX) * wrong(liar), 4),
    }
    for model in sorted({r.who for r in rows} - {"oracle", "liar"}):
        mine = [k for k in pick if rows[k].who == model]
        asked = [k for k in mine if rows[k].answerable]
        found[f"{model}_right"] = round(sum(rows[k].right for k in asked) / max(len(asked), 1), 4)
        found[f"{model}_right_claimed"] = round(sum(claimed[k] and rows[k].right for k in asked) / max(len(asked), 1), 4)
        found[f"{model}_claimed_wrong"] = wrong(mine)
    return found


def within(found: dict[str, float]) -> bool:
    """Every ceiling holds: each real model's wrong claims, the liar's and the mix's."""
    models = [k for k in found if k.endswith("_claimed_wrong") and k not in ("liar_claimed_wrong", "mix_claimed_wrong")]
    return found["liar_claimed_wrong"] <= LIAR_WRONG and found["mix_claimed_wrong"] <= MIX_WRONG and all(found[k] <= TARGET_WRONG for k in models)


def delivered(found: dict[str, float]) -> float:
    """What a variant is chosen by: the right answers claimed, the oracle's and each real model's, averaged."""
    keys = ["oracle_delivered", *(k for k in found if k.endswith("_right_claimed"))]
    return sum(found[k] for k in keys) / len(keys)


def lowest(rows: list[Row], scores: np.ndarray, names: list[str], rules: bool = True, outranked: bool = False) -> float:
    """The lowest threshold at which every ceiling holds on every collection of ``names`` (`within`)."""
    for threshold in sorted({round(float(s), 4) for s in scores} | {1.01}):
        if all(within(figures(rows, claims(rows, scores, threshold, rules, outranked), n)) for n in names):
            return threshold
    return 1.01


VARIANTS = (  # name, feature columns, rules on, a rival the check confirms more refuses
    ("check_margin_reader_doubt", [0, 1, 2, 3, 4], True, False),
    ("check_margin_reader", [0, 1, 2, 3], True, False),
    ("check_margin_reader_best_of_rivals", [0, 1, 2, 3, 4], True, True),
    ("check_and_margin", [0, 1], True, False),
    ("check_alone", [0], True, False),
    ("reader_alone", [2, 3], True, False),
    ("no_rules", [0, 1, 2, 3, 4], False, False),
)


def fit_variant(rows: list[Row], usable: list[int], columns: list[int], rules: bool, outranked: bool) -> dict:
    """One variant fitted leaving one collection out: its threshold, what it delivers out of fold and held out, its
    trade-off curve, and the final model fitted on every collection (under "_final")."""
    names = sorted({r.collection for r in rows})
    x = np.array([rows[k].features for k in usable])
    y = np.array([rows[k].right for k in usable])
    oof = np.zeros(len(rows))
    for held in names:
        train = [i for i, k in enumerate(usable) if rows[k].collection != held]
        model = _fit(x[train][:, columns], y[train])
        inside = [i for i, k in enumerate(usable) if rows[k].collection == held]
        oof[[usable[i] for i in inside]] = model.predict_proba(x[inside][:, columns])[:, 1]
    # the threshold a fold would choose on the collections it was fitted on, applied to the one it never saw
    held_out = {}
    for held in names:
        threshold = lowest(rows, oof, [n for n in names if n != held], rules, outranked)
        held_out[held] = {"threshold": threshold, **figures(rows, claims(rows, oof, threshold, rules, outranked), held)}
    threshold = lowest(rows, oof, names, rules, outranked)
    curve = {f"{t:.2f}": figures(rows, claims(rows, oof, t, rules, outranked)) for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)}
    return {"trade_off_out_of_fold": curve, "features": [FEATURES[c] for c in columns], "rules": rules, "refuse_outranked": outranked,
            "threshold": threshold, "held_out": held_out,
            "out_of_fold_at_threshold": figures(rows, claims(rows, oof, threshold, rules, outranked)), "_final": _fit(x[:, columns], y)}  # fmt: skip


def fit(rows: list[Row], checker) -> dict:
    """Every variant fitted; the one that delivers most of the oracle's answers out of fold, within the liar's
    ceiling (rules on), written as the verifier with every variant's figures under "cv"."""
    names = sorted({r.collection for r in rows})
    usable = [k for k, r in enumerate(rows) if r.verified and r.features]
    variants = {variant: fit_variant(rows, usable, columns, rules, outranked) for variant, columns, rules, outranked in VARIANTS}
    rules_alone = claims(rows, np.ones(len(rows)), 0.0)
    name = max((v for v in variants if variants[v]["rules"] and v != "reader_alone"), key=lambda v: delivered(variants[v]["out_of_fold_at_threshold"]))
    chosen = variants[name]
    final = chosen.pop("_final")
    for v in variants.values():
        v.pop("_final", None)
    vetoed = [r for r in rows if r.verified and r.vetoes]
    cv = {
        "ceilings": {"model_claimed_wrong": TARGET_WRONG, "liar_claimed_wrong": LIAR_WRONG, "mix_claimed_wrong": MIX_WRONG},
        "threshold_from": "leave one dev collection out; every ceiling held on every collection",
        "rows": len(rows),
        "verified": len(usable),
        "variants": variants,
        "rules_alone": {n: figures(rows, rules_alone, n) for n in names},
        "vetoed": {
            "right": {who: sum(r.who == who and r.right for r in vetoed) for who in sorted({r.who for r in rows})},
            "wrong": {who: sum(r.who == who and not r.right for r in vetoed) for who in sorted({r.who for r in rows})},
        },
    }
    return {
        "features": chosen["features"],
        "chosen": name,
        "checker": {"name": checker.name, "key": checker.key},
        **logistic_fields(final),
        "threshold": chosen["threshold"],
        "refuse_outranked": chosen["refuse_outranked"],
        "cv": cv,
    }


def main() -> None:
    checker = dev_checker()
    rows = read_dev(checker)
    data = fit(rows, checker)
    VERIFY_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {VERIFY_FILE.relative_to(ROOT)}: threshold {data['threshold']}")
    print(json.dumps(data["cv"], indent=1))
    (ROOT / "eval" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "eval" / "out" / "verify_rows.json").write_text(json.dumps([r.__dict__ for r in rows], indent=0), encoding="utf-8")


if __name__ == "__main__":
    main()
