"""The eval harness: metrics on hand-made cases, and `rag eval` end to end on a gold file of our own making."""

from __future__ import annotations

import json

import pytest

from rag.errors import RagError
from rag.evaluate.gold import GoldItem, load_gold
from rag.evaluate.harness import SystemUnderTest, aggregate, judge, stability
from rag.evaluate.metrics import includes_all, percentile, quotes_gold_evidence, retrieval_scores, token_f1
from rag.evaluate.perturb import perturb
from rag.evaluate.report import gate_ok, measured
from rag.evaluate.run import ABLATIONS, gate_failures, lies_passed, run_eval
from rag.schema import Answer, Passage
from rag.text.offsets import OffsetMap


def _passage(doc_id: str, start: int, end: int) -> Passage:
    p = Passage(f"{doc_id}#{start}", "x" * (end - start), doc_id, doc_id, "", "", start, end, OffsetMap(), 0.0)
    p.sources = [p.source()]
    return p


def test_retrieval_scores_count_overlap_by_raw_offsets():
    spans = [("a.txt", 100, 150)]
    ranked = [_passage("a.txt", 0, 100), _passage("b.txt", 100, 150), _passage("a.txt", 140, 300)]
    scores = retrieval_scores(ranked, spans, ["a.txt"])
    assert scores["evidence_recall_at_1"] == 0.0
    assert scores["evidence_recall_at_3"] == 1.0
    assert scores["mrr"] == pytest.approx(1 / 3)
    assert scores["ndcg_at_10"] == pytest.approx(0.5)
    assert scores["source_recall_at_5"] == 1.0
    assert retrieval_scores(ranked[:2], spans, ["a.txt", "c.txt"])["source_recall_at_5"] == 0.5


def test_merged_passage_counts_through_any_of_its_sources():
    merged = _passage("b.txt", 0, 50)
    merged.sources.append(_passage("a.txt", 120, 170).source())
    assert retrieval_scores([merged], [("a.txt", 100, 150)], ["a.txt"])["mrr"] == 1.0


def test_must_include_normalises_numbers_currency_and_case():
    assert includes_all("Trade stands at around $239 million [1].", ["239 million"])
    assert includes_all("Trade of 1,000,000 tonnes", ["1000000 tonnes"])
    assert includes_all("The Trans-Afghan railway", ["trans afghan"])
    assert not includes_all("Trade stands at $23 million", ["239 million"])
    assert not includes_all("2390 million", ["239 million"])


def test_citation_is_judged_by_gold_evidence_text_not_by_the_system():
    evidence = ["Current bilateral trade stands at around $239 million"]
    assert quotes_gold_evidence(["Current bilateral trade stands at around $239 million."], evidence)
    assert quotes_gold_evidence(["Kaza-k--h-s-tan’s trade: “current bilateral trade stands at around $239 million”"], evidence)
    assert not quotes_gold_evidence(["Bilateral trade was growing and surged to $239 million."], evidence)
    assert quotes_gold_evidence(["x", "Current bilateral trade stands at around $239 million."], evidence)  # a merged source counts


def test_token_f1_ignores_citation_markers():
    assert token_f1("Astana [1].", "Astana") == 1.0
    assert token_f1("in Islamabad", "Astana") == 0.0
    assert 0 < token_f1("the capital Astana", "Astana") < 1


def test_percentile_is_nearest_rank():
    assert percentile([10, 20, 30, 40], 50) == 20
    assert percentile([10, 20, 30, 40], 95) == 40
    assert percentile([], 50) == 0.0


def _item(answerable: bool = True, must: tuple[str, ...] = ("42 million",), answer: str = "42 million euros") -> GoldItem:
    return GoldItem("x", "q", answer if answerable else "The articles don't say.", list(must) if answerable else [], [], [], answerable, "factoid")


def _shown(outcome: str, short: str = "", text: str = "") -> Answer:
    return Answer("q", text or short, outcome == "not_found", "extractive", "none", short_answer=short, outcome=outcome)


