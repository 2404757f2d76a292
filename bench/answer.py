"""Benchmark of the default answer (issue: the model answers, one judge decides), measured in one run; the section
"Default answer" of bench/RESULTS.md is rewritten.

    python bench/answer.py                  # the context budget on dev, then warm answer latency per backend
    python bench/answer.py --latency-only   # latency rows only

- **Context budget** (what the model reads, `llm.context_tokens`): on the first answerable questions of the dev gold
  (eval/dev.jsonl over the seeds, never a held-out file), the embedded 1.5B answering through the product's path at
  each budget: its short answer right by the gold's must_include, prompt tokens, generation time. The default was
  chosen from this table.
- **Latency**: warm (model loaded, one question asked first), checks uncached (an empty cache folder), on dev
  questions: p50 of the whole answer per backend (`extractive` with the check; `llamacpp`, the default `auto` path
  without a server), the first event (the evidence or the first token), and the model's raw time for the same
  prompt (`create_chat_completion` on the same messages, nothing around it): the path's overhead is the answer's
  time over the model's raw generation plus its checks.
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

from bench.check import write_section  # noqa: E402
from rag.answer.backends.base import Generation  # noqa: E402
from rag.answer.backends.llamacpp import LlamaCppGenerator, _load  # noqa: E402
from rag.answer.prompt import STOP, build_prompt  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.config import load_settings  # noqa: E402
from rag.evaluate.gold import load_gold  # noqa: E402
from rag.evaluate.metrics import includes_all  # noqa: E402

SECTION = "## Default answer"
BUDGETS = (250, 400, 600, 0)
QUESTIONS = 24


class Recording(LlamaCppGenerator):
    """The embedded generator, keeping the last prompt it sent."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.sent: list[dict[str, str]] = []

    def generate(self, question, passages, history=None) -> Generation:
        self.sent = build_prompt(question, passages, self.settings.num_ctx, self.settings.max_tokens, history).messages
        return super().generate(question, passages, history)

    def llama(self):
        return _load(str(self.path), self.settings.num_ctx, self.settings.llamacpp_threads)

    def prompt_tokens(self) -> int:
        """The last prompt's tokens (its messages' text; the chat template adds a few more)."""
        return sum(len(self.llama().tokenize(m["content"].encode(), add_bos=False)) for m in self.sent)

    def raw_s(self) -> float:
        """The model alone on the last prompt, nothing around it, read from an empty context (llama.cpp would
        otherwise reuse the prompt the answer just evaluated, and time only the last few tokens)."""
        self.llama().reset()
        started = time.perf_counter()
        self.llama().create_chat_completion(messages=self.sent, max_tokens=self.settings.max_tokens, temperature=0.0, stop=STOP)
        return time.perf_counter() - started


def assistant_for(cache: str) -> Assistant:
    settings = load_settings(ROOT / "config.toml", env={})
    settings.store.path = tempfile.mkdtemp(prefix="rag-bench-answer-")
    settings.check.cache = cache
    settings.llm.ollama_host = "http://127.0.0.1:9"  # no server: `auto` is the embedded model
    assistant = Assistant(settings)
    assistant.ingest()
    return assistant


def asking(assistant: Assistant) -> Recording:
    generator = Recording(assistant.settings.llm)
    assistant.generators["embedded"] = generator
    assistant.ask("What was agreed?", backend="embedded")  # warm: the model and the checker loaded
    return generator


def budgets(assistant: Assistant, items: list) -> list[dict]:
    """The model's short answer right, prompt tokens and generation time at each context budget."""
    rows = []
    generator = asking(assistant)
    for budget in BUDGETS:
        assistant.settings.llm.context_tokens = budget
        right, tokens, seconds = 0, [], []
        for item in items:
            answer = assistant.ask(item.question, backend="embedded")
            right += bool(answer.model_answer) and includes_all(answer.model_answer, item.must_include)
            if "generate_ms" in answer.timings_ms:
                tokens.append(generator.prompt_tokens())
                seconds.append(answer.timings_ms["generate_ms"] / 1000)
        rows.append({"budget": budget, "right": right, "asked": len(items), "prompt_tokens_p50": statistics.median(tokens), "generate_p50_s": statistics.median(seconds)})
        print(json.dumps(rows[-1]), flush=True)
    assistant.settings.llm.context_tokens = load_settings(ROOT / "config.toml", env={}).llm.context_tokens
    return rows


