"""The objects that flow between stages: Passage in, its sentences as evidence, Answer out (JSON shape per DESIGN.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from rag.text.offsets import OffsetMap
from rag.text.sentences import sentence_spans


class Outcome(StrEnum):
    """What a question gets (DESIGN.md): a claimed short answer, the evidence unclaimed, or nothing the articles say."""

    ANSWER = "answer"
    EVIDENCE = "evidence"
    NOT_FOUND = "not_found"


class Route(StrEnum):
    """Who decided what is shown. Codes, so that the eval and the surfaces count and branch on them, never on wording."""

    READER = "reader"  # no LLM: the reader's checked decision
    MODEL = "model"  # the model's short answer, confirmed by the judge
    MODEL_REFUSED = "model_refused"  # the judge did not confirm the model's answer: shown as likely or as doubt
    MODEL_DECLINED = "model_declined"  # the model said the articles don't say
    READER_OVER_MODEL = "reader_over_model"  # the model's answer not confirmed (or declined); the reader's is claimed
    GATED = "gated"  # nothing retrieved is about the question: no model was asked
    FALLBACK = "fallback"  # the model failed or wrote nothing; the reader's decision stands
    FAILED = "failed"  # the question failed with an error (the eval's row; no Answer carries it)


class Reason(StrEnum):
    """Why a short answer was not claimed (an Answer's `reasons`; empty when one is claimed)."""

    NOT_ABOUT = "not_about"  # nothing retrieved is about the question
    FIGURE_ABSENT = "figure_absent"  # a figure, or its scale, no passage gives (a veto)
    NAME_ABSENT = "name_absent"  # a name no passage gives (a veto)
    NOT_STATED = "not_stated"  # no passage sentence states the answer's fact
    SLOT_DOUBT = "slot_doubt"  # the fact fills another verb's clause than the question's (weighed, not a veto)
    NEGATION_DOUBT = "negation_doubt"  # the sentence says the opposite (weighed, not a veto)
    OUTRANKED = "outranked"  # the check confirms a rival more
    BELOW_THRESHOLD = "below_threshold"  # the judge's probability is short of its claim threshold
    MODEL_DECLINED = "model_declined"  # the model said the articles don't say
    UNCHECKED = "unchecked"  # no checking model (or none fitted for it): the reader's own calibration decided


VETOES = frozenset({Reason.FIGURE_ABSENT, Reason.NAME_ABSENT})  # the reasons a rule refuses on, whatever the check says
DOUBTS = frozenset({Reason.SLOT_DOUBT, Reason.NEGATION_DOUBT})  # the reasons a rule only weighs


@dataclass
class Source:
    """One article that carries a passage (several when outlets report the same thing)."""

    doc_id: str
    title: str
    outlet: str
    date: str
    start: int
    end: int


@dataclass
class Passage:
    """A retrieved chunk: clean text plus the way back to its raw span."""

    id: str
    text: str
    doc_id: str
    title: str
    outlet: str
    date: str
    start: int
    end: int
    offsets: OffsetMap
    score: float = 0.0
    sources: list[Source] = field(default_factory=list)
    annotation: str = ""  # the parser's reading of `text`, as stored at ingest (rag.text.parse.Annotation.dumps)
    sentences: list[tuple[int, int]] | None = None  # its sentence spans as split at ingest; None: split when read

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw offsets of the clean substring ``text[start:end]``."""
        return self.offsets.span_to_raw(start, end)

    def source(self) -> Source:
        return Source(self.doc_id, self.title, self.outlet, self.date, self.start, self.end)


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


@dataclass
class Citation:
    n: int
    doc_id: str
    title: str
    outlet: str
    date: str
    quote: str
    start: int
    end: int
    score: float
    sources: list[Source] = field(default_factory=list)
    # "evidence": supports the claimed answer; "relevant": quoted when nothing is claimed, supports nothing.
    role: str = "evidence"


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    backend: str
    model: str
    citations: list[Citation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    # The answer alone ("42 million euros", "Lena Ruiz"); `answer` starts with it, then the evidence.
    # On a refusal, what is missing ("who heads it").
    short_answer: str = ""
    # What is claimed: "answer" (a short answer, then its evidence), "evidence" (no short answer claimed: the most
    # relevant passages, quoted), "not_found" (nothing retrieved is about the question; `refused` is true exactly then).
    outcome: str = ""  # an `Outcome` code
    confidence: float = 0.0  # the calibrated chance that the short answer is right (0 when none is claimed)
    # The best short answer the judge weighed, claimed or not, and its probability of being right (0 when a rule
    # refused it or nothing was weighed); a claim's are its short answer and confidence. The eval moves a threshold
    # over these to draw the whole risk–coverage curve, not only the claims this threshold makes.
    candidate: str = ""
    candidate_confidence: float = 0.0
    # Shown but not claimed: the best short answer when the judge gives it at least llm.likely_floor, short of its
    # claim threshold ("Likely: X — 62 %", then the quotes); empty otherwise, and always when `short_answer` is set.
    likely_answer: str = ""
    likely_confidence: float = 0.0
    # What a generating model answered (its short answer as it wrote it), claimed or not; empty when no model wrote.
    model_answer: str = ""
    route: str = ""  # who decided what is shown: a `Route` code
    # The reading model that checked the reader's candidates ("qwen2.5-coder-1.5b, in-process"), or why none did.
    checked_by: str = ""
    # Why nothing is claimed, as `Reason` codes (empty for a claim); `answer`'s first lines say the same in words.
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The Answer a `to_dict` (a running server's JSON) describes."""
        citations = [Citation(**(c | {"sources": [Source(**s) for s in c.get("sources", [])]})) for c in data.get("citations", [])]
        coded = {"outcome": _code(Outcome, data.get("outcome", "")), "route": _code(Route, data.get("route", ""))}
        return cls(**(data | {"citations": citations, "reasons": [_code(Reason, r) for r in data.get("reasons", [])]} | coded))

    def outcome_label(self) -> str:
        """The outcome as a reader sees it first: "answer · confidence 0.92", "evidence · no short answer claimed"."""
        if self.outcome == Outcome.ANSWER:
            return f"answer · confidence {self.confidence:.2f}"
        if self.outcome == Outcome.EVIDENCE and self.likely_answer:
            return f"likely · {self.likely_confidence:.0%}, not claimed"
        if self.outcome == Outcome.EVIDENCE:
            return "evidence · no short answer claimed"
        return "not found in the articles"


def _code(kind: type[StrEnum], value: str) -> StrEnum | str:
    """``value`` as its ``kind`` member; a code this version does not know (an older server's) stays as it was sent."""
    return kind(value) if value in kind._value2member_map_ else value
