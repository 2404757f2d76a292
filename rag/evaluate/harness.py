"""Run every gold question through a system and aggregate the metrics.

Two systems are scored in the same run, on the same embedding model and
generator: ours (the `Assistant` facade) and what a user gets from
llama-index defaults (`VectorStoreIndex.from_documents` on the raw files,
default splitter, dense top-2, no cleaning, fusion, merging, citation check
or refusal logic).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rag.assistant import Assistant
from rag.cite import is_model_refusal, marker_numbers, strip_markers
from rag.evaluate.gold import GoldItem
from rag.evaluate.metrics import includes_all, percentile, quotes_gold_evidence, retrieval_scores, token_f1
from rag.evaluate.perturb import perturb
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
    from rag.retrieve import to_passage

    settings = assistant.settings
    embedding = load_embedding(settings.embed.model, settings.embed.batch_size)
    documents = [
        Document(
            id_=doc_id,
            text=doc.get_content(),
            metadata={"doc_id": doc_id, "title": doc_id},
            excluded_embed_metadata_keys=["doc_id", "title"],
            excluded_llm_metadata_keys=["doc_id", "title"],
        )
        for doc_id, doc in assistant.store.articles().items()
    ]
    index = VectorStoreIndex.from_documents(documents, embed_model=embedding)
    generator, _ = choose_generator(backend or settings.llm.backend, settings, assistant.scorer)

    def to_passages(question: str, k: int) -> list[Passage]:
        return [to_passage(hit) for hit in index.as_retriever(similarity_top_k=k).retrieve(question)]

    def ask(question: str) -> Answer:
        started = time.perf_counter()
        passages = to_passages(question, 2)
        text = "".join(generator.generate(question, passages).tokens).strip()
        citations = []
        for n in sorted(set(marker_numbers(text))):
            if 1 <= n <= len(passages):
                p = passages[n - 1]
                citations.append(Citation(n, p.doc_id, p.title, "", "", p.text, p.start, p.end, p.score, list(p.sources)))
        refused = not text or is_model_refusal(text)
        return Answer(question, text, refused, generator.name, generator.model, citations, [], {"total_ms": (time.perf_counter() - started) * 1000})

    return SystemUnderTest("baseline", lambda q: to_passages(q, 10), ask)


def _gold_correct(citation: Citation, item: GoldItem, articles: dict[str, str]) -> bool:
    """Judged by the gold evidence text alone: the quote, or a merged source's raw span, contains it."""
    quoted = [citation.quote] + [articles.get(s.doc_id, "")[s.start : s.end] for s in citation.sources]
    return quotes_gold_evidence(quoted, item.evidence) or any(_inside(s, item) for s in citation.sources)


def _inside(source, item: GoldItem) -> bool:
    """The cited span lies wholly inside a gold evidence span (a quote of part of the evidence)."""
    return any(d == source.doc_id and s <= source.start and source.end <= e for d, s, e in item.spans)


def _self_judged(answer: Answer, assistant: Assistant) -> list[bool]:
    """Per citation: the system's own support scorer accepts it for a sentence citing it.
    Kept as `citation_support_self` only; it is not a measure of correctness (it judges itself)."""
    threshold = assistant.settings.cite.support_threshold
    by_n = {c.n: c for c in answer.citations}
    ok: dict[int, bool] = {}
    for sentence in split_sentences(answer.answer):
        claim = strip_markers(sentence).strip()
        for n in marker_numbers(sentence):
            c = by_n.get(n)
            if c is not None and claim:
                ok[c.n] = ok.get(c.n, False) or float(assistant.scorer.matrix([claim], [c.quote])[0, 0]) >= threshold
    return [ok.get(c.n, False) for c in answer.citations]


def outcome(row: dict[str, Any]) -> str:
    """What a user got: the facts, a refusal, or an answer without the facts."""
    if row["refused"]:
        return "refused"
    return "facts" if (not row["answerable"] or row.get("must_include") == 1.0) else "answered"


def score(sut: SystemUnderTest, gold: list[GoldItem], assistant: Assistant, articles: dict[str, str], progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    per_question = []
    gold_judged: list[bool] = []
    self_judged: list[bool] = []
    evidence_cited: list[bool] = []
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
        row.update(answer=answer.answer, short_answer=answer.short_answer, refused=answer.refused, backend=answer.backend)
        row["full_answer"] = answer.to_dict()
        if item.answerable and not answer.refused:
            row["must_include"] = float(includes_all(answer.answer, item.must_include))
            row["answer_f1"] = token_f1(answer.short_answer or answer.answer, item.answer)
            correct = [_gold_correct(c, item, articles) for c in answer.citations]
            row["citations_correct"] = correct
            gold_judged += correct
            evidence_cited.append(any(correct))
            self_judged += _self_judged(answer, assistant)
        elif item.answerable:
            row["must_include"], row["answer_f1"] = 0.0, 0.0
        row["outcome"] = outcome(row)
        per_question.append(row)
    result = aggregate(per_question, gold_judged, evidence_cited, latencies)
    result["citation_support_self"] = sum(self_judged) / len(self_judged) if self_judged else 0.0
    return result


def stability(sut: SystemUnderTest, gold: list[GoldItem], original: dict[str, Any], progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Re-ask every question perturbed (typos, lower case, no punctuation, shorthand); the share whose outcome holds."""
    before = {r["id"]: r for r in original["per_question"]}
    rows = []
    for item in gold:
        if progress:
            progress(f"perturbed {item.id}")
        variant = perturb(item.question, item.id)
        answer = sut.ask(variant)
        row: dict[str, Any] = {"id": item.id, "answerable": item.answerable, "question": variant, "refused": answer.refused, "answer": answer.answer}
        if item.answerable and not answer.refused:
            row["must_include"] = float(includes_all(answer.answer, item.must_include))
        row["outcome"] = outcome(row)
        row["was"] = before[item.id]["outcome"]
        rows.append(row)
    same = [r["outcome"] == r["was"] for r in rows]
    return {"perturbation_stability": sum(same) / len(same) if same else 1.0, "changed": [r for r in rows if r["outcome"] != r["was"]], "rows": rows}


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in rows if key in r]
    return sum(values) / len(values) if values else 0.0


def aggregate(per_question: list[dict[str, Any]], citations: list[bool], evidence_cited: list[bool], latencies: list[float]) -> dict[str, Any]:
    """citations: per citation, right by the gold evidence; evidence_cited: per answered question, some citation is right."""
    answerable = [r for r in per_question if r["answerable"]]
    unanswerable = [r for r in per_question if not r["answerable"]]
    result: dict[str, Any] = {key: _mean(answerable, key) for key in RETRIEVAL_KEYS}
    result["must_include_accuracy"] = _mean(answerable, "must_include")
    result["answer_f1"] = _mean(answerable, "answer_f1")
    result["refusal_accuracy"] = sum(r["refused"] for r in unanswerable) / len(unanswerable) if unanswerable else 1.0
    result["false_refusal_rate"] = sum(r["refused"] for r in answerable) / len(answerable) if answerable else 0.0
    result["citation_precision"] = sum(citations) / len(citations) if citations else 0.0
    result["citation_recall"] = sum(evidence_cited) / len(evidence_cited) if evidence_cited else 0.0
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
