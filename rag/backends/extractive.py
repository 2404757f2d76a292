"""No-LLM answers: the passage sentences that best answer the question, quoted and cited."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from rag.answer_type import answer_type, has_answer_type
from rag.backends.base import Generation
from rag.cite import evidence_sentences
from rag.schema import Passage
from rag.support import SupportScorer

MAX_SENTENCES = 2
HEADLINE_FACTOR = 0.85  # a line with no closing punctuation (a headline, a caption) restates more than it answers
RELATIVE_CUTOFF = 0.85  # a second sentence must score within 15 % of the best
TYPE_BAND = 0.6  # a sentence holding the asked-for kind of thing (number, date, name) and scoring within 40 % of the best goes first


_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


class ExtractiveGenerator:
    name = "extractive"
    model = "none"

    def __init__(self, scorer: SupportScorer, min_score: float) -> None:
        self.scorer = scorer
        self.min_score = min_score

    def check(self) -> None:
        return None

    def generate(self, question: str, passages: list[Passage], history: list[tuple[str, str]] | None = None) -> Generation:
        return Generation(passages, self._sentences(question, passages))

    def _sentences(self, question: str, passages: list[Passage]) -> Iterator[str]:
        evidence = evidence_sentences(passages)
        if not evidence:
            return
        scores = self.scorer.matrix([question], [e.text for e in evidence])[0]
        scores = scores * np.array([1.0 if _TERMINAL.search(e.text) else HEADLINE_FACTOR for e in evidence], dtype=np.float32)
        best = float(scores.max())
        kind = answer_type(question)
        band = max(self.min_score, best * TYPE_BAND)
        typed = [bool(kind) and scores[j] >= band and has_answer_type(e.text, kind) for j, e in enumerate(evidence)]
        ranked = sorted(range(len(evidence)), key=lambda j: (not typed[j], -scores[j]))
        chosen, seen = [], set()
        for j in ranked:
            if len(chosen) == MAX_SENTENCES:
                break
            if not typed[j] and scores[j] < max(self.min_score, best * RELATIVE_CUTOFF):
                continue
            if evidence[j].text not in seen:
                seen.add(evidence[j].text)
                chosen.append(j)
        for k, j in enumerate(chosen):
            yield ("" if k == 0 else " ") + f"{evidence[j].text} [{evidence[j].passage + 1}]"
