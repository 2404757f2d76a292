"""Candidate answers in one sentence, from its parse: named entities, noun chunks, coordinated lists, clauses, the sentence.

Whatever the question asks, the answer is one of these spans of a
retrieved sentence; which one is for the scorer to say (`features`,
`scorer`). Nothing here knows a word of the collection: the spans come from
the parser's labels and dependency tree alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from rag.schema import EvidenceSentence
from rag.text.parse import Annotation, Token

KINDS = ("entity", "noun", "list", "clause", "sentence")
_CLAUSE_DEPS = frozenset({"ccomp", "xcomp", "advcl"})
_LEADING = frozenset({"DET", "PUNCT", "CCONJ", "ADP", "PRON"})  # trimmed from a span's start ("the", "a", "his", "of")
_TRAILING = frozenset({"PUNCT", "CCONJ", "ADP", "PART", "DET"})


class ParsedSentence:
    """One evidence sentence with its slice of the passage's annotation: tokens, entities, the dependency tree."""

    def __init__(self, index: int, text: str, annotation: Annotation) -> None:
        self.index = index
        self.text = text
        self.tokens: list[Token] = annotation.tokens
        self.annotation = annotation

    @classmethod
    def of(cls, index: int, sentence: EvidenceSentence, passage: Annotation) -> ParsedSentence:
        """Evidence sentence ``index`` with its slice of its ``passage``'s annotation."""
        return cls(index, sentence.text, passage.within(sentence.offset, sentence.offset + len(sentence.text)))

    def text_of(self, start: int, end: int) -> str:
        """Tokens [start, end) exactly as the sentence writes them."""
        return self.text[self.tokens[start].start : self.tokens[end - 1].end]

    @cached_property
    def children(self) -> list[list[int]]:
        kids: list[list[int]] = [[] for _ in self.tokens]
        for i, token in enumerate(self.tokens):
            if token.head != i:
                kids[token.head].append(i)
        return kids

    def subtree(self, i: int) -> tuple[int, int]:
        """First and last token index of token ``i``'s subtree (spaCy's left_edge/right_edge)."""
        low = high = i
        stack = [i]
        while stack:
            j = stack.pop()
            low, high = min(low, j), max(high, j)
            stack.extend(self.children[j])
        return low, high

    def root_of(self, start: int, end: int) -> int:
        """The token of [start, end) whose head lies outside it (the span's syntactic head)."""
        for i in range(start, end):
            head = self.tokens[i].head
            if head == i or not start <= head < end:
                return i
        return start

    @cached_property
    def lemmas(self) -> frozenset[str]:
        return frozenset(t.lemma for t in self.tokens)

    def distance(self, sources: set[int], targets: set[int]) -> int:
        """Fewest dependency edges from any of ``sources`` to any of ``targets`` (a large number when none)."""
        if not sources or not targets:
            return 99
        seen, frontier, steps = set(sources), set(sources), 0
        while frontier:
            if frontier & targets:
                return steps
            steps += 1
            following = set()
            for j in frontier:
                neighbours = [*self.children[j], self.tokens[j].head]
                following.update(k for k in neighbours if k not in seen)
            seen |= following
            frontier = following
        return 99


@dataclass(frozen=True)
class Candidate:
    sentence: int  # index into the evidence sentences
    kind: str  # one of KINDS
    label: str  # the entity label of its head ("PERSON", "MONEY", …), or ""
    start: int  # token range [start, end) in the sentence
    end: int
    root: int  # its head token
    text: str  # exactly as the sentence writes it


def _trim(sentence: ParsedSentence, start: int, end: int) -> tuple[int, int]:
    tokens = sentence.tokens
    while start < end and (tokens[start].pos in _LEADING and tokens[start].dep != "nummod"):
        start += 1
    while end > start and tokens[end - 1].pos in _TRAILING:
        end -= 1
    return start, end


def _make(sentence: ParsedSentence, kind: str, start: int, end: int, label: str = "") -> Candidate | None:
    if kind != "sentence":
        start, end = _trim(sentence, start, end)
    if start >= end:
        return None
    root = sentence.root_of(start, end)
    return Candidate(sentence.index, kind, label or sentence.tokens[root].ent, start, end, root, sentence.text_of(start, end))


def candidates(sentence: ParsedSentence) -> list[Candidate]:
    """Every candidate span of one sentence, each token range once (the first kind to claim it wins)."""
    found: list[Candidate | None] = []
    tokens = sentence.tokens
    if not tokens:  # no parse (the read.parse = false ablation): the sentence alone
        return [Candidate(sentence.index, "sentence", "", 0, 0, 0, sentence.text)]
    found += [_make(sentence, "entity", e.start, e.end, e.label) for e in sentence.annotation.entities]
    found += [_make(sentence, "noun", n.start, n.end) for n in sentence.annotation.noun_chunks]
    for i, token in enumerate(tokens):
        if any(tokens[c].dep == "conj" for c in sentence.children[i]) and token.dep != "conj":
            low, high = sentence.subtree(i)
            found.append(_make(sentence, "list", low, high + 1))
        if token.dep in _CLAUSE_DEPS or (token.dep in ("dobj", "attr", "pobj") and tokens[token.head].pos == "VERB" and high_enough(sentence, i)):
            low, high = sentence.subtree(i)
            found.append(_make(sentence, "clause", low, high + 1))
    found.append(Candidate(sentence.index, "sentence", "", 0, len(tokens), sentence.root_of(0, len(tokens)), sentence.text))
    unique: dict[tuple[int, int], Candidate] = {}
    for candidate in found:
        if candidate is not None and (candidate.start, candidate.end) not in unique:
            unique[(candidate.start, candidate.end)] = candidate
    return list(unique.values())


def high_enough(sentence: ParsedSentence, i: int) -> bool:
    """An object whose subtree is a phrase of a few words at least (a bare pronoun or noun is a noun chunk already)."""
    low, high = sentence.subtree(i)
    return high - low >= 2
