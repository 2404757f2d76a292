"""`rag eval --backend liar`: a plausible wrong model, for measuring what the verifier lets through.

The oracle measures what the answer path keeps of right answers; this
measures the other side. For every question it writes the reference answer
with its key fact swapped for another fact *of the same kind* taken from the
passages it was shown: the other person of the same sentence first, then
another figure, date or place of the same passage, then of any shown passage;
an unanswerable question gets a fact of the kind it asks for, stated
confidently. Each answer cites the passage its fact came from, as a model
would. The kinds are the parser's entity labels, stored at ingest, so
nothing here knows a collection. Eval only: it knows the answers.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from rag.answer.cite import REFUSAL, place_markers
from rag.evaluate.gold import GoldItem
from rag.evaluate.oracle import StandIn
from rag.schema import Passage
from rag.text.lexical import fold, overlaps
from rag.text.parse import Annotation

# Entity labels that stand for one another: a swapped fact is of the same kind as the true one.
KINDS = {
    "PERSON": "person",
    "ORG": "organisation",
    "NORP": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "MONEY": "money",
    "DATE": "date",
    "TIME": "date",
    "CARDINAL": "number",
    "QUANTITY": "number",
    "PERCENT": "percent",
    "ORDINAL": "ordinal",
}
# The kind an unanswerable question asks for, by its asking words.
ASKED = (("how much", "money"), ("how many", "number"), ("when", "date"), ("what year", "date"), ("where", "place"), ("who", "person"), ("percent", "percent"))


@dataclass(frozen=True)
class Fact:
    text: str
    kind: str
    passage: int  # index into the shown passages
    sentence: tuple[int, int]  # the character span of its sentence in the passage


def facts(passages: list[Passage]) -> list[Fact]:
    """Every named entity, figure and date of the shown passages, in reading order, from the parse stored at ingest."""
    found = []
    for i, passage in enumerate(passages):
        annotation = Annotation.loads(passage.annotation)
        spans = passage.sentences or [(0, len(passage.text))]
        for entity in annotation.entities:
            start, end = annotation.tokens[entity.start].start, annotation.tokens[entity.end - 1].end
            sentence = next(((s, e) for s, e in spans if s <= start < e), (0, len(passage.text)))
            found.append(Fact(passage.text[start:end], KINDS.get(entity.label, "thing"), i, sentence))
    return found


def asked_kind(question: str) -> str:
    lowered = question.lower()
    return next((kind for words, kind in ASKED if re.search(rf"\b{words}\b", lowered)), "")


def lie(item: GoldItem, passages: list[Passage]) -> str:
    """The reference answer with its key fact swapped for another of the same kind from ``passages``, cited."""
    found = facts(passages)
    if not found:
        return REFUSAL
    truth = [*item.must_include, item.answer] if item.answerable else []
    if item.answerable:
        key = item.must_include[0] if item.must_include else item.answer
        true = next((f for f in found if overlaps(f.text, key)), None)
        kind = true.kind if true else ("number" if re.search(r"\d", key) else "thing")
        order = lambda f: (not (true and f.passage == true.passage and f.sentence == true.sentence), not (true and f.passage == true.passage), f.passage)  # noqa: E731
    else:
        true, kind = None, asked_kind(item.question)
        order = lambda f: f.passage  # noqa: E731
    others = [f for f in found if not any(overlaps(f.text, t) for t in truth) and not overlaps(f.text, item.question)]
    same = sorted((f for f in others if f.kind == kind), key=order) or sorted(others, key=order)
    if not same:
        return REFUSAL
    swap = same[0]
    marker = f"[{swap.passage + 1}]"
    if item.answerable:
        surface = true.text if true and fold(true.text) in fold(item.answer) else key
        pattern = re.compile(re.escape(surface), re.IGNORECASE)
        if pattern.search(item.answer):
            return place_markers(pattern.sub(lambda _: swap.text, item.answer, count=1), marker, ".")
    return place_markers(swap.text, marker, ".")


class LiarGenerator(StandIn):
    name = "liar"
    model = "same-kind wrong facts"

    def answer(self, item: GoldItem, passages: list[Passage]) -> str:
        return lie(item, passages)


class MixGenerator(StandIn):
    """A proxy for a capable (7B-class) model that is mostly right: each question gets the oracle's reference answer
    with probability ``right`` and the liar's same-kind wrong answer otherwise, drawn once per question id from
    ``seed`` (the same question gets the same side in every run, perturbed or not)."""

    name = "mix"
    model = "reference answers, 15 % swapped"

    def __init__(self, gold: list[GoldItem], right: float = 0.85, seed: int = 0) -> None:
        super().__init__(gold)
        self.right, self.seed = right, seed

    def truthful(self, item: GoldItem) -> bool:
        return random.Random(f"{self.seed}:{item.id}").random() < self.right

    def answer(self, item: GoldItem, passages: list[Passage]) -> str:
        return (item.answer or REFUSAL) if self.truthful(item) else lie(item, passages)
