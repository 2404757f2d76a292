"""The features the answer scorer weighs, for every candidate of one question: a few interpretable numbers each.

Of its sentence: how well it supports the question (the support scorer's
lexical + dense mix, read with its passage), its rank and lead over the next
sentence, whether it has the question's verb and asked-for noun, its
passage's retrieval rank. Of the candidate: whether its entity label is what
the wh-word asks for, how close the asked-for noun's meaning is to its label
(spaCy's own description of the label) or to the candidate itself, how far it
sits in the parse from the question's words, whether it merely repeats the
question, its kind and length, and how many articles give the same span.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rag.read.candidates import KINDS, Candidate, ParsedSentence
from rag.read.question import NUMERIC, Question
from rag.support import SupportScorer, content_terms, fold

WINDOW = 6  # tokens either side of a candidate that tell what it is about
QUESTION_TYPES = ("typed", "head", "open", "plural")
FEATURES = (
    # of the candidate's sentence
    "s_score", "s_rank", "s_gap", "s_cos", "s_cos_top", "s_cov", "s_cov_top", "s_lemma", "s_verb", "s_head", "s_year", "s_headline",
    "s_slot", "s_slot_near", "s_slot_dep", "p_rank",
    # of the candidate
    "c_slot", "c_expected", "c_numeric", "c_affinity", "c_head", "c_head_cos", "c_dep", "c_near", "c_repeat", "c_len", "c_share", "c_agree",
    "c_subject", "c_object", "c_clause_cov", "c_clause_verb", "c_np_cov",
    # its kind, the question's kind, and the pairs of them that matter
    *(f"k_{kind}" for kind in KINDS), *(f"q_{kind}" for kind in QUESTION_TYPES),
    "typed_x_sentence", "typed_x_expected", "typed_x_unfilled", "head_x_unfilled", "open_x_clause", "open_x_sentence", "plural_x_list",
    "head_x_noun", "head_x_entity", "repeats",
)  # fmt: skip
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "agent", "pobj"})


def _governor(tokens: list, i: int):
    """The word a candidate depends on, looking through a preposition ("received by X" → received)."""
    head = tokens[tokens[i].head]
    return tokens[head.head] if head.pos == "ADP" else head


_OBJECTS = frozenset({"dobj", "attr", "ccomp", "xcomp", "pobj", "oprd", "acomp"})


@dataclass
class SentenceSignals:
    """What is known of one sentence before its candidates are looked at."""

    score: float
    rank: int
    gap: float  # score minus the best other sentence's
    cosine: float
    coverage: float
    passage_rank: int
    date: str
    doc_id: str
    headline: bool  # no closing punctuation: a headline or caption, which restates more than it answers


def _label_text(label: str) -> str:
    import spacy

    return spacy.explain(label) or label


def question_kind(question: Question) -> dict[str, float]:
    typed = bool(question.expects)
    return {"q_typed": float(typed), "q_head": float(bool(question.head)), "q_open": float(not typed and not question.head), "q_plural": float(question.plural)}


def candidate_features(
    question: Question,
    candidates: list[Candidate],
    sentences: dict[int, ParsedSentence],
    signals: dict[int, SentenceSignals],
    scorer: SupportScorer,
) -> np.ndarray:
    """One row of FEATURES per candidate."""
    kinds = question_kind(question)
    question_terms = set(question.terms)
    idf = scorer.weights.idf
    total = sum(idf(t) for t in question_terms) or 1.0
    affinity = _affinities(question, candidates, sentences, scorer)
    slot = {j: _slots(question, sentence, affinity["label"]) for j, sentence in sentences.items()}
    placed = {j: _placed_slots(question, sentence, slot[j], total, idf) for j, sentence in sentences.items()}
    # the sentence each signal alone would put first: when the dense and the lexical one agree, a reading is surer
    top_cos = max(signals, key=lambda j: signals[j].cosine)
    top_cov = max(signals, key=lambda j: signals[j].coverage)
    spans = {}
    for c in candidates:
        spans.setdefault(fold(c.text), set()).add(signals[c.sentence].doc_id)
    rows = []
    for c in candidates:
        sentence, signal = sentences[c.sentence], signals[c.sentence]
        tokens = sentence.tokens
        inside = set(range(c.start, c.end))
        matching = {i for i, t in enumerate(tokens) if t.lemma in question.lemmas and i not in inside}
        window = [tokens[i] for i in range(max(0, c.start - WINDOW), min(len(tokens), c.end + WINDOW)) if i not in inside]
        near = set(content_terms(" ".join(sentence.text[t.start : t.end] for t in window)))
        own = set(content_terms(c.text))
        head_token = _governor(tokens, c.root)
        clause = _clause(sentence, c.root)
        clause_terms = set(content_terms(" ".join(sentence.text[tokens[i].start : tokens[i].end] for i in clause if i not in inside)))
        low, high = sentence.subtree(c.root)
        phrase_terms = set(content_terms(" ".join(sentence.text[tokens[i].start : tokens[i].end] for i in range(low, high + 1) if i not in inside)))
        row = {
            "s_score": signal.score,
            "s_rank": 1.0 / (1 + signal.rank),
            "s_gap": signal.gap,
            "s_cos": signal.cosine,
            "s_cos_top": float(c.sentence == top_cos),
            "s_cov": signal.coverage,
            "s_cov_top": float(c.sentence == top_cov),
            "s_verb": float(bool(question.verb) and question.verb in sentence.lemmas),
            "s_head": float(bool(question.head) and question.head in sentence.lemmas),
            "s_year": float(not question.years or any(y in sentence.text or signal.date.startswith(y) for y in question.years)),
            "s_headline": float(signal.headline),
            "s_lemma": len(question.lemmas & sentence.lemmas) / len(question.lemmas) if question.lemmas else 0.0,
            "s_slot": max(slot[c.sentence].values(), default=0.0),
            "s_slot_near": placed[c.sentence][0],
            "s_slot_dep": placed[c.sentence][1],
            "c_slot": max((v for (start, end), v in slot[c.sentence].items() if c.start <= start and end <= c.end), default=0.0),
            "p_rank": 1.0 / (1 + signal.passage_rank),
            "c_expected": float(c.label in question.expects),
            "c_numeric": float(question.wh.startswith("how") and c.label in NUMERIC),
            "c_affinity": affinity["label"].get(c.label, 0.0),
            "c_head": float(bool(question.head) and _holds_head(question.head, sentence, c)),
            "c_head_cos": affinity["span"].get((c.sentence, c.start, c.end), 0.0),
            "c_dep": 1.0 / (1 + sentence.distance(inside, matching)),
            "c_near": sum(idf(t) for t in question_terms & near) / total,
            "c_repeat": len(own & question_terms) / len(own) if own else 1.0,
            "c_len": math.log1p(c.end - c.start),
            "c_share": (c.end - c.start) / max(len(tokens), 1),
            "c_agree": min(len(spans[fold(c.text)]), 3) / 3,
            "c_subject": float(tokens[c.root].dep in _SUBJECTS and head_token.lemma == question.verb),
            "c_object": float(tokens[c.root].dep in _OBJECTS and head_token.lemma == question.verb),
            "c_clause_cov": sum(idf(t) for t in question_terms & clause_terms) / total,
            "c_clause_verb": float(bool(question.verb) and any(tokens[i].lemma == question.verb and tokens[i].pos == "VERB" for i in clause)),
            "c_np_cov": sum(idf(t) for t in question_terms & phrase_terms) / total,
            **{f"k_{kind}": float(c.kind == kind) for kind in KINDS},
            **kinds,
        }
        row["typed_x_sentence"] = kinds["q_typed"] * row["k_sentence"]
        row["typed_x_expected"] = kinds["q_typed"] * row["c_expected"]
        # a candidate holding nothing of the asked-for kind ("who…?" answered by a clause with no person in it)
        row["typed_x_unfilled"] = kinds["q_typed"] * float(row["c_slot"] < 1.0)
        row["head_x_unfilled"] = kinds["q_head"] * (1.0 - row["c_slot"])
        row["repeats"] = float(row["c_repeat"] >= 0.5)  # mostly the question's own words: it cannot be the answer
        row["open_x_clause"] = kinds["q_open"] * row["k_clause"]
        row["open_x_sentence"] = kinds["q_open"] * row["k_sentence"]
        row["plural_x_list"] = kinds["q_plural"] * row["k_list"]
        row["head_x_noun"] = kinds["q_head"] * row["k_noun"]
        row["head_x_entity"] = kinds["q_head"] * row["k_entity"]
        rows.append([row[name] for name in FEATURES])
    return np.array(rows, dtype=np.float32).reshape(len(rows), len(FEATURES))


def _clause(sentence: ParsedSentence, i: int) -> list[int]:
    """The tokens of the clause a token belongs to: the subtree of its nearest verb ancestor (or the sentence root)."""
    tokens = sentence.tokens
    j, steps = tokens[i].head, 0
    while tokens[j].pos not in ("VERB", "AUX") and tokens[j].head != j and steps < 50:
        j, steps = tokens[j].head, steps + 1
    low, high = sentence.subtree(j)
    return list(range(low, high + 1))


def _placed_slots(question: Question, sentence: ParsedSentence, slots: dict[tuple[int, int], float], total: float, idf) -> tuple[float, float]:
    """How well the sentence's best slot filler sits among the question's words: (fit × share of the question said
    within a few tokens of it, fit × closeness in the parse to a question word). A sentence naming a person far from
    what the question asks about answers it less than one naming them beside it."""
    tokens = sentence.tokens
    question_terms = set(question.terms)
    near_best = dep_best = 0.0
    for (start, end), fit in slots.items():
        if fit <= 0:
            continue
        inside = set(range(start, end))
        window = [tokens[i] for i in range(max(0, start - WINDOW), min(len(tokens), end + WINDOW)) if i not in inside]
        near = set(content_terms(" ".join(sentence.text[t.start : t.end] for t in window)))
        matching = {i for i, t in enumerate(tokens) if t.lemma in question.lemmas and i not in inside}
        near_best = max(near_best, fit * sum(idf(t) for t in question_terms & near) / total)
        dep_best = max(dep_best, fit / (1 + sentence.distance(inside, matching)))
    return near_best, dep_best


def _slots(question: Question, sentence: ParsedSentence, label_affinity: dict[str, float]) -> dict[tuple[int, int], float]:
    """Each entity of the sentence that could fill the asked-for slot, and how well: 1 for a label the wh-word asks
    for, else the asked-for noun's affinity with its label. Entities the question itself names fill nothing."""
    asked = fold(question.text)
    found = {}
    for e in sentence.annotation.entities:
        text = sentence.text[sentence.tokens[e.start].start : sentence.tokens[e.end - 1].end]
        if fold(text) and fold(text) in asked:
            continue
        fit = 1.0 if e.label in question.expects else label_affinity.get(e.label, 0.0) if question.head else 0.0
        found[(e.start, e.end)] = fit
    return found


