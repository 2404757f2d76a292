"""How well one text supports another: the measure behind citations, refusal and extractive answers.

Small models neither cite nor refuse reliably, so grounding is decided here,
in code. Support mixes two signals, as RAGFlow's post-hoc citation does:
lexical coverage (the share of the claim's content words, weighted by how
rare they are in the collection, that the evidence contains) and embedding
cosine. A number in the claim that the evidence lacks halves the score: a
wrong figure is the worst thing a news assistant can cite.
Hand-written: the stack has no claim-vs-passage support scorer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

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


def overlaps(a: str, b: str) -> bool:
    """One text contains the other, letters and digits only: the same fact, however much of it each says."""
    a, b = fold(a), fold(b)
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


EMBED_CACHE = 20_000  # sentence vectors kept (≈30 MB)


class SupportScorer:
    """Scores claim→evidence support with lexical coverage and embedding cosine."""

    def __init__(self, embedding: HuggingFaceEmbedding | None, weights: TermWeights, lexical_weight: float = 0.5) -> None:
        self.embedding = embedding
        self.weights = weights
        self.lexical_weight = lexical_weight if embedding is not None else 1.0
        self._cache: dict[str, np.ndarray] = {}

    def coverage(self, claim: str, evidence: str) -> float:
        """Share of the claim's (idf-weighted) content terms that the evidence contains."""
        claim_terms = set(content_terms(claim))
        if not claim_terms:
            return 0.0
        evidence_terms = set(content_terms(evidence))
        total = sum(self.weights.idf(t) for t in claim_terms)
        return sum(self.weights.idf(t) for t in claim_terms & evidence_terms) / total

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors; passage sentences recur from question to question, so each is embedded once (bounded cache)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = np.asarray(self.embedding.get_text_embedding_batch(missing), dtype=np.float32)
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
            if len(self._cache) + len(missing) > EMBED_CACHE:
                self._cache.clear()
            self._cache.update(zip(missing, vectors, strict=True))
        return np.stack([self._cache[t] for t in texts])

    def matrix(self, claims: list[str], evidence: list[str]) -> np.ndarray:
        """support[i, j]: how well evidence[j] supports claims[i], in [0, 1]."""
        if not claims or not evidence:
            return np.zeros((len(claims), len(evidence)), dtype=np.float32)
        lexical = np.array([[self.coverage(c, e) for e in evidence] for c in claims], dtype=np.float32)
        if self.lexical_weight < 1.0:
            vectors = self.embed(claims + evidence)
            cosine = np.clip(vectors[: len(claims)] @ vectors[len(claims) :].T, 0.0, 1.0)
            scores = self.lexical_weight * lexical + (1 - self.lexical_weight) * cosine
        else:
            scores = lexical
        for i, claim in enumerate(claims):
            claim_numbers = numbers(claim)
            if not claim_numbers:
                continue
            for j, ev in enumerate(evidence):
                if not claim_numbers <= numbers(ev):
                    scores[i, j] *= 0.5
        return scores
