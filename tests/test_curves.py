"""The risk–coverage curve and calibration figures, on hand-made rows whose answers are known."""

from __future__ import annotations

import pytest

from rag.evaluate.curves import at_ceiling, aurc, auroc, calibration, curve, operating_point, reliability
from rag.evaluate.gold import GoldItem
from rag.evaluate.harness import candidate_row, judge
from rag.schema import Answer


def _row(confidence: float, right: bool, claimed: bool = False, answerable: bool = True, wrong: bool | None = None) -> dict:
    wrong = (not right) if wrong is None else wrong
    return {
        "candidate": "x",
        "candidate_confidence": confidence,
        "candidate_right": right,
        "candidate_wrong": wrong,
        "answerable": answerable,
        "claimed": claimed,
        "confidence": confidence if claimed else 0.0,
    }


def test_a_ranking_with_every_right_answer_first_has_no_area_and_full_auroc():
    rows = [_row(0.9, True), _row(0.8, True), _row(0.3, False), _row(0.2, False)]
    assert aurc(rows) == pytest.approx((0 + 0 + 1 / 3 + 2 / 4) / 4)
    assert auroc(rows) == 1.0
    assert auroc(list(reversed([_row(0.9, False), _row(0.8, False), _row(0.3, True), _row(0.2, True)]))) == 0.0
    worse = [_row(0.9, False), _row(0.8, False), _row(0.3, True), _row(0.2, True)]
    assert aurc(worse) > aurc(rows)


def test_the_curve_claims_ties_together_and_counts_questions_without_a_candidate():
    rows = [_row(0.9, True), _row(0.9, False), _row(0.5, True), {**_row(0.0, False), "candidate": ""}]
    points = curve(rows)
    assert [p["threshold"] for p in points] == [0.9, 0.5]
    assert points[0] == {"threshold": 0.9, "coverage": 0.5, "risk": 0.5, "wrong_rate": 0.25, "lead": 0.25}
    assert points[1]["coverage"] == 0.75 and points[1]["lead"] == pytest.approx(2 / 4)


def test_a_long_answer_that_holds_the_facts_is_neither_right_nor_wrong():
    rows = [_row(0.9, False, wrong=False), _row(0.8, True)]
    assert curve(rows)[0]["risk"] == 0.0 and curve(rows)[0]["lead"] == 0.0


def test_coverage_at_five_percent_risk_is_the_most_claimed_within_it():
    rows = [_row(1 - k / 100, True) for k in range(19)] + [_row(0.5, False), _row(0.4, True), _row(0.3, False), _row(0.2, False)]
    points = curve(rows)
    best = at_ceiling(points, "risk")
    assert best["coverage"] == pytest.approx(21 / 23) and best["risk"] <= 0.05
    assert at_ceiling([{"coverage": 0.5, "risk": 0.5, "wrong_rate": 0.3, "lead": 0.2, "threshold": 0.1}], "risk")["coverage"] == 0.0


def test_ece_is_zero_when_the_confidence_is_the_share_right_and_large_when_it_lies():
    honest = [(0.75, True), (0.75, True), (0.75, True), (0.75, False)]
    assert reliability(honest)[1] == pytest.approx(0.0)
    liar = [(0.95, False)] * 9 + [(0.95, True)]
    assert reliability(liar)[1] == pytest.approx(0.85)
    assert reliability([]) == ([], None)


def test_the_product_point_uses_the_same_judgement_as_the_curve():
    rows = [_row(0.9, True, claimed=True), _row(0.8, False, claimed=True), _row(0.4, True), _row(0.0, False, answerable=False)]
    point = operating_point(rows)
    assert point == {"coverage": 0.5, "risk": 0.5, "wrong_rate": 0.25, "lead": pytest.approx(2 / 3 * 0.5)}
    figures = calibration(rows)
    assert figures["operating_point"] == point and figures["ece_shown"] == pytest.approx((0.1 + 0.8) / 2)


def test_every_answer_is_judged_by_its_candidate_whether_or_not_it_was_claimed():
    item = GoldItem("x", "which port", "Gwadar.", ["Gwadar"], [], [], True, "factoid")
    doubted = Answer("q", "No short answer I'm sure of …", False, "extractive", "none", outcome="evidence", candidate="Gwadar", candidate_confidence=0.61)
    row = judge(item, doubted)
    assert (row["claimed"], row["candidate"], row["candidate_confidence"], row["candidate_right"]) == (False, "Gwadar", 0.61, True)
    claimed = Answer("q", "Karachi [1].", False, "extractive", "none", short_answer="Karachi", outcome="answer", confidence=0.9)
    assert candidate_row(item, claimed, "answer") == {"candidate": "Karachi", "candidate_confidence": 0.9, "candidate_right": False, "candidate_wrong": True}
    unanswerable = GoldItem("u", "q", "The articles don't say.", [], [], [], False, "unanswerable")
    assert candidate_row(unanswerable, doubted, "evidence")["candidate_wrong"] is True