def _holds_head(head: str, sentence: ParsedSentence, c: Candidate) -> bool:
    """The asked-for noun is in the candidate, or names it ("courier company TCS", "TCS, the courier")."""
    tokens = sentence.tokens
    if any(tokens[i].lemma == head for i in range(c.start, c.end)):
        return True
    attached = [*sentence.children[c.root], tokens[c.root].head]
    return any(
        (tokens[i].lemma == head and tokens[i].dep in ("compound", "appos", "amod", "nmod")) or (tokens[i].dep == "appos" and tokens[i].lemma == head) for i in attached
    )


# the NER model's labels (en_core_web_sm's inventory; spacy.explain describes each)
LABELS = (
    "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY",
    "NORP", "ORDINAL", "ORG", "PERCENT", "PERSON", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART",
)  # fmt: skip


def _affinities(question: Question, candidates: list[Candidate], sentences: dict[int, ParsedSentence], scorer: SupportScorer) -> dict[str, dict]:
    """How well each entity label fits the asked-for noun (its cosine with the label's description, as a share of the
    best-fitting label's: the noun's own kind scores 1), and each short candidate's cosine with the noun."""
    if not question.head or scorer.embedding is None:
        return {"label": {}, "span": {}}
    short = [c for c in candidates if c.kind in ("entity", "noun", "list") and c.end - c.start <= 8]
    texts = [question.head, *(_label_text(label) for label in LABELS), *(c.text for c in short)]
    vectors = scorer.embed(texts)
    cosines = vectors[1:] @ vectors[0]
    fit = np.clip(cosines[: len(LABELS)], 0.0, None)
    fit = fit / max(float(fit.max()), 1e-9)
    return {
        "label": {label: float(fit[k]) for k, label in enumerate(LABELS)},
        "span": {(c.sentence, c.start, c.end): float(cosines[len(LABELS) + k]) for k, c in enumerate(short)},
    }
