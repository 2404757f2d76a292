"""Where chunks live: a Chroma collection (embedded or server), the article docstore and the BM25 index.

Chroma is the source of truth for chunks. The llama-index docstore holds one
entry per article (its raw-text hash) so the ingestion pipeline can skip
unchanged files. The BM25 index and the term weights are derived from Chroma's
chunks.

Readers and writers never share an object. A writer (`Store.writing()`, one at a
time across threads and processes) works on its own docstore, saved after each
batch so a killed ingest resumes, and at the end *publishes* a version: the
docstore, BM25 index and term weights written together into a fresh folder,
then named in ``version.json`` by an atomic rename. Readers (`Store.snapshot()`)
load a published version whole and keep it until another is named; they never
write, so a question can't rebuild an index or persist a half-made docstore.
Hand-written: llama-index's stores have no notion of versions or readers.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.config import Settings
from rag.errors import RagError
from rag.support import TermWeights

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode
    from llama_index.core.storage.docstore import SimpleDocumentStore
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.bm25_index import ChunkBM25Retriever

DOCSTORE_FILE = "docstore.json"  # the writer's working copy (resume after a kill); readers never read it
BM25_DIR = "bm25"
TERMS_FILE = "terms.json"
LOCK_FILE = "write.lock"
SIGNATURE_FILE = "index.json"
VERSION_FILE = "version.json"
VERSIONS_DIR = "versions"
KEEP_VERSIONS = 3  # a reader loading the previous version while a writer publishes must still find it
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


@dataclass(frozen=True)
class Snapshot:
    """One published version of the articles, BM25 index and term weights, always used together."""

    version: str  # "" for a store nothing was published to
    docstore: SimpleDocumentStore
    bm25: ChunkBM25Retriever | None
    weights: TermWeights

    def article_hashes(self) -> dict[str, str]:
        return hashes_by_article(self.docstore)

    def articles(self) -> dict[str, BaseNode]:
        return dict(self.docstore.docs)


def hashes_by_article(docstore: SimpleDocumentStore) -> dict[str, str]:
    """doc_id → raw-text hash of every article in ``docstore`` (a published version's, or a writer's)."""
    return {doc_id: h for h, doc_id in docstore.get_all_document_hashes().items()}


class Store:
    """The collection's persisted state, opened from settings."""

    def __init__(self, settings: Settings) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.settings = settings
        self.dir = settings.store_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        with server_errors(settings):
            self.client = make_chroma_client(settings)
            self.collection = self.client.get_or_create_collection(settings.store.collection, metadata={"hnsw:space": "cosine"})
        self.vector_store: ChromaVectorStore = ChromaVectorStore(chroma_collection=self.collection)
        self._snapshot: Snapshot | None = None
        self._loading = threading.Lock()  # one thread loads a new version; the others wait for it
        self._writing = threading.RLock()  # the file lock is per process: threads of one process queue here first

    # -- readers ------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The newest published version, loaded once; another process's publish is picked up on the next call."""
        version = self._published_version()
        current = self._snapshot
        if current is not None and current.version == version:
            return current
        with self._loading:
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = self._load(version)
            return self._snapshot

    def _published_version(self) -> str:
        path = self.dir / VERSION_FILE
        return json.loads(path.read_text())["version"] if path.exists() else ""

    def _load(self, version: str) -> Snapshot:
        from llama_index.core.storage.docstore import SimpleDocumentStore

        from rag.bm25_index import ChunkBM25Retriever

        if not version:
            return Snapshot("", SimpleDocumentStore(), None, TermWeights({}, 0))
        folder = self.dir / VERSIONS_DIR / version
        docstore = SimpleDocumentStore.from_persist_path(str(folder / DOCSTORE_FILE))
        bm25 = None
        if (folder / BM25_DIR).exists():
            bm25 = ChunkBM25Retriever.load(str(folder / BM25_DIR), self.chunks_by_id, self.settings.retrieve.candidates)
        data = json.loads((folder / TERMS_FILE).read_text())
        return Snapshot(version, docstore, bm25, TermWeights(data["df"], data["n_docs"], frozenset(data["lowercase"])))

    def article_hashes(self) -> dict[str, str]:
        return self.snapshot().article_hashes()

    def articles(self) -> dict[str, BaseNode]:
        return self.snapshot().articles()

    def bm25(self) -> ChunkBM25Retriever | None:
        return self.snapshot().bm25

    def index_signature(self) -> dict[str, Any] | None:
        """How the stored chunks were made (chunker version, model, chunk settings); None for a new store."""
        path = self.dir / SIGNATURE_FILE
        return json.loads(path.read_text()) if path.exists() else None

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

    def chunk_sample(self, limit: int) -> list[tuple[str, dict[str, Any]]]:
        """Up to ``limit`` chunks (text, metadata) in storage order: a taste of the collection (the UI's examples)."""
        if self.chunk_count() == 0:
            return []
        got = self.collection.get(limit=limit, include=["documents", "metadatas"])
        return list(zip(got["documents"], got["metadatas"], strict=True))

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

    # -- writers ----------------------------------------------------------
    @contextlib.contextmanager
    def writing(self, wait_s: float | None = None) -> Iterator[Writer]:
        """The one writer of this store: other threads queue, other processes wait ``wait_s``, then give up clearly."""
        with self._writing, self.write_lock(wait_s):
            yield Writer(self)

    @contextlib.contextmanager
    def write_lock(self, wait_s: float | None = None) -> Iterator[None]:
        """One writing process at a time on this store; a second waits, then gives up clearly."""
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

    def _publish(self) -> None:
        """Copy the writer's saved docstore and write the BM25 index and term weights into a new version folder, then
        name it: readers switch whole."""
        from rag.bm25_index import ChunkBM25Retriever

        version = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        folder = self.dir / VERSIONS_DIR / version
        folder.mkdir(parents=True)
        shutil.copyfile(self.dir / DOCSTORE_FILE, folder / DOCSTORE_FILE)
        texts: list[str] = []

        def pages() -> Iterator[list[BaseNode]]:
            for page in self._node_pages():
                texts.extend(n.get_content() for n in page)
                yield page

        if self.chunk_count():
            ChunkBM25Retriever.build(pages(), self.chunks_by_id, self.settings.retrieve.candidates).persist(str(folder / BM25_DIR))
        weights = TermWeights.from_texts(texts)
        (folder / TERMS_FILE).write_text(json.dumps({"df": weights.df, "n_docs": weights.n_docs, "lowercase": sorted(weights.lowercase)}))
        _write_atomic(self.dir / VERSION_FILE, json.dumps({"version": version}))
        for old in sorted((self.dir / VERSIONS_DIR).iterdir(), key=lambda p: p.name)[:-KEEP_VERSIONS]:
            shutil.rmtree(old, ignore_errors=True)


