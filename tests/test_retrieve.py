"""Hybrid retrieval beats either ranking alone; near-duplicates merge into one passage with every source."""

from __future__ import annotations

import copy

import pytest

from rag.config import FUSION_MODES
from rag.retrieve import HybridRetriever, merge_near_duplicates
from rag.schema import Passage
from rag.text.offsets import OffsetMap

# (question, exact substring of the raw article that answers it, doc_id)
LABELLED = [
    ("What is the current bilateral trade figure?", "Current bilateral trade stands at around $239 million", "000_8f5cf43f1953043f.txt"),
    ("trade target agreed by the foreign ministers", "increase trade turnover to $1 billion", "000_8f5cf43f1953043f.txt"),
    ("When did a Kazakh president last visit?", "last Kazakh presidential visit in 2003", "000_8f5cf43f1953043f.txt"),
    ("Which three ports are covered by the transit trade accord?", "Karachi, Bin Qasim and Gwadar", "003_b941a13b01e5ff27.txt"),
    ("Who is Kazakhstan's ambassador to Pakistan?", "Ambassador to Pakistan Yerzhan Kistafin", "004_e380061d9c708e06.txt"),
    ("When did Pakistan recognise Kazakhstan's independence?", "recognise Kazakhstan’s independence in December 1991", "001_f61ae2352f1f75e9.txt"),
    ("Which honour will Zardari confer?", "Nishan-i-Pakistan", "002_2915397796caa3a2.txt"),
    ("direct flight to Skardu", "direct flight from Kazakhstan to Skardu", "003_b941a13b01e5ff27.txt"),
    ("Which leather associations were to be linked?", "Kazakhstan Leather Asso-ciation with the Pakistan Tannery Association", "000_8f5cf43f1953043f.txt"),
    ("What new trade routes did the federal ministers discuss?", "Islamabad–Tehran–Istanbul", "004_e380061d9c708e06.txt"),
    ("multipurpose terminal at Gwadar", "dedicated multipurpose terminal at Gwadar", "001_f61ae2352f1f75e9.txt"),
    ("Who did the Kazakh transport minister meet at Maritime Affairs?", "Federal Secretary Syed Zafar Ali Shah", "001_f61ae2352f1f75e9.txt"),
    ("Kazakhstan Pakistan largest export destination Central Asia", "Pakistan’s largest export destination in Central Asia", "002_2915397796caa3a2.txt"),
    ("railway through Afghanistan", "construct a railway through Afghanistan", "000_8f5cf43f1953043f.txt"),
    ("sorrow over floods", "sorrow over the losses caused by recent floods", "004_e380061d9c708e06.txt"),
    # paraphrased, as users ask
    ("how much do the two countries trade with each other these days", "Current bilateral trade stands at around $239 million", "000_8f5cf43f1953043f.txt"),
    ("what's the goal for growing commerce between them?", "increase trade turnover to $1 billion", "000_8f5cf43f1953043f.txt"),
    ("How long has it been since Kazakhstan's head of state came to Pakistan?", "the first in almost 22 years", "000_8f5cf43f1953043f.txt"),
    (
        "what did the Kazakhs suggest setting up for freight with Pakistani firms?",
        "joint Kazakh-Pak-istani transport and logistics consortium",
        "000_8f5cf43f1953043f.txt",
    ),
    (
        "Which sectors did the Kazakh trade minister single out?",
        "agriculture, leather, small and medium enterprises, and information te--chnology",
        "000_8f5cf43f1953043f.txt",
    ),
    ("How was the Kazakh leader welcomed when he arrived?", "accorded guard of honour", "002_2915397796caa3a2.txt"),
    ("when were diplomatic relations first set up?", "formal diplomatic ties established in February 1992", "001_f61ae2352f1f75e9.txt"),
    ("What did Pakistani port officials say about handling cargo from Central Asia?", "spare capacity to handle Central Asian cargo", "001_f61ae2352f1f75e9.txt"),
    ("how do they plan to attract tourists?", "sharing lists of certified tour operators", "003_b941a13b01e5ff27.txt"),
    ("Which Pakistani ministers met the visiting deputy PM about roads and railways?", "Federal Minister for Railways Hanif Abbasi", "004_e380061d9c708e06.txt"),
]


def reciprocal_rank(passages, evidence, doc_id, raw_articles):
    start = raw_articles[doc_id].index(evidence)
    end = start + len(evidence)
    for rank, p in enumerate(passages, 1):
        if any(s.doc_id == doc_id and s.start < end and start < s.end for s in p.sources):
            return 1.0 / rank
    return 0.0


def mrr(retriever, raw_articles, k=5):
    return sum(reciprocal_rank(retriever.retrieve(q, top_k=k), ev, d, raw_articles) for q, ev, d in LABELLED) / len(LABELLED)


def _only(settings, ranking):
    single = copy.deepcopy(settings)
    single.retrieve.dense, single.retrieve.bm25 = ranking == "dense", ranking == "bm25"
    return single


