"""`rag eval`: load the gold file, score system and baseline, write the report, check the gate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rag.assistant import Assistant
from rag.evaluate.gold import load_gold
from rag.evaluate.harness import baseline, score, system
from rag.evaluate.report import gate_ok, write_report


def run_eval(assistant: Assistant, gold_path: Path, out: Path, backend: str | None, with_baseline: bool) -> tuple[dict[str, Any], list[Path], list[str]]:
    if assistant.store.chunk_count() == 0:
        assistant.ingest()
    articles = {doc_id: doc.get_content() for doc_id, doc in assistant.store.articles().items()}
    gold = load_gold(gold_path, articles)
    progress = _progress(len(gold) * (2 if with_baseline else 1))
    results: dict[str, Any] = {"gold": str(gold_path), "questions": len(gold), "backend": backend or assistant.settings.llm.backend}
    results["system"] = score(system(assistant, backend), gold, assistant, progress)
    if with_baseline:
        results["baseline"] = score(baseline(assistant, backend), gold, assistant, progress)
    thresholds = {k: float(v) for k, v in assistant.settings.eval.get("thresholds", {}).items()}
    failures = [f"{k} = {results['system'][k]:.3f}, threshold {v}" for k, v in thresholds.items() if not gate_ok(k, results["system"][k], v)]
    written = write_report(results, out, thresholds)
    return results, written, failures


def _progress(total: int):
    """A one-line counter on a terminal's stderr; silent when not a terminal."""
    count = 0

    def tick(label: str) -> None:
        nonlocal count
        count += 1
        if sys.stderr.isatty():
            sys.stderr.write(f"\r{count}/{total} {label:40}")
            sys.stderr.flush()

    return tick
