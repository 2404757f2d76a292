"""The shown passages as sentences: what the reader reads and the citations point into."""

from __future__ import annotations

from dataclasses import dataclass

from rag.schema import Passage
from rag.text.sentences import sentence_spans


@dataclass
class EvidenceSentence:
    """One sentence of one shown passage, with its raw span."""

    passage: int  # index into the passages list (0-based)
    text: str
    start: int
    end: int
    context: str = ""  # the passage's title and text: what the sentence leaves implicit ("Harbourtown" in "The terminal cost…")
    date: str = ""  # the article's publication date (ISO), when known
    outlet: str = ""
    offset: int = 0  # where the sentence starts in its passage's (clean) text: its slice of the passage's annotation


def evidence_sentences(passages: list[Passage]) -> list[EvidenceSentence]:
    sentences = []
    for i, passage in enumerate(passages):
        for start, end in passage.sentences if passage.sentences is not None else sentence_spans(passage.text):
            raw_start, raw_end = passage.raw_span(start, end)
            text = passage.text[start:end]
            sentences.append(EvidenceSentence(i, text, raw_start, raw_end, f"{passage.title} {passage.text}", passage.date, passage.outlet, start))
    return sentences
