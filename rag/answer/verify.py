"""Verify what a generating model claims: its short answer must be the fact its sentence gives for the question.

Citation support (`rag.answer.cite`) only asks whether a sentence shares the answer's
words, so a plausible wrong answer passes it: the other minister of the same
sentence, "$239 billion" for "$239 million", a year from another clause, a
sentence that says the opposite. Here the model's lead (its first sentence)
is read as one fact, found among the reader's candidate spans of the
passages, and refused as a claim when any of these says it is not the
answer:

- **scale and figures**: each figure it states is in the passages with the
  same scale word (thousand/million/billion, per cent) beside it;
- **names**: each proper name it states is in the passages or the question;
- **negation**: its clause has the polarity the sentence gives that fact;
- **slot** (the parse stored at ingest): where the sentence has the question's
  verb, the fact hangs on that verb, not on another one of the sentence
  ("Y, accompanied by X, led…": X fills "accompany", not "lead");
- **the reading model's check** (`rag.answer.models.check`), put to the fact and to its
  rivals (the other spans of its sentence of the same kind, and the reader's
  own best answer): a logistic model over the fact's P(yes) and its margin
  over the best rival, fitted on the dev sets with the oracle (right answers)
  and the liar (same-kind wrong ones) by `python -m rag.evaluate.fit_verify`,
  decides, and its probability is the confidence shown.

Hand-written: no library in the stack verifies a generated answer's facts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np

from rag.answer.facts import (
    READER_RANKS,
    Fact,
    Sentences,
    find_fact,
    more_facts,
    reader_view,
    rivals,
)
from rag.answer.models.check import CheckItem
from rag.answer.rules import (
    OUTRANKED,
    LeadParse,
    figure_veto,
    name_veto,
    negation_veto,
    questions_negation,
    slot_veto,
)
from rag.read.claim import FittedLogistic, logit
from rag.read.question import Question
from rag.read.reader import Scored
from rag.schema import DOUBTS, EvidenceSentence, Passage, Reason

VERIFY_FILE = Path(__file__).with_name("verify_model.json")


FEATURES = ("check_logit", "margin", "reader_logit", "reader_first", "rule_doubt")


MARGIN_CAP = 8.0


@dataclass
class Verdict:
    """What the verifier found: the fact, the check's answers for it and its rivals, the rules that refused it, and
    the fitted probability that it is right (0 when a rule refused it or nothing could check it)."""

    lead: str
    fact: Fact | None
    p_fact: float = 0.0
    rivals: list[tuple[str, float]] = field(default_factory=list)
    vetoes: list[str] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)  # what the slot and negation rules found: features, not vetoes
    codes: list[Reason] = field(default_factory=list)  # each veto's and doubt's `Reason`, in the order found
    probability: float = 0.0
    claimed: bool = False
    checked_by: str = ""
    reader: float = 0.0  # the reader's probability for the fact (its most probable span that says the same)
    reader_rank: int = READER_RANKS  # where the reader ranks it among its distinct candidates (0: its own first choice)
    parts: list[Verdict] = field(default_factory=list)  # a two-part question's lead, one verdict per part
    more: list[tuple[str, float]] = field(default_factory=list)  # the lead's other facts and the check's P(yes) for each

    def features(self) -> list[float]:
        if self.parts:  # the weakest part's: a two-part answer is as right as its least confirmed part
            return min((p.features() for p in self.parts), key=lambda f: f[0])
        return self.own_features()

    def own_features(self) -> list[float]:
        """FEATURES: the check's log-odds for the fact (the least confirmed of the facts the lead states), the main
        fact's margin over its best rival, the reader's log-odds for it, whether it is the reader's own first
        choice (two readers agreeing), and whether the slot or negation rule doubts it (rules that misread a clause
        often enough — "the subject of 'led', asked with 'came'" — to be weighed, not obeyed)."""
        best_rival = max((p for _, p in self.rivals), default=0.0)
        margin = max(-MARGIN_CAP, min(MARGIN_CAP, logit(self.p_fact) - logit(best_rival)))
        weakest = min([self.p_fact, *(p for _, p in self.more)])  # a lead is as confirmed as its least confirmed fact
        return [logit(weakest), margin, logit(self.reader), float(self.reader_rank == 0), float(bool(self.doubts))]

    def found(self, code: Reason, said: str) -> None:
        """A rule's finding ``said`` (nothing when empty): a veto, or a doubt for the slot and negation rules."""
        if said:
            (self.doubts if code in DOUBTS else self.vetoes).append(said)
            self.codes.append(code)

    def reasons(self) -> list[Reason]:
        """Why it is not claimed, as codes (empty when it is): the rules' (each part's, for a two-part lead), else
        that nothing states it, else the judge's probability short of its threshold."""
        if self.claimed:
            return []
        why = [*self.codes, *(c for p in self.parts for c in p.codes)]
        if not self.fact:
            why.append(Reason.NOT_STATED)
        if not self.checked_by:
            why.append(Reason.UNCHECKED)
        elif all(c in DOUBTS for c in why):
            why.append(Reason.BELOW_THRESHOLD)
        return list(dict.fromkeys(why))

    def why(self) -> str:
        """The reason in words, for the answer's notice."""
        if self.vetoes:
            return "; ".join(self.vetoes)
        if not self.fact:
            return "nothing in the passages states it"
        if self.doubts:
            return f"{'; '.join(self.doubts)}, and the check gives it P(yes) {self.p_fact:.2f}"
        weakest = min(self.more, key=lambda r: r[1], default=None)
        if weakest is not None and weakest[1] < self.p_fact:
            return f"the check gives “{weakest[0]}” P(yes) {weakest[1]:.2f}"
        rival = max(self.rivals, key=lambda r: r[1], default=None)
        beside = f"; “{rival[0]}” {rival[1]:.2f}" if rival else ""
        return f"the check gives “{self.fact.text}” P(yes) {self.p_fact:.2f}{beside}"