def latency(assistant: Assistant, items: list) -> dict[str, dict]:
    """Warm answer time per backend, the first event, and (embedded) the model's raw time for the same prompts."""
    generator = asking(assistant)
    found: dict[str, dict] = {}
    for backend in ("extractive", "embedded"):
        total, first, raw, model_time = [], [], [], []
        for item in items:
            started = time.perf_counter()
            first_at = None
            for event in assistant.stream(item.question, backend=backend):
                first_at = first_at or time.perf_counter() - started
                answer = event.answer or None
            total.append(time.perf_counter() - started)
            first.append(first_at)
            if backend == "embedded" and "generate_ms" in answer.timings_ms:
                raw.append(generator.raw_s())
                model_time.append(raw[-1] + (answer.timings_ms.get("verify_ms", 0) + answer.timings_ms.get("check_ms", 0)) / 1000)
        found[backend] = {
            "answer_p50_s": statistics.median(total),
            "answer_p95_s": sorted(total)[int(0.95 * (len(total) - 1))],
            "first_event_p50_s": statistics.median(first),
        }
        if raw:
            found[backend] |= {"raw_generation_p50_s": statistics.median(raw), "overhead": statistics.median(total) / statistics.median(model_time)}
        print(backend, json.dumps(found[backend]), flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-only", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rag-bench-checks-") as cache:
        assistant = assistant_for(cache)
        articles = {doc_id: doc.get_content() for doc_id, doc in assistant.store.articles().items()}
        items = [g for g in load_gold(ROOT / "eval" / "dev.jsonl", articles) if g.answerable][:QUESTIONS]
        swept = [] if args.latency_only else budgets(assistant, items)
    with tempfile.TemporaryDirectory(prefix="rag-bench-checks-") as cache:
        timed = latency(assistant_for(cache), items)
    import llama_cpp

    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `python bench/answer.py` in {time.perf_counter() - started:.0f} s, "
        f"{os.cpu_count()} cores, llama-cpp-python {llama_cpp.__version__} (the build in .venv); {len(items)} answerable "
        "questions of eval/dev.jsonl, warm, checks uncached.",
        "",
    ]
    if swept:
        lines += ["| context budget (tokens of passage text) | model's short answer right | prompt tokens p50 | generation p50 |", "|---|---|---|---|"]
        lines += [f"| {r['budget'] or 'whole passages'} | {r['right']}/{r['asked']} | {r['prompt_tokens_p50']:.0f} | {r['generate_p50_s']:.2f} s |" for r in swept]
        lines.append("")
    lines += ["| backend | answer p50 (p95) | first event p50 | model raw p50 (same prompt) | answer / (raw + checks) |", "|---|---|---|---|---|"]
    for backend, r in timed.items():
        label = "extractive + check" if backend == "extractive" else "embedded 1.5B (`auto`, no server)"
        raw = f"{r['raw_generation_p50_s']:.2f} s" if "raw_generation_p50_s" in r else "—"
        ratio = f"{r['overhead']:.2f}×" if "overhead" in r else "—"
        lines.append(f"| {label} | {r['answer_p50_s']:.2f} s ({r['answer_p95_s']:.2f} s) | {r['first_event_p50_s']:.2f} s | {raw} | {ratio} |")
    lines += ["", "Targets: warm default answer p50 <= 8 s, <= 2x the model's raw time for the same tokens; the evidence first in <= 0.5 s."]
    write_section(lines, args.out, SECTION)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
