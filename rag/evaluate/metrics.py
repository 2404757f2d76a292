"""Retrieval, answer, refusal and citation metrics, computed from raw character offsets."""

from __future__ import annotations

import math
import re
from collections import Counter

from rag.answer.cite import strip_markers
from rag.schema import Passage
from rag.text.lexical import fold


def overlaps(doc_id: str, start: int, end: int, spans: list[tuple[str, int, int]]) -> bool:
    return any(d == doc_id and start < e and s < end for d, s, e in spans)


def passage_is_relevant(passage: Passage, spans: list[tuple[str, int, int]]) -> bool:
    return any(overlaps(s.doc_id, s.start, s.end, spans) for s in passage.sources)


def retrieval_scores(passages: list[Passage], spans: list[tuple[str, int, int]], sources: list[str]) -> dict[str, float]:
    relevant = [passage_is_relevant(p, spans) for p in passages[:10]]
    scores = {f"evidence_recall_at_{k}": float(any(relevant[:k])) for k in (1, 3, 5, 10)}
    first = next((i for i, r in enumerate(relevant) if r), None)
    scores["mrr"] = 0.0 if first is None else 1.0 / (first + 1)
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(relevant) if r)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(sum(relevant)))
    scores["ndcg_at_10"] = dcg / ideal if ideal else 0.0
    found = {s.doc_id for p in passages[:5] for s in p.sources}
    scores["source_recall_at_5"] = len(found & set(sources)) / len(sources) if sources else 1.0
    return scores


def normalise(text: str) -> str:
    """Case, currency signs, thousands separators and hyphens don't matter: '$239 million' ~ '239 million'."""
    text = text.lower().replace("$", " ")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"[-–—/]", " ", text)
    return " ".join(re.findall(r"\w+(?:\.\d+)?", text))


SHORT_LEAD_WORDS = 20  # a lead longer than this is a passage, not a short answer: it earns no lead accuracy
SHORT_LEAD_TIMES = 3  # nor one longer than this many times the reference answer (a clause is no answer to "which port?")


def is_short(text: str, reference: str = "") -> bool:
    """At most 20 words and, given the reference answer, at most three times its length in words (eval/README.md,
    "A short lead"); without a reference, the 20 words alone (the rule before the gold rule, reported beside it)."""
    words = len(strip_markers(text).split())
    limit = min(SHORT_LEAD_WORDS, SHORT_LEAD_TIMES * len(reference.split())) if reference.strip() else SHORT_LEAD_WORDS
    return words <= limit


def includes_all(answer: str, required: list[str]) -> bool:
    haystack = f" {normalise(answer)} "
    return all(f" {normalise(r)} " in haystack for r in required)


def quotes_gold_evidence(quoted: list[str], evidence: list[str]) -> bool:
    """A citation is right when a text it quotes (its own, or a merged source's) contains a gold evidence string.

    Judged against the gold set's text, never by the system's own support scorer.
    A quote that is itself a whole sentence inside a longer evidence string counts too.
    """
    folded_evidence = [fold(e) for e in evidence if fold(e)]
    for text in quoted:
        q = fold(text)
        if any(e in q or (len(q) >= 20 and q in e) for e in folded_evidence):
            return True
    return False


def token_f1(prediction: str, reference: str) -> float:
    pred, ref = normalise(strip_markers(prediction)).split(), normalise(reference).split()
    common = sum((Counter(pred) & Counter(ref)).values())
    if not pred or not ref or not common:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]
