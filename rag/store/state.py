"""Where the collection lives, and how readers and one writer share it.

Chroma holds the chunks (text, raw offsets, the parser's annotations,
vectors). Around them, a *published version*: the articles (one entry per
article with its text hash, for the ingestion pipeline's dedup), the BM25 index
and the term weights, always used together.

- Local mode (the embedded default): the version lives in files under the store
  directory — `versions/<id>/` (docstore, BM25 index, term weights) named in
  `version.json` by an atomic rename; one writing process at a time (a file lock).
- Server mode (`store.host`): Chroma is the source of truth. A second
  collection, `<collection>_state`, holds the version marker, one entry per
  article and the index signature; a replica starts from an empty directory,
  reads the version from Chroma and builds its BM25 index and term weights from
  the chunks, and rebuilds them in the background when the version changes
  (answering from the one it has meanwhile). One writer across hosts: a lease
  recorded in Chroma (`rag.store.lease`).

Readers (`Store.snapshot()`) never write; a writer (`Store.writing()`) works on
its own copy of the articles and publishes all of it at once: the version marker
is written last, so no reader sees half an ingest's articles. Hand-written:
llama-index's stores have no notion of versions, readers or leases.
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.config import Settings
from rag.errors import RagError
from rag.store.bm25 import BM25Index
from rag.store.chroma import make_chroma_client, server_errors
from rag.store.lease import Lease
from rag.text.lexical import TermWeights

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode
    from llama_index.core.storage.docstore import SimpleDocumentStore
    from llama_index.vector_stores.chroma import ChromaVectorStore

DOCSTORE_FILE = "docstore.json"  # the writer's working copy (resume after a kill); readers never read it
BM25_DIR = "bm25"
TERMS_FILE = "terms.json"
LOCK_FILE = "write.lock"
SIGNATURE_FILE = "index.json"
VERSION_FILE = "version.json"
VERSIONS_DIR = "versions"
KEEP_VERSIONS = 3  # a reader loading the previous version while a writer publishes must still find it
PAGE_SIZE = 5000
STATE_SUFFIX = "_state"  # server mode: the collection holding version, articles, signature and lease
VERSION_ID, SIGNATURE_ID, ARTICLE_PREFIX = "version", "signature", "article:"
NO_VECTOR = [0.0]  # the state collection's records are looked up by id or kind, never by similarity


def _empty_docstore() -> SimpleDocumentStore:
    from llama_index.core.storage.docstore import SimpleDocumentStore

    return SimpleDocumentStore()


class Snapshot:
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
        self.settings = settings
        self.dir = settings.store_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.shared = bool(settings.store.host)
        with server_errors(settings):
            self.client = make_chroma_client(settings)
            self.collection = self.client.get_or_create_collection(settings.store.collection, metadata={"hnsw:space": "cosine"})
            # records, not vectors: no embedding function (Chroma's default would try to download a model), one dummy dimension
            self.state = self.client.get_or_create_collection(settings.store.collection + STATE_SUFFIX, embedding_function=None) if self.shared else None
        self._vector_store: ChromaVectorStore | None = None
        self._snapshot: Snapshot | None = None
        self._loading = threading.Lock()  # one thread loads a new version; the others wait for it (or answer from the old)
        self._pending: str = ""  # server mode: the version being built in the background
        self._writing = threading.RLock()  # the file lock / lease is per process: threads of one process queue here first

    @property
    def vector_store(self) -> ChromaVectorStore:
        """llama-index's Chroma store, for the ingestion pipeline (writers only: answering never imports llama-index)."""
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self.collection)
        return self._vector_store

    # -- readers ------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The newest published version. Local mode loads it before answering; server mode, once it serves a version,
        keeps answering from it while another host's newer one is built from the chunks in the background."""
        version = self._published_version()
        current = self._snapshot
        if current is not None and current.version == version:
            return current
        if current is not None and current.version and self.shared:
            self._build_in_background(version)
            return current
        with self._loading:
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = self._load(version)
            return self._snapshot

    def _build_in_background(self, version: str) -> None:
        with self._loading:
            if self._pending == version:
                return
            self._pending = version

        def build() -> None:
            try:
                snapshot = self._load(version)
                with self._loading:
                    if self._pending == version:
                        self._snapshot, self._pending = snapshot, ""
            except Exception:  # the server went away: the next question tries again
                with self._loading:
                    self._pending = ""

        threading.Thread(target=build, name=f"rag-version-{version[:8]}", daemon=True).start()

    def wait_for(self, version: str, timeout_s: float = 120.0) -> Snapshot:
        """Block until the snapshot is ``version`` (a replica that must see an ingest it knows of: tests, bench)."""
        deadline = time.monotonic() + timeout_s
        while (snapshot := self.snapshot()).version != version:
            if time.monotonic() > deadline:
                raise RagError(f"Version {version} was not loaded within {timeout_s:g} s")
            time.sleep(0.1)
        return snapshot

    def _published_version(self) -> str:
        if self.shared:
            with server_errors(self.settings):
                got = self.state.get(ids=[VERSION_ID], include=["metadatas"])
            return str(got["metadatas"][0]["version"]) if got["ids"] else ""
        path = self.dir / VERSION_FILE
        return json.loads(path.read_text())["version"] if path.exists() else ""

    def _load(self, version: str) -> Snapshot:
        if not version:
            return Snapshot("", None, TermWeights({}, 0), _empty_docstore)
        if self.shared:
            bm25, weights = self._derive_indexes()
            return Snapshot(version, bm25, weights, self._shared_articles)
        folder = self.dir / VERSIONS_DIR / version
        bm25 = BM25Index.load(folder / BM25_DIR) if (folder / BM25_DIR).exists() else None
        data = json.loads((folder / TERMS_FILE).read_text())
        weights = TermWeights(data["df"], data["n_docs"], frozenset(data["lowercase"]))
        return Snapshot(version, bm25, weights, lambda: _read_docstore(folder / DOCSTORE_FILE))

    def _derive_indexes(self) -> tuple[BM25Index | None, TermWeights]:
        """The BM25 index and term weights of the chunks now in Chroma (what a publish writes, or a replica builds)."""
        texts: list[str] = []

        def chunks() -> Iterator[tuple[str, str]]:
            for page in self._pages(["documents"]):
                texts.extend(page["documents"])
                yield from zip(page["ids"], page["documents"], strict=True)

        bm25 = BM25Index.build(chunks()) if self.chunk_count() else None
        return bm25, TermWeights.from_texts(texts)

    def _shared_articles(self) -> SimpleDocumentStore:
        from llama_index.core import Document

        docstore = _empty_docstore()
        with server_errors(self.settings):
            got = self.state.get(where={"kind": "article"}, include=["documents", "metadatas"])
        for text, meta in zip(got["documents"], got["metadatas"], strict=True):
            fields = json.loads(meta["fields"])
            docstore.add_documents([Document(id_=meta["doc_id"], text=text, metadata=fields)], store_text=True)
            docstore.set_document_hash(meta["doc_id"], meta["hash"])
        return docstore

    def article_hashes(self) -> dict[str, str]:
        return self.snapshot().article_hashes()

    def articles(self) -> dict[str, BaseNode]:
        return self.snapshot().articles()

    def bm25(self) -> BM25Index | None:
        return self.snapshot().bm25

    def index_signature(self) -> dict[str, Any] | None:
        """How the stored chunks were made (chunker version, model, chunk settings); None for a new store."""
        if self.shared:
            with server_errors(self.settings):
                got = self.state.get(ids=[SIGNATURE_ID], include=["documents"])
            return json.loads(got["documents"][0]) if got["ids"] else None
        path = self.dir / SIGNATURE_FILE
        return json.loads(path.read_text()) if path.exists() else None

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
        return [(i, text, meta, math.exp(-distance)) for i, text, meta, distance in rows]

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
        """The one writer of this collection: other threads queue; another process (local mode) or another host
        (server mode, the lease) is waited for ``wait_s`` (default `store.lock_wait_s`), then refused clearly."""
        with self._writing, self.write_lock(wait_s) as lease:
            yield Writer(self, lease)

    @contextlib.contextmanager
    def write_lock(self, wait_s: float | None = None) -> Iterator[Lease | None]:
        wait = self.settings.store.lock_wait_s if wait_s is None else wait_s
        if self.shared:
            lease = Lease(self.state, self.settings.store.lease_s, self.settings)
            lease.acquire(wait)
            try:
                yield lease
            finally:
                lease.release()
            return
        handle = open(self.dir / LOCK_FILE, "w")  # noqa: SIM115 - held for the block
        deadline = time.monotonic() + wait
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise RagError(f"Another process is writing to the store at {self.dir}", "wait for that ingest to finish, then try again") from None
                    time.sleep(0.2)
            yield None
        finally:
            handle.close()

    def _publish(self, writer: Writer) -> None:
        """Write the articles, BM25 index and term weights of a new version, then name it: readers switch whole.
        This process's next question loads it at once (it published it; no background build)."""
        version = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        if self.shared:
            self._publish_shared(writer, version)
        else:
            self._publish_local(version)
        with self._loading:
            self._snapshot, self._pending = None, ""

    def _publish_local(self, version: str) -> None:
        folder = self.dir / VERSIONS_DIR / version
        folder.mkdir(parents=True)
        shutil.copyfile(self.dir / DOCSTORE_FILE, folder / DOCSTORE_FILE)
        bm25, weights = self._derive_indexes()
        if bm25 is not None:
            bm25.persist(folder / BM25_DIR)
        (folder / TERMS_FILE).write_text(json.dumps({"df": weights.df, "n_docs": weights.n_docs, "lowercase": sorted(weights.lowercase)}))
        _write_atomic(self.dir / VERSION_FILE, json.dumps({"version": version}))
        for old in sorted((self.dir / VERSIONS_DIR).iterdir(), key=lambda p: p.name)[:-KEEP_VERSIONS]:
            shutil.rmtree(old, ignore_errors=True)

    def _publish_shared(self, writer: Writer, version: str) -> None:
        """Server mode: each changed article's entry, then the removed ones deleted, then the version marker (last,
        in one write: a replica sees the old version or the new one, never between)."""
        published = self._shared_hashes()
        current = writer.article_hashes()
        docs = writer.articles()
        changed = [doc_id for doc_id, h in current.items() if published.get(doc_id) != h]
        with server_errors(self.settings):
            for start in range(0, len(changed), 200):
                batch = changed[start : start + 200]
                self.state.upsert(
                    ids=[ARTICLE_PREFIX + d for d in batch],
                    embeddings=[NO_VECTOR] * len(batch),
                    documents=[docs[d].get_content() for d in batch],
                    metadatas=[{"kind": "article", "doc_id": d, "hash": current[d], "fields": json.dumps(docs[d].metadata)} for d in batch],
                )
            gone = [ARTICLE_PREFIX + d for d in published if d not in current]
            if gone:
                self.state.delete(ids=gone)
            self.state.upsert(
                ids=[VERSION_ID], embeddings=[NO_VECTOR], documents=[version], metadatas=[{"kind": "version", "version": version, "published_ns": time.time_ns()}]
            )

    def _shared_hashes(self) -> dict[str, str]:
        with server_errors(self.settings):
            got = self.state.get(where={"kind": "article"}, include=["metadatas"])
        return {m["doc_id"]: m["hash"] for m in got["metadatas"]}


