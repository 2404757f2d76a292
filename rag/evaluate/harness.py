"""Run every gold question through a system and aggregate the metrics.

Two systems are scored in the same run, on the same embedding model and
generator: ours (the `Assistant` facade) and what a user gets from
llama-index defaults (`VectorStoreIndex.from_documents` on the raw files,
default splitter, dense top-2, no cleaning, fusion, merging, citation check
or refusal logic).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rag.assistant import Assistant
from rag.cite import is_model_refusal
from rag.evaluate.gold import GoldItem
from rag.evaluate.metrics import includes_all, overlaps, percentile, retrieval_scores, strip_markers, token_f1
from rag.ingest.offsets import OffsetMap
from rag.schema import Answer, Citation, Passage
from rag.sentences import split_sentences

RETRIEVAL_KEYS = ("evidence_recall_at_1", "evidence_recall_at_3", "evidence_recall_at_5", "evidence_recall_at_10", "mrr", "ndcg_at_10", "source_recall_at_5")


@dataclass
class SystemUnderTest:
    """What the harness needs from a system: ranked passages and an answer."""

    name: str
    retrieve: Callable[[str], list[Passage]]
    ask: Callable[[str], Answer]


def system(assistant: Assistant, backend: str | None) -> SystemUnderTest:
    return SystemUnderTest("system", lambda q: assistant.retrieve(q, top_k=10), lambda q: assistant.ask(q, backend=backend))


def baseline(assistant: Assistant, backend: str | None) -> SystemUnderTest:
    """llama-index defaults over the same raw files, answered by the same generator, unchecked."""
    from llama_index.core import Document, VectorStoreIndex

    from rag.embed import load_embedding
    from rag.generate import choose_generator

    settings = assistant.settings
    embedding = load_embedding(settings.embed.model, settings.embed.batch_size)
    documents = [
        Document(id_=doc_id, text=doc.get_content(), metadata={"doc_id": doc_id}, excluded_embed_metadata_keys=["doc_id"], excluded_llm_metadata_keys=["doc_id"])
        for doc_id, doc in assistant.store.articles().items()
    ]
    index = VectorStoreIndex.from_documents(documents, embed_model=embedding)
    generator, _ = choose_generator(backend or settings.llm.backend, settings, assistant.scorer)

    def to_passages(question: str, k: int) -> list[Passage]:
        passages = []
        for hit in index.as_retriever(similarity_top_k=k).retrieve(question):
            start = hit.node.start_char_idx or 0
            p = Passage(
                hit.node.node_id,
                hit.node.get_content(),
                hit.node.metadata["doc_id"],
                hit.node.metadata["doc_id"],
                "",
                "",
                start,
                start + len(hit.node.get_content()),
                OffsetMap([0], [start]),
                float(hit.score or 0),
            )
            p.sources = [p.source()]
            passages.append(p)
        return passages

    def ask(question: str) -> Answer:
        started = time.perf_counter()
        passages = to_passages(question, 2)
        text = "".join(generator.generate(question, passages).tokens).strip()
        citations = []
        for n in sorted({int(m) for m in re.findall(r"\[(\d+)\]", text)}):
            if 1 <= n <= len(passages):
                p = passages[n - 1]
                citations.append(Citation(n, p.doc_id, p.title, "", "", p.text, p.start, p.end, p.score, list(p.sources)))
        refused = not text or is_model_refusal(text)
        return Answer(question, text, refused, generator.name, generator.model, citations, [], {"total_ms": (time.perf_counter() - started) * 1000})

    return SystemUnderTest("baseline", lambda q: to_passages(q, 10), ask)


def _citation_scores(answer: Answer, item: GoldItem, assistant: Assistant) -> tuple[list[bool], list[bool]]:
    """Per citation: correct (overlaps gold evidence, or supports the sentence citing it).
    Per answer sentence: carries at least one correct citation."""
    threshold = assistant.settings.cite.support_threshold
    by_n = {c.n: c for c in answer.citations}
    citation_ok: dict[int, bool] = {}
    sentence_ok = []
    for sentence in split_sentences(answer.answer):
        claim = strip_markers(sentence).strip()
        if not claim:
            continue
        cited = [by_n[int(n)] for n in re.findall(r"\[(\d+)\]", sentence) if int(n) in by_n]
        good = False
        for c in cited:
            ok = overlaps(c.doc_id, c.start, c.end, item.spans) or float(assistant.scorer.matrix([claim], [c.quote])[0, 0]) >= threshold
            citation_ok[c.n] = citation_ok.get(c.n, False) or ok
            good = good or ok
        sentence_ok.append(good)
    return [citation_ok.get(c.n, False) for c in answer.citations], sentence_ok


def score(sut: SystemUnderTest, gold: list[GoldItem], assistant: Assistant, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    per_question = []
    all_citations: list[bool] = []
    all_sentences: list[bool] = []
    latencies = []
    for item in gold:
        if progress:
            progress(f"{sut.name} {item.id}")
        row: dict[str, Any] = {"id": item.id, "type": item.type, "question": item.question, "answerable": item.answerable}
        if item.answerable:
            passages = sut.retrieve(item.question)
            row.update(retrieval_scores(passages, item.spans, item.sources))
            row["retrieved"] = [f"{p.doc_id}:{p.start}-{p.end}" for p in passages[:5]]
        started = time.perf_counter()
        answer = sut.ask(item.question)
        latencies.append((time.perf_counter() - started) * 1000)
        row.update(answer=answer.answer, refused=answer.refused, backend=answer.backend)
        if item.answerable and not answer.refused:
            row["must_include"] = float(includes_all(answer.answer, item.must_include))
            row["answer_f1"] = token_f1(answer.answer, item.answer)
            citations, sentences = _citation_scores(answer, item, assistant)
            all_citations += citations
            all_sentences += sentences
        elif item.answerable:
            row["must_include"], row["answer_f1"] = 0.0, 0.0
        per_question.append(row)
    return aggregate(per_question, all_citations, all_sentences, latencies)


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in rows if key in r]
    return sum(values) / len(values) if values else 0.0


def aggregate(per_question: list[dict[str, Any]], citations: list[bool], sentences: list[bool], latencies: list[float]) -> dict[str, Any]:
    answerable = [r for r in per_question if r["answerable"]]
    unanswerable = [r for r in per_question if not r["answerable"]]
    result: dict[str, Any] = {key: _mean(answerable, key) for key in RETRIEVAL_KEYS}
    result["must_include_accuracy"] = _mean(answerable, "must_include")
    result["answer_f1"] = _mean(answerable, "answer_f1")
    result["refusal_accuracy"] = sum(r["refused"] for r in unanswerable) / len(unanswerable) if unanswerable else 1.0
    result["false_refusal_rate"] = sum(r["refused"] for r in answerable) / len(answerable) if answerable else 0.0
    result["citation_precision"] = sum(citations) / len(citations) if citations else 0.0
    result["citation_recall"] = sum(sentences) / len(sentences) if sentences else 0.0
    result["latency_ms_p50"] = percentile(latencies, 50)
    result["latency_ms_p95"] = percentile(latencies, 95)
    by_type: dict[str, dict[str, float]] = defaultdict(dict)
    for kind in sorted({r["type"] for r in per_question}):
        rows = [r for r in per_question if r["type"] == kind]
        by_type[kind] = {"questions": len(rows), "refused": sum(r["refused"] for r in rows) / len(rows)}
        for key in ("evidence_recall_at_5", "mrr", "must_include", "answer_f1"):
            if any(key in r for r in rows):
                by_type[kind][key] = _mean(rows, key)
    result["per_question"] = per_question
    result["by_type"] = dict(by_type)
    return result
