"""Answers, not quotes: each capability of the reader on an invented collection (nothing from the seeds) and on the seeds.

The assistants here claim whatever the reader reads (`claim_everything`): these tests are of the reader's spans, not
of when a claim is confident enough to show (tests/test_outcomes.py).
"""

from __future__ import annotations

import pytest

from rag.compose import UNSURE
from rag.confidence import claim_everything
from rag.evaluate.perturb import perturb
from rag.question import indirect, plan
from rag.support import TermWeights
from rag.vocabulary import Vocabulary

# An invented town's news: names, figures and years that appear nowhere in the seeds.
INVENTED = {
    "harbour.txt": "Harbour Town opens new ferry terminal\n\nHARBOUR TOWN: The council opened a ferry terminal on Monday. "
    "The terminal cost 42 million euros and can handle 3,000 passengers a day. Mayor Lena Ruiz said ferries to Port Alva, "
    "Nortown and Cape Lisa would start in June. The council aims to earn 60 million euros a year from the port.\n\n"
    "The old pier, built in 1952, will become a fish market. Harbour director Ana Sol said the fish market would open next spring.\n",
    "pier.txt": "Fishermen welcome market plan\n\nHARBOUR TOWN: The Alva Fishermen's Union welcomed the plan for a fish market on the old pier. "
    "The pier was last rebuilt in 1987 after a storm. Deputy harbour director Ana Sol met union members on Tuesday.\n",
    "rail.txt": "Rail link to the valley approved\n\nGREENVALE: Transport Minister Omar Vidal approved a rail link between Greenvale and "
    "Harbour Town. The line will be 48 kilometres long and is due to open in 2029.\n",
}


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    from rag.assistant import Assistant
    from tests.conftest import collection_settings

    assistant = Assistant(collection_settings(tmp_path_factory.mktemp("town"), INVENTED, backend="extractive"), claim_everything())
    assistant.ingest()
    return assistant, {name: text for name, text in INVENTED.items()}


def _cites_exact_spans(answer, raw: dict[str, str]) -> None:
    assert answer.citations
    for c in answer.citations:
        assert raw[c.doc_id][c.start : c.end] == c.quote


def test_amount_comes_first_despite_a_typo(town):
    assistant, raw = town
    answer = assistant.ask("how much did the ferry termnal cost?")
    assert not answer.refused
    assert answer.short_answer == "42 million euros"
    assert answer.answer.startswith("42 million euros [1]")
    assert "The terminal cost 42 million euros" in answer.citations[0].quote
    _cites_exact_spans(answer, raw)


def test_person_is_named_with_the_title_that_matches(town):
    assistant, raw = town
    answer = assistant.ask("Who is the transport minister?")
    assert answer.short_answer == "Omar Vidal"
    _cites_exact_spans(answer, raw)


def test_mentioned_but_unanswered_slot_is_shown_as_evidence_not_claimed(town):
    assistant, raw = town
    answer = assistant.ask("Who heads the Alva Fishermen's Union?")
    assert answer.outcome == "evidence" and not answer.refused and not answer.short_answer
    assert answer.answer.startswith(UNSURE)
    assert answer.citations and all(c.role == "relevant" for c in answer.citations)
    assert any("Fishermen's Union welcomed" in c.quote for c in answer.citations)
    _cites_exact_spans(answer, raw)


def test_amount_asked_of_something_with_no_figure_is_not_claimed(town):
    assistant, _ = town
    answer = assistant.ask("What is the budget of the fish market?")
    assert answer.outcome == "evidence" and not answer.short_answer


def test_list_gathers_every_item(town):
    assistant, raw = town
    answer = assistant.ask("which towns will the ferries go to")
    for item in ("Port Alva", "Nortown", "Cape Lisa"):
        assert item in answer.short_answer
    _cites_exact_spans(answer, raw)


def test_years_between_two_events_shows_the_arithmetic(town):
    assistant, raw = town
    answer = assistant.ask("How many years passed between the pier being built and it being rebuilt?")
    assert answer.short_answer == "35 years"
    assert "1987" in answer.answer and "1952" in answer.answer and "= 35 years" in answer.answer
    assert {c.doc_id for c in answer.citations} == {"harbour.txt", "pier.txt"}
    _cites_exact_spans(answer, raw)


