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

from rag.answer.arithmetic import Computation, computations, without_results
from rag.read.support import SupportScorer
from rag.schema import Citation, EvidenceSentence, Passage, Source, evidence_sentences
from rag.text.lexical import containment, content_terms, fold, numbers, shingles
from rag.text.sentences import split_sentences

MARKER = re.compile(r"\s*\[(?:passages?\s*)?(\d+(?:\s*,\s*\d+)*)\]", re.IGNORECASE)
REFUSAL = "The articles don't say."
_MODEL_REFUSAL = re.compile(
    r"\b(?:articles?|passages?|context|sources?|text)\b[^.]{0,40}\b(?:do(?:es)?n[’']?t|do(?:es)? not|never)\b[^.]{0,20}\b(?:say|mention|contain|provide|state|specify)",
    re.IGNORECASE,
)


@dataclass
class Attribution:
    text: str
    citations: list[Citation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    supported_sentences: int = 0


_ANSWER_LABEL = re.compile(r"^\s*(?:\*\*)?(?:short\s+)?answer\s*:\s*(?:\*\*)?\s*", re.IGNORECASE)
_NONE = re.compile(r"^(?:none|n/?a|not (?:stated|mentioned|given|said)|unknown)\W*$", re.IGNORECASE)


def unlabelled(text: str) -> str:
    """The reply without the prompt contract's "Answer:" label (a model that leaves it out is read the same)."""
    return _ANSWER_LABEL.sub("", text.strip(), count=1)


def is_model_refusal(text: str) -> bool:
    """The model says the passages don't give the answer: the contract's "Answer: none", or in its own words."""
    if _NONE.match(strip_markers(unlabelled(text)).strip()):
        return True
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


class Numbering:
    """Citation numbers by first use; each evidence sentence is cited once (with its passage's score unless given)."""

    def __init__(self, evidence: list[EvidenceSentence], passages: list[Passage], merge_threshold: float, role: str = "evidence") -> None:
        self.evidence, self.passages, self.merge_threshold, self.role = evidence, passages, merge_threshold, role
        self.numbers: dict[int, int] = {}
        self.citations: list[Citation] = []

    def __call__(self, j: int, score: float | None = None) -> int:
        if j not in self.numbers:
            self.numbers[j] = len(self.numbers) + 1
            score = float(self.passages[self.evidence[j].passage].score) if score is None else score
            self.citations.append(cite_sentence(self.numbers[j], j, self.passages, self.evidence, self.merge_threshold, score, self.role))
        return self.numbers[j]


SHORT_CLAIM_TERMS = 4  # claims with fewer content words are judged together with the question
STATED = 0.5  # a short claim is stated by a sentence holding this share of its words (and all its figures)


def attribute(
    answer: str, passages: list[Passage], scorer: SupportScorer, threshold: float, merge_threshold: float, drop_unsupported: bool = False, question: str = ""
) -> Attribution:
    """Re-cite ``answer`` against ``passages``; numbering follows first use.

    A sentence is supported as a whole, or part by part ("X was signed in 2003; Y in 2015": each part by its own
    sentence, all of them cited). A figure the answer computed from two figures the passages state is not held
    against it; its arithmetic is shown beside it.
    """
    evidence = evidence_sentences(passages)
    result = Attribution(text="")
    number = Numbering(evidence, passages, merge_threshold)
    pieces: list[str] = []
    passages_text = " ".join(p.text for p in passages)
    # a figure may be computed from operands the model did not repeat: those in the question or its most relevant sentences
    relevance = _relevance(question, evidence, scorer) if question and evidence else np.zeros(len(evidence))
    operands = " ".join([question, *(evidence[j].text for j in np.argsort(-relevance)[:OPERAND_SENTENCES])])
    for sentence in split_sentences(answer):
        claim, markers = _markers(sentence)
        if not claim:
            continue
        valid = [m for m in markers if 1 <= m <= len(passages)]  # a marker naming no shown passage is dropped
        computed = computations(claim, operands, passages_text)
        cited = _cite_computed(claim, computed, evidence, scorer, valid, threshold, question, relevance)
        if not cited:
            result.unsupported.append(claim)
            if not drop_unsupported:
                pieces.append(claim)
            continue
        result.supported_sentences += 1
        for j, score in cited:
            number(j, score)
        shown = [c.shown() for c in computed if fold(c.left.text) not in fold(claim) or fold(c.right.text) not in fold(claim)]
        claim = _with_arithmetic(claim, shown)
        pieces.append(place_markers(claim, "".join(f"[{number(j)}]" for j in dict.fromkeys(j for j, _ in cited))))
    result.text = " ".join(pieces)
    result.citations = number.citations
    return result


OPERAND_SENTENCES = 3


def _cite_computed(
    claim: str,
    computed: list[Computation],
    evidence: list[EvidenceSentence],
    scorer: SupportScorer,
    valid: list[int],
    threshold: float,
    question: str,
    relevance: np.ndarray,
) -> list[tuple[int, float]]:
    """The (sentence, support) pairs citing ``claim`` whose figures ``computed`` found computed: the claim without
    its results is cited, with the sentences stating the operands it does not show."""
    rest = without_results(claim, computed)
    cited = _cite_claim(rest, evidence, scorer, valid, threshold, question)
    if computed and not cited and len(content_terms(rest)) < SHORT_CLAIM_TERMS:
        # "25 years." says nothing but the figure: it stands on operand sentences that are about the question
        cited = [(j, float(relevance[j])) for j in _operand_sentences(computed, claim, evidence, relevance)]
        return cited if cited and all(score >= threshold for _, score in cited) else []
    return cited + [(j, cited[0][1]) for j in _operand_sentences(computed, claim, evidence, relevance) if cited and j not in {k for k, _ in cited}]


def _operand_sentences(computed: list[Computation], claim: str, evidence: list[EvidenceSentence], relevance: np.ndarray) -> list[int]:
    """The sentences stating the operands of computed figures that the claim does not show (the most relevant to the
    question where several state one), to be cited with it."""
    found: list[int] = []
    for c in computed:
        for operand in (c.left, c.right):
            if fold(operand.text) in fold(claim):
                continue
            stating = [k for k, e in enumerate(evidence) if fold(operand.text) in fold(e.text)]
            if stating:
                best = max(stating, key=lambda k: relevance[k])
                found += [best] if best not in found else []
    return found


_PART_SPLIT = re.compile(r"\s*(?:;|:|,|\s[—–]\s|\(|\)|\s(?:and|while|but|whereas|against|versus|vs\.?|or)\s)\s*", re.I)


def claim_parts(claim: str) -> list[str]:
    """The clauses of a sentence that each state something ("…in 2003; the other in 2015"), two content words or more."""
    return [part for part in _PART_SPLIT.split(claim) if len(content_terms(part)) >= 2]


def _cite_claim(claim: str, evidence: list[EvidenceSentence], scorer: SupportScorer, valid: list[int], threshold: float, question: str) -> list[tuple[int, float]]:
    """(evidence sentence, support) pairs that support ``claim``; none when unsupported. One sentence supports the
    whole claim; else each clause has its own; else two sentences support it together ("42 million euros spent
    against a budget of 50 million"), each adding words the other lacks."""
    whole = _support([claim], evidence, scorer, question)[0]
    best = _best_evidence(whole, evidence, valid, threshold)
    if best >= 0:
        return [(best, float(whole[best]))]
    parts = claim_parts(claim)
    if len(parts) >= 2:
        support = _support(parts, evidence, scorer, question)
        cited = [(j, float(row[j])) for row in support for j in [_best_evidence(row, evidence, [], threshold)]]
        if all(j >= 0 for j, _ in cited):
            return cited
    return _pair(claim, evidence, scorer, whole, threshold)


PAIR_CANDIDATES = 6  # sentences, best first, tried two by two for a claim no single sentence supports


def _pair(claim: str, evidence: list[EvidenceSentence], scorer: SupportScorer, whole: np.ndarray, threshold: float) -> list[tuple[int, float]]:
    top = [int(j) for j in np.argsort(-whole)[:PAIR_CANDIDATES]]
    pairs = [(a, b) for i, a in enumerate(top) for b in top[i + 1 :] if evidence[a].text != evidence[b].text]
    if not pairs:
        return []
    joined = scorer.matrix([claim], [f"{evidence[a].text} {evidence[b].text}" for a, b in pairs])[0]
    for k in np.argsort(-joined):
        a, b = pairs[k]
        if joined[k] < threshold:
            break
        both = scorer.coverage(claim, f"{evidence[a].text} {evidence[b].text}")
        if both > scorer.coverage(claim, evidence[a].text) and both > scorer.coverage(claim, evidence[b].text):
            return [(a, float(joined[k])), (b, float(joined[k]))]
    return []


def _with_arithmetic(claim: str, shown: list[str]) -> str:
    """ "12 years." → "12 years (2003 − 1991 = 12)." when the claim does not show its operands."""
    if not shown:
        return claim
    body = claim.rstrip(" .!?")
    return f"{body} ({'; '.join(shown)}){claim[len(body) :]}"


def _support(claims: list[str], evidence: list[EvidenceSentence], scorer: SupportScorer, question: str) -> np.ndarray:
    """Claim × evidence-sentence support.

    A short claim ("Astana.", "13 members", "HACKED") says little alone: a
    passage merely containing the word would support it. So it is supported
    by a sentence that states it only as far as that sentence is relevant to
    ``question`` (its support for the question as a share of the best
    sentence's); and otherwise only when it reads as the answer to the
    question in the same sentence. That stops a model that obeys an
    instruction planted in an article: the planted sentence is not about the
    question.
    """
    texts = [e.text for e in evidence]
    support = scorer.matrix(claims, texts)
    short = [i for i, c in enumerate(claims) if question and len(content_terms(c)) < SHORT_CLAIM_TERMS]
    if short and texts:
        in_context = scorer.matrix([f"{question} {claims[i]}" for i in short], texts)
        relevance = _relevance(question, evidence, scorer)
        for row, i in enumerate(short):
            stated = np.array([_states(e, claims[i]) for e in evidence])
            support[i] = np.maximum(np.minimum(support[i], in_context[row]), np.where(stated, relevance, 0.0))
    return support


def _relevance(question: str, evidence: list[EvidenceSentence], scorer: SupportScorer) -> np.ndarray:
    """Each sentence's support for the question, read with its passage (what the sentence leaves implicit, its
    passage may say), as a share of the best sentence's."""
    relevance = scorer.relevance(question, evidence)
    return relevance / max(float(relevance.max()), 1e-9)


def _states(sentence: EvidenceSentence, claim: str) -> bool:
    """The sentence (with its article's outlet) holds at least half the claim's words, and every figure of the
    claim is in the sentence or the article's date."""
    terms = set(content_terms(claim))
    held = set(content_terms(f"{sentence.text} {sentence.outlet}"))
    return bool(terms) and len(terms & held) >= STATED * len(terms) and numbers(claim) <= numbers(f"{sentence.text} {sentence.date}")


def _best_evidence(support: np.ndarray, evidence: list[EvidenceSentence], valid: list[int], threshold: float) -> int:
    """The evidence sentence to cite for one claim (-1: none supports it).

    A marker the model gave wins when its passage supports the claim well enough; else the best support anywhere
    (the model's markers overruled).
    """
    if not evidence:
        return -1
    for j in sorted(range(len(evidence)), key=lambda j: -support[j]):
        if support[j] < threshold:
            break
        if not valid or evidence[j].passage + 1 in valid:
            return j
    if support.max() >= threshold:
        return int(support.argmax())
    return -1


def place_markers(text: str, markers: str, closing: str = "") -> str:
    """``The terminal cost 42 million euros [1].``: markers go before the closing punctuation
    (``closing`` is added when the text has none)."""
    body = text.rstrip()
    tail = ""
    while body and body[-1] in ".!?\"”’'":
        tail = body[-1] + tail
        body = body[:-1]
    return f"{body} {markers}{tail or closing}"
