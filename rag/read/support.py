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

from typing import TYPE_CHECKING

import numpy as np

from rag.text.lexical import TermWeights, content_terms, numbers

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from rag.schema import EvidenceSentence

CONTEXT_WEIGHT = 0.25  # a query word the sentence leaves to its passage counts this much
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

    def relevance(self, query: str, sentences: list[EvidenceSentence]) -> np.ndarray:
        """Each sentence's support for ``query``, read with its passage: a query word only the passage states (what
        the sentence leaves implicit: "Harbourtown" in "The terminal cost…") counts at `CONTEXT_WEIGHT`. The reader
        ranks sentences by it; citing weighs a short claim's sentences by it."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        scores = self.matrix([query], [e.text for e in sentences])[0]
        gain = np.array([self.coverage(query, e.context) - self.coverage(query, e.text) for e in sentences], dtype=np.float32)
        return scores + CONTEXT_WEIGHT * np.clip(gain, 0.0, 1.0)
