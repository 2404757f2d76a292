"""Decide what a question gets: a claimed `answer`, the `evidence` unclaimed, or `not_found`.

Never mislead: a short answer is claimed only when the fitted scorer's
probability that it holds the answer clears the threshold fitted with it
(`rag.read.scorer`); below that the user gets the most relevant sentences,
quoted and cited, and no claim. `not_found` is kept for questions that
nothing retrieved is about: more of their words are unknown to the
collection, or their best sentence supports them less, than any answerable
dev question (both floors fitted with the scorer). The same decision stands
under every backend: an LLM reads the passages unless the outcome is
`not_found`, and the reader's decision is what stands when the model's text
cannot be verified.

Under the reader, its best short candidates are checked by the reading model before one is claimed (issue "Claim the
answers a reading model confirms"): each against its own sentence, one yes/no token; the fitted claim model over
the check and the reader decides whether the most probable is claimed (`check_reader`).

Then each outcome is worded as the text a reader sees, every quote cited to its exact raw span (numbering by
first use), and built into its `Answer`:

- `answer`: the short answer first, then the quoted sentences behind it.
- `evidence`: no claim. When the judge gives its best short answer at least
  `llm.likely_floor`, it is shown as "Likely: X — 62 %" (the calibrated
  probability; `likely_answer`); else a fixed first line that says the system
  is unsure (a statement about itself, not about the articles). Then the most
  relevant sentences, quoted, cited with role "relevant".
- `not_found`: one fixed sentence, no quotes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Generator
from dataclasses import dataclass

from rag.answer.cite import REFUSAL, Numbering, place_markers
from rag.answer.models.check import CachedChecker, CheckItem
from rag.answer.turn import AnswerEvent, Draft, Turn
from rag.answer.typed import typed_answer
from rag.errors import RagError
from rag.read.claim import ClaimModel, best, options
from rag.read.reader import Reading, corroborating
from rag.read.scorer import AnswerModel
from rag.schema import Answer, Citation, EvidenceSentence, Outcome, Passage, Reason, Route

ANSWER, EVIDENCE, NOT_FOUND = Outcome.ANSWER, Outcome.EVIDENCE, Outcome.NOT_FOUND


@dataclass
class Decision:
    outcome: Outcome
    reading: Reading
    weighed: tuple[str, float] | None = None  # the best short answer the check weighed and its probability, if it ran
    weighed_sentence: int | None = None  # the evidence sentence it was read from

    @property
    def candidate(self) -> tuple[str, float]:
        """The best short answer weighed, claimed or not, with its probability (the check's, else the reader's)."""
        if self.outcome == NOT_FOUND:
            return "", 0.0
        if self.weighed is not None and self.outcome != ANSWER:
            return self.weighed
        return self.reading.short, round(self.reading.confidence, 3)

    @property
    def confidence(self) -> float:
        """The claimed answer's probability of being right; 0 when nothing is claimed."""
        return self.reading.confidence if self.outcome == ANSWER else 0.0

    @property
    def relevant(self) -> list[int]:
        return self.reading.relevant

    @property
    def reasons(self) -> list[Reason]:
        """Why the reader claims nothing (empty when it claims): not about the question, no short answer found, or
        its best one short of the threshold."""
        if self.outcome == NOT_FOUND:
            return [Reason.NOT_ABOUT]
        if self.outcome == ANSWER:
            return []
        return [Reason.BELOW_THRESHOLD if self.candidate[0] else Reason.NOT_STATED]


def decide(reading: Reading, model: AnswerModel, has_evidence: bool) -> Decision:
    if not has_evidence or reading.known < model.known_below or reading.best < model.not_found_below:
        return Decision(NOT_FOUND, reading)
    if reading.short and reading.confidence >= model.threshold:
        return Decision(ANSWER, reading)
    return Decision(EVIDENCE, reading)


UNSURE = "No short answer I'm sure of; the most relevant passages:"
LIKELY = "Likely: {answer} — {probability:.0%} (not confirmed enough to claim); the passages:"
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


def answer_of(
    turn: Turn,
    worded: Worded,
    outcome: Outcome,
    route: Route,
    by: tuple[str, str],
    confidence: float = 0.0,
    unsupported: list[str] | None = None,
    candidate: tuple[str, float] = ("", 0.0),
    likely: tuple[str, float] = ("", 0.0),
    model_answer: str = "",
    reasons: list[Reason] | None = None,
) -> Answer:
    """The `Answer` of ``turn``: ``worded`` as ``outcome`` (refused exactly when not found), answered ``by``
    (backend, model) along ``route``; ``candidate``: the best short answer weighed and its probability."""
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
        candidate=candidate[0],
        candidate_confidence=round(candidate[1], 3),
        likely_answer=likely[0],
        likely_confidence=round(likely[1], 3),
        model_answer=model_answer,
        route=route,
        checked_by=turn.checked_by,
        reasons=list(reasons or []),
    )


