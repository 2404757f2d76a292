"""Bad input: one clear message, non-zero exit where the input is refused, nothing lost, the store intact."""

from __future__ import annotations

import json
import shutil

import pytest

from rag.assistant import clean_question
from rag.errors import RagError
from rag.ingest.uploads import save_uploads
from tests.conftest import SEEDS
from tests.reliability.conftest import assert_clear_failure, assert_store_consistent, run_cli


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "The question is empty"),
        ("   \n\t  ", "The question is empty"),
        ("\x00\x01\x7f", "The question is empty"),
        ("x" * 2_000_000, "the limit is 2000"),
    ],
    ids=["blank", "whitespace", "only-control-chars", "2MB"],
)
def test_unusable_question_is_refused_clearly(shared_store, question, message):
    chunks = shared_store.store.chunk_count()
    with pytest.raises(RagError, match=message):
        shared_store.ask(question, backend="extractive")
    if "\x00" not in question:  # argv cannot carry NUL bytes; the facade (UI, API) can
        assert_clear_failure(run_cli("ask", question, store=shared_store.settings.store_dir), message)
    assert shared_store.store.chunk_count() == chunks


def test_control_characters_inside_a_question_are_stripped(shared_store):
    assert clean_question("What is the\x00 current\x07 bilateral\r\n trade?") == "What is the current bilateral trade?"
    answer = shared_store.ask("What is the\x00 current\x07 bilateral trade between Pakistan and Kazakhstan?", backend="extractive")
    assert "239" in answer.answer


@pytest.mark.parametrize(
    "question",
    ["پاکستان اور قازقستان کے درمیان تجارت کتنی ہے؟", "Каков объём торговли между Пакистаном и Казахстаном?", "Пәкістан мен Қазақстан арасындағы сауда көлемі қандай?"],
)
def test_question_in_another_script_is_refused_without_quoting_anything(shared_store, question):
    """The articles are English: none of a question's words in another script is a collection word, so nothing
    retrieved is about it, and the answer says so plainly (no claim, no passage dressed up as evidence)."""
    result = run_cli("ask", question, "--json", "--backend", "extractive", store=shared_store.settings.store_dir)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["outcome"], answer["refused"], answer["answer"], answer["citations"]) == ("not_found", True, "The articles don't say.", [])


def test_bad_files_are_skipped_and_good_ones_ingested(tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "huge.txt").write_text("word " * 1_300_000)  # 6.5 MB > collection.max_file_mb = 5
    (folder / "latin1 café – notes.txt").write_bytes(
        ("Café owners in Montréal protest new tax\n\nMONTRÉAL: Café owners said the new tax of 3 % would cost each café about "
         "12,000 dollars a year, and that the city's façade rules already cost them dearly. The council will vote in March.\n").encode("latin-1", "replace")
    )  # fmt: skip
    (folder / "notes.xlsx").write_bytes(b"PK\x03\x04")  # not an article type: ignored in a folder
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4")  # an article type that cannot be read: reported
    store = tmp_path / "store"
    result = run_cli("ingest", str(folder), store=store)
    assert result.exit_code == 0, result.output
    assert "6 new" in result.stdout  # five seeds + the latin-1 article
    assert "notes.xlsx" not in result.output
    for name, reason in [("empty.txt", "is empty"), ("binary.txt", "binary"), ("huge.txt", "over the 5.0 MB limit"), ("broken.pdf", "not a readable PDF")]:
        assert any(name in line and reason in line for line in result.output.splitlines()), (name, result.output)
    from rag.assistant import Assistant
    from tests.conftest import make_settings

    assistant = Assistant(make_settings(store))
    assert "latin1 café – notes.txt" in assistant.store.article_hashes()
    answer = assistant.ask("How much would the new tax cost each café?", backend="extractive")
    assert "12,000" in answer.answer and answer.citations[0].doc_id == "latin1 café – notes.txt"
    assert_store_consistent(assistant)