def test_the_lead_is_scored_first_and_only_a_claim_earns_it():
    right = judge(_item(), _shown("answer", "42 million euros", "42 million euros [1].\n“The terminal cost 42 million euros.” [1]"))
    assert (right["lead"], right["must_include"], right["confidently_wrong"], right["result"]) == (1.0, 1.0, 0.0, "claimed_right")
    wrong = judge(_item(), _shown("answer", "3,000 passengers", "3,000 passengers [1].\n“The terminal cost 42 million euros and …” [1]"))
    assert (wrong["lead"], wrong["must_include"], wrong["confidently_wrong"]) == (0.0, 1.0, 1.0)  # the quotes hold it; the claim is wrong
    unclaimed = judge(_item(), _shown("evidence", "", "No short answer I'm sure of; …\n“The terminal cost 42 million euros.” [1]"))
    assert (unclaimed["lead"], unclaimed["must_include"], unclaimed["confidently_wrong"], unclaimed["result"]) == (0.0, 1.0, 0.0, "evidence_with_facts")
    not_found = judge(_item(), _shown("not_found", "", "The articles don't say."))
    assert (not_found["lead"], not_found["must_include"], not_found["result"]) == (0.0, 0.0, "not_found")
    assert judge(_item(False), _shown("answer", "Lena Ruiz"))["confidently_wrong"] == 1.0
    assert judge(_item(False), _shown("evidence", "", "No short answer …"))["confidently_wrong"] == 0.0


def test_only_a_short_lead_earns_lead_accuracy():
    passage = "The harbour board said on Tuesday that the terminal, which opened after years of delay, finally cost 42 million euros in all, twice the first estimate."
    long = judge(_item(), _shown("answer", passage, passage + " [1]"))
    assert (long["lead"], long["long_lead"], long["confidently_wrong"], long["result"]) == (0.0, 1.0, 0.0, "claimed_long")
    short = judge(_item(), _shown("answer", "42 million euros in all", "42 million euros in all [1]."))
    assert (short["lead"], short["long_lead"]) == (1.0, 0.0)


def test_a_short_lead_is_also_at_most_three_times_the_reference_answer():
    """A clause that mentions the place is no answer to "which port?": twelve words against a one-word reference
    fails the gold rule's short lead, though it passes the 20-word rule reported beside it."""
    item = _item(must=("Gwadar",), answer="Gwadar.")
    clause = "that a dedicated multipurpose terminal at Gwadar was crucial for long-term trade growth"
    shown = judge(item, _shown("answer", clause, clause + " [1]."))
    assert (shown["lead"], shown["lead_20w"], shown["long_lead"], shown["confidently_wrong"]) == (0.0, 1.0, 1.0, 0.0)
    assert judge(item, _shown("answer", "Gwadar port", "Gwadar port [1]."))["lead"] == 1.0


def test_aggregate_separates_claims_refusals_and_evidence():
    shown = [
        (_item(), _shown("answer", "42 million euros")),
        (_item(), _shown("answer", "3,000 passengers")),
        (_item(), _shown("evidence", "", "No short answer …\n“… 42 million euros.” [1]")),
        (_item(), _shown("not_found", "", "The articles don't say.")),
        (_item(False), _shown("evidence", "", "No short answer …")),
        (_item(False), _shown("answer", "Lena Ruiz")),
    ]
    rows = [{"id": str(i), "type": "factoid", "answerable": item.answerable, **judge(item, answer)} for i, (item, answer) in enumerate(shown)]
    result = aggregate(rows, [True, False], [True, False], [100.0, 200.0])
    assert result["lead_accuracy"] == 0.25
    assert result["must_include_accuracy"] == 0.5
    assert result["confidently_wrong_rate"] == pytest.approx(2 / 6)
    assert result["false_refusal_rate"] == 0.25
    assert result["refusal_accuracy"] == 0.5
    assert result["citation_precision"] == 0.5
    assert result["by_type"]["factoid"]["claimed"] == pytest.approx(3 / 6)


def test_stability_cannot_be_won_by_never_answering():
    gold = [_item(), _item(), _item(False)]
    never = SystemUnderTest("never", lambda q: [], lambda q: _shown("not_found", "", "The articles don't say."))
    original = {"per_question": [{"id": "x", "result": "not_found"}]}
    kept = stability(never, gold[:1], original)
    assert kept["perturbation_stability"] == 0.0 and kept["perturbation_refused_both"] == 1


def test_perturbation_only_lowers_drops_punctuation_adds_an_opener_and_typos():
    """What a perturbed question may change, whatever the system under test knows: no word is swapped for another."""
    from rag.evaluate.perturb import OPENERS
    from rag.text.vocabulary import damerau

    opener_words = {w for o in OPENERS for w in o.split()}
    questions = ["What is the population of the town between the rivers?", "Who is the prime minister of the government?", "How many years passed?"]
    for i, question in enumerate(questions):
        original = question.lower().replace("?", "").split()
        for seed in range(20):
            for word in set(perturb(question, f"{i}:{seed}").split()) - set(original) - opener_words:
                assert any(damerau(word, o) <= 1 for o in original + sorted(opener_words)), (question, word)


