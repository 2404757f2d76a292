"""Run every gold question through a system and aggregate the metrics.

Two systems are scored in the same run, on the same embedding model: ours
(the `Assistant` facade) and a rules-free baseline that owes nothing to our
answer path: llama-index defaults for retrieval (`VectorStoreIndex` over the
raw files, default splitter, dense top-k) and, as its answer, the sentence of
the raw collection most similar to the question (MiniLM cosine), quoted and
cited, always claimed. What the user reads first is scored first: the lead
(the short answer, or the first line when there is none).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rag.answer.cite import marker_numbers, strip_markers
from rag.assistant import Assistant
from rag.errors import RagError
from rag.evaluate.curves import calibration
from rag.evaluate.gold import GoldItem
from rag.evaluate.metrics import includes_all, is_short, percentile, quotes_gold_evidence, retrieval_scores, token_f1
from rag.evaluate.perturb import perturb
from rag.schema import Answer, Citation, Outcome, Passage, Route
from rag.text.sentences import split_sentences

RETRIEVAL_KEYS = ("evidence_recall_at_1", "evidence_recall_at_3", "evidence_recall_at_5", "evidence_recall_at_10", "mrr", "ndcg_at_10", "source_recall_at_5")


@dataclass
class SystemUnderTest:
    """What the harness needs from a system: ranked passages and an answer."""

    name: str
    retrieve: Callable[[str], list[Passage]]
    ask: Callable[[str], Answer]


def system(assistant: Assistant, backend: str | None, check: bool = True) -> SystemUnderTest:
    """The facade as users ask it; ``check`` false: the reader alone (the ablation without the reading model's check)."""
    name = "system" if check else "reader"
    return SystemUnderTest(name, lambda q: assistant.retrieve(q, top_k=10), lambda q: assistant.ask(q, backend=backend, check=check))


def baseline(assistant: Assistant) -> SystemUnderTest:
    """llama-index defaults for retrieval; for the answer, the collection's sentence nearest the question (no rules)."""
    from llama_index.core import Document, VectorStoreIndex

    from rag.embed.models import load_embedding
    from rag.retrieve import to_passage

    settings = assistant.settings
    embedding = load_embedding(settings.embed.model, settings.embed.batch_size)
    raw = {doc_id: doc.get_content() for doc_id, doc in assistant.store.articles().items()}
    hidden = ["doc_id", "title"]
    documents = [
        Document(id_=d, text=text, metadata={"doc_id": d, "title": d}, excluded_embed_metadata_keys=hidden, excluded_llm_metadata_keys=hidden) for d, text in raw.items()
    ]
    index = VectorStoreIndex.from_documents(documents, embed_model=embedding)
    nearest = _nearest_sentence(embedding, raw)

    def to_passages(question: str, k: int) -> list[Passage]:
        return [to_passage(hit) for hit in index.as_retriever(similarity_top_k=k).retrieve(question)]

    def ask(question: str) -> Answer:
        started = time.perf_counter()
        (doc_id, start, end), similarity = nearest(question)
        quote = raw[doc_id][start:end]
        citation = Citation(1, doc_id, doc_id, "", "", quote, start, end, 1.0)
        shown = {"outcome": Outcome.ANSWER, "confidence": similarity, "candidate": quote, "candidate_confidence": similarity}
        return Answer(
            question, f"{quote} [1]", False, "baseline", "MiniLM nearest sentence", [citation], timings_ms={"total_ms": (time.perf_counter() - started) * 1000}, **shown
        )

    return SystemUnderTest("baseline", lambda q: to_passages(q, 10), ask)


def _nearest_sentence(embedding, raw: dict[str, str]) -> Callable[[str], tuple[tuple[str, int, int], float]]:
    """The collection's sentence nearest a question by MiniLM cosine, and that cosine (the baseline's only confidence)."""
    import numpy as np

    from rag.text.sentences import sentence_spans

    sentences = [(doc_id, start, end) for doc_id, text in raw.items() for start, end in sentence_spans(text)]
    vectors = np.asarray(embedding.get_text_embedding_batch([raw[d][s:e] for d, s, e in sentences]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)

    def nearest(question: str) -> tuple[tuple[str, int, int], float]:
        query = np.asarray(embedding.get_query_embedding(question), dtype=np.float32)
        cosines = vectors @ (query / max(float(np.linalg.norm(query)), 1e-9))
        return sentences[int(np.argmax(cosines))], round(float(np.max(cosines)), 3)

    return nearest


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


def lead(answer: Answer) -> str:
    """What the user reads first: the short answer, or the first line when none is given."""
    return answer.short_answer or answer.answer.strip().split("\n", 1)[0]


def judge(item: GoldItem, answer: Answer) -> dict[str, Any]:
    """One question's result, from what was shown: the outcome, whether the lead and the whole text hold the facts,
    whether a claim was wrong, and the result class the perturbation suite compares. Only a claimed answer can earn
    the lead, and only with a short lead (at most 20 words: a whole passage is not an answer); evidence earns
    must_include; not_found earns nothing."""
    outcome = answer.outcome or (Outcome.NOT_FOUND if answer.refused else Outcome.ANSWER)
    row: dict[str, Any] = {"outcome": outcome, "claimed": outcome == Outcome.ANSWER}
    row.update(candidate_row(item, answer, outcome))
    row.update(shown_row(item, answer, outcome))
    if item.answerable:
        shown = strip_markers(lead(answer))
        holds = includes_all(shown, item.must_include)
        row["lead"] = float(outcome == Outcome.ANSWER and holds and is_short(shown, item.answer))
        row["lead_20w"] = float(outcome == Outcome.ANSWER and holds and is_short(shown))
        row["must_include"] = float(outcome != Outcome.NOT_FOUND and includes_all(answer.answer, item.must_include))
        row["confidently_wrong"] = float(outcome == Outcome.ANSWER and not holds)
        row["long_lead"] = float(outcome == Outcome.ANSWER and holds and not is_short(shown, item.answer))
        row["result"] = "not_found" if outcome == Outcome.NOT_FOUND else "claimed_right" if row["claimed"] and row["lead"] else (
            "claimed_long" if row["long_lead"] else "claimed_wrong" if row["claimed"] else "evidence_with_facts" if row["must_include"] else "evidence_without_facts"
        )  # fmt: skip
    else:
        row["confidently_wrong"] = float(outcome == Outcome.ANSWER)
        row["result"] = "claimed" if outcome == Outcome.ANSWER else "not_claimed"
    return row


def asked(sut: SystemUnderTest, question: str) -> Answer:
    """The system's answer; one that fails with an error the user would see (a model's answer cut at max_tokens, a
    server gone) is scored as what the user got: no answer (`not_found`, route "failed"), never an aborted run."""
    try:
        return sut.ask(question)
    except RagError as exc:
        return Answer(question, f"Error: {exc}", True, sut.name, "", outcome=Outcome.NOT_FOUND, route=Route.FAILED)


def candidate_row(item: GoldItem, answer: Answer, outcome: str) -> dict[str, Any]:
    """The best short answer the system weighed (a claim's short answer), its confidence, and how the gold judges it,
    as a claim's lead is judged: right when it holds every `must_include` string and is short, wrong when it lacks
    one or the question is unanswerable (a long one that holds the facts is neither). The risk–coverage curve moves
    a threshold over these (`rag.evaluate.curves`)."""
    text, confidence = answer.candidate, answer.candidate_confidence
    if outcome == Outcome.ANSWER and not text:
        text, confidence = strip_markers(lead(answer)), answer.confidence
    text = strip_markers(text).strip()
    holds = item.answerable and bool(text) and includes_all(text, item.must_include)
    return {"candidate": text, "candidate_confidence": float(confidence), "candidate_right": right_short(item, text), "candidate_wrong": not holds}


def right_short(item: GoldItem, text: str) -> bool:
    """A short answer the gold finds right: it holds every `must_include` string and is short (a lead's rule)."""
    return bool(item.answerable and text and includes_all(text, item.must_include) and is_short(text, item.answer))


def shown_row(item: GoldItem, answer: Answer, outcome: str) -> dict[str, Any]:
    """The top answer shown, claimed (✔) or likely, and whether the gold finds it right (its facts, short); and what a
    generating model itself answered, judged the same way (`model_right`), whatever the path then showed."""
    text = answer.short_answer if outcome == Outcome.ANSWER else answer.likely_answer
    text = strip_markers(text or "").strip()
    model = strip_markers(answer.model_answer or "").strip()
    shown = {"shown": bool(text), "likely": bool(answer.likely_answer), "shown_right": right_short(item, text)}
    return shown | {"model_answer": model, "model_right": right_short(item, model)}


def score(sut: SystemUnderTest, gold: list[GoldItem], assistant: Assistant, articles: dict[str, str], progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    per_question = []
    gold_judged: list[bool] = []
    claim_judged: list[bool] = []
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
        answer = asked(sut, item.question)
        latencies.append((time.perf_counter() - started) * 1000)
        row.update(answer=answer.answer, short_answer=answer.short_answer, refused=answer.refused, backend=answer.backend, confidence=answer.confidence)
        row.update(route=answer.route, reasons=list(answer.reasons), unsupported=len(answer.unsupported))
        row["full_answer"] = answer.to_dict()
        row.update(judge(item, answer))
        if item.answerable and row["outcome"] != Outcome.NOT_FOUND:
            row["answer_f1"] = token_f1(answer.short_answer or lead(answer), item.answer)
            correct = [_gold_correct(c, item, articles) for c in answer.citations]
            row["citations_correct"] = correct
            gold_judged += correct
            claim_judged += correct if row["claimed"] else []
            evidence_cited.append(any(correct))
            self_judged += _self_judged(answer, assistant) if sut.name != "baseline" else []
        elif item.answerable:
            row["answer_f1"] = 0.0
        per_question.append(row)
    result = aggregate(per_question, gold_judged, evidence_cited, latencies)
    result["calibration"] = calibration(per_question)
    result.update({k: v for k, v in result["calibration"].items() if isinstance(v, float)})
    result["citation_precision_claims"] = sum(claim_judged) / len(claim_judged) if claim_judged else 0.0
    result["citation_support_self"] = sum(self_judged) / len(self_judged) if self_judged else 0.0
    return result


GOOD_RESULTS = ("claimed_right", "claimed_long", "evidence_with_facts")


def stability(sut: SystemUnderTest, gold: list[GoldItem], original: dict[str, Any], progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Re-ask every question perturbed (lower case, no punctuation, a casual opener, typos).

    `perturbation_stability` is the share of answerable questions answered well the first time (the facts claimed,
    or shown as evidence) that get the same result again; a system that never answers scores 0, not 1. Questions
    not answered either time are counted apart (`refused_both`), and unanswerable ones that stay unclaimed are
    `kept_refusals` (of those unclaimed the first time).
    """
    before = {r["id"]: r for r in original["per_question"]}
    rows = []
    for item in gold:
        if progress:
            progress(f"perturbed {item.id}")
        variant = perturb(item.question, item.id)
        answer = asked(sut, variant)
        row: dict[str, Any] = {"id": item.id, "answerable": item.answerable, "question": variant, "answer": answer.answer, **judge(item, answer)}
        row["was"] = before[item.id]["result"]
        rows.append(row)
    good_before = [r for r in rows if r["answerable"] and r["was"] in GOOD_RESULTS]
    unclaimed_before = [r for r in rows if not r["answerable"] and r["was"] == "not_claimed"]
    return {
        "perturbation_stability": sum(r["result"] == r["was"] for r in good_before) / len(good_before) if good_before else 0.0,
        "perturbation_kept_refusals": sum(r["result"] == "not_claimed" for r in unclaimed_before) / len(unclaimed_before) if unclaimed_before else 0.0,
        "perturbation_refused_both": sum(r["answerable"] and r["was"] not in GOOD_RESULTS and r["result"] not in GOOD_RESULTS for r in rows),
        "changed": [r for r in rows if r["result"] != r["was"]],
        "rows": rows,
    }


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in rows if key in r]
    return sum(values) / len(values) if values else 0.0


def aggregate(per_question: list[dict[str, Any]], citations: list[bool], evidence_cited: list[bool], latencies: list[float]) -> dict[str, Any]:
    """citations: per citation, right by the gold evidence; evidence_cited: per answered question, some citation is right."""
    answerable = [r for r in per_question if r["answerable"]]
    unanswerable = [r for r in per_question if not r["answerable"]]
    result: dict[str, Any] = {key: _mean(answerable, key) for key in RETRIEVAL_KEYS}
    result["lead_accuracy"] = _mean(answerable, "lead")
    result["lead_accuracy_20w"] = _mean(answerable, "lead_20w")
    result["must_include_accuracy"] = _mean(answerable, "must_include")
    result["confidently_wrong_rate"] = _mean(per_question, "confidently_wrong")
    result["claim_rate"] = _mean(per_question, "claimed")
    shown = [r for r in per_question if r["shown"]]
    result["shown_rate"] = len(shown) / len(per_question) if per_question else 0.0  # ✔ or likely, of all questions
    result["shown_precision"] = sum(r["shown_right"] for r in shown) / len(shown) if shown else 0.0  # of those shown, right
    result["shown_right"] = _mean(answerable, "shown_right")  # of answerable questions
    result["likely_rate"] = _mean(per_question, "likely")
    likely = [r for r in per_question if r["likely"]]
    result["likely_precision"] = sum(r["shown_right"] for r in likely) / len(likely) if likely else 0.0
    result["long_lead_rate"] = _mean(answerable, "long_lead")
    result["answer_f1"] = _mean(answerable, "answer_f1")
    result["refusal_accuracy"] = sum(r["outcome"] != Outcome.ANSWER for r in unanswerable) / len(unanswerable) if unanswerable else 1.0
    result["false_refusal_rate"] = sum(r["outcome"] == Outcome.NOT_FOUND for r in answerable) / len(answerable) if answerable else 0.0
    result["citation_precision"] = sum(citations) / len(citations) if citations else 0.0
    result["citation_recall"] = sum(evidence_cited) / len(evidence_cited) if evidence_cited else 0.0
    result["latency_ms_p50"] = percentile(latencies, 50)
    result["latency_ms_p95"] = percentile(latencies, 95)
    by_type: dict[str, dict[str, float]] = defaultdict(dict)
    for kind in sorted({r["type"] for r in per_question}):
        rows = [r for r in per_question if r["type"] == kind]
        by_type[kind] = {"questions": len(rows), "claimed": _mean(rows, "claimed"), "confidently_wrong": _mean(rows, "confidently_wrong")}
        for key in ("evidence_recall_at_5", "mrr", "lead", "must_include", "answer_f1"):
            if any(key in r for r in rows):
                by_type[kind][key] = _mean(rows, key)
    result["per_question"] = per_question
    result["by_type"] = dict(by_type)
    return result


def model_loss(result: dict[str, Any]) -> dict[str, Any]:
    """What the answer path kept of a model's answers (meaningful with the oracle, whose every answer is right):
    answerable questions whose facts reached the lead, unanswerable ones whose refusal was kept, and each loss by
    cause: `gated` (not found before the model was asked), `fallback` (its text judged unsupported or the model
    failed; the reader's decision shown), `verifier` (refused as a claim and shown as doubt, or shown but the
    sentence holding the facts was flagged or re-worded out of the lead), `declined` (the model itself said the articles don't say)."""
    rows = result["per_question"]
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    causes = {Route.GATED: "gated", Route.FALLBACK: "fallback", Route.MODEL: "verifier", Route.MODEL_REFUSED: "verifier", Route.MODEL_DECLINED: "declined"}
    causes |= {Route.READER_OVER_MODEL: "verifier", Route.READER: "reader", Route.FAILED: "failed"}
    lost = [r for r in answerable if not r["lead"]]
    return {
        "answers_delivered": sum(r["lead"] for r in answerable) / len(answerable) if answerable else 1.0,
        "refusals_kept": sum(r["outcome"] != Outcome.ANSWER for r in unanswerable) / len(unanswerable) if unanswerable else 1.0,
        "lost_by_cause": {cause: [r["id"] for r in lost if causes.get(r["route"], r["route"]) == cause] for cause in dict.fromkeys(causes.values())},
        "refusals_lost": [r["id"] for r in unanswerable if r["outcome"] == Outcome.ANSWER],
    }


MODEL_ROUTES = (Route.MODEL, Route.MODEL_REFUSED, Route.MODEL_DECLINED, Route.READER_OVER_MODEL)


def model_figures(result: dict[str, Any]) -> dict[str, Any]:
    """What a generating model wrote and what the path made of it (any LLM row: a real model or a stand-in): of the
    answerable questions, how often its lead was right by the gold (`model_right`), and of those how many were
    claimed (`right_claimed`), shown as doubt (`right_doubted`); its wrong leads claimed; its "the articles don't
    say" on answerable questions (`declined_answerable`) and on unanswerable ones (`declined_unanswerable`); the
    questions the model never read (not found first, or the reader after a failure)."""
    rows = result["per_question"]
    answerable = [r for r in rows if r["answerable"]]
    asked = [r for r in answerable if r["route"] in MODEL_ROUTES]
    right = [r for r in asked if r["model_right"]]
    share = lambda part: len(part) / len(answerable) if answerable else 0.0  # noqa: E731
    return {
        "model_right": share(right),
        "right_claimed": share([r for r in right if r["route"] == Route.MODEL and r["lead"]]),
        "right_doubted": share([r for r in right if not r["claimed"]]),
        "wrong_claimed": sum(r["confidently_wrong"] for r in rows if r["route"] == Route.MODEL) / len(rows) if rows else 0.0,
        "declined_answerable": share([r for r in asked if r["model_answer"] == "none"]),
        "declined_unanswerable": sum(r["model_answer"] == "none" for r in rows if not r["answerable"]) / max(1, sum(not r["answerable"] for r in rows)),
        "reader_over_model_right": share([r for r in answerable if r["route"] == Route.READER_OVER_MODEL and r["lead"]]),
        "reader_over_model_wrong": sum(r["confidently_wrong"] for r in rows if r["route"] == Route.READER_OVER_MODEL) / len(rows) if rows else 0.0,
        "failed": [r["id"] for r in rows if r["route"] == Route.FAILED],
        "not_asked": [r["id"] for r in rows if r["route"] not in (*MODEL_ROUTES, Route.FAILED)],
    }
