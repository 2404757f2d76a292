"""Attribute each answer sentence to the passage sentences that support it; decide refusal.

Markers the model wrote (``[2]``) are kept only when passage 2 really
supports the sentence; otherwise the best supporting sentence anywhere in
the shown passages is cited, and a sentence nothing supports is flagged as
unsupported, never shown as cited. Hand-written: post-hoc citation checking
is not something the stack provides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from rag.retrieve import containment, shingles
from rag.schema import Citation, Passage, Source
from rag.sentences import sentence_spans, split_sentences
from rag.support import SupportScorer, content_terms

MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
REFUSAL = "The articles don't say."
_MODEL_REFUSAL = re.compile(
    r"\b(?:articles?|passages?|context|sources?|text)\b[^.]{0,40}\b(?:do(?:es)?n[’']?t|do(?:es)? not|never)\b[^.]{0,20}\b(?:say|mention|contain|provide|state|specify)",
    re.IGNORECASE,
)


@dataclass
class EvidenceSentence:
    """One sentence of one shown passage, with its raw span."""

    passage: int  # index into the passages list (0-based)
    text: str
    start: int
    end: int
    context: str = ""  # the passage's title and text: what the sentence leaves implicit ("Harbourtown" in "The terminal cost…")
    date: str = ""  # the article's publication date (ISO), when known


@dataclass
class Attribution:
    text: str
    citations: list[Citation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    dropped_markers: list[int] = field(default_factory=list)
    supported_sentences: int = 0


def evidence_sentences(passages: list[Passage]) -> list[EvidenceSentence]:
    sentences = []
    for i, passage in enumerate(passages):
        for start, end in sentence_spans(passage.text):
            raw_start, raw_end = passage.raw_span(start, end)
            sentences.append(EvidenceSentence(i, passage.text[start:end], raw_start, raw_end, f"{passage.title} {passage.text}", passage.date))
    return sentences


def is_model_refusal(text: str) -> bool:
    return bool(_MODEL_REFUSAL.search(text)) and len(text) < 300


def marker_numbers(text: str) -> list[int]:
    """Every passage number a ``[n]`` or ``[n, m]`` marker in ``text`` cites, in order: the one reading of markers."""
    return [int(n) for group in MARKER.findall(text) for n in re.split(r"\s*,\s*", group)]


def strip_markers(text: str) -> str:
    return MARKER.sub("", text)


def _markers(sentence: str) -> tuple[str, list[int]]:
    return strip_markers(sentence).strip(), marker_numbers(sentence)


def corroborating_sources(ev: EvidenceSentence, passages: list[Passage], evidence: list[EvidenceSentence], threshold: float) -> list[Source]:
    """The article itself, articles merged into its passage, and others saying the same sentence."""
    primary = passages[ev.passage]
    sources = [Source(primary.doc_id, primary.title, primary.outlet, primary.date, ev.start, ev.end)]
    sources += [s for s in primary.sources if s.doc_id != primary.doc_id]
    grams = shingles(ev.text)
    for other in evidence:
        other_passage = passages[other.passage]
        if other_passage.doc_id in {s.doc_id for s in sources}:
            continue
        if containment(grams, shingles(other.text)) >= threshold:
            p = other_passage
            sources.append(Source(p.doc_id, p.title, p.outlet, p.date, other.start, other.end))
    return sources


def cite_sentence(n: int, j: int, passages: list[Passage], evidence: list[EvidenceSentence], merge_threshold: float, score: float, role: str = "evidence") -> Citation:
    """Citation ``n`` for evidence sentence ``j``: its exact raw span, its article, and every outlet carrying it."""
    ev = evidence[j]
    passage = passages[ev.passage]
    return Citation(
        n=n,
        doc_id=passage.doc_id,
        title=passage.title,
        outlet=passage.outlet,
        date=passage.date,
        quote=ev.text,
        start=ev.start,
        end=ev.end,
        score=round(score, 4),
        sources=corroborating_sources(ev, passages, evidence, merge_threshold),
        role=role,
    )


SHORT_CLAIM_TERMS = 4  # claims with fewer content words are judged together with the question


def attribute(
    answer: str, passages: list[Passage], scorer: SupportScorer, threshold: float, merge_threshold: float, drop_unsupported: bool = False, question: str = ""
) -> Attribution:
    """Re-cite ``answer`` against ``passages``; numbering follows first use."""
    evidence = evidence_sentences(passages)
    claims, marked = [], []
    for sentence in split_sentences(answer):
        claim, markers = _markers(sentence)
        if claim:
            claims.append(claim)
            marked.append(markers)
    result = Attribution(text="")
    if not claims:
        return result
    support = _support(claims, evidence, scorer, question)
    numbering: dict[int, int] = {}
    pieces: list[str] = []
    for i, claim in enumerate(claims):
        valid = [m for m in marked[i] if 1 <= m <= len(passages)]
        result.dropped_markers += [m for m in marked[i] if m not in valid]
        best, overruled = _best_evidence(support[i], evidence, valid, threshold)
        result.dropped_markers += overruled
        if best < 0:
            result.unsupported.append(claim)
            if not drop_unsupported:
                pieces.append(claim)
            continue
        result.supported_sentences += 1
        if best not in numbering:
            numbering[best] = len(numbering) + 1
            result.citations.append(cite_sentence(numbering[best], best, passages, evidence, merge_threshold, float(support[i, best])))
        pieces.append(_with_marker(claim, numbering[best]))
    result.text = " ".join(pieces)
    return result


def _support(claims: list[str], evidence: list[EvidenceSentence], scorer: SupportScorer, question: str) -> np.ndarray:
    """Claim × evidence-sentence support.

    A short claim ("Astana.", "HACKED") says little alone: a passage merely
    containing the word would support it. So it must also be supported when
    read as the answer to ``question``, by the same passage sentence; that
    stops a model that obeys an instruction planted in an article.
    """
    texts = [e.text for e in evidence]
    support = scorer.matrix(claims, texts)
    short = [i for i, c in enumerate(claims) if question and len(content_terms(c)) < SHORT_CLAIM_TERMS]
    if short and texts:
        in_context = scorer.matrix([f"{question} {claims[i]}" for i in short], texts)
        for row, i in enumerate(short):
            support[i] = np.minimum(support[i], in_context[row])
    return support


def _best_evidence(support: np.ndarray, evidence: list[EvidenceSentence], valid: list[int], threshold: float) -> tuple[int, list[int]]:
    """The evidence sentence to cite for one claim (-1: none supports it), and the model's markers it overrules.

    A marker the model gave wins when its passage supports the claim well enough; else the best support anywhere.
    """
    if not evidence:
        return -1, []
    for j in sorted(range(len(evidence)), key=lambda j: -support[j]):
        if support[j] < threshold:
            break
        if not valid or evidence[j].passage + 1 in valid:
            return j, []
    if support.max() >= threshold:
        return int(support.argmax()), list(valid)
    return -1, []


def place_markers(text: str, markers: str, closing: str = "") -> str:
    """``The terminal cost 42 million euros [1].``: markers go before the closing punctuation
    (``closing`` is added when the text has none)."""
    body = text.rstrip()
    tail = ""
    while body and body[-1] in ".!?\"”’'":
        tail = body[-1] + tail
        body = body[:-1]
    return f"{body} {markers}{tail or closing}"


def _with_marker(claim: str, n: int) -> str:
    return place_markers(claim, f"[{n}]")