def test_amount_gap_is_computed_from_both_figures(town):
    assistant, _ = town
    answer = assistant.ask("how far is the terminal cost from the 60 million euros the council aims to earn?")
    assert "18 million" in answer.short_answer
    assert "60 million euros" in answer.answer and "42 million euros" in answer.answer


def test_disagreeing_titles_are_both_given_and_cited(town):
    assistant, _ = town
    answer = assistant.ask("What title does Ana Sol have?")
    assert answer.short_answer.startswith("The reports differ")
    assert "Deputy harbour director" in answer.answer and "Harbour director" in answer.answer
    assert {c.doc_id for c in answer.citations} == {"harbour.txt", "pier.txt"}


def test_two_part_question_answers_both_parts(town):
    assistant, _ = town
    answer = assistant.ask("how long will the rail line be and when will it open?")
    assert "48 kilometres" in answer.answer and "2029" in answer.short_answer


def test_question_about_something_never_mentioned_is_not_claimed(town):
    assistant, _ = town
    assert assistant.ask("What is the population of Harbour Town?").outcome == "evidence"
    assert assistant.ask("Who won the chess championship?").outcome == "evidence"


def test_typos_and_shorthand_map_onto_the_collection_words():
    weights = TermWeights.from_texts(["Pakistan and Kazakhstan trade", "the terminal opened"])
    vocabulary = Vocabulary(weights, english=frozenset({"week"}))
    assert vocabulary.normalise("how much trade do pakistn and kazakstan do").text == "how much trade do pakistan and kazakhstan do"
    assert vocabulary.normalise("whats the termnal").text == "what is the terminal"
    assert vocabulary.normalise("which week").text == "which week"  # a real word is never "corrected"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who heads the union?", "person"),
        ("how much trade is there right now", "amount"),
        ("How many people were in the delegation?", "count"),
        ("when did it open", "date"),
        ("Which ports are in the accord?", "list"),
        ("what is the population of the town", "quantity"),
        ("How many years passed between A and B?", "compute"),
        ("What is Ana Sol's job?", "role"),
        ("Why was the delegation sorry?", "reason"),
    ],
)
def test_question_kind(question, kind):
    assert plan(question).kind == kind


def test_question_in_indirect_form_for_refusals():
    assert indirect("What is the budget of the railway?") == "what the budget of the railway is"
    assert indirect("Who heads the union?") == "who heads the union"


def test_perturbation_is_repeatable_and_changes_the_wording():
    once, again = perturb("Who is Pakistan's Prime Minister?", "q1"), perturb("Who is Pakistan's Prime Minister?", "q1")
    assert once == again and once != "Who is Pakistan's Prime Minister?"
    assert once == once.lower() and "?" not in once and "'" not in once


@pytest.fixture(scope="module")
def seeds_reader(seeded):
    """The seeded store, claiming what the reader reads."""
    from rag.assistant import Assistant

    assistant = Assistant(seeded.settings, claim_everything())
    assistant._store = seeded.store
    return assistant


# The same capabilities on the seeds, with dev questions of issue 10.
def test_seed_trade_question_answers_the_figure_first(seeds_reader, raw_articles):
    answer = seeds_reader.ask("How much trade is there between Pakistan and Kazakhstan right now?", backend="extractive")
    assert answer.short_answer.lower() == "around $239 million"
    assert answer.answer.lower().startswith("around $239 million [1]")
    _cites_exact_spans_raw(answer, raw_articles)


def test_seed_unnamed_head_is_shown_as_evidence(seeded):
    answer = seeded.ask("Who heads the Pakistan Tannery Association?", backend="extractive")
    assert answer.outcome == "evidence" and answer.answer.startswith(UNSURE)
    assert any("Tannery" in c.quote and c.role == "relevant" for c in answer.citations)


def test_seed_years_between_shows_arithmetic(seeds_reader):
    answer = seeds_reader.ask("How many years passed between Pakistan recognising Kazakhstan and the last Kazakh presidential visit?", backend="extractive")
    assert answer.short_answer == "12 years" and "2003" in answer.answer and "1991" in answer.answer


