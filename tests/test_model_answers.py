"""The default path with the real packaged model (Qwen2.5-Coder-1.5B, in-process) writing the short answer and the
same model's check judging it, on an invented collection in another domain (a river ferry service): a typed count,
a date, a name given with its abbreviation, a list whose wording differs from the passage's only in punctuation, and
what is shown when the judge is unsure. A right answer is claimed either as the model's (route "model") or, where the
judge does not confirm the model's, as the reader's checked answer saying the same (route "reader_over_model"): both
are asserted to hold the fact; an answer the articles do not hold is never claimed by either."""

from __future__ import annotations

import importlib.util

import pytest

from rag.assistant import Assistant
from tests.conftest import collection_settings

CLAIMED = ("model", "reader_over_model")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="embedded LLM not installed (the embedded extra)"),
]

FERRY = {
    "strike.txt": "Ferry crews end strike\n\nTRELLICK, 4 June 2026: Crews of the Trellick river ferry returned to work on "
    "Thursday after a strike that lasted nine days. The Waterways Crew Association (WCA) said its members had accepted "
    "a pay rise of 6 per cent. The ferry carries about 3,100 passengers a day.\n",
    "route.txt": "New ferry stops announced\n\nTRELLICK, 19 June 2026: The river ferry will call at Ashby, Colton and Dale "
    "from September, the operator said. Its chief executive, Mirela Stone, said the first of two new boats was built in "
    "2019 and the second will be delivered in 2027.\n",
}


@pytest.fixture(scope="module")
def ferry(tmp_path_factory):
    settings = collection_settings(tmp_path_factory.mktemp("ferry"), FERRY, ollama_host="http://127.0.0.1:9")
    settings.llm.llamacpp_model = "qwen2.5-coder-1.5b"
    settings.check.model, settings.check.cache = "qwen2.5-coder-1.5b", str(tmp_path_factory.mktemp("checks"))
    assistant = Assistant(settings)
    assistant.ingest()
    return assistant


def _exact(answer) -> None:
    for c in answer.citations:
        assert FERRY[c.doc_id][c.start : c.end] == c.quote


def test_a_count_is_claimed_as_the_model_wrote_it_with_its_sentence_quoted(ferry):
    answer = ferry.ask("How many days did the ferry strike last?")
    assert answer.route in CLAIMED and answer.outcome == "answer", answer.answer
    assert "nine" in answer.model_answer.lower() or "9" in answer.model_answer  # the embedded model was asked, and wrote the count
    assert "nine" in answer.short_answer.lower() and len(answer.short_answer.split()) <= 4
    assert answer.citations[0].role == "evidence" and "nine days" in answer.citations[0].quote
    assert answer.confidence > 0.5
    _exact(answer)


def test_a_date_is_claimed(ferry):
    answer = ferry.ask("When was the first new boat built?")
    assert answer.route in CLAIMED and answer.outcome == "answer" and "2019" in answer.short_answer, answer.answer
    assert "2027" not in answer.short_answer
    _exact(answer)


def test_a_name_given_with_its_abbreviation_is_not_refused_as_unnamed(ferry):
    answer = ferry.ask("Which union said its members accepted the pay rise?")
    assert "WCA" in answer.model_answer or "Waterways Crew Association" in answer.model_answer, answer.model_answer
    assert "no passage names" not in answer.answer
    assert answer.route in CLAIMED and answer.outcome == "answer", answer.answer


def test_a_list_worded_with_other_punctuation_is_the_same_answer(ferry):
    answer = ferry.ask("Which towns will the ferry call at from September?")
    assert all(town in answer.model_answer for town in ("Ashby", "Colton", "Dale")), answer.model_answer
    assert answer.route in CLAIMED and answer.outcome == "answer", answer.answer
    assert all(town in answer.short_answer for town in ("Ashby", "Colton", "Dale"))


def test_what_the_judge_is_unsure_of_is_shown_in_terms_of_the_check_never_as_a_claim(ferry):
    """An answer the articles do not hold (the second boat's builder): never claimed; shown as the model's, in the
    check's terms or a rule's, or declined, with the passages."""
    answer = ferry.ask("Which shipyard built the second new boat?")
    assert answer.outcome != "answer", answer.answer
    assert answer.route in ("model_refused", "model_declined"), answer.route
    if answer.route == "model_refused":
        assert f"The model answered “{answer.model_answer}”" in answer.answer
        assert "not confirmed: the check gives" in answer.answer or ", but " in answer.answer
        assert "passages don't confirm" not in answer.answer
    assert answer.citations and all(c.role == "relevant" for c in answer.citations)
    _exact(answer)


def test_an_answer_the_judge_rates_likely_but_not_sure_is_shown_as_likely_with_its_chance(ferry, monkeypatch):
    """With the claim thresholds out of reach, the same right answer is shown as "Likely: X — 87 %", not claimed."""
    import dataclasses

    import rag.assistant as assistant_module

    for name in ("load_verify_model", "load_claim_model"):
        fitted = getattr(assistant_module, name)()
        monkeypatch.setattr(assistant_module, name, lambda fitted=fitted: dataclasses.replace(fitted, threshold=1.01))
    answer = ferry.ask("How many days did the ferry strike last?")
    assert answer.outcome == "evidence" and answer.short_answer == "" and answer.confidence == 0.0, answer.answer
    assert "nine" in answer.likely_answer.lower() and answer.likely_confidence >= ferry.settings.llm.likely_floor
    assert answer.answer.startswith(f"Likely: {answer.likely_answer} — {answer.likely_confidence:.0%}")
    assert "nine days" in answer.citations[0].quote and all(c.role == "relevant" for c in answer.citations)
    assert answer.outcome_label().startswith("likely")
