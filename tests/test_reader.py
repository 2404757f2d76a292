"""The reader: a parse stored at ingest, questions read from their parse, candidates from the passages' parse, and the
fitted scorer's best candidate — on an invented collection (nothing from the seeds) and on the seeds.

What is *claimed* depends on the scorer's confidence (tests/test_outcomes.py); these tests are of what the reader
reads: its best candidate, claimed or not.
"""

from __future__ import annotations

import pytest

from rag.evaluate.perturb import perturb
from rag.read.candidates import ParsedSentence, candidates
from rag.read.question import analyse
from rag.text.lexical import TermWeights
from rag.text.parse import Annotation, annotate, load_parser
from rag.text.vocabulary import Vocabulary

# An invented town's news: names, figures and years that appear nowhere in the seeds.
INVENTED = {
    "harbour.txt": "Harbour Town opens new ferry terminal\n\nHARBOUR TOWN: The council opened a ferry terminal on Monday. "
    "The terminal cost 42 million euros and can handle 3,000 passengers a day. Mayor Lena Ruiz said ferries to Port Alva, "
    "Nortown and Cape Lisa would start in June. The council aims to earn 60 million euros a year from the port.\n\n"
    "The old pier, built in 1952, will become a fish market. Harbour director Ana Sol said the fish market would open next spring.\n",
    "pier.txt": "Fishermen welcome market plan\n\nHARBOUR TOWN: The Alva Fishermen's Union welcomed the plan for a fish market on the old pier. "
    "The pier was last rebuilt in 1987 after a storm. Deputy harbour director Ana Sol met union members on Tuesday.\n",
    "rail.txt": "Rail link to the valley approved\n\nGREENVALE: Transport Minister Omar Vidal approved a rail link between Greenvale and "
    "Harbour Town. The line will be 48 kilometres long and is due to open in 2029. Vidal said the link was a milestone for the valley.\n",
}


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    from rag.assistant import Assistant
    from tests.conftest import collection_settings

    assistant = Assistant(collection_settings(tmp_path_factory.mktemp("town"), INVENTED, backend="extractive"))
    assistant.ingest()
    return assistant


@pytest.fixture(scope="module")
def nlp():
    return load_parser("en_core_web_sm")


def read(assistant, question: str) -> str:
    decision, _ = assistant.inspect(question)
    return decision.reading.short


# -- the parse, stored at ingest ---------------------------------------------------------------------------------------


def test_every_chunk_carries_its_parse_with_exact_offsets(town):
    chunks = [p for name in INVENTED for p in town.retrieve(f"{name} terminal pier rail", top_k=10)]
    assert chunks
    for passage in chunks:
        annotation = Annotation.loads(passage.annotation)
        assert annotation.tokens, passage.id
        for token in annotation.tokens:
            assert passage.text[token.start : token.end].strip() == passage.text[token.start : token.end]
        named = {passage.text[annotation.tokens[e.start].start : annotation.tokens[e.end - 1].end] for e in annotation.entities}
        assert not named or any(name in passage.text for name in named)


def test_a_slice_of_an_annotation_keeps_its_own_tokens_and_heads(nlp):
    text = "The terminal cost 42 million euros. Mayor Lena Ruiz opened it on Monday."
    whole = next(annotate([text], "en_core_web_sm"))
    second = text.index("Mayor")
    part = whole.within(second, len(text))
    assert [text[second + t.start : second + t.end] for t in part.tokens][:3] == ["Mayor", "Lena", "Ruiz"]
    assert all(0 <= t.head < len(part.tokens) for t in part.tokens)
    assert {text[second + part.tokens[e.start].start : second + part.tokens[e.end - 1].end] for e in part.entities} >= {"Lena Ruiz", "Monday"}
    assert Annotation.loads(part.dumps()) == part


def test_no_passage_is_parsed_when_a_question_is_answered(town, monkeypatch):
    """Only the question goes through the parser at question time; passages are read from the stored parse."""
    import rag.read.reader as reader_module

    parsed: list[str] = []
    real = reader_module.load_parser

    def counting(name):
        nlp = real(name)
        return lambda text: parsed.append(text) or nlp(text)

    monkeypatch.setattr(reader_module, "load_parser", counting)
    town.ask("How much did the ferry terminal cost?")
    assert parsed == ["How much did the ferry terminal cost?"]