@dataclass(frozen=True)
class VerifyModel(FittedLogistic):
    """The verifier: over the check of a lead's facts and their rivals and the reader's view (FEATURES)."""

    refuse_outranked: bool = False  # a rival the check confirms more strongly than the fact refuses it (fitted choice)

    ALL: ClassVar[tuple[str, ...]] = FEATURES
    REFIT: ClassVar[str] = "rag.evaluate.fit_verify"
    FILE: ClassVar[Path] = VERIFY_FILE

    def probability(self, features: list[float]) -> float:
        chosen = [features[FEATURES.index(f)] for f in self.features]
        x = (np.asarray(chosen, dtype=np.float64) - self.mean) / self.scale
        return float(1.0 / (1.0 + math.exp(-(self.intercept + float(x @ self.coef)))))

    @classmethod
    def from_dict(cls, data: dict, **more: object) -> VerifyModel:
        return super().from_dict(data, refuse_outranked=bool(data.get("refuse_outranked", False)), **more)


@lru_cache(maxsize=2)
def load_verify_model(path: Path = VERIFY_FILE) -> VerifyModel | None:
    return VerifyModel.load(path)


def verdict(
    lead: str,
    asked: str,
    question: Question,
    evidence: list[EvidenceSentence],
    passages: list[Passage],
    scored: Scored | None,
    support: list[float],
    parse: LeadParse,
    checker,
) -> Verdict:
    """Read the lead as one fact, apply the rules, and (with a checker) ask the check about it and its rivals. The
    decision is left to `decide`: fitting reads the same verdicts."""
    sentences = Sentences(evidence, passages)
    found = find_fact(lead, question, sentences, support) if evidence else None
    result = Verdict(lead, found)
    if not evidence:
        result.found(Reason.NOT_ABOUT, "nothing was retrieved")
        return result
    result.found(Reason.FIGURE_ABSENT, figure_veto(lead, asked, evidence))
    result.found(Reason.NAME_ABSENT, name_veto(parse.names, asked, evidence, lead))
    fact = found or Fact(int(np.argmax(support)), lead)
    result.fact = fact
    result.reader, result.reader_rank = reader_view(fact.text, scored)
    if found is not None:
        result.found(Reason.SLOT_DOUBT, slot_veto(fact, question, sentences))
        result.found(Reason.NEGATION_DOUBT, negation_veto(fact, parse.negated, questions_negation(asked), sentences))
    if checker is None:
        return result
    others = rivals(fact, question, sentences, scored)
    extra = more_facts(lead, fact, question, sentences, support) if found is not None else []
    items = [CheckItem(evidence[j].text, asked, text) for j, text in [(fact.sentence, fact.text), *others, *((f.sentence, f.text) for f in extra)]]
    answers = checker.p_yes(items)
    result.p_fact = answers[0]
    result.rivals = [(text, p) for (_, text), p in zip(others, answers[1 : 1 + len(others)], strict=True)]
    result.more = [(f.text, p) for f, p in zip(extra, answers[1 + len(others) :], strict=True)]
    result.checked_by = f"checked by {checker.name}, {checker.where}"
    return result


_PIECES = re.compile(r"\s*;\s*|,?\s+and\s+(?=the\b|[A-Z0-9$£€])")


def pieces(lead: str, n: int) -> list[str]:
    """A two-part answer's lead in its ``n`` parts ("X cost 3.2 million pounds; the prize went to Y"), or [] when it
    does not split so."""
    found = [p for p in _PIECES.split(lead) if p.strip()]
    return found if len(found) == n else []


def combine(lead: str, parts: list[Verdict]) -> Verdict:
    """One verdict for a two-part lead: every part's rules, checked by the same model."""
    vetoes = [v for p in parts for v in p.vetoes]
    doubts = [d for p in parts for d in p.doubts]
    return Verdict(lead, parts[0].fact, min(p.p_fact for p in parts), [], vetoes, doubts, checked_by=parts[0].checked_by, parts=parts)


def decide(result: Verdict, model: VerifyModel | None) -> Verdict:
    """Claim the fact when no rule refused it and the fitted model's probability clears its threshold (every part's,
    for a two-part answer; its confidence is the least part's)."""
    if model is None or not result.checked_by:
        return result
    if result.parts:
        for part in result.parts:
            decide(part, model)
        result.probability = min(p.probability for p in result.parts)
        result.claimed = all(p.claimed for p in result.parts)
        return result
    result.probability = model.probability(result.features())
    rival = max(result.rivals, key=lambda r: r[1], default=None)
    if model.refuse_outranked and rival is not None and rival[1] > result.p_fact:
        result.found(Reason.OUTRANKED, f"{OUTRANKED} “{rival[0]}” more ({rival[1]:.2f} against {result.p_fact:.2f})")
    result.claimed = not result.vetoes and result.fact is not None and result.probability >= model.threshold
    return result
