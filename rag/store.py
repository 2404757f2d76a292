"""Where chunks live: a Chroma collection (embedded or server), the article docstore and the BM25 index.

Chroma is the source of truth for chunks. The llama-index docstore holds one
entry per article (its raw-text hash) so the ingestion pipeline can skip
unchanged files. The BM25 index is derived from Chroma's chunks, persisted
next to the docstore, and rebuilt only when the chunk set changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rag.config import Settings
from rag.errors import RagError
from rag.support import TermWeights

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode
    from llama_index.core.storage.docstore import SimpleDocumentStore
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.bm25_index import ChunkBM25Retriever

DOCSTORE_FILE = "docstore.json"
BM25_DIR = "bm25"
BM25_STAMP = "stamp.json"
TERMS_FILE = "terms.json"
LOCK_FILE = "write.lock"
SIGNATURE_FILE = "index.json"
PAGE_SIZE = 5000


def make_chroma_client(settings: Settings) -> Any:
    """A `PersistentClient` on the store dir, or an `HttpClient` when a server is configured."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.store.host:
        try:
            return chromadb.HttpClient(host=settings.store.host, port=settings.store.port, settings=chroma_settings)
        except Exception as exc:  # chromadb raises ValueError/ConnectionError variants
            raise RagError(
                f"Chroma server is not reachable at {settings.store.host}:{settings.store.port}",
                "start it with 'chroma run --path DIR --port PORT' or clear store.host",
            ) from exc
    path = settings.store_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


@contextlib.contextmanager
def server_errors(settings: Settings) -> Iterator[None]:
    """Turn a Chroma server that is down or restarting into one clear message.

    The client reconnects by itself, so the next call after the server is back works.
    """
    try:
        yield
    except RagError:
        raise
    except Exception as exc:
        module = type(exc).__module__.split(".")[0]
        if not settings.store.host or not (isinstance(exc, (ConnectionError, OSError)) or module in ("httpx", "httpcore", "chromadb")):
            raise
        raise RagError(
            f"Chroma server at {settings.store.host}:{settings.store.port} is not answering ({type(exc).__name__})",
            "check that 'chroma run' is up; the assistant reconnects when it is back",
        ) from exc


