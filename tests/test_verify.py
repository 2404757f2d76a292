"""The verifier of generated answers (`rag.answer.verify`), with the real parse and the packaged checking model, on an
invented collection in another domain (a port town's council): each plausible wrong answer a model might give is
refused as a claim and shown as the system's doubt; the right answers beside them are claimed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.answer.backends.base import Generation
from rag.answer.facts import figures, lead_of
from rag.answer.rules import figure_veto
from rag.evaluate.gold import GoldItem
from rag.evaluate.liar import facts, lie
from rag.schema import EvidenceSentence, Passage
from tests.conftest import collection_settings, sharing

PORT = {
    "01_terminal.txt": (
        "New ferry terminal opens at Dunmore\n\n"
        "Published in the Dunmore Courier, 12 May 2026\n\n"
        "Harbour master Ruth Calloway, accompanied by deputy mayor Tom Beckett, opened the new ferry terminal on Monday. "
        "The terminal cost 42 million euros and has 12 berths.\n\n"
        "The old swing bridge, built in 1964, was closed for repairs in 2019. "
        "Engineers expect it to reopen next spring.\n"
    ),
    "02_council.txt": (
        "Council keeps library open\n\n"
        "Published in the Dunmore Courier, 20 May 2026\n\n"
        "The council voted to keep the Mill Street library open. "
        "It did not renew its cleaning contract with Greyfield Services, which ends in July.\n\n"
        "Councillor Aisling Moran said the library had 9,000 members.\n"
    ),
}


class Scripted:
    """A model that answers each question with the text the test gives it (what a wrong model would write)."""

    name, model = "scripted", "test answers"

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers

    def check(self) -> None:
        return None

    def generate(self, question: str, passages: list[Passage], history=None) -> Generation:
        return Generation(passages, iter(re.findall(r"\S+\s*", self.answers[question])))


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory):
    """The port collection with the default checking model (its own cache: every check really asked)."""
    from rag.assistant import Assistant

    settings = collection_settings(tmp_path_factory.mktemp("port"), PORT, backend="extractive")
    settings.check.model, settings.check.cache = "qwen2.5-coder-1.5b", str(tmp_path_factory.mktemp("checks"))
    assistant = Assistant(settings)
    assistant.ingest()
    return assistant


def ask(assistant, question: str, text: str):
    scripted = sharing(assistant)
    scripted.generators["scripted"] = Scripted({question: text})
    events = list(scripted.stream(question, backend="scripted"))
    return events, events[-1].answer


def assert_refused(answer, lead: str, wrong: str) -> None:
    """The model's answer ``lead`` (stating the ``wrong`` fact) is never claimed nor shown as likely: it is shown as the
    model's, not confirmed, with the passages; or the reader's own checked answer, another fact, is claimed instead."""
    assert answer.model_answer == lead.rstrip("."), answer.model_answer
    assert wrong not in answer.short_answer and wrong not in answer.likely_answer, answer.answer
    assert "checked by qwen2.5-coder-1.5b" in answer.checked_by
    if answer.route == "reader_over_model":
        assert answer.outcome == "answer" and answer.backend == "extractive" and answer.short_answer, answer.answer
        return
    assert answer.outcome == "evidence" and answer.route == "model_refused" and answer.confidence == 0.0, answer.answer
    assert f"The model answered “{lead.rstrip('.')}”" in answer.answer
    assert answer.short_answer == "" and answer.citations and all(c.role == "relevant" for c in answer.citations)


WHO = "Who opened the new ferry terminal?"
COST = "How much did the new ferry terminal cost?"


def test_the_other_person_of_the_sentence_is_refused_by_the_parse_and_the_right_one_is_not(port) -> None:
    events, wrong = ask(port, WHO, "Deputy mayor Tom Beckett opened the new terminal [1].")
    assert_refused(wrong, "Deputy mayor Tom Beckett opened the new terminal.", "Beckett")
    doubted, _, _ = port.verdict(WHO, Scripted({WHO: "Deputy mayor Tom Beckett opened the new terminal [1]."}))
    assert any("is what “accompany” says in that sentence, not “open”" in d for d in doubted.doubts)  # Beckett only accompanied
    assert doubted.vetoes == []  # the slot rule is weighed by the fitted verifier, not obeyed
    assert any("not confirmed" in e.notice for e in events)  # the model's text was shown, then replaced, never silently
    right, _, _ = port.verdict(WHO, Scripted({WHO: "Ruth Calloway opened it [1]."}))
    assert right.fact.text.endswith("Ruth Calloway") and right.vetoes == right.doubts == []  # the rule is about the slot
    assert right.checked_by.startswith("checked by") and 0.0 < right.p_fact < 1.0


def test_a_figure_of_the_wrong_scale_is_refused(port) -> None:
    _, right = ask(port, COST, "It cost 42 million euros [1].")
    # claimed, or (the judge's threshold is high: eval/README.md) shown as likely
    assert "42 million" in (right.short_answer if right.outcome == "answer" else right.likely_answer), right.answer
    _, wrong = ask(port, COST, "It cost 42 billion euros [1].")
    assert_refused(wrong, "It cost 42 billion euros.", "billion")
    assert wrong.route == "reader_over_model" or "but the passages give 42 in million, not billion" in wrong.answer


def test_a_negated_statement_is_not_claimed_as_its_opposite(port) -> None:
    question = "Which company's cleaning contract did the council renew?"
    _, answer = ask(port, question, "The council renewed its cleaning contract with Greyfield Services [1].")
    assert_refused(answer, "The council renewed its cleaning contract with Greyfield Services.", "Greyfield")


def test_a_year_from_another_clause_is_refused(port) -> None:
    _, answer = ask(port, "When was the swing bridge closed for repairs?", "In 1964 [1].")
    assert_refused(answer, "In 1964.", "In 1964")


def test_an_unanswerable_question_answered_confidently_is_not_claimed(port) -> None:
    _, answer = ask(port, "How many people work at the new ferry terminal?", "12 people work there [1].")
    assert answer.outcome != "answer", answer.answer


def test_without_a_checker_only_the_readers_own_claim_is_claimed(tmp_path: Path) -> None:
    from rag.assistant import Assistant

    assistant = Assistant(collection_settings(tmp_path, PORT, backend="extractive"))  # check.model = ""
    assistant.ingest()
    _, answer = ask(assistant, COST, "It cost 42 billion euros [1].")
    assert answer.outcome == "evidence" and "the reader alone, unchecked" in answer.checked_by


def test_the_liar_swaps_the_key_fact_for_another_of_the_same_kind(port) -> None:
    passages = port.retrieve(WHO, top_k=5)
    item = GoldItem("p1", WHO, "Harbour master Ruth Calloway.", ["Calloway"], ["01_terminal.txt"], [], True, "factoid")
    text = lie(item, passages)
    assert "Calloway" not in text and "Tom Beckett" in text and re.search(r"\[\d\]\.$", text), text  # the other person, same sentence
    kinds = {f.text: f.kind for f in facts(passages)}
    assert kinds.get("Tom Beckett") == kinds.get("Ruth Calloway") == "person"
    unanswerable = GoldItem("p2", "How much did the council pay for cleaning?", "", [], [], [], False, "unanswerable")
    assert re.search(r"\d", lie(unanswerable, port.retrieve(unanswerable.question, top_k=5)))  # a figure, confidently


def test_figures_keep_their_scale_word() -> None:
    assert figures("around $239 million and 10 per cent, 1.5bn") == {("239", "million"), ("10", "percent"), ("1.5", "billion")}
    evidence = [EvidenceSentence(0, "The terminal cost 42 million euros and has 12 berths.", 0, 52, date="2026-05-12")]
    assert figure_veto("42 billion euros", "How much?", evidence).endswith("not billion")
    assert figure_veto("42 million euros", "How much?", evidence) == ""
    assert figure_veto("12 berths", "How many berths?", evidence) == ""
    assert figure_veto("42 euros", "How much?", evidence) == "the passages give 42 in million"
    assert figure_veto("7 berths", "How many berths?", evidence) == "no passage gives the figure 7"
    assert figure_veto("In 2026.", "When?", evidence) == ""  # the article's date states its year


def test_the_lead_is_the_first_sentence_without_markers() -> None:
    assert lead_of("Ruth Calloway opened it [1]. She was accompanied [2].") == "Ruth Calloway opened it."
    assert lead_of("") == ""
