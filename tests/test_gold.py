"""The gold set is sound: every evidence string is an exact raw substring, every source holds evidence."""

from __future__ import annotations

import json
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


def test_dev_and_test_halves_are_disjoint_and_test_holds_the_new_questions():
    dev = {json.loads(line)["id"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()}
    test = [json.loads(line) for line in TEST.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert not dev & {r["id"] for r in test}
    new = [r for r in test if r["id"].startswith("h")]
    assert len(new) >= 60 and sum(not r["answerable"] for r in new) >= 15


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
