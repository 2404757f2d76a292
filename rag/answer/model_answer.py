"""A generating model's answer: streamed (failing over under `auto`), then verified before anything is claimed.

Its "the articles don't say" stands, with the most relevant passages beside it. Otherwise its lead (first sentence)
is claimed only when the verifier confirms its fact (`rag.answer.verify`: figures and scale, names, negation, the
parse's slot, the reading model's check; the fitted probability is the confidence shown); each sentence is re-cited
to the passages (`rag.answer.cite`), unsupported ones flagged. A lead the verifier does not confirm is shown as the
system's doubt, with the relevant sentences quoted. Without a checker (or a verifier fitted for it) a lead is
claimed only when it states the reader's own claimed answer, at the reader's confidence.
"""

from __future__ import annotations

import time
from collections.abc import Generator

from rag.answer.backends.registry import fallbacks, make_generator
from rag.answer.cite import attribute, is_model_refusal, strip_markers
from rag.answer.facts import lead_of
from rag.answer.models.check import CachedChecker
from rag.answer.outcome import ANSWER, EVIDENCE, Decision, Worded, answer_of, quote_relevant
from rag.answer.rules import LeadParse
from rag.answer.turn import AnswerEvent, Draft, Turn, elapsed_ms
from rag.answer.verify import Verdict, VerifyModel, combine, decide, pieces, verdict
from rag.errors import RagError
from rag.schema import Answer, EvidenceSentence, Passage
from rag.text.lexical import overlaps
from rag.text.parse import load_parser


def generate(turn: Turn, passages: list[Passage], draft: Draft) -> Generator[AnswerEvent, None, str | None]:
    """The model's text, streamed into ``draft``; under `auto` a failing backend gives way to the next (None: the
    next is the reader, whose decision stands). Sets ``turn.generator`` to the one that answered."""
    mark = time.perf_counter()
    while True:
        generation = turn.generator.generate(turn.question, passages[: turn.top_k or turn.settings.retrieve.top_k], turn.history)
        try:
            for token in generation.tokens:
                turn.timings.setdefault("first_token_ms", elapsed_ms(turn.started))
                yield draft.add(token)
            break
        except RagError as exc:
            remaining = fallbacks(turn.generator.name) if turn.requested == "auto" else []
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


def verify(
    turn: Turn, text: str, passages: list[Passage], decision: Decision, evidence: list[EvidenceSentence], fitted: tuple[CachedChecker | None, VerifyModel | None, str]
) -> Answer | None:
    """The model's ``text``, checked (see the module's docstring); None when the model wrote nothing. ``fitted``: the
    checker and the verifier fitted for it, or None and why not."""
    by = (turn.generator.name, turn.generator.model)
    merge = turn.settings.retrieve.merge_threshold
    if text and is_model_refusal(text):
        worded = quote_relevant(strip_markers(text).strip(), decision.relevant, evidence, passages, merge)
        return answer_of(turn, worded, EVIDENCE, "model_declined", by)
    lead = lead_of(text)
    if not lead:
        return None
    found = _judged(turn, lead, passages, decision, evidence, fitted)
    cite = turn.settings.cite
    result = attribute(text, passages, turn.pipeline.scorer, cite.support_threshold, merge, cite.drop_unsupported, turn.question)
    if result.supported_sentences:  # the lead as shown: re-cited, a computed figure with its arithmetic
        lead = lead_of(result.text) or lead
    if found.claimed and result.supported_sentences:
        claimed = round(found.probability, 3)
        return answer_of(turn, Worded(result.text, lead, result.citations), ANSWER, "model", by, claimed, result.unsupported, (lead, claimed))
    shown = [found.fact.sentence] if found.fact else []
    relevant = list(dict.fromkeys([*shown, *decision.relevant]))[: max(cite.evidence_sentences, 1)]
    doubt = f"The model answered “{lead}”; the passages don't confirm it ({found.why()})."
    weighed = (lead, 0.0 if found.vetoes or not result.supported_sentences else found.probability)
    return answer_of(turn, quote_relevant(doubt, relevant, evidence, passages, merge), EVIDENCE, "model_refused", by, candidate=weighed)


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
