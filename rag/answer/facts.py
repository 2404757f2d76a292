"""What a generating model's lead states, as facts the passages can confirm: the span of the passages it repeats
that adds most to the question, the other names, figures and dates it states, and each fact's rivals (the other
spans of its sentence of the same kind, and the reader's best answer). Read by the verifier (`rag.answer.verify`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.read.candidates import Candidate, ParsedSentence, candidates
from rag.read.claim import options
from rag.read.question import Question
from rag.read.reader import Scored
from rag.schema import EvidenceSentence, Passage
from rag.text.lexical import content_terms, fold, overlaps
from rag.text.parse import Annotation

RIVALS = 3  # same-kind spans of the fact's sentence put to the check beside it


READER_RANKS = 20  # the rank given to a fact the reader did not find among its candidates


_SCALES = {
    "thousand": "thousand",
    "k": "thousand",
    "million": "million",
    "mn": "million",
    "m": "million",
    "mln": "million",
    "billion": "billion",
    "bn": "billion",
    "b": "billion",
    "trillion": "trillion",
    "tn": "trillion",
    "crore": "crore",
    "lakh": "lakh",
    "percent": "percent",
    "per cent": "percent",
    "%": "percent",
    "pc": "percent",
}


_FIGURE = re.compile(r"(\d+(?:[.,]\d+)*)(?:\s*(per cent|percent|thousand|million|billion|trillion|crore|lakh|mln|mn|bn|tn|pc|%|k|m|b)(?![\w]))?", re.IGNORECASE)


def figures(text: str) -> set[tuple[str, str]]:
    """(number, scale) pairs as written: "$239 million" → ("239", "million"); a bare figure's scale is ""."""
    return {(m.group(1).replace(",", ""), _SCALES.get((m.group(2) or "").lower(), "")) for m in _FIGURE.finditer(text)}


@dataclass(frozen=True)
class Fact:
    """The model's short answer read as one span of one evidence sentence (``candidate`` None: no span matched,
    the lead itself against the sentence that supports it best)."""

    sentence: int
    text: str
    candidate: Candidate | None = None


def lead_of(text: str) -> str:
    """The model's short answer: its first line (its first sentence, when that line has several), without the
    "Answer:" label and markers."""
    from rag.answer.cite import strip_markers, unlabelled
    from rag.text.sentences import split_sentences

    first = unlabelled(text).split("\n", 1)[0]
    sentences = split_sentences(first)
    return strip_markers(sentences[0] if sentences else first).strip()


class Sentences:
    """Every evidence sentence parsed from the annotation stored at ingest, with its candidate spans, built on demand."""

    def __init__(self, evidence: list[EvidenceSentence], passages: list[Passage]) -> None:
        self.evidence, self.passages = evidence, passages
        self._annotations: dict[int, Annotation] = {}
        self._parsed: dict[int, ParsedSentence] = {}
        self._spans: dict[int, list[Candidate]] = {}

    def parsed(self, j: int) -> ParsedSentence:
        if j not in self._parsed:
            ev = self.evidence[j]
            if ev.passage not in self._annotations:
                self._annotations[ev.passage] = Annotation.loads(self.passages[ev.passage].annotation)
            self._parsed[j] = ParsedSentence(j, ev.text, self._annotations[ev.passage].within(ev.offset, ev.offset + len(ev.text)))
        return self._parsed[j]

    def spans(self, j: int) -> list[Candidate]:
        if j not in self._spans:
            self._spans[j] = [c for c in candidates(self.parsed(j)) if c.kind != "sentence"]
        return self._spans[j]

    def distinct(self) -> list[int]:
        seen: set[str] = set()
        order = []
        for j, ev in enumerate(self.evidence):
            if ev.text not in seen:
                seen.add(ev.text)
                order.append(j)
        return order


def _new_terms(text: str, question: Question) -> int:
    asked = set(question.terms) | set(question.years)
    return len([t for t in content_terms(text) if t not in asked])


