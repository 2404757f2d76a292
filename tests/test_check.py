"""The reading model's check, with the real packaged model (Qwen2.5-Coder-1.5B, in-process) and its cache, on an
invented collection in another domain; the Ollama checker over the real client against the stand-in server."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from rag.answer.backends.registry import answered_by
from rag.answer.models.cache import CheckCache
from rag.answer.models.check import CachedChecker, CheckItem, OllamaChecker, load_checker, yes_share
from rag.read.claim import MAX_WORDS, load_claim_model
from tests.conftest import collection_settings
from tests.fake_ollama import FakeOllama

FERRY = {
    "01_ferry.txt": (
        "Harbour board names new ferry operator\n\n"
        "Published in the Tarrow Gazette, 3 March 2026\n\n"
        "The Tarrow harbour board has awarded the island ferry contract to Bellmouth Marine, ending a year of delays. "
        "The contract is worth 14 million pounds over seven years.\n\n"
        "Board chair Imogen Fairlie said the new operator would add a late sailing on Fridays. "
        "Bellmouth Marine will take over the route on 1 June.\n"
    ),
    "02_fares.txt": (
        "Island fares to rise by a tenth\n\n"
        "Published in the Tarrow Gazette, 9 March 2026\n\n"
        "Ferry fares between Tarrow and Kell Island will rise by 10 per cent in June, the harbour board confirmed. "
        "A return ticket for a car will cost 48 pounds.\n\n"
        "Residents' group leader Owen Prideaux said islanders had not been consulted.\n"
    ),
}


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> CachedChecker:
    """The default checking model as the product loads it, with a cache of its own (every check really asked)."""
    from tests.conftest import make_settings

    settings = make_settings(tmp_path_factory.mktemp("unused-store"))
    settings.check.model = "qwen2.5-coder-1.5b"
    settings.check.cache = str(tmp_path_factory.mktemp("checks"))
    return load_checker(settings)


SENTENCE = "Board chair Imogen Fairlie said the new operator would add a late sailing on Fridays."
QUESTION = "Who chairs the harbour board?"


def test_the_check_tells_the_right_name_from_another_in_its_sentence(checker: CachedChecker) -> None:
    right, wrong, off = checker.p_yes([CheckItem(SENTENCE, QUESTION, name) for name in ("Imogen Fairlie", "Fridays", "Owen Prideaux")])
    assert right > max(wrong, off) + 0.25 and max(wrong, off) < 0.5


def test_a_figure_of_another_scale_is_not_confirmed(checker: CachedChecker) -> None:
    sentence = "The contract is worth 14 million pounds over seven years."
    question = "How much is the ferry contract worth?"
    right, wrong = checker.p_yes([CheckItem(sentence, question, "14 million pounds"), CheckItem(sentence, question, "14 billion pounds")])
    assert right > wrong + 0.3


def test_checks_are_cached_by_model_and_prompt(checker: CachedChecker, tmp_path: Path) -> None:
    items = [CheckItem(SENTENCE, QUESTION, "Imogen Fairlie")]
    first = checker.p_yes(items)
    asked = checker.asked
    assert checker.p_yes(items) == first and checker.asked == asked  # the second time nothing runs
    reloaded = CachedChecker(checker.checker, CheckCache(checker.cache.path))
    assert reloaded.p_yes(items) == first and reloaded.asked == 0  # another process reads the same file
    other = CachedChecker(checker.checker, CheckCache(checker.cache.path))
    other.key = "another-model-sha"
    assert other.cache.key(other.key, [{"role": "user", "content": "x"}]) != other.cache.key(checker.key, [{"role": "user", "content": "x"}])


def test_the_fitted_claim_model_is_for_the_default_checker(checker: CachedChecker) -> None:
    model = load_claim_model()
    assert model is not None and model.checker == checker.key


def test_a_claim_is_a_short_answer_checked_by_the_model(tmp_path: Path, checker: CachedChecker) -> None:
    from rag.assistant import Assistant

    settings = collection_settings(tmp_path, FERRY, backend="extractive")
    settings.check.model, settings.check.cache = "qwen2.5-coder-1.5b", str(checker.cache.path.parent)
    assistant = Assistant(settings)
    assistant.ingest()
    events = list(assistant.stream("Which company won the island ferry contract?"))
    answer = events[-1].answer
    assert answer.outcome == "answer", answer.answer
    assert "Bellmouth Marine" in answer.short_answer and len(answer.short_answer.split()) <= MAX_WORDS
    assert "checked by qwen2.5-coder-1.5b, in-process" in answer.checked_by
    quoted = [line for line in answer.answer.split("\n") if line.startswith("“")]
    assert len(quoted) == len(set(quoted)) and answer.short_answer not in [q.rsplit(" [", 1)[0].strip("“”") for q in quoted]  # never shown twice
    # the evidence was shown before the check finished, then replaced by the checked answer
    drafts = [e.draft for e in events if e.answer is None and e.draft]
    assert drafts and drafts[0].startswith("No short answer I'm sure of")
    assert any(e.notice.startswith("checked by") for e in events)


def test_without_a_checker_the_reader_answers_alone_and_says_so(tmp_path: Path) -> None:
    from rag.assistant import Assistant

    settings = collection_settings(tmp_path, FERRY, backend="extractive")
    assistant = Assistant(settings)  # check.model = "" in the test settings
    assistant.ingest()
    answer = assistant.ask("Which company won the island ferry contract?")
    assert answer.outcome != "not_found"
    assert "the reader alone" in answer.checked_by and "the reader alone" in answered_by(answer)


def test_the_ollama_checker_reads_the_next_tokens_logprobs() -> None:
    def model(messages: list[dict]) -> dict[str, float]:
        user = messages[-1]["content"]
        candidate = user.rsplit("Proposed answer: ", 1)[1]
        sentence = user.split("Sentence: ", 1)[1].split("\n", 1)[0]
        p = 0.9 if candidate in sentence else 0.2
        return {"yes": math.log(p), "no": math.log(1 - p), "The": math.log(0.001)}

    with FakeOllama(models=["qwen2.5:1.5b"], logprobs=model) as server:
        checker = OllamaChecker(server.url, "qwen2.5:1.5b", timeout_s=10)
        right, wrong = checker.p_yes([CheckItem(SENTENCE, QUESTION, "Imogen Fairlie"), CheckItem(SENTENCE, QUESTION, "Owen Prideaux")])
        sent = server.requests[-1]
    assert right == pytest.approx(0.9) and wrong == pytest.approx(0.2)
    assert sent["logprobs"] is True and sent["top_logprobs"] >= 2 and sent["options"]["num_predict"] == 1


def test_an_ollama_server_without_logprobs_is_a_clear_error() -> None:
    from rag.errors import RagError

    with FakeOllama(models=["qwen2.5:1.5b"], logprobs=None, reply=lambda m: "yes") as server, pytest.raises(RagError, match="no log-probabilities"):
        OllamaChecker(server.url, "qwen2.5:1.5b", timeout_s=10).p_yes([CheckItem(SENTENCE, QUESTION, "Imogen Fairlie")])


def test_yes_share_sums_the_spellings_of_yes_and_no() -> None:
    assert yes_share({"Yes": math.log(0.3), "yes": math.log(0.3), "No": math.log(0.2)}) == pytest.approx(0.75)
    assert yes_share({"maybe": 0.0}) == 0.5