def _retriever(seeded, settings):
    from rag.embed.models import load_query_embedding

    return HybridRetriever(seeded.store, settings, seeded.store.bm25(), load_query_embedding(settings.embed.model))


@pytest.mark.parametrize("fusion", FUSION_MODES)
def test_fusion_beats_either_ranking_alone(seeded, raw_articles, fusion):
    settings = copy.deepcopy(seeded.settings)
    settings.retrieve.fusion = fusion
    hybrid = mrr(_retriever(seeded, settings), raw_articles)
    dense = mrr(_retriever(seeded, _only(settings, "dense")), raw_articles)
    bm25 = mrr(_retriever(seeded, _only(settings, "bm25")), raw_articles)
    assert hybrid > max(dense, bm25), (hybrid, dense, bm25)


@pytest.mark.parametrize("fusion", FUSION_MODES)
def test_fused_rankings_are_llama_indexs(seeded, fusion):
    """The fusion written out for a lean question path ranks as llama-index's QueryFusionRetriever does."""
    from llama_index.core import VectorStoreIndex
    from llama_index.core.llms import MockLLM
    from llama_index.core.retrievers import QueryFusionRetriever
    from llama_index.core.retrievers.fusion_retriever import FUSION_MODES as LLAMA_MODES
    from llama_index.retrievers.bm25 import BM25Retriever

    from rag.embed.models import load_query_embedding

    settings = copy.deepcopy(seeded.settings)
    settings.retrieve.fusion, settings.retrieve.merge = fusion, False
    k = settings.retrieve.candidates
    embedding = load_query_embedding(settings.embed.model)

    class Encoder(llama_base()):  # the same vectors, as a llama-index embedding
        def _get_query_embedding(self, query):
            return embedding.get_query_embedding(query)

        async def _aget_query_embedding(self, query):
            return embedding.get_query_embedding(query)

        def _get_text_embedding(self, text):
            return embedding.get_query_embedding(text)

    dense = VectorStoreIndex.from_vector_store(seeded.store.vector_store, embed_model=Encoder(), transformations=[]).as_retriever(similarity_top_k=k)
    bm25 = BM25Retriever.from_defaults(nodes=seeded.store.all_chunks(), similarity_top_k=k, language="english")
    reference = QueryFusionRetriever([dense, bm25], llm=MockLLM(), mode=LLAMA_MODES(fusion), similarity_top_k=k, num_queries=1, use_async=False)
    ours = HybridRetriever(seeded.store, settings, seeded.store.bm25(), embedding)
    for question, *_ in LABELLED[:6]:
        assert [p.id for p in ours.retrieve(question, top_k=k)] == [h.node.node_id for h in reference.retrieve(question)], question


def llama_base():
    from llama_index.core.base.embeddings.base import BaseEmbedding

    return BaseEmbedding


def test_fused_results_have_no_duplicate_chunks(seeded):
    passages = seeded.retrieve("bilateral trade", top_k=20)
    assert len({p.id for p in passages}) == len(passages)


def _passage(doc_id, text, start=0):
    p = Passage(id=doc_id, text=text, doc_id=doc_id, title=doc_id, outlet=doc_id.upper(), date="", start=start, end=start + len(text), offsets=OffsetMap())
    p.sources = [p.source()]
    return p


def test_near_identical_passages_from_two_articles_merge_with_both_sources():
    text = "Discussions focused on boosting trade and investment, agriculture, IT, education, culture, tourism, security and logistics connectivity."
    merged = merge_near_duplicates(
        [_passage("a", text), _passage("b", "The Minister said: " + text), _passage("c", "Something else entirely was said about ports.")], 0.8
    )
    assert [p.doc_id for p in merged] == ["a", "c"]
    assert [s.doc_id for s in merged[0].sources] == ["a", "b"]


def test_passages_from_the_same_article_do_not_merge():
    text = "The two sides agreed to boost trade through rail and road links across the region."
    assert len(merge_near_duplicates([_passage("a", text), _passage("a", text, 500)], 0.8)) == 2


def test_a_chunk_deleted_while_the_query_runs_is_left_out_not_a_crash(seeded, monkeypatch):
    """Chroma's vector index can still return a chunk whose row a concurrent delete (`--watch` removing an article)
    has just dropped: its document and metadata come back as None. The question is answered from the rest."""
    collection = seeded.store.collection
    real = collection.query

    def mid_delete(**kwargs):
        got = real(**kwargs)
        for key, gone in (("ids", "removed.txt#0000"), ("documents", None), ("metadatas", None), ("distances", 0.01)):
            got[key][0].insert(0, gone)  # nearest of all: the row was deleted after the index was searched
        return got

    monkeypatch.setattr(collection, "query", mid_delete)
    hits = seeded.store.nearest(seeded.pipeline().retriever.embedding.get_query_embedding("bilateral trade"), 5)
    assert hits and all(chunk_id != "removed.txt#0000" and text for chunk_id, text, _, _ in hits)
