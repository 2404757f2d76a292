"""BM25 over the chunks without holding them: bm25s's inverted index and the chunk ids, nothing else.

llama-index's `BM25Retriever` keeps every node in memory as its corpus (most
of the serving RSS at 100k chunks, and a second copy of what Chroma stores)
and importing it pulls llama-index into the question path. This uses bm25s
directly with the same tokenisation `BM25Retriever` uses (English stopwords
and the Snowball stemmer for the corpus, the stemmer alone for the query,
its token pattern), so rankings and scores are identical
(tests/test_bm25_index.py), and keeps only ids: the few hits a query returns
are read from Chroma. Hand-written only for that: bm25s has no notion of an
external document store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import bm25s

IDS_FILE = "ids.json"
TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # BM25Retriever's default


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


class BM25Index:
    """Chunk ids ranked by BM25 for a query."""

    def __init__(self, bm25: bm25s.BM25, ids: list[str]) -> None:
        self.bm25 = bm25
        self.ids = ids
        self.stemmer = _stemmer()

    @classmethod
    def build(cls, chunks: Iterable[tuple[str, str]]) -> BM25Index:
        """Index (chunk id, text) pairs, a page at a time if the iterable yields them so."""
        ids: list[str] = []
        texts: list[str] = []
        for chunk_id, text in chunks:
            ids.append(chunk_id)
            texts.append(text)
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), token_pattern=TOKEN_PATTERN, show_progress=False)
        del texts
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        return cls(bm25, ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """(chunk id, score) of the ``k`` best chunks, best first."""
        if not self.ids:
            return []
        tokens = bm25s.tokenize(query, stemmer=self.stemmer, token_pattern=TOKEN_PATTERN, show_progress=False)
        indexes, scores = self.bm25.retrieve(tokens, k=min(k, len(self.ids)), show_progress=False)
        return [(self.ids[int(i)], float(s)) for i, s in zip(indexes[0], scores[0], strict=True)]

    def persist(self, path: Path) -> None:
        self.bm25.save(str(path), corpus=None, show_progress=False)
        (path / IDS_FILE).write_text(json.dumps(self.ids), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        return cls(bm25s.BM25.load(str(path), load_corpus=False), json.loads((path / IDS_FILE).read_text(encoding="utf-8")))