class Writer:
    """What an ingest or removal changes: its own copy of the articles, Chroma, and the version it publishes."""

    def __init__(self, store: Store, lease: Lease | None = None) -> None:
        self.store = store
        self.lease = lease
        working = store.dir / DOCSTORE_FILE
        if store.shared:
            # the published articles, whichever host published them (a working copy here may be another host's past)
            self.docstore = store._shared_articles()
        else:
            self.docstore = _read_docstore(working) if working.exists() else _empty_docstore()

    def article_hashes(self) -> dict[str, str]:
        return hashes_by_article(self.docstore)

    def articles(self) -> dict[str, BaseNode]:
        return dict(self.docstore.docs)

    def remove_article(self, doc_id: str) -> None:
        self.store.vector_store.delete(doc_id)
        self.docstore.delete_document(doc_id, raise_error=False)

    def save(self) -> None:
        """Persist the working docstore atomically (a crash leaves the old file): a killed ingest resumes from it.
        In server mode the lease is renewed instead: the working copy there is rebuilt from Chroma."""
        if self.lease is not None:
            self.lease.renew()
        if self.store.shared:
            return
        tmp = self.store.dir / (DOCSTORE_FILE + ".tmp")
        self.docstore.persist(str(tmp))
        os.replace(tmp, self.store.dir / DOCSTORE_FILE)

    def set_index_signature(self, signature: dict[str, Any]) -> None:
        if self.store.shared:
            with server_errors(self.store.settings):
                self.store.state.upsert(ids=[SIGNATURE_ID], embeddings=[NO_VECTOR], documents=[json.dumps(signature)], metadatas=[{"kind": "signature"}])
            return
        _write_atomic(self.store.dir / SIGNATURE_FILE, json.dumps(signature))

    def publish(self) -> None:
        self.save()
        self.store._publish(self)


def _read_docstore(path: Path) -> SimpleDocumentStore:
    from llama_index.core.storage.docstore import SimpleDocumentStore

    return SimpleDocumentStore.from_persist_path(str(path))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
