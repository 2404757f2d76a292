"""Read the retrieved passages for one question: rank its sentences, gather candidate answers, score them, choose.

Steps: the question's parse (`question.analyse`) → every evidence sentence
scored against it (the support scorer, read with its passage) → candidates
from the best sentences' stored parse (`candidates`) → their features
(`features`) → the fitted model's probability each is right (`scorer`) → the
answer: the most probable span at or above the claim threshold (a precise
span before a whole sentence), its sentence and any other article's
sentence giving the same span. What is below the threshold is kept, as the
sentences to quote without a claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from rag.read import parse_ahead
from rag.read.candidates import Candidate, ParsedSentence, candidates
from rag.read.features import SentenceSignals, candidate_features
from rag.read.question import Question, analyse, analyse_words, focus_of, pieces
from rag.read.scorer import AnswerModel
from rag.read.support import SupportScorer
from rag.schema import EvidenceSentence, Passage
from rag.text.lexical import content_terms, fold
from rag.text.parse import Annotation, load_parser

READ_SENTENCES = 8  # the best sentences (distinct texts) whose candidates are scored
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


@dataclass
class Reading:
    """What the reader found: its best answer (claimed or not), the sentences behind it, and what to quote instead."""

    short: str = ""  # the best candidate's text
    confidence: float = 0.0  # the model's probability that it holds the answer
    kind: str = ""  # entity, noun, list, clause, sentence
    support: list[int] = field(default_factory=list)  # evidence sentences behind it: its own, then another article's
    relevant: list[int] = field(default_factory=list)  # sentences to quote when nothing is claimed, best first
    best: float = 0.0  # the best sentence's support for the question
    known: float = 1.0  # the share of the question's words the collection uses
    parts: list[Reading] = field(default_factory=list)  # one reading per part of a two-part question
    scored: Scored | None = None  # every candidate scored, for the reading model's check (rag.read.claim)


@dataclass
class Scored:
    """A question's candidates with their features and probabilities (the fitting script reads these too)."""

    question: Question
    candidates: list[Candidate]
    rows: np.ndarray
    probabilities: np.ndarray
    signals: dict[int, SentenceSignals]
    order: list[int]  # evidence sentences, best first, each text once
    texts: dict[int, str] = field(default_factory=dict)  # the read sentences' texts, by evidence index


def choose(candidates: list[Candidate], probabilities: np.ndarray, threshold: float) -> int | None:
    """The candidate to answer with: the most probable span at or above the threshold, else the most probable
    whole sentence at or above it, else the most probable of all (to be shown unclaimed). None when there are none."""
    if not candidates:
        return None
    ranked = sorted(range(len(candidates)), key=lambda k: -probabilities[k])
    for whole in (False, True):
        for k in ranked:
            if probabilities[k] < threshold:
                break
            if (candidates[k].kind == "sentence") == whole:
                return k
    return ranked[0]


