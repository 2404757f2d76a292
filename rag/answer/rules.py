"""The verifier's rules: a lead whose fact one of them refuses is not claimed, whatever the check says.

- **scale and figures**: each figure it states is in the passages with the same scale word beside it;
- **names**: each proper name it states is in the passages, their titles and outlets, or the question;
- **negation**: its clause has the polarity the sentence gives that fact;
- **slot** (the parse stored at ingest): where the sentence has the question's verb, the fact hangs on that verb,
  not inside a clause modifying another ("Y, accompanied by X, led…": X fills "accompany", not "lead").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.arithmetic import computations
from rag.answer.facts import (
    Fact,
    Sentences,
    figures,
)
from rag.read.candidates import ParsedSentence
from rag.read.question import Question
from rag.schema import EvidenceSentence
from rag.text.lexical import fold

_NEGATIONS = frozenset({"not", "n't", "never", "no", "none", "neither", "nor", "without"})

_ANSWER_PARTICLE = re.compile(r"^\s*(?:yes|no)\b[\s,:;.!-]*", re.IGNORECASE)  # "Yes, …" / "No, …" before a lead


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


OUTRANKED = "the check confirms"  # how a rival's refusal begins in words (its code: `Reason.OUTRANKED`)


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


def name_veto(lead_names: list[str], question: str, evidence: list[EvidenceSentence], lead: str = "") -> str:
    """A name the lead states (a person, organisation, place…: the parser's entities) that neither the question nor
    any shown passage, its title or its outlet has, either as written or as its abbreviation or expansion
    ("WCA" where a passage says "Waterways Crew Association", and the other way round)."""
    raw = question + " " + " ".join(f"{e.text} {e.context} {e.outlet}" for e in evidence)
    known = fold(raw)
    missing = [n for n in lead_names if fold(n) and fold(n) not in known and not _abbreviated(n, f"{raw} {lead}", known)]
    return f"no passage names {missing[0]}" if missing else ""


_MINOR = frozenset({"of", "and", "for", "the", "&", "de", "on", "in"})


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w.lower() not in _MINOR and w[:1].isalpha()).upper()


def _abbreviated(name: str, raw: str, known: str) -> bool:
    """``name`` is an abbreviation of a capitalised run of words in ``raw``, or its initials are an abbreviation that
    ``known`` (folded) has. Hand-written: spaCy's abbreviation detector lives in scispacy, not in the stack."""
    words = name.split()
    if len(words) == 1 and name.isupper() and 2 <= len(name) <= 8:
        runs = re.findall(r"(?:[A-Z][\w'&-]*(?:\s+(?:of|and|for|the|&|on|in)\b)?\s+){1,8}[A-Z][\w'&-]*", raw)
        return any(_initials(run.split()[i:]) == name for run in runs for i in range(len(run.split()) - 1))
    initials = _initials(words)
    return len(initials) >= 2 and len(words) >= 2 and initials.lower() in known and bool(re.search(rf"\b{initials}\b", raw))


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
