"""Incremental ingestion: new and changed files are embedded, unchanged ones skipped, removed ones dropped.

The skipping is llama-index's `IngestionPipeline` with a docstore
(`UPSERTS`: same doc_id + same raw-text hash → nothing to do; changed hash →
the article's old chunks are deleted and it is re-chunked). What the pipeline
does not do, and is written here: removal scoped to the folders being
ingested (its `UPSERTS_AND_DELETE` would drop every article not in this
batch), same-text-under-two-names detection, and cleanup of chunks a killed
ingest left behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.config import Settings
from rag.embed.models import count_tokens_fn, load_embedding, tokenizer_vocabulary
from rag.errors import RagError
from rag.ingest.clean import collection_vocabulary, repeated_lines
from rag.ingest.load import Article, find_article_files, read_article
from rag.store import Store, Writer


@dataclass
class IngestReport:
    """What one ingest did, for the one-line summary and for tests."""

    articles: int = 0
    chunks: int = 0
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    embedded_chunks: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.articles} articles, {self.chunks} chunks: {len(self.new)} new, {len(self.changed)} changed, {len(self.removed)} removed"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_all(files: Iterable[Path], max_bytes: int, report: IngestReport) -> list[Article]:
    """Read every file; a bad one is reported and skipped, never fatal to the rest."""
    articles: list[Article] = []
    seen: dict[str, Article] = {}
    for path in files:
        try:
            article = read_article(path, max_bytes)
        except RagError as exc:
            report.problems.append(str(exc))
            continue
        if article.doc_id in seen and seen[article.doc_id].path.resolve() != path.resolve():
            report.problems.append(f"{path}: another file named {article.doc_id} is already in this batch, skipped")
            continue
        seen[article.doc_id] = article
        articles.append(article)
    return articles


def _progress_bar(total: int, show: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="Ingesting articles", unit="article", disable=not show or total == 0)


def ingest(store: Store, settings: Settings, paths: list[Path] | None = None, show_progress: bool = False) -> IngestReport:
    """Bring the store in line with ``paths`` (default: the configured collection folders), then publish a version."""
    paths = paths or settings.collection_paths
    report = IngestReport()
    files, report.problems = find_article_files(paths)
    articles = _read_all(files, int(settings.collection.max_file_mb * 1e6), report)
    with store.writing() as writer:  # the lock (or the cross-host lease) first: a second writer is told at once
        embedding = load_embedding(settings.embed.model, settings.embed.batch_size)
        signature = _signature(settings)
        if store.index_signature() not in (None, signature) and writer.article_hashes():
            # Chunks made another way (new chunk size, model, or chunker) must not
            # mix with new ones; the docstore would call every file unchanged.
            report.problems.append("chunking or embedding settings changed since the last ingest: re-indexing every article")
            for doc_id in list(writer.article_hashes()):
                writer.remove_article(doc_id)
            writer.save()
        documents = _documents(articles, writer, report)
        _embed(documents, writer, settings, embedding, report, show_progress)
        _remove_missing(paths, {d.id_ for d in documents} | {a.doc_id for a in articles}, writer, report)
        writer.set_index_signature(signature)
        snapshot = store.snapshot()
        if report.embedded_chunks or report.removed or not snapshot.version or (snapshot.bm25 is None and store.chunk_count()):
            writer.publish()
        report.articles = len(writer.article_hashes())
        report.chunks = store.chunk_count()
    return report


def _signature(settings: Settings) -> dict[str, object]:
    from rag.ingest.chunk import CHUNKER_VERSION

    return {
        "chunker": CHUNKER_VERSION,
        "model": settings.embed.model,
        "size": settings.chunk.size,
        "overlap": settings.chunk.overlap,
        "clean": settings.chunk.clean,
        "parser": settings.read.model,
    }


def _documents(articles: list[Article], writer: Writer, report: IngestReport) -> list:
    """One llama-index Document per article to (re-)ingest; same text under a second name is reported, not ingested.

    Sorts each into new / changed / unchanged, and clears chunks a killed ingest left for an article the docstore never recorded.
    """
    from llama_index.core import Document

    before = writer.article_hashes()
    by_text = {str(doc.metadata.get("sha", "")): doc_id for doc_id, doc in writer.articles().items()}
    documents = []
    for article in articles:
        sha = content_hash(article.raw)
        twin = by_text.get(sha)
        if twin is not None and twin != article.doc_id:
            report.problems.append(f"{article.doc_id}: same text as {twin}, already ingested; skipped")
            continue
        by_text[sha] = article.doc_id
        metadata = {"doc_id": article.doc_id, "title": article.title, "outlet": article.outlet, "date": article.date, "folder": article.folder, "sha": sha}
        documents.append(Document(id_=article.doc_id, text=article.raw, metadata=metadata))
    for document in documents:
        if document.id_ not in before:
            writer.store.vector_store.delete(document.id_)
            report.new.append(document.id_)
        elif before[document.id_] != document.hash:
            report.changed.append(document.id_)
        else:
            report.unchanged.append(document.id_)
    return documents


def _embed(documents: list, writer: Writer, settings: Settings, embedding, report: IngestReport, show_progress: bool) -> None:
    """Chunk and embed through llama-index's pipeline (docstore dedup skips unchanged articles), a batch at a time.

    Each batch's docstore is saved when it is done: a killed ingest keeps its finished batches, and the next run skips them.
    """
    from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline

    from rag.ingest.chunk import ArticleChunker, outlet_key

    everything = writer.articles() | {d.id_: d for d in documents}
    texts = [doc.get_content() for doc in everything.values()]
    chunker = ArticleChunker(
        chunk_size=settings.chunk.size,
        chunk_overlap=settings.chunk.overlap,
        count_tokens=count_tokens_fn(embedding, settings.chunk.size),
        vocabulary=collection_vocabulary(texts) | tokenizer_vocabulary(embedding),
        clean=settings.chunk.clean,
        templates=repeated_lines((outlet_key(doc.metadata), doc.get_content()) for doc in everything.values()),
        parser=settings.read.model,
    )
    pipeline = IngestionPipeline(
        transformations=[chunker, embedding],
        vector_store=writer.store.vector_store,
        docstore=writer.docstore,
        docstore_strategy=DocstoreStrategy.UPSERTS,
        disable_cache=True,
    )
    progress = _progress_bar(len(documents), show_progress)
    size = settings.collection.ingest_batch
    for start in range(0, len(documents), size):
        batch = documents[start : start + size]
        report.embedded_chunks += len(pipeline.run(documents=batch))
        writer.save()
        progress.update(len(batch))
    progress.close()


def _remove_missing(paths: list[Path], present: set[str], writer: Writer, report: IngestReport) -> None:
    """Articles from the ingested folders whose files are gone. Scoped to those folders: the pipeline's own
    `UPSERTS_AND_DELETE` would drop every article not in this batch."""
    folders = {str(p.resolve()) for p in paths if p.is_dir()}
    for doc_id, doc in writer.articles().items():
        if doc.metadata.get("folder") in folders and doc_id not in present:
            writer.remove_article(doc_id)
            report.removed.append(doc_id)


def remove(store: Store, doc_ids: list[str]) -> list[str]:
    """Remove articles by doc_id; returns those that were there."""
    with store.writing() as writer:
        present = [d for d in doc_ids if d in writer.article_hashes()]
        for doc_id in present:
            writer.remove_article(doc_id)
        writer.publish()
    return present
