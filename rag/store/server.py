"""The shared store (`store.host`): a Chroma server is the source of truth, for any number of hosts.

A second collection, `<collection>_state`, holds the version marker, one entry per article and the index signature.
A replica starts from an empty directory, reads the version from Chroma and builds its BM25 index and term weights
from the chunks, and rebuilds them in the background when the version changes (answering from the one it has
meanwhile). One writer across hosts: a lease recorded in Chroma (`rag.store.lease`).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rag.config import Settings
from rag.store.base import Snapshot, Store, Writer, empty_docstore
from rag.store.chroma import server_errors
from rag.store.lease import Lease

if TYPE_CHECKING:
    from llama_index.core.storage.docstore import SimpleDocumentStore

STATE_SUFFIX = "_state"  # the collection holding version, articles, signature and lease
VERSION_ID, SIGNATURE_ID, ARTICLE_PREFIX = "version", "signature", "article:"
NO_VECTOR = [0.0]  # the state collection's records are looked up by id or kind, never by similarity
BATCH = 200


class ServerStore(Store):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        with server_errors(settings):
            # records, not vectors: no embedding function (Chroma's default would try to download a model), one dummy dimension
            self.state = self.client.get_or_create_collection(settings.store.collection + STATE_SUFFIX, embedding_function=None)
        self._pending = ""  # the version being built in the background

    def _published_version(self) -> str:
        with server_errors(self.settings):
            got = self.state.get(ids=[VERSION_ID], include=["metadatas"])
        return str(got["metadatas"][0]["version"]) if got["ids"] else ""

    def _load(self, version: str) -> Snapshot:
        bm25, weights = self.derive_indexes()
        return Snapshot(version, bm25, weights, self.working_articles)

    def _while_newer_loads(self, current: Snapshot, version: str) -> Snapshot | None:
        """Another host published: keep answering from ``current`` while ``version`` is built in the background."""
        with self._loading:
            if self._pending == version:
                return current
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
        return current

    def index_signature(self) -> dict[str, Any] | None:
        with server_errors(self.settings):
            got = self.state.get(ids=[SIGNATURE_ID], include=["documents"])
        return json.loads(got["documents"][0]) if got["ids"] else None

    @contextlib.contextmanager
    def _write_lock(self, wait_s: float) -> Iterator[Lease]:
        lease = Lease(self.state, self.settings.store.lease_s, self.settings)
        lease.acquire(wait_s)
        try:
            yield lease
        finally:
            lease.release()

    def working_articles(self) -> SimpleDocumentStore:
        """The published articles, whichever host published them (a working copy here may be another host's past)."""
        from llama_index.core import Document

        docstore = empty_docstore()
        with server_errors(self.settings):
            got = self.state.get(where={"kind": "article"}, include=["documents", "metadatas"])
        for text, meta in zip(got["documents"], got["metadatas"], strict=True):
            fields = json.loads(meta["fields"])
            docstore.add_documents([Document(id_=meta["doc_id"], text=text, metadata=fields)], store_text=True)
            docstore.set_document_hash(meta["doc_id"], meta["hash"])
        return docstore

    def save_working(self, writer: Writer) -> None:
        """The lease renewed: the working copy here is rebuilt from Chroma, so there is nothing else to keep."""
        if writer.lease is not None:
            writer.lease.renew()

    def set_index_signature(self, signature: dict[str, Any]) -> None:
        with server_errors(self.settings):
            self.state.upsert(ids=[SIGNATURE_ID], embeddings=[NO_VECTOR], documents=[json.dumps(signature)], metadatas=[{"kind": "signature"}])

    def _write_version(self, writer: Writer, version: str) -> None:
        """Each changed article's entry, then the removed ones deleted, then the version marker (last, in one write: a
        replica sees the old version or the new one, never between)."""
        published = self._published_hashes()
        current = writer.article_hashes()
        docs = writer.articles()
        changed = [doc_id for doc_id, h in current.items() if published.get(doc_id) != h]
        with server_errors(self.settings):
            for start in range(0, len(changed), BATCH):
                batch = changed[start : start + BATCH]
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
        with self._loading:
            self._pending = ""

    def _published_hashes(self) -> dict[str, str]:
        with server_errors(self.settings):
            got = self.state.get(where={"kind": "article"}, include=["metadatas"])
        return {m["doc_id"]: m["hash"] for m in got["metadatas"]}
