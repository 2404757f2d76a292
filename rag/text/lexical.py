"""The lexical toolkit every stage shares: folding, stop words, stems, content terms, figures, IDF weights, shingles.

Hand-written: small, deterministic and dependency-free on purpose; the support scorer (`rag.read.support`), the
reader's features, the store's term weights and the vocabulary all read words the same way through it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[^\W_]+(?:[.,]\d+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LOWER_WORD = re.compile(r"(?<![\w’'-])[a-z][a-z’'-]*[a-z]\b")
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before being below between both but by
    can could did do does doing down during each few for from further had has have having he her here hers him his how i
    if in into is it its itself just me more most my no nor not now of off on once only or other our ours out over own
    said same say says she should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with would you your yours
    tell know many much did does whose please according article articles""".split()
)


def fold(text: str) -> str:
    """Only letters and digits, lower-cased: hyphen damage, spacing, quotes and dashes don't matter."""
    return re.sub(r"[\W_]+", "", text.lower())


_JOINERS = re.compile(r"\b(?:and|the)\b|&", re.IGNORECASE)


def overlaps(a: str, b: str) -> bool:
    """One text contains the other, letters and digits only, "and" and "the" aside: the same fact, however much of it
    each says ("Ashby, Colton and Dale" is "Ashby Colton Dale")."""
    a, b = fold(_JOINERS.sub(" ", a)), fold(_JOINERS.sub(" ", b))
    return bool(a) and bool(b) and (a in b or b in a)


def stem(word: str) -> str:
    """Crude English suffix stripping, enough to match 'visits' with 'visit'."""
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed, lower-cased words that carry meaning (numbers normalised: '1,000' → '1000')."""
    terms = []
    for token in _TOKEN.findall(text.lower()):
        if token in STOPWORDS:
            continue
        terms.append(token.replace(",", "") if _NUMBER.fullmatch(token) else stem(token))
    return terms


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


@dataclass
class TermWeights:
    """Inverse document frequency over the collection's chunks; unseen terms weigh most."""

    df: dict[str, int]
    n_docs: int
    # Words the collection also writes in lower case: a capitalised one of these is an ordinary noun, not a name.
    lowercase: frozenset[str] = frozenset()

    def idf(self, term: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(term, 0) + 1)) + 1.0

    @classmethod
    def from_texts(cls, texts: list[str]) -> TermWeights:
        df: dict[str, int] = {}
        lowercase: set[str] = set()
        for text in texts:
            for term in set(content_terms(text)):
                df[term] = df.get(term, 0) + 1
            lowercase.update(_LOWER_WORD.findall(text))
        return cls(df, len(texts), frozenset(lowercase))


_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(max(len(words) - n + 1, 1))}


def containment(a: set, b: set) -> float:
    """Share of the smaller shingle set found in the other: 1.0 when one text contains the other."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
