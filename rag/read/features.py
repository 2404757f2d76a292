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
from rag.read.support import SupportScorer
from rag.text.lexical import content_terms, fold

WINDOW = 6  # tokens either side of a candidate that tell what it is about
QUESTION_TYPES = ("typed", "head", "open", "plural")
FEATURES = (
    # of the candidate's sentence
    "s_score", "s_rank", "s_gap", "s_cos", "s_cos_top", "s_cov", "s_cov_top", "s_lemma", "s_verb", "s_head", "s_year", "s_headline",
    "s_slot", "s_slot_near", "s_slot_dep", "s_slot_role", "p_rank",
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


_DESCRIPTIONS: dict[str, str] = {}  # NER label → spaCy's description of it, looked up once per process


def label_descriptions() -> dict[str, str]:
    """Each NER label's description (`spacy.explain`). A one-shot command's parser process sends these with the
    question's parse (rag.read.parse_ahead, `remember_descriptions`), so the command itself never imports spaCy (≈1 s)."""
    if not _DESCRIPTIONS:
        import spacy

        _DESCRIPTIONS.update({label: spacy.explain(label) or label for label in LABELS})
    return _DESCRIPTIONS


def remember_descriptions(descriptions: dict[str, str]) -> None:
    _DESCRIPTIONS.update({label: descriptions[label] for label in LABELS if label in descriptions})


def question_kind(question: Question) -> dict[str, float]:
    typed = bool(question.expects)
    return {"q_typed": float(typed), "q_head": float(bool(question.head)), "q_open": float(not typed and not question.head), "q_plural": float(question.plural)}


@dataclass
class _Question:
    """What every candidate of one question is measured against (computed once per question)."""

    question: Question
    terms: set[str]
    idf: object
    total: float
    kinds: dict[str, float]
    affinity: dict[str, dict]
    slot: dict[int, dict[tuple[int, int], float]]
    placed: dict[int, tuple[float, float]]
    top_cos: int
    top_cov: int
    spans: dict[str, set[str]]


def candidate_features(
    question: Question,
    candidates: list[Candidate],
    sentences: dict[int, ParsedSentence],
    signals: dict[int, SentenceSignals],
    scorer: SupportScorer,
) -> np.ndarray:
    """One row of FEATURES per candidate."""
    terms = set(question.terms)
    idf = scorer.weights.idf
    total = sum(idf(t) for t in terms) or 1.0
    affinity = _affinities(question, candidates, sentences, scorer)
    slot = {j: _slots(question, sentence, affinity["label"]) for j, sentence in sentences.items()}
    spans: dict[str, set[str]] = {}
    for c in candidates:
        spans.setdefault(fold(c.text), set()).add(signals[c.sentence].doc_id)
    ctx = _Question(
        question, terms, idf, total, question_kind(question), affinity, slot,
        {j: _placed_slots(question, sentence, slot[j], total, idf) for j, sentence in sentences.items()},
        # the sentence each signal alone would put first: when the dense and the lexical one agree, a reading is surer
        max(signals, key=lambda j: signals[j].cosine), max(signals, key=lambda j: signals[j].coverage), spans,
    )  # fmt: skip
    sentence_rows = {j: _sentence_features(ctx, sentences[j], signals[j]) for j in sentences}
    rows = []
    for c in candidates:
        row = {**sentence_rows[c.sentence], **_candidate_features(ctx, sentences[c.sentence], c), **ctx.kinds}
        row.update(_pairs(ctx.kinds, row))
        rows.append([row[name] for name in FEATURES])
    return np.array(rows, dtype=np.float32).reshape(len(rows), len(FEATURES))


def _sentence_features(ctx: _Question, sentence: ParsedSentence, signal: SentenceSignals) -> dict[str, float]:
    q = ctx.question
    return {
        "s_score": signal.score,
        "s_rank": 1.0 / (1 + signal.rank),
        "s_gap": signal.gap,
        "s_cos": signal.cosine,
        "s_cos_top": float(sentence.index == ctx.top_cos),
        "s_cov": signal.coverage,
        "s_cov_top": float(sentence.index == ctx.top_cov),
        "s_lemma": len(q.lemmas & sentence.lemmas) / len(q.lemmas) if q.lemmas else 0.0,
        "s_verb": float(bool(q.verb) and q.verb in sentence.lemmas),
        "s_head": float(bool(q.head) and q.head in sentence.lemmas),
        "s_year": float(not q.years or any(y in sentence.text or signal.date.startswith(y) for y in q.years)),
        "s_headline": float(signal.headline),
        "s_slot": max(ctx.slot[sentence.index].values(), default=0.0),
        "s_slot_near": ctx.placed[sentence.index][0],
        "s_slot_dep": ctx.placed[sentence.index][1],
        "s_slot_role": _slot_role(q, sentence, ctx.slot[sentence.index]),
        "p_rank": 1.0 / (1 + signal.passage_rank),
    }


def _candidate_features(ctx: _Question, sentence: ParsedSentence, c: Candidate) -> dict[str, float]:
    q, tokens = ctx.question, sentence.tokens
    own = set(content_terms(c.text))
    row = {
        "c_slot": max((v for (start, end), v in ctx.slot[sentence.index].items() if c.start <= start and end <= c.end), default=0.0),
        "c_expected": float(c.label in q.expects),
        "c_numeric": float(q.wh.startswith("how") and c.label in NUMERIC),
        "c_affinity": ctx.affinity["label"].get(c.label, 0.0),
        "c_head_cos": ctx.affinity["span"].get((c.sentence, c.start, c.end), 0.0),
        "c_repeat": len(own & ctx.terms) / len(own) if own else 1.0,
        "c_len": math.log1p(c.end - c.start),
        "c_share": (c.end - c.start) / max(len(tokens), 1),
        "c_agree": min(len(ctx.spans[fold(c.text)]), 3) / 3,
        **{f"k_{kind}": float(c.kind == kind) for kind in KINDS},
    }
    return row | (_structure(ctx, sentence, c) if tokens else dict.fromkeys(_STRUCTURE, 0.0))


_STRUCTURE = ("c_head", "c_dep", "c_near", "c_subject", "c_object", "c_clause_cov", "c_clause_verb", "c_np_cov")


def _structure(ctx: _Question, sentence: ParsedSentence, c: Candidate) -> dict[str, float]:
    """Where the candidate sits in its sentence's parse relative to the question's words."""
    q, tokens = ctx.question, sentence.tokens
    inside = set(range(c.start, c.end))
    matching = {i for i, t in enumerate(tokens) if t.lemma in q.lemmas and i not in inside}

    def covered(indices) -> float:
        words = set(content_terms(" ".join(sentence.text[tokens[i].start : tokens[i].end] for i in indices if i not in inside)))
        return sum(ctx.idf(t) for t in ctx.terms & words) / ctx.total

    governor = _governor(tokens, c.root)
    clause = _clause(sentence, c.root)
    low, high = sentence.subtree(c.root)
    return {
        "c_head": float(bool(q.head) and _holds_head(q.head, sentence, c)),
        "c_dep": 1.0 / (1 + sentence.distance(inside, matching)),
        "c_near": covered(range(max(0, c.start - WINDOW), min(len(tokens), c.end + WINDOW))),
        "c_subject": float(tokens[c.root].dep in _SUBJECTS and governor.lemma == q.verb),
        "c_object": float(tokens[c.root].dep in _OBJECTS and governor.lemma == q.verb),
        "c_clause_cov": covered(clause),
        "c_clause_verb": float(bool(q.verb) and any(tokens[i].lemma == q.verb and tokens[i].pos == "VERB" for i in clause)),
        "c_np_cov": covered(range(low, high + 1)),
    }


def _pairs(kinds: dict[str, float], row: dict[str, float]) -> dict[str, float]:
    """The question-kind × candidate-kind pairs that matter, as features (the model is linear)."""
    return {
        "typed_x_sentence": kinds["q_typed"] * row["k_sentence"],
        "typed_x_expected": kinds["q_typed"] * row["c_expected"],
        # a candidate holding nothing of the asked-for kind ("who…?" answered by a clause with no person in it)
        "typed_x_unfilled": kinds["q_typed"] * float(row["c_slot"] < 1.0),
        "head_x_unfilled": kinds["q_head"] * (1.0 - row["c_slot"]),
        "open_x_clause": kinds["q_open"] * row["k_clause"],
        "open_x_sentence": kinds["q_open"] * row["k_sentence"],
        "plural_x_list": kinds["q_plural"] * row["k_list"],
        "head_x_noun": kinds["q_head"] * row["k_noun"],
        "head_x_entity": kinds["q_head"] * row["k_entity"],
        "repeats": float(row["c_repeat"] >= 0.5),  # mostly the question's own words: it cannot be the answer
    }


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


def _slot_role(question: Question, sentence: ParsedSentence, slots: dict[tuple[int, int], float]) -> float:
    """The best slot filler's fit when it is the subject, agent or object of the question's own verb ("who received
    X": "received by Y"), else 0: a sentence naming a person is no answer to "who did V" unless that person did V."""
    if not question.verb or not sentence.tokens:
        return 0.0
    best = 0.0
    for (start, end), fit in slots.items():
        root = sentence.root_of(start, end)
        role = sentence.tokens[root].dep in _SUBJECTS | _OBJECTS and _governor(sentence.tokens, root).lemma == question.verb
        best = max(best, fit * role)
    return best


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
    texts = [question.head, *(label_descriptions()[label] for label in LABELS), *(c.text for c in short)]
    vectors = scorer.embed(texts)
    cosines = vectors[1:] @ vectors[0]
    fit = np.clip(cosines[: len(LABELS)], 0.0, None)
    fit = fit / max(float(fit.max()), 1e-9)
    return {
        "label": {label: float(fit[k]) for k, label in enumerate(LABELS)},
        "span": {(c.sentence, c.start, c.end): float(cosines[len(LABELS) + k]) for k, c in enumerate(short)},
    }