def _cites_exact_spans_raw(answer, raw: dict[str, str]) -> None:
    for c in answer.citations:
        assert raw[c.doc_id][c.start : c.end].replace("-", "") == c.quote.replace("-", "")


# A second invented collection: two outlets, a target and a current figure, two wordings of one title.
TRADE = {
    "fair.txt": "Island trade fair closes\n\nPORT ALVA: Ruritania and Borduria agreed on Wednesday that practical steps were needed to raise "
    "trade to $2 billion by 2030. Current trade stands at $450 million. Ruritania's Minister of Trade and Integration Ivo Marek "
    "led the talks. Marek said the ferry deal was a milestone for both islands. In March the two islands agreed to open a joint ferry office.\n",
    "wire.txt": "Ministers meet in Port Alva\n\nPORT ALVA: Deputy Minister of Trade Ivo Marek, accompanied by Fisheries Minister Eva Lind, "
    "arrived on Monday for a three-day visit. A Bordurian trade delegation led by Envoy Karl Oster toured the docks on Tuesday. "
    "The delegation, received by Harbour Secretary Tomas Brel, discussed ferry routes. "
    "The Bordurian president is expected to visit the island next month.\n",
}


@pytest.fixture(scope="module")
def fair(tmp_path_factory):
    from rag.assistant import Assistant
    from tests.conftest import collection_settings

    assistant = Assistant(collection_settings(tmp_path_factory.mktemp("fair"), TRADE, backend="extractive"), claim_everything())
    assistant.ingest()
    return assistant, dict(TRADE)


def test_a_comparison_with_a_target_is_computed_high_minus_low(fair):
    assistant, raw = fair
    answer = assistant.ask("how does current trade compare with the target they set")
    assert not answer.refused
    assert answer.short_answer == "About $1.55 billion"
    assert answer.answer.index("$2 billion") < answer.answer.index("$450 million")  # "$2 billion [n] − $450 million [m]"
    _cites_exact_spans(answer, raw)


def test_one_title_worded_two_ways_by_two_outlets_is_a_disagreement(fair):
    assistant, raw = fair
    answer = assistant.ask("Do the two reports give Ivo Marek the same title?")
    assert "Minister of Trade and Integration" in answer.answer and "Deputy Minister of Trade" in answer.answer
    _cites_exact_spans(answer, raw)


def test_what_someone_said_needs_something_reported_as_said(fair):
    assistant, raw = fair
    said = assistant.ask("what did marek say about the ferry deal")
    assert not said.refused and "milestone" in said.answer
    _cites_exact_spans(said, raw)
    unsaid = assistant.ask("what did the bordurian president say")
    assert unsaid.outcome == "evidence" and all(c.role == "relevant" for c in unsaid.citations)


def test_day_of_the_week_is_answered_with_a_weekday(fair):
    assistant, _ = fair
    answer = assistant.ask("what day of the week did they agree to raise trade")
    assert answer.short_answer.endswith("Wednesday")


def test_who_did_something_is_answered_by_the_named_doer(fair):
    assistant, raw = fair
    received = assistant.ask("who received the bordurian trade delegation at the docks?")
    assert received.short_answer == "Tomas Brel"
    _cites_exact_spans(received, raw)
    companion = assistant.ask("who travelled with marek")
    assert companion.short_answer == "Eva Lind"


def test_a_year_in_the_question_must_be_the_figures_year(fair):
    assistant, _ = fair
    stated = assistant.ask("how much trade do they want by 2030")
    assert not stated.refused and stated.short_answer == "$2 billion"
    other_year = assistant.ask("how much trade was there between ruritania and borduria in 2015")
    assert other_year.outcome == "evidence"


def test_a_question_about_the_future_is_not_answered_by_the_date_of_a_past_step(fair):
    assistant, _ = fair
    past_step = assistant.ask("when will the joint ferry office open")
    assert past_step.outcome == "evidence"  # "In March … agreed to open" dates the agreement, not the opening
    planned = assistant.ask("when will the bordurian president visit the island")
    assert not planned.refused and planned.short_answer.lower() == "next month"
