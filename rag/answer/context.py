"""What a generating model reads: the question's best sentences, each with its neighbours, within a token budget.

On 2 cores the prompt is the cost (~110 prompt tokens/s for the 1.5B): whole passages (~900 tokens for five) cost
~8 s before the first answer token. The best sentences for the question (support of the question by each sentence:
the same scorer that ranks evidence) with the sentence before and after keep what a short answer needs — the fact
and what it refers to — in a fraction of that. Each passage keeps its rank and is shown as its excerpts, in text order,
joined by " … ". The budget (``llm.context_tokens``) was chosen by measurement on 20 dev questions (eval/README.md).

Hand-written: llama-index's sentence-window postprocessor replaces a node by its window; it does not pack the best
windows of several passages into one budget.
"""

from __future__ import annotations

import dataclasses

from rag.answer.prompt import estimate_tokens
from rag.read.support import SupportScorer
from rag.schema import EvidenceSentence, Passage

NEIGHBOURS = 1  # sentences kept on each side of a chosen one


def excerpts(question: str, passages: list[Passage], evidence: list[EvidenceSentence], scorer: SupportScorer, budget: int) -> list[Passage]:
    """``passages`` cut down to their best sentences and neighbours, best first, until ``budget`` tokens are used; a
    passage none of whose sentences fit is left out. With no budget (0) the passages are returned whole."""
    if budget <= 0 or not evidence:
        return passages
    by_passage: dict[int, list[int]] = {}
    for j, sentence in enumerate(evidence):
        by_passage.setdefault(sentence.passage, []).append(j)
    ranked = sorted(range(len(evidence)), key=lambda j: (-scorer.coverage(question, evidence[j].text), j))
    chosen: set[int] = set()
    used = 0
    for j in ranked:
        siblings = by_passage[evidence[j].passage]
        at = siblings.index(j)
        window = [k for k in siblings[max(at - NEIGHBOURS, 0) : at + NEIGHBOURS + 1] if k not in chosen]
        cost = sum(estimate_tokens(evidence[k].text) for k in window)
        if used + cost > budget:
            if used:
                break
            window, cost = [j], estimate_tokens(evidence[j].text)  # the best sentence always goes, alone if need be
        chosen.update(window)
        used += cost
    shown = []
    for i, passage in enumerate(passages):
        kept = [evidence[k].text for k in by_passage.get(i, []) if k in chosen]
        if kept:
            shown.append(dataclasses.replace(passage, text=_joined(kept, by_passage[i], chosen)))
    return shown


def _joined(kept: list[str], order: list[int], chosen: set[int]) -> str:
    """The kept sentences in text order, " … " where sentences were left out between them."""
    parts, previous = [], None
    texts = iter(kept)
    for position, k in enumerate(order):
        if k not in chosen:
            continue
        if previous is not None and position != previous + 1:
            parts.append("…")
        parts.append(next(texts).strip())
        previous = position
    return " ".join(parts)