def test_gate_direction_depends_on_metric():
    assert gate_ok("mrr", 0.9, 0.85) and not gate_ok("mrr", 0.8, 0.85)
    assert gate_ok("false_refusal_rate", 0.05, 0.1) and not gate_ok("false_refusal_rate", 0.2, 0.1)


def test_gold_file_errors_name_the_line(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "q1", "question": "x", "answerable": false}\n{"id": "q2"\n')
    with pytest.raises(RagError, match=r"gold.jsonl:2"):
        load_gold(path, {})
    path.write_text('{"id": "q1", "question": "x"}\n')
    with pytest.raises(RagError, match="missing answerable"):
        load_gold(path, {})


# A collection and gold file that have nothing to do with the seeds: the harness must score any gold file.
ARTICLES = {
    "harbour.txt": "Harbour Town opens new ferry terminal\n\nHARBOUR TOWN: The council opened a ferry terminal on Monday. "
    "The terminal cost 42 million euros and can handle 3,000 passengers a day. Mayor Lena Ruiz said ferries to Port Alva would "
    "start in June.\n\nThe old pier will become a fish market.\n",
    "orchard.txt": "Valley orchards report record apple harvest\n\nGREENVALE: Farmers in Greenvale picked 18,500 tonnes of apples this "
    "autumn, a record. The cooperative chair, Tomas Berg, credited a mild spring. Most of the crop goes to juice makers in the north.\n",
}
GOLD = [
    {"id": "h1", "question": "How much did the ferry terminal cost?", "answer": "42 million euros", "must_include": ["42 million"],
     "sources": ["harbour.txt"], "evidence": ["The terminal cost 42 million euros"], "answerable": True, "type": "numeric"},
    {"id": "o1", "question": "how many tonnes of apples did greenvale farmers pick", "answer": "18,500 tonnes", "must_include": ["18,500"],
     "sources": ["orchard.txt"], "evidence": ["picked 18,500 tonnes of apples"], "answerable": True, "type": "numeric"},
    {"id": "u1", "question": "Who won the national chess championship?", "answer": "", "must_include": [], "sources": [], "evidence": [],
     "answerable": False, "type": "unanswerable"},
]  # fmt: skip


@pytest.fixture(scope="module")
def eval_run(tmp_path_factory):
    from rag.assistant import Assistant
    from tests.conftest import collection_settings

    root = tmp_path_factory.mktemp("eval")
    gold = root / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(g) for g in GOLD) + "\n")
    settings = collection_settings(root, ARTICLES, backend="extractive")
    settings.eval = {"thresholds": {"evidence_recall_at_5": 0.5, "false_refusal_rate": 0.5, "refusal_accuracy": 1.01}}
    results, written, failures = run_eval(Assistant(settings), gold, root / "out", "extractive", with_baseline=True, ablate=True)
    return results, written, failures


def test_eval_writes_results_report_and_plot(eval_run):
    _, written, _ = eval_run
    assert {p.name for p in written} == {"results.json", "report.md", "metrics.png", "risk_coverage.png", "reliability.png"}
    saved = json.loads(written[0].read_text())
    for name in ("system", "baseline"):
        for key in (
            "lead_accuracy",
            "confidently_wrong_rate",
            "evidence_recall_at_5",
            "mrr",
            "must_include_accuracy",
            "citation_precision",
            "citation_support_self",
            "perturbation_stability",
            "latency_ms_p95",
            "per_question",
            "by_type",
            "coverage_at_risk_05",
            "lead_at_wrong_05",
            "aurc",
            "ece_shown",
            "calibration",
        ):
            assert key in saved[name], (name, key)
    full = saved["system"]["per_question"][0]["full_answer"]
    assert {"answer", "short_answer", "refused", "citations", "outcome", "confidence", "candidate", "candidate_confidence"} <= set(full)
    assert all({"doc_id", "start", "end", "quote", "role"} <= set(c) for c in full["citations"])
    assert len(saved["perturbation"]["rows"]) == len(GOLD)
    assert set(saved["ablations"]) == set(ABLATIONS)
    report = written[1].read_text()
    assert "| metric | system | baseline |" in report and "Ablations" in report


def test_eval_scores_a_foreign_collection(eval_run):
    system = eval_run[0]["system"]
    assert system["evidence_recall_at_5"] == 1.0
    assert system["must_include_accuracy"] == 1.0
    assert system["refusal_accuracy"] == 1.0
    assert system["confidently_wrong_rate"] == 0.0
    rows = {r["id"]: r for r in system["per_question"]}
    assert rows["h1"]["short_answer"] in ("42 million euros", "")  # claimed, or only its evidence shown


