"""Three outcomes, never blurred: a claimed `answer`, the `evidence` unclaimed, or `not_found` — on an invented
collection (nothing from the seeds) and on the seeds."""

from __future__ import annotations

import json

import pytest

from rag.answer.outcome import NOT_FOUND_TEXT, UNSURE
from rag.assistant import Assistant
from rag.read.features import FEATURES
from rag.read.scorer import MODEL_FILE, AnswerModel, load_model
from tests.conftest import sharing

ARTICLES = {
    "observatory.txt": "Hill observatory reopens after repairs\n\nMERIDIAN: The Kestrel Hill observatory reopened on Saturday after a "
    "14-month repair that cost 3.2 million pounds. Director Amal Rhee said the telescope mirror was made in 1998 and polished again "
    "in 2023. Visitors can book night tours from 2 March.\n",
    "school.txt": "Science week draws record crowds\n\nMERIDIAN: More than 8,400 pupils took part in the city's science week, organisers "
    "said. The week's prize went to Brookside School for a model of the observatory dome.\n",
}
OFF_TOPIC = ("Who won the 2022 World Cup?", "What is the capital of Australia?", "how do i bake sourdough bread")


@pytest.fixture(scope="module")
def meridian(tmp_path_factory):
    from tests.conftest import collection_settings

    assistant = Assistant(collection_settings(tmp_path_factory.mktemp("meridian"), ARTICLES, backend="extractive"))
    assistant.ingest()
    return assistant


def _sharing(assistant: Assistant, model: AnswerModel) -> Assistant:
    return sharing(assistant, model)


def _exact(answer) -> None:
    for c in answer.citations:
        assert ARTICLES[c.doc_id][c.start : c.end] == c.quote


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_a_question_nothing_is_about_is_not_found_in_one_fixed_sentence(meridian, question):
    answer = meridian.ask(question)
    assert answer.outcome == "not_found" and answer.refused
    assert answer.answer == NOT_FOUND_TEXT  # never the question re-worded
    assert answer.citations == [] and answer.short_answer == "" and answer.confidence == 0.0


@pytest.mark.xfail(strict=True, reason="known confidently wrong claim: the sentence naming who spoke of the mirror is claimed (eval/README.md)")
def test_a_question_about_a_named_thing_the_articles_leave_open_gets_evidence(meridian):
    answer = meridian.ask("Who polished the telescope mirror?")
    assert answer.outcome == "evidence" and not answer.refused and answer.short_answer == "" and answer.confidence == 0.0
    assert answer.answer.split("\n")[0] == UNSURE
    assert answer.citations and all(c.role == "relevant" for c in answer.citations)
    assert any("polished again" in c.quote for c in answer.citations)
    _exact(answer)


def test_a_claim_is_made_only_at_or_above_the_threshold(meridian):
    question = "How much did the observatory repair cost?"
    fitted = load_model()
    best, _ = meridian.inspect(question)
    at = AnswerModel(fitted.features, fitted.mean, fitted.scale, fitted.coef, fitted.intercept, best.reading.confidence, -1.0, -1.0)
    above = AnswerModel(fitted.features, fitted.mean, fitted.scale, fitted.coef, fitted.intercept, best.reading.confidence + 1e-6, -1.0, -1.0)
    claimed = _sharing(meridian, at).ask(question)
    unclaimed = _sharing(meridian, above).ask(question)
    assert "3.2 million pounds" in best.reading.short
    # shown as the sum the question asks for, inside the reader's claimed sentence (rag.answer.typed)
    assert claimed.outcome == "answer" and claimed.short_answer == "3.2 million pounds" and claimed.confidence == round(best.reading.confidence, 3)
    assert claimed.answer.startswith(claimed.short_answer.rstrip("."))
    assert unclaimed.outcome == "evidence" and unclaimed.short_answer == "" and "3.2 million pounds" in unclaimed.answer
    _exact(claimed)
    _exact(unclaimed)


@pytest.mark.parametrize(
    "question",
    ["How much did the observatory repair cost?", "how many pupils took part in science week", "Who polished the telescope mirror?", *OFF_TOPIC],
)
def test_every_answer_says_its_outcome_consistently(meridian, question):
    answer = meridian.ask(question)
    threshold = load_model().threshold
    assert answer.refused == (answer.outcome == "not_found")
    if answer.outcome == "answer":
        assert answer.short_answer and answer.answer.startswith(answer.short_answer.rstrip(".")) and answer.confidence >= threshold
        assert all(c.role == "evidence" for c in answer.citations)
    else:
        assert answer.short_answer == "" and answer.confidence == 0.0
    assert answer.to_dict()["outcome"] == answer.outcome


def test_the_seeds_get_the_same_three_outcomes(seeded, raw_articles):
    assert seeded.ask("Who won the 2022 World Cup?").outcome == "not_found"
    tannery = seeded.ask("Who heads the Pakistan Tannery Association?")
    assert tannery.outcome != "answer" and any("Tannery" in c.quote for c in tannery.citations)
    trade = seeded.ask("What is the current bilateral trade between Pakistan and Kazakhstan?")
    assert trade.outcome in ("answer", "evidence") and "$239 million" in trade.answer
    for c in trade.citations:
        assert raw_articles[c.doc_id][c.start : c.end].replace("-", "") == c.quote.replace("-", "")


def test_the_fitted_confidence_model_says_what_it_was_fitted_on():
    """Fitted on dev files only, with its cross-validated figures beside it (python -m rag.evaluate.fit_reader)."""
    model = json.loads(MODEL_FILE.read_text())
    assert model["features"] == list(FEATURES) and len(model["coef"]) == len(FEATURES)
    assert model["fitted_on"]["gold"] and all("test" not in g and "valley" not in g for g in model["fitted_on"]["gold"])
    across = model["cv"]["across_collections"]
    assert {"candidate_auc", "lead_accuracy", "confidently_wrong_rate"} <= set(across)
    assert across["confidently_wrong_rate"] <= model["cv"]["target_wrong"]
    assert 0.0 < model["threshold"] <= 1.0


def test_the_example_questions_are_made_from_the_collection_and_answered(seeded):
    from rag.examples import example_questions

    examples = example_questions(seeded)
    assert 1 <= len(examples) <= 3
    for question in examples:
        assert "What do the articles report about" not in question
        assert seeded.ask(question, backend="extractive").outcome != "not_found"