# -- the question, read from its parse -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "wh", "head", "verb", "plural"),
    [
        ("Who heads the union?", "who", "", "head", False),
        ("how much did the terminal cost", "how much", "cost", "", False),
        ("How many passengers can the terminal handle?", "how many", "passenger", "handle", True),
        ("when did it open", "when", "", "open", False),
        ("Which towns will the ferries go to?", "which", "town", "go", True),
        ("What kind of market will the pier become?", "what", "market", "become", False),
        ("what is the population of the town", "what", "population", "", False),
        ("what did the mayor say about the ferries", "what", "", "say", False),
        ("name the towns on the ferry route", "", "town", "name", True),
    ],
)
def test_the_question_is_read_from_its_parse(nlp, question, wh, head, verb, plural):
    q = analyse(question, nlp)
    assert (q.wh, q.head, q.verb, q.plural) == (wh, head, verb, plural)


def test_the_asked_for_labels_come_from_the_wh_word_alone(nlp):
    assert "PERSON" in analyse("Who opened the terminal?", nlp).expects
    assert "DATE" in analyse("When will the line open?", nlp).expects
    assert "MONEY" in analyse("How much did it cost?", nlp).expects
    assert analyse("Which towns will the ferries go to?", nlp).expects == ()  # the noun decides, through the scorer


def test_a_two_part_question_has_a_part_each(nlp):
    q = analyse("how long will the rail line be and when will it open?", nlp)
    assert [p.wh for p in q.parts] == ["how long", "when"]


# -- candidates from a sentence's parse ------------------------------------------------------------------------------


def test_candidates_are_entities_noun_chunks_lists_clauses_and_the_sentence():
    text = "Mayor Lena Ruiz said ferries to Port Alva, Nortown and Cape Lisa would start in June."
    sentence = ParsedSentence(0, text, next(annotate([text], "en_core_web_sm")))
    found = {(c.kind, c.text) for c in candidates(sentence)}
    assert ("sentence", text) in found
    assert any(kind == "entity" and t == "Lena Ruiz" for kind, t in found)
    assert any(kind == "list" and "Port Alva" in t and "Cape Lisa" in t for kind, t in found)
    assert any(kind == "clause" and t.startswith("ferries to Port Alva") for kind, t in found)
    assert all(text[: len(text)].find(t) >= 0 for _, t in found)  # every candidate is the sentence's own words


# -- the reader's best candidate -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("how much did the ferry termnal cost?", ["42 million euros"]),
        ("Who is the transport minister?", ["Omar Vidal"]),
        pytest.param(
            "which towns will the ferries go to",
            ["Port Alva", "Nortown", "Cape Lisa"],
            marks=pytest.mark.xfail(strict=True, reason="known miss: a headline with 'Town' in it outranks the list (eval/README.md, reader errors)"),
        ),
        ("how long will the rail line be?", ["48 kilometres"]),
        ("When was the pier last rebuilt?", ["1987"]),
        pytest.param(
            "what did vidal say about the rail link",
            ["milestone"],
            marks=pytest.mark.xfail(strict=True, reason="known miss: the sentence sharing most words outranks the one with the verb 'said'"),
        ),
    ],
)
def test_the_best_candidate_holds_the_answer(town, question, facts):
    short = read(town, question)
    for fact in facts:
        assert fact in short, (question, short)


def test_typos_map_onto_the_collection_words_and_shorthand_is_left_alone():
    weights = TermWeights.from_texts(["Pakistan and Kazakhstan trade", "the terminal opened"])
    vocabulary = Vocabulary(weights, english=frozenset({"week"}))
    assert vocabulary.normalise("how much trade do pakistn and kazakstan do").text == "how much trade do pakistan and kazakhstan do"
    assert vocabulary.normalise("whats the termnal").text == "whats the terminal"
    assert vocabulary.normalise("who is the pm at 3 pm").text == "who is the pm at 3 pm"  # never "3 prime minister"
    assert vocabulary.normalise("which week").text == "which week"  # a real word is never "corrected"


def test_perturbation_is_repeatable_and_changes_the_wording():
    once, again = perturb("Who is Pakistan's Prime Minister?", "q1"), perturb("Who is Pakistan's Prime Minister?", "q1")
    assert once == again and once != "Who is Pakistan's Prime Minister?"
    assert once == once.lower() and "?" not in once and "'" not in once


def test_the_seeds_trade_figure_is_read(seeded):
    short = read(seeded, "How much trade is there between Pakistan and Kazakhstan right now?")
    assert "239 million" in short