def test_same_content_under_two_names_is_ingested_once_and_reported(tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    shutil.copy(folder / "001_f61ae2352f1f75e9.txt", folder / "copy of 001.txt")
    result = run_cli("ingest", str(folder), store=tmp_path / "store")
    assert result.exit_code == 0
    assert "same text as" in result.output and "5 new" in result.stdout


def test_missing_folder_is_one_clear_line(tmp_path):
    assert_clear_failure(run_cli("ingest", str(tmp_path / "nope"), store=tmp_path / "store"), "No such file or folder")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[retrieve]\ntop_k = 5\nfusion = \n", "line 3"),
        ("[retrieve]\ntop_k = 'five'\n", "'top_k' should be int"),
        ("[chunk]\nsize = 100\noverlap = 200\n", "chunk.overlap must be smaller"),
        ("[llm]\nbackend = 'gpt5'\n", "Unknown backend 'gpt5'"),
        ("[retreive]\ntop_k = 5\n", "unknown section [retreive]"),
    ],
    ids=["syntax", "type", "range", "backend", "section"],
)
def test_malformed_config_names_the_key_or_line(tmp_path, text, message):
    config = tmp_path / "config.toml"
    config.write_text(text)
    assert_clear_failure(run_cli("info", store=tmp_path / "store", config=config), message)


def test_unknown_backend_flag_is_refused(shared_store):
    result = run_cli("ask", "trade?", "--backend", "gpt5", store=shared_store.settings.store_dir)
    assert result.exit_code == 2 and "Invalid value for '--backend'" in result.output


def test_missing_model_package_names_the_fix(shared_store, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[llm]\nllamacpp_model = 'no-such-model-package'\n")
    result = run_cli("ask", "What is the current bilateral trade?", "--backend", "llamacpp", store=shared_store.settings.store_dir, config=config)
    assert_clear_failure(result, "No model 'no-such-model-package'")
    assert "known models: qwen2.5-coder-1.5b" in result.stderr
    auto = run_cli("ask", "What is the current bilateral trade between Pakistan and Kazakhstan?", "--json", store=shared_store.settings.store_dir, config=config)
    assert auto.exit_code == 0 and json.loads(auto.stdout)["backend"] in ("extractive", "ollama")


def test_ollama_model_not_pulled_says_to_pull_it(shared_store, tmp_path):
    from tests.fake_ollama import FakeOllama

    with FakeOllama(models=["some-other:1b"]) as server:
        config = tmp_path / "config.toml"
        config.write_text(f"[llm]\nollama_host = '{server.url}'\nollama_model = 'llama3.2:3b'\n")
        result = run_cli("ask", "What is the current bilateral trade?", "--backend", "ollama", store=shared_store.settings.store_dir, config=config)
    assert_clear_failure(result, "llama3.2:3b")
    assert "ollama pull llama3.2:3b" in result.output


@pytest.mark.parametrize("name", ["../../escape.txt", "..\\..\\escape.txt", "/etc/passwd.txt", "my article (final).txt", "статья №1.md", ".hidden.txt"])
def test_upload_names_are_sanitised_into_the_upload_folder(tmp_path, name):
    folder = tmp_path / "uploads"
    report = save_uploads([(name, b"Some article text that is long enough to be an article.")], folder, 10_000)
    assert not report.rejected
    (saved,) = report.saved
    assert saved.parent == folder.resolve() and not saved.name.startswith(".")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [saved.name]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [("a.exe", b"MZ", "only .txt or .md"), ("a.txt", b"x" * 20_001, "over the"), ("a.txt", b"  \n", "empty"), ("a.txt", b"\x00\x01", "binary")],
    ids=["type", "size", "empty", "binary"],
)
def test_bad_uploads_are_refused_before_anything_is_written(tmp_path, name, data, reason):
    report = save_uploads([(name, data)], tmp_path / "uploads", 20_000)
    assert not report.saved and reason in report.rejected[0]
    assert list((tmp_path / "uploads").iterdir()) == []


def test_upload_never_replaces_an_article_from_another_folder(tmp_path):
    report = save_uploads([("000_8f5cf43f1953043f.txt", b"A different article with enough words to count as one.")], tmp_path, 10_000, {"000_8f5cf43f1953043f.txt"})
    assert report.saved[0].name == "000_8f5cf43f1953043f-2.txt"
