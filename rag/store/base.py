"""Where the collection lives, and how readers and one writer share it: the protocol both stores keep.

Chroma holds the chunks (text, raw offsets, the parser's annotations,
vectors). Around them, a *published version*: the articles (one entry per
article with its text hash, for the ingestion pipeline's dedup), the BM25 index
and the term weights, always used together.

Readers (`Store.snapshot()`) never write; a writer (`Store.writing()`) works on
its own copy of the articles and publishes all of it at once: the version marker
is written last, so no reader sees half an ingest's articles. This module is what
both stores share (the chunks in Chroma, snapshot caching, the writer, publishing
in order); where the version, the articles and the writer's lock live is each
store's own: `rag.store.local` (files beside Chroma, a file lock) and
`rag.store.server` (a Chroma server: records beside the collection, a lease).
`open_store` picks one from settings. Hand-written: llama-index's stores have no
notion of versions, readers or leases.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from rag.config import Settings
from rag.store.bm25 import BM25Index
from rag.store.chroma import make_chroma_client, server_errors
from rag.store.lease import Lease
from rag.text.lexical import TermWeights

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode
    from llama_index.core.storage.docstore import SimpleDocumentStore
    from llama_index.vector_stores.chroma import ChromaVectorStore

PAGE_SIZE = 5000


def empty_docstore() -> SimpleDocumentStore:
    from llama_index.core.storage.docstore import SimpleDocumentStore

    return SimpleDocumentStore()


def hashes_by_article(docstore: SimpleDocumentStore) -> dict[str, str]:
    """doc_id → raw-text hash of every article in ``docstore`` (a published version's, or a writer's)."""
    return {doc_id: h for h, doc_id in docstore.get_all_document_hashes().items()}


class Articles:
    """What a published version and a writer's working copy both answer from their docstore."""

    docstore: SimpleDocumentStore

    def article_hashes(self) -> dict[str, str]:
        return hashes_by_article(self.docstore)

    def articles(self) -> dict[str, BaseNode]:
        return dict(self.docstore.docs)


class Snapshot(Articles):
    """One published version: its articles (loaded when first asked for), BM25 index and term weights."""

    def __init__(self, version: str, bm25: BM25Index | None, weights: TermWeights, articles: Callable[[], SimpleDocumentStore]) -> None:
        self.version = version  # "" for a store nothing was published to
        self.bm25 = bm25
        self.weights = weights
        self._load_articles = articles
        self._docstore: SimpleDocumentStore | None = None
        self._lock = threading.Lock()

    @property
    def docstore(self) -> SimpleDocumentStore:
        """The articles, loaded on first use: answering a question needs only the index and the weights."""
        with self._lock:
            if self._docstore is None:
                self._docstore = self._load_articles()
            return self._docstore


EMPTY = Snapshot("", None, TermWeights({}, 0), empty_docstore)


