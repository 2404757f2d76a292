"""The id-only BM25 index ranks exactly as llama-index's BM25Retriever and keeps no chunk text."""

from __future__ import annotations

import pytest

QUESTIONS = ["current bilateral trade", "which ports are in the transit accord", "who is the ambassador", "railway through Afghanistan", "zzz nothing"]


@pytest.fixture(scope="module")
def both(seeded):
    from llama_index.retrievers.bm25 import BM25Retriever

    store = seeded.store
    nodes = store.all_chunks()
    reference = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=8, language="english")
    return store, reference


def test_rankings_and_scores_match_llama_index(both):
    from rag.bm25_index import ChunkBM25Retriever

    store, reference = both
    ours = ChunkBM25Retriever.build([store.all_chunks()], store.chunks_by_id, 8)
    for question in QUESTIONS:
        expected = [(h.node.node_id, round(h.score, 5)) for h in reference.retrieve(question)]
        got = [(h.node.node_id, round(h.score, 5)) for h in ours.retrieve(question)]
        assert got == expected, question


def test_hits_carry_text_and_offsets_fetched_from_chroma(both):
    store, _ = both
    hit = store.bm25().retrieve("Kistafin")[0]
    assert "Kistafin" in hit.node.get_content()
    assert {"doc_id", "start", "end", "offsets"} <= set(hit.node.metadata)


def test_the_persisted_index_holds_no_chunk_text(both):
    from rag.store import BM25_DIR, VERSIONS_DIR

    store, _ = both
    assert store.bm25().corpus is None
    folder = store.dir / VERSIONS_DIR / store.snapshot().version / BM25_DIR
    persisted = b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())
    assert persisted
    assert b"239 million" not in persisted and b"Kistafin" not in persisted
