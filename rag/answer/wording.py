"""Word a decision as the text a reader sees, every quote cited to its exact raw span (numbering by first use), and
build the `Answer` each outcome gets.

- `answer`: the short answer first, then the quoted sentences behind it.
- `evidence`: no claim; a fixed first line that says the system is unsure (a
  statement about itself, not about the articles), then the most relevant
  sentences, quoted, cited with role "relevant".
- `not_found`: one fixed sentence, no quotes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer.cite import REFUSAL, Numbering, place_markers
from rag.answer.outcome import ANSWER, EVIDENCE, NOT_FOUND, Decision
from rag.answer.turn import Turn
from rag.read.evidence import EvidenceSentence
from rag.schema import Answer, Citation, Passage

UNSURE = "No short answer I'm sure of; the most relevant passages:"
NOT_FOUND_TEXT = REFUSAL
READER = ("extractive", "none")  # who answers when the reader's decision stands under an LLM backend


@dataclass
class Worded:
    """An answer's text as shown, its short answer (empty unless one is claimed), and the citations its markers name."""

    text: str
    short: str
    citations: list[Citation]


def quote_relevant(lead: str, relevant: list[int], evidence: list[EvidenceSentence], passages: list[Passage], merge_threshold: float) -> Worded:
    """``lead`` on its own line, then each relevant sentence quoted and cited (role "relevant": it claims nothing)."""
    number = Numbering(evidence, passages, merge_threshold, "relevant")
    lines = [lead, *(f"“{evidence[j].text}” [{number(j)}]" for j in relevant)]
    return Worded("\n".join(lines), "", number.citations)


def claim(short: str, support: list[int], evidence: list[EvidenceSentence], passages: list[Passage], merge_threshold: float) -> Worded:
    """The short answer with its markers, then each sentence behind it quoted (a whole-sentence answer is not quoted twice)."""
    number = Numbering(evidence, passages, merge_threshold, "evidence")
    short = short.strip()
    markers = "".join(f"[{number(j)}]" for j in support)
    lines = [place_markers(short, markers, ".")]
    lines += [f"“{evidence[j].text}” [{number(j)}]" for j in support if evidence[j].text.strip() != short]
    return Worded("\n".join(lines), short, number.citations)


def answer_of(turn: Turn, worded: Worded, outcome: str, route: str, by: tuple[str, str], confidence: float = 0.0, unsupported: list[str] | None = None) -> Answer:
    """The `Answer` of ``turn``: ``worded`` as ``outcome`` (refused exactly when not found), answered ``by``
    (backend, model) along ``route``."""
    return Answer(
        question=turn.question,
        answer=worded.text,
        refused=outcome == NOT_FOUND,
        backend=by[0],
        model=by[1],
        citations=worded.citations,
        unsupported=unsupported or [],
        timings_ms=turn.timings,
        short_answer=worded.short,
        outcome=outcome,
        confidence=confidence,
        route=route,
        checked_by=turn.checked_by,
    )


def reader_answer(turn: Turn, decision: Decision, evidence: list[EvidenceSentence], passages: list[Passage], route: str) -> Answer:
    """The reader's decision in words: its answer with the evidence quoted, the relevant sentences unclaimed, or
    not found. The extractive backend always; under an LLM when the model was not asked (not found), failed, or
    was wholly unsupported (then the extractive backend answered)."""
    merge = turn.settings.retrieve.merge_threshold
    by = READER if route in ("fallback", "gated") else (turn.generator.name, turn.generator.model)
    if decision.outcome == NOT_FOUND:
        return answer_of(turn, Worded(NOT_FOUND_TEXT, "", []), NOT_FOUND, route, by)
    if decision.outcome == EVIDENCE:
        worded = quote_relevant(UNSURE, decision.relevant, evidence, passages, merge)
    else:
        worded = claim(decision.reading.short, decision.reading.support, evidence, passages, merge)
    confidence = round(decision.confidence, 3) if decision.outcome == ANSWER else 0.0
    return answer_of(turn, worded, decision.outcome, route, by, confidence)
