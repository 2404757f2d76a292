"""One conformance suite for both stores (the embedded one and the Chroma server's), as haystack runs one document-store
suite on every backend: what a reader sees, what one writer may do, and when a new version becomes visible."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from rag.errors import RagError
from rag.store import LocalStore, ServerStore, open_store
from tests.conftest import collection_settings

ARTICLES = {
    "ferry.txt": "Harbour town opens ferry terminal\n\nThe council opened a new ferry terminal on Monday. The terminal cost 42 million "
    "euros and can handle 3,000 passengers a day.\n",
    "bridge.txt": "Old bridge closes for repairs\n\nThe river bridge, built in 1964, closed on Tuesday for two years of repairs. "
    "Engineer Mara Olsen said the steel deck would be replaced.\n",
}


@pytest.fixture(params=["local", "server"])
def settings(request, tmp_path):
    """Settings over a two-article collection, for a store of each kind (a fresh collection on the session's server)."""
    made = collection_settings(tmp_path, ARTICLES)
    if request.param == "server":
        server = request.getfixturevalue("chroma_server")
        made.store.host, made.store.port = server["host"], server["port"]
        made.store.collection = f"p{uuid.uuid4().hex[:12]}"
    return made


def ingested(settings):
    from rag.assistant import Assistant

    assistant = Assistant(settings)
    assistant.ingest()
    return assistant.store


def test_open_store_picks_the_store_the_settings_name(settings) -> None:
    store = open_store(settings)
    assert type(store) is (ServerStore if settings.store.host else LocalStore)


def test_a_new_store_has_no_version_and_no_articles(settings) -> None:
    store = open_store(settings)
    snapshot = store.snapshot()
    assert (snapshot.version, snapshot.bm25, snapshot.articles()) == ("", None, {})
    assert store.chunk_count() == 0 and store.index_signature() is None and store.article_summaries() == {}


def test_an_ingest_publishes_one_version_every_reader_sees_whole(settings) -> None:
    writer_side = ingested(settings)
    reader = open_store(settings)  # another process, or another host on the same server
    snapshot = reader.snapshot()
    assert snapshot.version and snapshot.version == writer_side.snapshot().version
    assert set(snapshot.article_hashes()) == set(ARTICLES) == set(reader.article_summaries())
    assert snapshot.bm25 is not None and snapshot.weights.n_docs == reader.chunk_count() > 0
    assert reader.index_signature() == writer_side.index_signature() is not None
    ids = [i for i, *_ in reader.nearest([0.1] * 384, 2)]
    assert len(ids) == 2 and set(reader.records(ids)) == set(ids)


def test_readers_keep_the_old_version_until_the_writer_publishes(settings) -> None:
    store = ingested(settings)
    before = open_store(settings).snapshot()
    with store.writing() as writer:
        writer.remove_article("bridge.txt")
        unpublished = open_store(settings).snapshot()
        assert unpublished.version == before.version and "bridge.txt" in unpublished.article_hashes()
        writer.publish()
    after = open_store(settings).snapshot()
    assert after.version != before.version and set(after.article_hashes()) == {"ferry.txt"}


def test_a_writer_elsewhere_is_refused_clearly_after_the_wait(settings) -> None:
    store = open_store(settings)
    with store.writing(), pytest.raises(RagError, match="Another"), open_store(settings).writing(wait_s=0.3):
        pass
    with open_store(settings).writing(wait_s=0.3):  # released at the end of the first
        pass


def test_threads_of_one_store_queue_for_the_writer_instead_of_failing(settings) -> None:
    store = open_store(settings)
    order: list[str] = []
    entered = threading.Event()

    def second() -> None:
        with store.writing(wait_s=0.0):
            order.append("second")

    with store.writing():
        thread = threading.Thread(target=second)
        thread.start()
        entered.wait(0.5)  # the second thread is blocked on the first's turn
        order.append("first")
    thread.join(30)
    assert order == ["first", "second"]


def test_the_write_lock_waits_the_configured_time_by_default(settings) -> None:
    settings.store.lock_wait_s = 0.3
    with open_store(settings).write_lock():
        started = time.monotonic()
        with pytest.raises(RagError, match="Another"), open_store(settings).write_lock():
            pass
        assert 0.3 <= time.monotonic() - started < 30
