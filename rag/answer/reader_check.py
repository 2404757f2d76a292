"""The reading model checks the reader's best short candidates before one is claimed (issue "Claim the answers a
reading model confirms"): each against its own sentence, one yes/no token; the fitted claim model over the check
and the reader decides whether the most probable is claimed."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Generator

from rag.answer.models.check import CachedChecker, CheckItem
from rag.answer.outcome import ANSWER, EVIDENCE, NOT_FOUND, UNSURE, Decision, quote_relevant
from rag.answer.turn import AnswerEvent, Draft, Turn
from rag.errors import RagError
from rag.read.claim import ClaimModel, best, options
from rag.read.reader import corroborating
from rag.schema import EvidenceSentence, Passage


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
        return Decision(EVIDENCE, reading)
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
        return Decision(EVIDENCE, reading)
    chosen = found[k].candidate
    support = [chosen.sentence, *corroborating(chosen, reading.scored, evidence, passages)]
    return Decision(ANSWER, dataclasses.replace(reading, short=chosen.text, confidence=probability, kind=chosen.kind, support=support))
