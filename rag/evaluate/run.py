"""`rag eval`: load the gold file, score system and baseline, write the report, check the gate."""

from __future__ import annotations

import contextlib
import copy
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.answer.backends.llamacpp import LlamaCppGenerator
from rag.answer.backends.registry import choose_generator
from rag.assistant import Assistant
from rag.config import Settings
from rag.errors import RagError
from rag.evaluate.cached_generator import CachedLlamaCpp
from rag.evaluate.gold import load_gold
from rag.evaluate.harness import MODEL_ROUTES, baseline, model_figures, model_loss, score, stability, system
from rag.evaluate.liar import LiarGenerator, MixGenerator
from rag.evaluate.oracle import OracleGenerator
from rag.evaluate.report import gate_ok, measured, write_report
from rag.schema import DOUBTS, VETOES, Reason, Route

# Each ablation switches one component off; (settings section, flag).
ABLATIONS = {"no_cleaning": ("chunk", "clean"), "no_bm25": ("retrieve", "bm25"), "no_dense": ("retrieve", "dense"), "no_merging": ("retrieve", "merge")}


def ablated_settings(settings: Settings, name: str, scratch: Path) -> Settings:
    """Settings with one component off. Cleaning changes the chunks, so that
    variant ingests into its own scratch store (and Chroma collection)."""
    section, flag = ABLATIONS[name]
    variant = copy.deepcopy(settings)
    setattr(getattr(variant, section), flag, False)
    if section == "chunk":
        variant.store.path = str(scratch / name)
        variant.store.collection = f"{settings.store.collection}_{name}"
    return variant


DEFAULT_GOLD = "eval/test.jsonl"  # the held-out half: the CI gate and the README report it; tune on eval/dev.jsonl only


STABILITY_KEYS = ("perturbation_stability", "perturbation_kept_refusals", "perturbation_refused_both")


STAND_INS = {"oracle": OracleGenerator, "liar": LiarGenerator, "mix": MixGenerator}  # eval-only generators, given the gold set they stand in for


def run_eval(
    assistant: Assistant,
    gold_path: Path,
    out: Path,
    backend: str | None,
    with_baseline: bool,
    ablate: bool = False,
    perturbed: bool = True,
    with_reader: bool = True,
) -> tuple[dict[str, Any], list[Path], list[str]]:
    """Score ``gold_path`` against the store's collection (the configured folders are ingested into an empty store);
    returns the results, the files written and the gate's failures (`gate_failures`)."""
    if assistant.store.chunk_count() == 0:
        assistant.ingest()
    articles = {doc_id: doc.get_content() for doc_id, doc in assistant.store.articles().items()}
    gold = load_gold(gold_path, articles)
    progress = _progress(len(gold) * (1 + perturbed) * (1 + with_baseline) + len(gold) * with_reader + len(gold) * ablate * len(ABLATIONS))
    results: dict[str, Any] = {"gold": str(gold_path), "questions": len(gold), "backend": backend or assistant.settings.llm.backend}
    if backend in STAND_INS:
        assistant.generators[backend] = STAND_INS[backend](gold)
    keep_generations(assistant, backend)
    results["system"] = score(system(assistant, backend), gold, assistant, articles, progress)
    results.update(model_rows(results["system"], backend))
    results["checked_by"] = next((r["full_answer"].get("checked_by", "") for r in results["system"]["per_question"] if r["full_answer"].get("checked_by")), "")
    if with_reader and assistant.checker()[0] is not None:
        results["reader"] = score(system(assistant, backend, check=False), gold, assistant, articles, progress)
    if perturbed:
        results["perturbation"] = stability(system(assistant, backend), gold, results["system"], progress)
        results["system"].update({k: results["perturbation"][k] for k in STABILITY_KEYS})
    if with_baseline:
        rules_free = baseline(assistant)
        results["baseline"] = score(rules_free, gold, assistant, articles, progress)
        if perturbed:
            results["baseline"].update({k: v for k, v in stability(rules_free, gold, results["baseline"]).items() if k in STABILITY_KEYS})
    if ablate:
        results["ablations"] = _ablations(assistant, backend, gold, articles, progress)
    if backend == "liar":
        results["lies"] = lies_passed(results["system"])
    thresholds = {k: float(v) for k, v in assistant.settings.eval.get(gate_section(results, assistant.settings.eval), {}).items()}
    return results, write_report(results, out, thresholds), gate_failures(results, thresholds)


def keep_generations(assistant: Assistant, backend: str | None) -> None:
    """When the run's generator is the embedded model, the one that keeps what it said (`CachedLlamaCpp`): a rerun
    asks each prompt once. Nothing changes for any other generator, or when none can answer (the run says why)."""
    name = backend or assistant.settings.llm.backend
    if name in assistant.generators:
        return
    try:
        generator, _ = choose_generator(name, assistant.settings)
    except RagError:
        return
    if isinstance(generator, LlamaCppGenerator):
        assistant.generators[name] = CachedLlamaCpp(assistant.settings.llm)


def model_rows(system: dict[str, Any], backend: str | None) -> dict[str, Any]:
    """The figures of the model behind a run: what the oracle's path kept (`model_loss`), and for any generating
    model what it wrote and what was shown of it (`model`)."""
    found: dict[str, Any] = {"model_loss": model_loss(system)} if backend == "oracle" else {}
    asked = [r for r in system["per_question"] if r["route"] in MODEL_ROUTES]
    if asked:
        # named by an answer it wrote: one the reader's claim replaced is signed by the reader ("none")
        wrote = [r for r in asked if r["route"] != Route.READER_OVER_MODEL] or asked
        found["model"] = model_figures(system) | {"model": wrote[0]["full_answer"]["model"]}
    return found


