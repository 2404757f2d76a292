"""`rag ingest --watch` keeps a folder indexed: a file dropped in is answerable, a deleted one stops being cited and
a bad one is reported, each within a bound on time (polled, never slept for); Ctrl+C stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from rag.assistant import Assistant
from rag.errors import RagError
from rag.watch import watch, watched
from tests.conftest import ROOT, make_settings
from tests.documents import ferry_article, news_pdf

BOUND_S = 20.0  # "within a few seconds" on 2 busy cores: the debounce (0.4 s) and one incremental ingest
LIGHTHOUSE = """Lighthouse keeper retires after forty years

PORT ALDER: Agnes Whitlow, keeper of the Gull Point lighthouse, retired on Friday after forty-one years of service.
The lighthouse will be run remotely from the harbour office in Kestrel from next month, the coastguard said.
"""


def until(condition, bound_s: float = BOUND_S) -> float:
    """Seconds until ``condition()`` holds; fails past ``bound_s``."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < bound_s, f"not within {bound_s:g} s"
        time.sleep(0.1)
    return time.monotonic() - start


@pytest.fixture
def watching(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "ferry.pdf").write_bytes(news_pdf(ferry_article()))
    settings = make_settings(tmp_path / "store", backend="extractive")
    settings.collection.paths = [str(folder)]
    assistant = Assistant(settings)
    said: list[str] = []
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=watch, args=(assistant,), kwargs={"say": said.append, "stop": stop, "ready": ready}, daemon=True)
    thread.start()
    assert ready.wait(120), said
    yield assistant, folder, said
    stop.set()
    thread.join(30)
    assert not thread.is_alive()


def cited(assistant: Assistant, question: str) -> set[str]:
    return {c.doc_id for c in assistant.ask(question).citations}


def stored_text(assistant: Assistant, doc_id: str) -> str:
    """The article's stored text; "" while an ingest has not yet written it."""
    try:
        return assistant.article(doc_id)[1]
    except RagError:
        return ""


def test_a_dropped_file_is_answered_and_a_deleted_one_stops_being_cited(watching):
    assistant, folder, _said = watching
    question = "How many years did Agnes Whitlow serve as lighthouse keeper?"
    assert "lighthouse.txt" not in cited(assistant, question)
    (folder / "lighthouse.txt").write_text(LIGHTHOUSE)
    until(lambda: "lighthouse.txt" in cited(assistant, question))
    (folder / "lighthouse.txt").unlink()
    until(lambda: "lighthouse.txt" not in cited(assistant, question))
    assert {row["doc_id"] for row in assistant.articles()} == {"ferry.pdf"}


def test_a_changed_file_is_reingested_and_a_bad_one_reported_once(watching):
    assistant, folder, said = watching
    (folder / "lighthouse.txt").write_text(LIGHTHOUSE)
    until(lambda: "lighthouse.txt" in {row["doc_id"] for row in assistant.articles()})
    (folder / "lighthouse.txt").write_text(LIGHTHOUSE.replace("forty-one years", "thirty-nine years"))
    until(lambda: "thirty-nine" in stored_text(assistant, "lighthouse.txt"))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 nothing here")
    until(lambda: any("broken.pdf: not a readable PDF" in line for line in said))
    (folder / "another.txt").write_text(LIGHTHOUSE.replace("Agnes Whitlow", "Ruth Amsel").replace("Gull Point", "Seal Rock"))
    until(lambda: "another.txt" in {row["doc_id"] for row in assistant.articles()})
    assert sum(line.startswith("Skipped: broken.pdf") for line in said) == 1  # said once, not after every later change
    assert "broken.pdf" not in {row["doc_id"] for row in assistant.articles()}


def test_only_article_files_and_sidecars_are_watched():
    assert watched("/a/story.pdf") and watched("/a/story.docx") and watched("/a/story.txt.meta.json")
    assert not watched("/a/.story.txt.part") and not watched("/a/story.txt.swp") and not watched("/a/notes.xlsx")


def test_ctrl_c_stops_the_watch_cleanly(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "lighthouse.txt").write_text(LIGHTHOUSE)
    env = os.environ | {"RAG_STORE": str(tmp_path / "store"), "RAG_BACKEND": "extractive", "RAG_CHECK_MODEL": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "rag", "ingest", "--watch", str(folder)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Watching"):
            break
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=60)
    output = "".join(lines) + rest
    assert process.returncode == 0, output
    assert "1 new" in output and "Stopped watching." in output and "Traceback" not in output


def test_serve_watch_answers_a_file_dropped_while_it_serves(tmp_path):
    """`rag serve --watch`: the app's answers follow the version the watch publishes (asked through the JSON API)."""
    from tests.conftest import free_port

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "ferry.pdf").write_bytes(news_pdf(ferry_article()))
    config = tmp_path / "config.toml"
    config.write_text(f'[collection]\npaths = ["{folder}"]\n\n[store]\npath = "{tmp_path / "store"}"\n\n[llm]\nbackend = "extractive"\n\n[check]\nmodel = ""\n')
    port = free_port()
    command = [sys.executable, "-m", "rag", "--config", str(config), "serve", "--port", str(port), "--watch"]
    process = subprocess.Popen(command, cwd=ROOT, env=os.environ | {"RAG_STORE": ""}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in process.stdout:
            if line.startswith("Watching"):
                break
        url = f"http://127.0.0.1:{port}/api/ask"
        until(lambda: _answers(url) is not None, 120)  # the server is up
        question = {"question": "How many years did Agnes Whitlow serve as lighthouse keeper?"}
        assert "lighthouse.txt" not in _answers(url, question)
        (folder / "lighthouse.txt").write_text(LIGHTHOUSE)
        until(lambda: "lighthouse.txt" in (_answers(url, question) or set()))
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)


def _answers(url: str, body: dict | None = None) -> set[str] | None:
    """The doc_ids an answer from the server cites; None while it is not up."""
    import httpx

    try:
        answer = httpx.post(url, json=body or {"question": "Which ferry route was approved?"}, timeout=60).json()
    except httpx.HTTPError:
        return None
    return {c["doc_id"] for c in answer["citations"]}
