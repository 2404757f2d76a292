"""PDF and Word articles, made by the tests (`tests.documents`): read in reading order without page furniture,
metadata from the file first, answered with exact spans of the stored text; scanned and encrypted PDFs refused."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from rag.assistant import Assistant
from rag.cli import main
from rag.errors import RagError
from rag.ingest.layout import Line, Page, drop_furniture, join_hyphens, reading_order, repeated_margin_lines
from rag.ingest.pdf import extract_pdf
from rag.ingest.uploads import check_upload
from rag.ingest.word import extract_docx
from tests.conftest import make_settings
from tests.documents import encrypted_pdf, ferry_article, news_docx, news_pdf, scanned_pdf

DOC = ferry_article()
SENTENCES = [s for p in DOC.paragraphs for s in re.split(r"(?<=\.) ", p)]


def in_order(text: str, sentences: list[str]) -> list[str]:
    """The sentences not found whole, in order, in ``text``."""
    at, missing = 0, []
    for sentence in sentences:
        where = text.find(sentence, at)
        if where < 0:
            missing.append(sentence)
        else:
            at = where + len(sentence)
    return missing


@pytest.mark.parametrize("interleaved", [False, True], ids=["stream-order", "interleaved-columns"])
def test_pdf_columns_come_back_in_reading_order_without_furniture(interleaved):
    text, meta = extract_pdf("ferry.pdf", news_pdf(DOC, interleaved=interleaved))
    assert in_order(text, SENTENCES) == []
    assert DOC.header not in text and not re.search(r"\bPage \d\b", text)  # running header and page numbers dropped
    assert "interconnection" in text and "inter-" not in text  # hyphenated at a line end, mended
    assert "two-year" in text  # a real compound keeps its hyphen
    assert text.startswith(DOC.title + "\n\n")
    assert (meta.title, meta.outlet, meta.date) == (DOC.title, "The Harbour Ledger", DOC.date)


def test_pdf_without_document_info_falls_back_to_the_page():
    _text, meta = extract_pdf("bare.pdf", news_pdf(DOC, metadata=False))
    assert meta.title == "" and meta.date == ""  # nothing stated: the ingest's general signals read the text
    assert meta.outlet == "The Harbour Ledger"  # the running header names the outlet


def test_docx_body_is_the_text_header_and_footer_stay_out():
    text, meta = extract_docx("ferry.docx", news_docx(DOC))
    assert in_order(text, SENTENCES) == []
    assert DOC.header not in text and "Page 1" not in text
    assert (meta.title, meta.outlet, meta.date) == (DOC.title, "The Harbour Ledger", DOC.date)
    assert extract_docx("bare.docx", news_docx(DOC, properties=False))[1].date == ""  # python-docx's template date is no date


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("scan.pdf", scanned_pdf(), "no text layer"),
        ("locked.pdf", encrypted_pdf(DOC), "encrypted"),
        ("broken.pdf", b"%PDF-1.7\nthis is no pdf at all", "not a readable PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip", "not a readable .docx"),
    ],
)
def test_unreadable_documents_are_refused_with_a_reason(name, data, reason):
    with pytest.raises(RagError, match=reason):
        (extract_docx if name.endswith(".docx") else extract_pdf)(name, data)
    assert reason in check_upload(name, data, 10**7)  # an upload is refused in the same words


def _line(text, x0, top, width=200.0, size=10.0):
    return Line(text, x0, x0 + width, top, top + size, size)


def test_a_three_column_page_reads_column_by_column():
    page = Page(600, 800, [])
    for col in range(3):
        for row in range(6):
            page.lines.append(_line(f"c{col}r{row}", 40 + col * 180, 100 + row * 14, width=160))
    page.lines.append(_line("A headline across all three columns of the page", 40, 60, width=500, size=18))
    paragraphs = reading_order(page)
    assert paragraphs[0].startswith("A headline")
    assert [p.split("\n") for p in paragraphs[1:]] == [[f"c{c}r{r}" for r in range(6)] for c in range(3)]


def test_furniture_repeated_on_pages_is_dropped_and_body_lines_are_kept():
    pages = [Page(600, 800, [_line("Daily Ledger | page 1", 40, 20), _line("A body line that repeats", 40, 400), _line(f"{n}", 300, 770, 10)]) for n in (1, 2, 3)]
    kept = drop_furniture(pages, repeated_margin_lines(pages))
    assert all([line.text for line in page.lines] == ["A body line that repeats"] for page in kept)


def test_a_headline_repeated_small_in_the_next_pages_header_stays():
    headline = "Ferry route to Kestrel Island approved"
    first = Page(600, 800, [_line(headline, 40, 30, 500, size=18), _line("Body text of the first page.", 40, 300)])
    later = [Page(600, 800, [_line(headline, 40, 20, 300, size=8), _line(f"Body text of page {n}.", 40, 300)]) for n in (2, 3)]
    kept = drop_furniture([first, *later], repeated_margin_lines([first, *later]))
    assert [line.text for line in kept[0].lines] == [headline, "Body text of the first page."]
    assert all(headline not in [line.text for line in page.lines] for page in kept[1:])


def test_hyphens_at_line_ends():
    assert join_hyphens(["the inter-\nconnection and a well-\nknown two-year plan, a well-known fact"]) == [
        "the interconnection and a well-known two-year plan, a well-known fact"
    ]
    assert join_hyphens(["the Indo-\nPacific region"]) == ["the Indo-Pacific region"]
    assert join_hyphens(["a paragraph cut by the column", "end goes on here."]) == ["a paragraph cut by the column end goes on here."]


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    root = tmp_path_factory.mktemp("documents")
    folder = root / "articles"
    folder.mkdir()
    (folder / "ferry.pdf").write_bytes(news_pdf(DOC, interleaved=True))
    bridge = ferry_article()
    bridge.title = "Old swing bridge to close for repairs"
    bridge.paragraphs = [
        "The council will close the Mill Lane swing bridge for eleven weeks from June while engineers replace its turning gear, the highways office said on Monday.",
        "Cyclists and pedestrians will use a temporary pontoon, and a diversion of about four kilometres will run through Eastgate.",
    ]
    (folder / "bridge.docx").write_bytes(news_docx(bridge))
    (folder / "scan.pdf").write_bytes(scanned_pdf())
    (folder / "locked.pdf").write_bytes(encrypted_pdf(DOC))
    settings = make_settings(root / "store", backend="extractive")
    settings.collection.paths = [str(folder)]
    return Assistant(settings), settings


def test_a_folder_of_documents_is_ingested_and_the_unreadable_ones_are_reported(documents):
    assistant, _ = documents
    report = assistant.ingest()
    assert sorted(p.split(":")[0] for p in report.problems) == ["locked.pdf", "scan.pdf"]
    rows = {row["doc_id"]: row for row in assistant.articles()}
    assert set(rows) == {"ferry.pdf", "bridge.docx"}
    assert (rows["ferry.pdf"]["title"], rows["ferry.pdf"]["outlet"], rows["ferry.pdf"]["date"]) == (DOC.title, "The Harbour Ledger", DOC.date)
    assert rows["bridge.docx"]["title"] == "Old swing bridge to close for repairs"


@pytest.mark.parametrize(
    ("question", "doc_id", "expected"),
    [("How many passengers can each ferry vessel carry?", "ferry.pdf", "180"), ("For how many weeks will the Mill Lane bridge close?", "bridge.docx", "eleven weeks")],
)
def test_documents_are_answered_with_exact_spans_of_the_stored_text(documents, question, doc_id, expected):
    assistant, _ = documents
    assistant.ingest()
    answer = assistant.ask(question)
    assert answer.outcome != "not_found" and expected in answer.answer  # claimed, or quoted as the most relevant passage
    assert any(c.doc_id == doc_id and expected in c.quote for c in answer.citations)
    for citation in answer.citations:
        assert assistant.article(citation.doc_id)[1][citation.start : citation.end] == citation.quote


def test_cli_ingests_documents_says_why_it_skips_and_shows_the_stored_text(documents, monkeypatch):
    _, settings = documents
    monkeypatch.setenv("RAG_STORE", str(settings.store_dir))
    monkeypatch.setenv("RAG_BACKEND", "extractive")
    folder = settings.collection.paths[0]
    result = CliRunner().invoke(main, ["ingest", folder])
    assert result.exit_code == 0, result.output
    assert "scan.pdf: no text layer" in result.output and "locked.pdf: the PDF is encrypted" in result.output
    assert "Traceback" not in result.output
    shown = CliRunner().invoke(main, ["show", "ferry.pdf"])
    assert shown.exit_code == 0 and DOC.header not in shown.output and SENTENCES[0] in shown.output
    for question, doc_id in [("How many passengers can each ferry vessel carry?", "ferry.pdf"), ("For how many weeks will the Mill Lane bridge close?", "bridge.docx")]:
        asked = CliRunner().invoke(main, ["ask", "--local", "--json", question])
        assert asked.exit_code == 0, asked.output
        citations = json.loads(asked.stdout)["citations"]
        assert any(c["doc_id"] == doc_id for c in citations)
        for c in citations:  # each quote is the span of what `rag show` prints
            stored = CliRunner().invoke(main, ["show", c["doc_id"]]).output
            assert c["quote"] in stored