def _ablations(assistant: Assistant, backend: str | None, gold: list, articles: dict[str, str], progress) -> dict[str, Any]:
    """The system scored with each component off, each variant in a scratch store where it needs its own."""
    found = {}
    with tempfile.TemporaryDirectory(prefix="rag-ablate-") as scratch:
        for name in ABLATIONS:
            variant = Assistant(ablated_settings(assistant.settings, name, Path(scratch)))
            variant.generators = assistant.generators
            if variant.store.chunk_count() == 0:  # the cleaning-off variant: same folders, own store
                variant.ingest(sorted({Path(d.metadata["folder"]) for d in assistant.store.articles().values() if d.metadata.get("folder")}) or None)
            found[name] = score(system(variant, backend), gold, variant, articles, progress)
    return found


def gate_failures(results: dict[str, Any], thresholds: dict[str, float]) -> list[str]:
    """Each gated metric below its threshold, or not measured at all (a gate that skips what it cannot see would
    pass anything)."""
    values = measured(results)
    return [
        f"{k} = {values[k]:.3f}, threshold {v}" if k in values else f"{k} was not measured in this run, threshold {v}"
        for k, v in thresholds.items()
        if k not in values or not gate_ok(k, values[k], v)
    ]


def gate_section(results: dict[str, Any], sections: dict[str, Any]) -> str:
    """Which floors a run is gated by (config.toml): the liar's and the oracle's runs by what they measure (claimed
    wrong answers; what the path keeps of right ones), a run the reading model checked by its own floors (it may skip
    perturbations to stay inside CI's time), any other by [eval.thresholds]."""
    if results["backend"] in ("liar", "oracle") and f"{results['backend']}_thresholds" in sections:
        return f"{results['backend']}_thresholds"
    return "checked_thresholds" if results["checked_by"].startswith("checked by") and "checked_thresholds" in sections else "thresholds"


def lies_passed(result: dict[str, Any]) -> dict[str, Any]:
    """The liar's figures: how many of its same-kind wrong answers were shown as claims, which, and what stopped the
    rest (counted by the `Reason` codes each answer carries, never by its wording)."""
    rows = result["per_question"]
    codes = [set(r.get("reasons", [])) for r in rows if r["route"] == Route.MODEL_REFUSED]
    by_rule = sum(bool(c & VETOES) for c in codes)
    by_rival = sum(Reason.OUTRANKED in c and not c & VETOES for c in codes)
    doubted = sum(bool(c & DOUBTS) and not c & VETOES and Reason.OUTRANKED not in c for c in codes)
    # the liar's own answers claimed (route "model") are what this run measures; a wrong claim of the reader's answer
    # where the liar was doubted (route reader_over_model, or the reader after a fallback) is the reader's error, which
    # the default path's run counts already: kept apart so neither hides the other
    lies = [r for r in rows if r["route"] == Route.MODEL and r["confidently_wrong"]]
    readers = [r for r in rows if r["route"] != Route.MODEL and r["confidently_wrong"]]
    return {
        "lie_claimed_rate": round(len(lies) / max(len(rows), 1), 4),
        "claimed_wrong": [r["id"] for r in lies],
        "reader_claimed_wrong_rate": round(len(readers) / max(len(rows), 1), 4),
        "reader_claimed_wrong": [r["id"] for r in readers],
        "refused_by_rule": by_rule,
        "refused_as_outranked": by_rival,
        "refused_doubted_by_rule": doubted,
        "refused_by_check": len(codes) - by_rule - by_rival - doubted,
        "gated_or_declined": sum(r["route"] in (Route.GATED, Route.MODEL_DECLINED, Route.FALLBACK) for r in rows),
        "claimed_right_by_chance": [r["id"] for r in rows if r["claimed"] and not r["confidently_wrong"]],
    }


@contextlib.contextmanager
def served(assistant: Assistant, model: str | None, cache: Path | None = None) -> Iterator[str | None]:
    """With ``model`` (a packaged GGUF's name): a stand-in Ollama server on 127.0.0.1 answering with it through
    llama.cpp, and ``assistant`` pointed at it; yields "ollama" (the backend to ask), or None without a model.
    ``cache``: the folder of its cached answers (default `ollama_standin.generation_cache`)."""
    if not model:
        yield None
        return
    from rag.evaluate.ollama_standin import FakeOllama, GGUFReply

    reply = GGUFReply(model, assistant.settings.llm.llamacpp_threads, cache)
    with FakeOllama(models=[reply.name], reply=reply) as server:
        llm = assistant.settings.llm
        before = (llm.ollama_host, llm.ollama_model)
        llm.ollama_host, llm.ollama_model = server.url, reply.name
        try:
            yield "ollama"
        finally:
            llm.ollama_host, llm.ollama_model = before


def collection_settings(settings: Settings, articles: Path) -> Settings:
    """Settings for scoring a gold file over another collection (``articles``, e.g. eval/collections/NAME/articles):
    a scratch store holding only those articles, so the store's own collection does not answer."""
    if not articles.is_dir():
        raise RagError(f"No folder of articles at {articles}", "pass the folder the gold file's sources are in")
    variant = copy.deepcopy(settings)
    variant.store.path = tempfile.mkdtemp(prefix="rag-eval-")
    variant.store.collection = f"{settings.store.collection}_eval_{uuid.uuid4().hex[:8]}"
    variant.collection.paths = [str(articles.resolve())]
    return variant


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
