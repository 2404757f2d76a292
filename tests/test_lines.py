"""The line classifier that reads a page's top: the layouts that broke the hand-ordered signals, pages of layouts
and words it was never fitted on (generated afresh here, a seed the fit never used), and its model file."""

from __future__ import annotations

import json

import pytest

from rag.evaluate.fit_lines import accuracy
from rag.evaluate.page_tops import HELD_OUT, pages
from rag.fitted import NotFitted
from rag.ingest.lines import FEATURES, MODEL_PATH, LineModel, classify, line_model, pieces
from rag.ingest.metadata import read_metadata

BODY = (
    "The Saltmere water board agreed on Monday to replace 40 kilometres of lead pipes under the old town, a project the board's "
    "chair said would take four years and cost 18 million crowns, paid for by a rise in the standing charge."
)


@pytest.mark.parametrize(
    ("top", "title", "outlet", "date"),
    [
        # a weather line (a city and a temperature) above the headline
        (
            "Saltmere 14°C\nThe Saltmere Clarion\nWater board to replace lead pipes under old town",
            "Water board to replace lead pipes under old town",
            "The Saltmere Clarion",
            "",
        ),
        # two section labels joined by a bar
        ("NEWS | LOCAL\nWater board to replace lead pipes under old town\nBy Ida Marsh", "Water board to replace lead pipes under old town", "", ""),
        # the date stamp shares the headline's line; a subhead follows
        (
            "Water board to replace lead pipes under old town | 3 March 2025\nThe four-year project will be paid for by a rise in the standing charge.",
            "Water board to replace lead pipes under old town",
            "",
            "2025-03-03",
        ),
        # a menu, then the masthead with the date on its line
        (
            "Home · Local · Sport · Opinion\nThe Saltmere Clarion — Monday, 3 March 2025\nWater board to replace lead pipes",
            "Water board to replace lead pipes",
            "The Saltmere Clarion",
            "2025-03-03",
        ),
    ],
)
def test_the_layouts_that_broke_the_old_signals(top, title, outlet, date):
    found = read_metadata(f"{top}\n\n{BODY}\n")
    assert (found.title, found.outlet, found.date) == (title, outlet, date)


def test_pieces_split_at_separators_but_never_a_paragraph():
    assert [p.text for p in pieces("WORLD | ASIA", 0)] == ["WORLD", "ASIA"]
    assert [p.text for p in pieces("Water board to act  ·  3 March 2025", 2)] == ["Water board to act", "3 March 2025"]
    assert len(pieces(BODY.replace(", a project", " — a project"), 4)) == 1


def test_each_piece_gets_a_distribution_over_the_classes():
    read = classify(f"The Saltmere Clarion\nWater board to replace lead pipes under old town\n\n{BODY}")
    assert [max(p, key=p.get) for _, p in read] == ["masthead", "headline", "body"]
    assert all(abs(sum(p.values()) - 1) < 1e-9 for _, p in read)


def test_held_out_layouts_in_unseen_words_are_read_right():
    """Layouts and a vocabulary half the fit never saw, drawn with a seed the fit never used: the issue's 95 % bar."""
    figures = accuracy(line_model(), pages(list(HELD_OUT), 40, seed=12345, half=1))
    assert figures["title"] >= 0.95 and figures["outlet"] >= 0.95 and figures["date"] >= 0.95, figures


def test_the_model_file_matches_the_features_and_refuses_others():
    data = json.loads(MODEL_PATH.read_text())
    assert tuple(data["features"]) == FEATURES and len(data["coef"]) == len(data["classes"]) == 9
    assert data["report"]["held_out_all"]["all_three"] >= 0.95
    with pytest.raises(NotFitted, match="fitted on other features") as caught:
        LineModel(data | {"features": [*FEATURES, "extra"]})
    assert caught.value.hint == "fit it with python -m rag.evaluate.fit_lines"