class Store:
    """The collection's persisted state, opened from settings: what readers and the one writer may do.

    Subclasses say where the published version, the articles and the writer's lock live (the `_`-methods below
    that raise); everything else (the chunks, caching the newest snapshot, the writer, publishing) is written here
    once, so both stores keep one contract (tests/test_store_protocol.py runs it on both)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dir = settings.store_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        with server_errors(settings):
            self.client = make_chroma_client(settings)
            self.collection = self.client.get_or_create_collection(settings.store.collection, metadata={"hnsw:space": "cosine"})
        self._vector_store: ChromaVectorStore | None = None
        self._snapshot: Snapshot | None = None
        self._loading = threading.Lock()  # one thread loads a new version; the others wait for it (or answer from the old)
        self._writing = threading.RLock()  # the file lock / lease is per process: threads of one process queue here first

    @property
    def vector_store(self) -> ChromaVectorStore:
        """llama-index's Chroma store, for the ingestion pipeline (writers only: answering never imports llama-index)."""
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self.collection)
        return self._vector_store

    # -- what each store keeps its own way ------------------------------------
    def _published_version(self) -> str:
        """The newest published version's id; "" when nothing was published."""
        raise NotImplementedError

    def _load(self, version: str) -> Snapshot:
        """The snapshot of a published version (never ""; `snapshot()` answers an empty store itself)."""
        raise NotImplementedError

    def _while_newer_loads(self, current: Snapshot, version: str) -> Snapshot | None:
        """The snapshot to answer from while ``version`` (newer than ``current``) is loaded, or None to wait for it."""
        return None

    def index_signature(self) -> dict[str, Any] | None:
        """How the stored chunks were made (chunker version, model, chunk settings); None for a new store."""
        raise NotImplementedError

    def _write_lock(self, wait_s: float) -> contextlib.AbstractContextManager[Lease | None]:
        """Held while one writer (of any process or host) writes; refuses clearly after ``wait_s``."""
        raise NotImplementedError

    def working_articles(self) -> SimpleDocumentStore:
        """The articles a new writer starts from."""
        raise NotImplementedError

    def save_working(self, writer: Writer) -> None:
        """Keep the writer's progress (a killed ingest resumes from it)."""
        raise NotImplementedError

    def set_index_signature(self, signature: dict[str, Any]) -> None:
        raise NotImplementedError

    def _write_version(self, writer: Writer, version: str) -> None:
        """Write the writer's articles and the indexes derived from the chunks, naming ``version`` last."""
        raise NotImplementedError

    # -- readers ------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The newest published version, loaded before answering (a server store may answer from the one it has while
        another host's newer one is built: `_while_newer_loads`)."""
        version = self._published_version()
        current = self._snapshot
        if current is not None and current.version == version:
            return current
        if not version:
            return EMPTY
        if current is not None and current.version and (meanwhile := self._while_newer_loads(current, version)) is not None:
            return meanwhile
        with self._loading:
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = self._load(version)
            return self._snapshot

    def article_hashes(self) -> dict[str, str]:
        return self.snapshot().article_hashes()

    def articles(self) -> dict[str, BaseNode]:
        return self.snapshot().articles()

    def bm25(self) -> BM25Index | None:
        return self.snapshot().bm25

    def derive_indexes(self) -> tuple[BM25Index | None, TermWeights]:
        """The BM25 index and term weights of the chunks now in Chroma (what a publish writes, or a replica builds)."""
        texts: list[str] = []

        def chunks() -> Iterator[tuple[str, str]]:
            for page in self._pages(["documents"]):
                texts.extend(page["documents"])
                yield from zip(page["ids"], page["documents"], strict=True)

        bm25 = BM25Index.build(chunks()) if self.chunk_count() else None
        return bm25, TermWeights.from_texts(texts)

    # -- chunks -----------------------------------------------------------
    def chunk_count(self) -> int:
        with server_errors(self.settings):
            return int(self.collection.count())

    def _pages(self, include: list[str]) -> Iterator[dict[str, Any]]:
        """The whole collection, a page at a time: one `get()` of every row fails
        past ~30k chunks (SQLite's limit on query variables)."""
        for offset in range(0, self.chunk_count(), PAGE_SIZE):
            with server_errors(self.settings):
                yield self.collection.get(limit=PAGE_SIZE, offset=offset, include=include)

    def all_chunks(self) -> list[BaseNode]:
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        return [
            metadata_dict_to_node(meta, text=text)
            for page in self._pages(["documents", "metadatas"])
            for text, meta in zip(page["documents"], page["metadatas"], strict=True)
        ]

    def chunk_sample(self, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """Up to ``limit`` chunks (text, metadata) in storage order: a taste of the collection (the UI's examples)."""
        if self.chunk_count() == 0:
            return []
        with server_errors(self.settings):
            got = self.collection.get(limit=limit, include=["documents", "metadatas"])
        return list(zip(got["documents"], got["metadatas"], strict=True))

    def records(self, ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """id → (text, metadata) of these chunks (BM25 hits), read from Chroma: the BM25 index holds no text."""
        if not ids:
            return {}
        with server_errors(self.settings):
            got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        return {i: (text, meta) for i, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}

    def nearest(self, vector: list[float], k: int) -> list[tuple[str, str, dict[str, Any], float]]:
        """(id, text, metadata, similarity) of the ``k`` chunks nearest ``vector``; similarity exp(−cosine distance),
        as llama-index's Chroma store scores them (so fused rankings are unchanged)."""
        import math

        with server_errors(self.settings):
            # no row count first: Chroma returns every row when it holds fewer than ``k``, and counting scans the table
            got = self.collection.query(query_embeddings=[vector], n_results=k, include=["documents", "metadatas", "distances"])
        rows = zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True)
        # a chunk deleted while the query ran (an article removed by `--watch` mid-question) comes back from Chroma's
        # vector index without its row: it is gone, not a passage
        return [(i, text, meta, math.exp(-distance)) for i, text, meta, distance in rows if text is not None and meta is not None]

    def article_summaries(self) -> dict[str, dict[str, Any]]:
        """doc_id → title, outlet, date and chunk count, read from the chunks' metadata."""
        summaries: dict[str, dict[str, Any]] = {}
        if self.chunk_count() == 0:
            return summaries
        for meta in (m for page in self._pages(["metadatas"]) for m in page["metadatas"]):
            doc_id = str(meta.get("doc_id", ""))
            row = summaries.setdefault(
                doc_id, {"doc_id": doc_id, "title": meta.get("title", ""), "outlet": meta.get("outlet", ""), "date": meta.get("date", ""), "chunks": 0}
            )
            row["chunks"] += 1
        return summaries

    # -- writers ----------------------------------------------------------
    @contextlib.contextmanager
    def writing(self, wait_s: float | None = None) -> Iterator[Writer]:
        """The one writer of this collection: other threads queue; another process (local) or another host (server,
        the lease) is waited for ``wait_s`` (default `store.lock_wait_s`), then refused clearly."""
        with self._writing, self.write_lock(wait_s) as lease:
            yield Writer(self, lease)

    def write_lock(self, wait_s: float | None = None) -> contextlib.AbstractContextManager[Lease | None]:
        """The lock (local) or lease (server) one writer holds, waited for ``wait_s`` (default `store.lock_wait_s`)."""
        return self._write_lock(self.settings.store.lock_wait_s if wait_s is None else wait_s)

    def publish(self, writer: Writer) -> None:
        """Write the articles, BM25 index and term weights of a new version, then name it: readers switch whole.
        This process's next question loads it at once (it published it; no background build)."""
        self._write_version(writer, f"{time.time_ns()}-{uuid.uuid4().hex[:8]}")
        with self._loading:
            self._snapshot = None


class Writer(Articles):
    """What an ingest or removal changes: its own copy of the articles, Chroma, and the version it publishes."""

    def __init__(self, store: Store, lease: Lease | None = None) -> None:
        self.store = store
        self.lease = lease
        self.docstore = store.working_articles()

    def remove_article(self, doc_id: str) -> None:
        self.store.vector_store.delete(doc_id)
        self.docstore.delete_document(doc_id, raise_error=False)

    def save(self) -> None:
        """Persist what this writer has done so far (the working copy, or the lease renewed)."""
        self.store.save_working(self)

    def set_index_signature(self, signature: dict[str, Any]) -> None:
        self.store.set_index_signature(signature)

    def publish(self) -> None:
        self.save()
        self.store.publish(self)
