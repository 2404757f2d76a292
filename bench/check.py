"""Benchmark of the reading model's check (issue: claim the answers a reading model confirms), both packaged models
side by side, measured in one run; the section "Reading-model check" of bench/RESULTS.md is rewritten.

    python bench/check.py            # both Qwen2.5-Coder models: dev CV lead at <= 5 % wrong, warm check latency
    python bench/check.py --latency  # latency rows only (no dev fit)

- **Quality**: the claim model's leave-one-collection-out figures on the dev sets (as `fit_reader` computes them,
  checks from the committed dev cache, the missing ones asked now), per model.
- **Latency**: warm, uncached (an empty cache folder): the seeds' questions as the product asks them; per
  question the wall time of all its checks, per extra candidate the time of a check after the first of its
  sentence; the overhead ratio is that wall time over llama.cpp's own time reading the same prompt tokens
  (`Llama.eval`), so what the check adds around the model (template, tokenising, the next token's softmax, the
  cache) shows apart from what the model costs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.answer.models.check import CheckItem, load_checker  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.config import load_settings  # noqa: E402
from rag.evaluate.gold import load_gold  # noqa: E402
from rag.read.claim import options  # noqa: E402

MODELS = ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b")
SECTION = "## Reading-model check"
QUESTIONS = 24  # of eval/test.jsonl, in file order: the latency sample


def latency(model: str, assistant: Assistant, questions: list[str]) -> dict[str, float]:
    """Warm, uncached check times over ``questions`` with ``model``."""
    with tempfile.TemporaryDirectory(prefix="rag-check-bench-") as cache:
        settings = assistant.settings
        settings.check.model, settings.check.cache = model, cache
        checker = load_checker(settings)
        inner = checker.checker
        inner.p_yes([CheckItem("A warm-up sentence.", "What warms up?", "the model")])  # loads the model
        per_question, first, extra, wall, raw = [], [], [], 0.0, 0.0
        for question in questions:
            _, scored = assistant.inspect(question)
            if scored is None:
                continue
            found = options(scored.candidates, scored.probabilities, settings.check.candidates)
            items = sorted((CheckItem(scored.texts[o.candidate.sentence], scored.question.text, o.text) for o in found), key=lambda i: i.sentence)
            started_question = time.perf_counter()
            for k, item in enumerate(items):
                before_eval = inner.eval_s
                started = time.perf_counter()
                checker.p_yes([item])
                took = time.perf_counter() - started
                wall, raw = wall + took, raw + inner.eval_s - before_eval
                (first if k == 0 or item.sentence != items[k - 1].sentence else extra).append(took)
            per_question.append(time.perf_counter() - started_question)
        return {
            "questions": len(per_question),
            "per_question_p50_s": statistics.median(per_question),
            "new_sentence_p50_s": statistics.median(first),
            "extra_candidate_p50_s": statistics.median(extra) if extra else float("nan"),
            "overhead_ratio": wall / raw if raw else float("nan"),
            "tokens_per_s": inner.evaluated / inner.eval_s if inner.eval_s else float("nan"),
        }


def quality(models: tuple[str, ...]) -> dict[str, dict]:
    """Per model, the dev CV figures of a claim model fitted for it (not written: the product's own fit is fit_reader's)."""
    from rag.evaluate.fit_claim import dev_checker, fit_claim
    from rag.evaluate.fit_reader import DEV_SETS, by_collection, out_of_fold, read_set
    from rag.read.scorer import MODEL_FILE

    asked = [a for gold, articles in DEV_SETS for a in read_set(ROOT / gold, ROOT / articles)]
    reader = json.loads(MODEL_FILE.read_text())
    oof = out_of_fold(asked, by_collection(asked))
    return {name: fit_claim(asked, oof, reader, dev_checker(name), write=False)["cv"] for name in models}


def write_section(lines: list[str], path: Path, section: str = SECTION) -> None:
    """Replace a benchmark's section of RESULTS.md (or add it before the hand-written profiling notes)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = "\n".join([section, "", *lines, ""]) + "\n"
    if section in text:
        head, rest = text.split(section, 1)
        tail = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        text = head + block + tail
    elif "## Profiling and fixes" in text:
        head, tail = text.split("## Profiling and fixes", 1)
        text = head + block + "## Profiling and fixes" + tail
    else:
        text += "\n" + block
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", action="store_true", help="latency rows only")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    from rag.embed.models import offline_environment

    offline_environment()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as store:
        settings = load_settings(ROOT / "config.toml", env={})
        settings.store.path = store
        settings.collection.paths = [str(ROOT / "seeds")]
        assistant = Assistant(settings)
        assistant.ingest()
        texts = {doc_id: doc.get_content() for doc_id, doc in assistant.store.articles().items()}
        questions = [item.question for item in load_gold(ROOT / "eval" / "test.jsonl", texts)][:QUESTIONS]
        speed = {model: latency(model, assistant, questions) for model in MODELS}
    figures = {} if args.latency else quality(MODELS)
    import llama_cpp

    cpu = next((x for x in llama_cpp.llama_print_system_info().decode().split("|") if "AVX512" in x and "= 1" in x), "") or "AVX2 only"
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `python bench/check.py` in {time.perf_counter() - started:.0f} s, 2 cores ({cpu.strip()}), "
        f"llama-cpp-python {llama_cpp.__version__}; {QUESTIONS} questions of eval/test.jsonl, warm, uncached; up to 3 candidates a question.",
        "",
        "| model | check p50 per question | new sentence p50 | extra candidate p50 | overhead vs the model's own prompt time | prompt tokens/s |"
        + (" dev CV lead (each collection <= 3 % wrong) | dev CV wrong | P(yes) AUC | claim rule chosen |" if figures else ""),
        "|---|---|---|---|---|---|" + ("---|---|---|---|" if figures else ""),
    ]
    for model in MODELS:
        s = speed[model]
        cells = [f"{s[k]:.2f} s" for k in ("per_question_p50_s", "new_sentence_p50_s", "extra_candidate_p50_s")]
        cells += [f"{s['overhead_ratio']:.2f}×", f"{s['tokens_per_s']:.0f}"]
        if figures:
            cv = figures[model]
            chosen = cv["variants"][cv["chosen"]]
            cells += [f"{chosen['across_collections'][k]:.3f}" for k in ("lead_accuracy", "confidently_wrong_rate")]
            cells += [f"{cv['variants']['check_alone']['option_auc']:.3f}", cv["chosen"]]
        row = f"| {model} | " + " | ".join(cells) + " |"
        lines.append(row)
    lines += ["", "Targets: warm check p50 <= 5 s per question with the default model; overhead <= 1.3×."]
    write_section(lines, args.out)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
