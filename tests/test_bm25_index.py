"""The id-only BM25 index (bm25s directly) ranks exactly as llama-index's BM25Retriever and keeps no chunk text."""

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
    from rag.store.bm25 import BM25Index

    store, reference = both
    ours = BM25Index.build((n.node_id, n.get_content()) for n in store.all_chunks())
    for question in QUESTIONS:
        expected = [(h.node.node_id, round(h.score, 5)) for h in reference.retrieve(question)]
        got = [(chunk_id, round(score, 5)) for chunk_id, score in ours.search(question, 8)]
        assert got == expected, question


def test_hits_carry_text_and_offsets_fetched_from_chroma(both):
    store, _ = both
    chunk_id, _score = store.bm25().search("Kistafin", 1)[0]
    text, meta = store.records([chunk_id])[chunk_id]
    assert "Kistafin" in text
    assert {"doc_id", "start", "end", "offsets", "annotation"} <= set(meta)


def test_the_persisted_index_holds_no_chunk_text(both):
    from rag.store.local import BM25_DIR, VERSIONS_DIR

    store, _ = both
    assert not hasattr(store.bm25(), "corpus")
    folder = store.dir / VERSIONS_DIR / store.snapshot().version / BM25_DIR
    persisted = b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())
    assert persisted
    assert b"239 million" not in persisted and b"Kistafin" not in persisted