class Writer:
    """What an ingest or removal changes: its own docstore (from the writer's working copy), Chroma, and the version it publishes."""

    def __init__(self, store: Store) -> None:
        from llama_index.core.storage.docstore import SimpleDocumentStore

        self.store = store
        working = store.dir / DOCSTORE_FILE
        self.docstore = SimpleDocumentStore.from_persist_path(str(working)) if working.exists() else SimpleDocumentStore()

    def article_hashes(self) -> dict[str, str]:
        return hashes_by_article(self.docstore)

    def articles(self) -> dict[str, BaseNode]:
        return dict(self.docstore.docs)

    def remove_article(self, doc_id: str) -> None:
        self.store.vector_store.delete(doc_id)
        self.docstore.delete_document(doc_id, raise_error=False)

    def save(self) -> None:
        """Persist the working docstore atomically (a crash leaves the old file): a killed ingest resumes from it."""
        tmp = self.store.dir / (DOCSTORE_FILE + ".tmp")
        self.docstore.persist(str(tmp))
        os.replace(tmp, self.store.dir / DOCSTORE_FILE)

    def set_index_signature(self, signature: dict[str, Any]) -> None:
        _write_atomic(self.store.dir / SIGNATURE_FILE, json.dumps(signature))

    def publish(self) -> None:
        self.save()
        self.store._publish()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
