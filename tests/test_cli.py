"""The CLI as a user runs it: a real subprocess, real store, clear errors, the DESIGN.md JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ANSWER_KEYS = {
    *("question", "answer", "refused", "backend", "model", "citations", "unsupported", "timings_ms"),
    *("short_answer", "outcome", "confidence", "candidate", "candidate_confidence", "route", "checked_by"),
    *("likely_answer", "likely_confidence", "model_answer", "reasons"),
}
CITATION_KEYS = {"n", "doc_id", "title", "outlet", "date", "quote", "start", "end", "score", "sources", "role"}


def rag(*args: str, store: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAG_STORE": str(store), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "rag", *args], cwd=ROOT, env=env, capture_output=True, text=True, input=stdin, timeout=600)


@pytest.fixture(scope="module")
def cli_store(seeded) -> Path:
    return seeded.settings.store_dir


def test_ask_json_matches_the_answer_schema(cli_store, raw_articles):
    result = rag("ask", "What is the current bilateral trade between Pakistan and Kazakhstan?", "--json", "--backend", "extractive", store=cli_store)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == ANSWER_KEYS
    # the reader alone (tests run without the checking model) claims nothing here: the figure is in the quoted evidence
    assert (answer["outcome"], answer["refused"], answer["route"], answer["short_answer"], answer["confidence"]) == ("evidence", False, "reader", "", 0)
    assert answer["reasons"] == ["below_threshold"]  # a code the caller can branch on: the reader weighed one, short of its threshold
    assert "$239 million" in answer["answer"]
    assert answer["citations"] and all(set(c) == CITATION_KEYS and c["role"] == "relevant" for c in answer["citations"])
    c = answer["citations"][0]
    assert raw_articles[c["doc_id"]][c["start"] : c["end"]].replace("-", "") == c["quote"].replace("-", "")


def test_ask_prints_answer_sources_and_backend(cli_store):
    result = rag("ask", "Which three ports are covered by the transit trade accord?", "--backend", "extractive", store=cli_store)
    assert result.returncode == 0, result.stderr
    assert "Gwadar" in result.stdout and "[1]" in result.stdout
    assert "003_b941a13b01e5ff27.txt:" in result.stdout
    first = result.stdout.split("\n", 1)[0]
    assert first.startswith("✔ answer · confidence ") or first == "? evidence · no short answer claimed"
    assert "answered by no LLM — quoted from the articles" in result.stderr


def test_off_topic_question_is_refused(cli_store):
    result = rag("ask", "Who won the 2022 World Cup?", "--json", store=cli_store)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["refused"] is True and answer["outcome"] == "not_found" and answer["answer"] == "The articles don't say." and not answer["citations"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "   "), "The question is empty"),
        (("ask", "x" * 3000), "the limit is"),
        (("ask", "trade?", "--backend", "nonsense"), "Invalid value"),
        (("ingest", "/no/such/folder"), "No such file or folder"),
    ],
)
def test_bad_input_is_one_clear_line_without_traceback(cli_store, args, message):
    result = rag(*args, store=cli_store)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_store_says_to_ingest_first(tmp_path):
    result = rag("ask", "anything?", store=tmp_path / "empty")
    assert result.returncode == 1
    assert "rag ingest" in result.stderr and "Traceback" not in result.stderr


def test_debug_flag_shows_the_traceback(tmp_path):
    result = rag("--debug", "ask", "anything?", store=tmp_path / "empty")
    assert "Traceback" in result.stderr


def test_malformed_config_names_the_problem(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[llm]\nbackend = \n")
    result = rag("--config", str(config), "info", store=tmp_path / "s")
    assert result.returncode == 1 and "invalid TOML" in result.stderr and "line 2" in result.stderr


def test_unknown_config_key_is_named(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[retrieve]\ntopk = 3\n")
    result = rag("--config", str(config), "info", store=tmp_path / "s")
    assert result.returncode == 1 and "unknown key 'topk'" in result.stderr


def test_ingest_prints_summary_and_chat_answers_follow_up(tmp_path, seeds):
    store = tmp_path / "store"
    result = rag("ingest", str(seeds), store=store)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("5 articles, ") and "5 new, 0 changed, 0 removed" in result.stdout
    again = rag("ingest", str(seeds), store=store)
    assert "0 new, 0 changed, 0 removed" in again.stdout
    chat = rag(
        "chat", "--backend", "extractive", store=store, stdin="When was the last Kazakh presidential visit to Pakistan?\nand the last Pakistani PM visit to Kazakhstan?\n"
    )
    assert chat.returncode == 0, chat.stderr
    assert "2003" in chat.stdout and "2015" in chat.stdout


def test_help_explains_every_command():
    result = subprocess.run([sys.executable, "-m", "rag", "--help"], cwd=ROOT, capture_output=True, text=True)
    for command in ("ingest", "ask", "chat", "info", "remove"):
        assert command in result.stdout


def test_asking_on_the_extractive_path_imports_no_torch_and_no_llama_index(cli_store):
    """`rag ask` answers with the torch-free query encoder, a parser loaded without torch, Chroma's own query and bm25s:
    torch, transformers, sentence-transformers and llama-index are never loaded (an import tried and refused, as
    rag.imports does, loads nothing)."""
    env = {**os.environ, "RAG_STORE": str(cli_store), "HF_HUB_OFFLINE": "1"}
    script = (
        "import runpy, sys\n"
        "sys.argv = ['rag', 'ask', '--backend', 'extractive', 'how much trade is there right now']\n"
        "try:\n    runpy.run_module('rag', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'llama_index') if sys.modules.get(m) is not None))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert "239 million" in result.stdout, result.stderr[-2000:]
    assert "LOADED []" in result.stdout


def test_config_prints_every_setting_in_effect_as_a_loadable_file(tmp_path):
    """`rag config` is the one place the defaults are listed: its output, read back as a config file, is the same settings."""
    import dataclasses

    from rag.config import load_settings

    config = tmp_path / "config.toml"
    config.write_text("[retrieve]\ntop_k = 3\n")
    result = rag("--config", str(config), "config", store=tmp_path / "s")
    assert result.returncode == 0, result.stderr
    assert "top_k = 3  # passages handed to an LLM generator" in result.stdout
    printed = tmp_path / "printed.toml"
    printed.write_text(result.stdout)
    again, original = load_settings(printed, env={}), load_settings(config, env={"RAG_STORE": str(tmp_path / "s")})
    for section in ("collection", "store", "embed", "chunk", "retrieve", "llm", "cite", "ui"):
        assert dataclasses.asdict(getattr(again, section)) == dataclasses.asdict(getattr(original, section)), section


def test_a_repeated_ask_goes_to_the_running_server_of_the_same_collection(tmp_path):
    from rag.remote import find_server
    from tests.conftest import make_settings, running_app

    with running_app(tmp_path / "app") as url:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        served = make_settings(tmp_path / "app" / "store")
        served.ui.port = port
        assert find_server(served, None) == f"http://127.0.0.1:{port}"
        other = make_settings(tmp_path / "elsewhere")
        other.ui.port = port
        assert find_server(other, None) is None  # another collection: never answered by this server
        remote = rag("ask", "--server", url, "Who won the 2022 World Cup?", "--json", store=tmp_path / "elsewhere")
        assert remote.returncode == 0, remote.stderr
        assert json.loads(remote.stdout)["outcome"] == "not_found"
        shown = rag("ask", "--server", url, "How much trade is there between Pakistan and Kazakhstan right now?", store=tmp_path / "elsewhere")
        assert "239 million" in shown.stdout and f"(the server at {url})" in shown.stderr


def test_a_named_server_that_is_not_there_is_a_clear_error(tmp_path):
    from tests.conftest import free_port

    result = rag("ask", "--server", f"http://127.0.0.1:{free_port()}", "anything", store=tmp_path / "s")
    assert result.returncode == 1 and "No rag server answers at" in result.stderr