class Store:
    """The collection's persisted state, opened from settings."""

    def __init__(self, settings: Settings) -> None:
        from llama_index.core.storage.docstore import SimpleDocumentStore
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.settings = settings
        self.dir = settings.store_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        with server_errors(settings):
            self.client = make_chroma_client(settings)
            self.collection = self.client.get_or_create_collection(settings.store.collection, metadata={"hnsw:space": "cosine"})
        self.vector_store: ChromaVectorStore = ChromaVectorStore(chroma_collection=self.collection)
        self._docstore: SimpleDocumentStore = SimpleDocumentStore()
        self._docstore_stamp: int | None = None
        self._bm25: ChunkBM25Retriever | None = None
        self._weights: TermWeights | None = None

    # -- articles ---------------------------------------------------------
    def article_hashes(self) -> dict[str, str]:
        """doc_id → raw-text hash of every stored article."""
        return {doc_id: h for h, doc_id in self.docstore.get_all_document_hashes().items()}

    def articles(self) -> dict[str, BaseNode]:
        return dict(self.docstore.docs)

    @property
    def docstore(self) -> SimpleDocumentStore:
        """The article docstore, re-read when another process (a CLI ingest beside the UI) saved it."""
        from llama_index.core.storage.docstore import SimpleDocumentStore

        path = self.dir / DOCSTORE_FILE
        stamp = path.stat().st_mtime_ns if path.exists() else None
        if stamp != self._docstore_stamp:
            self._docstore = SimpleDocumentStore.from_persist_path(str(path)) if stamp is not None else SimpleDocumentStore()
            self._docstore_stamp = stamp
            self._bm25 = self._weights = None  # the chunk set may have changed with it
        return self._docstore

    def remove_article(self, doc_id: str) -> None:
        self.vector_store.delete(doc_id)
        self.docstore.delete_document(doc_id, raise_error=False)

    def save(self) -> None:
        """Persist the docstore atomically: a crash leaves the old file, never half a file."""
        tmp = self.dir / (DOCSTORE_FILE + ".tmp")
        self._docstore.persist(str(tmp))
        os.replace(tmp, self.dir / DOCSTORE_FILE)
        self._docstore_stamp = (self.dir / DOCSTORE_FILE).stat().st_mtime_ns

    def index_signature(self) -> dict[str, Any] | None:
        """How the stored chunks were made (chunker version, model, chunk settings); None for a new store."""
        path = self.dir / SIGNATURE_FILE
        return json.loads(path.read_text()) if path.exists() else None

    def set_index_signature(self, signature: dict[str, Any]) -> None:
        (self.dir / SIGNATURE_FILE).write_text(json.dumps(signature))

    # -- chunks -----------------------------------------------------------
    def chunk_count(self) -> int:
        return int(self.collection.count())

    def _pages(self, include: list[str]) -> Iterator[dict[str, Any]]:
        """The whole collection, a page at a time: one `get()` of every row fails
        past ~30k chunks (SQLite's limit on query variables)."""
        for offset in range(0, self.chunk_count(), PAGE_SIZE):
            yield self.collection.get(limit=PAGE_SIZE, offset=offset, include=include)

    def _node_pages(self) -> Iterator[list[BaseNode]]:
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        for page in self._pages(["documents", "metadatas"]):
            yield [metadata_dict_to_node(meta, text=text) for text, meta in zip(page["documents"], page["metadatas"], strict=True)]

    def all_chunks(self) -> list[BaseNode]:
        return [node for page in self._node_pages() for node in page]

    def chunks_by_id(self, ids: list[str]) -> list[BaseNode]:
        """The chunks with these ids (BM25 hits), read from Chroma: the index itself holds no text."""
        from llama_index.core.vector_stores.utils import metadata_dict_to_node

        if not ids:
            return []
        with server_errors(self.settings):
            got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        return [metadata_dict_to_node(meta, text=text) for text, meta in zip(got["documents"], got["metadatas"], strict=True)]

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

    # -- BM25 -------------------------------------------------------------
    def _stamp(self) -> dict[str, Any]:
        return {"chunks": self.chunk_count(), "articles": sorted(self.article_hashes().values())}

    def rebuild_bm25(self) -> None:
        """Re-index every chunk for BM25 and persist it with a stamp of what it covers."""
        from rag.bm25_index import ChunkBM25Retriever

        target = self.dir / BM25_DIR
        if self.chunk_count() == 0:
            self._bm25 = None
            self._weights = TermWeights({}, 0)
            (target / BM25_STAMP).unlink(missing_ok=True)
            return
        texts: list[str] = []

        def pages() -> Iterator[list[BaseNode]]:
            for page in self._node_pages():
                texts.extend(n.get_content() for n in page)
                yield page

        retriever = ChunkBM25Retriever.build(pages(), self.chunks_by_id, self.settings.retrieve.candidates)
        target.mkdir(parents=True, exist_ok=True)
        retriever.persist(str(target))
        weights = TermWeights.from_texts(texts)
        (target / TERMS_FILE).write_text(json.dumps({"df": weights.df, "n_docs": weights.n_docs, "lowercase": sorted(weights.lowercase)}))
        self._weights = weights
        (target / BM25_STAMP).write_text(json.dumps(self._stamp()))
        self._bm25 = retriever

    def bm25(self) -> ChunkBM25Retriever | None:
        """The persisted BM25 retriever, rebuilt if another writer changed the chunks (or it predates id-only indexes)."""
        _ = self.docstore  # a docstore saved by another process drops the cached index
        if self._bm25 is not None:
            return self._bm25
        from rag.bm25_index import IDS_FILE, ChunkBM25Retriever

        target = self.dir / BM25_DIR
        stamp = target / BM25_STAMP
        if stamp.exists() and (target / IDS_FILE).exists() and json.loads(stamp.read_text()) == self._stamp():
            self._bm25 = ChunkBM25Retriever.load(str(target), self.chunks_by_id, self.settings.retrieve.candidates)
        elif self.chunk_count():
            self.rebuild_bm25()
        return self._bm25

    def term_weights(self) -> TermWeights:
        """Collection term frequencies for support scoring, kept in step with the BM25 index."""
        if self._weights is None:
            self.bm25()
            path = self.dir / BM25_DIR / TERMS_FILE
            if self._weights is None and path.exists():
                data = json.loads(path.read_text())
                if "lowercase" not in data:  # written before the reader needed it: derive it again
                    self.rebuild_bm25()
                    return self._weights or TermWeights({}, 0)
                self._weights = TermWeights(data["df"], data["n_docs"], frozenset(data["lowercase"]))
        return self._weights or TermWeights({}, 0)

    # -- writers ----------------------------------------------------------
    @contextlib.contextmanager
    def write_lock(self, wait_s: float | None = None) -> Iterator[None]:
        """One writer at a time on this store; a second waits, then gives up clearly."""
        handle = open(self.dir / LOCK_FILE, "w")  # noqa: SIM115 - held for the block
        deadline = time.monotonic() + (self.settings.store.lock_wait_s if wait_s is None else wait_s)
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise RagError(
                            f"Another process is writing to the store at {self.dir}",
                            "wait for that ingest to finish, then try again",
                        ) from None
                    time.sleep(0.2)
            yield
        finally:
            handle.close()
