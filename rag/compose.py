"""Word a decision as the text a reader sees, every quote cited to its exact raw span (numbering by first use).

- `answer`: the short answer first, then the quoted evidence behind it.
- `evidence`: no claim; a fixed first line that says the system is unsure (a
  statement about itself, not about the articles), then the most relevant
  sentences, quoted, cited with role "relevant".
- `not_found`: one fixed sentence, no quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.cite import REFUSAL, EvidenceSentence, cite_sentence, place_markers
from rag.reader import Reading
from rag.schema import Citation, Passage

_PLACEHOLDER = re.compile(r"\{(\d+)\}")


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


def _markers(text: str, number: _Numbering) -> str:
    return _PLACEHOLDER.sub(lambda m: str(number(int(m.group(1)))), text)


UNSURE = "No short answer I'm sure of; the most relevant passages:"
NOT_FOUND_TEXT = REFUSAL


def quote_relevant(lead: str, relevant: list[int], evidence: list[EvidenceSentence], passages: list[Passage], merge_threshold: float) -> Composed:
    """``lead`` on its own line, then each relevant sentence quoted and cited (role "relevant": it claims nothing)."""
    number = _Numbering(evidence, passages, merge_threshold, "relevant")
    lines = [lead, *(f"“{evidence[j].text}” [{number(j)}]" for j in relevant)]
    return Composed("\n".join(lines), "", number.citations)


def compose(reading: Reading, evidence: list[EvidenceSentence], passages: list[Passage], merge_threshold: float) -> Composed:
    if reading.refused:
        number = _Numbering(evidence, passages, merge_threshold, "closest")
        said = f"The articles don't say {reading.missing}." if reading.missing else REFUSAL
        closest = " ".join(f"“{evidence[j].text}” [{number(j)}]" for j in reading.closest)
        return Composed(said + (f" Closest: {closest}" if closest else ""), "", number.citations)
    number = _Numbering(evidence, passages, merge_threshold, "evidence")
    short = reading.short.strip()
    if len(reading.support) == 1 and short == evidence[reading.support[0]].text:
        return Composed(place_markers(short, f"[{number(reading.support[0])}]", "."), short, number.citations)
    placed = bool(_PLACEHOLDER.search(short + reading.note))
    first = _markers(short, number)
    if not placed:
        first = place_markers(first, "".join(f"[{number(j)}]" for j in reading.support), ".")
    elif not first.endswith((".", "!", "?")):
        first += "."
    note = _markers(reading.note, number)
    lines = [f"{first} {note}".strip()]
    lines += [f"“{evidence[j].text}” [{number(j)}]" for j in reading.support]
    return Composed("\n".join(lines), _PLACEHOLDER.sub("", short).replace(" []", "").replace("[]", ""), number.citations)