def test_baseline_answers_with_the_nearest_sentence_and_always_claims(eval_run):
    baseline = eval_run[0]["baseline"]
    rows = {r["id"]: r for r in baseline["per_question"]}
    assert rows["h1"]["answer"] == "The terminal cost 42 million euros and can handle 3,000 passengers a day. [1]"
    assert baseline["claim_rate"] == 1.0 and baseline["confidently_wrong_rate"] >= 1 / 3  # it claims the unanswerable one too


def test_gate_reports_each_failed_threshold(eval_run):
    failures = eval_run[2]
    assert len(failures) == 1 and failures[0].startswith("refusal_accuracy")


def test_a_gated_metric_the_run_skipped_fails_the_gate(tmp_path):
    from rag.assistant import Assistant
    from tests.conftest import collection_settings

    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD[0]) + "\n")
    settings = collection_settings(tmp_path, {"harbour.txt": ARTICLES["harbour.txt"]}, backend="extractive")
    settings.eval = {"thresholds": {"perturbation_stability": 0.9, "must_include_accuracy": 0.5}}
    _, written, failures = run_eval(Assistant(settings), gold, tmp_path / "out", "extractive", with_baseline=False, perturbed=False)
    assert failures == ["perturbation_stability was not measured in this run, threshold 0.9"]
    assert "- perturbation_stability: not measured in this run" in written[1].read_text()


def checked_settings(tmp_path):
    """The small collection with the packaged checking model (its own cache): what the verifier needs to claim."""
    from tests.conftest import collection_settings

    settings = collection_settings(tmp_path, ARTICLES, backend="extractive")
    settings.check.model, settings.check.cache = "qwen2.5-coder-1.5b", str(tmp_path / "checks")
    return settings


def test_oracle_measures_what_the_pipeline_keeps_of_a_perfect_model(tmp_path):
    from rag.assistant import Assistant

    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(g) for g in GOLD) + "\n")
    results, written, _ = run_eval(Assistant(checked_settings(tmp_path)), gold, tmp_path / "out", "oracle", with_baseline=False, perturbed=False, with_reader=False)
    loss = results["model_loss"]
    rows = {r["id"]: r for r in results["system"]["per_question"]}
    assert loss["refusals_kept"] == 1.0 and rows["u1"]["outcome"] in ("not_found", "evidence")
    # the right answer, claimed, or (the refitted judge's threshold is high: eval/README.md) shown as likely
    h1 = rows["h1"]["full_answer"]
    assert rows["h1"]["model_answer"] == "42 million euros" and rows["h1"]["shown_right"], h1["answer"]
    assert (h1["route"], h1["short_answer"]) == ("model", "42 million euros") or h1["likely_answer"] == "42 million euros"
    assert loss["answers_delivered"] == sum(r["lead"] for r in rows.values() if r["answerable"]) / 2
    assert "What the pipeline loses" in written[1].read_text()


def test_the_liar_is_measured_and_its_swapped_facts_are_not_claimed(tmp_path):
    from rag.assistant import Assistant

    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(g) for g in GOLD) + "\n")
    results, written, _ = run_eval(Assistant(checked_settings(tmp_path)), gold, tmp_path / "out", "liar", with_baseline=False, perturbed=False, with_reader=False)
    rows = {r["id"]: r for r in results["system"]["per_question"]}
    said = {k: rows[k]["model_answer"] for k in ("h1", "o1")}  # the liar's own words
    assert said["h1"] and "42 million" not in said["h1"] and said["o1"] and "18,500" not in said["o1"]  # swapped
    assert f"The model answered “{said['h1']}" in rows["h1"]["answer"]  # shown as the model's, not confirmed
    assert results["lies"]["lie_claimed_rate"] == results["system"]["confidently_wrong_rate"] == 0.0, results["lies"]
    assert all(r["route"] in ("model_refused", "gated", "reader_over_model") for r in rows.values())
    assert all(said[k] not in rows[k]["short_answer"] for k in said)
    assert "What the verifier lets through" in written[1].read_text()


