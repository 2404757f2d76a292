"""The gold set is sound: every evidence string is an exact raw substring, every source holds evidence."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from rag.evaluate.gold import load_gold

EVAL = Path(__file__).resolve().parent.parent / "eval"
DEV, TEST = EVAL / "dev.jsonl", EVAL / "test.jsonl"
ROWS = [json.loads(line) for path in (DEV, TEST) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_evidence_is_exact_raw_text_of_a_listed_source(row, raw_articles):
    for evidence in row["evidence"]:
        assert any(evidence in raw_articles[s] for s in row["sources"]), evidence
    for source in row["sources"]:
        assert any(e in raw_articles[source] for e in row["evidence"]), source
    assert row["answerable"] == bool(row["evidence"])


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _sentences(text: str) -> list[tuple[int, int]]:
    """Raw sentence spans: each line cut after . ! or ? (a fact is what one sentence of an article says)."""
    spans, offset = [], 0
    for line in text.split("\n"):
        spans += [(offset + m.start(), offset + m.end()) for m in re.finditer(r"[^.!?]+(?:[.!?]+|$)", line) if m.group().strip()]
        offset += len(line) + 1
    return spans


def _evidence_sentences(row: dict, raw_articles: dict[str, str]) -> set[tuple[str, int]]:
    found = set()
    for evidence in row["evidence"]:
        for doc_id in row["sources"]:
            text = raw_articles[doc_id]
            start = text.find(evidence)
            while start >= 0:
                found |= {(doc_id, k) for k, (a, b) in enumerate(_sentences(text)) if a < start + len(evidence) and start < b}
                start = text.find(evidence, start + 1)
    return found


def test_no_fact_is_in_both_dev_and_test(raw_articles):
    """A test question never needs a sentence that a dev question needs: tuning on dev cannot learn a test answer."""
    dev_sentences = set().union(*(_evidence_sentences(r, raw_articles) for r in _rows(DEV)))
    shared = {r["id"]: _evidence_sentences(r, raw_articles) & dev_sentences for r in _rows(TEST)}
    assert not {k: v for k, v in shared.items() if v}


def _words(question: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", question.lower())) - set("the a an of is was who what which how did does in to and for by on with s".split())


def test_no_test_question_repeats_a_dev_question():
    """Unanswerable questions have no evidence to compare: their wording must differ (word overlap below 0.6)."""
    for row in _rows(TEST):
        for other in _rows(DEV):
            a, b = _words(row["question"]), _words(other["question"])
            assert len(a & b) / len(a | b) < 0.6, (row["id"], other["id"])


def test_dev_and_test_halves_are_disjoint_and_test_holds_new_questions():
    assert not {r["id"] for r in _rows(DEV)} & {r["id"] for r in _rows(TEST)}
    new = [r for r in _rows(TEST) if r["id"].startswith("t")]
    assert len(new) >= 40 and sum(not r["answerable"] for r in new) >= 10


def test_gold_set_covers_every_question_type():
    counts = Counter(r["type"] for r in ROWS)
    assert len(ROWS) >= 60 and len({r["id"] for r in ROWS}) == len(ROWS)
    assert counts["unanswerable"] >= 10
    for kind in ("factoid", "numeric", "date", "list", "multi_doc", "comparison", "boilerplate_trap", "cleaning"):
        assert counts[kind] >= 3, kind


def test_loader_locates_every_evidence_span(raw_articles):
    items = load_gold(DEV, raw_articles) + load_gold(TEST, raw_articles)
    for item in items:
        assert bool(item.spans) == item.answerable
        for doc_id, start, end in item.spans:
            assert raw_articles[doc_id][start:end] in item.evidence


COLLECTIONS = sorted(p for p in (EVAL / "collections").iterdir() if (p / "gold.jsonl").is_file())


@pytest.mark.parametrize("collection", COLLECTIONS, ids=[p.name for p in COLLECTIONS])
def test_invented_collections_are_sound(collection):
    """Each invented collection: ≥ 8 articles, ≥ 40 questions, evidence exact in the raw files, every type of question."""
    articles = {p.name: p.read_text(encoding="utf-8") for p in (collection / "articles").iterdir()}
    rows = _rows(collection / "gold.jsonl")
    assert len(articles) >= 8 and len(rows) >= 40 and len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["answerable"] == bool(row["evidence"]), row["id"]
        for evidence in row["evidence"]:
            assert any(evidence in articles[s] for s in row["sources"]), (row["id"], evidence)
    assert {r["type"] for r in rows} >= {"factoid", "numeric", "date", "list", "multi_doc", "comparison", "unanswerable", "boilerplate_trap"}


@pytest.mark.parametrize("path", [DEV, TEST, *(c / "gold.jsonl" for c in COLLECTIONS)], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_reference_answer_holds_its_facts(path):
    """The oracle backend writes the reference answer as the model's text: it must hold the facts it is scored on."""
    from rag.evaluate.metrics import includes_all

    for row in _rows(path):
        if row["answerable"]:
            assert includes_all(row["answer"], row["must_include"]), row["id"]
        else:
            assert "don't say" in row["answer"], row["id"]


ALL_GOLD = [DEV, TEST, *(c / "gold.jsonl" for c in COLLECTIONS)]


@pytest.mark.parametrize("path", ALL_GOLD, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_gold_file_follows_the_gold_rule(path):
    """eval/README.md, "The gold rule": every list item, the facts in the answer and the evidence (rag.evaluate.gold_check)."""
    from rag.evaluate.gold_check import check

    assert check(path) == []


def test_the_gold_check_finds_a_list_kept_by_a_keyword():
    from rag.evaluate.gold_check import list_items, problems

    assert list_items("Agriculture and food security, pharmaceuticals, textiles, energy and large-scale infrastructure.") == [
        "Agriculture and food security",
        "pharmaceuticals",
        "textiles",
        "energy",
        "large-scale infrastructure",
    ]
    assert list_items("Karachi, Bin Qasim and Gwadar — the three ports.") == ["Karachi", "Bin Qasim", "Gwadar"]
    row = {"id": "x", "answer": "Karachi, Bin Qasim and Gwadar.", "must_include": ["Gwadar"], "answerable": True, "type": "list"}
    row["evidence"] = ["Karachi, Bin Qasim and Gwadar"]
    assert problems(row) == ["list items without a must_include string: ['Karachi', 'Bin Qasim']"]
    assert problems(row | {"must_include": ["Karachi", "Bin Qasim", "Gwadar"]}) == []
    assert problems(row | {"must_include": ["Karachi", "Bin Qasim", "Gwadar"], "evidence": ["Karachi and Gwadar"]}) == ["evidence lacks ['Bin Qasim']"]
    assert problems({"id": "u", "answer": "No idea.", "must_include": ["x"], "answerable": False}) == [
        "unanswerable but has must_include, evidence or sources",
        "unanswerable but its answer does not say the articles don't say",
    ]
