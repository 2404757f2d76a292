"""Many hosts, one collection: two `rag serve` replicas with empty store folders of their own on one `chroma run`
server, ingests from a third folder; one writer at a time across them (a lease in Chroma); a writer killed mid-ingest
changes nothing the replicas serve, and the next ingest completes its work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from bench.collection import write_collection
from rag.remote import ask_server
from tests.conftest import ROOT, free_port

NEWS = {
    "tram.txt": "Tram line reaches the airport\n\nNORTHPORT: The new tram line to Northport airport opened on Friday. The line cost "
    "310 million euros and carries 9,000 passengers a day, city transport director Ilse Varga said.\n",
}
LATER = {
    "ferry.txt": "Ferry to the islands resumes\n\nNORTHPORT: The island ferry resumed on Monday after a winter break. Tickets cost "
    "14 euros and the first boat left at 6am, harbour master Jonas Brekke said.\n",
}


def _write(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text)
    return folder


def _env(cluster: dict, store: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "RAG_STORE": str(store), "RAG_CONFIG": str(cluster["config"]), "HF_HUB_OFFLINE": "1", **extra}


def _rag(cluster: dict, store: Path, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rag", *args], cwd=ROOT, env=_env(cluster, store, **extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _collection(cluster: dict, suffix: str = ""):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.HttpClient(host="127.0.0.1", port=cluster["port"], settings=ChromaSettings(anonymized_telemetry=False))
    return client.get_collection(cluster["collection"] + suffix, embedding_function=None)


def _state(cluster: dict):
    return _collection(cluster, "_state")


def _version(cluster: dict) -> str:
    got = _state(cluster).get(ids=["version"], include=["metadatas"])
    return got["metadatas"][0]["version"] if got["ids"] else ""


def _until(check, timeout_s: float = 240.0, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, chroma_server):
    """One Chroma server, two `rag serve` replicas on loopback with empty store folders, and a config naming them."""
    root = tmp_path_factory.mktemp("replicas")
    collection = f"r{uuid.uuid4().hex[:10]}"
    config = root / "config.toml"
    shared = f'[store]\nhost = "127.0.0.1"\nport = {chroma_server["port"]}\ncollection = "{collection}"\nlease_s = 8.0\n'
    config.write_text(shared + "lock_wait_s = 0.0\n")  # a second writer is refused at once
    (root / "patient.toml").write_text(shared + "lock_wait_s = 60.0\n")  # one that waits out a killed writer's lease
    cluster = {"root": root, "config": config, "port": chroma_server["port"], "collection": collection, "replicas": [], "procs": []}
    first = _rag(cluster, root / "writer", "ingest", str(_write(root / "news", NEWS)))
    assert first.wait(600) == 0, first.stderr.read()
    for name in ("host-a", "host-b"):
        port = free_port()
        proc = _rag(cluster, root / name, "serve", "--port", str(port))
        cluster["procs"].append(proc)
        cluster["replicas"].append(f"http://127.0.0.1:{port}")
    for url in cluster["replicas"]:
        _until(lambda url=url: _answers(url, "How much did the tram line cost?", "310 million"), what=f"{url} to answer")
    yield cluster
    for proc in cluster["procs"]:
        proc.terminate()
        proc.wait(30)


def _answers(url: str, question: str, fact: str) -> dict | None:
    try:
        answer = ask_server(url, question, None, None, timeout_s=30)
    except Exception:
        return None
    return answer if fact in answer["answer"] else None


def _exact(answer: dict, articles: dict[str, str]) -> None:
    assert answer["citations"]
    for c in answer["citations"]:
        assert articles[c["doc_id"]][c["start"] : c["end"]] == c["quote"]


def test_replicas_with_empty_folders_answer_from_the_shared_collection(cluster):
    for url in cluster["replicas"]:
        _exact(_answers(url, "How much did the tram line cost?", "310 million"), NEWS)
    for name in ("host-a", "host-b"):  # nothing but the working folder: the version, articles and indexes came from Chroma
        assert not (cluster["root"] / name / "version.json").exists()


def test_an_ingest_from_a_third_folder_reaches_both_replicas(cluster):
    before = _version(cluster)
    ingest = _rag(cluster, cluster["root"] / "writer", "ingest", str(_write(cluster["root"] / "later", LATER)))
    assert ingest.wait(600) == 0, ingest.stderr.read()
    assert _version(cluster) != before
    for url in cluster["replicas"]:
        answer = _until(lambda url=url: _answers(url, "How much does a ferry ticket to the islands cost?", "14 euros"), what="the new article")
        _exact(answer, LATER)


def test_a_second_writer_is_refused_naming_the_lease_holder(cluster):
    folder = cluster["root"] / "bulk"
    write_collection(folder, 40, seed=5)
    first = _rag(cluster, cluster["root"] / "writer", "ingest", str(folder))
    try:
        _until(lambda: _state(cluster).get(ids=["lease"])["ids"], what="the first writer's lease")
        second = _rag(cluster, cluster["root"] / "host-c", "ingest", str(_write(cluster["root"] / "other", {"x.txt": NEWS["tram.txt"]})))
        assert second.wait(600) != 0
        message = second.stderr.read()
        assert "Another writer holds the collection" in message and "lease until" in message
    finally:
        first.wait(900)
    assert first.returncode == 0


def test_a_writer_killed_mid_ingest_changes_nothing_served_and_the_next_completes(cluster):
    folder = cluster["root"] / "killed"
    write_collection(folder, 60, seed=9)
    (folder / "ferry-strike.txt").write_text(
        "Ferry crews strike over rosters\n\nNORTHPORT: Ferry crews began a 48-hour strike on Tuesday over new rosters, the crew union said, "
        "and 22 sailings were cancelled.\n"
    )
    before = _version(cluster)
    writer = _rag(cluster, cluster["root"] / "writer", "ingest", str(folder))
    collection = _collection(cluster)
    count = collection.count()
    _until(lambda: collection.count() > count + 20, what="chunks of the ingest to arrive")
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(30)
    assert _version(cluster) == before  # nothing published: the replicas keep the old version
    for url in cluster["replicas"]:
        _exact(_answers(url, "How much did the tram line cost?", "310 million"), NEWS)
    # the killed writer's lease runs out (lease_s = 8); the next ingest, made to wait for it, completes the work
    again = _rag(cluster, cluster["root"] / "writer", "ingest", str(folder), RAG_CONFIG=str(cluster["root"] / "patient.toml"))
    _, err = again.communicate(timeout=900)
    assert again.returncode == 0, err
    assert _version(cluster) != before
    for url in cluster["replicas"]:
        _until(lambda url=url: _answers(url, "How many sailings were cancelled by the ferry strike?", "22 sailings"), what="the completed ingest")
