"""A generating model's answer: streamed (failing over under `auto`), then judged before anything is claimed.

The model reads the question's best sentences with their neighbours (`rag.answer.context`) and writes one line, its
short answer (`rag.answer.prompt`). Its "none" (the articles don't say) is not shown as a fact: the reader's checked
answer may still be claimed (`Assistant`), else the most relevant passages stand. Otherwise its short answer is
claimed only when the verifier confirms its fact (`rag.answer.verify`: figures and scale, names, negation, the
parse's slot, the reading model's check; the fitted probability is the confidence shown), worded as every claim is
(`rag.answer.outcome.claim`: the short answer, then the sentence behind it quoted from the passage). One the verifier
does not confirm is shown in terms of the check ("not confirmed: the check gives it 0.58 and “2015” 0.61"), as
"Likely: X — 62 %" when it clears the floor; "the passages don't say X" only where a rule found X absent. Without a
checker (or a verifier fitted for it) a lead is claimed only when it states the reader's own claimed answer.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass

from rag.answer.backends.registry import fallbacks, make_generator
from rag.answer.cite import attribute, is_model_refusal, strip_markers
from rag.answer.context import excerpts
from rag.answer.facts import lead_of
from rag.answer.models.check import CachedChecker
from rag.answer.outcome import ANSWER, Decision, answer_of, claim, unclaimed
from rag.answer.rules import LeadParse
from rag.answer.turn import AnswerEvent, Draft, Turn, elapsed_ms
from rag.answer.typed import typed_answer
from rag.answer.verify import Verdict, VerifyModel, combine, decide, pieces, verdict
from rag.errors import RagError
from rag.schema import Answer, EvidenceSentence, Passage, Reason, Route
from rag.text.lexical import overlaps
from rag.text.parse import load_parser


def model_context(turn: Turn, passages: list[Passage], evidence: list[EvidenceSentence]) -> list[Passage]:
    """What the model reads: the top passages cut to the question's best sentences and their neighbours."""
    top = passages[: turn.top_k or turn.settings.retrieve.top_k]
    return excerpts(turn.asked, top, [e for e in evidence if e.passage < len(top)], turn.pipeline.scorer, turn.settings.llm.context_tokens)


def generate(turn: Turn, passages: list[Passage], evidence: list[EvidenceSentence], draft: Draft) -> Generator[AnswerEvent, None, str | None]:
    """The model's text, streamed into ``draft``; under `auto` a failing backend gives way to the next (None: the
    next is the reader, whose decision stands). Sets ``turn.generator`` to the one that answered."""
    mark = time.perf_counter()
    shown = model_context(turn, passages, evidence)
    while True:
        generation = turn.generator.generate(turn.question, shown, turn.history)
        try:
            for token in generation.tokens:
                if "first_token_ms" not in turn.timings:
                    turn.timings["first_token_ms"] = elapsed_ms(turn.started)
                    yield draft.restart(f"{turn.generator.model} is writing the short answer")  # in place of the evidence
                yield draft.add(token)
            break
        except RagError as exc:
            remaining = fallbacks(turn.generator.name, turn.settings) if turn.requested == "auto" else []
            if not remaining:
                raise
            turn.generator = make_generator(remaining[0], turn.settings)
            yield draft.restart(f"{exc}; answering with {turn.generator.name} instead")
            if turn.generator.name == "extractive":
                return None
    turn.took("generate_ms", mark)
    return draft.text.strip()


def read_verdict(turn: Turn, lead: str, evidence: list[EvidenceSentence], passages: list[Passage], decision: Decision, checker: CachedChecker | None) -> Verdict:
    """How the verifier reads ``lead`` (part by part for a two-part question), undecided."""
    nlp = load_parser(turn.settings.read.model)
    asked = turn.parsed.parts or [turn.parsed]
    split = pieces(lead, len(asked)) if len(asked) > 1 else [lead]
    if not split:  # a two-part question answered in one piece: read as one
        asked, split = [turn.parsed], [lead]
    readings = decision.reading.parts or [decision.reading]
    found = []
    for k, (question, piece) in enumerate(zip(asked, split, strict=True)):
        support = [turn.pipeline.scorer.coverage(f"{question.text} {piece}", e.text) for e in evidence]
        scored = readings[k].scored if k < len(readings) else None
        found.append(verdict(piece, question.text, question, evidence, passages, scored, support, LeadParse.of(piece, nlp), checker))
    return found[0] if len(found) == 1 else combine(lead, found)


