"""What a question asks for, read from its parse: the wh-word, the noun it asks about, the verb it hangs on.

"Which regional minister opened the bridge?" asks for a `minister`, by the
verb `open`; "how many people…" for a number of `people`; "when…" for a
date; "what did X say" for what was said. The entity labels a wh-word asks
for are English grammar (who → a person or organisation, when → a date,
how many → a number); for "which/what <noun>" the noun itself is compared
with each label's own description (spaCy's `explain`) by the scorer, so no
list of nouns decides the kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.text.lexical import content_terms

# The labels each asking phrase wants: grammar, not topic.
EXPECTS = {
    "who": ("PERSON", "ORG", "NORP"),
    "whom": ("PERSON", "ORG", "NORP"),
    "whose": ("PERSON", "ORG", "NORP"),
    "when": ("DATE", "TIME"),
    "where": ("GPE", "LOC", "FAC", "ORG"),
    "how many": ("CARDINAL", "QUANTITY", "MONEY", "PERCENT"),
    "how much": ("MONEY", "PERCENT", "QUANTITY", "CARDINAL"),
    "how long": ("DATE", "TIME", "QUANTITY"),
    "how far": ("QUANTITY",),
    "how old": ("DATE", "CARDINAL"),
    "how big": ("QUANTITY", "CARDINAL", "MONEY"),
}
NUMERIC = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
# Nouns that only frame the noun after "of": "what kind of talks" asks about talks.
_FRAMES = frozenset({"kind", "type", "sort", "sorts", "kinds", "types", "name", "names", "number", "amount", "part", "piece", "list"})
_WH = frozenset({"who", "whom", "whose", "what", "which", "when", "where", "why", "how"})
_LIGHT_VERBS = frozenset({"be", "do", "have"})
_PARTS = re.compile(r"\?\s+(?=\w)|,?\s+(?:and|&)\s+(?=(?:who|whom|whose|what|when|where|which|why|how)\b)", re.I)
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")


@dataclass
class Question:
    text: str
    wh: str  # "who", "when", "how many", "which", "what", … or "" (a yes/no question, "name the …")
    head: str  # lemma of the noun asked about ("minister", "port", "population"), or ""
    verb: str  # lemma of the verb the question hangs on ("lead", "say"), or ""
    plural: bool  # the noun asked about is plural: a list is wanted
    terms: list[str]  # content terms of the question (support.content_terms), years left out
    lemmas: frozenset[str]  # lemmas of its content words (for matching the passages' parse)
    years: frozenset[str]
    parts: list[Question] = field(default_factory=list)

    @property
    def expects(self) -> tuple[str, ...]:
        """The entity labels the asking phrase wants ("" when its noun must decide, or it wants a clause)."""
        return EXPECTS.get(self.wh, ())

    @property
    def focus(self) -> str:
        return focus_of(self.text)


def _head_noun(tokens: list, wh_index: int) -> tuple[int | None, bool]:
    """Token index of the noun the wh-phrase asks about, and whether it is plural."""
    wh = tokens[wh_index]
    candidate = None
    if wh.dep_ == "det" or (wh.lemma_ in ("which", "what") and wh.head.pos_ in ("NOUN", "PROPN") and wh.head.i != wh.i):
        candidate = wh.head  # "which ports", "what kind"
    elif wh.lemma_ == "how" and wh.i + 1 < len(tokens) and tokens[wh.i + 1].head.pos_ in ("NOUN", "PROPN") and tokens[wh.i + 1].dep_ == "amod":
        candidate = tokens[wh.i + 1].head  # "how many people"
    elif wh.head.lemma_ == "be":
        # "what is the population", "who is the foreign minister": the other nominal argument of "be"
        others = [t for t in wh.head.children if t.dep_ in ("nsubj", "attr") and t.i != wh.i and t.pos_ in ("NOUN", "PROPN")]
        candidate = others[0] if others else None
    if candidate is None and wh.lemma_ in ("which", "what"):
        # a mis-parsed "which three ports are …": the first noun right after the wh-word, past numbers and adjectives
        following = next((t for t in tokens[wh.i + 1 :] if t.pos_ not in ("NUM", "ADJ", "DET")), None)
        candidate = following if following is not None and following.pos_ in ("NOUN", "PROPN") else None
    while candidate is not None and candidate.lemma_.lower() in _FRAMES:
        objects = [g for c in candidate.children if c.dep_ == "prep" and c.lemma_ == "of" for g in c.children if g.dep_ == "pobj"]
        if not objects:
            break
        candidate = objects[0]  # "kind of talks" → talks
    if candidate is None:
        return None, False
    return candidate.i, candidate.tag_ in ("NNS", "NNPS")


def focus_of(text: str) -> str:
    """The question without the years that only narrow it (they must not weigh against a sentence)."""
    return " ".join(_YEAR.sub(" ", text).split())


def pieces(text: str) -> list[str]:
    """The parts of a two-part question ("…, and when…"), each asked on its own; [] for a one-part question.
    From the words alone, so retrieval can start before the parse is ready."""
    found = [p.strip(" ?") for p in _PARTS.split(text) if len(content_terms(p)) >= 1]
    return found if len(found) >= 2 else []


def analyse(text: str, nlp) -> Question:
    """The question's parse read as what it asks for; a two-part question gets one part each."""
    question = _analyse_one(text, nlp)
    question.parts = [_analyse_one(piece, nlp) for piece in pieces(text)]
    return question


