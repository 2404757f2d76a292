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
from rag.embed import count_tokens_fn, load_embedding, tokenizer_vocabulary
from rag.errors import RagError
from rag.ingest.clean import collection_vocabulary
from rag.ingest.load import Article, find_article_files, read_article
from rag.store import Store


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
    """Bring the store in line with ``paths`` (default: the configured collection folders)."""
    from llama_index.core import Document
    from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline

    from rag.ingest.chunk import ArticleChunker

    paths = paths or settings.collection_paths
    report = IngestReport()
    files, report.problems = find_article_files(paths)
    articles = _read_all(files, int(settings.collection.max_file_mb * 1e6), report)
    embedding = load_embedding(settings.embed.model, settings.embed.batch_size)

    from rag.ingest.chunk import CHUNKER_VERSION

    signature = {"chunker": CHUNKER_VERSION, "model": settings.embed.model, "size": settings.chunk.size, "overlap": settings.chunk.overlap, "clean": settings.chunk.clean}
    with store.write_lock():
        if store.index_signature() not in (None, signature) and store.article_hashes():
            # Chunks made another way (new chunk size, model, or chunker) must not
            # mix with new ones; the docstore would call every file unchanged.
            report.problems.append("chunking or embedding settings changed since the last ingest: re-indexing every article")
            for doc_id in list(store.article_hashes()):
                store.remove_article(doc_id)
            store.save()
        stored = store.articles()
        before = store.article_hashes()
        by_text = {str(doc.metadata.get("sha", "")): doc_id for doc_id, doc in stored.items()}
        documents = []
        for article in articles:
            sha = content_hash(article.raw)
            twin = by_text.get(sha)
            if twin is not None and twin != article.doc_id:
                report.problems.append(f"{article.doc_id}: same text as {twin}, already ingested; skipped")
                continue
            by_text[sha] = article.doc_id
            metadata = {"doc_id": article.doc_id, "outlet": article.outlet, "date": article.date, "folder": article.folder, "sha": sha}
            documents.append(Document(id_=article.doc_id, text=article.raw, metadata=metadata))

        for document in documents:
            if document.id_ not in before:
                # chunks of an article the docstore never recorded come from a killed ingest
                store.vector_store.delete(document.id_)
            elif before[document.id_] != document.hash:
                report.changed.append(document.id_)
            else:
                report.unchanged.append(document.id_)
        report.new = [d.id_ for d in documents if d.id_ not in before]

        texts = [doc.get_content() for doc in stored.values()] + [d.text for d in documents]
        chunker = ArticleChunker(
            chunk_size=settings.chunk.size,
            chunk_overlap=settings.chunk.overlap,
            count_tokens=count_tokens_fn(embedding, settings.chunk.size),
            vocabulary=collection_vocabulary(texts) | tokenizer_vocabulary(embedding),
            clean=settings.chunk.clean,
        )
        pipeline = IngestionPipeline(
            transformations=[chunker, embedding],
            vector_store=store.vector_store,
            docstore=store.docstore,
            docstore_strategy=DocstoreStrategy.UPSERTS,
            disable_cache=True,
        )
        # Batches, each saved when done: a killed ingest keeps its finished
        # batches, and the next run skips them (their hashes are in the docstore).
        progress = _progress_bar(len(documents), show_progress)
        size = settings.collection.ingest_batch
        for start in range(0, len(documents), size):
            batch_docs = documents[start : start + size]
            report.embedded_chunks += len(pipeline.run(documents=batch_docs))
            store.save()
            progress.update(len(batch_docs))
        progress.close()

        folders = {str(p.resolve()) for p in paths if p.is_dir()}
        batch = {d.id_ for d in documents} | {a.doc_id for a in articles}
        for doc_id, doc in store.articles().items():
            if doc.metadata.get("folder") in folders and doc_id not in batch:
                store.remove_article(doc_id)
                report.removed.append(doc_id)

        store.save()
        store.set_index_signature(signature)
        if report.embedded_chunks or report.removed or store.bm25() is None:
            store.rebuild_bm25()
        report.articles = len(store.article_hashes())
        report.chunks = store.chunk_count()
    return report


def remove(store: Store, doc_ids: list[str]) -> list[str]:
    """Remove articles by doc_id; returns those that were there."""
    with store.write_lock():
        present = [d for d in doc_ids if d in store.article_hashes()]
        for doc_id in present:
            store.remove_article(doc_id)
        store.save()
        store.rebuild_bm25()
    return present
