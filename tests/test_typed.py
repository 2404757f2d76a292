"""The typed answer inside a judged clause (rag.answer.typed): the lead a user reads first is the entity the question
asks for, on invented sentences (nothing from the seeds), with the real parser as ingest stores it."""

from __future__ import annotations

import pytest

from rag.answer.typed import typed_answer
from rag.read.question import analyse
from rag.schema import EvidenceSentence, Passage
from rag.text.offsets import OffsetMap
from rag.text.parse import annotate, load_parser


@pytest.fixture(scope="module")
def nlp():
    return load_parser("en_core_web_sm")


def typed(nlp, question: str, short: str, sentence: str) -> str:
    passage = Passage("p", sentence, "d.txt", "", "", "", 0, len(sentence), OffsetMap(), annotation=next(annotate([sentence], "en_core_web_sm")).dumps())
    evidence = [EvidenceSentence(0, sentence, 0, len(sentence))]
    return typed_answer(short, 0, analyse(question, nlp), evidence, [passage])


@pytest.mark.parametrize(
    ("question", "short", "sentence", "expected"),
    [
        ("how many fans does the north stand hold", "The North Stand holds about 4,100 fans.", "The North Stand holds about 4,100 fans.", "about 4,100 fans"),
        ("how many points did Orlow finish with", "Orlow finished with 64 points", "Orlow finished the season with 64 points, two clear of Tamsin.", "64 points"),
        ("how many depots does the scheme cover", "three regional depots", "The scheme covers three regional depots in the north.", "three regional depots"),
        ("when did the mill close", "The mill closed on 14 March 2019 after a fire", "The mill closed on 14 March 2019 after a fire.", "14 March 2019"),
        ("who chairs the river trust", "Trust chair Imelda Voss", "Trust chair Imelda Voss said the weir would be rebuilt.", "Imelda Voss"),
        ("how much is the grant each farm gets", "Every farm gets a grant of £2,400", "Every farm gets a grant of £2,400 within 30 days.", "£2,400"),
    ],
)
def test_a_typed_question_gets_the_entity_inside_its_clause(nlp, question, short, sentence, expected):
    assert typed(nlp, question, short, sentence) == expected


@pytest.mark.parametrize(
    ("question", "short", "sentence"),
    [
        # two dates in the clause: which one is asked is not for this step to guess
        ("when was the bridge built", "built in 1911 and rebuilt in 1978", "The bridge was built in 1911 and rebuilt in 1978."),
        # no type asked for: a list or a clause stands as judged
        ("which towns will the line serve", "Kelby, Arnfield and Sotherby", "The line will serve Kelby, Arnfield and Sotherby."),
        ("what did the mayor say about the weir", "the weir would be rebuilt by spring", "The mayor said the weir would be rebuilt by spring."),
        # the only person in the clause is the one the question names
        ("who did Imelda Voss meet", "Imelda Voss met the farmers", "Imelda Voss met the farmers on Friday."),
        # a two-part question keeps its two-part answer
        ("how many farms applied and when did the scheme open", "212 farms applied after it opened in May", "212 farms applied after it opened in May."),
    ],
)
def test_the_clause_stands_when_the_choice_is_not_one_entity(nlp, question, short, sentence):
    assert typed(nlp, question, short, sentence) == short


def test_a_name_the_parser_cut_at_its_hyphen_is_shown_whole(nlp):
    sentence = "The talks prepared for President Anselm Varga-Holt’s visit in spring."
    assert typed(nlp, "who is to visit in spring", "President Anselm Varga-Holt’s visit", sentence) in ("Anselm Varga-Holt", "President Anselm Varga-Holt")


def test_a_country_beside_the_person_asked_for_leaves_the_clause_whole(nlp):
    sentence = "The cooperative wants closer ties with Chile and other South American growers."
    short = "closer ties with Chile and other South American growers"
    # "South American" is the one person-or-group label; "Chile" a place: neither alone is the answer
    assert typed(nlp, "who does the cooperative want closer ties with", short, sentence) == short


@pytest.mark.parametrize(
    ("short", "sentence", "expected"),
    [
        # the parser's DATE is "August 2024, weeks"; the date pattern reads the day too
        ("on 9 August 2024", "Residents said the leak started on 9 August 2024, weeks before the notice.", "9 August 2024"),
        # the parser splits "30" (a number) from "September 2026" (a date)
        ("must be filed with the court by 30 September 2026", "The audit must be filed with the court by 30 September 2026.", "30 September 2026"),
    ],
)
def test_a_date_is_shown_as_the_page_writes_it_whole(nlp, short, sentence, expected):
    assert typed(nlp, "when does it happen", short, sentence) == expected


def test_a_name_the_parser_left_unlabelled_keeps_the_clause_whole(nlp):
    sentence = "Corbridge's Tomasz Wren won the Silver Oar with 23 races; Diallo was second with 19."
    assert typed(nlp, "who won the silver oar", sentence, sentence) == sentence
