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

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.answer.arithmetic import computations
from rag.answer.models.check import CheckItem
from rag.read.candidates import Candidate, ParsedSentence, candidates
from rag.read.claim import logit, options
from rag.read.evidence import EvidenceSentence
from rag.read.question import Question
from rag.read.reader import Scored
from rag.schema import Passage
from rag.text.lexical import content_terms, fold, overlaps
from rag.text.parse import Annotation

VERIFY_FILE = Path(__file__).with_name("verify_model.json")
FEATURES = ("check_logit", "margin", "reader_logit", "reader_first")
RIVALS = 3  # same-kind spans of the fact's sentence put to the check beside it
MARGIN_CAP = 8.0
READER_RANKS = 20  # the rank given to a fact the reader did not find among its candidates

_SCALES = {
    "thousand": "thousand",
    "k": "thousand",
    "million": "million",
    "mn": "million",
    "m": "million",
    "mln": "million",
    "billion": "billion",
    "bn": "billion",
    "b": "billion",
    "trillion": "trillion",
    "tn": "trillion",
    "crore": "crore",
    "lakh": "lakh",
    "percent": "percent",
    "per cent": "percent",
    "%": "percent",
    "pc": "percent",
}
_FIGURE = re.compile(r"(\d+(?:[.,]\d+)*)(?:\s*(per cent|percent|thousand|million|billion|trillion|crore|lakh|mln|mn|bn|tn|pc|%|k|m|b)(?![\w]))?", re.IGNORECASE)
_NEGATIONS = frozenset({"not", "n't", "never", "no", "none", "neither", "nor", "without"})
_ANSWER_PARTICLE = re.compile(r"^\s*(?:yes|no)\b[\s,:;.!-]*", re.IGNORECASE)


def figures(text: str) -> set[tuple[str, str]]:
    """(number, scale) pairs as written: "$239 million" → ("239", "million"); a bare figure's scale is ""."""
    return {(m.group(1).replace(",", ""), _SCALES.get((m.group(2) or "").lower(), "")) for m in _FIGURE.finditer(text)}


@dataclass(frozen=True)
class Fact:
    """The model's short answer read as one span of one evidence sentence (``candidate`` None: no span matched,
    the lead itself against the sentence that supports it best)."""

    sentence: int
    text: str
    candidate: Candidate | None = None


@dataclass
class Verdict:
    """What the verifier found: the fact, the check's answers for it and its rivals, the rules that refused it, and
    the fitted probability that it is right (0 when a rule refused it or nothing could check it)."""

    lead: str
    fact: Fact | None
    p_fact: float = 0.0
    rivals: list[tuple[str, float]] = field(default_factory=list)
    vetoes: list[str] = field(default_factory=list)
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
        fact's margin over its best rival, the reader's log-odds for it, and whether it is the reader's own first
        choice (two readers agreeing)."""
        best_rival = max((p for _, p in self.rivals), default=0.0)
        margin = max(-MARGIN_CAP, min(MARGIN_CAP, logit(self.p_fact) - logit(best_rival)))
        weakest = min([self.p_fact, *(p for _, p in self.more)])  # a lead is as confirmed as its least confirmed fact
        return [logit(weakest), margin, logit(self.reader), float(self.reader_rank == 0)]

    def why(self) -> str:
        """The reason in words, for the answer's notice."""
        if self.vetoes:
            return "; ".join(self.vetoes)
        if not self.fact:
            return "nothing in the passages states it"
        weakest = min(self.more, key=lambda r: r[1], default=None)
        if weakest is not None and weakest[1] < self.p_fact:
            return f"the check gives “{weakest[0]}” P(yes) {weakest[1]:.2f}"
        rival = max(self.rivals, key=lambda r: r[1], default=None)
        beside = f"; “{rival[0]}” {rival[1]:.2f}" if rival else ""
        return f"the check gives “{self.fact.text}” P(yes) {self.p_fact:.2f}{beside}"