def words_key(text: str) -> str:
    """The text's words, letters and digits only, lower-cased, space-separated and padded: a span is *in* a lead when
    its key is in the lead's key, whole words only ("Dar" is not in "a roadmap")."""
    return " " + " ".join(fold(w) for w in re.findall(r"[^\W_]+", text.lower())) + " "


def find_fact(lead: str, question: Question, sentences: Sentences, support: list[float]) -> Fact | None:
    """The span of the passages the lead states as its answer: among spans it repeats that add words the question
    lacks, one of the kind the question asks for first, then the most new words, then the longest, then the sentence
    that supports the lead best. None when it repeats none."""
    folded = words_key(lead)
    best: tuple | None = None
    chosen: Fact | None = None
    for j in sentences.distinct():
        for span in sentences.spans(j):
            key = words_key(span.text)
            if len(key) < 4 or key not in folded or not _new_terms(span.text, question):
                continue
            rank = (span.label in question.expects, _new_terms(span.text, question), len(key), support[j])
            if best is None or rank > best:
                best, chosen = rank, Fact(j, span.text, span)
    return chosen


MORE_FACTS = 2  # further named entities, figures or dates a lead states beside its main fact, each checked too


def more_facts(lead: str, main: Fact, question: Question, sentences: Sentences, support: list[float]) -> list[Fact]:
    """The other facts the lead states: named entities, figures and dates of the passages it repeats outside its main
    fact and the question ("The pier, <Harbour Trust> said, reopens in June": the name is checked beside the date),
    each with the sentence stating it that supports the lead best."""
    taken = [words_key(main.text)]
    found: dict[str, Fact] = {}
    folded = words_key(lead)
    for j in sorted(sentences.distinct(), key=lambda j: -support[j]):
        for span in sentences.spans(j):
            key = words_key(span.text)
            if span.kind != "entity" or len(key) < 4 or key not in folded or key in found or not _new_terms(span.text, question):
                continue
            if any(key in t or t in key for t in taken):
                continue
            found[key] = Fact(j, span.text, span)
            taken.append(key)
    return list(found.values())[:MORE_FACTS]


def rivals(fact: Fact, question: Question, sentences: Sentences, scored: Scored | None) -> list[tuple[int, str]]:
    """What the fact competes with: the other spans of its sentence of the same kind (entity label, or span kind),
    and the reader's most probable short answer; none overlapping the fact or the question."""
    out: list[tuple[int, str]] = []

    def add(j: int, text: str) -> None:
        if fold(text) and not any(overlaps(text, t) for t in [fact.text, *(t for _, t in out)]) and _new_terms(text, question):
            out.append((j, text))

    if fact.candidate is not None:
        same = [c for c in sentences.spans(fact.sentence) if (c.label or c.kind) == (fact.candidate.label or fact.candidate.kind)]
        for c in same:
            if len([o for o in out if o[0] == fact.sentence]) < RIVALS:
                add(fact.sentence, c.text)
    if scored is not None:
        for top in options(scored.candidates, scored.probabilities, 1):  # the reader's most probable short answer
            add(top.candidate.sentence, top.candidate.text)
    return out


def reader_view(fact: str, scored: Scored | None) -> tuple[float, int]:
    """The reader's probability for the fact (its most probable candidate saying the same) and that candidate's rank
    among the reader's distinct candidate texts."""
    if scored is None or not scored.candidates:
        return 0.0, READER_RANKS
    order = sorted(range(len(scored.candidates)), key=lambda k: -scored.probabilities[k])
    seen: list[str] = []
    for k in order:
        text = fold(scored.candidates[k].text)
        if text in seen:
            continue
        if len(seen) >= READER_RANKS:
            break
        if overlaps(scored.candidates[k].text, fact) and len(fold(scored.candidates[k].text)) <= 2 * len(fold(fact)) + 8:
            return float(scored.probabilities[k]), len(seen)
        seen.append(text)
    return 0.0, READER_RANKS