def _analyse_one(text: str, nlp) -> Question:
    doc = nlp(text)
    tokens = list(doc)
    wh_index = next((t.i for t in tokens if t.lemma_.lower() in _WH or t.tag_ in ("WP", "WDT", "WP$", "WRB")), None)
    wh, head, plural = "", "", False
    if wh_index is not None:
        word = tokens[wh_index].lower_
        if word == "how" and wh_index + 1 < len(tokens) and tokens[wh_index + 1].pos_ in ("ADJ", "ADV"):
            word = f"how {tokens[wh_index + 1].lower_}"
        wh = word if word in EXPECTS or word in _WH else tokens[wh_index].lemma_.lower()
        index, plural = _head_noun(tokens, wh_index)
        head = tokens[index].lemma_.lower() if index is not None else ""
    elif tokens and tokens[0].lemma_.lower() in ("name", "list"):
        objects = [t for t in tokens[0].children if t.dep_ == "dobj"]
        head, plural = (objects[0].lemma_.lower(), objects[0].tag_ in ("NNS", "NNPS")) if objects else ("", True)
    verbs = [t for t in tokens if t.pos_ == "VERB" and t.lemma_.lower() not in _LIGHT_VERBS]
    root = next((t for t in tokens if t.dep_ == "ROOT"), None)
    verb = root.lemma_.lower() if root is not None and root in verbs else (verbs[0].lemma_.lower() if verbs else "")
    lemmas = frozenset(t.lemma_.lower() for t in tokens if t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "NUM") and t.lemma_.lower() not in _WH)
    years = frozenset(_YEAR.findall(text))
    terms = [t for t in content_terms(_YEAR.sub(" ", text)) if t not in _WH]
    return Question(text, wh, head, verb, plural, terms, lemmas, years)


def analyse_words(text: str) -> Question:
    """The question read without a parser (the `read.parse = false` ablation): the wh-phrase from its words, no noun or verb."""
    words = re.findall(r"[\w']+", text.lower())
    wh = next((w for w in words if w in _WH), "")
    if wh == "how" and words.index("how") + 1 < len(words):
        following = words[words.index("how") + 1]
        wh = f"how {following}" if f"how {following}" in EXPECTS else wh
    terms = [t for t in content_terms(_YEAR.sub(" ", text)) if t not in _WH]
    return Question(text, wh, "", "", False, terms, frozenset(w for w in words if w not in _WH), frozenset(_YEAR.findall(text)))