@dataclass(frozen=True)
class VerifyModel:
    """Logistic regression over FEATURES and the threshold to claim at, fitted for one checking model."""

    checker: str
    checker_name: str
    features: tuple[str, ...]  # the subset of FEATURES the fit kept
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    refuse_outranked: bool = False  # a rival the check confirms more strongly than the fact refuses it (fitted choice)

    def probability(self, features: list[float]) -> float:
        chosen = [features[FEATURES.index(f)] for f in self.features]
        x = (np.asarray(chosen, dtype=np.float64) - self.mean) / self.scale
        return float(1.0 / (1.0 + math.exp(-(self.intercept + float(x @ self.coef)))))

    @classmethod
    def from_dict(cls, data: dict) -> VerifyModel:
        if not set(data["features"]) <= set(FEATURES):
            raise ValueError("verify_model.json was fitted on other features: run python -m rag.evaluate.fit_verify")
        arrays = (np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef"))
        return cls(
            data["checker"]["key"], data["checker"]["name"], tuple(data["features"]), *arrays, float(data["intercept"]), float(data["threshold"]),
            bool(data.get("refuse_outranked", False)),
        )  # fmt: skip


@lru_cache(maxsize=2)
def load_verify_model(path: Path = VERIFY_FILE) -> VerifyModel | None:
    try:
        return VerifyModel.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


def lead_of(text: str) -> str:
    """The model's short answer: its first sentence (or line), without markers."""
    from rag.answer.cite import strip_markers
    from rag.text.sentences import split_sentences

    first = text.strip().split("\n", 1)[0]
    sentences = split_sentences(first)
    return strip_markers(sentences[0] if sentences else first).strip()


class Sentences:
    """Every evidence sentence parsed from the annotation stored at ingest, with its candidate spans, built on demand."""

    def __init__(self, evidence: list[EvidenceSentence], passages: list[Passage]) -> None:
        self.evidence, self.passages = evidence, passages
        self._annotations: dict[int, Annotation] = {}
        self._parsed: dict[int, ParsedSentence] = {}
        self._spans: dict[int, list[Candidate]] = {}

    def parsed(self, j: int) -> ParsedSentence:
        if j not in self._parsed:
            ev = self.evidence[j]
            if ev.passage not in self._annotations:
                self._annotations[ev.passage] = Annotation.loads(self.passages[ev.passage].annotation)
            self._parsed[j] = ParsedSentence(j, ev.text, self._annotations[ev.passage].within(ev.offset, ev.offset + len(ev.text)))
        return self._parsed[j]

    def spans(self, j: int) -> list[Candidate]:
        if j not in self._spans:
            self._spans[j] = [c for c in candidates(self.parsed(j)) if c.kind != "sentence"]
        return self._spans[j]

    def distinct(self) -> list[int]:
        seen: set[str] = set()
        order = []
        for j, ev in enumerate(self.evidence):
            if ev.text not in seen:
                seen.add(ev.text)
                order.append(j)
        return order


def _new_terms(text: str, question: Question) -> int:
    asked = set(question.terms) | set(question.years)
    return len([t for t in content_terms(text) if t not in asked])


def words_key(text: str) -> str:
    """The text's words, letters and digits only, lower-cased, space-separated and padded: a span is *in* a lead when
    its key is in the lead's key, whole words only ("Dar" is not in "a roadmap")."""
    return " " + " ".join(fold(w) for w in re.findall(r"[^\W_]+", text.lower())) + " "


def find_fact(lead: str, question: Question, sentences: Sentences, support: list[float]) -> Fact | None:
    """The span of the passages the lead states as its answer: among spans it repeats that add words the question
    lacks, one of the kind the question asks for first, then the most new words, then the longest, then the sentence
    that supports the lead best. None when it repeats none."""
    folded = words_key(lead)
    best: tuple | None = None
    chosen: Fact | None = None
    for j in sentences.distinct():
        for span in sentences.spans(j):
            key = words_key(span.text)
            if len(key) < 4 or key not in folded or not _new_terms(span.text, question):
                continue
            rank = (span.label in question.expects, _new_terms(span.text, question), len(key), support[j])
            if best is None or rank > best:
                best, chosen = rank, Fact(j, span.text, span)
    return chosen


MORE_FACTS = 2  # further named entities, figures or dates a lead states beside its main fact, each checked too


def more_facts(lead: str, main: Fact, question: Question, sentences: Sentences, support: list[float]) -> list[Fact]:
    """The other facts the lead states: named entities, figures and dates of the passages it repeats outside its main
    fact and the question ("The pier, <Harbour Trust> said, reopens in June": the name is checked beside the date),
    each with the sentence stating it that supports the lead best."""
    taken = [words_key(main.text)]
    found: dict[str, Fact] = {}
    folded = words_key(lead)
    for j in sorted(sentences.distinct(), key=lambda j: -support[j]):
        for span in sentences.spans(j):
            key = words_key(span.text)
            if span.kind != "entity" or len(key) < 4 or key not in folded or key in found or not _new_terms(span.text, question):
                continue
            if any(key in t or t in key for t in taken):
                continue
            found[key] = Fact(j, span.text, span)
            taken.append(key)
    return list(found.values())[:MORE_FACTS]


def rivals(fact: Fact, question: Question, sentences: Sentences, scored: Scored | None) -> list[tuple[int, str]]:
    """What the fact competes with: the other spans of its sentence of the same kind (entity label, or span kind),
    and the reader's most probable short answer; none overlapping the fact or the question."""
    out: list[tuple[int, str]] = []

    def add(j: int, text: str) -> None:
        if fold(text) and not any(overlaps(text, t) for t in [fact.text, *(t for _, t in out)]) and _new_terms(text, question):
            out.append((j, text))

    if fact.candidate is not None:
        same = [c for c in sentences.spans(fact.sentence) if (c.label or c.kind) == (fact.candidate.label or fact.candidate.kind)]
        for c in same:
            if len([o for o in out if o[0] == fact.sentence]) < RIVALS:
                add(fact.sentence, c.text)
    if scored is not None:
        for top in options(scored.candidates, scored.probabilities, 1):  # the reader's most probable short answer
            add(top.candidate.sentence, top.candidate.text)
    return out


def reader_view(fact: str, scored: Scored | None) -> tuple[float, int]:
    """The reader's probability for the fact (its most probable candidate saying the same) and that candidate's rank
    among the reader's distinct candidate texts."""
    if scored is None or not scored.candidates:
        return 0.0, READER_RANKS
    order = sorted(range(len(scored.candidates)), key=lambda k: -scored.probabilities[k])
    seen: list[str] = []
    for k in order:
        text = fold(scored.candidates[k].text)
        if text in seen:
            continue
        if len(seen) >= READER_RANKS:
            break
        if overlaps(scored.candidates[k].text, fact) and len(fold(scored.candidates[k].text)) <= 2 * len(fold(fact)) + 8:
            return float(scored.probabilities[k]), len(seen)
        seen.append(text)
    return 0.0, READER_RANKS


def _governing_verb(sentence: ParsedSentence, token: int) -> int | None:
    """The nearest verb at or above ``token`` in the dependency tree (None: it hangs on no verb)."""
    seen = set()
    while token not in seen:
        seen.add(token)
        if sentence.tokens[token].pos == "VERB":
            return token
        head = sentence.tokens[token].head
        if head == token:
            return None
        token = head
    return None


def _negated(sentence: ParsedSentence, verb: int | None) -> bool:
    if verb is None:
        return False
    return any(sentence.tokens[c].dep == "neg" or sentence.tokens[c].lemma in ("never", "no") for c in sentence.children[verb])


_MODIFIER_CLAUSES = frozenset({"acl", "relcl", "advcl"})
# How each rule's refusal begins or says its reason (Verdict.why): the eval counts a doubt by its reason in words, since
# the Answer JSON carries the text, not the verdict. Keep in step with the vetoes' wording below.
RULE_REASONS = ("no passage gives", "no passage names", "the passages give", "the sentence says the opposite", "says in that sentence, not")
OUTRANKED = "the check confirms"


def slot_veto(fact: Fact, question: Question, sentences: Sentences) -> str:
    """The fact fills a clause that only modifies the sentence (a noun's participle or relative clause, an adverbial
    clause: "Y, accompanied by X, led…"; "the bridge, built in 1964, was closed in 2019") while the question asks about
    the sentence's own verb, which lies outside that clause. Only then: a fact under any other verb may still be the
    answer (the question's words are not the sentence's), so that is left to the check."""
    if fact.candidate is None or not question.verb:
        return ""
    sentence = sentences.parsed(fact.sentence)
    asked = [i for i, t in enumerate(sentence.tokens) if t.lemma == question.verb and t.pos == "VERB"]
    verb = _governing_verb(sentence, fact.candidate.root)
    if not asked or verb is None or verb in asked:
        return ""
    token = sentence.tokens[verb]
    if token.dep not in _MODIFIER_CLAUSES or token.lemma in question.lemmas:
        return ""
    low, high = sentence.subtree(verb)
    if any(low <= i <= high for i in asked):
        return ""
    return f"“{fact.text}” is what “{token.lemma}” says in that sentence, not “{question.verb}”"


def negation_veto(fact: Fact, lead_negated: bool | None, question_negated: bool, sentences: Sentences) -> str:
    """The sentence negates the verb the fact hangs on, and the lead (the question, when the lead has no verb) does not."""
    if fact.candidate is None:
        return ""
    sentence = sentences.parsed(fact.sentence)
    stated = _negated(sentence, _governing_verb(sentence, fact.candidate.root))
    said = question_negated if lead_negated is None else lead_negated
    # only a sentence that denies what the lead asserts: a lead's "not" may word a right answer the sentence states
    # positively ("it did not grow" for "it fell"), so that direction is left to the check
    return "the sentence says the opposite" if stated and not said else ""


def figure_veto(lead: str, question: str, evidence: list[EvidenceSentence]) -> str:
    """A figure of the lead (not the question's, nor one it computed from figures the passages state: `rag.answer.arithmetic`
    shows those with their sums) that no sentence gives with the same scale word."""
    stated = set().union(*(figures(f"{e.text} {e.date}") for e in evidence)) if evidence else set()
    operands = " ".join([question, *(e.text for e in evidence)])
    computed = {n for c in computations(lead, operands, operands) for n, _ in figures(c.result.text)}
    asked = {n for n, _ in figures(question)} | computed
    for number, scale in sorted(figures(lead)):
        if number in asked:
            continue
        scales = {s for n, s in stated if n == number}
        if not scales:
            return f"no passage gives the figure {number}"
        if scale and scale not in scales:
            return f"the passages give {number} in {' or '.join(sorted(s or 'units' for s in scales))}, not {scale}"
        if not scale and "" not in scales:
            return f"the passages give {number} in {' or '.join(sorted(scales))}"
    return ""


_NAMED = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"})


def name_veto(lead_names: list[str], question: str, evidence: list[EvidenceSentence]) -> str:
    """A name the lead states (a person, organisation, place…: the parser's entities) that neither the question nor
    any shown passage, its title or its outlet has."""
    known = fold(question + " " + " ".join(f"{e.text} {e.context} {e.outlet}" for e in evidence))
    missing = [n for n in lead_names if fold(n) and fold(n) not in known]
    return f"no passage names {missing[0]}" if missing else ""


@dataclass(frozen=True)
class LeadParse:
    """What the verifier needs of the lead's own parse: its proper names, and its polarity (None: it has no verb)."""

    names: list[str]
    negated: bool | None

    @classmethod
    def of(cls, lead: str, nlp) -> LeadParse:
        doc = nlp(_ANSWER_PARTICLE.sub("", lead) or lead)
        names = [e.text for e in doc.ents if e.label_ in _NAMED]
        verbs = [t for t in doc if t.pos_ in ("VERB", "AUX")]
        negated = any(t.dep_ == "neg" or t.lower_ in _NEGATIONS for t in doc) if verbs else None
        return cls(names, negated)


def questions_negation(question_text: str) -> bool:
    return any(w in _NEGATIONS for w in re.findall(r"[a-z']+|n't", question_text.lower()))


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
        result.vetoes.append("nothing was retrieved")
        return result
    for veto in (figure_veto(lead, asked, evidence), name_veto(parse.names, asked, evidence)):
        if veto:
            result.vetoes.append(veto)
    fact = found or Fact(int(np.argmax(support)), lead)
    result.fact = fact
    result.reader, result.reader_rank = reader_view(fact.text, scored)
    if found is not None:
        for veto in (slot_veto(fact, question, sentences), negation_veto(fact, parse.negated, questions_negation(asked), sentences)):
            if veto:
                result.vetoes.append(veto)
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
    return Verdict(lead, parts[0].fact, min(p.p_fact for p in parts), [], vetoes, checked_by=parts[0].checked_by, parts=parts)


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
        result.vetoes.append(f"{OUTRANKED} “{rival[0]}” more ({rival[1]:.2f} against {result.p_fact:.2f})")
    result.claimed = not result.vetoes and result.fact is not None and result.probability >= model.threshold
    return result
