"""Injected faults: a killed ingest, a Chroma server that goes away and comes back.

Ollama faults (connection refused, timeout, 404 model, stream cut, garbage,
auto fallback) are in tests/test_backends.py; two ingests at once in
tests/test_store.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from bench.collection import write_collection
from rag.assistant import Assistant
from rag.errors import RagError
from tests.conftest import ROOT, SEEDS, free_port, make_settings, start_chroma
from tests.reliability.conftest import assert_store_consistent


def test_ingest_killed_mid_way_is_completed_by_the_next_run(tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    write_collection(folder, 40, seed=5)
    store = tmp_path / "store"
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text() + "\n[collection]\ningest_batch = 8\n")
    env = dict(os.environ, RAG_STORE=str(store), RAG_CONFIG=str(config))
    proc = subprocess.Popen([sys.executable, "-m", "rag", "ingest", str(folder)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not (store / "docstore.json").exists():  # the first batch is saved: we are mid-way
        assert proc.poll() is None, "ingest finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    settings = make_settings(store)
    settings.collection.paths = [str(folder)]
    killed = Assistant(settings)
    assert killed.store.article_hashes() == {}  # nothing was published: readers never see half an ingest
    with killed.store.writing() as writer:
        partial = len(writer.article_hashes())  # the batches the killed run finished and saved
    assert 0 < partial < 45, partial
    report = killed.ingest()
    assert len(report.new) == 45 - partial and not report.problems

    clean_settings = make_settings(tmp_path / "clean")
    clean_settings.collection.paths = [str(folder)]
    clean = Assistant(clean_settings)
    clean.ingest()
    assert killed.store.chunk_count() == clean.store.chunk_count()
    assert sorted(n.node_id for n in killed.store.all_chunks()) == sorted(n.node_id for n in clean.store.all_chunks())
    assert_store_consistent(killed)


def test_chroma_server_down_is_a_clear_error_and_recovers(tmp_path, seeds):
    port, data = free_port(), tmp_path / "chroma-data"
    server = start_chroma(data, port)
    settings = make_settings(tmp_path / "store")
    settings.store.host, settings.store.port = "127.0.0.1", port
    assistant = Assistant(settings)
    assistant.ingest()
    question = "What is the current bilateral trade between Pakistan and Kazakhstan?"
    assert "239" in assistant.ask(question, backend="extractive").answer

    server.terminate()
    server.wait(10)
    with pytest.raises(RagError, match=f"Chroma server at 127.0.0.1:{port} is not answering"):
        assistant.ask(question, backend="extractive")

    server = start_chroma(data, port)  # restarted on the same data
    try:
        answer = assistant.ask(question, backend="extractive")
        assert "239" in answer.answer
    finally:
        server.terminate()
        server.wait(10)