def reader_answer(turn: Turn, decision: Decision, evidence: list[EvidenceSentence], passages: list[Passage], route: Route) -> Answer:
    """The reader's decision in words: its answer with the evidence quoted, the relevant sentences unclaimed, or
    not found. The extractive backend always; under an LLM when the model was not asked (not found), failed, or
    was wholly unsupported (then the extractive backend answered)."""
    merge = turn.settings.retrieve.merge_threshold
    by = READER if route in (Route.FALLBACK, Route.GATED, Route.READER_OVER_MODEL) else (turn.generator.name, turn.generator.model)
    if decision.outcome == NOT_FOUND:
        return answer_of(turn, Worded(NOT_FOUND_TEXT, "", []), NOT_FOUND, route, by, reasons=decision.reasons)
    if decision.outcome == EVIDENCE:
        text, probability = decision.candidate
        sentence = decision.weighed_sentence if decision.weighed is not None else (decision.reading.support or [None])[0]
        return unclaimed(turn, UNSURE, (text, probability, sentence), decision.relevant, evidence, passages, route, by, decision.candidate, reasons=decision.reasons)
    support = decision.reading.support
    short = typed_answer(decision.reading.short, support[0] if support else None, turn.parsed, evidence, passages)
    worded = claim(short, support, evidence, passages, merge)
    return answer_of(turn, worded, decision.outcome, route, by, round(decision.confidence, 3), candidate=(short, decision.candidate[1]))


def unclaimed(
    turn: Turn,
    note: str,
    best: tuple[str, float, int | None],
    relevant: list[int],
    evidence: list[EvidenceSentence],
    passages: list[Passage],
    route: Route,
    by: tuple[str, str],
    candidate: tuple[str, float],
    model_answer: str = "",
    reasons: list[Reason] | None = None,
) -> Answer:
    """Nothing claimed: the ``best`` short answer (text, probability, its sentence) as "Likely: X — 62 %" when the judge
    gives it at least the floor (its sentence quoted first), else ``note``; then the relevant sentences."""
    text, probability, sentence = best
    shorter = typed_answer(text, sentence, turn.parsed, evidence, passages)
    candidate = (shorter, candidate[1]) if candidate[0] == text else candidate
    text, likely = shorter, ("", 0.0)
    if text and probability >= turn.settings.llm.likely_floor:
        likely = (text, probability)
        note = LIKELY.format(answer=text, probability=probability) + (f"\n{note}" if note != UNSURE else "")
        relevant = [sentence, *relevant] if sentence is not None else relevant
    shown = list(dict.fromkeys(relevant))[: max(turn.settings.cite.evidence_sentences, 1)]
    worded = quote_relevant(note, shown, evidence, passages, turn.settings.retrieve.merge_threshold)
    return answer_of(turn, worded, EVIDENCE, route, by, candidate=candidate, likely=likely, model_answer=model_answer, reasons=reasons)


def check_reader(
    turn: Turn, decision: Decision, evidence: list[EvidenceSentence], passages: list[Passage], draft: Draft, fitted: tuple[CachedChecker | None, ClaimModel | None, str]
) -> Generator[AnswerEvent, None, Decision]:
    """The reader's decision, checked: the evidence is shown at once and the checked answer replaces it. Without a
    checker (or a claim model fitted for it, ``fitted`` says why) the reader's own decision stands, and says so."""
    reading = decision.reading
    if decision.outcome == NOT_FOUND or reading.scored is None or reading.parts:
        return decision
    checker, claim_model, why = fitted
    if checker is None or claim_model is None:
        turn.checked_by = f"the reader alone, unchecked: {why}"
        return decision
    mark = time.perf_counter()
    found = options(reading.scored.candidates, reading.scored.probabilities, turn.settings.check.candidates)
    turn.checked_by = f"checked by {checker.name}, {checker.where}"
    if not found:
        return Decision(EVIDENCE, reading, ("", 0.0), None)
    shown = quote_relevant(UNSURE, reading.relevant, evidence, passages, turn.settings.retrieve.merge_threshold)
    yield draft.add(shown.text)
    try:
        p_yes = checker.p_yes([CheckItem(evidence[o.candidate.sentence].text, turn.asked, o.text) for o in found])
    except RagError as exc:  # the model failed mid-check: the reader's own decision stands, and says why
        turn.checked_by = f"the reader alone, unchecked: {exc}"
        yield draft.restart(turn.checked_by)
        return decision
    k, probability = best(found, p_yes, claim_model)
    yield draft.restart(f"{turn.checked_by} in {turn.took('check_ms', mark) / 1000:.1f} s")
    if probability < claim_model.threshold:
        return Decision(EVIDENCE, reading, (found[k].text, probability), found[k].candidate.sentence)
    chosen = found[k].candidate
    support = [chosen.sentence, *corroborating(chosen, reading.scored, evidence, passages)]
    return Decision(ANSWER, dataclasses.replace(reading, short=chosen.text, confidence=probability, kind=chosen.kind, support=support))
