"""Two processes on one collection: side by side on a Chroma server, one at a time on the embedded store."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest

from tests.conftest import ROOT, SEEDS, make_settings


def _cli(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rag", *args], cwd=ROOT, env=dict(os.environ, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ui_process_and_cli_ingest_share_a_chroma_server(tmp_path, chroma_server):
    """A CLI ingest in another process fills the server while this process keeps answering; it then sees the new articles."""
    from rag.assistant import Assistant

    collection = f"t{uuid.uuid4().hex[:12]}"
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "store"}"\nhost = "127.0.0.1"\nport = {chroma_server["port"]}\ncollection = "{collection}"\n')
    first = tmp_path / "first"
    first.mkdir()
    (first / "a.txt").write_text(
        "Harbour town opens ferry terminal\n\nHARBOURTOWN: The council opened a new ferry terminal on Monday. The terminal cost 42 million euros "
        "and can handle 3,000 passengers a day. Mayor Lena Ruiz said ferries to Port Alva would start in June, and the old pier would become a market.\n"
    )
    settings = make_settings(tmp_path / "store")
    settings.store.host, settings.store.port, settings.store.collection = "127.0.0.1", chroma_server["port"], collection
    settings.collection.paths = [str(first)]
    ui = Assistant(settings)
    ui.ingest()
    before = ui.store.chunk_count()

    ingest = _cli(["--config", str(config), "ingest", str(SEEDS)], {})
    errors, answered = [], 0
    while ingest.poll() is None:
        try:
            ui.retrieve("trade between the two countries")
            answered += 1
        except Exception as exc:  # any failure while the other process writes is the bug under test
            errors.append(repr(exc))
        time.sleep(0.05)
    _out, err = ingest.communicate()
    assert ingest.returncode == 0, err
    assert not errors and answered > 0
    assert ui.store.chunk_count() > before
    assert {row["doc_id"] for row in ui.articles()} >= {p.name for p in SEEDS.iterdir()}
    hits = ui.retrieve("Who is Kazakhstan's ambassador to Pakistan?")
    assert any("Kistafin" in p.text for p in hits), "BM25/dense did not pick up the other process's chunks"


def test_second_writer_on_embedded_store_waits_for_the_first(fresh, store_kind):
    if store_kind != "embedded":
        pytest.skip("the file lock guards the embedded store; a server takes concurrent writers itself")
    fresh.ingest()
    released = threading.Event()

    def hold() -> None:
        with fresh.store.write_lock():
            time.sleep(2)
        released.set()

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.2)
    env = {"RAG_STORE": fresh.settings.store.path, "RAG_CONFIG": str(ROOT / "config.toml")}
    started = time.monotonic()
    proc = _cli(["ingest", str(SEEDS)], env)
    out, err = proc.communicate(timeout=300)
    holder.join()
    assert proc.returncode == 0, err
    assert released.is_set() and time.monotonic() - started >= 1.5  # it waited for the lock
    assert "0 new" in out


def test_second_writer_gives_up_with_a_clear_message(fresh, store_kind, tmp_path):
    if store_kind != "embedded":
        pytest.skip("the file lock guards the embedded store; a server takes concurrent writers itself")
    fresh.ingest()
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{fresh.settings.store.path}"\nlock_wait_s = 1.0\n[collection]\npaths = ["{SEEDS}"]\n')
    with fresh.store.write_lock():
        proc = _cli(["--config", str(config), "ingest"], {})
        _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert "Another process is writing to the store" in err and "Traceback" not in err
    assert fresh.store.chunk_count() == len(fresh.store.all_chunks())  # intact