@dataclass(frozen=True)
class Doubted:
    """A model answer the judge did not claim (or the model's "none"): what its unclaimed answer will say, kept as a
    step result so the reader's checked answer can still be weighed against it before anything is worded."""

    note: str  # the first line: the model's answer and why it is not confirmed, or that it found none
    best: tuple[str, float, int | None]  # the short answer to show as likely (text, probability, its sentence)
    weighed: tuple[str, float]  # the model's answer and the judge's probability for it (0 when a rule vetoed it)
    route: Route
    by: tuple[str, str]  # (backend, model)
    model_answer: str
    reasons: tuple[Reason, ...]

    def answer(
        self, turn: Turn, decision: Decision, evidence: list[EvidenceSentence], passages: list[Passage], instead: tuple[str, float, int | None] | None = None
    ) -> Answer:
        """The unclaimed `Answer`; ``instead``: a better-weighed short answer of the reader's to show as likely."""
        best, weighed = (instead, instead[:2]) if instead is not None else (self.best, self.weighed)
        return unclaimed(turn, self.note, best, decision.relevant, evidence, passages, self.route, self.by, weighed, self.model_answer, list(self.reasons))


def verify(
    turn: Turn, text: str, passages: list[Passage], decision: Decision, evidence: list[EvidenceSentence], fitted: tuple[CachedChecker | None, VerifyModel | None, str]
) -> Answer | Doubted | None:
    """The model's ``text``, judged (see the module's docstring): its claimed `Answer`, or `Doubted`; None when the
    model wrote nothing. ``fitted``: the checker and the verifier fitted for it, or None and why not."""
    by = (turn.generator.name, turn.generator.model)
    if text and is_model_refusal(text):
        note = f"{turn.generator.model} found no answer in the passages; the most relevant:"
        return Doubted(note, ("", 0.0, None), ("", 0.0), Route.MODEL_DECLINED, by, "none", (Reason.MODEL_DECLINED,))
    lead = lead_of(text).rstrip(".")
    if not lead:
        return None
    found = _judged(turn, lead, passages, decision, evidence, fitted)
    cite = turn.settings.cite
    merge = turn.settings.retrieve.merge_threshold
    # the lead as shown: a figure it computed from stated ones with its arithmetic ("25 (2023 − 1998 = 25)")
    cited = attribute(lead, passages, turn.pipeline.scorer, cite.support_threshold, merge, False, turn.question)
    shown = strip_markers(cited.text).strip().rstrip(".") if cited.supported_sentences else lead
    behind = [p.fact.sentence for p in found.parts if p.fact] or ([found.fact.sentence] if found.fact else [])
    behind = list(dict.fromkeys(behind))
    if found.claimed and behind and cited.supported_sentences:
        claimed = round(found.probability, 3)
        short = typed_answer(shown, behind[0], turn.parsed, evidence, passages)
        return answer_of(turn, claim(short, behind, evidence, passages, merge), ANSWER, Route.MODEL, by, claimed, candidate=(short, claimed), model_answer=lead)
    weighed = (lead, 0.0 if found.vetoes else found.probability)
    # a rule found it absent: said as such (never shown as likely); else the check's doubt, in its own terms
    note = f"The model answered “{shown}”, but {found.why()}." if found.vetoes else f"The model answered “{shown}”; not confirmed: {found.why()}."
    # never "likely" when a rule doubts it: the fitted probability is not calibrated enough there (a wrong slot or a
    # negated clause still gets 0.8)
    best = (shown, 0.0 if found.doubts else weighed[1], behind[0] if behind else None)
    return Doubted(note, best, weighed, Route.MODEL_REFUSED, by, lead, tuple(found.reasons() or [Reason.NOT_STATED]))


def _judged(
    turn: Turn, lead: str, passages: list[Passage], decision: Decision, evidence: list[EvidenceSentence], fitted: tuple[CachedChecker | None, VerifyModel | None, str]
) -> Verdict:
    """The verifier's decision on ``lead``; without a checker, claimed only when it states the reader's claimed answer."""
    mark = time.perf_counter()
    checker, verify_model, why = fitted
    try:
        found = decide(read_verdict(turn, lead, evidence, passages, decision, checker), verify_model)
    except RagError as exc:  # the checking model failed mid-check: judged as if there were none
        checker, why = None, str(exc)
        found = read_verdict(turn, lead, evidence, passages, decision, None)
    if checker is None:
        reader = decision.reading.short
        found.claimed = bool(decision.outcome == ANSWER and found.fact and not found.vetoes and reader and overlaps(found.fact.text, reader))
        found.probability = decision.confidence if found.claimed else 0.0
        found.checked_by = f"the reader alone, unchecked: {why}"
    turn.took("verify_ms", mark)
    turn.checked_by = found.checked_by
    return found
