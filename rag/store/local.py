"""The embedded store (the default): Chroma on disk, the published version in files beside it.

The version lives under the store directory: `versions/<id>/` (docstore, BM25 index, term weights), named in
`version.json` by an atomic rename, the older ones kept a while for readers still loading them. One writing process
at a time: a file lock (`write.lock`); the writer's working docstore is persisted as it goes, so a killed ingest
resumes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import RagError
from rag.store.base import Snapshot, Store, Writer, empty_docstore
from rag.store.bm25 import BM25Index
from rag.text.lexical import TermWeights

if TYPE_CHECKING:
    from llama_index.core.storage.docstore import SimpleDocumentStore

DOCSTORE_FILE = "docstore.json"  # the writer's working copy (resume after a kill); readers never read it
BM25_DIR = "bm25"
TERMS_FILE = "terms.json"
LOCK_FILE = "write.lock"
SIGNATURE_FILE = "index.json"
VERSION_FILE = "version.json"
VERSIONS_DIR = "versions"
KEEP_VERSIONS = 3  # a reader loading the previous version while a writer publishes must still find it


class LocalStore(Store):
    def _published_version(self) -> str:
        path = self.dir / VERSION_FILE
        return json.loads(path.read_text())["version"] if path.exists() else ""

    def _load(self, version: str) -> Snapshot:
        folder = self.dir / VERSIONS_DIR / version
        bm25 = BM25Index.load(folder / BM25_DIR) if (folder / BM25_DIR).exists() else None
        data = json.loads((folder / TERMS_FILE).read_text())
        weights = TermWeights(data["df"], data["n_docs"], frozenset(data["lowercase"]))
        return Snapshot(version, bm25, weights, lambda: read_docstore(folder / DOCSTORE_FILE))

    def index_signature(self) -> dict[str, Any] | None:
        path = self.dir / SIGNATURE_FILE
        return json.loads(path.read_text()) if path.exists() else None

    @contextlib.contextmanager
    def _write_lock(self, wait_s: float) -> Iterator[None]:
        handle = open(self.dir / LOCK_FILE, "w")  # noqa: SIM115 - held for the block
        deadline = time.monotonic() + wait_s
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

    def working_articles(self) -> SimpleDocumentStore:
        working = self.dir / DOCSTORE_FILE
        return read_docstore(working) if working.exists() else empty_docstore()

    def save_working(self, writer: Writer) -> None:
        """Persist the working docstore atomically (a crash leaves the old file): a killed ingest resumes from it."""
        tmp = self.dir / (DOCSTORE_FILE + ".tmp")
        writer.docstore.persist(str(tmp))
        os.replace(tmp, self.dir / DOCSTORE_FILE)

    def set_index_signature(self, signature: dict[str, Any]) -> None:
        write_atomic(self.dir / SIGNATURE_FILE, json.dumps(signature))

    def _write_version(self, writer: Writer, version: str) -> None:
        folder = self.dir / VERSIONS_DIR / version
        folder.mkdir(parents=True)
        shutil.copyfile(self.dir / DOCSTORE_FILE, folder / DOCSTORE_FILE)
        bm25, weights = self.derive_indexes()
        if bm25 is not None:
            bm25.persist(folder / BM25_DIR)
        (folder / TERMS_FILE).write_text(json.dumps({"df": weights.df, "n_docs": weights.n_docs, "lowercase": sorted(weights.lowercase)}))
        write_atomic(self.dir / VERSION_FILE, json.dumps({"version": version}))
        for old in sorted((self.dir / VERSIONS_DIR).iterdir(), key=lambda p: p.name)[:-KEEP_VERSIONS]:
            shutil.rmtree(old, ignore_errors=True)


def read_docstore(path: Path) -> SimpleDocumentStore:
    from llama_index.core.storage.docstore import SimpleDocumentStore

    return SimpleDocumentStore.from_persist_path(str(path))


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