class Reader:
    """Reads evidence for questions; built once per store version (its scorer knows the collection's term weights)."""

    def __init__(self, scorer: SupportScorer, parser: str, parse: bool = True, dense: bool = True) -> None:
        """``parse``/``dense`` off are ablations (`read.parse`, `read.dense`): no parse of question or passages (whole
        sentences are the only candidates), or no embedding similarity in any feature (lexical support only)."""
        self.scorer = scorer if dense else SupportScorer(None, scorer.weights)
        self.parser = parser
        self.parse = parse

    def question(self, text: str) -> Question:
        """The question's analysis: from the parser process a one-shot command started (rag.read.parse_ahead), else here."""
        if not self.parse:
            return analyse_words(text)
        return parse_ahead.take(text, self.parser) or analyse(text, load_parser(self.parser))

    def part_texts(self, text: str) -> list[str]:
        """The parts of a two-part question, to retrieve for before it is parsed (the parse reads them the same way)."""
        return pieces(text) if self.parse else []

    def prepare(self, text: str, evidence: list[EvidenceSentence]) -> None:
        """Embed the question's focus and the evidence sentences now, in the batch `sentence_scores` would use: a
        one-shot command does this while its parser process is still parsing (rag.read.parse_ahead), not after."""
        if self.scorer.embedding is not None and evidence:
            self.scorer.embed([focus_of(text), *(e.text for e in evidence)])

    def known_share(self, question: Question) -> float:
        terms = [t for t in question.terms if not t.isdigit()]
        return sum(t in self.scorer.weights.df for t in terms) / len(terms) if terms else 1.0

    def sentence_scores(self, question: Question, evidence: list[EvidenceSentence]) -> np.ndarray:
        """Each sentence's support for the question, a question word its passage states counting at a quarter."""
        return self.scorer.relevance(question.focus, evidence)

    def score(self, question: Question, evidence: list[EvidenceSentence], passages: list[Passage], model: AnswerModel) -> Scored:
        scores = self.sentence_scores(question, evidence)
        order = _distinct_order(evidence, scores)
        top = order[:READ_SENTENCES]
        annotations = [Annotation.loads(p.annotation if self.parse else "") for p in passages]
        sentences = {j: ParsedSentence.of(j, evidence[j], annotations[evidence[j].passage]) for j in top}
        cosines = self._cosines(question, [evidence[j].text for j in top])
        signals = {}
        for rank, j in enumerate(top):
            others = [float(scores[k]) for k in order if k != j]
            signals[j] = SentenceSignals(
                score=float(scores[j]),
                rank=rank,
                gap=float(scores[j]) - (max(others) if others else 0.0),
                cosine=cosines[rank],
                coverage=self.scorer.coverage(question.focus, evidence[j].text),
                passage_rank=evidence[j].passage,
                date=evidence[j].date,
                doc_id=passages[evidence[j].passage].doc_id,
                headline=not _TERMINAL.search(evidence[j].text),
            )
        found = [c for j in top for c in candidates(sentences[j])]
        rows = candidate_features(question, found, sentences, signals, self.scorer)
        return Scored(question, found, rows, model.probabilities(rows), signals, order, {j: evidence[j].text for j in top})

    def read(self, question: Question, evidence: list[EvidenceSentence], passages: list[Passage], model: AnswerModel, quoted: int) -> Reading:
        if question.parts:
            # each part answered on its own; the parts are claimed together only when each clears the threshold
            parts = [self.read(part, evidence, passages, model, quoted) for part in question.parts]
            reading = self._one(question, evidence, passages, model, quoted)
            if all(p.short and p.confidence >= model.threshold for p in parts):
                reading.short = "; ".join(p.short.rstrip(".") for p in parts)
                reading.confidence = min(p.confidence for p in parts)
                reading.kind = "parts"
                reading.support = list(dict.fromkeys(j for p in parts for j in p.support))
            reading.parts = parts
            return reading
        return self._one(question, evidence, passages, model, quoted)

    def _one(self, question: Question, evidence: list[EvidenceSentence], passages: list[Passage], model: AnswerModel, quoted: int) -> Reading:
        if not evidence:
            return Reading(known=self.known_share(question))
        scored = self.score(question, evidence, passages, model)
        reading = Reading(best=float(max(s.score for s in scored.signals.values())), known=self.known_share(question), scored=scored)
        k = choose(scored.candidates, scored.probabilities, model.threshold)
        if k is not None:
            chosen = scored.candidates[k]
            reading.short, reading.confidence, reading.kind = chosen.text, float(scored.probabilities[k]), chosen.kind
            reading.support = [chosen.sentence, *corroborating(chosen, scored, evidence, passages)]
        lead = reading.support[:1]
        reading.relevant = list(dict.fromkeys([*lead, *(j for j in scored.order if evidence[j].text not in {evidence[i].text for i in lead})]))[:quoted]
        return reading

    def _cosines(self, question: Question, texts: list[str]) -> list[float]:
        if self.scorer.embedding is None or not texts:
            return [0.0] * len(texts)
        vectors = self.scorer.embed([question.focus, *texts])
        return [float(x) for x in vectors[1:] @ vectors[0]]


def _distinct_order(evidence: list[EvidenceSentence], scores: np.ndarray) -> list[int]:
    """Evidence sentences by score, each text once (overlapping chunks repeat sentences)."""
    seen: set[str] = set()
    order = []
    for j in np.argsort(-scores, kind="stable"):
        if evidence[j].text not in seen:
            seen.add(evidence[j].text)
            order.append(int(j))
    return order


def corroborating(chosen: Candidate, scored: Scored, evidence: list[EvidenceSentence], passages: list[Passage]) -> list[int]:
    """Another article's read sentence that gives the same span (cited too): one outlet confirming another."""
    if chosen.kind == "sentence":
        return []
    key, own = fold(chosen.text), passages[evidence[chosen.sentence].passage].doc_id
    for j in scored.order[: len(scored.signals)]:
        if passages[evidence[j].passage].doc_id != own and key and key in fold(evidence[j].text) and content_terms(chosen.text):
            return [j]
    return []