def test_the_liar_gate_counts_the_liars_claims_and_shows_the_readers_apart():
    """A wrong claim of the reader's own answer (the liar doubted) is not a lie let through: it is printed beside the
    liar's figure and gated in the default run; a claimed lie fails the gate."""
    row = lambda i, route, wrong: {"id": i, "route": route, "confidently_wrong": float(wrong), "claimed": wrong, "answer": "x"}  # noqa: E731
    rows = [row("a", "model", True), row("b", "reader_over_model", True), row("c", "model_refused", False), row("d", "fallback", True)]
    lies = lies_passed({"per_question": rows})
    assert (lies["lie_claimed_rate"], lies["claimed_wrong"]) == (0.25, ["a"])
    assert (lies["reader_claimed_wrong_rate"], lies["reader_claimed_wrong"]) == (0.5, ["b", "d"])
    results = {"system": {"confidently_wrong_rate": 0.75}, "lies": lies}
    assert measured(results)["lie_claimed_rate"] == 0.25
    assert gate_failures(results, {"lie_claimed_rate": 0.05}) == ["lie_claimed_rate = 0.250, threshold 0.05"]
    assert gate_failures(results | {"lies": lies_passed({"per_question": rows[1:]})}, {"lie_claimed_rate": 0.05}) == []


def test_the_mix_is_the_oracle_for_most_questions_and_the_liar_for_the_rest_the_same_every_run():
    from rag.evaluate.liar import MixGenerator

    items = [GoldItem(f"q{k}", f"question {k}", "42 million euros", ["42 million"], [], [], True, "numeric") for k in range(400)]
    mix, again = MixGenerator(items), MixGenerator(items)
    truthful = [mix.truthful(item) for item in items]
    assert truthful == [again.truthful(item) for item in items]
    assert 0.80 <= sum(truthful) / len(truthful) <= 0.90
    assert truthful != [MixGenerator(items, seed=1).truthful(item) for item in items]
    assert mix.answer(items[truthful.index(True)], []) == "42 million euros"


@pytest.mark.slow
def test_a_packaged_model_answers_through_the_ollama_stand_in_and_is_asked_once(tmp_path, monkeypatch):
    """`rag eval --standin`: a real GGUF model (SmolLM2, the test install's) behind the Ollama protocol, asked by the
    real Ollama backend; its figures are reported, and a second run reads every answer from the cache."""
    from rag.assistant import Assistant
    from rag.evaluate.run import served
    from tests.conftest import collection_settings

    monkeypatch.setenv("RAG_GENERATION_CACHE", str(tmp_path / "generations"))
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(g) for g in GOLD) + "\n")
    assistant = Assistant(collection_settings(tmp_path, ARTICLES, backend="extractive"))
    configured = assistant.settings.llm.ollama_host
    cache = tmp_path / "generations" / "smollm2-135m.jsonl"
    asked = []
    for run in ("first", "second"):
        with served(assistant, "smollm2-135m") as backend:
            assert backend == "ollama" and assistant.settings.llm.ollama_host.startswith("http://127.0.0.1:")
            results, _, _ = run_eval(assistant, gold, tmp_path / run, backend, with_baseline=False, perturbed=False, with_reader=False)
        rows = results["system"]["per_question"]
        assert {r["backend"] for r in rows if r["route"].startswith("model")} == {"ollama"}
        assert results["model"]["model"] == "smollm2-135m" and 0.0 <= results["model"]["model_right"] <= 1.0
        asked.append(len(cache.read_text().splitlines()))
    # every question was asked the first time (a vetoed answer is still cached), and the second run asked nothing new
    assert asked[0] >= 1 and asked[1] == asked[0]
    assert assistant.settings.llm.ollama_host == configured  # the stand-in is gone with the run


def test_a_question_whose_model_fails_is_scored_as_no_answer_not_an_aborted_run():
    from rag.evaluate.harness import asked

    def cut(question: str) -> Answer:
        raise RagError("The model's answer was cut off at llm.max_tokens (320 tokens) before it was complete")

    answer = asked(SystemUnderTest("system", lambda q: [], cut), "which port?")
    assert (answer.outcome, answer.route, answer.refused) == ("not_found", "failed", True) and "cut off" in answer.answer
    assert judge(_item(), answer)["result"] == "not_found"


def test_the_model_row_is_named_by_an_answer_the_model_wrote_not_by_the_readers_claim():
    from rag.evaluate.run import model_rows

    def row(route, model):
        return {"id": route, "answerable": True, "route": route, "model_right": False, "lead": 0.0, "claimed": route == "reader_over_model",
                "confidently_wrong": False, "model_answer": "x", "full_answer": {"model": model}}  # fmt: skip

    system = {"per_question": [row("reader_over_model", "none"), row("model_refused", "qwen2.5-coder-1.5b")]}
    assert model_rows(system, None)["model"]["model"] == "qwen2.5-coder-1.5b"
