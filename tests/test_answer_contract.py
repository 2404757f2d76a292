"""The one contract every generating model answers by (`rag.answer.prompt`) and what the answer path reads of it: the
"Answer:" line, "none", markers in any form; what the model is shown (`rag.answer.context`); and the rules' reading of
names and rivals (abbreviations, punctuation and "and"). Pure functions and the real embedding model: no generation."""

from __future__ import annotations

import json

from rag.answer.cite import is_model_refusal, strip_markers
from rag.answer.context import excerpts
from rag.answer.facts import lead_of
from rag.answer.prompt import STOP, SYSTEM
from rag.answer.rules import name_veto
from rag.schema import Answer, Outcome, Reason, Route, evidence_sentences
from rag.text.lexical import fold, overlaps


def test_the_answer_json_carries_codes_that_come_back_as_types():
    """Route, outcome and reasons cross the API as plain strings and come back as their enums; a code an older or
    newer server sends that this version does not know stays a string instead of failing the answer."""
    sent = Answer("q", "x", False, "ollama", "m", outcome=Outcome.EVIDENCE, route=Route.MODEL_REFUSED, reasons=[Reason.FIGURE_ABSENT])
    data = json.loads(json.dumps(sent.to_dict()))
    assert (data["outcome"], data["route"], data["reasons"]) == ("evidence", "model_refused", ["figure_absent"])
    back = Answer.from_dict(data)
    assert back == sent and type(back.route) is Route and type(back.reasons[0]) is Reason and type(back.outcome) is Outcome
    assert Answer.from_dict(data | {"route": "future_route", "reasons": ["future_reason"]}).route == "future_route"


def test_the_short_answer_is_the_answer_line_without_its_label_and_markers():
    assert lead_of("Answer: regular consultations [1]") == "regular consultations"
    assert lead_of("answer: Ishaq Dar [passage 2]\nBecause: …") == "Ishaq Dar"
    assert lead_of("**Answer:** 2003 [1][3]") == "2003"
    assert lead_of("The repair cost 3.2 million pounds [1]. It was paid in May.") == "The repair cost 3.2 million pounds."
    assert strip_markers("Gwadar [passage 1] and Karachi [2, 3]") == "Gwadar and Karachi"


def test_none_is_the_model_finding_no_answer_and_a_name_is_not():
    for said in ("Answer: none", "Answer: None [2]", "none", "Answer: not stated", "The passages do not mention the population."):
        assert is_model_refusal(said), said
    for said in ("Answer: Nonesuch Ltd [1]", "Answer: Kazakhstan [1]", "Answer: no change in tariffs [2]"):
        assert not is_model_refusal(said), said


def test_the_prompt_asks_for_one_line_and_generation_stops_at_its_end():
    assert "Answer:" in SYSTEM and "none" in SYSTEM and STOP == ["\n"]


def test_a_name_stated_by_its_abbreviation_or_expansion_is_not_a_name_no_passage_gives(seeded):
    evidence = evidence_sentences(seeded.retrieve("What did the port delegation from Karachi say about spare capacity?"))
    said = " ".join(e.text for e in evidence)
    assert "Karachi Port Trust (KPT)" in said and "Port Qasim Authority" in said
    assert name_veto(["KPT"], "", evidence) == "" and name_veto(["PQA"], "", evidence) == ""
    assert name_veto(["QPA"], "", evidence).startswith("no passage names QPA")  # initials nobody wrote
    only_abbreviated = [e for e in evidence if "KPT" in e.text]
    for e in only_abbreviated:
        e.text = e.text.replace("Karachi Port Trust", "the trust")
        e.context = e.context.replace("Karachi Port Trust", "the trust")
    assert name_veto(["Karachi Port Trust"], "", only_abbreviated) == ""  # the expansion of an abbreviation a passage has


def test_two_wordings_of_one_list_are_the_same_answer():
    assert overlaps("Karachi Bin Qasim Gwadar", "Karachi, Bin Qasim and Gwadar")
    assert overlaps("the Pakistan-Kazakhstan Transit Trade Agreement", "Pakistan–Kazakhstan Transit Trade Agreement")
    assert not overlaps("Karachi and Gwadar", "Karachi, Bin Qasim and Gwadar") or fold("Karachi Gwadar") in fold("Karachi Bin Qasim Gwadar")
    assert not overlaps("2003", "2015")


def test_the_model_reads_the_best_sentences_with_their_neighbours_within_the_budget(seeded):
    question = "What is the current bilateral trade between Pakistan and Kazakhstan?"
    passages = seeded.retrieve(question)
    evidence = evidence_sentences(passages)
    whole = sum(len(p.text) for p in passages)
    shown = excerpts(question, passages, evidence, seeded.scorer, 150)
    assert shown and sum(len(p.text) for p in shown) < whole / 2
    assert any("239 million" in p.text for p in shown)  # the sentence that answers is kept
    for p in shown:  # every piece is the passage's own text (spacing aside: paragraphs are joined), in its order
        original = " ".join(next(q for q in passages if q.id == p.id).text.split())
        at = 0
        for piece in p.text.split(" … "):
            assert " ".join(piece.split()) in original[at:]
            at = original.index(" ".join(piece.split()), at)
    assert excerpts(question, passages, evidence, seeded.scorer, 0) == passages  # no budget: passages whole


def test_each_surface_marks_the_likely_state_apart_from_a_claim_and_from_plain_evidence(capsys):
    from rag.cli import print_answer
    from rag.render import answer_markdown
    from rag.schema import Answer

    text = "Likely: Gwadar — 62% (not confirmed enough to claim); the passages:\n“Gwadar is the port.” [1]"
    likely = Answer("q", text, False, "llamacpp", "qwen", outcome="evidence", likely_answer="Gwadar", likely_confidence=0.62)
    claimed = Answer("q", "Gwadar [1]", False, "llamacpp", "qwen", outcome="answer", short_answer="Gwadar", confidence=0.91)
    unsure = Answer("q", "No short answer I'm sure of; the most relevant passages:", False, "extractive", "none", outcome="evidence")
    assert answer_markdown(likely).startswith("🤔 **Likely** · 62%") and answer_markdown(claimed).startswith("✅ **Answer** · confidence 91%")
    assert answer_markdown(unsure).startswith("🔎 **No short answer claimed**")
    assert likely.outcome_label() == "likely · 62%, not claimed" and unsure.outcome_label() == "evidence · no short answer claimed"
    print_answer(likely)
    assert capsys.readouterr().out.startswith("≈ likely · 62%, not claimed\nLikely: Gwadar — 62%")
