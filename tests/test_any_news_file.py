"""Any news file from any site: a folder of saved web pages and plain pages of other layouts is ingested, answered
with exact spans of the stored text, listed with the right title, outlet and date; teaser blocks stay out."""

from __future__ import annotations

import json

import pytest

from rag.assistant import Assistant
from tests.conftest import make_settings
from tests.test_metadata import LAYOUTS, PAGE

SECOND_PAGE = """<html><head><title>Ferry fares set for the summer - Harbour Herald</title>
<meta property="og:site_name" content="Harbour Herald"><meta name="date" content="2025-04-02"></head><body>
<header><a href="/">Harbour Herald</a> | <a href="/login">Log in</a></header>
<main><h1>Ferry fares set for the summer</h1>
<p>HARBOUR TOWN: The council set the ferry fare to Port Alva at 12 euros for adults and 6 euros for children on Tuesday.</p>
<p>Season tickets will cost 90 euros, and the first sailing will leave at 7am on 1 June, the harbour director said.</p></main>
<div class="comments"><h4>Comments</h4><p>Too expensive for families! - Sam</p></div>
<div class="related"><h4>Read more</h4><a href="/x">Harbour Town opens new ferry terminal</a><a href="/y">Storm hits the pier</a></div>
</body></html>"""
TEASERS = (
    "Council backs new cycle lanes\n\nNORTHSIDE: The council voted on Thursday to build 14 kilometres of cycle lanes along the river, "
    "at a cost of 2.4 million pounds, with work starting in the spring.\n\n"
    "Museum opens a gallery of maritime maps\nSchool inspectors praise Northside Academy\nLocal bakery wins a national bread prize\n"
)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    root = tmp_path_factory.mktemp("any-news")
    folder = root / "articles"
    folder.mkdir()
    (folder / "harbour.html").write_text(PAGE)
    (folder / "fares.htm").write_text(SECOND_PAGE)
    (folder / "cycle.txt").write_text(TEASERS)
    for name, text, *_ in LAYOUTS:
        (folder / name).write_text(text)
    (folder / "follow.txt.meta.json").write_text(json.dumps({"outlet": "The Riverside Times"}))
    settings = make_settings(root / "store", backend="extractive")
    settings.collection.paths = [str(folder)]
    assistant = Assistant(settings)
    report = assistant.ingest()
    assert not report.problems, report.problems
    return assistant


def test_every_file_is_listed_with_its_title_outlet_and_date(mixed):
    rows = {row["doc_id"]: row for row in mixed.articles()}
    assert (rows["harbour.html"]["title"], rows["harbour.html"]["outlet"], rows["harbour.html"]["date"]) == (
        "Harbour opens new ferry terminal",
        "The Coast Times",
        "2025-03-04",
    )
    assert (rows["fares.htm"]["title"], rows["fares.htm"]["outlet"]) == ("Ferry fares set for the summer", "Harbour Herald")
    for name, _text, title, outlet, date in LAYOUTS:
        expected_outlet = "The Riverside Times" if name == "follow.txt" else outlet  # the sidecar wins
        assert (rows[name]["title"], rows[name]["outlet"], rows[name]["date"]) == (title, expected_outlet, date), name


def test_questions_about_saved_pages_cite_exact_spans_of_the_stored_text(mixed):
    answer = mixed.ask("How much is the adult ferry fare to Port Alva?")
    assert "12 euros" in answer.answer and answer.citations
    for citation in answer.citations:
        assert mixed.article(citation.doc_id)[1][citation.start : citation.end] == citation.quote
    assert any(c.doc_id == "fares.htm" for c in answer.citations)


def test_front_matter_is_metadata_not_text(mixed):
    passages = mixed.retrieve("free school lunch for every pupil", top_k=3)
    assert passages and all("outlet: Northside Gazette" not in p.text for p in passages)


def test_teaser_headlines_after_the_article_are_not_indexed(mixed):
    passages = mixed.retrieve("bakery wins a national bread prize", top_k=10)
    assert all("bread prize" not in p.text for p in passages)
    answer = mixed.ask("Which bakery won a national bread prize?")
    assert answer.outcome == "not_found" and not answer.citations


def test_show_prints_what_citations_index(mixed, tmp_path):
    row, text = mixed.article("harbour.html")
    assert row["title"] == "Harbour opens new ferry terminal"
    assert text.startswith("Harbour opens new ferry terminal\n\nHARBOUR TOWN:")
