"""BM25 over the chunks without holding them: the inverted index and the chunk ids, nothing else.

llama-index's `BM25Retriever` keeps every node (text, metadata, offsets) in
memory as its corpus and persists it beside the index — most of the serving
RSS at 100k chunks, and a second copy of what Chroma already stores. This
subclass keeps its tokenisation, scoring and persistence (bm25s) but stores
only ids: the corpus is `[{"node_id": id}]`, and the few hits a query returns
are fetched from Chroma by id. Hand-written only for that swap; nothing in
llama-index retrieves BM25 hits from another store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import bm25s
from llama_index.core.schema import BaseNode, MetadataMode, NodeWithScore, QueryBundle
from llama_index.retrievers.bm25 import BM25Retriever

IDS_FILE = "ids.json"
ARGS_FILE = "retriever.json"


class ChunkBM25Retriever(BM25Retriever):
    """A `BM25Retriever` whose hits are looked up by id (``fetch``) instead of kept in memory."""

    def __init__(self, bm25: bm25s.BM25, ids: list[str], fetch: Callable[[list[str]], list[BaseNode]], similarity_top_k: int) -> None:
        super().__init__(existing_bm25=bm25, similarity_top_k=min(similarity_top_k, max(len(ids), 1)))
        self.ids = ids
        self.corpus = None  # nothing per chunk but its id
        self._fetch = fetch

    @classmethod
    def build(cls, pages: Iterable[list[BaseNode]], fetch: Callable[[list[str]], list[BaseNode]], similarity_top_k: int) -> ChunkBM25Retriever:
        """Index chunks a page at a time, as the parent does (embed-mode text, English stopwords, stemming), keeping ids only."""
        import Stemmer

        stemmer, token_pattern = Stemmer.Stemmer("english"), r"(?u)\b\w\w+\b"  # the parent's defaults
        ids: list[str] = []
        texts: list[str] = []
        for page in pages:
            for node in page:
                ids.append(node.node_id)
                texts.append(node.get_content(metadata_mode=MetadataMode.EMBED))
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, token_pattern=token_pattern, show_progress=False)
        del texts
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        return cls(bm25, ids, fetch, similarity_top_k)

    def persist(self, path: str, encoding: str = "utf-8", **kwargs) -> None:
        self.bm25.save(path, corpus=None, show_progress=False)
        (Path(path) / IDS_FILE).write_text(json.dumps(self.ids), encoding=encoding)
        (Path(path) / ARGS_FILE).write_text(json.dumps({"similarity_top_k": self.similarity_top_k}), encoding=encoding)

    @classmethod
    def load(cls, path: str, fetch: Callable[[list[str]], list[BaseNode]], similarity_top_k: int) -> ChunkBM25Retriever:
        bm25 = bm25s.BM25.load(path, load_corpus=False)
        ids = json.loads((Path(path) / IDS_FILE).read_text())
        return cls(bm25, ids, fetch, similarity_top_k)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        # the parent's query tokenisation, unchanged, so rankings are the same
        tokens = bm25s.tokenize(query_bundle.query_str, stemmer=self.stemmer, token_pattern=self.token_pattern, show_progress=False)
        indexes, scores = self.bm25.retrieve(tokens, k=self.similarity_top_k, show_progress=False)
        hits = [(self.ids[int(i)], float(s)) for i, s in zip(indexes[0], scores[0], strict=True)]
        nodes = {node.node_id: node for node in self._fetch([node_id for node_id, _ in hits])}
        return [NodeWithScore(node=nodes[node_id], score=score) for node_id, score in hits if node_id in nodes]
