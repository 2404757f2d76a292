"""Word a decision as the text a reader sees, every quote cited to its exact raw span (numbering by first use).

- `answer`: the short answer first, then the quoted sentences behind it.
- `evidence`: no claim; a fixed first line that says the system is unsure (a
  statement about itself, not about the articles), then the most relevant
  sentences, quoted, cited with role "relevant".
- `not_found`: one fixed sentence, no quotes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer.cite import REFUSAL, cite_sentence, place_markers
from rag.read.evidence import EvidenceSentence
from rag.schema import Citation, Passage

UNSURE = "No short answer I'm sure of; the most relevant passages:"
NOT_FOUND_TEXT = REFUSAL


@dataclass
class Composed:
    text: str
    short: str
    citations: list[Citation]


class _Numbering:
    """Citation numbers by first use; each evidence sentence is cited once."""

    def __init__(self, evidence: list[EvidenceSentence], passages: list[Passage], merge_threshold: float, role: str) -> None:
        self.evidence, self.passages, self.merge_threshold, self.role = evidence, passages, merge_threshold, role
        self.numbers: dict[int, int] = {}
        self.citations: list[Citation] = []

    def __call__(self, j: int) -> int:
        if j not in self.numbers:
            self.numbers[j] = len(self.numbers) + 1
            score = float(self.passages[self.evidence[j].passage].score)
            self.citations.append(cite_sentence(self.numbers[j], j, self.passages, self.evidence, self.merge_threshold, score, self.role))
        return self.numbers[j]


def quote_relevant(lead: str, relevant: list[int], evidence: list[EvidenceSentence], passages: list[Passage], merge_threshold: float) -> Composed:
    """``lead`` on its own line, then each relevant sentence quoted and cited (role "relevant": it claims nothing)."""
    number = _Numbering(evidence, passages, merge_threshold, "relevant")
    lines = [lead, *(f"“{evidence[j].text}” [{number(j)}]" for j in relevant)]
    return Composed("\n".join(lines), "", number.citations)


def claim(short: str, support: list[int], evidence: list[EvidenceSentence], passages: list[Passage], merge_threshold: float) -> Composed:
    """The short answer with its markers, then each sentence behind it quoted (a whole-sentence answer is not quoted twice)."""
    number = _Numbering(evidence, passages, merge_threshold, "evidence")
    short = short.strip()
    markers = "".join(f"[{number(j)}]" for j in support)
    lines = [place_markers(short, markers, ".")]
    lines += [f"“{evidence[j].text}” [{number(j)}]" for j in support if evidence[j].text.strip() != short]
    return Composed("\n".join(lines), short, number.citations)
