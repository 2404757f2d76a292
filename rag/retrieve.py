"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused, near-duplicates merged.

Dense hits come from Chroma's own query; BM25 from the id-only index
(`rag.store.bm25`), its hits read from Chroma. Fusion follows llama-index's
`QueryFusionRetriever` modes exactly (relative-score by default, reciprocal
rank, distribution-based), written out here so that answering a question
imports no llama-index module (issue 19: importing `llama_index.core` for a
fusion was most of a cold `rag ask`); tests/test_retrieve.py checks the
rankings are llama-index's. Relative-score fusion is the default rather than
reciprocal rank: on paraphrased questions over the seeds it ranked the
answering passage higher (MRR 0.81 vs 0.75; dense alone 0.66, BM25 alone
0.69), because RRF discards how far ahead the best BM25 hit is. Merging
near-identical passages from different articles is hand-written: nothing in
the stack does it, and it is what turns the same fact told by two outlets into
one passage with two sources.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rag.config import Settings
from rag.schema import Passage
from rag.store import Store
from rag.text.lexical import containment, shingles
from rag.text.offsets import OffsetMap
from rag.text.sentences import loads_spans

if TYPE_CHECKING:
    from llama_index.core.schema import NodeWithScore

    from rag.store.bm25 import BM25Index

_WORD = re.compile(r"\w+")
Hit = tuple[str, str, dict[str, Any], float]  # chunk id, text, metadata, score


def passage_from(chunk_id: str, text: str, meta: dict[str, Any], score: float) -> Passage:
    """A passage from a stored chunk: its clean text and the way back to its raw span."""
    start = int(meta.get("start", 0))
    passage = Passage(
        id=chunk_id,
        text=text,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")),
        outlet=str(meta.get("outlet", "")),
        date=str(meta.get("date", "")),
        start=start,
        end=int(meta.get("end", start + len(text))),
        offsets=OffsetMap.loads(meta["offsets"]) if meta.get("offsets") else OffsetMap([0], [start]),
        score=score,
        annotation=str(meta.get("annotation", "")),
        sentences=loads_spans(meta["sentences"]) if meta.get("sentences") else None,
    )
    passage.sources = [passage.source()]
    return passage


def to_passage(hit: NodeWithScore) -> Passage:
    """A passage from a llama-index node (the eval baseline's own index): a verbatim slice of the raw text at its
    ``start_char_idx``, unless it carries our offsets."""
    node, meta = hit.node, dict(hit.node.metadata)
    meta.setdefault("start", node.start_char_idx or 0)
    return passage_from(node.node_id, node.get_content(), meta, float(hit.score or 0.0))


def fuse(rankings: list[list[Hit]], mode: str) -> list[Hit]:
    """llama-index's fusion of several rankings (one query, equal weights), by chunk id."""
    if mode == "reciprocal_rerank":
        scores: dict[str, float] = {}
        hits: dict[str, Hit] = {}
        for ranking in rankings:
            for rank, hit in enumerate(sorted(ranking, key=lambda h: -h[3])):
                hits.setdefault(hit[0], hit)
                scores[hit[0]] = scores.get(hit[0], 0.0) + 1.0 / (rank + 60.0)
        return sorted(((*hits[i][:3], s) for i, s in scores.items()), key=lambda h: -h[3])
    weight = 1.0 / max(len(rankings), 1)
    fused: dict[str, Hit] = {}
    for ranking in rankings:
        if not ranking:
            continue
        scores_ = [h[3] for h in ranking]
        if mode == "dist_based_score":
            mean = sum(scores_) / len(scores_)
            spread = (sum((x - mean) ** 2 for x in scores_) / len(scores_)) ** 0.5
            low, high = mean - 3 * spread, mean + 3 * spread
        else:
            low, high = min(scores_), max(scores_)
        for chunk_id, text, meta, score in ranking:
            scaled = (1.0 if high > 0 else 0.0) if high == low else (score - low) / (high - low)
            previous = fused.get(chunk_id)
            fused[chunk_id] = (chunk_id, text, meta, scaled * weight + (previous[3] if previous else 0.0))
    return sorted(fused.values(), key=lambda h: -h[3])


def merge_near_duplicates(passages: list[Passage], threshold: float) -> list[Passage]:
    """Fold each passage into an earlier, higher-ranked one from another article that says the same."""
    kept: list[tuple[Passage, set]] = []
    for passage in passages:
        grams = shingles(passage.text)
        for primary, primary_grams in kept:
            if primary.doc_id != passage.doc_id and containment(grams, primary_grams) >= threshold:
                if passage.doc_id not in {s.doc_id for s in primary.sources}:
                    primary.sources.append(passage.source())
                break
        else:
            kept.append((passage, grams))
    return [p for p, _ in kept]


class HybridRetriever:
    """Dense + BM25 fused; either ranking, and merging, can be switched off in settings (for ablations)."""

    def __init__(self, store: Store, settings: Settings, bm25: BM25Index | None, embedding: Any) -> None:
        """Built once per published store version (``bm25`` is that version's index) and never changed after:
        many threads may retrieve with it at once. ``embedding`` encodes the query (the torch-free encoder)."""
        self.store = store
        self.settings = settings
        self.bm25 = bm25 if settings.retrieve.bm25 else None
        self.embedding = embedding if settings.retrieve.dense else None
        self.k = settings.retrieve.candidates
        # Counting rows costs Chroma a scan (~20 ms at 100k chunks): once per build, not per query.
        self.empty = store.chunk_count() == 0

    def retrieve(self, query: str, top_k: int | None = None) -> list[Passage]:
        if self.empty:
            return []
        rankings: list[list[Hit]] = []
        if self.embedding is not None:
            rankings.append(self.store.nearest(self.embedding.get_query_embedding(query), self.k))
        if self.bm25 is not None:
            ranked = self.bm25.search(query, self.k)
            found = self.store.records([chunk_id for chunk_id, _ in ranked])
            rankings.append([(i, *found[i], score) for i, score in ranked if i in found])
        passages = [passage_from(*hit) for hit in fuse(rankings, self.settings.retrieve.fusion)[: self.k]]
        if self.settings.retrieve.merge:
            passages = merge_near_duplicates(passages, self.settings.retrieve.merge_threshold)
        return passages[: top_k or self.settings.retrieve.top_k]
